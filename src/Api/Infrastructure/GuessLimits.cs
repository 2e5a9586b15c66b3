using System.Globalization;
using System.Threading.RateLimiting;
using Idarati.GraphQL.Language;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// What can be guessed is slowed down: tracking numbers with access codes (REST's by-tracking, GraphQL's
/// complaintByTracking, any request carrying X-Access-Code) and development tokens. Each attempt takes a token from
/// the client address's bucket and one from the target's (the tracking number or complaint), so neither many targets
/// from one address nor one target from many addresses goes fast. A refusal is 429 problem+json with Retry-After. A
/// GraphQL request takes one token per guessing field it holds (aliases included) before anything runs. Behind a
/// proxy, configure forwarded headers so that the client address is the caller's.
/// </summary>
public sealed class GuessLimits : IDisposable
{
    /// <summary>The scope of tracking numbers and access codes, whichever transport tries them.</summary>
    public const string ComplaintCodes = "complaint-codes";

    public const string DevTokens = "dev-tokens";

    private readonly PartitionedRateLimiter<string> _clients;
    private readonly PartitionedRateLimiter<string> _targets;
    private readonly PartitionedRateLimiter<string> _exports;

    public GuessLimits(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _clients = Buckets(configuration.GetValue("RateLimits:GuessesPerClientPerMinute", 60), TimeSpan.FromMinutes(1));
        _targets = Buckets(configuration.GetValue("RateLimits:GuessesPerTargetPer10Minutes", 10), TimeSpan.FromMinutes(10));
        _exports = Buckets(configuration.GetValue("RateLimits:ExportsPerClientPerMinute", 10), TimeSpan.FromMinutes(1));
    }

    /// <summary>Heavy reads (bulk exports) take one token from the caller's own bucket; the time to wait when refused.</summary>
    public TimeSpan? ExportRefusal(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var lease = _exports.AttemptAcquire($"{http.User.FindFirst("sub")?.Value}|{http.Connection.RemoteIpAddress}");
        return lease.IsAcquired ? null : RetryAfter(lease);
    }

    private static PartitionedRateLimiter<string> Buckets(int limit, TimeSpan period) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(limit, 1),
            TokensPerPeriod = Math.Max(limit, 1),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Takes <paramref name="count"/> attempts for the caller and one for each target; the time to wait when refused.</summary>
    public TimeSpan? Refusal(HttpContext http, string scope, int count, IEnumerable<string> targets)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(targets);
        using var client = _clients.AttemptAcquire($"{scope}|{http.Connection.RemoteIpAddress}", count);
        if (!client.IsAcquired)
        {
            return RetryAfter(client);
        }

        foreach (var target in targets)
        {
            using var lease = _targets.AttemptAcquire($"{scope}|{target}");
            if (!lease.IsAcquired)
            {
                return RetryAfter(lease);
            }
        }

        return null;
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);

    public static IResult TooMany(HttpContext http, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many attempts",
            detail: "Too many attempts from this address or on this complaint: wait before trying again (Retry-After).");
    }

    /// <summary>
    /// An endpoint filter that takes one attempt for the caller and one for each target <paramref name="targets"/>
    /// names; a request for which it names none (null) is no guess and passes.
    /// </summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Filter(string scope, Func<HttpContext, string[]?> targets) =>
        async (context, next) =>
        {
            var http = context.HttpContext;
            if (targets(http) is { } keys && http.RequestServices.GetRequiredService<GuessLimits>().Refusal(http, scope, 1, keys) is { } wait)
            {
                return TooMany(http, wait);
            }

            return await next(context).ConfigureAwait(false);
        };

    /// <summary>
    /// GraphQL: every <paramref name="field"/> the operation would run (aliases and fragments included) is one attempt,
    /// and the values of its <paramref name="argument"/> (literal or variable) are its targets.
    /// </summary>
    public IResult? Admit(HttpContext http, Document document, OperationDefinition operation, IReadOnlyDictionary<string, object?>? variables, string scope, string field, string argument)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(operation);
        var fragments = document.Definitions.OfType<FragmentDefinition>().GroupBy(f => f.Name.Value).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var found = new List<Field>();
        Collect(operation.SelectionSet, fragments, field, found, []);
        if (found.Count == 0)
        {
            return null;
        }

        var targets = found.Select(f => f.Arguments.FirstOrDefault(a => a.Name.Value == argument)?.Value switch
        {
            StringValue s => s.Text,
            Variable v when variables?.GetValueOrDefault(v.Name.Value) is string text => text,
            _ => null,
        }).OfType<string>().Select(t => t.Trim().ToUpperInvariant());
        return Refusal(http, scope, found.Count, targets) is { } wait ? TooMany(http, wait) : null;
    }

    private static void Collect(SelectionSet set, Dictionary<string, FragmentDefinition> fragments, string name, List<Field> found, HashSet<string> visiting)
    {
        foreach (var selection in set.Selections)
        {
            switch (selection)
            {
                case Field f when f.Name.Value == name:
                    found.Add(f);
                    break;
                case Field { SelectionSet: { } inner }:
                    Collect(inner, fragments, name, found, visiting);
                    break;
                case InlineFragment inline:
                    Collect(inline.SelectionSet, fragments, name, found, visiting);
                    break;
                case FragmentSpread spread when fragments.TryGetValue(spread.Name.Value, out var fragment) && visiting.Add(spread.Name.Value):
                    Collect(fragment.SelectionSet, fragments, name, found, visiting);
                    visiting.Remove(spread.Name.Value);
                    break;
            }
        }
    }

    public void Dispose()
    {
        _clients.Dispose();
        _targets.Dispose();
        _exports.Dispose();
    }
}
