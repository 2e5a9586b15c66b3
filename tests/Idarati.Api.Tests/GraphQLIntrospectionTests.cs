using System.Net;

namespace Idarati.Api.Tests;

/// <summary>
/// GraphiQL's and code generators' own introspection query (graphql-js's getIntrospectionQuery with every option, 15
/// fields deep) passes the service's default limits; introspection has its own limit, data fields keep theirs.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLIntrospectionTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Graphiqls_introspection_query_passes_the_default_limits_over_http()
    {
        var (code, query, error) = await Tools.NodeAsync("introspection.mjs", "query");
        Assert.True(code == 0, error);
        Assert.Contains("ofType {", query, StringComparison.Ordinal);

        var anonymous = factory.As(null);
        var answer = await TestHttp.Graph(anonymous, query);
        Assert.False(answer.TryGetProperty("errors", out var errors), errors.ToString());
        Assert.True(answer.GetProperty("data").GetProperty("__schema").GetProperty("types").GetArrayLength() > 50);
    }

    [Fact]
    public async Task Introspection_nested_too_deep_is_refused_by_its_own_rule_and_data_fields_keep_the_depth_limit()
    {
        var anonymous = factory.As(null);
        var deep = await TestHttp.Graph(anonymous, "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }");
        Assert.True(deep.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString() == "GRAPHQL_VALIDATION_FAILED" && deep.GetProperty("errors")[0].GetProperty("message").GetString() == "Maximum introspection depth exceeded", deep.ToString());
        var viaFragment = await TestHttp.Graph(anonymous, "{ __type(name: \"Query\") { ...F } } fragment F on __Type { fields { type { interfaces { possibleTypes { name } } } } }");
        Assert.True(viaFragment.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString() == "GRAPHQL_VALIDATION_FAILED" && viaFragment.GetProperty("errors")[0].GetProperty("message").GetString() == "Maximum introspection depth exceeded", viaFragment.ToString());
        var two = await TestHttp.Graph(anonymous, "{ __schema { types { fields { type { fields { name } } } } } }");
        Assert.False(two.TryGetProperty("errors", out _), two.ToString());

        var nested = "{ categories { " + string.Concat(Enumerable.Repeat("children { ", 12)) + "code" + new string('}', 12) + " } }";
        var data = await TestHttp.Graph(anonymous, nested);
        Assert.Equal("MAX_DEPTH_EXCEEDED", data.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }
}
