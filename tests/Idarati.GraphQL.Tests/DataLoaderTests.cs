using System.Text.Json;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Tests;

public sealed class DataLoaderTests
{
    [Theory]
    [InlineData(2, 3)]
    [InlineData(8, 25)]
    public async Task Each_level_of_a_query_fetches_once_whatever_the_sizes_of_its_lists(int teams, int members)
    {
        var fetches = new List<int>();
        var scheduler = new BatchScheduler();
        var people = new DataLoader<int, string>(scheduler, async (ids, ct) =>
        {
            await Task.Delay(5, ct);
            lock (fetches)
            {
                fetches.Add(ids.Count);
            }

            return ids.ToDictionary(id => id, id => $"person {id}");
        });
        var person = new ObjectGraphType("Person");
        person.AddFields(
            new FieldDefinition("id", Scalars.Int.NonNull) { Resolve = c => ValueTask.FromResult(c.Source) },
            new FieldDefinition("name", Scalars.String) { Resolve = async c => await people.LoadAsync((int)c.Source!) },
            new FieldDefinition("manager", person)
            {
                // Known only once the person is loaded: the managers' names form a second level.
                Resolve = async c =>
                {
                    await people.LoadAsync((int)c.Source!);
                    return (int)c.Source! % 3;
                },
            });
        var team = new ObjectGraphType("Team");
        team.AddFields(new FieldDefinition("members", new ListGraphType(person.NonNull)) { Resolve = c => ValueTask.FromResult<object?>(Enumerable.Range((int)c.Source! * 100, members).ToList()) });
        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("teams", new ListGraphType(team.NonNull)) { Resolve = _ => ValueTask.FromResult<object?>(Enumerable.Range(1, teams).ToList()) });

        var result = await Executor.ExecuteAsync(new ExecutionRequest(new Schema(query), Parser.Parse("{ teams { members { name manager { id name } } } }")) { Scheduler = scheduler });

        Assert.Empty(result.Errors);
        // Level one: every member's name, in one fetch; level two: the managers' names (0, 1, 2), in another.
        Assert.Equal(2, fetches.Count);
        Assert.Equal(teams * members, fetches[0]);
        Assert.Equal(3, fetches[1]);
        var json = JsonSerializer.Serialize(result.Data);
        Assert.Contains("\"name\":\"person 101\",\"manager\":{\"id\":2,\"name\":\"person 2\"}", json, StringComparison.Ordinal);
    }
}
