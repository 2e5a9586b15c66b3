using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Idarati.Api.GraphQL;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Validation;
using Idarati.Projections.Complaints;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Benchmarks;

/// <summary>
/// Issue 5's figures: parse + validate + execute of a typical front-end query (a page of 20 complaints with the fields
/// the REST list gives) beside the read-model call its resolver makes, and of a full introspection query, in
/// microseconds and bytes allocated per operation; the HTTP comparison with REST runs in <see cref="HttpBenchmark"/>.
/// </summary>
public static class GraphQLBenchmark
{
    /// <summary>The fields the REST list returns for the same page, so that both carry the same data.</summary>
    public const string PageQuery = "{ complaints(first: 20) { nodes { id trackingNumber administrationId kind channel categoryCode region status submittedAt answerDue overdue version } pageInfo { endCursor hasNextPage } position } }";

    public static string PageRequest { get; } = JsonSerializer.Serialize(new { query = PageQuery });

    /// <summary>A full introspection query: every type with its fields, arguments, input fields, enum values and nested type references.</summary>
    private const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            description queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description specifiedByURL isOneOf
          fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields(includeDeprecated: true) { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
        fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        """;

    public static async Task WaitForListAsync(HttpClient http, string token)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/complaints?limit=20");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
            if (page.GetProperty("items").GetArrayLength() == 20)
            {
                return;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new InvalidOperationException("The complaint list did not fill up.");
    }

    public static async Task EngineAsync(IServiceProvider services, Settings settings, Report report)
    {
        var schema = FrontEndSchema.Build();
        var iterations = settings.Smoke ? 20 : int.Parse(Environment.GetEnvironmentVariable("BENCH_GRAPHQL_ITERATIONS") ?? "2000", CultureInfo.InvariantCulture);
        using var scope = services.CreateScope();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "bench"), new Claim("role", Idarati.Api.Infrastructure.Auth.Roles.Supervisor)], "bench", "sub", "role"));

        async Task<(double Micros, double Bytes)> Measure(Func<Task> operation)
        {
            for (var i = 0; i < Math.Max(5, iterations / 10); i++)
            {
                await operation().ConfigureAwait(false);
            }

            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                await operation().ConfigureAwait(false);
            }

            return (clock.Elapsed.TotalMicroseconds / iterations, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)iterations);
        }

        async Task<ExecutionResult> Run(string query)
        {
            // A fresh request each time: parse, validate and execute, with the request's own loaders.
            using var requestScope = services.CreateScope();
            var http = new DefaultHttpContext { RequestServices = requestScope.ServiceProvider, User = user };
            var document = Parser.Parse(query);
            var errors = Validator.Validate(schema, document);
            if (errors.Count > 0)
            {
                throw new InvalidOperationException(errors[0].Message);
            }

            return await Executor.ExecuteAsync(new ExecutionRequest(schema, document) { Context = http, Scheduler = requestScope.ServiceProvider.GetRequiredService<BatchScheduler>() }).ConfigureAwait(false);
        }

        var list = scope.ServiceProvider.GetRequiredService<ComplaintListQuery>();
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var baseline = await Measure(() => list.PageAsync(new ComplaintFilter(null, null, null, null, 20, null), time.GetUtcNow())).ConfigureAwait(false);
        // The search the GraphQL resolver itself runs (where / order / window), to tell the engine's cost from the SQL's.
        var lists = scope.ServiceProvider.GetRequiredService<Idarati.Projections.ReadModelLists>();
        var search = await Measure(() => lists.SearchAsync(ComplaintListQuery.Shape, new Idarati.Projections.ListSearch(null, [], 0, 21), null, time.GetUtcNow(), ComplaintListQuery.Read))
            .ConfigureAwait(false);
        var page = await Measure(async () =>
        {
            var result = await Run(PageQuery).ConfigureAwait(false);
            if (result.Errors.Count > 0)
            {
                throw new InvalidOperationException(result.Errors[0].Message);
            }
        }).ConfigureAwait(false);
        // Parse and validate alone: what the HTTP transport's document cache saves on a repeated query.
        var checkOnly = await Measure(() =>
        {
            if (Validator.Validate(schema, Parser.Parse(PageQuery)).Count > 0)
            {
                throw new InvalidOperationException("The page query does not validate.");
            }

            return Task.CompletedTask;
        }).ConfigureAwait(false);
        var introspection = await Measure(() => Run(IntrospectionQuery)).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    allocated per operation: read-model page {baseline.Bytes:N0} B, GraphQL page {page.Bytes:N0} B, introspection {introspection.Bytes:N0} B"));
        report.Add("graphql.read-model-page.us", baseline.Micros, "us/op");
        report.Add("graphql.search-page.us", search.Micros, "us/op", "graphql.read-model-page.us");
        report.Add("graphql.page-query.us", page.Micros, "us/op", "graphql.search-page.us");
        report.Add("graphql.page-query.bytes", page.Bytes, "B/op");
        report.Add("graphql.page-parse-validate.us", checkOnly.Micros, "us/op");
        report.Add("graphql.introspection.us", introspection.Micros, "us/op");
        report.Add("graphql.introspection.bytes", introspection.Bytes, "B/op");
    }
}
