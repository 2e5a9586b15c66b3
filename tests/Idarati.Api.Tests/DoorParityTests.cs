using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// The two doors give one answer: the same parameters sent over REST and over GraphQL (dates, instants, bad values,
/// groupings, every role) give the same figures, the same rows and the same refusals. The clock is set so that the
/// complaints fall on a day boundary that differs between UTC and Morocco's time.
/// </summary>
public sealed class DoorParityTests(DoorParityTests.ThreeComplaintsAtMidnightInMorocco state) : IClassFixture<DoorParityTests.ThreeComplaintsAtMidnightInMorocco>
{
    /// <summary>Three complaints submitted at 23:30 UTC on 10 June 2026, which is 00:30 on 11 June in Casablanca (UTC+1 outside Ramadan).</summary>
    public sealed class ThreeComplaintsAtMidnightInMorocco : IAsyncLifetime
    {
        private static readonly DateTimeOffset Submitted = new(2026, 6, 10, 23, 30, 0, TimeSpan.Zero);

        private readonly MovableTime _time = new() { Offset = Submitted - TimeProvider.System.GetUtcNow() };

        public ThreeComplaintsAtMidnightInMorocco() => Factory = new ApiFactory { Time = _time };

        public ApiFactory Factory { get; }

        public List<Guid> Ids { get; } = [];

