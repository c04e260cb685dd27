#!/usr/bin/env bash
# Starts a PRIVATE PostgreSQL cluster, RabbitMQ node and Auditor server (Release build) for `auditor bench e2e`, on
# free loopback ports, never touching the shared instances on 5432/5672. Run as root on Debian (initdb runs as the
# postgres OS user). Writes DIR/env with the variables the bench needs. SERVERS (default 1) server processes consume the
# same broker and database, each on its own HTTP port; they inherit the caller's Auditor__* settings (e.g. Shards).
#   src/Auditor.Cli/Bench/private-stack.sh start DIR [SERVERS]   then: set -a; . DIR/env; set +a; dotnet src/Auditor.Cli/bin/Release/net10.0/auditor.dll bench e2e \
#     --server-pid $AUDITOR_SERVER_PIDS --broker-pid $AUDITOR_BROKER_PID --postgres-pid $AUDITOR_POSTGRES_PID
#   src/Auditor.Cli/Bench/private-stack.sh stop DIR
# The whole matrix of shard counts and server processes: src/Auditor.Cli/Bench/shard-matrix.sh.
# AUDITOR_SERVER_DLL runs another build of the server (e.g. a copy of an earlier bin/Release, to alternate builds).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}; servers=${3:-1}
[[ "$servers" =~ ^[1-8]$ ]] || { echo "SERVERS must be 1 to 8, not '$servers'" >&2; exit 2; }
pgbin=/usr/lib/postgresql/15/bin; rmqbin=/usr/lib/rabbitmq/bin
root=$(cd "$(dirname "$0")/../../.." && pwd)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Starts server process K (1-based) on a free HTTP port and waits until it is ready; the first one migrates the database.
start_server() {
  local k=$1 port url; port=$(free_port); url="http://127.0.0.1:$port"
  ( set -a; . "$dir/env"; set +a; mkdir -p "$dir/server$k"; cd "$dir/server$k"
    # The image's GC gen1 budget (Dockerfile), unless the caller sets another (DOTNET_GCGen1MaxBudget=0 for the runtime's own).
    DOTNET_GCGen1MaxBudget=${DOTNET_GCGen1MaxBudget:-0x1000000} \
    Auditor__Ingest__ApiKeys__0=bench-ingest-key-0123 AUDITOR_ADMIN_PASSWORD=bench-admin-password Logging__LogLevel__Default=Warning \
      nohup dotnet "${AUDITOR_SERVER_DLL:-$root/src/Auditor.Server/bin/Release/net10.0/Auditor.Server.dll}" --urls "$url" > "$dir/server$k.log" 2>&1 &
    echo "AUDITOR_SERVER_PID_$k=$!" >> "$dir/env" )
  [ "$k" = 1 ] && echo "AUDITOR_URL='$url'" >> "$dir/env"
  for _ in $(seq 1 90); do curl -sf "$url/health/ready" >/dev/null && return 0; sleep 1; done
  echo "server $k did not become ready within 90 s (see $dir/server$k.log)" >&2; return 1
}
rmq_env() { . "$dir/env"; export HOME="$dir/rmq/home" RABBITMQ_NODENAME="$RMQ_NODE" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RMQ_PORT" \
  RABBITMQ_DIST_PORT="$RMQ_DIST_PORT" RABBITMQ_MNESIA_BASE="$dir/rmq/mnesia" RABBITMQ_LOG_BASE="$dir/rmq/log" \
  RABBITMQ_CONFIG_FILE="$dir/rmq/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rmq/enabled_plugins" RABBITMQ_PID_FILE="$dir/rmq/pid"; }
case "$cmd" in
start)
  mkdir -p "$dir/rmq/home"; chown postgres "$dir"
  pg_port=$(free_port); rmq_port=$(free_port); dist_port=$(free_port)
  cat > "$dir/env" <<ENV
PG_PORT=$pg_port
RMQ_PORT=$rmq_port
RMQ_DIST_PORT=$dist_port
RMQ_NODE=auditor-bench-$$@localhost
Auditor__Transport=RabbitMq
Auditor__Store=Postgres
ConnectionStrings__RabbitMq='amqp://guest:guest@127.0.0.1:$rmq_port/'
ConnectionStrings__Postgres='Host=127.0.0.1;Port=$pg_port;Database=auditor;Username=postgres;Maximum Pool Size=50'
ENV
  runuser -u postgres -- "$pgbin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=$((60 * servers + 40))" start >/dev/null
  runuser -u postgres -- "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres auditor
  echo 'loopback_users.guest = true' > "$dir/rmq/rabbitmq.conf"; echo '[rabbitmq_consistent_hash_exchange].' > "$dir/rmq/enabled_plugins"
  ( rmq_env; "$rmqbin/rabbitmq-server" -detached; "$rmqbin/rabbitmqctl" -n "$RMQ_NODE" wait --timeout 90 "$dir/rmq/pid" >/dev/null )
  echo "AUDITOR_BROKER_PID=$(cat "$dir/rmq/pid")" >> "$dir/env"
  echo "AUDITOR_POSTGRES_PID=$(head -1 "$dir/pg/postmaster.pid")" >> "$dir/env"
  # One after another: the first applies the migrations, the next ones find them applied.
  pids=""
  for k in $(seq 1 "$servers"); do
    start_server "$k" || exit 1
    pids="$pids $(. "$dir/env"; eval echo "\$AUDITOR_SERVER_PID_$k")"
  done
  { echo "AUDITOR_SERVER_PID=$(. "$dir/env"; echo "$AUDITOR_SERVER_PID_1")"; echo "AUDITOR_SERVER_PIDS='${pids# }'"; } >> "$dir/env"
  echo "private stack up: $dir/env (server pids${pids})"
  ;;
stop)
  [ -f "$dir/env" ] || { rm -rf "$dir"; exit 0; }
  . "$dir/env"
  # Every server started, also after a start that failed half-way.
  pids=$(sed -n 's/^AUDITOR_SERVER_PID_[0-9]*=\([0-9]*\)$/\1/p' "$dir/env")
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for pid in $pids; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  ( rmq_env; "$rmqbin/rabbitmqctl" -n "$RMQ_NODE" stop >/dev/null 2>&1 || true )
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
esac
