using System.Diagnostics;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The service's logs: every line timestamped in UTC, JSON on the console outside Development (one object per line for
/// log collectors), and one line per request with the traceId its problem response, if any, carries. The query string
/// is never logged: it may hold an access code.
/// </summary>
public static partial class Logs
{
    public const string RequestCategory = "Idarati.Requests";

    private const string Timestamp = "yyyy-MM-ddTHH:mm:ss.fffZ ";

    public static ILoggingBuilder AddIdaratiConsole(this ILoggingBuilder logging, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(environment);
        logging.ClearProviders();
        if (environment.IsDevelopment())
        {
            logging.AddSimpleConsole(o =>
            {
                o.TimestampFormat = Timestamp;
                o.UseUtcTimestamp = true;
                o.SingleLine = true;
            });
        }
        else
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = Timestamp.TrimEnd();
                o.UseUtcTimestamp = true;
                o.IncludeScopes = true;
            });
        }

        return logging;
    }

    /// <summary>Logs each request once it is answered: method, path, status, duration and the traceId of its problem details.</summary>
    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(RequestCategory);
        return app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                // The same id ASP.NET Core's problem details write as "traceId".
                Answered(logger, context.Request.Method, context.Request.Path.Value ?? "/", context.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, Activity.Current?.Id ?? context.TraceIdentifier);
            }
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} answered {StatusCode} in {ElapsedMs:F1} ms (traceId {TraceId})")]
    private static partial void Answered(ILogger logger, string method, string path, int statusCode, double elapsedMs, string traceId);
}
