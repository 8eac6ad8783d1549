#!/usr/bin/env bash
# Runs an OrleansTasks cluster on this machine without Docker: a private PostgreSQL, the schema
# migration, two silos and a client-mode gateway. docker/compose.yaml does the same with images.
#
#   docker/run-cluster.sh start    # build, start everything, wait until ready, print how to sign in
#   docker/run-cluster.sh stop     # stop the gateway, the silos and PostgreSQL
#
# Settings (environment): CLUSTER_DIR (state, logs; default .cluster), PG_PORT (5544),
# GATEWAY_PORT (8800), SILO_PORTS ("11111 11112"), SILO_GATEWAY_PORTS ("30000 30001"),
# ORLEANSTASKS_CONNECTION (use this PostgreSQL instead of starting one), BIN_DIR (use already
# built OrleansTasks.Silo.dll and OrleansTasks.Gateway.dll from this folder instead of building),
# DOTNET_GCgen0size (the silos' young generation; default 0x4000000, 64 MiB: README, Operations).
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER_DIR=$(realpath -m "${CLUSTER_DIR:-.cluster}")
PG_PORT=${PG_PORT:-5544}
GATEWAY_PORT=${GATEWAY_PORT:-8800}
read -r -a SILO_PORTS <<< "${SILO_PORTS:-11111 11112}"
read -r -a SILO_GATEWAY_PORTS <<< "${SILO_GATEWAY_PORTS:-30000 30001}"
PG_DIR="$CLUSTER_DIR/postgres"

log() { echo "run-cluster: $*"; }

# How long stop lets a process run past its host's shutdown timeout before SIGKILL.
EXIT_MARGIN=15

# An application's .NET host shutdown timeout: shutdownTimeoutSeconds in PROJECT/appsettings.json
# (the silo's 75 s, to hand its running tasks on), else .NET's 30 s. Started from here, the
# applications read no appsettings.json (their content root is the repository), so start passes the
# setting on and stop waits for it.
shutdown_seconds() {
  local seconds
  seconds=$(sed -n 's/^ *"shutdownTimeoutSeconds": *\([0-9][0-9]*\).*/\1/p' "$1/appsettings.json")
  echo "${seconds:-30}"
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  done
  echo "run-cluster: PostgreSQL server binaries not found; install them (sudo apt-get install postgresql) or set ORLEANSTASKS_CONNECTION" >&2
  exit 1
}

start_postgres() {
  local bin; bin=$(pg_bin)
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then chmod a+x "$CLUSTER_DIR"; chown postgres:postgres "$PG_DIR"; fi
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  fi
  as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'orleans_tasks'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE orleans_tasks"
  fi
  log "PostgreSQL listens on 127.0.0.1:$PG_PORT"
}

build() {
  if [ -n "${BIN_DIR:-}" ]; then echo "$BIN_DIR"; return; fi
  dotnet publish Silo/Silo.csproj -c Release -o "$CLUSTER_DIR/bin" --nologo -v quiet >&2
  dotnet publish Gateway/Gateway.csproj -c Release -o "$CLUSTER_DIR/bin" --nologo -v quiet >&2
  echo "$CLUSTER_DIR/bin"
}

start_process() { # name, dll, args...
  local name=$1 dll=$2; shift 2
  # A silo's collector keeps its young generation at 64 MiB at least, as the silo's image and unit set it (README, Operations);
  # the gateway's server collector would keep it for each of its heaps, so it never inherits the setting.
  local young=(env -u DOTNET_GCgen0size -u COMPlus_GCgen0size)
  if [ "$dll" = OrleansTasks.Silo.dll ]; then young=(env "DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x4000000}"); fi
  nohup "${young[@]}" dotnet "$BIN/$dll" "$@" >"$CLUSTER_DIR/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/$name.pid"
}

start() {
  mkdir -p "$CLUSTER_DIR"
  BIN=$(build)
  if [ -z "${ORLEANSTASKS_CONNECTION:-}" ]; then
    start_postgres
    ORLEANSTASKS_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=orleans_tasks"
  fi
  export ConnectionStrings__OrleansTasks="$ORLEANSTASKS_CONNECTION"
  export Cluster__ClusterId=orleans-tasks Cluster__ServiceId=orleans-tasks Cluster__AdvertisedAddress=127.0.0.1

  dotnet "$BIN/OrleansTasks.Silo.dll" migrate

  for i in "${!SILO_PORTS[@]}"; do
    Cluster__SiloPort=${SILO_PORTS[$i]} Cluster__GatewayPort=${SILO_GATEWAY_PORTS[$i]} shutdownTimeoutSeconds=$(shutdown_seconds Silo) \
      start_process "silo-$((i + 1))" OrleansTasks.Silo.dll
  done

  [ -f "$CLUSTER_DIR/signing-key" ] || head -c 48 /dev/urandom | base64 >"$CLUSTER_DIR/signing-key"
  [ -f "$CLUSTER_DIR/demo-password" ] || head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$CLUSTER_DIR/demo-password"
  local hash; hash=$(dotnet "$BIN/OrleansTasks.Gateway.dll" hash-password <"$CLUSTER_DIR/demo-password")
  Gateway__Mode=Client ASPNETCORE_URLS="http://127.0.0.1:$GATEWAY_PORT" ASPNETCORE_ENVIRONMENT=Production shutdownTimeoutSeconds=$(shutdown_seconds Gateway) \
    Auth__SigningKey="$(cat "$CLUSTER_DIR/signing-key")" \
    Auth__Users__0__Username=demo Auth__Users__0__PasswordHash="$hash" \
    start_process gateway OrleansTasks.Gateway.dll

  local want="${#SILO_PORTS[@]} active silo(s)"
  for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$GATEWAY_PORT/health/ready" 2>/dev/null | grep -q "$want"; then
      log "ready: $want behind the gateway at http://127.0.0.1:$GATEWAY_PORT"
      log "sign in as demo with password $(cat "$CLUSTER_DIR/demo-password") (logs and state in $CLUSTER_DIR)"
      return 0
    fi
    sleep 1
  done
  log "the cluster did not become ready; see $CLUSTER_DIR/*.log" >&2
  exit 1
}

stop() {
  local pidfile pid deadline gateway_deadline silo_deadline
  for pidfile in "$CLUSTER_DIR"/gateway.pid "$CLUSTER_DIR"/silo-*.pid; do
    [ -f "$pidfile" ] || continue
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  # SIGTERM starts each host's shutdown (a silo hands its running tasks on); SIGKILL only after it.
  gateway_deadline=$((SECONDS + $(shutdown_seconds Gateway) + EXIT_MARGIN))
  silo_deadline=$((SECONDS + $(shutdown_seconds Silo) + EXIT_MARGIN))
  for pidfile in "$CLUSTER_DIR"/gateway.pid "$CLUSTER_DIR"/silo-*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    case $pidfile in */gateway.pid) deadline=$gateway_deadline ;; *) deadline=$silo_deadline ;; esac
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  if [ -f "$PG_DIR/data/PG_VERSION" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
