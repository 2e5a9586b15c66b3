using System.Net;

namespace Idarati.GraphQL.Http;

/// <summary>
/// GraphiQL for people, pointed at this endpoint: its scripts and styles (graphiql.min.js, graphiql.min.css,
/// react.production.min.js, react-dom.production.min.js of graphiql 3 and React 18) are the host's to serve under
/// <see cref="GraphQLHttpOptions.GraphiQLAssets"/>, so that the page works without internet.
/// </summary>
internal static class GraphiQLPage
{
    public static string Html(string endpoint, string assets)
    {
        var url = WebUtility.HtmlEncode(endpoint);
        var lib = WebUtility.HtmlEncode(assets.TrimEnd('/'));
        return $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8" />
              <title>GraphiQL</title>
              <link rel="stylesheet" href="{{lib}}/graphiql.min.css" />
              <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
            </head>
            <body>
              <div id="graphiql" data-endpoint="{{url}}">Loading GraphiQL…</div>
              <script src="{{lib}}/react.production.min.js"></script>
              <script src="{{lib}}/react-dom.production.min.js"></script>
              <script src="{{lib}}/graphiql.min.js"></script>
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
