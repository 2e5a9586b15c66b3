#!/usr/bin/env bash
# Runs the API at http://localhost:5080. Without IDARATI_DB (or ConnectionStrings__Idarati) it creates and starts a
# project-local PostgreSQL cluster under .data/pg, and stops it again when the API stops (Ctrl-C). A verb that finds
# the cluster already running (a service on it) uses it and leaves it running.
#   ./run.sh where                  where the local data lives, its size, whether it runs; clusters of deleted clones
#   ./run.sh reset                  removes this clone's local cluster (stop the service first): the next start is fresh
#   ./run.sh reset --orphans        removes the clusters left behind by deleted clones (as root)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/pg.sh
source scripts/node.sh

case "${1:-}" in
  where)
    if [ -e .data/pg ]; then
      real="$(pg_reachable .data/pg)"
      echo "local cluster: $real ($(du -sh "$real" 2>/dev/null | cut -f1)), $(if port="$(pg_port "$real")"; then echo "running on 127.0.0.1:$port"; else echo stopped; fi)"
      echo "remove it with ./run.sh reset (stop the service first); deleting the clone leaves it behind when it lives under /var/lib/idarati"
    else
      echo "no local cluster yet: ./run.sh creates one in .data/pg"
    fi
    [ -d /var/lib/idarati/clusters ] && pg_clusters
    exit 0 ;;
  reset)
    if [ "${2:-}" = "--orphans" ]; then pg_clusters --remove-orphans; exit 0; fi
    if [ -e .data/pg ] && port="$(pg_port "$(pg_reachable .data/pg)")"; then
      echo "the local cluster is running on 127.0.0.1:$port: stop the service (Ctrl-C) first, then ./run.sh reset" >&2
      exit 1
    fi
    pg_remove .data/pg
    exit 0 ;;
esac
# The build embeds the pages' npm packages (src/Api/web): npm must be there.
node_ensure_installed

if [ -z "${IDARATI_DB:-}" ] && [ -z "${ConnectionStrings__Idarati:-}" ]; then
  port="${IDARATI_PG_PORT:-5433}"
  pg_start .data/pg "$port"
  if [ "$PG_STARTED" = 1 ]; then
    # Stop the cluster first, then say so: the terminal may be gone already (Ctrl-C in a pipeline, a closed window).
    cleanup() { pg_stop "$PG_DIR"; echo "local PostgreSQL cluster stopped" >&2 2>/dev/null || true; }
    trap cleanup EXIT
    trap 'exit 130' INT TERM HUP
    echo "local PostgreSQL cluster in $PG_DIR on 127.0.0.1:$PG_PORT"
  else
    echo "local PostgreSQL cluster in $PG_DIR already running on 127.0.0.1:$PG_PORT: used as it is, left running"
  fi
  export IDARATI_DB="$(pg_connection_string "$PG_PORT")"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
# dotnet run builds first, silently: say so, or a first run looks hung for a minute.
echo "building the service (Release; the first build takes about a minute), then starting it..." >&2
case "${1:-}" in
  # CLI verbs (./run.sh seed --scale 0.1, ./run.sh migrate, ./run.sh rebuild, ./run.sh daemon) run on the same database, then exit.
  seed|migrate|rebuild|daemon) dotnet run --project src/Api -c Release -- "$@" ;;
  *) dotnet run --project src/Api -c Release -- --urls "${IDARATI_URLS:-http://localhost:5080}" "$@" ;;
esac
