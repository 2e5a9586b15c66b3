using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Idarati.Api.Tests;

/// <summary>Every request is logged with the traceId its problem carries; lines are timestamped; JSON outside Development.</summary>
public sealed class LogTests
{
    private sealed class Capture : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(string Category, IReadOnlyList<KeyValuePair<string, object?>> State, string Message)> Entries { get; private init; } = new();

        private string _category = string.Empty;

        public ILogger CreateLogger(string categoryName) => new Capture { _category = categoryName, Entries = Entries };

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((_category, state as IReadOnlyList<KeyValuePair<string, object?>> ?? [], formatter(state, exception)));

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Each_request_is_logged_with_the_trace_id_of_its_problem_and_without_its_query_string()
    {
        var capture = new Capture();
        await using var factory = new ApiFactory { ExtraServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        var supervisor = factory.As("supervisor");
        var missing = await supervisor.GetAsync($"/api/complaints/{Guid.NewGuid()}?asOf=2026-01-01T00:00:00Z", HttpStatusCode.NotFound);
        var traceId = missing.GetProperty("traceId").GetString();

        var line = Assert.Single(capture.Entries, e => e.Category == "Idarati.Requests" && e.State.Any(p => p.Key == "TraceId" && (string?)p.Value == traceId));
        Assert.Contains("GET /api/complaints/", line.Message, StringComparison.Ordinal);
        Assert.Contains("answered 404", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("asOf", line.Message, StringComparison.Ordinal);

        var json = factory.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue;
        Assert.True(json.UseUtcTimestamp);
        Assert.False(string.IsNullOrEmpty(json.TimestampFormat));
        Assert.Equal(ConsoleFormatterNames.Json, factory.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    [Fact]
    public async Task A_refused_command_is_logged_once_as_a_request_without_the_citizens_identity()
    {
        var capture = new Capture();
        await using var factory = new ApiFactory { ExtraServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        var citizen = factory.As("citizen", subject: "logged-citizen");
        var refused = TestHttp.Complaint();
        refused["citizen"] = new { fullName = "Amina Benali", nationalId = "not a CIN", phone = "+212600000000", email = "amina@example.ma" };
        await citizen.PostAsync("/api/complaints", refused, HttpStatusCode.BadRequest);
        await citizen.PostAsync($"/api/complaints/{Guid.NewGuid()}/reopen", new { reason = "Amina Benali n'est pas satisfaite." }, HttpStatusCode.NotFound);
        await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);

        Assert.Equal(3, capture.Entries.Count(e => e.Category == "Idarati.Requests" && e.Message.Contains("/api/complaints", StringComparison.Ordinal)));
        Assert.DoesNotContain(capture.Entries, e => e.Message.Contains("Amina", StringComparison.Ordinal) || e.Message.Contains("amina@example.ma", StringComparison.Ordinal)
            || e.Message.Contains("+212600000000", StringComparison.Ordinal) || e.Message.Contains("Invocation of", StringComparison.Ordinal));
        Assert.Contains(typeof(Application.Complaints.SubmitComplaint), Infrastructure.Messaging.Commands);
        Assert.DoesNotContain(typeof(Application.Notifications.CitizenNotification), Infrastructure.Messaging.Commands);
    }

    [Fact]
    public async Task The_content_root_is_the_application_folder_and_development_logs_timestamped_lines()
    {
        await using var app = ApiHost.Build(["--environment", "Development", "--IDARATI_DB", ApiFactory.TestDatabase]);
        Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(app.Environment.ContentRootPath));
        Assert.Equal("*", app.Configuration["AllowedHosts"]);
        var simple = app.Services.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue;
        Assert.True(simple.UseUtcTimestamp);
        Assert.False(string.IsNullOrEmpty(simple.TimestampFormat));
    }
}
