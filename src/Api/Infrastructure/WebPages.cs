using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The pages people open (the front door at /, GraphiQL's scripts under /lib), served from files embedded in the
/// assembly at build time from web/pages and web/package.json's npm packages: the service needs no CDN and no internet.
/// </summary>
public static class WebPages
{
    internal static readonly EmbeddedFileProvider Files = new(typeof(WebPages).Assembly, "Idarati.Api.web");

    public static WebApplication UseWebPages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // /lib: the npm packages' files; /assets: the pages' own scripts and styles.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/lib", StringComparison.Ordinal), lib => lib.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "public, max-age=3600",
        }));
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal), assets => assets.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            RequestPath = "/assets",
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        }));
        Page(app, "/", "index.html");
        // The dashboard's data need an analyst's, a supervisor's or an admin's token, which the page asks for; the page itself is public.
        Page(app, "/dashboard", "dashboard.html");
        // A department's annual report as a printable A4 page (?administrationId=&year=&lang=), read with the dashboard's token.
        Page(app, "/annual-report", "annual-report.html");
        return app;
    }

    private static void Page(WebApplication app, string path, string file) =>
        app.MapGet(path, (HttpContext http) =>
            {
                http.Response.Headers[HeaderNames.CacheControl] = "no-cache";
                return Results.Stream(Files.GetFileInfo(file).CreateReadStream(), "text/html; charset=utf-8");
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
}
