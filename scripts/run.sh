#!/usr/bin/env bash
# `make run`: the whole system on this machine — PostgreSQL (private cluster in .data/), the stand-ins
# for the national systems, migrations, demo data, the web UI — served on one local address.
# Ctrl-C stops everything it started; the database keeps its data for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DATA=${MOTCUA_DATA_DIR:-$ROOT/.data}
PGPORT=${MOTCUA_PG_PORT:-55432}
export MOTCUA_LISTEN=${MOTCUA_LISTEN:-127.0.0.1:8080}
export MOTCUA_PUBLIC_URL=${MOTCUA_PUBLIC_URL:-http://$MOTCUA_LISTEN}
export MOTCUA_DATABASE_URL=${MOTCUA_DATABASE_URL:-postgres://postgres@127.0.0.1:$PGPORT/motcua}
export MOTCUA_SIM_LISTEN=${MOTCUA_SIM_LISTEN:-127.0.0.1:8090}
export MOTCUA_PLATFORM_URL=${MOTCUA_PLATFORM_URL:-http://$MOTCUA_SIM_LISTEN}
export MOTCUA_PLATFORM_JWKS_URL=${MOTCUA_PLATFORM_JWKS_URL:-$MOTCUA_PLATFORM_URL/oauth2/jwks}
export MOTCUA_PLATFORM_ISSUER=${MOTCUA_PLATFORM_ISSUER:-$MOTCUA_PLATFORM_URL/oauth2}
export MOTCUA_SIM_ISSUER=$MOTCUA_PLATFORM_ISSUER
# The portal and payment stand-ins call motcua back (pushed dossiers, the change feed, payment callbacks).
export MOTCUA_SIM_MOTCUA_URL=${MOTCUA_SIM_MOTCUA_URL:-$MOTCUA_PUBLIC_URL}
# Notifications land in the stand-ins: their SMTP sink and SMS gateway.
export MOTCUA_SIM_SMTP_LISTEN=${MOTCUA_SIM_SMTP_LISTEN:-127.0.0.1:2525}
export MOTCUA_SMTP_URL=${MOTCUA_SMTP_URL:-smtp://$MOTCUA_SIM_SMTP_LISTEN}
export MOTCUA_SMS_URL=${MOTCUA_SMS_URL:-http://$MOTCUA_SIM_LISTEN/sms/send}
EID_CITIZEN_PORT=${MOTCUA_EID_PORT:-8101}
EID_STAFF_PORT=${MOTCUA_STAFF_IDP_PORT:-8102}
export MOTCUA_EID_ISSUER=${MOTCUA_EID_ISSUER:-http://127.0.0.1:$EID_CITIZEN_PORT}
export MOTCUA_STAFF_ISSUER=${MOTCUA_STAFF_ISSUER:-http://127.0.0.1:$EID_STAFF_PORT}
export MOTCUA_STATIC_DIR=${MOTCUA_STATIC_DIR:-$ROOT/frontend/build}
export MOTCUA_OBJECT_DIR=${MOTCUA_OBJECT_DIR:-$DATA/objects}
mkdir -p "$DATA/logs"

scripts/deps.sh run

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "==> stopping"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  scripts/pg.sh stop "$DATA/pg" || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM   # Ctrl-C is the normal way to stop: the EXIT trap cleans up

port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
for addr in "$MOTCUA_LISTEN" "$MOTCUA_SIM_LISTEN" "$MOTCUA_SIM_SMTP_LISTEN" "127.0.0.1:$EID_CITIZEN_PORT" "127.0.0.1:$EID_STAFF_PORT"; do
  if port_busy "$addr"; then echo "error: $addr is already in use (another make run?)" >&2; exit 1; fi
done

echo "==> PostgreSQL on 127.0.0.1:$PGPORT (data in $DATA/pg)"
scripts/pg.sh start "$DATA/pg" "$PGPORT"
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'motcua'" | grep -q 1 \
  || psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -qc "CREATE DATABASE motcua"

echo "==> building the server (cargo build)"
cargo build --workspace --bins --quiet
echo "==> building the web UI"
(cd frontend && npm run --silent build >"$DATA/logs/frontend-build.log" 2>&1) || { tail -30 "$DATA/logs/frontend-build.log"; exit 1; }

target/debug/motcua migrate 2>>"$DATA/logs/motcua.log"
target/debug/motcua seed 2>>"$DATA/logs/motcua.log"

echo "==> starting the national-system stand-ins on $MOTCUA_SIM_LISTEN"
# setsid: the terminal's Ctrl-C reaches this script only; its cleanup stops the children in order.
setsid target/debug/motcua-sim 2>>"$DATA/logs/sim.log" &
pids+=($!)

echo "==> starting the eID and staff identity providers (oidc-provider) on ports $EID_CITIZEN_PORT and $EID_STAFF_PORT"
(cd sim/eid && EID_CITIZEN_PORT=$EID_CITIZEN_PORT EID_STAFF_PORT=$EID_STAFF_PORT \
  EID_REDIRECT_URIS="$MOTCUA_PUBLIC_URL/auth/callback" EID_POST_LOGOUT_REDIRECT_URIS="$MOTCUA_PUBLIC_URL/" \
  exec setsid node server.mjs >>"$DATA/logs/eid.log" 2>&1) &
pids+=($!)

echo "==> starting motcua on $MOTCUA_LISTEN (logs: $DATA/logs/motcua.log)"
setsid target/debug/motcua serve 2>>"$DATA/logs/motcua.log" &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://$MOTCUA_LISTEN/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -fsS "http://$MOTCUA_LISTEN/readyz" >/dev/null || { echo "motcua did not become ready; see $DATA/logs/motcua.log" >&2; exit 1; }

cat <<BANNER

  motcua is running — Hệ thống giải quyết thủ tục hành chính

    Web UI (cổng dịch vụ công):  $MOTCUA_PUBLIC_URL/
    API documentation:           $MOTCUA_PUBLIC_URL/api-docs/
    Health / readiness:          $MOTCUA_PUBLIC_URL/healthz  $MOTCUA_PUBLIC_URL/readyz
    National-system stand-ins:   http://$MOTCUA_SIM_LISTEN/healthz  (portal, payment, population; see sim/README.md)
    Notifications sent:          http://$MOTCUA_SIM_LISTEN/_sim/mail  http://$MOTCUA_SIM_LISTEN/_sim/sms
    eID stand-in (citizens):     $MOTCUA_EID_ISSUER   staff sign-in: $MOTCUA_STAFF_ISSUER

  Demo data: a sample province (Thanh Hóa, H56) with its departments and communes, 29 sample
  procedures, demo staff, and the 2026–2027 holiday calendar.

  Demo sign-ins ($MOTCUA_PUBLIC_URL/dang-nhap, then pick an account on the stand-in's page):
    citizens  Nguyễn Văn An (001******345), Trần Thị Bích Ngọc, ... (12 people, one business)
    staff     hacthanh.motcua (clerk), hacthanh.tuphap (officer), hacthanh.chutich (leader),
              stp.motcua, ttphvhcc.motcua, tinh.quantri (system administrator) — see README.md

  Press Ctrl-C to stop everything.
BANNER

wait -n "${pids[@]}"
echo "a process exited unexpectedly; see $DATA/logs/" >&2
exit 1
