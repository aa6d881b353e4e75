#!/usr/bin/env bash
# The engine's own cost, with Keap's limits lifted: what keapsync and PostgreSQL
# spend per delivered change when Keap is not the bound. A throw-away
# PostgreSQL, `keapsync sandbox` with limits far above the load, one API-key
# account allowed 10,000 requests/s.
# usage: bench/engine.sh [KEAPSYNC_BINARY] [CONTACTS]
# Builds nothing: pass a Release binary (default build-rel/daemon/keapsync).
#
# Columns: rows/s from the first claim to an empty outbox; the daemon's CPU per
# row (user + system, from /proc); PostgreSQL's commits per row (every commit
# in the bench database, the bench's own polling subtracted), a proxy for its
# WAL flushes and round trips; peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/setup.sh
bench_setup "${1:-build-rel/daemon/keapsync}"
contacts=${2:-5000}

umask 077
key=KeapAK-bench-engine-key-0
cat >"$work/sandbox.yaml" <<YAML
api_keys: [$key]
rate_limits:
  key_spike: {limit: 1000000, window_seconds: 1}
  key_throttle: {limit: 100000000, window_seconds: 60}
  key_quota: {limit: 1000000000, window_seconds: 86400}
YAML
start_sandbox

printf '%s\n' "$key" >"$work/api-key"
cat >"$work/keapsync.yaml" <<YAML
database:
  url: "$db"
log:
  level: warn
keap:
  api_url: $keap/crm
  token_url: $keap/token
  authorize_url: $keap/app/oauth/authorize
  ca_file: $work/tls/ca.pem
listen: 127.0.0.1:0
worker:
  concurrency: 64
accounts:
  default:
    auth: api_key
    api_key_file: $work/api-key
    requests_per_minute: 1000000
    requests_per_second: 10000
    requests_per_day: 100000000
    concurrency: 64
YAML
cfg=$work/keapsync.yaml
"$bin" migrate -c "$cfg" >/dev/null

tick=$(getconf CLK_TCK)
pending() { psql "$db" -tAc "SELECT count(*) FROM keapsync.outbox WHERE state = 'pending'"; }
commits() { psql "$db" -tAc "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'"; }
printf '%-30s %6s %8s %8s %11s %12s %8s\n' \
  "scenario ($contacts contacts)" rows seconds "rows/s" "CPU µs/row" "commits/row" "RSS MiB"
scenario() {  # scenario LABEL SQL: the SQL inserts the backlog
  local label=$1 rows start end pid cpu rss polls=0 c0 c1
  psql "$db" -qc "$2"
  rows=$(pending)
  sleep 1  # the statistics collector reports the insert's commit
  c0=$(commits)
  start=$(date +%s.%N)
  "$bin" run -c "$cfg" >"$work/daemon.log" 2>&1 &
  pid=$!
  until [ "$(pending)" = 0 ]; do
    polls=$((polls + 1))
    kill -0 "$pid" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s.%N)
  cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid" && wait "$pid"
  sleep 1
  c1=$(commits)
  # Each poll and each commits() call is one transaction of the bench's own.
  python3 - "$label" "$rows" "$start" "$end" "$cpu" "$tick" "$rss" "$((c1 - c0 - polls - 2))" <<'PY'
import sys
label, rows, start, end, cpu, tick, rss, commits = sys.argv[1:]
rows, secs = int(rows), float(end) - float(start)
cpu_us = int(cpu) * 1e6 / int(tick)
print(f"{label:<30} {rows:>6} {secs:>8.1f} {rows / secs:>8.0f} {cpu_us / rows:>11.0f} "
      f"{int(commits) / rows:>12.2f} {int(rss) / 1024:>8.1f}")
PY
}
latency() { curl -sS --cacert "$work/tls/ca.pem" -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"latency_ms\":$1}" "$keap/_sandbox/faults"; }
new_contacts() {  # new_contacts PREFIX: the SQL for $contacts new contacts, one row each
  echo "INSERT INTO keapsync.outbox (contact_ref, op, payload) SELECT '$1' || i, 'upsert', json_build_object('email', '$1' || i || '@example.com', 'given_name', 'Bench')::jsonb FROM generate_series(1, $contacts) i"
}
scenario "new contacts, Keap at 0 ms" "$(new_contacts a)"
scenario "known contacts, 0 ms" \
  "INSERT INTO keapsync.outbox (contact_ref, op, payload) SELECT 'a' || i, 'upsert', json_build_object('family_name', 'Known')::jsonb FROM generate_series(1, $contacts) i"
latency 100
scenario "new contacts, Keap at 100 ms" "$(new_contacts b)"
