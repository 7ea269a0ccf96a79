#!/bin/sh
# troupe-node as PID 1 of its own PID namespace, as in a container started from
# k8s/Containerfile's exec-form ENTRYPOINT: SIGTERM sent from outside (as the kubelet's
# runtime does) must start the graceful shutdown, and the node must exit 0.
# Usage: k8s/pid1_sigterm_test.sh TROUPE_NODE   Exit 0 pass, 1 fail, 77 skipped (not root).
set -eu
node=${1:?usage: pid1_sigterm_test.sh TROUPE_NODE}
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
  echo "skipped: needs root and unshare (util-linux)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'pid1-test-secret\n' >"$work/secret"
unshare --pid --fork "$node" --name=pid1 --listen=127.0.0.1:0 --secret-file="$work/secret" \
  --grace=2s >"$work/out" 2>"$work/err" &
outer=$!
# Wait for the node (the child of unshare) to listen.
child=""
for _ in $(seq 1 50); do
  child=$(pgrep -P "$outer" || true)
  [ -n "$child" ] && grep -q "listening on" "$work/out" 2>/dev/null && break
  sleep 0.1
done
[ -n "$child" ] || { echo "FAILED: the node did not start"; cat "$work/err"; exit 1; }
nspid=$(awk '/^NSpid:/ {print $NF}' "/proc/$child/status")
[ "$nspid" = 1 ] || { echo "FAILED: the node is PID $nspid in its namespace, not 1"; exit 1; }
kill -TERM "$child"
code=0
wait "$outer" || code=$?
if [ "$code" = 0 ] && grep -q "SIGTERM, shutting down" "$work/err"; then
  echo "pid1 sigterm: 1 passed, 0 failed"
  exit 0
fi
echo "FAILED: exit $code"
cat "$work/err"
echo "pid1 sigterm: 0 passed, 1 failed"
exit 1
