using Idarati.Application.Administrations;
using Idarati.Application.CallCenter;
using Idarati.Application.Complaints;
using Idarati.Domain.Administrations;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.Reference;
using Idarati.Domain.Shared;
using Idarati.Application.Handling;

namespace Idarati.Application.Seeding;

/// <summary>
/// Fills an empty store with a synthetic dataset, labelled as such in every event's metadata (header "dataset":
/// "synthetic") and in its names ("synthétique"). Every stream is built by its decider from commands, exactly as the
/// API would, then written with the bulk path. Deterministic: the same plan writes the same events (event times come
/// from the plan, not the clock; the TimeProvider only times the run and stamps recorded_at through the store).
/// </summary>
public sealed class SyntheticDataset(ISeedSink sink, ComplaintOptions options, TimeProvider time)
{
    public static readonly DateTimeOffset Start = new(2018, 1, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The day IDARATI published the figures the generator reproduces: every synthetic event happens before it ends.</summary>
    public static readonly DateTimeOffset End = new(2020, 3, 2, 18, 0, 0, TimeSpan.Zero);

    private const int ChunkStreams = 4_000;
    private static readonly Actor Seed = new("synthetic-seed", Role.Admin);
    private static readonly IReadOnlyDictionary<string, string> Label = new Dictionary<string, string>(StringComparer.Ordinal) { ["dataset"] = "synthetic" };

    public async Task<SeedResult> SeedAsync(SeedPlan plan, IProgress<SeedProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!await sink.PrepareAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The store already holds streams (a service started on it registers the reference administrations): the generator fills an empty store only. "
                + "On run.sh's local cluster: stop the service, then ./run.sh reset and ./run.sh seed; on another server: an empty database, or a schema of its own (EventStore__Schema).");
        }

        var started = time.GetTimestamp();
        var administrations = Administrations(plan.Administrations);
        var (streams, events) = (0, 0L);
        var gate = new object();
        async Task WriteAsync(string phase, int total, Func<int, SeedStream> build)
        {
            var done = 0;
            // Two chunks in flight, each built and written by its own task: while the database copies one chunk, the
            // client builds, serializes and hashes the other, so both cores stay busy.
            var next = 0;
            async Task Writer()
            {
                while (true)
                {
                    int from;
                    lock (gate)
                    {
                        from = next;
                        next += ChunkStreams;
                    }

                    if (from >= total)
                    {
                        return;
                    }

                    var chunk = new SeedStream[Math.Min(ChunkStreams, total - from)];
                    Parallel.For(0, chunk.Length, new ParallelOptions { CancellationToken = cancellationToken }, i => chunk[i] = build(from + i));
                    var (written, writtenEvents) = await sink.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                    lock (gate)
                    {
                        done += chunk.Length;
                        streams += written;
                        events += writtenEvents;
                        progress?.Report(new SeedProgress(phase, done, total, events));
                    }
                }
            }

            await Task.WhenAll(Task.Run(Writer, cancellationToken), Task.Run(Writer, cancellationToken)).ConfigureAwait(false);
        }

