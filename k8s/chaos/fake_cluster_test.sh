#!/bin/sh
# `troupe k8s --apply` against k8s/chaos/fake_kubectl.py: the generated StatefulSets' own
# command lines run as real `troupe node` processes on 127.0.0.1, the faults that change
# pods (kill, stop, scale) are played on them, the traces are collected from the pods'
# "claims", merged and checked. Exit: troupe k8s's, or 1 when an expected trace file (a
# path under the collect folder, e.g. traces/kv-0/trace-2.jsonl) is missing.
# Usage: fake_cluster_test.sh TROUPE SCENARIO [EXPECTED_FILE...]
set -u
troupe=$1
scenario=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
export FAKE_K8S_DIR="$work/state" FAKE_K8S_TROUPE="$troupe"
cleanup() {
  "$here/fake_kubectl.py" kill-all >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$troupe" k8s "$scenario" --namespace fake --apply --kubectl "$here/fake_kubectl.py" \
  --collect "$work/run" --trace "$work/merged.trace.jsonl"
code=$?
for file in "$@"; do
  if [ ! -s "$work/run/$file" ]; then
    echo "fake cluster: $file was not collected"
    # The pod's own output (a scaled-away pod's is not among the collected logs).
    pod=$(echo "$file" | cut -d/ -f2)
    [ -f "$FAKE_K8S_DIR/logs/$pod.log" ] && grep -v '^troupe-net' "$FAKE_K8S_DIR/logs/$pod.log" | tail -20
    [ "$code" -eq 0 ] && code=1
  fi
done
exit "$code"
