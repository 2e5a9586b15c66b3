using System.Diagnostics;
using System.Globalization;
using Idarati.Api;
using Idarati.Application.Audit;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Application.Notifications;
using Idarati.Application.Streams;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.Marten;

namespace Idarati.Benchmarks;

/// <summary>
/// The same command, acknowledging a complaint, through the service's command path (<c>ActOnComplaint</c>: its
/// handler, <c>CommandHandler</c> over <c>FetchForWriting</c>) beside Wolverine's aggregate handler workflow
/// (<c>[AggregateHandler]</c> with <c>IEventStream&lt;T&gt;</c>: Wolverine fetches the stream, the handler decides,
/// seals the chain and cascades the citizen's notification, Wolverine's middleware saves), on one host and database,
/// each acknowledging its own complaints in alternating rounds. The workflow's handler keeps the hash chain and the
/// outbox, not the command id, the bounded retry or the reader check: it is the lighter of the two.
/// </summary>
public static class AggregateWorkflowBenchmark
{
    private const int Concurrency = 8;

    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report)
    {
        var schema = "bench_aggr_" + Guid.NewGuid().ToString("N")[..8];
        var app = ApiHost.Build(HttpBenchmark.ServiceArguments($"http://127.0.0.1:{HttpBenchmark.FreePort()}", connectionString, schema), builder => builder.Services.ConfigureWolverine(options =>
        {
            // The workflow's handler has no pre-generated code: this host compiles Wolverine's code at start.
            options.Discovery.IncludeAssembly(typeof(AggregateWorkflowBenchmark).Assembly);
            options.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Dynamic;
            options.UseRuntimeCompilation();
        }));
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var bus = app.Services.GetRequiredService<IMessageBus>();
            var perRound = settings.Smoke ? 40 : 1000;
            var rounds = settings.Smoke ? 1 : Math.Max(2, (int)Math.Round(settings.Duration.TotalSeconds / 2));
            var ids = await SubmitAsync(bus, (rounds + 1) * 2 * perRound).ConfigureAwait(false);
            var next = -1;
            Guid Take() => ids[Interlocked.Increment(ref next)];
            var agent = new Actor("bench-agent", Role.Agent, "MIN-SANTE");

            Task Ours() => bus.InvokeAsync<ComplaintView>(new ActOnComplaint(Take(), new ComplaintAction.Acknowledge(), new CommandContext(agent)));
            Task Workflow() => bus.InvokeAsync(new AcknowledgeThroughWorkflow(ComplaintIdentifiers.StreamId(Take())));

            // Both acknowledge, with the chain intact, before anything is timed (and each warms up on its own round).
            await RoundAsync(Ours, perRound).ConfigureAwait(false);
            await RoundAsync(Workflow, perRound).ConfigureAwait(false);
            var verified = await app.Services.GetRequiredService<StoredStreams>().ReadVerifiedAsync([.. ids.Take(2 * perRound).Select(ComplaintIdentifiers.StreamId)]).ConfigureAwait(false);
            if (verified.Any(v => !v.Verification.Valid || v.Events.Count != 2))
            {
                throw new InvalidOperationException("An acknowledged complaint does not verify, or was not acknowledged once.");
            }

            Console.WriteLine($"== aggregate-workflow: acknowledge a complaint, the service's command path beside Wolverine's aggregate handler workflow, {Concurrency} at once, {rounds} alternating rounds of {perRound}");
            var (ours, workflow) = (new List<double>(), new List<double>());
            for (var round = 0; round < rounds; round++)
            {
                ours.Add(await RoundAsync(Ours, perRound).ConfigureAwait(false));
                workflow.Add(await RoundAsync(Workflow, perRound).ConfigureAwait(false));
            }

            Console.WriteLine("    per round, command path/workflow per second: " + string.Join(' ', ours.Zip(workflow, (a, b) => string.Create(CultureInfo.InvariantCulture, $"{a:F0}/{b:F0}"))));
            var (oursRate, workflowRate) = (rounds * perRound / ours.Sum(r => perRound / r), rounds * perRound / workflow.Sum(r => perRound / r));
            report.Add("command.acknowledge.command-path.c8", oursRate, "commands/s");
            report.Add("command.acknowledge.aggregate-workflow.c8", workflowRate, "commands/s", "command.acknowledge.command-path.c8");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    aggregate workflow / command path: {workflowRate / oursRate:F2}"));
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Complaints to acknowledge, submitted through the service's own command path.</summary>
    private static async Task<Guid[]> SubmitAsync(IMessageBus bus, int count)
    {
        var ids = new Guid[count];
        var next = -1;
        var citizen = new CommandContext(new Actor("bench-citizen", Role.Citizen));
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var submitted = await bus.InvokeAsync<SubmittedComplaint>(new SubmitComplaint(ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT",
                    "Attente", "Délai d'attente trop long.", new SubmitComplaint.Place("Oriental", "Oujda-Angad", "Oujda"),
                    new SubmitComplaint.Person("Bench", "B0", "0600000000", "bench@example.invalid")) { Context = citizen }).ConfigureAwait(false);
                ids[i] = submitted.Id;
            }
        }))).ConfigureAwait(false);
        return ids;
    }

    /// <summary>Runs <paramref name="count"/> commands, <see cref="Concurrency"/> at once; their rate per second.</summary>
    private static async Task<double> RoundAsync(Func<Task> command, int count)
    {
        var left = count;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Decrement(ref left) >= 0)
            {
                await command().ConfigureAwait(false);
            }
        }))).ConfigureAwait(false);
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}

/// <summary>Acknowledge a complaint through Wolverine's aggregate handler workflow (the stream id, as Wolverine finds it).</summary>
public sealed record AcknowledgeThroughWorkflow(string Id);

/// <summary>The workflow's handler: Wolverine fetches the stream for writing and saves the session; the handler decides, seals and cascades.</summary>
[AggregateHandler]
public static class AcknowledgeThroughWorkflowHandler
{
    private static readonly Actor Agent = new("bench-agent", Role.Agent, "MIN-SANTE");

    public static OutgoingMessages Handle(AcknowledgeThroughWorkflow command, JasperFx.Events.IEventStream<Folded<ComplaintState>> stream, IDocumentSession session, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(time);
        var state = stream.Aggregate!.State;
        var version = stream.CurrentVersion ?? 0;
        var events = ComplaintDecider.Decider.Decide(new ComplaintCommand.Acknowledge(Agent, time.GetUtcNow()), state);
        stream.AppendMany(events.Cast<object>().ToArray());
        foreach (var e in stream.Events)
        {
            e.UserName = Agent.ToString();
        }

        TamperEvidence.Seal(session, stream.Events, command.Id, version, stream.Aggregate.LastHash, time.GetUtcNow());
        var messages = new OutgoingMessages();
        messages.AddRange(CitizenNotifications.For(events.Aggregate(state, ComplaintDecider.Decider.Evolve), events, version));
        return messages;
    }
}
