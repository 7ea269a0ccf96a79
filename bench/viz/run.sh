#!/bin/sh
# Visualizer benchmark: generate a 1,000,000-event synthetic trace, load and index it, then
# measure troupe-viz frame times in screenshot mode (llvmpipe under xvfb-run), zoomed out and
# zoomed in, with a cached diagram and with a pan on every frame (diagram rebuilt each frame).
#
#   bench/viz/run.sh BUILD_DIR [TRACE] [FRAMES]
#
# Prints one JSON object per line. Goals (issue 6): load < 2 s, < 400 MB; < 16 ms per frame.
set -eu
build=${1:?usage: run.sh BUILD_DIR [TRACE] [FRAMES]}
trace=${2:-/tmp/troupe-viz-1m.jsonl}
frames=${3:-60}
bench="$build/bench/viz/troupe-viz-bench"
viz="$build/visualizer/app/troupe-viz"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

[ -f "$trace" ] || "$bench" generate "$trace" --events 1000000
"$bench" load "$trace"
for size in 1600x900 1280x720; do
  # Zoomed out: the whole trace (merged arrows, one image).
  xvfb-run -a "$viz" "$trace" --screenshot "$out/out.png" --size "$size" --frames "$frames"
  # Zoomed in: 2 ms around 12 s (every message drawn as an arrow).
  xvfb-run -a "$viz" "$trace" --screenshot "$out/in.png" --size "$size" --frames "$frames" \
    --at 12s --span 2ms
  # Worst case: zoomed out and panning every frame, so every frame rebuilds the diagram.
  xvfb-run -a "$viz" "$trace" --screenshot "$out/pan.png" --size "$size" --frames "$frames" --pan
done
echo "{\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"cpus\":$(nproc)}"
