#!/usr/bin/env bash
# Throughput of `keapsync sandbox` over HTTPS keep-alive, measured with wrk.
# usage: bench/sandbox.sh [KEAPSYNC_BINARY] [SECONDS] [CONNECTIONS]
# Builds nothing: pass a Release binary (default build-rel/daemon/keapsync).
# Prints one table row per route: requests/s, p50 and p99 latency, non-2xx.
# STORED=N starts the sandbox with N contacts already stored (from a --state
# file), to show that a lookup by e-mail does not slow down as it fills.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build-rel/daemon/keapsync}
secs=${2:-10}
conns=${3:-64}
source scripts/lib/packages.sh
ensure_packages wrk curl
[ -x "$bin" ] || { echo "bench: no binary at $bin (cmake -B build-rel -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel keapsync)" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Rate limits off: this measures the server, not the throttle.
cat > "$work/sandbox.yaml" <<'YAML'
api_keys: [KeapAK-bench]
rate_limits:
  key_quota: {limit: 0}
  key_throttle: {limit: 0}
  key_spike: {limit: 0}
  tenant_quota: {limit: 0}
  tenant_throttle: {limit: 0}
YAML
stored=${STORED:-0}
python3 - "$stored" > "$work/state.json" <<'PY'
import json, sys
n = int(sys.argv[1])
contacts = [{"id": i, "fields": {"given_name": "Stored", "email_addresses": [
    {"email": f"stored{i}@example.com", "field": "EMAIL1",
     "email_opt_status": "UNENGAGED_MARKETABLE", "is_opt_in": False}]},
    "created_ms": 0, "updated_ms": 0, "tags": {}} for i in range(1, n + 1)]
json.dump({"contacts": {"next_id": n + 1, "contacts": contacts},
           "tags": {"next_id": 100, "tags": []}}, sys.stdout)
PY
"$bin" sandbox --listen 127.0.0.1:0 --self-signed "$work/tls" --config "$work/sandbox.yaml" \
  --state "$work/state.json" --threads "${SANDBOX_THREADS:-2}" > "$work/out" &
pid=$!
for _ in $(seq 600); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/out")
[ -n "$port" ] || { echo "bench: the sandbox did not start" >&2; exit 1; }
base="https://127.0.0.1:$port"
curl -sS --cacert "$work/tls/ca.pem" -H 'X-Keap-API-Key: KeapAK-bench' -H 'Content-Type: application/json' \
  -d '{"email_addresses":[{"email":"bench@example.com","field":"EMAIL1"}]}' "$base/rest/v2/contacts" >/dev/null

cat > "$work/report.lua" <<'LUA'
wrk.headers["X-Keap-API-Key"] = "KeapAK-bench"
if os.getenv("BODY") ~= nil and os.getenv("BODY") ~= "" then
  wrk.method = "POST"
  wrk.body = os.getenv("BODY")
  wrk.headers["Content-Type"] = "application/json"
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %.2f %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
LUA

printf '%-52s %10s %9s %9s %7s\n' "route (wrk -t2 -c$conns, ${secs}s, $stored stored)" "req/s" "p50 ms" "p99 ms" "errors"
run() {  # run LABEL PATH [BODY]
  local line
  line=$(BODY=${3:-} wrk -t2 -c"$conns" -d"${secs}s" -s "$work/report.lua" "$base$2" | grep '^RESULT')
  read -r _ rps p50 p99 bad <<<"$line"
  printf '%-52s %10s %9s %9s %7s\n' "$1" "$rps" "$p50" "$p99" "$bad"
}
run "GET /rest/v2/oauth/connect/userinfo" /rest/v2/oauth/connect/userinfo
run "GET /rest/v2/contacts/1" /rest/v2/contacts/1
run "POST /rest/v2/contacts?duplicate_option=Email" "/rest/v2/contacts?duplicate_option=Email" \
  '{"given_name":"Bench","email_addresses":[{"email":"bench@example.com","field":"EMAIL1"}]}'