        public async Task InitializeAsync()
        {
            var citizen = Factory.As("citizen", subject: "door-parity");
            string[] administrations = ["DGI", "MIN-SANTE", "MIN-SANTE"];
            foreach (var administration in administrations)
            {
                Ids.Add((await citizen.PostAsync("/api/complaints", TestHttp.Complaint(administration), HttpStatusCode.Created)).GetProperty("id").GetGuid());
            }

            // One hour later (still 11 June in Morocco), so that the instant cases fall on either side of the submissions.
            _time.Offset += TimeSpan.FromHours(1);
            await Factory.WaitForProjectionsAsync();
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly ApiFactory _factory = state.Factory;

    /// <summary>A report asked both ways: its REST route with a query string, and its GraphQL field with the same arguments.</summary>
    public sealed record Report(string Route, string Field, string Selection, string? DefaultGroupBy);

    private static readonly Report Processing = new("/api/indicators/complaints/processing", "processing", "groupBy rows { group received processed inProgress overdue answered } total { received processed }", "none");
    private static readonly Report ResponseTimes = new("/api/indicators/complaints/response-times", "responseTimes", "groupBy rows { group acknowledged answered } total { acknowledged answered }", "none");
    private static readonly Report CallCenter = new("/api/indicators/call-center", "callCenter", "groupBy total rows { group questions sharePercent }", "category");
    private static readonly Report Tracking = new("/api/indicators", "report", "asOf sections { key figures { key value unit sharePercent } }", null);
    private static readonly Report Employment = new("/api/indicators/employment", "employment", "candidateAccounts applications competitions funnel { competitionId applied }", null);

    public static TheoryData<string, string?, string?> Figures()
    {
        var data = new TheoryData<string, string?, string?>();
        string?[] dates = [null, "2026-06-10", "2026-06-11", "2026-06-10T23:00:00Z", "2026-06-10T23:45:00Z", "2026-06-11T00:10:00+01:00", "2020-03-02"];
        foreach (var asOf in dates)
        {
            foreach (var groupBy in new[] { "none", "administration", "administrationKind", "month", "category", "kind", "channel" })
            {
                data.Add(nameof(Processing), groupBy, asOf);
            }

            data.Add(nameof(ResponseTimes), "administration", asOf);
            data.Add(nameof(ResponseTimes), null, asOf);
            data.Add(nameof(CallCenter), "channel", asOf);
            data.Add(nameof(CallCenter), null, asOf);
            data.Add(nameof(Tracking), null, asOf);
        }

        data.Add(nameof(Employment), null, null);
        return data;
    }

    private static Report Named(string name) => name switch
    {
        nameof(Processing) => Processing,
        nameof(ResponseTimes) => ResponseTimes,
        nameof(CallCenter) => CallCenter,
        nameof(Tracking) => Tracking,
        _ => Employment,
    };

    private static string Url(Report report, string? groupBy, string? asOf)
    {
        var query = new List<string>();
        if (groupBy is not null)
        {
            query.Add($"groupBy={Uri.EscapeDataString(groupBy)}");
        }

        if (asOf is not null)
        {
            query.Add($"asOf={Uri.EscapeDataString(asOf)}");
        }

        return query.Count == 0 ? report.Route : $"{report.Route}?{string.Join('&', query)}";
    }

    /// <summary>The GraphQL request: arguments as variables, so that a bad value is refused as the service reads it, not by the document's validation.</summary>
    private static (string Query, Dictionary<string, object?> Variables) Graph(Report report, string? groupBy, string? asOf)
    {
        var variables = new Dictionary<string, object?>();
        var declared = new List<string>();
        var arguments = new List<string>();
        if (groupBy is not null)
        {
            declared.Add("$groupBy: String");
            arguments.Add("groupBy: $groupBy");
            variables["groupBy"] = groupBy;
        }

        if (asOf is not null)
        {
            declared.Add("$asOf: DateTime");
            arguments.Add("asOf: $asOf");
            variables["asOf"] = asOf;
        }

        var signature = declared.Count == 0 ? string.Empty : $"({string.Join(", ", declared)})";
        var call = arguments.Count == 0 ? string.Empty : $"({string.Join(", ", arguments)})";
        // "Now" is read once per request: the instant a report was computed at is compared only when it was asked for.
        var selection = asOf is null ? report.Selection.Replace("asOf ", string.Empty, StringComparison.Ordinal) : report.Selection;
        return ($"query Parity{signature} {{ indicators {{ {report.Field}{call} {{ {selection} }} }} }}", variables);
    }

    [Theory]
    [MemberData(nameof(Figures))]
    public async Task A_report_asked_over_rest_and_graphql_gives_the_same_figures(string name, string? groupBy, string? asOf)
    {
        var report = Named(name);
        var analyst = _factory.As("analyst");
        var rest = await analyst.GetAsync(Url(report, groupBy, asOf), HttpStatusCode.OK);
        var (query, variables) = Graph(report, groupBy, asOf);
        var graph = await analyst.GraphQLAsync(query, variables);
        Assert.False(graph.TryGetProperty("errors", out _), graph.GetRawText());
        AssertSameFigures(graph.GetProperty("data").GetProperty("indicators").GetProperty(report.Field), rest, report.Field);
    }

    [Fact]
    public async Task A_date_is_the_end_of_that_day_in_morocco_on_both_doors()
    {
        var analyst = _factory.As("analyst");
        // DGI's one complaint (the other tests add none there) was submitted at 00:30 on 11 June in Morocco.
        foreach (var (asOf, received) in new[] { ("2026-06-10", 0), ("2026-06-11", 1) })
        {
            var rest = await analyst.GetAsync($"/api/indicators/complaints/processing?groupBy=administration&asOf={asOf}", HttpStatusCode.OK);
            Assert.Equal(received, DgiReceived(rest));
            var graph = await analyst.GraphQLAsync($"{{ indicators {{ processing(groupBy: \"administration\", asOf: \"{asOf}\") {{ rows {{ group received }} }} }} }}");
            Assert.Equal(received, DgiReceived(graph.GetProperty("data").GetProperty("indicators").GetProperty("processing")));
        }

        static int DgiReceived(JsonElement report) =>
            report.GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("group").GetString() == "DGI").Sum(r => r.GetProperty("received").GetInt32());

        // The tracking report says which instant it counted to: the last microsecond of 11 June in Casablanca.
        var report = await analyst.GetAsync("/api/indicators?asOf=2026-06-11", HttpStatusCode.OK);
        Assert.Equal(new DateTimeOffset(2026, 6, 11, 22, 59, 59, TimeSpan.Zero).AddTicks(9_999_990), report.GetProperty("asOf").GetDateTimeOffset());
    }

