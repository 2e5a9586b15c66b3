# Helpers to run a private PostgreSQL cluster with the machine's PostgreSQL binaries.
# Sourced by run.sh, test.sh and scripts/with-pg.sh; needs bash.

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

# Installs Debian's postgresql package when the server binaries are missing and we are root.
pg_ensure_installed() {
  if pg_bindir >/dev/null; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL server binaries not found: installing Debian's postgresql package..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    pg_bindir >/dev/null && return 0
  fi
  echo "PostgreSQL server binaries (initdb, pg_ctl) were not found." >&2
  echo "Install them (Debian: sudo apt-get install postgresql) or set IDARATI_DB to an existing server's connection string." >&2
  return 1
}

# Runs a command as the cluster's owner: PostgreSQL refuses to run as root, so root hands over to 'postgres'.
pg_as_owner() {
  if [ "$(id -u)" = "0" ]; then
    # From /, which 'postgres' can enter (it may not enter the caller's folder).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# A port below Linux's ephemeral range (32768 up), where the kernel hands out the ports of outgoing connections and of
# servers bound to port 0: one picked there can be taken between this check and the server's start.
pg_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

# pg_reachable DIR: prints where the cluster of DIR lives. As root, the server runs as 'postgres', which cannot
# enter a private folder (a home folder, a mktemp -d): then the cluster lives under /var/lib/idarati/clusters/ and DIR
# becomes a link to it, so that the next start finds it again (and 'ls -l' shows where it is).
pg_reachable() {
  local dir="$1" real key
  if [ -L "$dir" ]; then
    (cd -P "$dir" && pwd -P)
    return 0
  fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd -P)"
  if [ "$(id -u)" != "0" ] || runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
    echo "$dir"
    return 0
  fi
  key="$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
  real="/var/lib/idarati/clusters/$key"
  mkdir -p "$real"
  chmod 755 /var/lib/idarati /var/lib/idarati/clusters
  # Which folder it belongs to, so that one left behind by a deleted clone can be found (pg_clusters).
  echo "$dir" > "$real.origin"
  if [ -z "$(ls -A "$dir")" ]; then
    rmdir "$dir" && ln -s "$real" "$dir"
    echo "The 'postgres' user cannot enter $(dirname "$dir"): the cluster lives in $real (linked from $dir)." >&2
  else
    echo "The 'postgres' user cannot enter $(dirname "$dir") and $dir is not empty: move it to a folder that user can reach, or run as another user." >&2
    return 1
  fi
  echo "$real"
}

# pg_port DIR: the port the running cluster of DIR listens on (from its postmaster.pid); fails when it does not run.
pg_port() {
  local dir="$1" bin
  bin="$(pg_bindir)" || return 1
  [ -f "$dir/postmaster.pid" ] && pg_as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 1
  sed -n 4p "$dir/postmaster.pid"
}

# pg_start DIR PORT [fast]: creates the cluster in DIR when missing, then starts it on 127.0.0.1:PORT. Sets PG_DIR to
# where the cluster really is (see pg_reachable), for pg_stop, PG_PORT to the port it listens on, and PG_STARTED to 1
# when this call started it: a cluster already running (a service on it) is used as it is, on its own port, and left
# running. 'fast' turns off durability (fsync) for throwaway test clusters.
pg_start() {
  local dir="$1" port="$2" mode="${3:-}" bin running
  pg_ensure_installed || return 1
  bin="$(pg_bindir)"
  PG_STARTED=0
  if [ -e "$dir" ] && running="$(pg_port "$(pg_reachable "$dir")")"; then
    PG_DIR="$(pg_reachable "$dir")"
    PG_PORT="$running"
    return 0
  fi
  if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  dir="$(pg_reachable "$dir")" || return 1
  PG_DIR="$dir"
  if [ "$(id -u)" = "0" ]; then
    chown postgres "$dir"
  fi
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    pg_as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; return 1; }
    rm -f "$dir.initdb.log"
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '$dir'"
      echo "max_connections = 200"
      echo "shared_buffers = 1GB"
      # An event store writes in bursts (imports, rebuilds): room for 4 GB of WAL between checkpoints spares most
      # full-page images, and a larger WAL buffer lets a bulk COPY run without waiting on WAL writes.
      echo "max_wal_size = 4GB"
      echo "checkpoint_timeout = 15min"
      echo "wal_buffers = 32MB"
      if [ "$mode" = "fast" ]; then
        echo "fsync = off"
        echo "full_page_writes = off"
        echo "synchronous_commit = off"
      fi
    } | pg_as_owner tee -a "$dir/postgresql.conf" >/dev/null
  fi
  pg_as_owner "$bin/pg_ctl" -D "$dir" -o "-p $port" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$dir/server.log" >&2; return 1; }
  PG_PORT="$port"
  PG_STARTED=1
}

# pg_remove DIR: stops the cluster of DIR and removes it where it really lives, with the link to it; prints what went.
pg_remove() {
  local dir="$1" real
  [ -e "$dir" ] || { echo "no cluster in $dir"; return 0; }
  real="$(pg_reachable "$dir")" || return 1
  pg_stop "$real"
  rm -rf "$real" "$real.origin"
  [ -L "$dir" ] && rm -f "$dir"
  rm -rf "$dir"
  echo "removed the cluster in $real"
}

# pg_clusters [--remove-orphans]: the clusters kept under /var/lib/idarati/clusters for private folders, each with the
# folder it belongs to and its size; an orphan's folder no longer links to it (its clone was deleted or moved).
pg_clusters() {
  local real origin state
  for real in /var/lib/idarati/clusters/*/; do
    [ -d "$real" ] || continue
    real="${real%/}"
    origin="$(cat "$real.origin" 2>/dev/null || echo '?')"
    if [ -L "$origin" ] && [ "$(cd -P "$origin" 2>/dev/null && pwd -P)" = "$real" ]; then state=in-use; else state=orphan; fi
    echo "$state $(du -sh "$real" 2>/dev/null | cut -f1) $real (for $origin)"
    if [ "$state" = orphan ] && [ "${1:-}" = "--remove-orphans" ]; then
      pg_stop "$real"
      rm -rf "$real" "$real.origin"
      echo "  removed"
    fi
  done
}

pg_stop() {
  local dir="$1" bin
  bin="$(pg_bindir)" || return 0
  if [ -f "$dir/postmaster.pid" ]; then
    pg_as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

pg_connection_string() {
  echo "Host=127.0.0.1;Port=$1;Username=postgres;Database=postgres"
}
