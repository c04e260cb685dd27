#!/bin/bash
# Database CPU of one SQL statement: runs it once to warm, then N times in one psql session, and prints the backend's
# CPU (utime + stime from /proc, 10 ms ticks) per execution. PostgreSQL must run on this machine. Used for the
# per-read "before" figures in docs/scale.md (statements of an older build, in a database kept by
# `auditor bench report --keep`).
# Usage: PGPASSWORD=auditor bench/query-cpu.sh DATABASE N "SELECT ..."
set -euo pipefail
db=$1; n=$2; sql=$3
coproc PSQL { psql -h 127.0.0.1 -U auditor -d "$db" -qAt 2>&1; }
echo "SELECT pg_backend_pid();" >&"${PSQL[1]}"
read -r -u "${PSQL[0]}" pid
wait_for() { echo "SELECT '$1';" >&"${PSQL[1]}"; while read -r -u "${PSQL[0]}" line; do [ "$line" = "$1" ] && break; done; }
echo "$sql;" >&"${PSQL[1]}"
wait_for warm
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
for _ in $(seq "$n"); do echo "$sql;" >&"${PSQL[1]}"; done
wait_for done
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo '\q' >&"${PSQL[1]}"
echo "$(( (t1 - t0) * 10 / n )) ms per execution ($n runs)"
