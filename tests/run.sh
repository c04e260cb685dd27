#!/usr/bin/env bash
# Runs the whole test suite. Makes sure PostgreSQL and RabbitMQ answer first:
#   1. uses them if they already answer (AUDITOR_TEST_POSTGRES / AUDITOR_TEST_RABBITMQ, local defaults);
#   2. else starts them with `docker compose` where a Docker engine answers;
#   3. else, as root on Debian, installs and starts the Debian packages (postgresql, rabbitmq-server);
#   4. else stops, saying what is missing.
# The browser tests need Debian's Chromium (/usr/bin/chromium, never a downloaded browser) and the Python sample's
# tests need /usr/bin/python3 with python3-pika; as root on Debian they are installed when missing.
# With CI=true a test that needs a server fails when it is missing; it never skips.
# Then a fault phase runs tests/Auditor.Fault.Tests alone (as root: it runs initdb as the postgres OS user and its own
# RabbitMQ node from the Debian packages postgresql-15 and rabbitmq-server).
# Usage: tests/run.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Storage]
set -euo pipefail
cd "$(dirname "$0")/.."

export AUDITOR_TEST_POSTGRES="${AUDITOR_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Database=auditor;Username=auditor;Password=auditor}"
export AUDITOR_TEST_RABBITMQ="${AUDITOR_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

say() { printf '[tests/run.sh] %s\n' "$*" >&2; }
port_open() { timeout 2 bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_port() { # port seconds name
  for _ in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
  say "$3 did not open port $1 within $2 s"; return 1
}

postgres_ready() { port_open 5432 && PGPASSWORD=auditor psql -h 127.0.0.1 -U auditor -d auditor -tAc 'select 1' >/dev/null 2>&1; }
rabbit_ready() { port_open 5672; }

docker_engine() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

debian_root() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} from Debian packages"
  if [ ! -f /tmp/.auditor-apt-updated ]; then apt-get update -qq && touch /tmp/.auditor-apt-updated; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start_postgres_debian() {
  apt_install postgresql postgresql-client
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null
  wait_port 5432 30 PostgreSQL
  # The test role may create a database per test fixture, and drop it even while autovacuum visits it.
  su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'auditor') THEN
    CREATE ROLE auditor LOGIN PASSWORD 'auditor' CREATEDB;
  ELSE
    ALTER ROLE auditor LOGIN PASSWORD 'auditor' CREATEDB;
  END IF;
END $$;
GRANT pg_signal_backend TO auditor;
SELECT 'CREATE DATABASE auditor OWNER auditor' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'auditor')\gexec
SQL
}

start_rabbit_debian() {
  apt_install rabbitmq-server
  if ! rabbitmqctl -q ping >/dev/null 2>&1; then
    rabbitmq-server -detached
  fi
  # -detached returns before the Erlang node registers with epmd, and await_startup fails at once (exit 69) on a
  # node it cannot reach yet, so it is retried until the node answers; a node that never answers stops the run.
  local started=""
  for _ in $(seq 1 60); do
    if timeout 120 rabbitmqctl await_startup >/dev/null 2>&1; then started=1; break; fi
    sleep 2
  done
  [ -n "$started" ] || { say "RabbitMQ did not start within 2 minutes (see /var/log/rabbitmq)"; return 1; }
  wait_port 5672 60 RabbitMQ
}

# The sharded-intake tests need RabbitMQ's consistent-hash exchange. Enabling a plugin on a running node needs no restart;
# where rabbitmq-plugins cannot reach the node (a broker elsewhere), say so and let those tests report it.
enable_rabbit_plugins() {
  if command -v rabbitmq-plugins >/dev/null 2>&1 && rabbitmq-plugins -q enable rabbitmq_consistent_hash_exchange >/dev/null 2>&1; then
    say "rabbitmq_consistent_hash_exchange enabled"
  else
    say "could not enable rabbitmq_consistent_hash_exchange here; enable it on the broker for the sharded-intake tests"
  fi
}

ensure_servers() {
  if postgres_ready && rabbit_ready; then say "PostgreSQL and RabbitMQ answer"; enable_rabbit_plugins; return 0; fi
  if docker_engine; then
    say "starting PostgreSQL and RabbitMQ with docker compose"
    docker compose up -d postgres rabbitmq
    wait_port 5432 60 PostgreSQL; wait_port 5672 90 RabbitMQ
    for _ in $(seq 1 30); do postgres_ready && break; sleep 1; done
    return 0
  fi
  if debian_root; then
    command -v psql >/dev/null 2>&1 || apt_install postgresql-client
    postgres_ready || start_postgres_debian
    rabbit_ready || start_rabbit_debian
    enable_rabbit_plugins
    postgres_ready || { say "PostgreSQL started but the auditor role cannot log in"; return 1; }
    return 0
  fi
  say "PostgreSQL or RabbitMQ does not answer, no Docker engine answers, and this is not root on Debian."
  say "Start them yourself and set AUDITOR_TEST_POSTGRES (Npgsql connection string, a role allowed to CREATEDB)"
  say "and AUDITOR_TEST_RABBITMQ (amqp URI), then run this again."
  return 1
}

ensure_tools() {
  export AUDITOR_TEST_CHROMIUM="${AUDITOR_TEST_CHROMIUM:-/usr/bin/chromium}"
  local want=()
  [ -x "$AUDITOR_TEST_CHROMIUM" ] || want+=(chromium)
  /usr/bin/python3 -c 'import pika' >/dev/null 2>&1 || want+=(python3-pika)
  [ ${#want[@]} -eq 0 ] && return 0
  if debian_root; then
    apt_install "${want[@]}"
  else
    say "missing: ${want[*]} (install them, or set AUDITOR_TEST_CHROMIUM to a Chromium binary); the tests that need them will fail"
  fi
}

ensure_servers
ensure_tools

log=$(mktemp)
set +e
dotnet test Auditor.sln --configuration Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Fault phase (issue #8): the pipeline under SIGKILLs, a broker restart and a database outage. It starts a private
# PostgreSQL cluster and RabbitMQ node of its own (never the shared ones above), so it runs on its own, after the rest,
# bounded to a few minutes. Its results count in the closing line like every other project's.
say "fault phase: tests/Auditor.Fault.Tests (private PostgreSQL and RabbitMQ, about 2 minutes)"
AUDITOR_FAULT_PHASE=1 dotnet test tests/Auditor.Fault.Tests --configuration Release "$@" 2>&1 | tee -a "$log"
fault_status=${PIPESTATUS[0]}
[ "$status" -ne 0 ] || status=$fault_status
set -e
# One closing line for the whole run, summed over the test projects.
awk '/(Passed|Failed)! +- +Failed: / {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
