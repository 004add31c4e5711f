#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for `make run` (deps.sh run), `make test` (deps.sh test) or the
# benchmark and reliability scripts (deps.sh bench).
# System packages come from Debian (apt-get, as root or through sudo); npm packages from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  # zbarimg reads back the QR codes printed on the official forms.
  command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
  # schemathesis runs in a virtual environment (Debian's python3 has venv in a package of its own).
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  # Fonts for Chromium's screenshots (without fontconfig's fc-list, ask dpkg).
  for pkg in fonts-dejavu-core fonts-liberation; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
fi
if [ "$mode" = bench ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-client)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages (the web UI, and the eID stand-in): reinstall when the lock file changed since the last install.
for dir in frontend sim/eid; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "==> installing npm packages in $dir (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# schemathesis (scripts/schemathesis/run.sh), pinned with what it pulls in: into target/venv-st, again when the
# pins changed since the last install.
if [ "$mode" = test ]; then
  venv=target/venv-st
  pins=scripts/schemathesis/requirements.txt
  if ! cmp -s "$pins" "$venv/requirements.txt" || [ ! -x "$venv/bin/st" ]; then
    echo "==> installing schemathesis into $venv (pip)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$pins"
    cp "$pins" "$venv/requirements.txt"
  fi
fi
