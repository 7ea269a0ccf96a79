#!/bin/sh
# Runs every built wire fuzzer for a bounded time; builds nothing. POSIX sh (CI calls it
# with `sh`).
#
#   runtime/wire/fuzz/run.sh BUILD_DIR SECONDS [WORK_DIR]
#
# BUILD_DIR is a build configured with -DTROUPE_BUILD_FUZZ=ON (clang) in which the target
# troupe_wire_fuzzers was built. Each fuzzer runs SECONDS seconds on one core, starting from
# the seed corpus troupe_wire_fuzz_seeds writes. Corpora and crash inputs go to WORK_DIR
# (default: a new temporary directory, kept and printed). Exit status: 0 if every fuzzer ran
# its time without a crash, 1 if any crashed (its input is in WORK_DIR/<fuzzer>/crash-*),
# 2 on bad usage or a fuzzer missing from BUILD_DIR.
set -u

usage() {
  echo "usage: $0 BUILD_DIR SECONDS [WORK_DIR]" >&2
  exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
build_dir=$1
seconds=$2
case "$seconds" in
  ''|*[!0-9]*|0*) echo "SECONDS must be a positive integer, got '$seconds'" >&2; exit 2 ;;
esac
fuzz_dir="$build_dir/runtime/wire/fuzz"
work_dir=${3:-$(mktemp -d -t troupe-wire-fuzz.XXXXXX)}
fuzzers="frame_decoder_fuzz handshake_server_fuzz envelope_decode_fuzz"

for program in $fuzzers troupe_wire_fuzz_seeds; do
  if [ ! -x "$fuzz_dir/$program" ]; then
    echo "missing $fuzz_dir/$program: build target troupe_wire_fuzzers with TROUPE_BUILD_FUZZ=ON" >&2
    exit 2
  fi
done

mkdir -p "$work_dir/seeds"
"$fuzz_dir/troupe_wire_fuzz_seeds" "$work_dir/seeds" || exit 2

failed=0
for fuzzer in $fuzzers; do
  out="$work_dir/$fuzzer"
  mkdir -p "$out/corpus"
  echo "== $fuzzer: ${seconds}s"
  # The new corpus directory comes first: libFuzzer writes what it learns there.
  "$fuzz_dir/$fuzzer" "$out/corpus" "$work_dir/seeds/$fuzzer" \
      -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$out/" \
      >"$out/log" 2>&1
  status=$?
  grep -E "^Done |stat::number_of_executed_units|stat::peak_rss_mb" "$out/log" | sed 's/^/   /'
  if [ "$status" -ne 0 ]; then
    echo "   FAILED (exit $status); log: $out/log; crash input:" \
        $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null)
    grep -E "property violated|ERROR:|SUMMARY:" "$out/log" | head -5 | sed 's/^/   /'
    failed=1
  fi
done
echo "work dir: $work_dir"
exit $failed
