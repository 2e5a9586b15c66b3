#!/usr/bin/env bash
# Proves docker-compose.yml: builds the image, brings up PostgreSQL, the API, a second API node (profile replicas) and
# the Production profile with its secrets as files, waits for their health, and checks each: ready, a citizen's
# submission on one node read back through GraphQL on the other, the dashboard page, the image's user, Production's
# secrets and closed dev tokens. Then removes everything it made. Runs with `docker compose`, `docker-compose` or
# podman (`podman-compose`); where the public base images cannot be pulled it builds local stand-ins first
# (scripts/container-stand-ins/build.sh) and says so. Exit 2: no container engine here.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  engine=docker
  if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
elif command -v podman >/dev/null 2>&1 && command -v podman-compose >/dev/null 2>&1; then
  engine=podman
  compose=(podman-compose)
  # Without systemd (cgroups by hand, no crun), podman needs the settings of scripts/container-stand-ins/containers.conf.
  if [ ! -d /run/systemd/system ] && [ -z "${CONTAINERS_CONF:-}" ]; then
    export CONTAINERS_CONF="$PWD/scripts/container-stand-ins/containers.conf"
  fi
  podman info >/dev/null
else
  echo "compose smoke: neither docker (with compose) nor podman with podman-compose is usable here" >&2
  exit 2
fi

project="idarati-smoke-$$"
work="$(mktemp -d /tmp/idarati-compose.XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export IDARATI_API_PORT="$(free_port)" IDARATI_REPLICA_PORT="$(free_port)" IDARATI_PRODUCTION_PORT="$(free_port)" IDARATI_SECRETS="$work/secrets"
up=("${compose[@]}" -p "$project")
# The replicas and production profiles too. (Debian's podman-compose 1.0 knows no profiles and starts every service.)
if "${compose[@]}" --help 2>&1 | grep -q -- '--profile'; then up+=(--profile replicas --profile production); fi
cleanup() {
  status=$?
  if [ "$status" != 0 ]; then "${up[@]}" logs --tail 40 >&2 2>/dev/null || true; fi
  "${up[@]}" down -v >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Base images: pulled where the registries answer, else local stand-ins under the same names.
for image in docker.io/library/postgres:15 mcr.microsoft.com/dotnet/sdk:10.0 mcr.microsoft.com/dotnet/aspnet:10.0; do
  if ! "$engine" image inspect "$image" >/dev/null 2>&1 && ! timeout 120 "$engine" pull -q "$image" >/dev/null 2>&1; then
    echo "compose smoke: $image cannot be pulled here; building local stand-ins (scripts/container-stand-ins)" >&2
    CONTAINER_ENGINE="$engine" scripts/container-stand-ins/build.sh
    break
  fi
done

# Production's secrets, as compose secrets give them: one file per setting.
mkdir -p "$IDARATI_SECRETS"
secret() { printf '%s' "$2" > "$IDARATI_SECRETS/$1"; }
secret auth_signing_key "$(head -c 32 /dev/urandom | base64)"
secret access_code_secret "$(head -c 32 /dev/urandom | base64)"
secret master_key "$(head -c 32 /dev/urandom | base64)"
secret checkpoint_key "$(node scripts/checkpoint-key.mjs 2>/dev/null | sed -n 's/^signer key .*: *//p')"
[ -s "$IDARATI_SECRETS/checkpoint_key" ] || { echo "compose smoke: scripts/checkpoint-key.mjs gave no signer key" >&2; exit 1; }

echo "== image: $engine build (restore layer first)"
"$engine" build -q $([ "$engine" = podman ] && echo --network host --format docker) -t idarati-api:local -f src/Api/Dockerfile . >/dev/null

echo "== up: postgres, api, api-replica, api-production"
"${up[@]}" up -d > "$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }

ready() {
  local port="$1" deadline=$((SECONDS + 180))
  until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
    if [ "$SECONDS" -gt "$deadline" ]; then echo "compose smoke: :$port not ready after 180 s" >&2; return 1; fi
    sleep 2
  done
}
ready "$IDARATI_API_PORT"; ready "$IDARATI_REPLICA_PORT"; ready "$IDARATI_PRODUCTION_PORT"
echo "ready: api :$IDARATI_API_PORT, api-replica :$IDARATI_REPLICA_PORT, api-production :$IDARATI_PRODUCTION_PORT"

# The image's own HEALTHCHECK (podman runs it on demand: no systemd timers here) and its user.
for service in api api-replica api-production; do
  container="$("$engine" ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$service" | head -1)"
  if [ "$engine" = podman ]; then
    podman healthcheck run "$container" >/dev/null
  else
    deadline=$((SECONDS + 120))
    until [ "$(docker inspect -f '{{.State.Health.Status}}' "$container")" = healthy ]; do
      [ "$SECONDS" -lt "$deadline" ] || { echo "compose smoke: $service not healthy" >&2; exit 1; }
      sleep 2
    done
  fi
  uid="$("$engine" exec "$container" id -u)"
  [ "$uid" != 0 ] || { echo "compose smoke: $service runs as root" >&2; exit 1; }
  echo "$service: healthy, runs as uid $uid"
