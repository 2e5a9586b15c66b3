using System.Text.Json;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;
using Idarati.GraphQL.Validation;

namespace Idarati.GraphQL.Tests;

/// <summary>
/// Every document of tests/conformance/corpus.json is judged by graphql-js (parse + validate with specifiedRules) and
/// by our parser and validator against the same schema: the same verdict, and the same error locations.
/// </summary>
public sealed class ValidationConformanceTests
{
    private sealed record Verdict(bool Valid, IReadOnlyList<string> Messages, IReadOnlyList<string> Locations);

    [Fact]
    public async Task Our_verdicts_and_error_locations_match_graphql_js_on_the_corpus()
    {
        var schema = SchemaTests.TestSchema();
        var corpusFile = Path.Combine(IntrospectionConformanceTests.Conformance, "corpus.json");
        var corpus = JsonSerializer.Deserialize<List<string>>(await File.ReadAllTextAsync(corpusFile))!;
        var schemaFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(schemaFile, SchemaPrinter.Print(schema));
            var (code, output) = await IntrospectionConformanceTests.ScriptAsync("validate.mjs", schemaFile, corpusFile);
            Assert.True(code == 0, output);
            var expected = JsonSerializer.Deserialize<List<Verdict>>(output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            Assert.Equal(corpus.Count, expected.Count);
            Assert.True(expected.Count >= 200 && expected.Count(v => v.Valid) >= 50 && expected.Count(v => !v.Valid) >= 100, "the corpus holds 200 documents, valid and invalid");

            var differences = new List<string>();
            for (var i = 0; i < corpus.Count; i++)
            {
                var ours = Judge(schema, corpus[i]);
                if (ours.Valid != expected[i].Valid || !ours.Locations.SequenceEqual(expected[i].Locations))
                {
                    differences.Add($"{corpus[i]}\n  graphql-js: {(expected[i].Valid ? "valid" : "invalid")} at [{string.Join(", ", expected[i].Locations)}] {string.Join(" | ", expected[i].Messages)}\n"
                        + $"  ours:       {(ours.Valid ? "valid" : "invalid")} at [{string.Join(", ", ours.Locations)}] {string.Join(" | ", ours.Messages)}");
                }
            }

            Assert.True(differences.Count == 0, $"{differences.Count} documents judged differently:\n" + string.Join("\n", differences));
        }
        finally
        {
            File.Delete(schemaFile);
        }
    }

    private static Verdict Judge(Schema schema, string source)
    {
        try
        {
            var errors = Validator.Validate(schema, Parser.Parse(source));
            return new Verdict(errors.Count == 0, [.. errors.Select(e => e.Message)],
                [.. errors.SelectMany(e => e.Locations ?? []).Select(l => $"{l.Line}:{l.Column}").Order(StringComparer.Ordinal)]);
        }
        catch (GraphQLSyntaxException error)
        {
            return new Verdict(false, [error.Message], [$"{error.Location.Line}:{error.Location.Column}"]);
        }
    }
}
