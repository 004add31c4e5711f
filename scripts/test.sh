#!/usr/bin/env bash
# `make test`: every check and test, against a throwaway PostgreSQL and Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
[ -t 1 ] || export NO_COLOR=1 FORCE_COLOR=0
start=$(date +%s)
step() { echo; echo "==> [$(( $(date +%s) - start ))s] $*"; }

scripts/deps.sh test

TMP=$(mktemp -d /tmp/motcua-test.XXXXXX)
chmod 755 "$TMP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGPORT=$(free_port)
server_pid=""
sim_pid=""
eid_pid=""
cleanup() {
  # (a process killed by SIGTERM waits with status 143: not a failure of the run)
  for pid in "$server_pid" "$sim_pid" "$eid_pid"; do
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
  done
  scripts/pg.sh stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

step "throwaway PostgreSQL on 127.0.0.1:$PGPORT"
PG_FSYNC=off scripts/pg.sh start "$TMP/pg" "$PGPORT"
export MOTCUA_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build (one feature set for the tests and the binaries)"
cargo build --workspace --all-targets --locked

step "Rust tests (unit + integration)"
export MOTCUA_TEST_LOG_FILE="$TMP/api-logs.jsonl"
cargo test --workspace --locked

step "no personal ID number in any log line of the test run"
[ -s "$MOTCUA_TEST_LOG_FILE" ] || { echo "no server logs were captured" >&2; exit 1; }
# 12 digits on their own (a UUID's last group, preceded by '-', is not one).
if grep -nE '(^|[^0-9a-f-])[0-9]{12}([^0-9a-f]|$)' "$MOTCUA_TEST_LOG_FILE" | head -5 | sed -E 's/[0-9]{12}/<12-digit number>/g' | grep .; then
  echo "a 12-digit number (a personal ID?) reached the logs" >&2; exit 1
fi
echo "$(wc -l <"$MOTCUA_TEST_LOG_FILE") log lines checked"

step "data generator: 3,000 dossiers into a seeded database, every invariant of check.sql holds"
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -qc "CREATE DATABASE motcua_generated"
GEN_URL="postgres://postgres@127.0.0.1:$PGPORT/motcua_generated"
MOTCUA_DATABASE_URL="$GEN_URL" target/debug/motcua migrate 2>>"$TMP/generate.log"
MOTCUA_DATABASE_URL="$GEN_URL" target/debug/motcua seed 2>>"$TMP/generate.log"
scripts/generate.sh --database-url "$GEN_URL" --dossiers 3000 --seed 7 >"$TMP/generate.log" 2>&1 \
  || { cat "$TMP/generate.log"; exit 1; }
grep -E '^(generated|database size)' "$TMP/generate.log"
psql "$GEN_URL" -q -v ON_ERROR_STOP=1 -f scripts/generate/check.sql >"$TMP/check.log" 2>&1 \
  || { cat "$TMP/check.log"; exit 1; }
grep -F 'every invariant holds' "$TMP/check.log"
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -qc "DROP DATABASE motcua_generated"

step "eID stand-in self-test (oidc-provider)"
(cd sim/eid && npm test --silent)

step "OpenAPI drift: motcua spec vs api-spec/openapi.json"
target/debug/motcua spec >"$TMP/openapi.json"
diff -u api-spec/openapi.json "$TMP/openapi.json" || { echo "api-spec/openapi.json is stale: run make spec" >&2; exit 1; }

step "frontend: typed API client is current"
(cd frontend && npx --no-install openapi-typescript ../api-spec/openapi.json -o "$TMP/schema.d.ts" >/dev/null)
diff -u frontend/src/lib/api/schema.d.ts "$TMP/schema.d.ts" || { echo "frontend/src/lib/api/schema.d.ts is stale: run make spec" >&2; exit 1; }

step "frontend: svelte-check"
(cd frontend && npm run --silent check)

step "frontend: unit tests"
(cd frontend && npm run --silent test:unit)

step "frontend: build"
(cd frontend && npm run --silent build >"$TMP/frontend-build.log" 2>&1) || { cat "$TMP/frontend-build.log"; exit 1; }

step "frontend: JavaScript of the citizen pages within 150 KB gzipped"
(cd frontend && node scripts/js-size.mjs)

step "browser tests in Chromium (smoke, citizen journey) against the whole system and its stand-ins"
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -qc "CREATE DATABASE motcua_browser"
export MOTCUA_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/motcua_browser"
APPPORT=$(free_port) SIMPORT=$(free_port) SMTPPORT=$(free_port) EIDPORT=$(free_port) STAFFPORT=$(free_port)
export MOTCUA_LISTEN="127.0.0.1:$APPPORT" MOTCUA_PUBLIC_URL="http://127.0.0.1:$APPPORT" \
  MOTCUA_STATIC_DIR="$ROOT/frontend/build" MOTCUA_OBJECT_DIR="$TMP/objects"
SIM_URL="http://127.0.0.1:$SIMPORT"
export MOTCUA_PLATFORM_URL="$SIM_URL" MOTCUA_PLATFORM_JWKS_URL="$SIM_URL/oauth2/jwks" MOTCUA_PLATFORM_ISSUER="$SIM_URL/oauth2" \
  MOTCUA_SMTP_URL="smtp://127.0.0.1:$SMTPPORT" MOTCUA_SMS_URL="$SIM_URL/sms/send" \
  MOTCUA_EID_ISSUER="http://127.0.0.1:$EIDPORT" MOTCUA_STAFF_ISSUER="http://127.0.0.1:$STAFFPORT"
MOTCUA_SIM_LISTEN="127.0.0.1:$SIMPORT" MOTCUA_SIM_ISSUER="$SIM_URL/oauth2" MOTCUA_SIM_MOTCUA_URL="$MOTCUA_PUBLIC_URL" \
  MOTCUA_SIM_SMTP_LISTEN="127.0.0.1:$SMTPPORT" MOTCUA_SIM_ACCOUNTS="$ROOT/sim/eid/accounts.json" \
  target/debug/motcua-sim 2>>"$TMP/sim.log" &
sim_pid=$!
(cd sim/eid && EID_CITIZEN_PORT=$EIDPORT EID_STAFF_PORT=$STAFFPORT \
  EID_REDIRECT_URIS="$MOTCUA_PUBLIC_URL/auth/callback" EID_POST_LOGOUT_REDIRECT_URIS="$MOTCUA_PUBLIC_URL/" \
  exec node server.mjs >>"$TMP/eid.log" 2>&1) &
eid_pid=$!
for url in "$SIM_URL/healthz" "$MOTCUA_EID_ISSUER/.well-known/openid-configuration"; do
  for _ in $(seq 1 100); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "$url" >/dev/null || { echo "stand-in not up: $url" >&2; tail -20 "$TMP/sim.log" "$TMP/eid.log"; exit 1; }
done
target/debug/motcua migrate 2>>"$TMP/server.log"
target/debug/motcua seed 2>>"$TMP/server.log"
target/debug/motcua seed 2>>"$TMP/server.log"   # twice: seeding is idempotent
target/debug/motcua verify-audit
# Rate limits far above what the browser tests and schemathesis send (integration-tests test the limits): waiting
# out 429s would take most of schemathesis' time.
MOTCUA_SIGNIN_PER_MINUTE=100000 MOTCUA_LOOKUPS_PER_MINUTE=100000 MOTCUA_SUBMISSIONS_PER_MINUTE=100000 \
  target/debug/motcua serve 2>>"$TMP/server.log" &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://$MOTCUA_LISTEN/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
(cd frontend && BASE_URL="http://$MOTCUA_LISTEN" SIM_URL="$SIM_URL" ARTIFACTS_DIR="$ROOT/target/artifacts" \
  npm run --silent test:browser) \
  || { echo "--- server log"; tail -50 "$TMP/server.log"; echo "--- sim log"; tail -20 "$TMP/sim.log"; exit 1; }

step "schemathesis against the served OpenAPI document (every check, fixed seed, bounded budget)"
ST_BASE_URL="http://$MOTCUA_LISTEN" ST_SIM_URL="$SIM_URL" scripts/schemathesis/run.sh \
  || { echo "--- server log"; tail -50 "$TMP/server.log"; exit 1; }

step "verify-audit names a tampered entry"
target/debug/motcua verify-audit
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d motcua_browser -qc \
  "BEGIN; SET LOCAL session_replication_role = replica; UPDATE audit_log SET details = '{\"tampered\": true}' WHERE seq = 3; COMMIT;"
if out=$(target/debug/motcua verify-audit); then
  echo "verify-audit did not notice the tampered entry: $out" >&2; exit 1
fi
echo "$out"
case "$out" in *"entry 3"*) ;; *) echo "verify-audit named the wrong entry: $out" >&2; exit 1 ;; esac

step "all checks passed"