    public static TheoryData<string, string?, string?, string> Refusals() => new()
    {
        { nameof(Processing), "weather", null, "groupBy" },
        { nameof(Processing), "", null, "groupBy" },
        { nameof(ResponseTimes), "kind", null, "groupBy" },
        { nameof(CallCenter), "administration", null, "groupBy" },
        { nameof(Processing), null, "2020-13-45", "asOf" },
        { nameof(Processing), null, "yesterday", "asOf" },
        { nameof(Processing), null, "9999-12-31", "asOf" },
        { nameof(ResponseTimes), null, "1969-12-31T23:00:00Z", "asOf" },
        { nameof(Tracking), null, "02/03/2020", "asOf" },
        { nameof(CallCenter), null, "2020-03-02T25:00:00Z", "asOf" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_bad_parameter_is_refused_on_both_doors_naming_it(string name, string? groupBy, string? asOf, string field)
    {
        var report = Named(name);
        var analyst = _factory.As("analyst");
        var problem = await analyst.ProblemAsync(HttpMethod.Get, Url(report, groupBy, asOf), null, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());

        var (query, variables) = Graph(report, groupBy, asOf);
        var graph = await analyst.GraphQLAsync(query, variables);
        var error = graph.GetProperty("errors")[0];
        Assert.Equal("BAD_USER_INPUT", error.GetProperty("extensions").GetProperty("code").GetString());
        var named = error.GetProperty("extensions").TryGetProperty("fields", out var fields) ? fields.TryGetProperty(field, out _) : error.GetProperty("message").GetString()!.Contains($"${field}", StringComparison.Ordinal);
        Assert.True(named, graph.GetRawText());
    }

    public static TheoryData<string, string?, HttpStatusCode, string?> Callers()
    {
        var data = new TheoryData<string, string?, HttpStatusCode, string?>();
        foreach (var report in new[] { nameof(Processing), nameof(ResponseTimes), nameof(CallCenter), nameof(Tracking), nameof(Employment) })
        {
            data.Add(report, "analyst", HttpStatusCode.OK, null);
            data.Add(report, "supervisor", HttpStatusCode.OK, null);
            data.Add(report, "admin", HttpStatusCode.OK, null);
            data.Add(report, "agent", HttpStatusCode.Forbidden, "FORBIDDEN");
            data.Add(report, "auditor", HttpStatusCode.Forbidden, "FORBIDDEN");
            data.Add(report, "citizen", HttpStatusCode.Forbidden, "FORBIDDEN");
            data.Add(report, null, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task Every_role_gets_the_same_answer_on_both_doors(string name, string? role, HttpStatusCode status, string? code)
    {
        var report = Named(name);
        var caller = _factory.As(role, administrationId: role == "agent" ? "DGI" : null);
        var result = await caller.ScenarioAsync(HttpMethod.Get, report.Route, null, status, problem: status != HttpStatusCode.OK);
        Assert.Equal((int)status, result.Context.Response.StatusCode);

        var (query, variables) = Graph(report, null, null);
        var graph = await caller.GraphQLAsync(query, variables);
        if (code is null)
        {
            Assert.False(graph.TryGetProperty("errors", out _), graph.GetRawText());
        }
        else
        {
            Assert.Equal(code, graph.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        }
    }

    public static TheoryData<string?, string?, int?> ListPages()
    {
        var data = new TheoryData<string?, string?, int?>();
        foreach (var (role, administration) in new[] { ("supervisor", (string?)null), ("auditor", null), ("agent", "MIN-SANTE"), ("agent", "DGI") })
        {
            foreach (var size in new int?[] { null, 1, 2, 200 })
            {
                data.Add(role, administration, size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ListPages))]
    public async Task The_complaint_list_gives_the_same_rows_on_both_doors(string? role, string? administration, int? size)
    {
        var reader = _factory.As(role, administrationId: administration);
        var rest = await reader.GetAsync(size is null ? "/api/complaints" : $"/api/complaints?limit={size}", HttpStatusCode.OK);
        var graph = await reader.GraphQLAsync("query ($first: Int) { complaints(first: $first) { nodes { id administrationId status } } }", new { first = size });
        Assert.False(graph.TryGetProperty("errors", out _), graph.GetRawText());
        var nodes = graph.GetProperty("data").GetProperty("complaints").GetProperty("nodes");
        Assert.Equal(rest.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()), nodes.EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        if (administration is not null)
        {
            Assert.All(nodes.EnumerateArray(), n => Assert.Equal(administration, n.GetProperty("administrationId").GetString()));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task A_page_size_out_of_range_is_refused_on_both_doors(int size)
    {
        var supervisor = _factory.As("supervisor");
        var problem = await supervisor.ProblemAsync(HttpMethod.Get, $"/api/complaints?limit={size}", null, HttpStatusCode.BadRequest);
        Assert.Equal("Between 1 and 200.", problem.GetProperty("errors").GetProperty("limit")[0].GetString());
        var graph = await supervisor.GraphQLAsync("query ($first: Int) { complaints(first: $first) { nodes { id } } }", new { first = size });
        var error = graph.GetProperty("errors")[0];
        Assert.Equal("BAD_USER_INPUT", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("Between 1 and 200.", error.GetProperty("extensions").GetProperty("fields").GetProperty("first")[0].GetString());
    }

    [Theory]
    [InlineData("analyst")]
    [InlineData("admin")]
    [InlineData("citizen")]
    public async Task Who_may_not_read_the_complaint_list_is_refused_on_both_doors(string role)
    {
        var caller = _factory.As(role);
        await caller.ProblemAsync(HttpMethod.Get, "/api/complaints", null, HttpStatusCode.Forbidden);
        var graph = await caller.GraphQLAsync("{ complaints { nodes { id } } }");
        Assert.Equal("FORBIDDEN", graph.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("2026-06-10", null)]
    [InlineData("2026-06-11", "received")]
    [InlineData("2026-06-10T23:29:00Z", null)]
    [InlineData("2026-06-10T23:31:00Z", "received")]
    public async Task A_complaint_as_of_a_date_or_an_instant_is_the_same_on_both_doors(string asOf, string? status)
    {
        var supervisor = _factory.As("supervisor");
        var id = state.Ids[0];
        var graph = await supervisor.GraphQLAsync("query ($id: ID!, $at: DateTime!) { complaint(id: $id) { stateAsOf(at: $at) { status } } }", new { id, at = asOf });
        if (status is null)
        {
            await supervisor.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}?asOf={Uri.EscapeDataString(asOf)}", null, HttpStatusCode.NotFound);
            Assert.Equal("NOT_FOUND", graph.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        }
        else
        {
            var rest = await supervisor.GetAsync($"/api/complaints/{id}?asOf={Uri.EscapeDataString(asOf)}", HttpStatusCode.OK);
            Assert.Equal(status, rest.GetProperty("status").GetString());
            Assert.False(graph.TryGetProperty("errors", out _), graph.GetRawText());
            Assert.Equal(status.ToUpperInvariant(), graph.GetProperty("data").GetProperty("complaint").GetProperty("stateAsOf").GetProperty("status").GetString());
        }
    }

    /// <summary>A refusal over REST (status, and the field or rule it names) and the code its GraphQL mutation answers in its payload.</summary>
    private static async Task AssertSameRefusal(ScenarioCaller caller, string url, object? body, HttpStatusCode status, string mutation, object variables, string code, string? field = null, string? rule = null)
    {
        var problem = await caller.ProblemAsync(HttpMethod.Post, url, body, status);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        }

        if (rule is not null)
        {
            Assert.Equal(rule, problem.GetProperty("rule").GetString());
        }

        var graph = await caller.GraphQLAsync(mutation, variables);
        Assert.False(graph.TryGetProperty("errors", out _), graph.GetRawText());
        var payload = graph.GetProperty("data").EnumerateObject().Single().Value;
        var error = payload.GetProperty("errors")[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Equal(rule, error.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Every_mutation_answers_a_refusal_in_its_payload_as_rest_answers_it_with_a_problem()
    {
        var citizen = _factory.As("citizen", subject: "door-parity-mutations");
        var anonymous = TestHttp.Complaint();
        anonymous.Remove("citizen");
        const string Submit = "mutation ($input: SubmitComplaintInput!) { submitComplaint(input: $input) { id trackingNumber errors { code field rule } } }";
        var graphInput = new
        {
            kind = "COMPLAINT", channel = "PORTAL", administrationId = "MIN-SANTE", categoryCode = "HEALTH.WAIT", subject = "Attente", description = "Trop long.",
            location = new { region = "Oriental", province = "Oujda-Angad", commune = "Oujda" },
        };
        await AssertSameRefusal(citizen, "/api/complaints", anonymous, HttpStatusCode.BadRequest, Submit, new { input = graphInput }, "BAD_USER_INPUT", field: "citizen");

        // A complaint the service holds, acted on wrongly.
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        const string Provide = "mutation ($id: ID!) { provideComplaintInformation(input: { id: $id, text: \"Voici\" }) { complaint { version } errors { code field rule } } }";
        await AssertSameRefusal(citizen, $"/api/complaints/{id}/provide-information", new { text = "Voici" }, HttpStatusCode.Conflict, Provide, new { id }, "RULE_VIOLATED",
            rule: "no-information-requested");

        var agent = _factory.As("agent", "MIN-SANTE");
        const string Acknowledge = "mutation ($id: ID!) { acknowledgeComplaint(input: { id: $id }) { complaint { version } errors { code field rule } } }";
        await AssertSameRefusal(agent, $"/api/complaints/{Guid.NewGuid()}/acknowledge", null, HttpStatusCode.NotFound, Acknowledge, new { id = Guid.NewGuid() }, "NOT_FOUND");

        var submitted = _factory.As("citizen", subject: "door-parity-forbidden");
        var forbidden = await submitted.GraphQLAsync(Acknowledge, new { id });
        Assert.Equal("FORBIDDEN", forbidden.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        await submitted.ProblemAsync(HttpMethod.Post, $"/api/complaints/{id}/acknowledge", null, HttpStatusCode.Forbidden);

        // The other tests compare reads of the read models: they find this complaint listed already.
        await _factory.WaitForProjectionsAsync();
    }

    /// <summary>Every value the GraphQL answer selected is the REST answer's value at the same place.</summary>
    private static void AssertSameFigures(JsonElement graph, JsonElement rest, string path)
    {
        switch (graph.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in graph.EnumerateObject())
                {
                    Assert.True(rest.TryGetProperty(property.Name, out var value), $"REST has no {path}.{property.Name}: {rest.GetRawText()}");
                    AssertSameFigures(property.Value, value, $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.Equal(rest.GetArrayLength(), graph.GetArrayLength());
                for (var i = 0; i < graph.GetArrayLength(); i++)
                {
                    AssertSameFigures(graph[i], rest[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.Number:
                Assert.True(graph.GetDouble() == rest.GetDouble(), $"{path}: GraphQL {graph}, REST {rest}");
                break;
            default:
                Assert.True(graph.GetRawText() == rest.GetRawText(), $"{path}: GraphQL {graph.GetRawText()}, REST {rest.GetRawText()}");
                break;
        }
    }
}
