#!/bin/sh
# Runs the runtime benchmark against the CAF peer side by side and prints the ratios.
#
#   bench/compare.sh [--threads T] [--n N]
#
# Builds CAF's peer (../shared/peers/caf, or $CAF_PEER) into a temporary directory and
# troupe-bench into the Release tree build-bench (or $BUILD_DIR), then runs each workload
# (pingpong, fanin, spawn; or $WORKLOADS) RUNS times (default 3), alternating troupe and CAF
# so that both see the same machine load. Arguments go to both programs (default
# --threads 2). Prints one JSON line per workload on stdout with the median of every figure
# for both peers and the ratio troupe/CAF; the raw lines of every run go to stderr.
# Builds use at most $JOBS (default 2) parallel jobs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
caf_src=${CAF_PEER:-$(cd "$root/../shared/peers/caf" 2>/dev/null && pwd || echo /work/shared/peers/caf)}
build=${BUILD_DIR:-$root/build-bench}
runs=${RUNS:-3}
jobs=${JOBS:-2}
workloads=${WORKLOADS:-pingpong fanin spawn}
[ "$#" -gt 0 ] || set -- --threads 2

caf_build=$(mktemp -d "${TMPDIR:-/tmp}/cafbench.XXXXXX")
raw=$(mktemp "${TMPDIR:-/tmp}/troupe-compare.XXXXXX")
trap 'rm -rf "$caf_build" "$raw"' EXIT INT TERM

echo "building the CAF peer in $caf_build" >&2
cmake -S "$caf_src" -B "$caf_build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$caf_build" -j "$jobs" >/dev/null
echo "building troupe-bench in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTROUPE_SUBDIRS="runtime;bench" \
  -DTROUPE_BUILD_BENCH=ON -DTROUPE_BUILD_VISUALIZER=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target troupe-bench >/dev/null

# The conditions of the run, for the record (docs/performance.md quotes them).
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} >&2

for w in $workloads; do
  i=0
  while [ "$i" -lt "$runs" ]; do
    # Alternate which peer goes first, so that neither always runs on a warmer machine.
    if [ $((i % 2)) -eq 0 ]; then order="troupe caf"; else order="caf troupe"; fi
    for peer in $order; do
      if [ "$peer" = troupe ]; then
        line=$("$build/bench/runtime/troupe-bench" "$w" "$@")
      else
        line=$("$caf_build/bench" "$w" "$@")
      fi
      echo "$line" >&2
      echo "$line" >>"$raw"
    done
    i=$((i + 1))
  done
done

python3 - "$raw" $workloads <<'PY'
import json, statistics, sys

# Figures compared per workload, and the goals of issue 2 on the 2-core machine:
# (figure, bound on the ratio troupe/CAF or on troupe's absolute value, kind).
goals = {
    "pingpong": [("msgs_per_s", 3.0, "ratio_at_least")],
    "fanin": [("msgs_per_s", 2.0, "ratio_at_least")],
    "spawn": [("actors_per_s", 2.0, "ratio_at_least"),
              ("rss_bytes_per_actor", 400.0, "troupe_at_most")],
}
figures = {
    "pingpong": ["msgs_per_s", "rtt_ns", "seconds"],
    "fanin": ["msgs_per_s", "seconds"],
    "spawn": ["actors_per_s", "seconds", "lifecycle_seconds", "rss_bytes_per_actor"],
}

raw_path, workloads = sys.argv[1], sys.argv[2:]
runs = {}
with open(raw_path) as f:
    for line in f:
        record = json.loads(line)
        runs.setdefault((record["workload"], record["peer"]), []).append(record)

for workload in workloads:
    out = {"workload": workload}
    medians = {}
    for peer in ("troupe", "caf"):
        records = runs.get((workload, peer), [])
        medians[peer] = {k: statistics.median(r[k] for r in records) for k in figures[workload]}
        out["runs"] = len(records)
        out["threads"] = records[0]["threads"] if records else None
    for peer in ("troupe", "caf"):
        out[peer] = {k: round(v, 6 if v < 100 else 1) for k, v in medians[peer].items()}
    out["ratio"] = {k: round(medians["troupe"][k] / medians["caf"][k], 3)
                    for k in figures[workload] if medians["caf"][k]}
    verdicts = []
    for figure, bound, kind in goals[workload]:
        if kind == "ratio_at_least":
            value = out["ratio"].get(figure, 0.0)
            met = value >= bound
            text = f"{figure} troupe/caf >= {bound:g}"
        else:
            value = medians["troupe"][figure]
            met = value <= bound
            text = f"{figure} <= {bound:g}"
        verdicts.append({"goal": text, "value": round(value, 3), "met": met})
    out["goals"] = verdicts
    print(json.dumps(out, separators=(",", ":")))
PY
