using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// The service in a process of its own (the built Idarati.Api.dll, Testing environment, on the test database in
/// a schema of its own), for tests that must kill a node outright; <see cref="Kill"/> sends SIGKILL.
/// </summary>
public sealed class ApiProcess : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private ApiProcess(Process process, Uri address, string logFile)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = address };
        LogFile = logFile;
    }

    /// <summary>Where the process listens.</summary>
    public Uri Address => _http.BaseAddress!;

    /// <summary>The file the process's standard output and error are written to, line by line, as an operator's log would be.</summary>
    public string LogFile { get; }

    private readonly Lock _log = new();

    public static async Task<ApiProcess> StartAsync(string schema, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var port = Tools.FreePort();

        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Idarati.Api.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["IDARATI_DB"] = ApiFactory.TestDatabase;
        start.Environment["EventStore__Schema"] = schema;
        start.Environment["Auth__DevTokens"] = "true";
        start.Environment["Auth__SigningKey"] = "integration-tests-signing-key-of-at-least-32-bytes";
        start.Environment["Complaints__AccessCodeSecret"] = ApiFactory.AccessCodeSecret;
        start.Environment["Audit__CheckpointKey"] = ApiFactory.CheckpointKey;
        start.Environment["PersonalData__MasterKey"] = ApiFactory.MasterKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        // Drain its output into its log file, so that a full pipe never blocks it.
        var node = new ApiProcess(process, address, Path.Combine(Path.GetTempPath(), $"idarati-{schema}-{port}.log"));
        process.OutputDataReceived += (_, line) => node.Write(line.Data);
        process.ErrorDataReceived += (_, line) => node.Write(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Deadline.UntilAsync(async () =>
        {
            Assert.False(process.HasExited, $"The service exited with {(process.HasExited ? process.ExitCode : 0)}.");
            try
            {
                return (await node._http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, 60, "the service's process to be ready");
        return node;
    }

    private void Write(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                File.AppendAllText(LogFile, line + Environment.NewLine);
            }
        }
    }

    /// <summary>A client of the process authenticated with a dev token for <paramref name="role"/>.</summary>
    public async Task<HttpClient> ClientAsync(string role, string? administrationId = null, string? subject = null)
    {
        var response = await _http.PostAsJsonAsync(new Uri("/api/dev/tokens", UriKind.Relative), new { role, administrationId, subject });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var client = new HttpClient { BaseAddress = _http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>SIGSTOP: every thread of the process stands still (a frozen VM, a long pause) and its sockets stay open.</summary>
    public void Freeze() => Signal(19);

    /// <summary>SIGCONT: the frozen process runs on from where it stood.</summary>
    public void Thaw() => Signal(18);

    private void Signal(int signal) => Assert.Equal(0, NativeMethods.kill(_process.Id, signal));

    /// <summary>SIGKILL: the process stops at once, nothing of it runs again.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Thaw();
            Kill();
        }

        _process.Dispose();
        _http.Dispose();
        File.Delete(LogFile);
    }
}

internal static class NativeMethods
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    internal static extern int kill(int pid, int sig);
}
