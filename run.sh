#!/usr/bin/env bash
# Runs the API at http://localhost:5080. Without IDARATI_DB (or ConnectionStrings__Idarati) it creates and starts a
# project-local PostgreSQL cluster under .data/pg, and stops it again when the API stops (Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/pg.sh
source scripts/node.sh
# The build embeds the pages' npm packages (src/Api/web): npm must be there.
node_ensure_installed

if [ -z "${IDARATI_DB:-}" ] && [ -z "${ConnectionStrings__Idarati:-}" ]; then
  port="${IDARATI_PG_PORT:-5433}"
  pg_start .data/pg "$port"
  # Stop the cluster first, then say so: the terminal may be gone already (Ctrl-C in a pipeline, a closed window).
  cleanup() { pg_stop "$PG_DIR"; echo "local PostgreSQL cluster stopped" >&2 2>/dev/null || true; }
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  export IDARATI_DB="$(pg_connection_string "$port")"
  echo "local PostgreSQL cluster in $PG_DIR on 127.0.0.1:$port"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
# dotnet run builds first, silently: say so, or a first run looks hung for a minute.
echo "building the service (Release; the first build takes about a minute), then starting it..." >&2
case "${1:-}" in
  # CLI verbs (./run.sh seed --scale 0.1, ./run.sh migrate, ./run.sh rebuild, ./run.sh daemon) run on the same database, then exit.
  seed|migrate|rebuild|daemon) dotnet run --project src/Api -c Release -- "$@" ;;
  *) dotnet run --project src/Api -c Release -- --urls "${IDARATI_URLS:-http://localhost:5080}" "$@" ;;
esac
