using System.Text;
using System.Text.Json;
using Idarati.Api;
using Idarati.Api.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.IdentityModel.Tokens;

namespace Idarati.Api.Tests;

/// <summary>
/// GraphQL subscriptions end to end: two nodes on one database (Production settings, so only the front ends' trusted
/// documents run), graphql-ws 6 and graphql-sse 2 clients from npm on node B, changes committed through node A's REST
/// and GraphQL (tests/conformance/subscriptions.mjs).
/// </summary>
public sealed class SubscriptionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string SigningKey = "integration-tests-signing-key-of-at-least-32-bytes";

    [Fact]
    public async Task Npm_clients_on_one_node_follow_what_the_other_commits_and_are_refused_by_role_scope_and_protocol()
    {
        var schema = "live_" + Guid.NewGuid().ToString("N")[..12];
        var a = Node(schema, "node-a", loadDefaults: true);
        await a.StartAsync();
        var b = Node(schema, "node-b", loadDefaults: false);
        await b.StartAsync();
        try
        {
            var time = TimeProvider.System;
            var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey));
            var tokens = new Dictionary<string, string>
            {
                ["citizen"] = Auth.Issue(key, "citizen-live", Auth.Roles.Citizen, null, time),
                ["agentX"] = Auth.Issue(key, "agent-sante", Auth.Roles.Agent, "MIN-SANTE", time),
                ["agentY"] = Auth.Issue(key, "agent-education", Auth.Roles.Agent, "MIN-EDUCATION", time),
                ["supervisor"] = Auth.Issue(key, "supervisor-live", Auth.Roles.Supervisor, null, time),
                ["analyst"] = Auth.Issue(key, "analyst-live", Auth.Roles.Analyst, null, time),
            };
            var config = JsonSerializer.Serialize(new
            {
                a = a.Urls.Single(), b = b.Urls.Single(), nodeB = "node-b", adminX = "MIN-SANTE", adminY = "MIN-EDUCATION",
                documents = Path.Combine(Tools.Repository, "docs", "queries"), tokens,
                // The script signs tokens that expire seconds after it makes them, with the test nodes' key.
                signingKey = SigningKey, issuer = Auth.Issuer, audience = Auth.Audience,
            });
            var (code, stdout, stderr) = await Tools.NodeAsync("subscriptions.mjs", config);
            output.WriteLine(stdout);
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains("subscriptions: all checks passed", stdout, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in new[] { b, a })
            {
                await node.StopAsync();
                await node.DisposeAsync();
            }

            await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static WebApplication Node(string schema, string name, bool loadDefaults) => ApiHost.Build(
    [
        "--urls", "http://127.0.0.1:0", "--IDARATI_DB", ApiFactory.TestDatabase, "--EventStore:Schema", schema, "--Projections:NodeName", name,
        "--ReferenceData:LoadDefaults", loadDefaults ? "true" : "false",
        "--Auth:SigningKey", SigningKey, "--Complaints:AccessCodeSecret", ApiFactory.AccessCodeSecret, "--Audit:CheckpointKey", ApiFactory.CheckpointKey,
        "--PersonalData:MasterKey", ApiFactory.MasterKey, "--Logging:LogLevel:Default", "Warning",
    ]);
}
