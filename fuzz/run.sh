#!/usr/bin/env bash
# Build the fuzz targets and run each for a bounded time; any crash, hang
# (an input over 10 s) or out-of-memory (over 2 GiB) fails the run.
#
#   fuzz/run.sh                      # every target, 30 s each (what CI runs)
#   fuzz/run.sh 3600 signins rules   # longer, chosen targets
#   FUZZ_RUNS=1000000 fuzz/run.sh 0 session   # a number of executions instead of a time
#   FUZZ_MAX_LEN=8192 fuzz/run.sh 600 rules   # smaller inputs, more executions per second
#
# On the stable toolchain, without nightly or cargo-fuzz: libFuzzer comes from
# the libfuzzer-sys crate (built with the machine's C++ compiler) and
# coverage from LLVM's sanitizer-coverage pass. The corpus grows in
# fuzz/corpus/TARGET (seeded from the repository's fixtures, examples and
# ../shared/data when present); a failing input is kept in fuzz/artifacts/TARGET/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
secs="${1:-30}"
shift || true
all=(signins triage audit rules org case session guide_lines)
targets=("${@:-${all[@]}}")
if [ "$#" -eq 0 ]; then targets=("${all[@]}"); fi
triple=x86_64-unknown-linux-gnu

export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
cargo build --locked --release --quiet --manifest-path "$here/Cargo.toml" --target "$triple"
bin="$here/target/$triple/release"

# Seeds: each file once, under the name of its content's hash (so re-seeding adds nothing twice).
seed() { # seed TARGET PREFIX-BYTE-OR-EMPTY FILE...
  local t="$1" prefix="$2"; shift 2
  mkdir -p "$here/corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    local tmp; tmp="$(mktemp)"
    if [ -n "$prefix" ]; then printf "$prefix" >"$tmp"; fi
    cat "$f" >>"$tmp"
    mv "$tmp" "$here/corpus/$t/seed-$(sha1sum <"$tmp" | cut -c1-16)"
  done
}
shopt -s nullglob globstar
logs=("$root"/tests/fixtures/**/*.json "$root"/tests/fixtures/**/*.jsonl "$root"/tests/fixtures/**/*.csv "$root"/examples/**/*.json)
samples=("$root"/../shared/data/entra-samples/**/*.json "$root"/../shared/data/entra-samples/**/*.jsonl)
small=()
for f in "${logs[@]}" "${samples[@]}"; do
  if [ "$(wc -c <"$f")" -le 65536 ]; then small+=("$f"); fi
done
seed signins '\000' "${small[@]}"
seed signins '\002' "$root"/tests/fixtures/csv/*.csv
seed triage '' "${small[@]}"
seed audit '' "$root"/tests/fixtures/**/audit*.json "$root"/examples/**/audit.json "$root"/tests/fixtures/csv/*audit*.csv "$root"/../shared/data/entra-samples/**/*udit*.json
seed rules '\000' "$root"/rules/*.ron
seed rules '\001' "$root"/rules/00-triage.ron
seed rules '\021' "$root"/rules/10-mfa.ron
seed org '' "$root"/examples/org.ron "$root"/tests/fixtures/**/*.ron
seed case '' "$root"/tests/cases/*.ron
mkdir -p "$here/corpus/guide_lines"
printf 'no\nyes\nyes\n' >"$here/corpus/guide_lines/seed-walk"
printf 'note caller rang back\nsms-call\nback prompt-seen\nprompt-seen=no\nsave\nyes\nquit\n' >"$here/corpus/guide_lines/seed-commands"
# Sessions as guide saves them, when the command line has been built.
cli="$root/target/debug/signin-doctor"
[ -x "$cli" ] || cli="$root/target/release/signin-doctor"
if [ -x "$cli" ]; then
  mkdir -p "$here/corpus/session"
  key="$(mktemp)"; rm -f "$key"
  i=0
  for answers in 'quit' 'no\nquit' 'no\nyes\nquit' 'no\nyes\nyes'; do
    i=$((i + 1))
    printf "$answers\n" | SIGNIN_DOCTOR_KEY_FILE="$key" "$cli" guide --signin "$root/examples/stale-authenticator/signin.json" \
      --audit "$root/examples/stale-authenticator/audit.json" --org "$root/examples/org.ron" --save "$here/corpus/session/seed-$i.json" >/dev/null 2>&1 || true
  done
  rm -f "$key"
fi

status=0
for t in "${targets[@]}"; do
  mkdir -p "$here/artifacts/$t" "$here/corpus/$t"
  limit=(-max_total_time="$secs")
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); fi
  log="$here/artifacts/$t/last-run.log"
  if "$bin/$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-262144}" -print_final_stats=1 \
       -artifact_prefix="$here/artifacts/$t/" "$here/corpus/$t" >"$log" 2>&1; then
    runs="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')"
    cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1)"
    echo "fuzz $t: ok, ${runs:-?} executions, ${cov:-cov: ?}"
  else
    echo "fuzz $t: FAILED (see $log and the input in $here/artifacts/$t/)"
    grep -E 'ERROR|panicked|SUMMARY|Test unit written' "$log" | head -20 || true
    status=1
  fi
done
exit "$status"
