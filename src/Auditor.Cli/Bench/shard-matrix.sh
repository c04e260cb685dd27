#!/usr/bin/env bash
# Intake throughput by shard count (Auditor__Transport__Shards) and number of server processes, each run on a fresh
# private stack (private-stack.sh: its own PostgreSQL, RabbitMQ node with the consistent-hash plugin, Release servers)
# beside the broker-only ceiling measured in the same run. Prints one table row per run: load, ceiling, end-to-end rate,
# ratio, and CPU seconds per 1,000 samples of every server process, the broker and PostgreSQL. Bounded: the bench gives
# up 120 s after its first publish (it then reports what was committed), the stack start and the bench are under
# `timeout`, and every stack is stopped even on failure or Ctrl-C. Run as root, after building both Release projects:
#   dotnet build src/Auditor.Server -c Release && dotnet build src/Auditor.Cli -c Release
#   src/Auditor.Cli/Bench/shard-matrix.sh [OUTDIR]
# Settings (environment): SHARDS ("0 1 2 4"), SERVERS ("1 2"), SAMPLES (20000), STREAMS (64), SIZE (2048), WARMUP (20000:
# samples sent through each fresh stack first, not reported, so every server has compiled its hot path before the
# measured run; without it a 20,000-sample run measures mostly the JIT: 0.40-0.53 server CPU s per 1,000 against 0.12 warm).
# OUTDIR (default /tmp/auditor-shard-matrix-<time>) keeps each run's full bench output and, for a failed run, the logs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
stack_script="$root/src/Auditor.Cli/Bench/private-stack.sh"
cli="$root/src/Auditor.Cli/bin/Release/net10.0/auditor.dll"
server="$root/src/Auditor.Server/bin/Release/net10.0/Auditor.Server.dll"
shard_counts=${SHARDS:-0 1 2 4}; server_counts=${SERVERS:-1 2}
samples=${SAMPLES:-20000}; streams=${STREAMS:-64}; size=${SIZE:-2048}; warmup=${WARMUP:-20000}
out=${1:-/tmp/auditor-shard-matrix-$(date -u +%Y%m%dT%H%M%S)}
[ -f "$cli" ] && [ -f "$server" ] || { echo "build first: dotnet build src/Auditor.Server -c Release && dotnet build src/Auditor.Cli -c Release" >&2; exit 2; }
mkdir -p "$out"; results="$out/results.txt"; : > "$results"
stack=""
cleanup() { [ -n "$stack" ] && "$stack_script" stop "$stack" >/dev/null 2>&1 || true; }
trap cleanup EXIT; trap 'exit 130' INT TERM

echo "shard matrix: $samples samples of $size B over $streams streams; shards [$shard_counts] x servers [$server_counts]; $(nproc) cores; output in $out"
for shards in $shard_counts; do
  for servers in $server_counts; do
    name="shards$shards-servers$servers"; stack="$out/stack-$name"; log="$out/$name.log"
    echo "== $name: load $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S)"
    if Auditor__Transport__Shards=$shards timeout 300 "$stack_script" start "$stack" "$servers" > "$log" 2>&1; then
      ( set -a; . "$stack/env"; set +a; export Auditor__Transport__Shards=$shards
        if [ "$warmup" -gt 0 ]; then
          echo "warm-up ($warmup samples, not reported):"
          timeout 300 dotnet "$cli" bench e2e --samples "$warmup" --size "$size" --streams "$streams" --no-ceiling | grep -v '^result:' || true
        fi
        # shellcheck disable=SC2086 # one --server-pid token per process
        timeout 420 dotnet "$cli" bench e2e --samples "$samples" --size "$size" --streams "$streams" \
          --server-pid $AUDITOR_SERVER_PIDS --broker-pid "$AUDITOR_BROKER_PID" --postgres-pid "$AUDITOR_POSTGRES_PID" ) >> "$log" 2>&1 || true
    fi
    if grep -q '^result:' "$log"; then
      grep '^result:' "$log" | tail -1 | tee -a "$results"
    else
      echo "result: shards=$shards servers=$servers failed=see_$name.log" | tee -a "$results"
      cp "$stack"/server*.log "$out/" 2>/dev/null || true
    fi
    cleanup; stack=""
  done
done

echo
echo "| shards | server processes | load at start | broker-only ceiling/s | end to end/s | ratio | CPU s per 1,000: servers | broker | PostgreSQL |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '{
  delete kv; for (i = 2; i <= NF; i++) { n = index($i, "="); kv[substr($i, 1, n - 1)] = substr($i, n + 1) }
  if ("failed" in kv) { printf "| %s | %s | | | failed (%s) | | | | |\n", kv["shards"], kv["servers"], kv["failed"]; next }
  servers = kv["cpu_per_1000_server"]
  if (servers == "") { servers = kv["cpu_per_1000_server1"]; for (k = 2; ("cpu_per_1000_server" k) in kv; k++) servers = servers " + " kv["cpu_per_1000_server" k] }
  rate = kv["complete"] == "true" ? kv["rate"] : kv["rate"] " (" kv["committed"] " of " kv["samples"] " in " kv["seconds"] " s)"
  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", kv["shards"], kv["servers"], kv["load_start"], kv["ceiling"], rate, kv["ratio"], servers, kv["cpu_per_1000_broker"], kv["cpu_per_1000_postgres"]
}' "$results"
