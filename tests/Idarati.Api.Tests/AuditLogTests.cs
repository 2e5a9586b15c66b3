using System.Net;
using System.Text.Json;
using Idarati.Application.Audit;
using Idarati.Application.Complaints;
using Idarati.Application.Streams;
using Idarati.Projections.Audit;
using Idarati.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>
/// The audit log (an RFC 9162 Merkle tree over every event, with signed checkpoints) against an auditor with database
/// access: each edit is made in SQL on a real database and found, by the service and by the offline checkers.
/// </summary>
public sealed class AuditLogTests
{
    private static async Task<Guid> ProcessedComplaintAsync(ApiFactory node, string subject = "log-citizen")
    {
        var id = (await node.As("citizen", subject: subject).PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var agent = node.As("agent", "MIN-SANTE");
        await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{id}/answer", new { text = "Réponse", outcome = "favourable" }, HttpStatusCode.OK);
        return id;
    }

    /// <summary>Until the log holds every stored event and a checkpoint signs all of them; the checkpoint's note.</summary>
    private static async Task<string> CheckpointOfEverythingAsync(ApiFactory node)
    {
        await node.WaitForProjectionsAsync();
        var events = await node.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_events");
        string note = "";
        await Deadline.UntilAsync(async () =>
        {
            var answer = await node.As(null).GetTextAsync("/api/audit/checkpoints/latest");
            note = answer.Body;
            return answer.Status == HttpStatusCode.OK && CheckpointText.Read(note) is { } read && read.Size == events;
        }, 30, $"a checkpoint of all {events} events");
        return note;
    }

    private static async Task<string> VerifierKeyAsync(ApiFactory node) =>
        (await node.As(null).GetAsync("/api/audit/checkpoint-keys", HttpStatusCode.OK)).GetProperty("current").GetString()!;

    private static async Task<(int Code, string Output)> NodeScriptAsync(params string[] arguments)
    {
        var (code, output, error) = await Tools.RunAsync(Tools.Repository, "node", arguments);
        return (code, output + error);
    }

    [Fact]
    public async Task Every_event_is_proved_in_a_signed_checkpoint_that_the_offline_checkers_accept_and_the_log_only_grows()
    {
        await using var node = new ApiFactory();
        var id = await ProcessedComplaintAsync(node);
        var first = await CheckpointOfEverythingAsync(node);
        var key = await VerifierKeyAsync(node);
        var (size, root) = CheckpointText.Read(CheckpointKey.Verify(first, key)!)!.Value;

        var auditor = node.As("auditor");
        var json = await (await auditor.ScenarioAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.OK)).ReadAsTextAsync();
        var export = JsonDocument.Parse(json).RootElement;
        Assert.Equal(first, export.GetProperty("checkpoint").GetString());
        foreach (var e in export.GetProperty("events").EnumerateArray())
        {
            var proof = e.GetProperty("inclusion").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
            var leaf = MerkleTree.LeafHash(MerkleTree.LeafData(e.GetProperty("sequence").GetInt64(), e.GetProperty("version").GetInt64(), e.GetProperty("hash").GetString()!, $"complaint-{id:N}"));
            Assert.True(MerkleTree.VerifyInclusion(leaf, e.GetProperty("leafIndex").GetInt64(), size, proof, root));
            Assert.True(proof.Count <= Math.Ceiling(Math.Log2(size)), $"{proof.Count} hashes for {size} leaves");
        }

        Assert.True(export.GetProperty("verification").GetProperty("log").GetProperty("valid").GetBoolean(), json);

        // GraphQL gives the same view: the checkpoint to anyone, the proofs and the log's verdict to auditors.
        var graph = (await TestHttp.Graph(node.As(null), $$"""{ auditLog { size checkpoint { size root note } consistency(from: "1", to: "{{size}}") } }""")).GetProperty("data").GetProperty("auditLog");
        Assert.Equal((first, size.ToString(System.Globalization.CultureInfo.InvariantCulture)), (graph.GetProperty("checkpoint").GetProperty("note").GetString(), graph.GetProperty("checkpoint").GetProperty("size").GetString()));
        var firstLeaf = await node.ScalarAsync<byte[]>("SELECT leaf_hash FROM {s}.audit_leaves WHERE leaf_index = 0");
        Assert.True(MerkleTree.VerifyConsistency(1, size, firstLeaf, root, [.. graph.GetProperty("consistency").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!))]));
        var proofs = (await TestHttp.Graph(auditor, "query($id: ID!) { complaint(id: $id) { logProofs { version leafIndex checkpointSize inclusion } verification { valid log { valid checkpointSize problems } } } }", new { id }))
            .GetProperty("data").GetProperty("complaint");
        Assert.All(proofs.GetProperty("logProofs").EnumerateArray(), p => Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), p.GetProperty("checkpointSize").GetString()));
        Assert.True(proofs.GetProperty("verification").GetProperty("log").GetProperty("valid").GetBoolean());
        var refused = await TestHttp.Graph(node.As("analyst"), "query($id: ID!) { complaint(id: $id) { logProofs { version } } }", new { id });
        Assert.True(refused.TryGetProperty("errors", out _), refused.GetRawText());
        var files = Directory.CreateTempSubdirectory("idarati-log-");
        try
        {
            var history = Path.Combine(files.FullName, "history.json");
            await File.WriteAllTextAsync(history, json);
            var (code, output) = await NodeScriptAsync("scripts/verify-export.mjs", history, "--key", key);
            Assert.True(code == 0, output);
            Assert.Contains($"3 events in the signed checkpoint of {size} leaves", output, StringComparison.Ordinal);

            // The log grows; a consistency proof shows the new tree extends the old, offline.
            await ProcessedComplaintAsync(node, "log-citizen-2");
            var second = await CheckpointOfEverythingAsync(node);
            var later = CheckpointText.Read(second)!.Value.Size;
            var proof = await node.As(null).GetAsync($"/api/audit/consistency?from={size}&to={later}", HttpStatusCode.OK);
            await File.WriteAllTextAsync(Path.Combine(files.FullName, "old"), first);
            await File.WriteAllTextAsync(Path.Combine(files.FullName, "new"), second);
            await File.WriteAllTextAsync(Path.Combine(files.FullName, "proof"), proof.GetRawText());
            var (consistent, report) = await NodeScriptAsync("scripts/verify-consistency.mjs", "--key", key, Path.Combine(files.FullName, "old"), Path.Combine(files.FullName, "new"), Path.Combine(files.FullName, "proof"));
            Assert.True(consistent == 0, report);
            // The same proof does not join the new checkpoint to another old root.
            await File.WriteAllTextAsync(Path.Combine(files.FullName, "old"), first.Replace(Convert.ToBase64String(root), Convert.ToBase64String(new byte[32]), StringComparison.Ordinal));
            Assert.Equal(1, (await NodeScriptAsync("scripts/verify-consistency.mjs", "--key", key, Path.Combine(files.FullName, "old"), Path.Combine(files.FullName, "new"), Path.Combine(files.FullName, "proof"))).Code);
        }
        finally
        {
            files.Delete(recursive: true);
        }

        var bad = await node.As(null).ProblemAsync(HttpMethod.Get, $"/api/audit/consistency?from={size + 1}&to=1", null, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("to", out _), bad.GetRawText());
    }

    [Fact]
    public async Task A_key_made_by_the_node_script_is_read_by_the_service_as_the_same_key()
    {
        var (code, output) = await NodeScriptAsync("scripts/checkpoint-key.mjs", "idarati.ma/audit-log");
        Assert.True(code == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.LastIndexOf(' ') + 1)..]).ToArray();
        using var key = CheckpointKey.Parse(lines[0]);
        Assert.Equal(lines[1], key.VerifierKey);
        var note = CheckpointText.Sign(key, 3, new byte[32], DateTimeOffset.UnixEpoch).Note;
        Assert.Equal(CheckpointText.Body(3, new byte[32], DateTimeOffset.UnixEpoch), CheckpointKey.Verify(note, lines[1]));
    }

    [Fact]
    public async Task A_checkpoint_signed_with_another_key_is_refused_by_the_checker_and_by_the_service()
    {
        await using var node = new ApiFactory();
        var id = await ProcessedComplaintAsync(node);
        var note = await CheckpointOfEverythingAsync(node);
        var (size, root) = CheckpointText.Read(note)!.Value;
        var seed = System.Security.Cryptography.SHA256.HashData("someone else's key"u8);
        using var other = CheckpointKey.FromSeed("idarati-tests", seed);
        var forged = CheckpointText.Sign(other, size, root, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)).Note;
        Assert.Null(CheckpointKey.Verify(forged, await VerifierKeyAsync(node)));

        var json = await (await node.As("auditor").ScenarioAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.OK)).ReadAsTextAsync();
        var file = Path.GetTempFileName();
        try
        {
            var document = System.Text.Json.Nodes.JsonNode.Parse(json)!;
            Assert.Equal(note, document["checkpoint"]!.GetValue<string>());
            document["checkpoint"] = forged;
            await File.WriteAllTextAsync(file, document.ToJsonString());
            var (code, output) = await NodeScriptAsync("scripts/verify-export.mjs", file, "--key", await VerifierKeyAsync(node));
            Assert.Equal(1, code);
            Assert.Contains("checkpoint refused: the checkpoint is not signed by idarati-tests", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        // A forged checkpoint slipped into the database is not taken for the service's.
        await node.ExecuteSqlAsync($"INSERT INTO {{s}}.audit_checkpoints (size, root, signed_at, key_name, note) VALUES ({size + 100}, '\\x{Convert.ToHexString(root)}', '2026-01-01T00:00:00Z', 'idarati-tests', '{forged.Replace("'", "''", StringComparison.Ordinal)}')");
        var verified = await node.As("auditor").GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK);
        Assert.False(verified.GetProperty("valid").GetBoolean());
        Assert.Contains("not signed by the service's key", verified.GetProperty("log").GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_newest_event_of_a_stream_is_detected_against_a_checkpoint_taken_before()
    {
        await using var node = new ApiFactory();
        var id = await ProcessedComplaintAsync(node);
        await CheckpointOfEverythingAsync(node);
        await node.ExecuteSqlAsync($"DELETE FROM {{s}}.mt_events WHERE stream_id = 'complaint-{id:N}' AND version = 3; UPDATE {{s}}.mt_streams SET version = 2 WHERE id = 'complaint-{id:N}'");

        var verified = await node.As("auditor").GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK);
        Assert.False(verified.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKind.Null, verified.GetProperty("firstInvalidVersion").ValueKind);
        Assert.Contains("Version 3", verified.GetProperty("log").GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("no longer stored", verified.GetProperty("log").GetProperty("problems")[0].GetString(), StringComparison.Ordinal);

        // Its leaf taken out too: the tree the checkpoint signed no longer has it, and the whole log's check says so.
        await node.ExecuteSqlAsync($"DELETE FROM {{s}}.audit_leaves WHERE stream_id = 'complaint-{id:N}' AND version = 3");
        var log = await node.As("auditor").GetAsync("/api/audit/log/verify", HttpStatusCode.OK);
        Assert.False(log.GetProperty("valid").GetBoolean(), log.GetRawText());
    }

    [Fact]
    public async Task Rewriting_a_whole_stream_with_its_chain_recomputed_is_detected_against_the_log()
    {
        await using var node = new ApiFactory();
        var id = await ProcessedComplaintAsync(node);
        await CheckpointOfEverythingAsync(node);
        var stream = $"complaint-{id:N}";
        var stored = await node.Services.GetRequiredService<StoredStreams>().ReadAsync(stream);
        var previous = TamperEvidence.Genesis;
        foreach (var e in stored)
        {
            var data = e.Version == 1 ? e.DataJson.Replace("MIN-SANTE", "MIN-JUSTICE", StringComparison.Ordinal) : e.DataJson;
            previous = TamperEvidence.Link(previous, stream, e.Version, e.Type, TamperEvidence.Micros(e.Timestamp), data, e.Envelope());
            await node.ExecuteSqlAsync($"UPDATE {{s}}.mt_events SET data = '{data.Replace("'", "''", StringComparison.Ordinal)}'::jsonb, headers = jsonb_set(headers, '{{hash}}', '\"{previous}\"') WHERE stream_id = '{stream}' AND version = {e.Version}");
        }

        var verified = await node.As("auditor").GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK);
        // The chain alone is fooled; the log is not.
        Assert.Equal(JsonValueKind.Null, verified.GetProperty("firstInvalidVersion").ValueKind);
        Assert.False(verified.GetProperty("valid").GetBoolean());
        Assert.Contains("Version 1 is not what the audit log recorded", string.Join('\n', verified.GetProperty("log").GetProperty("problems").EnumerateArray().Select(p => p.GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_whole_stream_is_detected_by_the_log_check_and_a_rebuilt_log_no_longer_matches_the_checkpoint()
    {
        await using var node = new ApiFactory();
        var gone = await ProcessedComplaintAsync(node);
        await ProcessedComplaintAsync(node, "log-citizen-2");
        await CheckpointOfEverythingAsync(node);
        var auditor = node.As("auditor");
        Assert.True((await auditor.GetAsync("/api/audit/log/verify", HttpStatusCode.OK)).GetProperty("valid").GetBoolean());

        await node.ExecuteSqlAsync($"DELETE FROM {{s}}.mt_events WHERE stream_id = 'complaint-{gone:N}'; DELETE FROM {{s}}.mt_streams WHERE id = 'complaint-{gone:N}'");
        var log = await auditor.GetAsync("/api/audit/log/verify", HttpStatusCode.OK);
        Assert.False(log.GetProperty("valid").GetBoolean());
        Assert.Contains("no longer stored", log.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);

        // Rebuilt from what is stored now, the tree is smaller than the checkpoint signed: a consistency check fails.
        await node.WaitUntilLeadingAsync();
        await node.As("admin").PostAsync("/api/projections/audit-log/rebuild", null, HttpStatusCode.Accepted);
        await node.WaitForProjectionsAsync();
        var rebuilt = await auditor.GetAsync("/api/audit/log/verify", HttpStatusCode.OK);
        Assert.False(rebuilt.GetProperty("valid").GetBoolean());
        Assert.Contains("fewer than the", string.Join('\n', rebuilt.GetProperty("problems").EnumerateArray().Select(p => p.GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_nodes_keep_one_tree_every_event_once_and_every_checkpoint_extending_the_one_before()
    {
        var schema = "log_" + Guid.NewGuid().ToString("N")[..12];
        await using var a = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "log-a" } };
        await using var b = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "log-b", ["ReferenceData:LoadDefaults"] = "false" } };
        for (var i = 0; i < 12; i++)
        {
            await (i % 2 == 0 ? a : b).As("citizen", subject: "two-nodes").PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        }

        await CheckpointOfEverythingAsync(a);
        Assert.Equal((1L, 1L), (
            await a.ScalarAsync<long>("SELECT count(DISTINCT seq_id)::bigint / greatest(count(*), 1) FROM {s}.audit_leaves"),
            await a.ScalarAsync<long>("SELECT CASE WHEN (SELECT count(*) FROM {s}.audit_leaves) = (SELECT count(*) FROM {s}.mt_events) AND (SELECT max(leaf_index) + 1 FROM {s}.audit_leaves) = (SELECT count(*) FROM {s}.audit_leaves) THEN 1::bigint ELSE 0::bigint END")));
        var log = a.Services.GetRequiredService<AuditLog>();
        var sizes = new List<long>();
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase))
        await using (var command = dataSource.CreateCommand($"SELECT size FROM {schema}.audit_checkpoints ORDER BY size"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                sizes.Add(reader.GetInt64(0));
            }
        }

        Assert.NotEmpty(sizes);
        var keys = a.Services.GetRequiredService<CheckpointKeys>();
        for (var i = 1; i < sizes.Count; i++)
        {
            var (older, newer) = ((await log.CheckpointAsync(sizes[i - 1]))!, (await log.CheckpointAsync(sizes[i]))!);
            Assert.NotNull(keys.Verify(older.Note));
            var proof = await log.ConsistencyAsync(older.Size, newer.Size);
            Assert.True(MerkleTree.VerifyConsistency(older.Size, newer.Size, older.Root, newer.Root, proof), $"{older.Size} -> {newer.Size}");
        }

        Assert.True((await b.As("auditor").GetAsync("/api/audit/log/verify", HttpStatusCode.OK)).GetProperty("valid").GetBoolean());
    }
}
