# What every delivery benchmark sets up, sourced after `cd` to the repository:
#   bench_setup BINARY    a throw-away PostgreSQL with database "bench" ($db), a
#                         work directory ($work) and cleanup of both and of
#                         every process in $pids (and its children) on exit,
#                         Ctrl-C or SIGTERM; $bin is BINARY's path
#   start_sandbox         `keapsync sandbox` with $work/sandbox.yaml, certificates
#                         in $work/tls; sets $keap (https://127.0.0.1:PORT) and $sandbox_pid
#   start_named_sandbox NAME [ARGS...]
#                         the same with $work/NAME.yaml and $work/NAME-tls (for
#                         NAME "sandbox": $work/tls), ARGS added to its command line
#   forget_pid PID        drop PID from $pids once it has been waited for (so
#                         that cleanup never signals a reused process id)
# shellcheck shell=bash disable=SC2034  # db, keap: for the scripts that source this
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
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_postgres
  psql "$PG_URL" -qc "CREATE DATABASE bench"
  db="$PG_URL dbname=bench"
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do
    pkill -TERM -P "$p" 2>/dev/null || true  # e.g. the php a cron loop started
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  stop_postgres
  rm -rf "$work"
}

forget_pid() {
  local p kept=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
}

start_sandbox() { start_named_sandbox sandbox; }

start_named_sandbox() {
  local name=$1 tls=$work/tls
  shift
  [ "$name" = sandbox ] || tls=$work/$name-tls
  "$bin" sandbox --listen 127.0.0.1:0 --self-signed "$tls" --config "$work/$name.yaml" "$@" \
    >"$work/$name.log" 2>&1 &
  sandbox_pid=$!
  pids+=("$sandbox_pid")
  for _ in $(seq 100); do grep -q "listening on" "$work/$name.log" && break; sleep 0.1; done
  grep -q "listening on" "$work/$name.log" || { cat "$work/$name.log" >&2; echo "bench: the sandbox did not start" >&2; exit 1; }
  keap="https://$(head -1 "$work/$name.log" | sed 's/.*listening on //')"
}
