# What every delivery benchmark sets up, sourced after `cd` to the repository:
#   bench_setup BINARY    a throw-away PostgreSQL with database "bench" ($db), a
#                         work directory ($work) and cleanup of both and of
#                         every process in $pids on exit; $bin is BINARY's path
#   start_sandbox         `keapsync sandbox` with $work/sandbox.yaml; sets $keap
source scripts/lib/packages.sh
source scripts/lib/postgres.sh

bench_setup() {
  ensure_packages curl
  bin=$(realpath -m "$1")
  [ -x "$bin" ] || { echo "bench: no binary at $bin (cmake -B build-rel -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel keapsync)" >&2; exit 1; }
  work=$(mktemp -d /tmp/keapsync-bench.XXXXXX)
  chmod 755 "$work"
  pids=()
  trap bench_cleanup EXIT
  start_postgres
  psql "$PG_URL" -qc "CREATE DATABASE bench"
  db="$PG_URL dbname=bench"
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_postgres
  rm -rf "$work"
}

start_sandbox() {
  "$bin" sandbox --listen 127.0.0.1:0 --self-signed "$work/tls" --config "$work/sandbox.yaml" \
    >"$work/sandbox.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$work/sandbox.log" && break; sleep 0.1; done
  keap="https://$(head -1 "$work/sandbox.log" | sed 's/.*listening on //')"
}