done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
api="http://127.0.0.1:$IDARATI_API_PORT"; replica="http://127.0.0.1:$IDARATI_REPLICA_PORT"; production="http://127.0.0.1:$IDARATI_PRODUCTION_PORT"
token="$(curl -fsS -X POST "$api/api/dev/tokens" -H 'content-type: application/json' -d '{"role":"citizen","subject":"compose-smoke"}' | json "['token']")"
complaint='{"kind":"complaint","channel":"portal","administrationId":"MIN-SANTE","categoryCode":"HEALTH.WAIT","subject":"Attente aux urgences","description":"Trois heures.","location":{"region":"Rabat-Salé-Kénitra","province":"Rabat","commune":"Agdal-Riyad"},"citizen":{"fullName":"Amina Benali","nationalId":"AB123456","phone":"+212600000000","email":"amina@example.ma"}}'
id="$(curl -fsS -X POST "$api/api/complaints" -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$complaint" | json "['id']")"
echo "submitted on api: $id"
graph="$(curl -fsS -X POST "$replica/graphql" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"query\":\"{ complaint(id: \\\"$id\\\") { id status } }\"}")"
[ "$(echo "$graph" | json "['data']['complaint']['id']")" = "$id" ] || { echo "compose smoke: the replica's GraphQL did not read $id: $graph" >&2; exit 1; }
echo "read through GraphQL on api-replica: $graph"
# Two nodes, one set of read models: the complaint list, written by whichever node leads the daemon, lists it on both.
supervisor="$(curl -fsS -X POST "$api/api/dev/tokens" -H 'content-type: application/json' -d '{"role":"supervisor"}' | json "['token']")"
for node in "$api" "$replica"; do
  deadline=$((SECONDS + 60))
  until curl -fsS "$node/api/complaints?limit=50" -H "authorization: Bearer $supervisor" | grep -q "$id"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "compose smoke: $node does not list $id" >&2; exit 1; }
    sleep 1
  done
done
leader="$(curl -fsS "$replica/api/projections" -H "authorization: Bearer $supervisor" | json "[0]['leader']")"
case "$leader" in api|api-replica) echo "complaint list on both nodes; the read models led by $leader" ;; *) echo "compose smoke: leader '$leader'" >&2; exit 1 ;; esac
curl -fsS "$api/dashboard" | grep -q "<html" || { echo "compose smoke: no dashboard page" >&2; exit 1; }
echo "dashboard page: served"
analyst="$(curl -fsS -X POST "$api/api/dev/tokens" -H 'content-type: application/json' -d '{"role":"analyst"}' | json "['token']")"
curl -fsS "$api/api/indicators/annual-report.pdf?administrationId=MIN-SANTE&year=$(date +%Y)&lang=fr" -H "authorization: Bearer $analyst" -o "$work/report.pdf"
[ "$(head -c 4 "$work/report.pdf")" = "%PDF" ] || { echo "compose smoke: the annual report is not a PDF" >&2; exit 1; }
echo "annual report: a PDF of $(wc -c < "$work/report.pdf") bytes, printed by the image's Chromium"

# Production: its secrets read from the files, no dev tokens.
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$production/api/dev/tokens" -H 'content-type: application/json' -d '{"role":"admin"}')"
[ "$code" = 404 ] || { echo "compose smoke: Production issues dev tokens ($code)" >&2; exit 1; }
adhoc="$(curl -s -X POST "$production/graphql" -H 'content-type: application/json' -d '{"query":"{ __typename }"}')"
echo "$adhoc" | grep -q PERSISTED_QUERY_REQUIRED || { echo "compose smoke: Production ran an untrusted GraphQL document: $adhoc" >&2; exit 1; }
echo "api-production: ready on its secrets, dev tokens 404, only trusted GraphQL documents"
echo "compose smoke: passed"
