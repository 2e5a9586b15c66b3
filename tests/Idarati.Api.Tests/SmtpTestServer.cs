using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// A real SMTP server beside the service: Debian's python3-aiosmtpd run by tests/servers/smtp-server.py, on 127.0.0.1.
/// It reports what it received (<see cref="Events"/>) and is steered by commands: accept, defer N, refuse, hold, release.
/// </summary>
internal sealed class SmtpTestServer : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();

    private SmtpTestServer(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { Length: > 0 } text)
            {
                _events.Enqueue(JsonDocument.Parse(text).RootElement.Clone());
            }
        };
        _process.BeginOutputReadLine();
    }

    /// <summary>The port the server listens on, as the service's Notifications:Smtp:Port.</summary>
    public int Port { get; private set; }

    /// <summary>Every line the server printed, in order.</summary>
    public IReadOnlyList<JsonElement> Events => [.. _events];

    /// <summary>The mails the server took (answered 250), in order.</summary>
    public IReadOnlyList<JsonElement> Accepted => [.. _events.Where(e => e.TryGetProperty("accepted", out _))];

    public static async Task<SmtpTestServer> StartAsync()
    {
        var script = Path.Combine(Tools.Repository, "tests", "servers", "smtp-server.py");
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        start.ArgumentList.Add(script);
        var server = new SmtpTestServer(Process.Start(start)!);
        await Deadline.UntilAsync(() => Task.FromResult(server._events.Any(e => e.TryGetProperty("listening", out _)) || server._process.HasExited), 30,
            "the SMTP server (python3-aiosmtpd) to listen");
        Assert.False(server._process.HasExited, "tests/servers/smtp-server.py stopped: is Debian's python3-aiosmtpd installed?");
        server.Port = server._events.First(e => e.TryGetProperty("listening", out _)).GetProperty("listening").GetInt32();
        return server;
    }

    /// <summary>Sends a command (accept, defer N, refuse, hold, release) and waits until the server took it.</summary>
    public async Task CommandAsync(string command)
    {
        var before = _events.Count(e => e.TryGetProperty("command", out _));
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        await Deadline.UntilAsync(() => Task.FromResult(_events.Count(e => e.TryGetProperty("command", out _)) > before), 10, $"the SMTP server to take '{command}'");
    }

    /// <summary>Waits until the server printed an event of <paramref name="kind"/> (accepted, held, deferred, refused) <paramref name="count"/> times.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(string kind, int count, double seconds = 30)
    {
        await Deadline.UntilAsync(() => Task.FromResult(_events.Count(e => e.TryGetProperty(kind, out _)) >= count), seconds, $"{count} '{kind}' at the SMTP server");
        return [.. _events.Where(e => e.TryGetProperty(kind, out _))];
    }

    /// <summary>The service's settings that send to this server.</summary>
    public Dictionary<string, string> Settings(string separator = ":") => new()
    {
        [$"Notifications{separator}Sender"] = "smtp", [$"Notifications{separator}Smtp{separator}Host"] = "127.0.0.1",
        [$"Notifications{separator}Smtp{separator}Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Notifications{separator}Smtp{separator}From"] = "noreply@chikaya.ma", [$"Notifications{separator}Smtp{separator}EnableSsl"] = "false",
    };

    /// <summary>Points <paramref name="node"/>'s mail at this server.</summary>
    public ApiFactory SendsTo(ApiFactory node)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (var (key, value) in Settings())
        {
            node.Settings[key] = value;
        }

        return node;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
