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
                const url = element.dataset.endpoint;
                const http = GraphiQL.createFetcher({ url });
                // A subscription runs over GraphQL over SSE (the same endpoint, Accept: text/event-stream): each next
                // event is one result in the result pane, until complete or the run is stopped.
                async function* events(params, headers) {
                  const response = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(params) });
                  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
                  let buffer = '';
                  try {
                    for (;;) {
                      const { value, done } = await reader.read();
                      if (done) return;
                      buffer += value;
                      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
                        const frame = buffer.slice(0, end);
                        buffer = buffer.slice(end + 2);
                        const event = /^event: (.*)$/m.exec(frame)?.[1];
                        if (event === 'complete') return;
                        if (event === 'next') yield JSON.parse(/^data: (.*)$/m.exec(frame)[1]);
                      }
                    }
                  } finally {
                    reader.cancel();
                  }
                }
                const fetcher = (params, options) => {
                  const operation = options?.documentAST?.definitions.find((d) => d.kind === 'OperationDefinition' && (!params.operationName || d.name?.value === params.operationName));
                  return operation?.operation === 'subscription' ? events(params, options?.headers) : http(params, options);
                };
                // #query=…&variables=…&headers=… opens the page on that operation (a link from documentation, a test).
                const given = new URLSearchParams(location.hash.slice(1));
                const props = { fetcher, defaultEditorToolsVisibility: true };
                for (const name of ['query', 'variables', 'headers']) if (given.has(name)) props[name] = given.get(name);
                ReactDOM.createRoot(element).render(React.createElement(GraphiQL, props));
              </script>
            </body>
            </html>
            """;
    }
}
