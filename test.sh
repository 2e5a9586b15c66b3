#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL cluster that it starts and removes itself,
# or against the server named by IDARATI_TEST_DB. Then runs a short smoke of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/pg.sh

if [ -z "${IDARATI_TEST_DB:-}" ]; then
  dir="$(mktemp -d /tmp/idarati-test-pg.XXXXXX)"
  port="$(pg_free_port)"
  trap 'pg_stop "${PG_DIR:-$dir}"; rm -rf "${PG_DIR:-$dir}" "$dir"' EXIT
  pg_start "$dir" "$port" fast
  export IDARATI_TEST_DB="$(pg_connection_string "$port")"
fi

# graphql-js, graphql-http, redocly, openapi-typescript, tsc and graphql-inspector for the conformance and contract
# checks (tests/conformance), at the versions its lock file pins; npm also builds the API's pages.
source scripts/node.sh
node_ensure_installed
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error

# Debian's Chromium for the dashboard's browser tests (driven by playwright-core from tests/conformance).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium not found: installing Debian's chromium package..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "Chromium is needed for the dashboard's browser tests (Debian: sudo apt-get install chromium), or set CHROMIUM to its path." >&2
    exit 1
  fi
fi

# Debian's python3-aiosmtpd (the real mail server of the SMTP tests, tests/servers/smtp-server.py) and prometheus
# (which scrapes the service's /metrics in PrometheusTests).
missing=()
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "${missing[*]} not found: installing Debian's packages..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "The mail and metrics tests need Debian's ${missing[*]} (sudo apt-get install ${missing[*]})." >&2
    exit 1
  fi
fi

log="$(mktemp /tmp/idarati-test-log.XXXXXX)"
dotnet build Idarati.EventSourced.sln -c Release -nologo -v quiet
status=0
dotnet test Idarati.EventSourced.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?

echo "== benchmark smoke"
IDARATI_DB="$IDARATI_TEST_DB" dotnet run -c Release --no-build --project bench/Idarati.Benchmarks -- all --smoke || status=$?

echo "== containers: docker-compose.yml built, started and checked (scripts/compose-smoke.sh)"
compose_status=0
scripts/compose-smoke.sh || compose_status=$?
case "$compose_status" in
  0) ;;
  2) echo "containers: not checked, neither docker nor podman is usable on this machine" ;;
  *) status=1 ;;
esac

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed"
if [ "$failed" != "0" ]; then
  # The failures again at the very end, so that a log cut to its tail still names them.
  grep -E -A 6 '^[[:space:]]+Failed [A-Za-z_]' "$log" | cut -c1-400 | head -80
fi
rm -f "$log"
if [ "$failed" != "0" ] || [ "$passed" = "0" ]; then status=1; fi
exit "$status"
