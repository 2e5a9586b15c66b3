#!/usr/bin/env bash
# Regenerates Wolverine's handler code into src/Api/Internal/Generated (committed; the service loads it with
# TypeLoadMode.Static, so no Roslyn runs in production). Run it after adding or changing a Wolverine handler or message:
# a test host fails at its first message when the generated code is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/Api/Internal/Generated
dotnet build src/Api -c Release -v quiet -nologo >/dev/null
# Code generation reads the handlers, not the database: any connection string will do, none is opened.
ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_CONTENTROOT="$PWD/src/Api" IDARATI_DB="${IDARATI_DB:-Host=127.0.0.1;Database=codegen}" \
  dotnet src/Api/bin/Release/net10.0/Idarati.Api.dll codegen write
dotnet build src/Api -c Release -v quiet -nologo >/dev/null
echo "generated: $(ls src/Api/Internal/Generated/WolverineHandlers | wc -l) files in src/Api/Internal/Generated/WolverineHandlers"
