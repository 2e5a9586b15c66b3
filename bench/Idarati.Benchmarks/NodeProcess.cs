using System.Diagnostics;
using System.Globalization;

namespace Idarati.Benchmarks;

/// <summary>
/// The service in a process of its own (the built Idarati.Api.dll beside the benchmarks), for figures that need one: its
/// resident memory, or a node killed outright. Started again on the same port with the same arguments.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly IReadOnlyList<string> _arguments;
    private Process _process;

    private NodeProcess(string url, IReadOnlyList<string> arguments)
    {
        (Url, _arguments) = (url, arguments);
        _process = Launch();
    }

    public string Url { get; }

    public int Id => _process.Id;

    /// <summary>Starts a node with the benchmarks' service arguments and <paramref name="extra"/>, and waits until it is ready.</summary>
    public static async Task<NodeProcess> StartAsync(string connectionString, string schema, params string[] extra)
    {
        var url = $"http://127.0.0.1:{HttpBenchmark.FreePort()}";
        var node = new NodeProcess(url, [.. HttpBenchmark.ServiceArguments(url, connectionString, schema), .. extra]);
        await node.ReadyAsync().ConfigureAwait(false);
        return node;
    }

    private Process Launch()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Idarati.Api.dll"));
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Until /health/ready answers 200 (a minute at most).</summary>
    public async Task ReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/health/ready").ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        throw new TimeoutException($"The node at {Url} was not ready within a minute.");
    }

    /// <summary>SIGKILL: no shutdown, connections and locks dropped as a crash drops them.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Starts it again, same port, same arguments, after <see cref="Kill"/>.</summary>
    public Task RestartAsync()
    {
        _process.Dispose();
        _process = Launch();
        return ReadyAsync();
    }

    /// <summary>VmRSS of /proc/PID/status, in bytes; 0 when the process is gone.</summary>
    public long Resident()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
