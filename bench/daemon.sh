#!/usr/bin/env bash
# Delivery by `keapsync run` on this machine: a throw-away PostgreSQL, `keapsync
# sandbox` as Keap with Keap's own rate limits, one OAuth account.
# usage: bench/daemon.sh [KEAPSYNC_BINARY] [CONTACTS]
# Builds nothing: pass a Release binary (default build-rel/daemon/keapsync).
#
# Each scenario starts a fresh daemon on a backlog of rows and stops it once
# nothing is pending. Keap lets one OAuth app send 1,500 requests a minute, so
# requests/s is bounded near 25 by design; what the table shows is that
# keapsync keeps to the limit (the 429 column), how many rows each request
# carries (coalescing), and what the daemon costs: CPU per row and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/setup.sh
bench_setup "${1:-build-rel/daemon/keapsync}"
contacts=${2:-500}

cat >"$work/sandbox.yaml" <<YAML
clients:
  - id: bench-app
    secret: bench-client-secret-0
YAML
start_sandbox
sandbox_get() { curl -sS --cacert "$work/tls/ca.pem" "$keap$1"; }

umask 077
printf 'bench-client-secret-0' >"$work/client-secret"
head -c 32 /dev/urandom >"$work/token-key"
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
token_encryption_key_file: $work/token-key
accounts:
  default:
    auth: oauth
    client_id: bench-app
    client_secret_file: $work/client-secret
YAML
cfg=$work/keapsync.yaml
"$bin" migrate -c "$cfg" >/dev/null
curl -s --cacert "$work/tls/ca.pem" -o /dev/null -w '%{redirect_url}\n' \
  "$keap/app/oauth/authorize?client_id=bench-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&response_type=code&scope=full&state=b" \
  >"$work/redirect"
"$bin" auth -c "$cfg" --code-file "$work/redirect" --redirect-uri http://127.0.0.1:9/cb >/dev/null

# requests and 429s the sandbox answered so far (the token endpoint excluded)
sandbox_counts() {
  sandbox_get /_sandbox/stats | python3 -c '
import json, sys
routes = json.load(sys.stdin)["routes"]
api = {r: s for r, s in routes.items() if not r.endswith("/token")}
print(sum(sum(s.values()) for s in api.values()), sum(s.get("429", 0) for s in api.values()))'
}

tick=$(getconf CLK_TCK)
printf '%-34s %6s %8s %8s %7s %6s %5s %9s %8s\n' \
  "scenario ($contacts contacts, OAuth)" rows requests seconds "rows/s" "req/s" 429s "CPU ms/row" "RSS MiB"
scenario() {  # scenario LABEL SQL: the SQL inserts the backlog
  local label=$1 rows before after start end pid cpu rss
  # A new daemon's limiter starts empty, but Keap still counts the previous
  # daemon's last second (spike arrest): let that window pass first.
  sleep 2
  psql "$db" -qc "$2"
  rows=$(psql "$db" -tAc "SELECT count(*) FROM keapsync.outbox WHERE state = 'pending'")
  read -r before before429 <<<"$(sandbox_counts)"
  start=$(date +%s.%N)
  env $daemon_env "$bin" run -c "$cfg" >"$work/daemon.log" 2>&1 &
  pid=$!
  until [ "$(psql "$db" -tAc "SELECT count(*) FROM keapsync.outbox WHERE state = 'pending'")" = 0 ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s.%N)
  cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid" && wait "$pid"
  read -r after after429 <<<"$(sandbox_counts)"
  python3 - "$label" "$rows" "$((after - before))" "$start" "$end" "$((after429 - before429))" "$cpu" "$tick" "$rss" <<'PY'
import sys
label, rows, requests, start, end, throttled, cpu, tick, rss = sys.argv[1:]
rows, requests, secs = int(rows), int(requests), float(end) - float(start)
cpu_ms = int(cpu) * 1000 / int(tick)
print(f"{label:<34} {rows:>6} {requests:>8} {secs:>8.1f} {rows / secs:>7.1f} {requests / secs:>6.1f} "
      f"{throttled:>5} {cpu_ms / rows:>9.2f} {int(rss) / 1024:>8.1f}")
PY
}
daemon_env=   # e.g. KEAPSYNC_WORKER_CONCURRENCY=4: what the daemon runs under
latency() { curl -sS --cacert "$work/tls/ca.pem" -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"latency_ms\":$1}" "$keap/_sandbox/faults"; }
new_contacts() {  # new_contacts PREFIX: the SQL for $n new contacts, one row each
  echo "INSERT INTO keapsync.outbox (contact_ref, op, payload) SELECT '$1' || i, 'upsert', json_build_object('email', '$1' || i || '@example.com', 'given_name', 'Bench')::jsonb FROM generate_series(1, $n) i"
}
n=$contacts
scenario "new contacts, 1 row each" \
  "INSERT INTO keapsync.outbox (contact_ref, op, payload) SELECT 'c' || i, 'upsert', json_build_object('email', 'c' || i || '@example.com', 'given_name', 'Bench')::jsonb FROM generate_series(1, $n) i"
