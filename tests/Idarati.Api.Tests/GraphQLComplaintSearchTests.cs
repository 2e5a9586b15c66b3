using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>complaints(where, order, first/after, last/before) over the real host and read model.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLComplaintSearchTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly string[] Administrations = ["MIN-SANTE", "DGI", "MIN-EDUCATION"];

    private static async Task<JsonElement> Graph(ScenarioCaller caller, string query, object? variables = null)
    {
        var (status, body) = await caller.GraphQLResponseAsync(query, variables);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.BadRequest, body.GetRawText());
        return body;
    }

    /// <summary>Nine complaints in three administrations and three regions of this test's own, visible in the list.</summary>
    private async Task<(ScenarioCaller Supervisor, string Tag)> NineComplaintsAsync(string tag)
    {
        var citizen = factory.As("citizen", subject: "search-" + tag);
        for (var i = 0; i < 9; i++)
        {
            await citizen.PostAsync("/api/complaints", new
            {
                kind = "complaint", channel = "portal", administrationId = Administrations[i % 3], categoryCode = "HEALTH.WAIT",
                subject = "Attente", description = "Trop long.", location = new { region = $"{tag}-region-{i / 3}", province = "P", commune = "C" },
                citizen = new { fullName = "Nadia", nationalId = "Z1", phone = "0612345678", email = "n@example.ma" },
            }, HttpStatusCode.Created);
        }

        var supervisor = factory.As("supervisor");
        await factory.WaitForProjectionsAsync();
        Assert.Equal(9, Count(await Graph(supervisor, "query ($t: String!) { complaints(where: { region: { startsWith: $t } }) { totalCount } }", new { t = tag })));

        return (supervisor, tag);
    }

    private static int Count(JsonElement body) => body.GetProperty("data").GetProperty("complaints").GetProperty("totalCount").GetInt32();

    private static List<JsonElement> Nodes(JsonElement body) => [.. body.GetProperty("data").GetProperty("complaints").GetProperty("nodes").EnumerateArray()];

    [Fact]
    public async Task Where_combines_operators_with_and_or_and_the_count_follows_the_conditions()
    {
        var (supervisor, tag) = await NineComplaintsAsync("w" + Guid.NewGuid().ToString("N")[..6]);
        var body = await Graph(supervisor, """
            query ($t: String!, $r0: String!, $r2: String!) {
              complaints(first: 50, where: {
                region: { startsWith: $t }
                or: [ { administrationId: { eq: "DGI" } }, { region: { in: [$r0, $r2] }, administrationId: { nin: ["MIN-SANTE"] } } ]
              }) { nodes { administrationId region status } totalCount }
            }
            """, new { t = tag, r0 = $"{tag}-region-0", r2 = $"{tag}-region-2" });
        var nodes = Nodes(body);
        // DGI everywhere (3), plus MIN-EDUCATION in regions 0 and 2 (2).
        Assert.Equal(5, nodes.Count);
        Assert.Equal(5, Count(body));
        Assert.All(nodes, n => Assert.True(n.GetProperty("administrationId").GetString() == "DGI"
            || (n.GetProperty("administrationId").GetString() == "MIN-EDUCATION" && n.GetProperty("region").GetString() != $"{tag}-region-1")));

        var contains = await Graph(supervisor, "query ($t: String!) { complaints(where: { region: { startsWith: $t }, administrationId: { contains: \"SANTE\" }, reopenCount: { lte: 0 }, overdue: { eq: false } }) { totalCount } }", new { t = tag });
        Assert.Equal(3, Count(contains));
        var later = await Graph(supervisor, "query ($t: String!) { complaints(where: { region: { startsWith: $t }, submittedAt: { gt: \"2100-01-01T00:00:00Z\" } }) { totalCount } }", new { t = tag });
        Assert.Equal(0, Count(later));
    }

    [Fact]
    public async Task Order_sorts_by_several_keys_and_pages_go_forward_and_backward_without_gaps()
    {
        var (supervisor, tag) = await NineComplaintsAsync("o" + Guid.NewGuid().ToString("N")[..6]);
        const string Page = """
            query ($t: String!, $first: Int, $after: String, $last: Int, $before: String) {
              complaints(first: $first, after: $after, last: $last, before: $before, where: { region: { startsWith: $t } },
                         order: [{ administrationId: ASC }, { region: DESC }]) {
                edges { cursor node { id administrationId region } }
                pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
              }
            }
            """;
        var all = Nodes(await Graph(supervisor, Page.Replace("edges { cursor node { id administrationId region } }", "nodes { id administrationId region }", StringComparison.Ordinal), new { t = tag, first = 50 }));
        var keys = all.Select(n => (n.GetProperty("administrationId").GetString()!, n.GetProperty("region").GetString()!)).ToList();
        var sorted = keys.OrderBy(k => k.Item1, StringComparer.Ordinal).ThenByDescending(k => k.Item2, StringComparer.Ordinal).ToList();
        Assert.Equal(9, keys.Count);
        Assert.Equal(sorted, keys);

        var forward = new List<string>();
        string? after = null;
        for (var pages = 0; ; pages++)
        {
            var connection = (await Graph(supervisor, Page, new { t = tag, first = 4, after })).GetProperty("data").GetProperty("complaints");
            forward.AddRange(connection.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!));
            var info = connection.GetProperty("pageInfo");
            Assert.Equal(pages > 0, info.GetProperty("hasPreviousPage").GetBoolean());
            if (!info.GetProperty("hasNextPage").GetBoolean())
            {
                Assert.Equal(2, pages);
                break;
            }

            after = info.GetProperty("endCursor").GetString();
        }

        Assert.Equal(all.Select(n => n.GetProperty("id").GetString()), forward);

        var backward = new List<string>();
        string? before = null;
        while (true)
        {
            var connection = (await Graph(supervisor, Page, new { t = tag, last = 4, before })).GetProperty("data").GetProperty("complaints");
            backward.InsertRange(0, connection.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").GetProperty("id").GetString()!));
            var info = connection.GetProperty("pageInfo");
            Assert.Equal(before is not null, info.GetProperty("hasNextPage").GetBoolean());
            if (!info.GetProperty("hasPreviousPage").GetBoolean())
            {
                break;
            }

            before = info.GetProperty("startCursor").GetString();
        }

        Assert.Equal(forward, backward);
    }

    [Fact]
    public async Task An_agent_searches_only_its_own_administration_and_bad_arguments_are_refused_with_codes()
    {
        var (supervisor, tag) = await NineComplaintsAsync("a" + Guid.NewGuid().ToString("N")[..6]);
        var agent = factory.As("agent", "DGI");
        var own = await Graph(agent, "query ($t: String!) { complaints(where: { region: { startsWith: $t } }) { nodes { administrationId } totalCount } }", new { t = tag });
        Assert.Equal(3, Count(own));
        Assert.All(Nodes(own), n => Assert.Equal("DGI", n.GetProperty("administrationId").GetString()));
        var other = await Graph(agent, "query ($t: String!) { complaints(administrationId: \"MIN-SANTE\", where: { region: { startsWith: $t }, administrationId: { eq: \"MIN-SANTE\" } }) { totalCount } }", new { t = tag });
        Assert.Equal(0, Count(other));

        static string Code(JsonElement body) => body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString()!;
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", Code(await Graph(supervisor, "{ complaints(where: { kind: { gt: \"x\" } }) { totalCount } }")));
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", Code(await Graph(supervisor, "{ complaints(order: [{ subject: ASC }]) { totalCount } }")));
        Assert.Equal("BAD_USER_INPUT", Code(await Graph(supervisor, "{ complaints(after: \"not-a-cursor\") { totalCount } }")));
        Assert.Equal("BAD_USER_INPUT", Code(await Graph(supervisor, "{ complaints(last: 500) { totalCount } }")));
        Assert.Equal("BAD_USER_INPUT", Code(await Graph(supervisor, "{ complaints(where: { region: null }) { totalCount } }")));
    }
}
