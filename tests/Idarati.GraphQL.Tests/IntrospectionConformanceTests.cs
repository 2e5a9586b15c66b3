using System.Diagnostics;
using System.Text.Json;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Tests;

/// <summary>
/// graphql-js judges our introspection: its own introspection query (every option on) runs on our engine, then
/// buildClientSchema, validateSchema and printSchema run in Node on the answer (tests/conformance; ./test.sh installs
/// its packages with npm ci), and the printed schema must equal our SDL.
/// </summary>
public sealed class IntrospectionConformanceTests
{
    internal static string Conformance
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Idarati.EventSourced.sln")))
            {
                directory = directory.Parent;
            }

            var path = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("The repository root was not found."), "tests", "conformance");
            return Directory.Exists(Path.Combine(path, "node_modules", "graphql"))
                ? path
                : throw new InvalidOperationException($"graphql-js is not installed: run 'npm ci' in {path} (./test.sh does).");
        }
    }

    private static Task<(int ExitCode, string Output)> NodeAsync(params string[] arguments) => ScriptAsync("introspection.mjs", arguments);

    /// <summary>Runs a script of tests/conformance with Node and returns its exit code and output.</summary>
    internal static async Task<(int ExitCode, string Output)> ScriptAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Conformance, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Graphql_js_rebuilds_our_schema_from_introspection_and_prints_our_sdl()
    {
        var (code, query) = await NodeAsync("query");
        Assert.True(code == 0, query);
        var schema = SchemaTests.TestSchema();
        Assert.Empty(Idarati.GraphQL.Validation.Validator.Validate(schema, Parser.Parse(query)));
        var result = await Executor.ExecuteAsync(new ExecutionRequest(schema, Parser.Parse(query)));
        Assert.Empty(result.Errors);

        var resultFile = Path.GetTempFileName();
        var sdlFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(resultFile, JsonSerializer.Serialize(new { data = result.Data }));
            await File.WriteAllTextAsync(sdlFile, SchemaPrinter.Print(schema));
            var (checkCode, output) = await NodeAsync("check", resultFile, sdlFile);
            Assert.True(checkCode == 0, output);
            Assert.Contains("introspection conformance: ok", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(resultFile);
            File.Delete(sdlFile);
        }
    }

    [Fact]
    public async Task Type_lookups_and_typenames_answer_from_the_schema()
    {
        var schema = SchemaTests.TestSchema();
        var result = await Executor.ExecuteAsync(new ExecutionRequest(schema, Parser.Parse("""
            { __typename
              kind: __type(name: "Kind") { kind enumValues { name } all: enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } }
              list: __type(name: "Root") { fields { name type { kind ofType { kind ofType { kind ofType { name } } } } } }
              missing: __type(name: "Nope") { name }
              node: __type(name: "Node") { possibleTypes { name } } }
            """)));
        Assert.Empty(result.Errors);
        var json = JsonSerializer.Serialize(result.Data);
        Assert.StartsWith("""{"__typename":"Root","kind":{"kind":"ENUM","enumValues":[{"name":"COMPLAINT"},{"name":"OBSERVATION"}],"all":[""", json, StringComparison.Ordinal);
        Assert.Contains("""{"name":"SUGGESTION","isDeprecated":true,"deprecationReason":"Merged into OBSERVATION"}""", json, StringComparison.Ordinal);
        Assert.Contains("""{"name":"complaints","type":{"kind":"NON_NULL","ofType":{"kind":"LIST","ofType":{"kind":"NON_NULL","ofType":{"name":"Complaint"}}}}}""", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"legacy\"", json, StringComparison.Ordinal);
        Assert.Contains("\"missing\":null", json, StringComparison.Ordinal);
        Assert.Contains("""{"possibleTypes":[{"name":"Complaint"},{"name":"Ticket"}]}""", json, StringComparison.Ordinal);
    }
}