scenario "known contacts, 4 rows each" \
  "INSERT INTO keapsync.outbox (contact_ref, op, payload) SELECT 'c' || i, 'upsert', json_build_object(k, 'v' || j)::jsonb FROM generate_series(1, $n) i, generate_series(1, 4) j, LATERAL (SELECT (ARRAY['given_name','family_name','job_title','middle_name'])[j] AS k) f ORDER BY i, j"

# Keap answering slowly: the contacts in flight follow the latency (Little's
# law) until the account's 25/s is used; 4 in flight (the default before
# per-account concurrency) for comparison. Each starts with the app's
# 1,500-a-minute window empty, as Keap counts the scenarios before it too.
fresh_minute() { sleep 61; }
latency 300
fresh_minute
scenario "new contacts, Keap at 300 ms" "$(new_contacts l)"
daemon_env=KEAPSYNC_WORKER_CONCURRENCY=4
scenario "  the same, 4 in flight" "$(new_contacts m)"
daemon_env=
latency 1000
fresh_minute
scenario "new contacts, Keap at 1 s" "$(new_contacts s)"
latency 0

# Crash recovery: the same backlog shape the issue measured (300 contacts × 2
# changes), the daemon killed with SIGKILL three times while it delivers and
# restarted at once. The contacts in flight at a kill wait out their lease
# (worker.lease_duration, 30 s by default) before the next daemon takes them.
pending() { psql "$db" -tAc "SELECT count(*) FROM keapsync.outbox WHERE state = 'pending'"; }
sleep 2
psql "$db" -qc "INSERT INTO keapsync.outbox (contact_ref, op, payload) SELECT 'k' || i, 'upsert', json_build_object('email', 'k' || i || '@example.com', f, 'v')::jsonb FROM generate_series(1, 300) i, unnest(ARRAY['given_name', 'family_name']) f ORDER BY i, f"
rows=$(pending)
start=$(date +%s.%N)
for kill in 1 2 3; do
  "$bin" run -c "$cfg" >>"$work/daemon.log" 2>&1 &
  pid=$!
  goal=$(($(pending) - 60))  # kill once 30 more contacts went out, with more in flight
  until [ "$(pending)" -le "$goal" ]; do sleep 0.05; done
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
done
restart=$(date +%s.%N)
"$bin" run -c "$cfg" >>"$work/daemon.log" 2>&1 &
pid=$!
until [ "$(pending)" = 0 ]; do sleep 0.05; done
end=$(date +%s.%N)
kill -TERM "$pid" && wait "$pid"
created=$(sandbox_get /_sandbox/contacts | python3 -c 'import json, sys; print(sum(1 for c in json.load(sys.stdin)["contacts"] if c.get("email_addresses") and c["email_addresses"][0]["email"].startswith("k")))')
echo
printf '%-34s %6s %5s %8s %16s %14s\n' "crash recovery (kill -9, OAuth)" rows kills seconds "after last kill" "Keap contacts"
python3 - "$rows" "$start" "$restart" "$end" "$created" <<'PY'
import sys
rows, start, restart, end, created = sys.argv[1:]
print(f"{'300 contacts x 2 rows, 3 kills':<34} {int(rows):>6} {3:>5} {float(end) - float(start):>8.1f} "
      f"{float(end) - float(restart):>16.1f} {int(created):>14}")
PY
