#!/usr/bin/env bash
# Throughput between two containers, side by side (not a test: it prints figures and asserts
# nothing): through containet's userspace switch (./lab switch, --net switch) and through the
# kernel's bridge lab0 (--net bridge), in the same run. Each way, one TCP stream of zeros for
# SECONDS (busybox nc in both containers); the receiver counts the bytes.
#   sudo scripts/benchmark-switch.sh [SECONDS]      (default 10)
# Traffic stays between the two containers' own namespaces: 10.0.0.0/24 exists only behind
# the switch, and 172.29.0.0/24 is the bridge's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-10}
cd "$repo"
socket=/run/container-labs-benchmark-$$.sock
./lab 5 --net none -- true > /dev/null # builds lab 5 and its class-data archive
export LAB_NO_BUILD=1

# setsid: a switch of its own, which SIGTERM stops (a background job of a script ignores SIGINT).
setsid ./lab switch --socket "$socket" > /tmp/container-labs-benchmark-switch-$$.log 2>&1 &
switch=$!
trap 'kill -TERM $switch 2>/dev/null || true; wait $switch 2>/dev/null || true; rm -f /tmp/container-labs-benchmark-switch-$$.log' EXIT
until [ -S "$socket" ]; do sleep 0.2; done

# measure NAME SERVER-OPTIONS CLIENT-OPTIONS SERVER-ADDRESS: bytes the server received in $seconds s.
measure() {
  local out
  out=$(mktemp)
  ./lab 5 $2 -- sh -c 'nc -l -p 5001 | wc -c' > "$out" &
  local server=$!
  sleep 3 # the server's lab starts and listens
  ./lab 5 $3 -- sh -c "timeout $seconds nc $4 5001 < /dev/zero" || true
  wait $server || true
  local bytes
  bytes=$(tr -d ' \n' < "$out")
  rm -f "$out"
  awk -v n="$1" -v b="${bytes:-0}" -v s="$seconds" \
    'BEGIN { printf "%-28s %8.1f MB/s  %7.0f Mbit/s  (%d bytes in %d s)\n", n, b / s / 1e6, b * 8 / s / 1e6, b, s }'
}

echo "one TCP stream between two containers, $seconds s each:"
measure "containet's switch (Java)" "--net switch:$socket --ip 10.0.0.1/24" "--net switch:$socket --ip 10.0.0.2/24" 10.0.0.1
measure "the kernel's bridge lab0" "--ip 172.29.0.201/24" "--ip 172.29.0.202/24" 172.29.0.201
