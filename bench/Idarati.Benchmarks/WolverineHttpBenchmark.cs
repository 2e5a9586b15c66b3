using System.Globalization;
using Idarati.Api;
using Idarati.Api.Complaints;
using Idarati.Api.Infrastructure;
using Idarati.Application.Complaints;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Wolverine;
using Wolverine.Http;

namespace Idarati.Benchmarks;

/// <summary>
/// The REST routes could be Wolverine.Http endpoints or minimal APIs; the choice is measured here. The same submission
/// both ways, on one host and one database, in alternating slices: the service's minimal API route (reads the
/// body with the service's JSON rules, sends the message with IMessageBus.InvokeAsync to the Wolverine handler) beside a
/// Wolverine.Http endpoint that binds the same request and runs the same handler in its generated code, with no bus
/// between. The endpoint lives here only: the service ships minimal APIs.
/// </summary>
public static class WolverineHttpBenchmark
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report)
    {
        const int Concurrency = 8;
        var schema = "bench_whttp_" + Guid.NewGuid().ToString("N")[..8];
        var target = $"http://127.0.0.1:{HttpBenchmark.FreePort()}";
        var app = ApiHost.Build(HttpBenchmark.ServiceArguments(target, connectionString, schema), builder =>
        {
            builder.Services.AddWolverineHttp();
            // This endpoint has no pre-generated code, so this host compiles Wolverine's code at start (Dynamic: the same
            // generated source as the service's pre-built handlers, compiled by Roslyn here, and nothing written to disk).
            builder.Services.ConfigureWolverine(options =>
            {
                options.Discovery.IncludeAssembly(typeof(WolverineHttpBenchmark).Assembly);
                options.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Dynamic;
                options.UseRuntimeCompilation();
            });
        });
        // Wolverine.Http reads JSON bodies with ASP.NET Core's JSON options, which the service sets (camelCase enums).
        app.MapWolverineEndpoints();
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var key = app.Services.GetRequiredService<SymmetricSecurityKey>();
            var token = Auth.Issue(key, "bench-citizen", Auth.Roles.Citizen, null, TimeProvider.System);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = new Uri(target) };
            var payload = HttpBenchmark.ComplaintPayload;

            // Both answer 201 with the same body shape before anything is timed.
            foreach (var route in new[] { "/api/complaints", WolverineHttpSubmission.Route })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, target + route) { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (response.StatusCode != System.Net.HttpStatusCode.Created || !body.Contains("\"trackingNumber\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{route} answered {(int)response.StatusCode}: {body}");
                }
            }

            Console.WriteLine($"== wolverine-http: POST a complaint, minimal API + InvokeAsync beside a Wolverine.Http endpoint, {Concurrency} connections, {settings.Duration.TotalSeconds:F1} s per figure");
            using var minimal = new HttpBenchmark.HttpLoad(http, target, HttpMethod.Post, "/api/complaints", payload, token, Concurrency);
            using var wolverine = new HttpBenchmark.HttpLoad(http, target, HttpMethod.Post, WolverineHttpSubmission.Route, payload, token, Concurrency);
            var (minimalRate, wolverineRate) = await HttpBenchmark.PairedAsync("minimal API", minimal.RunAsync, "Wolverine.Http", wolverine.RunAsync, settings.Duration).ConfigureAwait(false);
            report.Add("http.minimal-api-submit.c8", minimalRate, "commands/s");
            report.Add("http.wolverine-http-submit.c8", wolverineRate, "commands/s", "http.minimal-api-submit.c8");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    Wolverine.Http / minimal API: {wolverineRate / minimalRate:F2}"));
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The submission as a Wolverine.Http endpoint: the same request, roles, handler and answer as POST /api/complaints.</summary>
public static class WolverineHttpSubmission
{
    public const string Route = "/bench/wolverine-http/complaints";

    [WolverinePost(Route)]
    [Authorize(Roles = "citizen,agent,supervisor")]
    public static async Task<IResult> Post(SubmitComplaint request, HttpContext http, ComplaintSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(http);
        var submitted = await SubmitComplaintHandler.Handle(request with { Context = http.CommandContext() }, submission, cancellationToken).ConfigureAwait(false);
        http.SetETag(submitted.Version);
        return Results.Created($"/api/complaints/{submitted.Id}", submitted);
    }
}