        await WriteAsync("administrations", administrations.Count, i => AdministrationStream(administrations[i], i)).ConfigureAwait(false);
        // Complaints go to the administrations that process them; the call centre only orients.
        var active = administrations.Select(a => a.Id).Where(a => a != TicketDecider.CallCenterAdministrationId).ToArray();
        var processed = ChooseProcessed(plan);
        await WriteAsync("complaints", plan.Complaints, i => ComplaintStream(i, processed.SubmittedAt[i], processed.Processed[i], active)).ConfigureAwait(false);
        var categories = plan.Questions.SelectMany(q => Enumerable.Repeat(q.Key, q.Value)).ToArray();
        await WriteAsync("call-centre questions", categories.Length, i => TicketStream(i, categories[i])).ConfigureAwait(false);
        var employment = new EmploymentPlan(plan, active);
        await WriteAsync("competitions", employment.Competitions.Length, i => employment.CompetitionStream(i)).ConfigureAwait(false);
        await WriteAsync("candidate accounts", employment.Candidates.Length, i => employment.CandidateStream(i)).ConfigureAwait(false);
        await WriteAsync("applications", employment.Applications.Count, i => employment.ApplicationStream(i)).ConfigureAwait(false);
        await sink.FinishAsync(cancellationToken).ConfigureAwait(false);
        return new SeedResult(streams, events, time.GetElapsedTime(started));
    }

    /// <summary>
    /// The seed's append options: actor, label and keys, but no command id: the generator fills an empty store only,
    /// so there is no retry to recognise, and 243,000 idempotency rows would slow the import for nothing.
    /// </summary>
    internal static SeedMetadata Metadata(IReadOnlyList<StreamKey>? keys = null) => new(Seed.ToString(), Label, keys ?? []);

    /// <summary>A seed per stream that is the same in every process (HashCode is randomized per process).</summary>
    internal static int StreamSeed(int family, int index) => unchecked((family * 1_000_003) ^ (index * 486_187_739));

    internal static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>A version 7 id (RFC 9562: Unix milliseconds, then random bits) whose random part comes from the stream's seed.</summary>
    internal static Guid NewVersion7Guid(Random random, DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, at.ToUnixTimeMilliseconds() << 16 | (long)(bytes[6] & 0x0F | 0x70) << 8 | bytes[7]);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A time drawn between two instants, more often towards the end: the platform's use grew.</summary>
    internal static DateTimeOffset Growing(Random random, DateTimeOffset from, DateTimeOffset to) =>
        from + (to - from) * Math.Sqrt(random.NextDouble());

    /// <summary>A positive delay with a long tail, in days: most near the median, some far beyond it.</summary>
    internal static TimeSpan Days(Random random, double median) =>
        TimeSpan.FromDays(median * Math.Exp(0.8 * Normal(random)));

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    internal static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static List<AdministrationProfile> Administrations(int count)
    {
        var list = Catalogue.DefaultAdministrations.Take(count).ToList();
        var regions = Catalogue.DefaultAdministrations.Select(a => a.Region).Distinct().ToArray();
        for (var n = 1; list.Count < count; n++)
        {
            var kind = (AdministrationKind)(n % 3);
            var (ar, fr) = kind switch
            {
                AdministrationKind.Ministry => ("قطاع وزاري تجريبي", "Département ministériel synthétique"),
                AdministrationKind.PublicEstablishment => ("مؤسسة عمومية تجريبية", "Établissement public synthétique"),
                _ => ("جماعة ترابية تجريبية", "Collectivité territoriale synthétique"),
            };
            list.Add(new AdministrationProfile($"SYN-{n:D3}", $"{ar} {n:D3}", $"{fr} {n:D3}", kind, regions[n % regions.Length]));
        }

        return list;
    }

    private static SeedStream AdministrationStream(AdministrationProfile profile, int index)
    {
        var builder = new StreamBuilder<AdministrationCommand, AdministrationEvent, AdministrationState>(AdministrationDecider.Decider);
        builder.Do(new AdministrationCommand.Register(Seed, Start.AddDays(-30).AddHours(index), profile));
        return builder.ToBulk(AdministrationService.StreamId(profile.Id), Metadata());
    }

    /// <summary>
    /// Which complaints are processed by the end: exactly <see cref="SeedPlan.Processed"/> of them, the older ones far
    /// more likely, so that the recent ones make up most of what is still in progress.
    /// </summary>
    private static (DateTimeOffset[] SubmittedAt, bool[] Processed) ChooseProcessed(SeedPlan plan)
    {
        var random = new Random(20200302);
        var submitted = new DateTimeOffset[plan.Complaints];
        var score = new double[plan.Complaints];
        for (var i = 0; i < plan.Complaints; i++)
        {
            submitted[i] = Growing(random, Start, End.AddHours(-2));
            var age = (End - submitted[i]).TotalDays;
            score[i] = random.NextDouble() * Math.Min(1, 0.05 + age / 45);
        }

        var processed = new bool[plan.Complaints];
        foreach (var i in Enumerable.Range(0, plan.Complaints).OrderByDescending(i => score[i]).ThenBy(i => i).Take(plan.Processed))
        {
            processed[i] = true;
        }

        // Generated in the order they were submitted, as the portal would have: ids are time-ordered (version 7, like
        // the service's), so the log's index on stream ids grows at its right edge instead of splitting pages all over.
        var order = Enumerable.Range(0, plan.Complaints).OrderBy(i => submitted[i]).ThenBy(i => i).ToArray();
        return ([.. order.Select(i => submitted[i])], [.. order.Select(i => processed[i])]);
    }

    private static readonly string[] Regions = ["Rabat-Salé-Kénitra", "Casablanca-Settat", "Fès-Meknès", "Marrakech-Safi", "Tanger-Tétouan-Al Hoceïma", "Oriental", "Souss-Massa", "Béni Mellal-Khénifra", "Drâa-Tafilalet", "Guelmim-Oued Noun", "Laâyoune-Sakia El Hamra", "Dakhla-Oued Ed-Dahab"];

    private static readonly string[] Leaves = [.. Catalogue.ComplaintCategories.SelectMany(c => c.SelfAndDescendants()).Where(c => c.Children.Count == 0).Select(c => c.Code)];

    private SeedStream ComplaintStream(int index, DateTimeOffset submittedAt, bool processed, string[] administrations)
    {
        var random = new Random(StreamSeed(211_644, index));
        var id = NewVersion7Guid(random, submittedAt);
        var kindDraw = random.NextDouble();
        var kind = kindDraw < 0.85 ? ComplaintKind.Complaint : kindDraw < 0.93 ? ComplaintKind.Observation : ComplaintKind.Suggestion;
        var channelDraw = random.NextDouble();
        var channel = channelDraw < 0.70 ? ComplaintChannel.Portal : channelDraw < 0.90 ? ComplaintChannel.Mobile : channelDraw < 0.96 ? ComplaintChannel.CallCenter : ComplaintChannel.Mail;
        // A few administrations receive most complaints, as on the real portal.
        var owner = administrations[(int)(administrations.Length * Math.Pow(random.NextDouble(), 2.2))];
        var citizen = new Actor($"synthetic-citizen-{index:D6}", Role.Citizen);
        var anonymous = kind != ComplaintKind.Complaint && random.NextDouble() < 0.3;
        var tracking = ComplaintIdentifiers.TrackingNumber(id, submittedAt.Year);
        var builder = new StreamBuilder<ComplaintCommand, ComplaintEvent, ComplaintState>(ComplaintDecider.Decider);
        builder.Do(new ComplaintCommand.Submit(citizen, submittedAt, id.ToString(), tracking, ComplaintIdentifiers.HashAccessCode(ComplaintIdentifiers.AccessCode(id, options.AccessCodeSecret)),
            kind, channel, owner, Pick(random, Leaves), $"Réclamation synthétique n° {index + 1}", "Texte synthétique généré pour les essais et les démonstrations.",
            new Location(Pick(random, Regions), "Province synthétique", "Commune synthétique"),
            anonymous ? null : new Citizen($"Citoyen synthétique {index + 1:D6}", $"Y{index + 1:D7}", $"06{index + 1:D8}", $"citoyen{index + 1:D6}@synthetic.invalid"),
            submittedAt.AddDays(options.AcknowledgementDeadlineDays), submittedAt.AddDays(options.AnswerDays(kind))));
        Actor Agent() => new($"synthetic-agent-{owner}", Role.Agent, owner);

        // The deadlines' watch, as it would have run: each reminder and overdue recorded at its instant, before the
        // next step of the case, and up to the end of the data.
        void Do(ComplaintCommand command)
        {
            KeepDeadlines(builder, command.At);
            builder.Do(command);
        }

        // Every later step happens before the end; a processed complaint is processed by then whatever its draws.
        var at = submittedAt;
        bool Next(TimeSpan delay)
        {
            var next = at + delay;
            if (next >= End)
            {
                return false;
            }

            at = next;
            return true;
        }

        DateTimeOffset Deadline(TimeSpan delay) => at + delay < End ? at + delay : at + (End - at) * random.NextDouble();

        if (random.NextDouble() < 0.06 && Next(Days(random, 2)))
        {
            var target = Pick(random, administrations);
            if (target != owner)
            {
                Do(new ComplaintCommand.Transfer(Agent(), at, target, true, "Hors de la compétence de l'administration saisie."));
                owner = target;
            }
        }

        var rejected = processed && kind == ComplaintKind.Complaint && random.NextDouble() < 0.12;
        var acknowledged = !rejected && (processed ? Next(Days(random, 2.5)) || true : random.NextDouble() < 0.7 && Next(Days(random, 3)));
        if (acknowledged)
        {
            at = at == submittedAt ? Deadline(TimeSpan.FromHours(1)) : at;
            Do(new ComplaintCommand.Acknowledge(Agent(), at));
            if (random.NextDouble() < 0.07 && Next(Days(random, 4)))
            {
                Do(new ComplaintCommand.RequestInformation(Agent(), at, "Merci de joindre les pièces justificatives."));
                if ((processed || random.NextDouble() < 0.5) && Next(Days(random, 3)))
                {
                    Do(new ComplaintCommand.ProvideInformation(citizen, at, "Pièces jointes."));
                }
                else if (processed)
                {
                    at = Deadline(TimeSpan.FromHours(1));
                    Do(new ComplaintCommand.ProvideInformation(citizen, at, "Pièces jointes."));
                }
            }
        }

        if (!processed)
        {
            KeepDeadlines(builder, End);
            return builder.ToBulk(ComplaintIdentifiers.StreamId(id), Metadata([new StreamKey(ComplaintIdentifiers.TrackingKeyKind, tracking)]));
        }

        // Answers spread around the legal deadline: most within it, some beyond.
        at = Deadline(Days(random, kind == ComplaintKind.Complaint ? 28 : 15));
        if (rejected)
        {
            Do(new ComplaintCommand.Reject(Agent(), at, (RejectionReason)random.Next(6), null));
        }
        else if (kind == ComplaintKind.Complaint)
        {
            var outcomeDraw = random.NextDouble();
            var outcome = outcomeDraw < 0.45 ? AnswerOutcome.Favourable : outcomeDraw < 0.80 ? AnswerOutcome.Unfavourable : AnswerOutcome.PartiallyFavourable;
            Do(new ComplaintCommand.Answer(Agent(), at, "Réponse synthétique.", outcome));
            if (random.NextDouble() < 0.35 && Next(Days(random, 3)))
            {
                var satisfied = outcome == AnswerOutcome.Favourable ? random.NextDouble() < 0.9 : random.NextDouble() < 0.35;
                Do(new ComplaintCommand.GiveFeedback(citizen, at, satisfied, null));
                if (!satisfied && random.NextDouble() < 0.3 && Next(Days(random, 2)))
                {
                    Do(new ComplaintCommand.Reopen(citizen, at, "La réponse ne traite pas ma demande."));
                    at = Deadline(Days(random, 10));
                    Do(new ComplaintCommand.Answer(Agent(), at, "Réponse complémentaire synthétique.", outcome));
                }
            }
        }
        else
        {
            Do(new ComplaintCommand.TakeIntoAccount(Agent(), at));
        }

        if (random.NextDouble() < 0.55 && Next(Days(random, 10)))
        {
            Do(new ComplaintCommand.Close(Agent(), at));
        }

        KeepDeadlines(builder, End);
        return builder.ToBulk(ComplaintIdentifiers.StreamId(id), Metadata([new StreamKey(ComplaintIdentifiers.TrackingKeyKind, tracking)]));
    }

    /// <summary>The service's deadlines' watch, as the service runs it (its default reminder day).</summary>
    private static readonly Actor Watch = new("service:deadlines", Role.Service);

    private static readonly TimeSpan ReminderDay = TimeSpan.FromDays(new DeadlineOptions().ReminderDay);

    /// <summary>
    /// Records what the deadlines' watch would have recorded by <paramref name="until"/>: the reminder on its day and the
    /// overdue on the due date, each at its own instant, so that a seeded store holds its late complaints' overdue events
    /// and the watch finds nothing left to do on it.
    /// </summary>
    private static void KeepDeadlines(StreamBuilder<ComplaintCommand, ComplaintEvent, ComplaintState> builder, DateTimeOffset until)
    {
        while (builder.State is ComplaintState.Open { File: { AwaitingSince: null, OverdueAt: null } f })
        {
            var remindAt = f.AnswerDue - f.AnswerPeriod + ReminderDay;
            ComplaintCommand? due = f.RemindedAt is null && remindAt <= until && remindAt < f.AnswerDue ? new ComplaintCommand.Remind(Watch, remindAt, ReminderDay)
                : f.AnswerDue <= until ? new ComplaintCommand.MarkOverdue(Watch, f.AnswerDue)
                : null;
            var before = builder.State;
            if (due is null)
            {
                return;
            }

            builder.Do(due);
            if (ReferenceEquals(before, builder.State))
            {
                return;
            }
        }
    }

    private static SeedStream TicketStream(int index, string category)
    {
        var random = new Random(StreamSeed(3_737, index));
        var id = NewGuid(random);
        var agent = new Actor($"synthetic-agent-{index % 40:D2}", Role.Agent, TicketDecider.CallCenterAdministrationId);
        var channelDraw = random.NextDouble();
        var channel = channelDraw < 0.72 ? TicketChannel.Phone : channelDraw < 0.90 ? TicketChannel.Email : TicketChannel.Facebook;
        var languageDraw = random.NextDouble();
        var language = languageDraw < 0.62 ? TicketLanguage.Arabic : languageDraw < 0.92 ? TicketLanguage.French : languageDraw < 0.97 ? TicketLanguage.Amazigh : TicketLanguage.English;
        var opened = Growing(random, Start, End.AddHours(-1));
        var builder = new StreamBuilder<TicketCommand, TicketEvent, TicketState>(TicketDecider.Decider);
        builder.Do(new TicketCommand.Open(agent, opened, id.ToString(), channel, category, "Question synthétique", language));
        var answered = opened + (channel == TicketChannel.Phone ? TimeSpan.FromMinutes(2 + 20 * random.NextDouble()) : Days(random, 0.8));
        if (random.NextDouble() < 0.93 && answered < End)
        {
            builder.Do(new TicketCommand.Answer(agent, answered, "Réponse synthétique."));
            if (answered.AddHours(1) < End)
            {
                builder.Do(new TicketCommand.Close(agent, answered.AddHours(1)));
            }
        }

        return builder.ToBulk(TicketService.StreamId(id), Metadata());
    }
}
