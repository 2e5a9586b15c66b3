using System.Net;

namespace Idarati.GraphQL.Http;

/// <summary>
/// GraphiQL for people: a page whose scripts the browser loads from the unpkg CDN at pinned versions (the service
/// itself fetches nothing), pointed at this endpoint.
/// </summary>
internal static class GraphiQLPage
{
    public static string Html(string endpoint)
    {
        var url = WebUtility.HtmlEncode(endpoint);
        return $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8" />
              <title>GraphiQL</title>
              <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css" />
              <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
            </head>
            <body>
              <div id="graphiql" data-endpoint="{{url}}">Loading GraphiQL…</div>
              <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
              <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
              <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
              <script>
                const element = document.getElementById('graphiql');
                const fetcher = GraphiQL.createFetcher({ url: element.dataset.endpoint });
                ReactDOM.createRoot(element).render(React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }));
              </script>
            </body>
            </html>
            """;
    }
}
