#!/usr/bin/env bash
# schemathesis against the served OpenAPI document, with every check, a fixed seed and a bounded budget.
#
#   scripts/schemathesis/run.sh
#       on its own: a throwaway PostgreSQL, the stand-ins (motcua-sim, sim/eid) and `motcua serve` from
#       target/debug (built first if missing)
#   ST_BASE_URL=http://127.0.0.1:PORT ST_SIM_URL=http://127.0.0.1:PORT scripts/schemathesis/run.sh
#       against a server that is already running with its stand-ins (what scripts/test.sh does)
#
# Reports (JUnit, NDJSON events) go to target/schemathesis/. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/scripts/schemathesis
ST=${ST:-$ROOT/target/venv-st/bin/st}
[ -x "$ST" ] || scripts/deps.sh test
# Not a terminal (make test, CI): no colours, and no progress frames (rich draws them when FORCE_COLOR is set).
[ -t 1 ] || export NO_COLOR=1 TTY_COMPATIBLE=0
REPORTS=$ROOT/target/schemathesis
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

pids=()
TMP=""
cleanup() {
  for pid in "${pids[@]}"; do
    { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
  done
  if [ -n "$TMP" ]; then
    scripts/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

if [ -z "${ST_BASE_URL:-}" ]; then
  [ -x target/debug/motcua ] && [ -x target/debug/motcua-sim ] \
    || cargo build --locked -p motcua -p motcua-sim --bins
  TMP=$(mktemp -d /tmp/motcua-st.XXXXXX)
  chmod 755 "$TMP"
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
  PGPORT=$(free_port) APPPORT=$(free_port) SIMPORT=$(free_port) SMTPPORT=$(free_port) EIDPORT=$(free_port) STAFFPORT=$(free_port)
  PG_FSYNC=off scripts/pg.sh start "$TMP/pg" "$PGPORT" >/dev/null
  export MOTCUA_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
  # The web UI is not needed: sign-in ends on its start page, which a one-line page stands in for.
  mkdir -p "$TMP/static"
  echo '<!doctype html><title>motcua</title>' >"$TMP/static/index.html"
  export MOTCUA_LISTEN="127.0.0.1:$APPPORT" MOTCUA_PUBLIC_URL="http://127.0.0.1:$APPPORT" \
    MOTCUA_STATIC_DIR="$TMP/static" MOTCUA_OBJECT_DIR="$TMP/objects"
  # Rate limits far above what a run sends (they are tested in integration-tests): waiting out 429s would
  # take most of the run's time.
  export MOTCUA_SIGNIN_PER_MINUTE=100000 MOTCUA_LOOKUPS_PER_MINUTE=100000 MOTCUA_SUBMISSIONS_PER_MINUTE=100000
  SIM_URL="http://127.0.0.1:$SIMPORT"
  export MOTCUA_PLATFORM_URL="$SIM_URL" MOTCUA_PLATFORM_JWKS_URL="$SIM_URL/oauth2/jwks" MOTCUA_PLATFORM_ISSUER="$SIM_URL/oauth2" \
    MOTCUA_SMTP_URL="smtp://127.0.0.1:$SMTPPORT" MOTCUA_SMS_URL="$SIM_URL/sms/send" \
    MOTCUA_EID_ISSUER="http://127.0.0.1:$EIDPORT" MOTCUA_STAFF_ISSUER="http://127.0.0.1:$STAFFPORT"
  MOTCUA_SIM_LISTEN="127.0.0.1:$SIMPORT" MOTCUA_SIM_ISSUER="$SIM_URL/oauth2" MOTCUA_SIM_MOTCUA_URL="$MOTCUA_PUBLIC_URL" \
    MOTCUA_SIM_SMTP_LISTEN="127.0.0.1:$SMTPPORT" MOTCUA_SIM_ACCOUNTS="$ROOT/sim/eid/accounts.json" \
    target/debug/motcua-sim 2>>"$TMP/sim.log" &
  pids+=($!)
  (cd sim/eid && EID_CITIZEN_PORT=$EIDPORT EID_STAFF_PORT=$STAFFPORT \
    EID_REDIRECT_URIS="$MOTCUA_PUBLIC_URL/auth/callback" EID_POST_LOGOUT_REDIRECT_URIS="$MOTCUA_PUBLIC_URL/" \
    exec node server.mjs >>"$TMP/eid.log" 2>&1) &
  pids+=($!)
  for url in "$SIM_URL/healthz" "$MOTCUA_EID_ISSUER/.well-known/openid-configuration"; do
    for _ in $(seq 1 100); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS "$url" >/dev/null || { echo "stand-in not up: $url" >&2; tail -20 "$TMP/sim.log" "$TMP/eid.log"; exit 1; }
  done
  target/debug/motcua migrate 2>>"$TMP/server.log"
  target/debug/motcua seed 2>>"$TMP/server.log"
  target/debug/motcua serve 2>>"$TMP/server.log" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS "http://$MOTCUA_LISTEN/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://$MOTCUA_LISTEN/readyz" >/dev/null || { tail -30 "$TMP/server.log"; exit 1; }
  ST_BASE_URL=$MOTCUA_PUBLIC_URL ST_SIM_URL=$SIM_URL
fi

# Every identity signs in like a browser; each citizen peer then files a dossier of their own, so that the
# lists, the stateful links and the object-level authorization check have real dossiers to work on.
python3 "$HERE/wfc_auth.py" "$ST_BASE_URL" "$ST_SIM_URL" "$REPORTS/wfc-auth.json"
python3 "$HERE/dossiers.py" "$ST_BASE_URL" "$REPORTS/wfc-auth.json"

export ST_WFC_AUTH=$REPORTS/wfc-auth.json ST_REPORTS=$REPORTS ST_HOOKS=$HERE/hooks.py
start=$(date +%s)
status=0
# Two runs: the stateful phase on its own, because after the other phases in the same run it stops after a few
# scenarios (schemathesis 4.32.5), too few to reach the dossiers through the links. Extra arguments go to both.
for phases in examples,coverage,fuzzing stateful; do
  "$ST" --config-file "$HERE/schemathesis.toml" run --phases "$phases" "$ST_BASE_URL/api-docs/openapi.json" "$@" \
    || status=$?
done
echo "schemathesis: $(( $(date +%s) - start ))s, exit $status (reports in ${REPORTS#"$ROOT"/})"
if [ "$status" != 0 ] && [ -n "$TMP" ]; then
  echo "--- server log"; tail -30 "$TMP/server.log"
fi
exit "$status"
