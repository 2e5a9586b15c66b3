using System.Diagnostics;
using System.Net;
using Idarati.Tests;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Idarati.Api.Tests;

/// <summary>
/// OpenTelemetry on the service's own configuration, collected by the in-memory exporter: a submission's trace runs
/// from the request through its Wolverine handler to the append; an acknowledgement's on through the outbox to the
/// notification's handler and the mail handed to a real SMTP server.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task One_trace_runs_from_the_request_through_the_handler_and_the_append_to_the_notification_and_its_mail()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        List<Activity> spans = [];
        await using var node = new ApiFactory
        {
            Settings = { ["Telemetry:Tracing"] = "true" },
            ExtraServices = services => services.ConfigureOpenTelemetryTracerProvider(b => b.AddInMemoryExporter(spans)),
        };
        smtp.SendsTo(node);

        // Spans are collected process-wide, other tests' hosts included: each request carries a W3C traceparent of
        // its own, and the service's spans continue that trace.
        var submitted = ActivityTraceId.CreateRandom();
        var acknowledged = ActivityTraceId.CreateRandom();
        using var citizen = await node.ClientAsync("citizen", subject: "traced");
        using var agent = await node.ClientAsync("agent", "MIN-SANTE");
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/api/complaints") { Content = System.Net.Http.Json.JsonContent.Create(TestHttp.Complaint()) };
        submit.Headers.Add("traceparent", $"00-{submitted}-{ActivitySpanId.CreateRandom()}-01");
        var id = (await TestHttp.Json(await citizen.SendAsync(submit), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var acknowledge = new HttpRequestMessage(HttpMethod.Post, $"/api/complaints/{id}/acknowledge");
        acknowledge.Headers.Add("traceparent", $"00-{acknowledged}-{ActivitySpanId.CreateRandom()}-01");
        await TestHttp.Json(await agent.SendAsync(acknowledge), HttpStatusCode.OK);
        await smtp.WaitForAsync("accepted", 1);
        var provider = node.Services.GetRequiredService<TracerProvider>();
        Activity[] all = [];
        await Deadline.UntilAsync(() =>
        {
            provider.ForceFlush();
            all = [.. spans];
            // A span is exported when it ends: the notification's handler ends after its mail and its 'Handled' mark.
            return Task.FromResult(all.Any(s => s.DisplayName == "smtp send" && s.TraceId == acknowledged)
                && all.Any(s => s.TraceId == acknowledged && s.Source.Name == "Wolverine" && s.DisplayName.EndsWith(".CitizenNotification", StringComparison.Ordinal) && s.Kind != ActivityKind.Producer));
        }, 30, "the spans of the notification and its mail");
        var byId = all.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        bool Under(Activity span, Activity ancestor)
        {
            for (var current = span; current.ParentSpanId != default && byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
            {
                if (parent.SpanId == ancestor.SpanId)
                {
                    return true;
                }
            }

            return false;
        }

        // The submission: request, handler, the group commit that wrote it, the append.
        var submission = all.Where(s => s.TraceId == submitted).ToList();
        var submitRequest = Assert.Single(submission, s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/complaints/");
        var submitHandler = Assert.Single(submission, s => s.Source.Name == "Wolverine" && s.DisplayName.EndsWith(".SubmitComplaint", StringComparison.Ordinal));
        Assert.Equal(submitRequest.SpanId, submitHandler.ParentSpanId);
        var submitAppend = Assert.Single(submission, s => s.Source.Name == "Npgsql" && Query(s).Contains("mt_quick_append_events", StringComparison.Ordinal));
        Assert.True(Under(submitAppend, submitHandler));
        Assert.Contains(submission, s => s.Source.Name == "Idarati" && s.DisplayName == "group commit" && Under(submitAppend, s) && Under(s, submitHandler));

        // The acknowledgement: request, handler, append, the outbox's send, the notification's handler and its mail.
        var trace = all.Where(s => s.TraceId == acknowledged).ToList();
        var acknowledgeRequest = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/complaints/{id:guid}/acknowledge");
        var handler = Assert.Single(trace, s => s.Source.Name == "Wolverine" && s.DisplayName.EndsWith(".ActOnComplaint", StringComparison.Ordinal));
        Assert.Equal(acknowledgeRequest.SpanId, handler.ParentSpanId);
        Assert.Contains(trace, s => s.Source.Name == "Npgsql" && Query(s).Contains("mt_quick_append_events", StringComparison.Ordinal) && Under(s, handler));
        Assert.Contains(trace, s => s.Source.Name == "Wolverine" && s.Kind == ActivityKind.Producer && s.DisplayName == "send" && Under(s, handler));
        var notification = Assert.Single(trace, s => s.Source.Name == "Wolverine" && s.DisplayName.EndsWith(".CitizenNotification", StringComparison.Ordinal) && s.Kind != ActivityKind.Producer);
        Assert.True(Under(notification, handler));
        var mail = Assert.Single(trace, s => s.DisplayName == "smtp send");
        Assert.True(Under(mail, notification));
        Assert.Equal($"{id:N}.2@chikaya.ma", mail.GetTagItem("messaging.message.id"));
        Assert.Contains(trace, s => s.Source.Name == "Npgsql" && Query(s).Contains("wolverine_incoming_envelopes set status = 'Handled'", StringComparison.Ordinal) && Under(s, notification));
        // No span carries the citizen's data.
        Assert.DoesNotContain(all, s => s.Tags.Any(t => t.Value?.Contains("amina", StringComparison.OrdinalIgnoreCase) == true));
    }

    private static string Query(Activity span) => span.GetTagItem("db.query.text") as string ?? "";
}
