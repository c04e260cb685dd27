#!/bin/bash
# Durable HTTP ingest on the embedded default: starts a server (its Release build, or SERVER_DLL) in an empty folder,
# warms it with 5,000 samples, then runs `auditor bench ingest --via http` and prints the server's CPU seconds and
# peak RSS for the measured run. Usage: http-ingest.sh SAMPLES SIZE PORT   (docs/reliability.md, issue #13)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
n=${1:-20000}; size=${2:-2048}; port=${3:-5393}
dll=${SERVER_DLL:-$root/src/Auditor.Server/bin/Release/net10.0/Auditor.Server.dll}
cli="dotnet $root/src/Auditor.Cli/bin/Release/net10.0/auditor.dll"
dir=$(mktemp -d /tmp/auditor-http-bench-XXXX)
cd "$dir"
Auditor__Ingest__ApiKeys__0=bench-key-0123456789 AUDITOR_ADMIN_PASSWORD=bench-admin-password Logging__LogLevel__Default=Warning \
  dotnet "$dll" --urls "http://127.0.0.1:$port" > server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
export ConnectionStrings__Sqlite="Data Source=$dir/data/auditor.db"
$cli bench ingest --via http --samples 5000 --size "$size" --url "http://127.0.0.1:$port" --api-key bench-key-0123456789 > /dev/null 2>&1
cpu() { awk '{print ($14+$15)/100}' "/proc/$pid/stat"; }
c0=$(cpu)
echo "load before: $(cat /proc/loadavg)"
$cli bench ingest --via http --samples "$n" --size "$size" --url "http://127.0.0.1:$port" --api-key bench-key-0123456789 --timeout 300 2>&1 \
  | grep -v "committed after [0-9]* s$"
echo "server CPU during the run: $(echo "$(cpu) - $c0" | bc) s; $(grep VmHWM "/proc/$pid/status")"
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^auditor_(commit_duration_seconds_(sum|count)|batches_committed_total)" || true
echo "load after: $(cat /proc/loadavg)"
