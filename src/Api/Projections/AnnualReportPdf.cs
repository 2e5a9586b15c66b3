using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Idarati.Api.Infrastructure;
using Idarati.Application.Administrations;
using Idarati.Application.Handling;
using Idarati.Application.Indicators;
using Idarati.Domain.Reference;
using Idarati.Projections.Indicators;
using Microsoft.Extensions.FileProviders;

namespace Idarati.Api.Projections;

/// <summary>Chromium is not installed where the service runs, or failed to print: 503 naming the setting.</summary>
public sealed class PdfUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The annual report as the PDF a department files: the printable page (web/pages/annual-report.*) with its styles,
/// Chart.js and the report's data inlined into one HTML file, printed to A4 by Chromium's headless print-to-PDF. The
/// page is opened from a file with every script inside it, so Chromium asks nothing of any network; at most two
/// prints run at once, each within a minute. Chromium is Debian's package (<c>Reports:Chromium</c> names another).
/// </summary>
public sealed class AnnualReportPdf(IConfiguration configuration, ILogger<AnnualReportPdf> logger)
{
    public const string ChromiumSetting = "Reports:Chromium";

    private static readonly TimeSpan PrintTimeout = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _prints = new(2);

    /// <summary>The Chromium to print with, or null when none is installed.</summary>
    public string? Chromium => configuration[ChromiumSetting] is { Length: > 0 } configured ? configured
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    /// <summary>The printable page with everything it loads inside it, and <paramref name="data"/> as its embedded figures.</summary>
    public static string SelfContainedPage(IFileProvider files, string data)
    {
        ArgumentNullException.ThrowIfNull(files);
        string Read(string name)
        {
            using var reader = new StreamReader(files.GetFileInfo(name).CreateReadStream(), Encoding.UTF8);
            return reader.ReadToEnd();
        }

        // Inside <script>, only "</" could end the element early: JSON escapes it, the scripts are checked not to hold it.
        static string Script(string code) => code.Contains("</script", StringComparison.OrdinalIgnoreCase)
            ? throw new InvalidOperationException("A script to inline holds </script>.") : code;
        return Read("annual-report.html")
            .Replace("<link rel=\"stylesheet\" href=\"/assets/dashboard.css\" />", $"<style>{Read("dashboard.css")}</style>", StringComparison.Ordinal)
            .Replace("<link rel=\"stylesheet\" href=\"/assets/annual-report.css\" />", $"<style>{Read("annual-report.css")}</style>", StringComparison.Ordinal)
            .Replace("<script src=\"/lib/chart.umd.min.js\"></script>", $"<script>{Script(Read("lib/chart.umd.min.js"))}</script>", StringComparison.Ordinal)
            .Replace("<script type=\"module\" src=\"/assets/annual-report.js\"></script>",
                $"<script id=\"data\" type=\"application/json\">{data.Replace("</", "<\\/", StringComparison.Ordinal)}</script><script type=\"module\">{Script(Read("annual-report.js"))}</script>",
                StringComparison.Ordinal);
    }

    /// <summary>Prints <paramref name="html"/> to an A4 PDF in <paramref name="lang"/>.</summary>
    public async Task<byte[]> PrintAsync(string html, string lang, CancellationToken cancellationToken)
    {
        var chromium = Chromium ?? throw new PdfUnavailableException($"The PDF is printed by Chromium, which is not installed here: apt-get install chromium, or set {ChromiumSetting} to its path.");
        await _prints.WaitAsync(cancellationToken).ConfigureAwait(false);
        var folder = Directory.CreateTempSubdirectory("idarati-report-");
        try
        {
            var page = Path.Combine(folder.FullName, "annual-report.html");
            var pdf = Path.Combine(folder.FullName, "annual-report.pdf");
            await File.WriteAllTextAsync(page, html, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
            var start = new ProcessStartInfo(chromium) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--no-pdf-header-footer", "--virtual-time-budget=10000", $"--user-data-dir={Path.Combine(folder.FullName, "profile")}",
                $"--print-to-pdf={pdf}", new Uri(page).AbsoluteUri + "?lang=" + lang,
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new PdfUnavailableException("Chromium did not start.");
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(PrintTimeout);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new PdfUnavailableException("Chromium did not print the report within a minute.");
            }

            if (process.ExitCode != 0 || !File.Exists(pdf))
            {
                logger.LogError("Chromium exited with {Code} printing an annual report: {Errors}", process.ExitCode, (await errors.ConfigureAwait(false)).Trim());
                throw new PdfUnavailableException("Chromium could not print the report; the service's log says why.");
            }

            return await File.ReadAllBytesAsync(pdf, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _prints.Release();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>GET /api/indicators/annual-report.pdf: the report's own query and roles, printed in French or Arabic.</summary>
    public static async Task<IResult> HandleAsync(string? administrationId, int? year, string? lang, HttpContext http, Wolverine.IMessageBus bus, AdministrationService administrations,
        AnnualReportPdf printer, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(administrations);
        ArgumentNullException.ThrowIfNull(printer);
        ArgumentNullException.ThrowIfNull(json);
        var language = lang ?? "fr";
        new Validation().Check("lang", language is "fr" or "ar", "fr or ar.").ThrowIfInvalid();
        var report = await bus.InvokeAsync<AnnualReport>(new GetAnnualReport(http.User.ToActor(), administrationId, year), cancellationToken).ConfigureAwait(false);
        var data = JsonSerializer.Serialize(new
        {
            report,
            administrations = await administrations.ListAsync(cancellationToken).ConfigureAwait(false),
            categories = Catalogue.ComplaintCategories,
        }, json.Value.SerializerOptions);
        var pdf = await printer.PrintAsync(SelfContainedPage(WebPages.Files, data), language, cancellationToken).ConfigureAwait(false);
        return Results.File(pdf, "application/pdf", $"rapport-annuel-{report.AdministrationId}-{report.Year}-{language}.pdf");
    }
}
