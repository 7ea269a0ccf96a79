#!/bin/bash
# A first local pod cluster for `troupe pods` (docs/kubernetes.md, "Local pods"): real
# troupe-node processes, each in a network namespace of its own with its own IP, joined by
# a bridge, and faults played for real: partitions with iptables DROP rules inside the pods'
# namespaces, kill (SIGKILL), stop (SIGTERM), restart, pause/resume (SIGSTOP/SIGCONT).
#
# Everything it creates is named trp-<run>-*: one "hub" namespace holding the bridge
# (nothing changes in the host's own namespace), one namespace per pod, veth pairs created
# straight inside them. All of it is removed on exit, also on Ctrl-C and SIGTERM (trap).
# Needs root, iproute2 and iptables.
#
#   k8s/pods/pods.sh selftest [--pods 3]        # the end-to-end check below, exit 0 when it holds
#   k8s/pods/pods.sh shell --pods 3 [--app ping]  # start pods, print how to poke them, wait for Ctrl-C
# TROUPE_NODE=path/to/troupe-node (default: troupe-node on PATH, then build trees).
# Exit codes: 0 the selftest held, 1 a check failed, 2 bad usage, 77 not root (skipped).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=trp-$$
hub=$run-hub
subnet=10.213.0
port=7355
logs=""
declare -a pod_names=() pod_ns=() pod_ip=() pod_pid=()

