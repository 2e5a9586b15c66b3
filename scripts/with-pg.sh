#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster (durable settings, for benchmarks) with IDARATI_DB set.
# Example: scripts/with-pg.sh dotnet run -c Release --project bench/Idarati.Benchmarks -- append
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh
dir="$(mktemp -d /tmp/idarati-pg.XXXXXX)"
port="$(pg_free_port)"
trap 'pg_stop "${PG_DIR:-$dir}"; rm -rf "${PG_DIR:-$dir}" "$dir"' EXIT
pg_start "$dir" "$port"
export IDARATI_DB="$(pg_connection_string "$port")"
"$@"
