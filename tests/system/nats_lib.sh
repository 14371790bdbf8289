# Helpers for the NATS JetStream system tests (sourced after lib.sh, not run by ctest).
# Everything runs in one private network namespace whose loopback holds the nats-server
# processes, the receivers and the senders: ports are unique to the test by construction, store
# directories live in the test's temp directory, and lib.sh's EXIT trap kills every PID recorded.
# shellcheck shell=bash

NATS_NS="ncxdp-nats-$$"
NATS_BASE=$((20000 + RANDOM % 20000))
declare -A NATS_PID=()  # server name -> pid
NATS_URLS=""            # nats://127.0.0.1:P,... of every server started

nats_init() {
  command -v nats-server >/dev/null || skip "nats-server not installed (scripts/deps.sh installs it)"
  NATS_PROBE="$BUILD/nats_probe"
  [[ -x "$NATS_PROBE" ]] || fail "$NATS_PROBE not built"
  ip netns add "$NATS_NS" 2>/dev/null || skip "cannot create network namespaces (ip netns add failed)"
  NS_CREATED+=("$NATS_NS")
  ip -n "$NATS_NS" link set lo up
}

# Runs a command in the namespace. Not for background jobs: `nsx cmd &` would make $! the pid of a
# subshell, so those use `ip netns exec` directly (it execs, keeping the pid).
nsx() { ip netns exec "$NATS_NS" "$@"; }

nats_client_port() { echo $((NATS_BASE + $1)); }

# Writes the config of server n$1 (of $2 servers; 1 = no cluster) and starts it.
nats_start() {
  local i=$1 total=$2 name="n$1"
  local port=$((NATS_BASE + i)) http=$((NATS_BASE + 100 + i)) route=$((NATS_BASE + 200 + i))
  local conf="$WORK/$name.conf"
  mkdir -p "$WORK/$name"
  {
    echo "server_name: $name"
    echo "listen: 127.0.0.1:$port"
    echo "http: 127.0.0.1:$http"
    echo "jetstream { store_dir: \"$WORK/$name\", max_memory_store: 64MB, max_file_store: 1GB }"
    if ((total > 1)); then
      local routes="" j
      for ((j = 1; j <= total; j++)); do routes+="nats-route://127.0.0.1:$((NATS_BASE + 200 + j)), "; done
      echo "cluster { name: ncxdp-test, listen: 127.0.0.1:$route, routes: [ ${routes%, } ] }"
    fi
  } >"$conf"
  ip netns exec "$NATS_NS" nats-server -c "$conf" -l "$WORK/$name.log" &
  NATS_PID[$name]=$!
  PIDS+=("$!")
}

# Starts $1 servers (1: single node; 3: a JetStream cluster) and waits until JetStream answers.
nats_start_all() {
  local n=$1 i
  NATS_URLS=""
  for ((i = 1; i <= n; i++)); do
    nats_start "$i" "$n"
    NATS_URLS+="nats://127.0.0.1:$((NATS_BASE + i)),"
  done
  NATS_URLS=${NATS_URLS%,}
  nats_wait_jetstream
}

# Bounded wait (30 s) until JetStream answers an account info request (a cluster has elected
# its meta leader by then).
nats_wait_jetstream() {
  local i
  for ((i = 0; i < 150; i++)); do
    if nsx "$NATS_PROBE" "$NATS_URLS" '$JS.API.INFO' 2>/dev/null | jq -e '.error == null' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  fail "JetStream did not become ready within 30 s (logs in $WORK/n*.log)"
}

# Prints the name of stream $1's leader (from JetStream's stream info).
nats_stream_leader() {
  nsx "$NATS_PROBE" "$NATS_URLS" "\$JS.API.STREAM.INFO.$1" | jq -r '.cluster.leader // empty'
}

# Waits (bounded, $2 s) until stream $1 has a leader whose replicas are all current; prints it.
nats_wait_stream_leader() {
  local stream=$1 secs=$2 i info
  for ((i = 0; i < secs * 5; i++)); do
    info=$(nsx "$NATS_PROBE" "$NATS_URLS" "\$JS.API.STREAM.INFO.$stream" 2>/dev/null || true)
    if [[ -n "$info" ]] && jq -e '.cluster.leader != null' <<<"$info" >/dev/null 2>&1; then
      jq -r .cluster.leader <<<"$info"
      return 0
    fi
    sleep 0.2
  done
  fail "stream $stream has no leader after $secs s"
}

# Records of the whole stream, as JSON lines, through `ncxdp tail` (an ephemeral consumer).
nats_dump() {
  local url=$1 out=$2
  nsx timeout 150 "$NCXDP" tail --from "$url" --json >"$out" 2>"$out.err" || fail "tail failed: $(cat "$out.err")"
}
