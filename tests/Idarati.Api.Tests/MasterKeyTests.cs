using System.Net;
using System.Security.Cryptography;
using Idarati.Application.Privacy;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>The master key: rotated without a rewrite of any event, and a wrong one stops the service before it writes.</summary>
public sealed class MasterKeyTests
{
    private static string NewKey(string seed) => Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed)));

    [Fact]
    public async Task A_rotated_master_rewraps_every_key_and_the_data_reads_the_same_once_the_old_master_is_gone()
    {
        var schema = "mk_" + Guid.NewGuid().ToString("N")[..12];
        Guid id;
        await using (var first = new ApiFactory { Schema = schema })
        {
            id = (await first.As("citizen", subject: "mk-citizen").PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }

        var next = NewKey("the next master key of the rotation test");
        await using (var rotating = new ApiFactory { Schema = schema, Settings = { ["PersonalData:MasterKey"] = next, ["PersonalData:PreviousMasterKeys:0"] = ApiFactory.MasterKey } })
        {
            var read = await rotating.As("supervisor").GetAsync($"/api/complaints/{id}", HttpStatusCode.OK);
            Assert.Equal("Amina Benali", read.GetProperty("citizen").GetProperty("fullName").GetString());
            await Deadline.UntilAsync(async () => await rotating.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.pd_subject_keys WHERE master_key_id <> '{MasterKeys.IdOf(Convert.FromBase64String(next))}'") == 0,
                30, "every key rewrapped under the new master");
        }

        await using (var rotated = new ApiFactory { Schema = schema, Settings = { ["PersonalData:MasterKey"] = next } })
        {
            var read = await rotated.As("supervisor").GetAsync($"/api/complaints/{id}", HttpStatusCode.OK);
            Assert.Equal("amina@example.ma", read.GetProperty("citizen").GetProperty("email").GetString());
            var verified = await rotated.As("auditor").GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK);
            Assert.True(verified.GetProperty("valid").GetBoolean());
        }

        // A master that opens none of the stored keys: one line naming the setting, and no start.
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            var code = await ApiHost.RunAsync(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--EventStore:Schema", schema,
                "--Auth:SigningKey", "a-production-signing-key-of-at-least-32-bytes", "--Complaints:AccessCodeSecret", ApiFactory.AccessCodeSecret,
                "--Audit:CheckpointKey", ApiFactory.CheckpointKey, "--PersonalData:MasterKey", NewKey("a master key nobody used"), "--urls", "http://127.0.0.1:0"]).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(previous);
        }

        // One line names the setting; a host torn down during its start may have other components log their own stop.
        var named = Assert.Single(error.ToString().Split('\n'), line => line.Contains("PersonalData:MasterKey", StringComparison.Ordinal));
        Assert.StartsWith("PersonalData:MasterKey does not open the keys stored in this database", named, StringComparison.Ordinal);
    }
}