log() { printf '[pods %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

find_node() {
  if [ -n "${TROUPE_NODE:-}" ]; then echo "$TROUPE_NODE"; return; fi
  if command -v troupe-node >/dev/null 2>&1; then command -v troupe-node; return; fi
  for candidate in "$root"/build*/runtime/net/troupe-node "$root"/build*/*/runtime/net/troupe-node; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  die "troupe-node not found: build it (cmake --build BUILD --target troupe-node) or set TROUPE_NODE"
}

cleanup() {
  local status=$? i ns pid
  trap - EXIT INT TERM
  for i in "${!pod_pid[@]}"; do
    local pid=${pod_pid[$i]}
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  # Anything else still running in our namespaces (a pid we lost track of) goes too.
  for ns in "${pod_ns[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in "${pod_ns[@]}" "$hub"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -n "$logs" ] && [ "${KEEP_LOGS:-0}" != 1 ]; then rm -rf "$logs"; fi
  exit "$status"
}

# create_network N: the hub with the bridge, N pod namespaces kv-0..kv-N-1 on it.
create_network() {
  local n=$1 i
  ip netns add "$hub"
  ip -n "$hub" link add trp-br0 type bridge
  ip -n "$hub" link set trp-br0 up
  for ((i = 0; i < n; i++)); do
    local name=kv-$i ns=$run-kv-$i ip=$subnet.$((10 + i))
    pod_names[i]=$name
    pod_ns[i]=$ns
    pod_ip[i]=$ip
    pod_pid[i]=""
    ip netns add "$ns"
    ip link add "trp-v$i" netns "$hub" type veth peer name eth0 netns "$ns"
    ip -n "$hub" link set "trp-v$i" master trp-br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

seeds() {
  local out="" ip
  for ip in "${pod_ip[@]}"; do out+="${out:+,}$ip:$port"; done
  echo "$out"
}

# start_pod I APP: troupe-node in pod I's namespace, output in $logs/kv-I.{out,err}
# (appended across restarts).
start_pod() {
  local i=$1 app=$2
  ip netns exec "${pod_ns[$i]}" "$node_bin" --name "${pod_names[$i]}" \
    --listen "${pod_ip[$i]}:$port" --seeds "$(seeds)" --secret-file "$logs/secret" \
    --app "$app" --grace 5s >>"$logs/${pod_names[$i]}.out" 2>>"$logs/${pod_names[$i]}.err" &
  pod_pid[i]=$!
  log "started ${pod_names[$i]} (pid ${pod_pid[$i]}) on ${pod_ip[$i]}:$port"
}

kill_pod() {  # SIGKILL, as a crash
  local i=$1
  kill -KILL "${pod_pid[$i]}" 2>/dev/null || true
  wait "${pod_pid[$i]}" 2>/dev/null || true
  pod_pid[i]=""
  log "killed ${pod_names[$i]}"
}

last_exit=0
stop_pod() {  # SIGTERM, then SIGKILL after the grace period; the exit code in $last_exit
  local i=$1 grace=${2:-7}
  local pid=${pod_pid[$i]} code=0 t
  kill -TERM "$pid" 2>/dev/null || true
  for ((t = 0; t < grace * 10; t++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" || code=$?
  pod_pid[i]=""
  log "stopped ${pod_names[$i]} (exit $code)"
  last_exit=$code
}

pause_pod() { kill -STOP "${pod_pid[$1]}"; log "paused ${pod_names[$1]}"; }
resume_pod() { kill -CONT "${pod_pid[$1]}"; log "resumed ${pod_names[$1]}"; }

# partition "0" "1 2": DROP both ways between the two groups, inside each pod's namespace.
partition() {
  local a=$1 b=$2 i j
  for i in $a; do
    for j in $b; do
      ip netns exec "${pod_ns[$i]}" iptables -A INPUT -s "${pod_ip[$j]}" -j DROP
      ip netns exec "${pod_ns[$i]}" iptables -A OUTPUT -d "${pod_ip[$j]}" -j DROP
      ip netns exec "${pod_ns[$j]}" iptables -A INPUT -s "${pod_ip[$i]}" -j DROP
      ip netns exec "${pod_ns[$j]}" iptables -A OUTPUT -d "${pod_ip[$i]}" -j DROP
    done
  done
  log "partition {$a} | {$b}"
}

heal() {
  local ns
  for ns in "${pod_ns[@]}"; do
    ip netns exec "$ns" iptables -F INPUT
    ip netns exec "$ns" iptables -F OUTPUT
  done
  log "heal"
}

# wait_for FILE PATTERN SECONDS [FROM_LINE]: a line matching PATTERN after line FROM_LINE.
wait_for() {
  local file=$1 pattern=$2 seconds=$3 from=${4:-0} t
  for ((t = 0; t < seconds * 10; t++)); do
    if tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -q -- "$pattern"; then return 0; fi
    sleep 0.1
  done
  log "timed out after ${seconds}s waiting for '$pattern' in $file"
  return 1
}
lines() { wc -l <"$1" 2>/dev/null || echo 0; }

passed=0
failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); log "ok: $what"; else failed=$((failed + 1)); log "FAILED: $what"; fi
}

selftest() {
  local n=$1 i j
  [ "$n" -ge 3 ] || die "selftest needs --pods 3 or more"
  create_network "$n"
  for ((i = 0; i < n; i++)); do start_pod "$i" ping; done
  local out1=$logs/kv-1.out err1=$logs/kv-1.err out0=$logs/kv-0.out

  # Every pod answers every other pod's pings over the bridge.
  for ((i = 0; i < n; i++)); do
    for ((j = 0; j < n; j++)); do
      [ "$i" = "$j" ] && continue
      check "kv-$i gets replies from kv-$j" wait_for "$logs/kv-$i.out" "reply from kv-$j:" 15
    done
  done

  # Partition kv-0 from the rest: the others declare it down, and keep talking.
  partition 0 "$(seq -s ' ' 1 $((n - 1)))"
  local mark1 mark0
  mark1=$(lines "$err1")
  check "kv-1 declares kv-0 down behind the partition" wait_for "$err1" "node kv-0 is down" 20 "$mark1"
  mark1=$(lines "$out1")
  check "kv-1 still gets replies from kv-2" wait_for "$out1" "reply from kv-2:" 5 "$mark1"
  mark0=$(lines "$out0")
  sleep 2
  check "kv-0 gets no replies behind the partition" \
    bash -c "! tail -n +$((mark0 + 1)) '$out0' | grep -q 'reply from'"

  # Heal: kv-0 is back (redialled within the 5 s backoff bound).
  heal
  mark1=$(lines "$out1")
  check "kv-1 gets replies from kv-0 after the heal" wait_for "$out1" "reply from kv-0:" 20 "$mark1"

  # Kill kv-2 (SIGKILL, no goodbye) and restart it: a new incarnation is used again.
  kill_pod 2
  mark1=$(lines "$err1")
  check "kv-1 declares the killed kv-2 down" wait_for "$err1" "node kv-2 is down" 20 "$mark1"
  start_pod 2 ping
  mark1=$(lines "$out1")
  check "kv-1 gets replies from the restarted kv-2" wait_for "$out1" "reply from kv-2:" 20 "$mark1"

  # Pause kv-2 (SIGSTOP): heartbeats stop, it is declared down; resume: it comes back.
  pause_pod 2
  mark1=$(lines "$err1")
  check "kv-1 declares the paused kv-2 down" wait_for "$err1" "node kv-2 is down" 20 "$mark1"
  resume_pod 2
  mark1=$(lines "$out1")
  check "kv-1 gets replies from the resumed kv-2" wait_for "$out1" "reply from kv-2:" 20 "$mark1"

  # Graceful stop: SIGTERM, goodbye (the others see kv-2 down at once), exit 0.
  mark1=$(lines "$err1")
  stop_pod 2
  check "kv-2 exits 0 on SIGTERM" test "$last_exit" = 0
  check "kv-1 sees kv-2 down after its goodbye" wait_for "$err1" "node kv-2 is down" 3 "$mark1"
  for ((i = 0; i < n; i++)); do
    [ -n "${pod_pid[$i]}" ] || continue
    stop_pod "$i"
    check "kv-$i exits 0 on SIGTERM" test "$last_exit" = 0
  done
  echo "pods selftest: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

shell_mode() {
  local n=$1 app=$2 i
  create_network "$n"
  for ((i = 0; i < n; i++)); do start_pod "$i" "$app"; done
  log "logs in $logs; namespaces:"
  for i in "${!pod_ns[@]}"; do log "  ${pod_names[$i]}: ip netns exec ${pod_ns[$i]} ... (${pod_ip[$i]})"; done
  log "Ctrl-C stops the pods and removes the namespaces"
  wait
}

main() {
  local command=${1:-}
  [ -n "$command" ] && shift
  local n=3 app=ping
  while [ $# -gt 0 ]; do
    case $1 in
      --pods) n=$2; shift 2 ;;
      --app) app=$2; shift 2 ;;
      *) die "unknown argument '$1'" ;;
    esac
  done
  case $command in
    selftest|shell) ;;
    *) echo "usage: pods.sh selftest|shell [--pods N] [--app echo|counter|ping]" >&2; exit 2 ;;
  esac
  if [ "$(id -u)" != 0 ]; then log "skipped: needs root (network namespaces, iptables)"; exit 77; fi
  command -v ip >/dev/null || die "ip (iproute2) not found"
  command -v iptables >/dev/null || die "iptables not found"
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 50 ] || die "--pods must be 1..50"
  node_bin=$(find_node)
  logs=$(mktemp -d /tmp/trp-pods.XXXXXX)
  head -c 32 /dev/urandom | base64 >"$logs/secret"
  trap cleanup EXIT
  trap 'log interrupted; exit 130' INT TERM
  case $command in
    selftest) selftest "$n" ;;
    shell) shell_mode "$n" "$app" ;;
  esac
}

main "$@"
