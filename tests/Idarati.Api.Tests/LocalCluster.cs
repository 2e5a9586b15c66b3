namespace Idarati.Api.Tests;

/// <summary>Runs the repository's scripts/pg.sh helpers, as run.sh and test.sh do.</summary>
internal static class LocalCluster
{
    public static async Task<string> Bash(string script)
    {
        var (code, output, error) = await Tools.RunAsync(Tools.Repository, "bash", "-c", "source scripts/pg.sh && " + script);
        Assert.True(code == 0, $"{script}: {output}{error}");
        return output.Trim();
    }
}
