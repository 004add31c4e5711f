#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ (the parsers of hostile input: dossier codes, e-form schemas and
# answers, the national portal's payloads, uploaded files and their names) for SECS seconds each.
#
#   scripts/fuzz.sh [--secs 30] [--rss-limit-mb 2048] [--target NAME]...
#
# Installs cargo-fuzz (pinned) and the `nightly` toolchain (rustup) when they are missing. The seeds in
# fuzz/corpus/<target>/ are read only; what the fuzzer finds goes to fuzz/target/corpus/<target>/ and a crash
# to fuzz/artifacts/<target>/ (both ignored by git). Prints one line per target (target, runs executed,
# result) and a closing count; exits 1 when any target crashed, hung, ran out of memory or did not build.
set -uo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.1
SECS=30
RSS_MB=2048
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --secs) SECS=${2:?--secs needs a number}; shift 2 ;;
    --secs=*) SECS=${1#--secs=}; shift ;;
    --rss-limit-mb) RSS_MB=${2:?--rss-limit-mb needs a number}; shift 2 ;;
    --target) TARGETS+=("${2:?--target needs a name}"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$SECS" in ''|*[!0-9]*) echo "fuzz.sh: --secs must be a whole number of seconds" >&2; exit 2 ;; esac
case "$RSS_MB" in ''|*[!0-9]*) echo "fuzz.sh: --rss-limit-mb must be a whole number" >&2; exit 2 ;; esac

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing the nightly toolchain (cargo-fuzz needs it for the sanitizer)"
  command -v rustup >/dev/null && nice -n 10 rustup toolchain install nightly --profile minimal || {
    echo "fuzz.sh: the nightly toolchain is needed and cannot be installed (rustup toolchain install nightly)" >&2
    exit 2
  }
fi
if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
  echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION"
  nice -n 10 cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked || {
    echo "fuzz.sh: cannot install cargo-fuzz" >&2
    exit 2
  }
fi

cd fuzz
LOGS=target/fuzz-logs
mkdir -p "$LOGS"
echo "fuzz.sh: building the targets (cargo +nightly fuzz build)"
if ! nice -n 10 cargo +nightly fuzz build >"$LOGS/build.log" 2>&1; then
  tail -40 "$LOGS/build.log" >&2
  echo "fuzz: build FAILED (fuzz/$LOGS/build.log)"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
  mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi

passed=0
failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "target/corpus/$t" "corpus/$t"
  log="$LOGS/$t.log"
  nice -n 10 cargo +nightly fuzz run "$t" "target/corpus/$t" "corpus/$t" -- \
    -max_total_time="$SECS" -rss_limit_mb="$RSS_MB" -timeout=10 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  [ -n "$runs" ] || runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' | tail -1)
  [ -n "$runs" ] || runs=$(grep -Eo '^#[0-9]+' "$log" | tr -d '#' | tail -1)
  [ -n "$runs" ] || runs=0
  if [ $rc -eq 0 ]; then
    result=ok
    passed=$((passed + 1))
  else
    kind=$(grep -Eo 'ERROR: libFuzzer: [a-z-]+|panicked at [^ ]+' "$log" | head -1)
    artifact=$(grep -Eo 'Test unit written to [^ ]+' "$log" | head -1 | sed 's/Test unit written to //')
    result="FAILED (exit $rc${kind:+: $kind}${artifact:+; input $artifact}; log fuzz/$log)"
    failed=$((failed + 1))
  fi
  printf 'fuzz: %-22s runs %-10s %s\n' "$t" "$runs" "$result"
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
