using System.Globalization;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// Each scenario prints its figures beside a baseline measured in the same run on the same database, as a ratio.
/// Usage: dotnet run -c Release --project bench/Idarati.Benchmarks -- &lt;append|bulk|http|wolverine-http|aggregate-workflow|graphql|projections|dashboard|privacy|deadlines|subscriptions|soak|all&gt; [--smoke] [--seconds N] [--scale S] [--minutes M]
/// The database comes from IDARATI_DB (scripts/with-pg.sh starts a throwaway cluster and sets it).
/// </summary>
public static class BenchmarkRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
        var smoke = args.Contains("--smoke");
        var seconds = smoke ? 0.5 : 5.0;
        var secondsIndex = Array.IndexOf(args, "--seconds");
        if (secondsIndex >= 0 && secondsIndex + 1 < args.Length)
        {
            seconds = double.Parse(args[secondsIndex + 1], CultureInfo.InvariantCulture);
        }

        var connectionString = Environment.GetEnvironmentVariable("IDARATI_DB");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync(
                "IDARATI_DB is not set. Run against a throwaway cluster with:\n" +
                "  scripts/with-pg.sh dotnet run -c Release --project bench/Idarati.Benchmarks -- append").ConfigureAwait(false);
            return 2;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 100, MaxAutoPrepare = 64, NoResetOnClose = true, ApplicationName = "idarati-bench" };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var report = new Report(smoke);
        var settings = new Settings(TimeSpan.FromSeconds(seconds), smoke);
        switch (scenario)
        {
            case "bulk":
                await AppendBenchmark.RunBulkOnlyAsync(dataSource, settings, report).ConfigureAwait(false);
                break;
            case "append":
                await AppendBenchmark.RunAsync(dataSource, settings, report).ConfigureAwait(false);
                break;
            case "http":
                await HttpBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                break;
            case "wolverine-http":
                await WolverineHttpBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                break;
            case "aggregate-workflow":
                await AggregateWorkflowBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                break;
            case "graphql":
                await HttpBenchmark.RunEngineOnlyAsync(builder.ConnectionString, settings, report).ConfigureAwait(false);
                break;
            case "projections":
                await ProjectionBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report, Scale(args)).ConfigureAwait(false);
                break;
            case "privacy":
                await PrivacyBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report, Scale(args)).ConfigureAwait(false);
                break;
            case "deadlines":
                await DeadlineBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                break;
            case "soak":
                await SoakBenchmark.RunAsync(builder.ConnectionString, settings, report, Minutes(args)).ConfigureAwait(false);
                break;
            case "subscriptions":
                await SubscriptionBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                break;
            case "dashboard":
                await DashboardBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report, Scale(args)).ConfigureAwait(false);
                break;
            case "all":
                await AppendBenchmark.RunAsync(dataSource, settings, report).ConfigureAwait(false);
                await ProjectionBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report, Scale(args)).ConfigureAwait(false);
                await HttpBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                await WolverineHttpBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                await AggregateWorkflowBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                await DashboardBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report, Scale(args)).ConfigureAwait(false);
                await PrivacyBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report, Scale(args) is { } s ? Math.Min(s, 0.1) : null).ConfigureAwait(false);
                await DeadlineBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                await SubscriptionBenchmark.RunAsync(dataSource, builder.ConnectionString, settings, report).ConfigureAwait(false);
                await SoakBenchmark.RunAsync(builder.ConnectionString, settings, report, Minutes(args)).ConfigureAwait(false);
                break;
            default:
                await Console.Error.WriteLineAsync($"unknown scenario '{scenario}'; known: append, bulk, http, wolverine-http, aggregate-workflow, graphql, projections, dashboard, privacy, deadlines, subscriptions, soak, all").ConfigureAwait(false);
                return 2;
        }

        return report.Print();
    }

    /// <summary>The seed scale of the projections scenario (--scale S); 1 by default, 0.01 in a smoke run.</summary>
    private static double? Scale(string[] args) => Option(args, "--scale");

    private static double? Minutes(string[] args) => Option(args, "--minutes");

    private static double? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : null;
    }
}

public sealed record Settings(TimeSpan Duration, bool Smoke);

/// <summary>Collects figures and prints them with their ratio to the same-run baseline and the goal.</summary>
public sealed class Report(bool smoke)
{
    private readonly List<(string Name, double Value, string Unit, string? Baseline, double? Goal, double? AtLeast, double? AtMost)> _rows = [];
    private readonly Dictionary<string, double> _values = [];

    /// <param name="goal">the least ratio to the baseline; <paramref name="atLeast"/> and <paramref name="atMost"/> are absolute goals.</param>
    public void Add(string name, double value, string unit, string? baseline = null, double? goal = null, double? atLeast = null, double? atMost = null)
    {
        _values[name] = value;
        _rows.Add((name, value, unit, baseline, goal, atLeast, atMost));
        Console.WriteLine(Format(_rows[^1]));
    }

    public int Print()
    {
        Console.WriteLine();
        Console.WriteLine(smoke ? "== summary (smoke run: figures are not meaningful)" : "== summary");
        var missed = 0;
        foreach (var row in _rows)
        {
            Console.WriteLine(Format(row));
            if ((row.Goal is { } goal && row.Baseline is { } b && _values[row.Name] / _values[b] < goal) || row.Value < row.AtLeast || row.Value > row.AtMost)
            {
                missed++;
            }
        }

        if (!smoke && missed > 0)
        {
            Console.WriteLine($"{missed} figure(s) below their goal");
        }

        return 0;
    }

    private string Format((string Name, double Value, string Unit, string? Baseline, double? Goal, double? AtLeast, double? AtMost) row)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{row.Name,-40} {row.Value,12:N0} {row.Unit}");
        if (row.Baseline is { } baseline && _values.TryGetValue(baseline, out var b) && b > 0)
        {
            var ratio = row.Value / b;
            text += string.Create(CultureInfo.InvariantCulture, $"   ratio {ratio:F2} to {baseline}");
            if (row.Goal is { } goal)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" (goal >= {goal:F2}: {(ratio >= goal ? "met" : "MISSED")})");
            }
        }

        if (row.AtLeast is { } least)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" (goal >= {least:N0} {row.Unit}: {(row.Value >= least ? "met" : "MISSED")})");
        }

        if (row.AtMost is { } most)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" (goal < {most:N0} {row.Unit}: {(row.Value < most ? "met" : "MISSED")})");
        }

        return text;
    }
}
