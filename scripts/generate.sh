#!/usr/bin/env bash
# Fills a migrated and seeded motcua database with a realistic province: see scripts/generate/README.md.
#   scripts/generate.sh --dossiers 200000 [--end yyyy-mm-dd] [--seed 1] [--database-url postgres://...]
set -euo pipefail
exec python3 "$(dirname "$0")/generate/generate.py" "$@"
