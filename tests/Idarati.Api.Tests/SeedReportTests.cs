using Idarati.Tests;
using System.Net;
using System.Text.Json;
using Idarati.Application.Complaints;
using Idarati.Application.Seeding;
using static Idarati.Api.Tests.TestHttp;

namespace Idarati.Api.Tests;

/// <summary>The synthetic dataset, written through the deciders and the bulk path, read back through the daemon and the report.</summary>
public sealed class SeedReportTests
{
    [Fact]
    public void At_scale_one_the_plan_is_the_figures_published_on_2_March_2020()
    {
        var plan = SeedPlan.AtScale(1);
        Assert.Equal((211_644, 116, 3_344, 16_084, 10_602, 49), (plan.Complaints, plan.Administrations, plan.TotalQuestions, plan.CandidateAccounts, plan.ElectronicApplications, plan.ElectronicCompetitions));
        Assert.Equal(85.20, Math.Round(100.0 * plan.Processed / plan.Complaints, 2));
        Assert.Equal([1_761, 478, 254, 22, 829], new[] { "GENERAL_GUIDANCE", "PROCEDURES", "COMPLAINTS", "THANKS_AND_REMARKS", "OTHER" }.Select(c => plan.Questions[c]));
    }

    [Fact]
    public async Task A_seeded_store_reports_the_planned_figures_in_arabic_and_french_without_personal_data()
    {
        const double Scale = 0.02;
        var plan = SeedPlan.AtScale(Scale);
        var schema = "seed_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        using var store = await TestStores.CreateAsync(dataSource, schema);
        var dataset = TestStores.Dataset(store);
        var progress = new List<SeedProgress>();
        var result = await dataset.SeedAsync(plan, new Progress(progress));
        Assert.Equal(plan.Complaints + plan.Administrations + plan.TotalQuestions + plan.CandidateAccounts + plan.ElectronicCompetitions + plan.PaperCompetitions
            + plan.ElectronicApplications + plan.PaperApplications, result.Streams);
        Assert.Contains(progress, p => p.Phase == "complaints" && p.Done == plan.Complaints);
        await Assert.ThrowsAsync<InvalidOperationException>(() => dataset.SeedAsync(plan));

        // Marten's bulk insert keeps every stream's version with its events; the seed claims each key for a stream that
        // exists (a tracking number per complaint, an e-mail and a CIN per candidate) and ends each chain in the stream's
        // last hash (every chain verifies).
        await using (var integrity = dataSource.CreateCommand($"""
            SELECT (SELECT count(*) FROM {schema}.mt_doc_streamkeyclaim k WHERE NOT EXISTS (SELECT FROM {schema}.mt_streams s WHERE s.id = k.data ->> 'streamId'))
                 + (SELECT count(*) FROM {schema}.mt_streams s WHERE s.version <> (SELECT count(*) FROM {schema}.mt_events e WHERE e.stream_id = s.id))
                 + (SELECT count(*) FROM {schema}.mt_events e WHERE e.headers ->> 'hash' IS NULL)
                 + (SELECT abs(count(*) - {plan.Complaints + (2 * plan.CandidateAccounts)}) FROM {schema}.mt_doc_streamkeyclaim)
            """))
        {
            Assert.Equal(0L, await integrity.ExecuteScalarAsync());
        }

        // The seed leaves the tables it filled analysed (an explicit ANALYZE, not autovacuum's), so that a daemon
        // catching up after it plans its reads of the log with statistics.
        await using (var analysed = dataSource.CreateCommand("SELECT relname FROM pg_stat_user_tables WHERE schemaname = $1 AND last_analyze IS NOT NULL"))
        {
            analysed.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = schema });
            var tables = new List<string>();
            await using var reader = await analysed.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }

            Assert.Superset(new HashSet<string> { "mt_events", "mt_streams", "mt_doc_streamkeyclaim", "mt_doc_listedstream" }, tables.ToHashSet());
        }

        await using var factory = new ApiFactory { Schema = schema };
        var analyst = factory.As("analyst");
        await factory.WaitForProjectionsAsync();

        // Complaints were generated in submission order, each with a version 7 id that carries its submission time (to
        // the millisecond), so id order is submission order. (Two chunks are written at once: positions may not be.)
        await using (var order = dataSource.CreateCommand($"""
            SELECT count(*) FILTER (WHERE substr(complaint_id::text, 15, 1) <> '7'
                                       OR ('x' || translate(left(complaint_id::text, 13), '-', ''))::bit(48)::bigint <> floor(extract(epoch FROM submitted_at) * 1000)::bigint),
                   count(*) FILTER (WHERE date_trunc('milliseconds', submitted_at) < previous)
              FROM (SELECT complaint_id, submitted_at, lag(date_trunc('milliseconds', submitted_at)) OVER (ORDER BY complaint_id) AS previous FROM {schema}.rm_complaint_list) c
            """))
        await using (var reader = await order.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((0L, 0L), (reader.GetInt64(0), reader.GetInt64(1)));
        }

        var report = await analyst.GetAsync("/api/indicators?asOf=2020-03-02", HttpStatusCode.OK);
        var figures = report.GetProperty("sections").EnumerateArray()
            .SelectMany(s => s.GetProperty("figures").EnumerateArray().Select(f => (Key: s.GetProperty("key").GetString() + "." + f.GetProperty("key").GetString(), Figure: f)))
            .ToDictionary(f => f.Key, f => f.Figure);
        double Value(string key) => figures[key].GetProperty("value").GetDouble();
        Assert.Equal(plan.Complaints, Value("complaints.received"));
        Assert.Equal(plan.Processed, Value("complaints.processed"));
        Assert.Equal(Math.Round(100.0 * plan.Processed / plan.Complaints, 2), Value("complaints.processingRate"));
        Assert.Equal(116, Value("complaints.participatingAdministrations"));
        Assert.Equal(plan.TotalQuestions, Value("callCenter.questions"));
        foreach (var (category, count) in plan.Questions)
        {
            Assert.Equal(count, Value("callCenter." + category));
            Assert.Equal(Math.Round(100.0 * count / plan.TotalQuestions, 2), figures["callCenter." + category].GetProperty("sharePercent").GetDouble());
        }

        Assert.Equal(plan.CandidateAccounts, Value("employment.candidateAccounts"));
        Assert.Equal(plan.ElectronicApplications, Value("employment.electronicApplications"));
        Assert.Equal(plan.ElectronicCompetitions, Value("employment.competitionsAcceptingElectronicApplications"));
        Assert.Equal("عدد الشكايات المتوصل بها", figures["complaints.received"].GetProperty("label").GetProperty("ar").GetString());
        Assert.Equal("Taux de traitement", figures["complaints.processingRate"].GetProperty("label").GetProperty("fr").GetString());
        Assert.True(report.GetProperty("position").GetInt64() > 0);

        // Nothing happened after the published date, and less had happened a year before.
        var now = await analyst.GetAsync("/api/indicators", HttpStatusCode.OK);
        Assert.Equal(report.GetProperty("sections").GetRawText(), now.GetProperty("sections").GetRawText());
        var earlier = await analyst.GetAsync("/api/indicators?asOf=2019-03-02T00:00:00Z", HttpStatusCode.OK);
        Assert.True(earlier.GetProperty("sections")[0].GetProperty("figures")[0].GetProperty("value").GetDouble() < plan.Complaints);
        var bad = await analyst.ProblemAsync(HttpMethod.Get, "/api/indicators?asOf=yesterday", null, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("asOf", out _));

        // The dataset says it is synthetic, and the analysts' views carry none of its personal data.
        await using (var label = dataSource.CreateCommand($"SELECT headers ->> 'dataset' FROM {schema}.mt_events ORDER BY seq_id LIMIT 1"))
        {
            Assert.Equal("synthetic", await label.ExecuteScalarAsync());
        }
        var list = await factory.As("supervisor").GetAsync("/api/complaints?pageSize=100", HttpStatusCode.OK);
        foreach (var text in new[] { report.GetRawText(), list.GetRawText(), (await analyst.GetAsync("/api/indicators/employment", HttpStatusCode.OK)).GetRawText() })
        {
            Assert.DoesNotContain("synthetic.invalid", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Citoyen synthétique", text, StringComparison.Ordinal);
            Assert.DoesNotContain("SYN0", text, StringComparison.Ordinal);
        }

        await factory.As("agent", "MIN-SANTE").ProblemAsync(HttpMethod.Get, "/api/indicators", null, HttpStatusCode.Forbidden);
    }

    private sealed class Progress(List<SeedProgress> seen) : IProgress<SeedProgress>
    {
        public void Report(SeedProgress value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }
}
