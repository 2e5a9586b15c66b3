using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>What a newcomer meets: run.sh's cluster in a private folder, and OpenAPI examples that name nobody real.</summary>
public sealed class RunScriptTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_cluster_in_a_private_folder_starts_and_stops_wherever_it_has_to_live()
    {
        var home = Directory.CreateTempSubdirectory("idarati-private-");
        var data = Path.Combine(home.FullName, ".data", "pg");
        var started = (await LocalCluster.Bash($"chmod 700 {home.FullName} && port=$(pg_free_port) && pg_start {data} $port fast && echo \"$port $PG_DIR\"")).Split('\n')[^1].Split(' ');
        var (port, real) = (started[0], started[1]);
        try
        {
            await using var dataSource = Npgsql.NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres");
            await using var command = dataSource.CreateCommand("SELECT 1");
            Assert.Equal(1, await command.ExecuteScalarAsync());
            if (Environment.UserName == "root")
            {
                // 'postgres' cannot enter a folder of mode 700: the cluster lives elsewhere, and .data/pg links to it.
                Assert.StartsWith("/var/lib/idarati/clusters/", real, StringComparison.Ordinal);
                Assert.Equal(real, new DirectoryInfo(data).ResolveLinkTarget(returnFinalTarget: true)?.FullName);
                Assert.Equal(real, await LocalCluster.Bash($"pg_reachable {data}"));
            }
            else
            {
                Assert.Equal(data, real);
            }
        }
        finally
        {
            await LocalCluster.Bash($"pg_stop {real} && rm -rf {real}");
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_verb_run_next_to_a_running_cluster_uses_it_and_leaves_it_running_and_reset_removes_it_where_it_lives()
    {
        var home = Directory.CreateTempSubdirectory("idarati-reset-");
        var data = Path.Combine(home.FullName, ".data", "pg");
        var first = (await LocalCluster.Bash($"chmod 700 {home.FullName} && port=$(pg_free_port) && pg_start {data} $port fast && echo \"$PG_STARTED $PG_PORT $PG_DIR\"")).Split('\n')[^1].Split(' ');
        try
        {
            Assert.Equal("1", first[0]);
            // A second start (./run.sh seed while ./run.sh runs) finds it running: same cluster, its own port, not started again.
            var second = (await LocalCluster.Bash($"pg_start {data} 1 fast && echo \"$PG_STARTED $PG_PORT $PG_DIR\"")).Split('\n')[^1].Split(' ');
            Assert.Equal(["0", first[1], first[2]], second);
            if (Environment.UserName == "root")
            {
                Assert.Contains($"in-use", await LocalCluster.Bash("pg_clusters"), StringComparison.Ordinal);
                Assert.Equal(data, File.ReadAllText(first[2] + ".origin").Trim());
            }

            Assert.Contains(first[2], await LocalCluster.Bash($"pg_remove {data}"), StringComparison.Ordinal);
            Assert.False(Directory.Exists(first[2]) || Path.Exists(data), "the cluster or its link is still there");
        }
        finally
        {
            await LocalCluster.Bash($"pg_stop {first[2]} && rm -rf {first[2]} {first[2]}.origin");
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_cluster_left_behind_by_a_deleted_clone_is_listed_as_an_orphan_and_removed()
    {
        if (Environment.UserName != "root")
        {
            // Only root's clusters live apart from their clone (under /var/lib/idarati); a user's go with the clone.
            var own = Directory.CreateTempSubdirectory("idarati-own-");
            var path = (await LocalCluster.Bash($"pg_reachable {own.FullName}/pg")).Split('\n')[^1];
            Assert.StartsWith(own.FullName, path, StringComparison.Ordinal);
            own.Delete(recursive: true);
            return;
        }

        var home = Directory.CreateTempSubdirectory("idarati-orphan-");
        var data = Path.Combine(home.FullName, ".data", "pg");
        var real = (await LocalCluster.Bash($"chmod 700 {home.FullName} && port=$(pg_free_port) && pg_start {data} $port fast && pg_stop $PG_DIR && echo $PG_DIR")).Split('\n')[^1];
        home.Delete(recursive: true);
        var listed = await LocalCluster.Bash("pg_clusters");
        Assert.Contains($"orphan", listed.Split('\n').Single(l => l.Contains(real, StringComparison.Ordinal)), StringComparison.Ordinal);
        await LocalCluster.Bash("pg_clusters --remove-orphans");
        Assert.False(Directory.Exists(real), "the orphan is still there");
    }

    [Fact]
    public async Task OpenApi_examples_use_fictitious_people_and_reserved_addresses()
    {
        var document = (await factory.As(null).GetAsync("/swagger/v1/swagger.json", System.Net.HttpStatusCode.OK)).GetRawText();
        var examples = new List<JsonElement>();
        void Collect(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "example")
                    {
                        examples.Add(p.Value);
                    }

                    Collect(p.Value);
                }
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    Collect(item);
                }
            }
        }

        Collect(JsonDocument.Parse(document).RootElement);
        Assert.True(examples.Count >= 10, $"{examples.Count} examples");
        var text = string.Join('\n', examples.Select(e => e.GetRawText()));
        var emails = System.Text.RegularExpressions.Regex.Matches(text, @"[\w.+-]+@[\w.-]+").Select(m => m.Value).ToList();
        Assert.NotEmpty(emails);
        Assert.All(emails, email => Assert.EndsWith(".invalid", email, StringComparison.Ordinal));
        foreach (var name in System.Text.RegularExpressions.Regex.Matches(text, "\"fullName\":\"([^\"]+)\"").Select(m => m.Groups[1].Value))
        {
            Assert.Contains("Exemple", name, StringComparison.Ordinal);
        }

        Assert.All(System.Text.RegularExpressions.Regex.Matches(text, "\"nationalId\":\"([^\"]+)\"").Select(m => m.Groups[1].Value), cin => Assert.StartsWith("XX0000", cin, StringComparison.Ordinal));
    }
}
