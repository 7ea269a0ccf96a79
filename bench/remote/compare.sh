#!/bin/sh
# Runs the `remote` workload of troupe and of the CAF peer side by side and prints ratios.
#
#   bench/remote/compare.sh [--threads T] [--n N] [--rtt R]
#
# Builds CAF's peer (../shared/peers/caf, or $CAF_PEER) into a temporary directory and
# troupe-remote-bench into the Release tree build-bench-remote (or $BUILD_DIR), then runs
# both RUNS times (default 3), alternating which goes first so that both see the same machine
# load. Arguments go to both programs (default --threads 2). Prints the raw JSON lines on
# stderr and one JSON line on stdout: the medians of both, the ratios troupe/CAF, and the
# goals of issue 4 (throughput at least 5x CAF's, round trip at most half of CAF's).
# Builds use at most $JOBS (default 2) parallel jobs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
caf_src=${CAF_PEER:-$(cd "$root/../shared/peers/caf" 2>/dev/null && pwd || echo /work/shared/peers/caf)}
build=${BUILD_DIR:-$root/build-bench-remote}
runs=${RUNS:-3}
jobs=${JOBS:-2}
[ "$#" -gt 0 ] || set -- --threads 2

caf_build=$(mktemp -d "${TMPDIR:-/tmp}/cafbench.XXXXXX")
raw=$(mktemp "${TMPDIR:-/tmp}/troupe-remote-compare.XXXXXX")
trap 'rm -rf "$caf_build" "$raw"' EXIT INT TERM

echo "building the CAF peer in $caf_build" >&2
cmake -S "$caf_src" -B "$caf_build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$caf_build" -j "$jobs" >/dev/null
echo "building troupe-remote-bench in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTROUPE_SUBDIRS="runtime;bench" \
  -DTROUPE_BUILD_BENCH=ON -DTROUPE_BUILD_VISUALIZER=OFF -DTROUPE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target troupe-remote-bench >/dev/null

i=0
while [ "$i" -lt "$runs" ]; do
  if [ $((i % 2)) -eq 0 ]; then order="troupe caf"; else order="caf troupe"; fi
  for peer in $order; do
    if [ "$peer" = troupe ]; then
      line=$("$build/bench/remote/troupe-remote-bench" remote "$@" 2>/dev/null)
    else
      line=$("$caf_build/bench" remote "$@" 2>/dev/null)
    fi
    echo "$line" >&2
    echo "$line" >>"$raw"
  done
  i=$((i + 1))
done

python3 - "$raw" <<'PY'
import json, statistics, sys

figures = ["msgs_per_s", "rtt_us", "seconds"]
runs = {}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            record = json.loads(line)
            runs.setdefault(record["peer"], []).append(record)
out = {"workload": "remote", "runs": len(runs.get("troupe", [])),
       "threads": runs["troupe"][0]["threads"]}
medians = {peer: {k: statistics.median(r[k] for r in runs[peer]) for k in figures}
           for peer in ("troupe", "caf")}
for peer in ("troupe", "caf"):
    out[peer] = {k: round(v, 6 if v < 100 else 1) for k, v in medians[peer].items()}
out["ratio"] = {k: round(medians["troupe"][k] / medians["caf"][k], 3) for k in figures}
throughput = out["ratio"]["msgs_per_s"]
rtt = out["ratio"]["rtt_us"]
out["goals"] = [
    {"goal": "msgs_per_s troupe/caf >= 5", "value": throughput, "met": throughput >= 5.0},
    {"goal": "rtt_us troupe/caf <= 0.5", "value": rtt, "met": rtt <= 0.5},
]
print(json.dumps(out, separators=(",", ":")))
PY
