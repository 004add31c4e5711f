#!/usr/bin/env bash
# Issue 9's reliability command: every scenario of scripts/reliability/README.md, each bounded in time, on
# loopback only, each ending with the ledger check (scripts/reliability/ledger.sql through rel.py).
#
#   scripts/reliability.sh [--soak-secs 600] [--fuzz-secs 30] [--only NAME[,NAME]] [--out target/reliability]
#
# Scenarios: soak kill postgres national inbound store clerks backup fuzz. Prints the table
# (scenario | load held | faults injected | acknowledged | lost | duplicated in effect | result) and writes
# OUT/results.json, OUT/<scenario>/ (load reports, acknowledged submissions, ledger) and OUT/logs/.
# Exit 1 when a scenario FAILs. Not part of `make test` (about 25 minutes with the default soak and a built fuzz/;
# the first fuzz build with the sanitizer takes 10-25 minutes more).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SOAK_SECS=600
FUZZ_SECS=30
ONLY=""
OUT=target/reliability
while [ $# -gt 0 ]; do
  case "$1" in
    --soak-secs) SOAK_SECS=$2; shift 2 ;;
    --fuzz-secs) FUZZ_SECS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
ALL="soak kill postgres national inbound store clerks backup fuzz"
for s in ${ONLY//,/ }; do
  [[ " $ALL " == *" $s "* ]] || { echo "unknown scenario $s (one of: $ALL)" >&2; exit 2; }
done
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "${OUT:?}"/*
mkdir -p "$OUT/logs"
start=$(date +%s)
step() { echo; echo "==> [$(( $(date +%s) - start ))s] $*"; }
REL=(python3 "$ROOT/scripts/reliability/rel.py")

scripts/deps.sh test
step "release build (motcua, motcua-sim, motcua_load)"
nice -n 5 cargo build --release --locked -p motcua -p motcua-sim -p integration-tests \
  --bin motcua --bin motcua-sim --bin motcua_load 2>&1 | tail -1
BIN=$ROOT/target/release

TMP=$(mktemp -d /tmp/motcua-rel.XXXXXX)
chmod 755 "$TMP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGPORT=$(free_port) PORT_A=$(free_port) PORT_B=$(free_port) PORT_C=$(free_port) SIMPORT=$(free_port) SMTPPORT=$(free_port)
BASE_A="http://127.0.0.1:$PORT_A" BASE_B="http://127.0.0.1:$PORT_B" BASE_C="http://127.0.0.1:$PORT_C"
SIM_URL="http://127.0.0.1:$SIMPORT"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
declare -A PID=()      # name -> pid of every long-running process we started
STORE_MNT=""
cleanup() {
  local rc=$?
  for name in "${!PID[@]}"; do
    kill "${PID[$name]}" 2>/dev/null || true
  done
  for name in "${!PID[@]}"; do
    wait "${PID[$name]}" 2>/dev/null || true
  done
  if [ -n "$STORE_MNT" ] && mountpoint -q "$STORE_MNT"; then umount "$STORE_MNT" || umount -l "$STORE_MNT" || true; fi
  scripts/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
  [ -f "$TMP/pg/pg.log" ] && cp "$TMP/pg/pg.log" "$OUT/logs/postgres.log" 2>/dev/null
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "PostgreSQL on 127.0.0.1:$PGPORT, the stand-ins on $SIMPORT"
scripts/pg.sh start "$TMP/pg" "$PGPORT"
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE reliability"
export MOTCUA_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/reliability"
DB=(psql "$MOTCUA_DATABASE_URL" -X -q -t -A -v ON_ERROR_STOP=1)
"$BIN/motcua" migrate 2>>"$OUT/logs/setup.log"
"$BIN/motcua" seed 2>>"$OUT/logs/setup.log"
# A few hundred dossiers for the public lookups to find (their outbox rows are history, not ours to deliver).
scripts/generate.sh --database-url "$MOTCUA_DATABASE_URL" --dossiers 300 --seed 9 >"$OUT/logs/generate.log" 2>&1 \
  || { cat "$OUT/logs/generate.log"; exit 1; }
OUTBOX_AFTER=$("${DB[@]}" -c "SELECT coalesce(max(id), 0) FROM outbox")

# The real security features stay on: only the limits that count per client address are raised, since
# every request here comes from 127.0.0.1 (submissions stay at their per-citizen default).
export MOTCUA_PLATFORM_URL="$SIM_URL" MOTCUA_PLATFORM_JWKS_URL="$SIM_URL/oauth2/jwks" MOTCUA_PLATFORM_ISSUER="$SIM_URL/oauth2" \
  MOTCUA_SMTP_URL="smtp://127.0.0.1:$SMTPPORT" MOTCUA_SMS_URL="$SIM_URL/sms/send" \
  MOTCUA_LOOKUPS_PER_MINUTE=1000000 MOTCUA_NATIONAL_PER_MINUTE=1000000 MOTCUA_OBJECT_DIR="$TMP/objects" \
  MOTCUA_LOG=${MOTCUA_LOG:-warn}
MOTCUA_SIM_LISTEN="127.0.0.1:$SIMPORT" MOTCUA_SIM_ISSUER="$SIM_URL/oauth2" MOTCUA_SIM_MOTCUA_URL="$BASE_A" \
  MOTCUA_SIM_SMTP_LISTEN="127.0.0.1:$SMTPPORT" MOTCUA_SIM_ACCOUNTS="$ROOT/sim/eid/accounts.json" \
  "$BIN/motcua-sim" 2>>"$OUT/logs/sim.log" &
PID[sim]=$!
for _ in $(seq 1 100); do curl -fsS "$SIM_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# start_instance NAME PORT [VAR=value ...]: a `motcua serve` of its own, its log in OUT/logs/NAME.log.
start_instance() {
  local name=$1 port=$2; shift 2
  env MOTCUA_LISTEN="127.0.0.1:$port" MOTCUA_PUBLIC_URL="http://127.0.0.1:$port" "$@" \
    "$BIN/motcua" serve 2>>"$OUT/logs/$name.log" &
  PID[$name]=$!
}
# wait_ready PORT [SECS]: until /readyz answers 200; prints how long it took.
wait_ready() {
  local port=$1 limit=${2:-60} t0; t0=$(date +%s.%N)
  while ! curl -fsS --max-time 2 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    sleep 0.1
    if (( $(date +%s) - ${t0%.*} > limit )); then echo "timeout"; return 1; fi
  done
  python3 -c "import time,sys; print(round(time.time()-float(sys.argv[1]),1))" "$t0"
}
stop_instance() {
  local name=$1
  [ -n "${PID[$name]:-}" ] || return 0
  kill "${PID[$name]}" 2>/dev/null || true; wait "${PID[$name]}" 2>/dev/null || true; unset "PID[$name]"
}
start_instance a "$PORT_A"; start_instance b "$PORT_B"
wait_ready "$PORT_A" >/dev/null && wait_ready "$PORT_B" >/dev/null || { tail -20 "$OUT"/logs/[ab].log; exit 1; }

step "citizen sessions and request bodies"
LOAD=$TMP/load
"$BIN/motcua_load" prepare --base "$BASE_A" --dir "$LOAD" --citizens 64 | tee "$OUT/logs/prepare.log"
RUN=r$(date +%s)
ALL_ACKED=()   # every scenario's acknowledged submissions, for the backup's ledger

# load NAME SCENARIO_DIR BASE SECS [extra open-loop flags]: one load process in the background, half the
# design load (two of them make 5 submissions/s + 50 lookups/s). Its pid is PID[load-NAME]. The run label (and
# so every Idempotency-Key and marker) names the scenario: a later scenario reusing an earlier one's keys would
# only get the earlier dossiers back as replays and prove nothing.
load() {
  local name=$1 dir=$2 base=$3 secs=$4; shift 4
  "$BIN/motcua_load" open-loop --base "$base" --dir "$LOAD" --submit-rate 2.5 --lookup-rate 25 --secs "$secs" \
    --run "$RUN-$(basename "$dir")-$name" --json "$dir/load-$name.json" --acked "$dir/acked-$name.tsv" "$@" >"$dir/load-$name.log" 2>&1 &
  PID[load-$name]=$!
}
wait_load() { wait "${PID[load-$1]}" || echo "  load $1 exited with $?"; unset "PID[load-$1]"; }
# ledger DIR [rel.py ledger flags]: the ledger check over DIR/acked-*.tsv, written to DIR/ledger.json.
ledger() {
  local dir=$1; shift
  local files=() f
  for f in "$dir"/acked-*.tsv; do [ -e "$f" ] && files+=(--acked "$f") && ALL_ACKED+=("$f"); done
  "${REL[@]}" ledger --db "$MOTCUA_DATABASE_URL" "${files[@]}" --motcua "$BIN/motcua" --outbox-after "$OUTBOX_AFTER" \
    --created-after "$SCENARIO_SINCE" --out "$dir/ledger.json" "$@"
}
jget() { python3 -c "import json,sys; v=json.load(open(sys.argv[1])); exec('for k in sys.argv[2].split(\".\"): v=v[k] if not isinstance(v,list) else v[int(k)]'); print(v if not isinstance(v,(dict,list)) else json.dumps(v))" "$1" "$2"; }
# row NAME key=value ...: the scenario's row of the table.
row() { local name=$1; shift; "${REL[@]}" result --out "$OUT/$name/result.json" scenario="$name" "$@"; }
# verdict DIR OK NOTE: PASS, or FAIL with what went wrong.
verdict() { if [ "$2" = 1 ] && [ "$(jget "$1/ledger.json" pass)" = True ]; then echo PASS; else echo "FAIL"; fi; }
problems() { jget "$1/ledger.json" problems; }

# ---------------------------------------------------------------------------------------------------------------
scenario_soak() {
  local d=$OUT/soak; mkdir -p "$d"
  step "soak: design load for $SOAK_SECS s against two instances, RSS and open fds every 10 s"
  load a "$d" "$BASE_A" "$SOAK_SECS" --pids "${PID[a]}"
  load b "$d" "$BASE_B" "$SOAK_SECS" --pids "${PID[b]}"
  ( while :; do
      for n in a b; do
        p=${PID[$n]}
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        fds=$(ls "/proc/$p/fd" 2>/dev/null | wc -l)
        printf '%s\t%s\t%s\t%s\t%s\n' "$(date +%s)" "$n" "$p" "${rss:-0}" "$fds"
      done >>"$d/samples.tsv"
      sleep 10
    done ) &
  PID[sampler]=$!
  wait_load a; wait_load b
  kill "${PID[sampler]}" 2>/dev/null; wait "${PID[sampler]}" 2>/dev/null || true; unset "PID[sampler]"
  ledger "$d" --drain 120 --sim "$SIM_URL"
  "${REL[@]}" stable "$d/samples.tsv" >"$d/stable.json"
  "${REL[@]}" loadsum "$d"/load-*.json >"$d/loadsum.json"
  local ok=1 note
  note=$(python3 - "$d/stable.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print("; ".join(f"{n}: RSS {v['rss_start_kb']//1024}→{v['rss_end_kb']//1024} MiB, fds {v['fds_start']}→{v['fds_end']}"
                f" ({'stable' if v['stable'] else 'GROWING'})" for n, v in sorted(s.items())))
EOF
)
  grep -q GROWING <<<"$note" && ok=0
  [ "$(jget "$d/loadsum.json" submit_other)" = "{}" ] && [ "$(jget "$d/loadsum.json" lookup_other)" = "{}" ] || ok=0
  row soak load="2 × (2.5 submissions/s + 25 lookups/s) for $SOAK_SECS s; $note" faults="none" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(jget "$d/loadsum.json" text); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_kill() {
  local d=$OUT/kill; mkdir -p "$d"
  local secs=200 back=() ok=1
  step "kill: design load, SIGKILL instance A every 60 s (3 times), restarted at once; A's load retries"
  load a "$d" "$BASE_A" "$secs" --retry
  load b "$d" "$BASE_B" "$secs"
  for k in 1 2 3; do
    sleep 60
    kill -KILL "${PID[a]}"; wait "${PID[a]}" 2>/dev/null || true
    start_instance a "$PORT_A"
    local t; t=$(wait_ready "$PORT_A" 60) || { ok=0; t="not back in 60 s"; }
    back+=("$t")
    echo "  kill $k: A back in $t s"
  done
  wait_load a; wait_load b
  ledger "$d" --drain 180 --sim "$SIM_URL"
  "${REL[@]}" loadsum "$d"/load-*.json >"$d/loadsum.json"
  row kill load="2 × (2.5 submissions/s + 25 lookups/s) for $secs s; A ready again after ${back[*]} s" \
    faults="SIGKILL of instance A at 60, 120, 180 s" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(jget "$d/loadsum.json" text) (lookups are not retried: one sent to A as it died is unanswered, not lost); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_postgres() {
  local d=$OUT/postgres; mkdir -p "$d"
  local secs=75 ok=1 pa=${PID[a]} pb=${PID[b]}
  step "postgres: design load; PostgreSQL stopped (immediate) at 15 s for 15 s; /readyz probed meanwhile"
  load a "$d" "$BASE_A" "$secs" --retry
  load b "$d" "$BASE_B" "$secs" --retry
  sleep 15
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg/data" -m immediate -w stop >/dev/null
  local t_down; t_down=$(date +%s)
  while (( $(date +%s) - t_down < 15 )); do
    for port in "$PORT_A" "$PORT_B"; do
      curl -s -o /dev/null --max-time 10 -w '%{http_code}\t%{time_total}\n' "http://127.0.0.1:$port/readyz" >>"$d/probes.tsv" || true
    done
    sleep 0.5
  done
  scripts/pg.sh start "$TMP/pg" "$PGPORT"
  local ra rb
  ra=$(wait_ready "$PORT_A" 60) || { ok=0; ra="not ready in 60 s"; }
  rb=$(wait_ready "$PORT_B" 60) || { ok=0; rb="not ready in 60 s"; }
  [ "${PID[a]}" = "$pa" ] && [ "${PID[b]}" = "$pb" ] && kill -0 "$pa" && kill -0 "$pb" || ok=0
  wait_load a; wait_load b
  "${REL[@]}" probes "$d/probes.tsv" >"$d/probes.json"
  [ "$(jget "$d/probes.json" all_503_under_1s)" = True ] || ok=0
  ledger "$d" --drain 120 --sim "$SIM_URL"
  "${REL[@]}" loadsum "$d"/load-*.json >"$d/loadsum.json"
  row postgres load="2 × (2.5 submissions/s + 25 lookups/s) for $secs s, both loads retrying; ready again (no restart) after A $ra s, B $rb s from PostgreSQL's start" \
    faults="pg_ctl stop -m immediate for 15 s; $(jget "$d/probes.json" probes) /readyz probes: $(jget "$d/probes.json" statuses), slowest $(jget "$d/probes.json" max_secs) s" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(jget "$d/loadsum.json" text); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_national() {
  local d=$OUT/national; mkdir -p "$d"
  local phase=20 ok=1
  local -a names=(slow dropped down 429 5xx)
  local -a faults=('{"latency_ms": 3000}' '{"drop_response": true}' '{"down": true}'
                   '{"status": 429, "retry_after_secs": 5}' '{"status": 503}')
  local secs=$(( phase * ${#names[@]} + 10 )) since
  since=$("${DB[@]}" -c "SELECT now()")
  step "national: portal and population database slow, dropping answers, down, 429, 5xx ($phase s each) under load"
  load a "$d" "$BASE_A" "$secs"
  load b "$d" "$BASE_B" "$secs"
  "$BIN/motcua_load" lookups --base "$BASE_A" --rate 1 --secs $(( phase * ${#names[@]} )) --json "$d/lookups.json" \
    >"$d/lookups.log" 2>&1 &
  PID[lookups]=$!
  for i in "${!names[@]}"; do
    for target in dvcqg csdldancu; do
      curl -fsS -X PUT "$SIM_URL/_sim/faults/$target" -H 'content-type: application/json' -d "${faults[$i]}" >/dev/null
    done
    echo "  $(date -u +%FT%TZ) ${names[$i]}: ${faults[$i]}" | tee -a "$d/phases.txt"
    sleep "$phase"
  done
  curl -fsS -X DELETE "$SIM_URL/_sim/faults" >/dev/null
  echo "  $(date +%T) faults cleared"
  wait "${PID[lookups]}" || ok=0; unset "PID[lookups]"
  wait_load a; wait_load b
  ledger "$d" --drain 660 --sim "$SIM_URL"
  "${REL[@]}" loadsum "$d"/load-*.json >"$d/loadsum.json"
  # Population lookups fail closed: verified or unknown, never a 5xx, never longer than the platform timeout.
  python3 - "$d/lookups.json" >"$d/lookups-check.txt" <<'EOF' || ok=0
import json, sys
r = json.load(open(sys.argv[1]))
bad = {k: v for k, v in r["answers"].items() if not (k.startswith("verified") or k.startswith("unknown"))}
print(f"population lookups {r['answers']}, slowest {r['max_ms'] / 1000:.1f} s")
sys.exit(1 if bad or r["max_ms"] > 12000 else 0)
EOF
  [ "$(jget "$d/loadsum.json" submit_other)" = "{}" ] || ok=0
  # What the relay's calls to the portal met (exchange_log), so a fault that never hit shows.
  local met
  met=$("${DB[@]}" -c "SELECT string_agg(result || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT result, count(*) n
          FROM exchange_log WHERE peer = 'dvcqg' AND direction = 'outbound' AND at >= '$since' GROUP BY 1) x")
  echo "  relay calls to the portal: $met"
  # The faults must have met the relay (timeouts, refusals), or the scenario proved nothing about the outbox.
  grep -qE 'timeout|http_error|circuit_open' <<<"$met" || { ok=0; met="${met:-none logged}: the faults never met the relay"; }
  "${DB[@]}" -F $'\t' -c "SELECT at, peer, operation, result, http_status, duration_ms, subject FROM exchange_log
                            WHERE at >= '$since' ORDER BY id" >"$d/exchange_log.tsv"
  row national load="2 × (2.5 submissions/s + 25 lookups/s) for $secs s + 1 counter population lookup/s; outbox drained $(jget "$d/ledger.json" drain_secs) s after the faults cleared" \
    faults="dvcqg + csdldancu: ${names[*]} (${phase} s each)" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(cat "$d/lookups-check.txt"); relay calls to the portal: $met; outbox pending $(jget "$d/ledger.json" outbox_pending), dead $(jget "$d/ledger.json" outbox_dead); portal $(jget "$d/ledger.json" portal.messages_received) messages for these dossiers, $(jget "$d/ledger.json" portal.harmless_repeats) harmless repeats; $(jget "$d/loadsum.json" text); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_inbound() {
  local d=$OUT/inbound; mkdir -p "$d"
  local ok=1
  step "inbound: the portal delivers 30 dossiers 2-3 times each, shuffled, 16 at once, with status pulls"
  "$BIN/motcua_load" inbound --base "$BASE_A" --sim "$SIM_URL" --count 30 --run "$RUN-in" --json "$d/inbound.json" \
    --acked "$d/acked-inbound.tsv" >"$d/inbound.log" 2>&1 || ok=0
  ledger "$d" --drain 120 --sim "$SIM_URL"
  row inbound load="$(jget "$d/inbound.json" deliveries) deliveries of $(jget "$d/inbound.json" dossiers) dossiers + pulls and feed polls: $(jget "$d/inbound.json" statuses)" \
    faults="duplicates and reordering (concurrent)" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(( $(jget "$d/inbound.json" dossiers) - $(jget "$d/inbound.json" exactly_once) + $(jget "$d/ledger.json" lost) ))" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(jget "$d/inbound.json" problems); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_store() {
  local d=$OUT/store; mkdir -p "$d"
  step "store: the attachment store on a 1 MiB tmpfs, filled, then read-only, then fixed"
  STORE_MNT=$TMP/store; mkdir -p "$STORE_MNT"
  local why
  if ! why=$(mount -t tmpfs -o size=1m tmpfs "$STORE_MNT" 2>&1); then
    row store load="-" faults="-" acknowledged=0 lost=0 duplicated=0 result="SKIPPED: cannot mount a tmpfs here ($why)"
    STORE_MNT=""; return
  fi
  start_instance c "$PORT_C" MOTCUA_OBJECT_DIR="$STORE_MNT"
  wait_ready "$PORT_C" >/dev/null
  local since; since=$("${DB[@]}" -c "SELECT now()")
  local ok=1
  python3 "$ROOT/scripts/reliability/store.py" --base "$BASE_C" --load "$LOAD" --store "$STORE_MNT" --out "$d" \
    --db "$MOTCUA_DATABASE_URL" --since "$since" --run "$RUN-store" >"$d/store.log" 2>&1 || ok=0
  stop_instance c
  umount "$STORE_MNT"; STORE_MNT=""
  cat "$d/store.log"
  ledger "$d" --drain 120 --sim "$SIM_URL"
  row store load="$(jget "$d/store.json" load)" faults="store full (1 MiB tmpfs), then read-only, then remounted rw" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(jget "$d/store.json" notes); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_clerks() {
  local d=$OUT/clerks; mkdir -p "$d"
  local ok=1
  step "clerks: 32 clerk sessions act on the same 4 dossiers at once, 6 rounds"
  "$BIN/motcua_load" clerks --base "$BASE_A" --dir "$LOAD" --clerks 32 --dossiers 4 --rounds 6 --run "$RUN-clerks" \
    --json "$d/clerks.json" --acked "$d/acked-clerks.tsv" >"$d/clerks.log" 2>&1 || ok=0
  ledger "$d" --drain 120 --sim "$SIM_URL"
  row clerks load="32 clerks × 6 rounds on 4 dossiers: $(jget "$d/clerks.json" statuses)" \
    faults="concurrent conflicting actions (stale expected_version)" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="$(jget "$d/clerks.json" accepted) accepted actions, each with exactly one history row; final states $(python3 -c "import json,sys; print([x['state'] for x in json.load(open(sys.argv[1]))['dossiers']])" "$d/clerks.json"); $(jget "$d/clerks.json" problems); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_backup() {
  local d=$OUT/backup; mkdir -p "$d"
  local ok=1
  step "backup: pg_dump, restore into a new database, ledger and verify-audit on the copy"
  local t0; t0=$(date +%s)
  pg_dump -h 127.0.0.1 -p "$PGPORT" -U postgres -Fc -f "$TMP/reliability.dump" reliability
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE restored"
  # Triggers stay off while the rows go in (they are the rows the triggers wrote the first time).
  pg_restore -h 127.0.0.1 -p "$PGPORT" -U postgres --disable-triggers --exit-on-error -d restored "$TMP/reliability.dump" \
    2>"$d/restore.log" || ok=0
  local secs=$(( $(date +%s) - t0 ))
  local restored="postgres://postgres@127.0.0.1:$PGPORT/restored" f files=()
  while read -r f; do [ -n "$f" ] && files+=(--acked "$f"); done < <(printf '%s\n' "${ALL_ACKED[@]}" | sort -u)
  "${REL[@]}" ledger --db "$restored" "${files[@]}" --motcua "$BIN/motcua" --outbox-after "$OUTBOX_AFTER" \
    --out "$d/ledger.json"
  local q="SELECT (SELECT count(*) FROM dossier) || '/' || (SELECT count(*) FROM dossier_action) || '/' || (SELECT count(*) FROM audit_log) || '/' || (SELECT count(*) FROM outbox)"
  local orig copy
  orig=$("${DB[@]}" -c "$q"); copy=$(psql "$restored" -X -q -t -A -c "$q")
  [ "$orig" = "$copy" ] || ok=0
  row backup load="the database after the other scenarios: dossiers/history/audit/outbox $orig (copy $copy)" \
    faults="pg_dump -Fc + pg_restore into a new database ($(du -h "$TMP/reliability.dump" | cut -f1), ${secs} s)" \
    acknowledged="$(jget "$d/ledger.json" acknowledged)" lost="$(jget "$d/ledger.json" lost)" \
    duplicated="$(jget "$d/ledger.json" duplicated)" result="$(verdict "$d" $ok)" \
    notes="verify-audit on the copy: $(jget "$d/ledger.json" verify_audit.output); $(problems "$d")"
}

# ---------------------------------------------------------------------------------------------------------------
scenario_fuzz() {
  local d=$OUT/fuzz; mkdir -p "$d"
  step "fuzz: every cargo-fuzz target of fuzz/ for $FUZZ_SECS s (scripts/fuzz.sh; the parsers of hostile input)"
  local rc=0 result runs
  scripts/fuzz.sh --secs "$FUZZ_SECS" >"$d/fuzz.log" 2>&1 || rc=$?
  grep '^fuzz' "$d/fuzz.log" || tail -5 "$d/fuzz.log"
  runs=$(awk '$1 == "fuzz:" && $3 == "runs" {printf "%s%s %s", (n++ ? ", " : ""), $2, $4}' "$d/fuzz.log")
  case $rc in
    0) result=PASS ;;
    2) result="SKIPPED: $(grep -m1 '^fuzz.sh:' "$d/fuzz.log" || tail -1 "$d/fuzz.log")" ;;
    *) result=FAIL ;;
  esac
  row fuzz load="${runs:-no target ran} (runs in $FUZZ_SECS s each)" \
    faults="libFuzzer inputs grown from fuzz/corpus: dossier codes, e-form schemas and answers, national submissions, uploaded files and names" \
    acknowledged="-" lost="-" duplicated="-" result="$result" \
    notes="$(grep -E '^fuzz: [0-9]+ passed' "$d/fuzz.log" || echo "see $d/fuzz.log"); a crash is kept in fuzz/artifacts/"
}

for s in $ALL; do
  if want "$s"; then
    SCENARIO_SINCE=$("${DB[@]}" -c "SELECT now()")   # the ledger's created_before_scenario check
    "scenario_$s"
  fi
done

step "results ($(( ($(date +%s) - start) / 60 )) min)"
set +e
"${REL[@]}" table "$OUT" | tee "$OUT/table.md"
rc=${PIPESTATUS[0]}
exit "$rc"
