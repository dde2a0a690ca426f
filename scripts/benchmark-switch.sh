#!/usr/bin/env bash
# Throughput between two containers, side by side (not a test: it prints figures and asserts
# nothing): through containet's userspace switch (./lab switch, --net switch) and through the
# kernel's bridge lab0 (--net bridge), in the same run. Each way, one container serves a file
# of zeros (busybox httpd) and the other downloads it (busybox wget), timed inside: SIZE_MB MiB
# through the bridge (default 1000), a fifth of it through the switch (a few seconds each).
# (busybox nc is no probe: it writes 1 KiB at a time, and Nagle's algorithm waits for each ACK.)
#   sudo scripts/benchmark-switch.sh [SECONDS]      (SECONDS: each side's deadline is 3 times it; default 10)
# Traffic stays between the two containers' own namespaces: 10.0.0.0/24 exists only behind
# the switch, and 172.29.0.0/24 is the bridge's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-10}
size=${SIZE_MB:-1000}
cd "$repo"
socket=/run/container-labs-benchmark-$$.sock
./lab 5 --net none -- true > /dev/null # builds lab 5 and its class-data archive
export LAB_NO_BUILD=1

# setsid: a switch of its own, which SIGTERM stops (a background job of a script ignores SIGINT).
setsid ./lab switch --socket "$socket" > /dev/null 2>&1 &
switch=$!
trap 'kill -TERM $switch 2>/dev/null || true; wait $switch 2>/dev/null || true' EXIT
until [ -S "$socket" ]; do sleep 0.2; done

# measure NAME SERVER-OPTIONS CLIENT-OPTIONS SERVER-ADDRESS MB: MB/s of one download of MB MiB.
measure() {
  # Each side has a deadline: a transfer that stalls ends the run, never hangs it.
  ./lab 5 $2 -- sh -c "mkdir -p /srv && dd if=/dev/zero of=/srv/zeros bs=1M count=$5 2>/dev/null; timeout $((seconds * 3 + 10)) httpd -f -p 80 -h /srv" &
  local server=$!
  sleep 6 # the server's lab starts, writes its file and listens
  local took
  # The clock: /proc/uptime, in hundredths of a second (busybox's date has no nanoseconds).
  took=$(./lab 5 $3 -- sh -c "read s _ < /proc/uptime; timeout $((seconds * 3)) wget -q -O /dev/null http://$4/zeros \
    && read e _ < /proc/uptime && echo \$s \$e" | awk '{ printf "%d", ($2 - $1) * 1000 }' || true)
  kill -TERM $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  if [ -z "$took" ]; then
    printf '%-28s did not finish in %d s\n' "$1" $((seconds * 3))
    return
  fi
  awk -v n="$1" -v mb="$5" -v ms="$took" \
    'BEGIN { printf "%-28s %8.1f MB/s  %7.0f Mbit/s  (%d MiB in %.1f s)\n", n, mb * 1.048576 / (ms / 1000), mb * 8.388608 / (ms / 1000), mb, ms / 1000 }'
}

echo "one download (busybox httpd to wget) between two containers:"
measure "the kernel's bridge lab0" "--ip 172.29.0.201/24" "--ip 172.29.0.202/24" 172.29.0.201 "$size"
measure "containet's switch (Java)" "--net switch:$socket --ip 10.0.0.1/24" "--net switch:$socket --ip 10.0.0.2/24" 10.0.0.1 $((size / 5))
