#!/bin/bash
# Samples/s and server CPU-seconds through each HTTP intake (POST /api/v1/samples, /api/v1/ingest/litellm, /v1/traces
# protobuf and JSON) on one embedded-default server (in-memory transport, SQLite), in the same run.
# Build first: dotnet build src/Auditor.Server -c Release && dotnet build src/Auditor.Cli -c Release
# Usage: N=10000 VIAS="http litellm otlp otlp-json http litellm otlp otlp-json" bench/intake-endpoints.sh
# CPU is the server process's user+system time (/proc/PID/stat) over each `auditor bench ingest` run, which ends when the
# store has counted every sample; the first round includes JIT warm-up, so read the second.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PORT=${PORT:-5097}
DIR=$(mktemp -d)
export Auditor__Ingest__ApiKeys__0=bench-intake-key-0123456789 AUDITOR_ADMIN_PASSWORD=bench-intake-password Logging__LogLevel__Default=Warning
export ConnectionStrings__Sqlite="Data Source=$DIR/auditor.db" Auditor__Reports__Enabled=false
dotnet src/Auditor.Server/bin/Release/net10.0/Auditor.Server.dll --urls "http://127.0.0.1:$PORT" > "$DIR/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 1; done
cpu() { awk '{printf "%.2f", ($14+$15)/100}' "/proc/$PID/stat"; }
for via in ${VIAS:-http litellm otlp otlp-json http litellm otlp otlp-json}; do
  before=$(cpu)
  out=$(dotnet src/Auditor.Cli/bin/Release/net10.0/auditor.dll bench ingest --via "$via" --samples "$N" --url "http://127.0.0.1:$PORT" --api-key bench-intake-key-0123456789 2>/dev/null)
  after=$(cpu)
  awk -v o="$out" -v b="$before" -v a="$after" -v n="$N" 'BEGIN { printf "%s | server CPU %.2f s = %.0f samples per CPU-second\n", o, a - b, n / (a - b) }'
done
