using System.Diagnostics;

namespace Idarati.Api.Tests;

/// <summary>The programs the API tests run beside the service: Node scripts and tools of tests/conformance, the repository's shell helpers.</summary>
internal static class Tools
{
    /// <summary>tests/conformance, with its npm packages installed (./test.sh runs npm ci).</summary>
    public static string Conformance => GraphQLAuditTests.Conformance();

    public static string Repository => Path.GetDirectoryName(Path.GetDirectoryName(Conformance))!;

    /// <summary>Runs <paramref name="program"/> in <paramref name="directory"/>; its exit code, standard output and standard error.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string directory, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Offline tools: no telemetry, no update check.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_UPDATE_NOTIFIER"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts.</summary>
    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A script of tests/conformance run by Node.</summary>
    public static Task<(int Code, string Output, string Error)> NodeAsync(params string[] arguments) => RunAsync(Conformance, "node", arguments);
}
