using System.Diagnostics;

namespace Idarati.Api.Tests;

/// <summary>Runs the repository's scripts/pg.sh helpers, as run.sh and test.sh do.</summary>
internal static class LocalCluster
{
    public static async Task<string> Bash(string script)
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(GraphQLAuditTests.Conformance()))!;
        var start = new ProcessStartInfo("bash") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("source scripts/pg.sh && " + script);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{script}: {await output}{await error}");
        return (await output).Trim();
    }
}
