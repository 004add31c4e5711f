#!/usr/bin/env bash
# Issue 9's benchmark: raw figures and ratios, measured in one run on this machine, against the release build
# running as its own process (`motcua serve`), a throwaway PostgreSQL and the national-system stand-ins.
#
#   scripts/bench.sh [--secs 15] [--dossiers 20000] [--out target/bench]
#
# Prints every figure and ratio, and writes them to OUT/bench.json (plus each tool's raw output in OUT/).
# A benchmark: it prints figures; it asserts nothing about time (it fails only when a tool fails or a route
# answers errors, since a figure of failures would be meaningless).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=15
DOSSIERS=20000
OUT=target/bench
while [ $# -gt 0 ]; do
  case "$1" in
    --secs) SECS=$2; shift 2 ;;
    --dossiers) DOSSIERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
start=$(date +%s)
step() { echo; echo "==> [$(( $(date +%s) - start ))s] $*"; }

scripts/deps.sh bench
step "release build"
cargo build --release --locked -p motcua -p motcua-sim -p integration-tests --bin motcua --bin motcua-sim --bin motcua_load 2>&1 | tail -1
BIN=$ROOT/target/release

TMP=$(mktemp -d /tmp/motcua-bench.XXXXXX)
chmod 755 "$TMP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGPORT=$(free_port) APPPORT=$(free_port) SIMPORT=$(free_port) SMTPPORT=$(free_port)
server_pid="" sim_pid=""
cleanup() {
  if [ -n "${BENCH_KEEP:-}" ]; then echo "BENCH_KEEP: left running in $TMP (server $server_pid, sim $sim_pid, PostgreSQL on $PGPORT)"; return; fi
  for pid in "$server_pid" "$sim_pid"; do
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
  done
  scripts/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

step "PostgreSQL on 127.0.0.1:$PGPORT (fsync on, pg_stat_statements)"
scripts/pg.sh start "$TMP/pg" "$PGPORT"
PSQL=(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" \
  -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" \
  -c "ALTER SYSTEM SET log_line_prefix = '%m|%p|'" -c "ALTER SYSTEM SET log_parameter_max_length = -1"
scripts/pg.sh stop "$TMP/pg" && scripts/pg.sh start "$TMP/pg" "$PGPORT"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench"
export MOTCUA_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
DB=(psql "$MOTCUA_DATABASE_URL" -X -q -v ON_ERROR_STOP=1)
"${DB[@]}" -c "CREATE EXTENSION pg_stat_statements"

step "demo data and $DOSSIERS generated dossiers (their codes are what the lookups ask for)"
"$BIN/motcua" migrate 2>>"$TMP/server.log"
"$BIN/motcua" seed 2>>"$TMP/server.log"
scripts/generate.sh --database-url "$MOTCUA_DATABASE_URL" --dossiers "$DOSSIERS" --seed 9 >"$TMP/generate.log" 2>&1 \
  || { cat "$TMP/generate.log"; exit 1; }
grep -E '^generated' "$TMP/generate.log" || true

SIM_URL="http://127.0.0.1:$SIMPORT"
export MOTCUA_LISTEN="127.0.0.1:$APPPORT" MOTCUA_PUBLIC_URL="http://127.0.0.1:$APPPORT" MOTCUA_OBJECT_DIR="$TMP/objects" \
  MOTCUA_PLATFORM_URL="$SIM_URL" MOTCUA_PLATFORM_JWKS_URL="$SIM_URL/oauth2/jwks" MOTCUA_PLATFORM_ISSUER="$SIM_URL/oauth2" \
  MOTCUA_SMTP_URL="smtp://127.0.0.1:$SMTPPORT" MOTCUA_SMS_URL="$SIM_URL/sms/send" \
  MOTCUA_BENCH=1 MOTCUA_LOOKUPS_PER_MINUTE=100000000 MOTCUA_SUBMISSIONS_PER_MINUTE=100000000 \
  MOTCUA_LOG=${MOTCUA_LOG:-warn}
BASE=$MOTCUA_PUBLIC_URL
MOTCUA_SIM_LISTEN="127.0.0.1:$SIMPORT" MOTCUA_SIM_ISSUER="$SIM_URL/oauth2" MOTCUA_SIM_MOTCUA_URL="$BASE" \
  MOTCUA_SIM_SMTP_LISTEN="127.0.0.1:$SMTPPORT" MOTCUA_SIM_ACCOUNTS="$ROOT/sim/eid/accounts.json" \
  "$BIN/motcua-sim" 2>>"$TMP/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do curl -fsS "$SIM_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

start_server() {  # extra environment as arguments (VAR=value ...)
  env "$@" "$BIN/motcua" serve 2>>"$TMP/server.log" &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "$BASE/readyz" >/dev/null || { tail -20 "$TMP/server.log"; exit 1; }
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
start_server

step "sessions and request bodies"
"$BIN/motcua_load" prepare --base "$BASE" --dir "$TMP/load" --citizens 64
export BENCH_DIR="$TMP/load"

# wrk with one connection per thread (each thread one citizen); prints wrk's JSON line.
wrk_run() {  # name mode connections [extra env]
  local name=$1 mode=$2 conns=$3; shift 3
  env BENCH_MODE="$mode" "$@" wrk -t "$conns" -c "$conns" -d "${SECS}s" --timeout 30s -s scripts/bench/wrk.lua "$BASE" \
    >"$OUT/wrk-$name.txt" 2>&1 || { cat "$OUT/wrk-$name.txt"; exit 1; }
  local line; line=$(grep '^{"mode"' "$OUT/wrk-$name.txt")
  echo "$line" >"$OUT/wrk-$name.json"
  python3 - "$name" "$line" <<'EOF'
import json, sys
r = json.loads(sys.argv[2])
ok = r["requests"] - r["non_2xx"]
print(f"  {sys.argv[1]:24} {ok / r['duration_s']:9.1f} ok/s  ({r['requests']} requests, {r['non_2xx']} non-2xx, "
      f"{r['socket_errors']} socket errors; p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms)")
if r["non_2xx"] or r["socket_errors"]:
    sys.exit(f"{sys.argv[1]}: errors during the run; see its wrk output")
EOF
}
pgbench_run() {  # name script clients [extra pgbench args]
  local name=$1 script=$2 clients=$3; shift 3
  pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -n -c "$clients" -j "$clients" -f "$script" "$@" bench \
    >"$OUT/pgbench-$name.txt" 2>&1 || { cat "$OUT/pgbench-$name.txt"; exit 1; }
  local tps; tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$OUT/pgbench-$name.txt" | tail -1)
  echo "{\"tps\": $tps}" >"$OUT/pgbench-$name.json"
  printf '  %-24s %9.1f transactions/s (pgbench, %s clients)\n' "$name" "$tps" "$clients"
}

step "1. submission: the server's SQL, captured from one submission, for pgbench"
"${DB[@]}" -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
log_from=$(wc -c <"$TMP/pg/pg.log")
IFS=$'\t' read -r cookie csrf < <(head -1 "$BENCH_DIR/sessions.tsv")
curl -fsS -o "$TMP/captured.json" -H "cookie: motcua_session=$cookie" -H "x-csrf-token: $csrf" \
  -H 'content-type: application/json' --data-binary @"$BENCH_DIR/submit.json" "$BASE/api/v1/dossiers"
sleep 1
"${DB[@]}" -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
tail -c +"$((log_from + 1))" "$TMP/pg/pg.log" >"$TMP/captured.log"
python3 scripts/bench/capture.py "$TMP/captured.log" "$TMP/captured.json" "$OUT/submit.pgbench"

step "1. submission throughput, 8 clients: server (wrk) vs pgbench of the same statements"
"${DB[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
before=$("${DB[@]}" -tAc "SELECT count(*) FROM dossier")
wrk_run submit submit 8
after=$("${DB[@]}" -tAc "SELECT count(*) FROM dossier")
"${DB[@]}" -tAc "SELECT sum(calls) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'" >"$OUT/statements.txt"
echo "  $((after - before)) dossiers created; $(cat "$OUT/statements.txt") statements in all while they were (with the background loops)"
pgbench_run submit "$OUT/submit.pgbench" 8 -T "$SECS"

step "2. public lookup vs /healthz, 8 connections"
wrk_run lookup lookup 8
wrk_run healthz healthz 8

step "3. attachment upload (stored and hashed) vs a body-discarding route, 8 connections"
for size in 200k 2m; do
  wrk_run "upload-$size" upload 8 BENCH_SIZE=$size
  wrk_run "discard-$size" discard 8 BENCH_SIZE=$size
done

step "4. outbox drain to the zero-latency portal stand-in vs pgbench of the relay's SQL"
BACKLOG=$(( DOSSIERS < 20000 ? DOSSIERS : 20000 ))
stop_server
# The backlog: one full-dossier sync (DongBoHoSoMC) per generated dossier, each a copy of a message this server
# wrote and the stand-in accepted during the submissions above, under the dossier's own code.
backlog_from=$("${DB[@]}" -tAc "SELECT coalesce(max(id), 0) FROM outbox")
reset_backlog() {
  "${DB[@]}" -c "DELETE FROM outbox WHERE id > $backlog_from" \
    -c "UPDATE outbox SET status = 'delivered', delivered_at = now() WHERE status <> 'delivered'" \
    -c "INSERT INTO outbox (dossier_id, seq, operation, payload, next_attempt_at)
        SELECT d.id, (SELECT coalesce(max(o.seq), 0) + 1 FROM outbox o WHERE o.dossier_id = d.id), 'DongBoHoSoMC',
               jsonb_set(t.payload, '{data,0,MaHoSo}', to_jsonb(d.code)), now() - interval '1 minute'
          FROM (SELECT id, code FROM dossier WHERE code IS NOT NULL ORDER BY md5(id::text) LIMIT $BACKLOG) d,
               (SELECT payload FROM outbox WHERE operation = 'DongBoHoSoMC' AND status = 'delivered' AND attempts = 1
                 ORDER BY id DESC LIMIT 1) t" \
    -c "VACUUM ANALYZE outbox"
  local n; n=$("${DB[@]}" -tAc "SELECT count(*) FROM outbox WHERE status = 'pending'")
  [ "$n" = "$BACKLOG" ] || { echo "backlog of $n messages, not $BACKLOG" >&2; exit 1; }
}
reset_backlog
pgbench_run relay scripts/bench/relay.pgbench 1 -t $((BACKLOG / 20 / 2))
reset_backlog
t0=$(date +%s.%N)
start_server
while [ "$("${DB[@]}" -tAc "SELECT count(*) FROM outbox WHERE status = 'pending'")" != 0 ]; do
  sleep 0.2
  if [ $(( $(date +%s) - ${t0%.*} )) -gt 300 ]; then echo "outbox not drained in 300 s" >&2; exit 1; fi
done
t1=$(date +%s.%N)
dead=$("${DB[@]}" -tAc "SELECT count(*) FROM outbox WHERE id > $backlog_from AND status = 'dead'")
python3 -c "import json,sys; d=float(sys.argv[2])-float(sys.argv[1]); print(json.dumps({'messages': $BACKLOG, 'secs': d, 'per_s': $BACKLOG/d, 'dead': $dead}))" \
  "$t0" "$t1" >"$OUT/drain.json"
python3 -c "import json; d=json.load(open('$OUT/drain.json')); print(f\"  drain {d['messages']} messages in {d['secs']:.1f} s: {d['per_s']:.1f} messages/s ({d['dead']} dead letters)\")"

step "5. open loop: 50 submissions/s + 500 lookups/s for $((SECS * 2)) s"
"$BIN/motcua_load" open-loop --base "$BASE" --dir "$BENCH_DIR" --submit-rate 50 --lookup-rate 500 --secs $((SECS * 2)) \
  --desks --pids "$server_pid" --json "$OUT/open-loop.json"

step "7. cost of the security features: submissions and lookups with the audit chain and limits, then without"
# Back to back on the same data, so that only the switch differs. Authorization is not switched off: it is a
# predicate inside the same query that finds the dossier (no separate check to remove).
wrk_run submit-with submit 8
wrk_run lookup-with lookup 8
stop_server
start_server MOTCUA_BENCH_WITHOUT=audit,limits
wrk_run submit-without submit 8
wrk_run lookup-without lookup 8
stop_server

step "summary"
python3 scripts/bench/summary.py "$OUT" "$DOSSIERS" "$SECS" | tee "$OUT/summary.txt"
