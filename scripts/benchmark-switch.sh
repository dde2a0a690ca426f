#!/usr/bin/env bash
# Throughput between two containers, side by side (not a test: it prints figures and asserts
# nothing): through containet's userspace switch (./lab switch, --net switch) and through the
# kernel's bridge lab0 (--net bridge), in the same run. Each way, one container serves a file
# of zeros (busybox httpd) and the other downloads it again and again (busybox wget) for
# SECONDS, timed inside.
# (busybox nc is no probe: it writes 1 KiB at a time, and Nagle's algorithm waits for each ACK.)
#   sudo scripts/benchmark-switch.sh [SECONDS]      (default 10)
# Traffic stays between the two containers' own namespaces: 10.0.0.0/24 exists only behind
# the switch, and 172.29.0.0/24 is the bridge's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-10}
size=64 # MiB: a download takes ~0.02 s through the bridge, ~1 s through the switch
cd "$repo"
socket=/run/container-labs-benchmark-$$.sock
./lab 5 --net none -- true > /dev/null # builds lab 5 and its class-data archive
export LAB_NO_BUILD=1

# setsid: a switch of its own, which SIGTERM stops (a background job of a script ignores SIGINT).
setsid ./lab switch --socket "$socket" > /dev/null 2>&1 &
switch=$!
trap 'kill -TERM $switch 2>/dev/null || true; wait $switch 2>/dev/null || true' EXIT
until [ -S "$socket" ]; do sleep 0.2; done

# measure NAME SERVER-OPTIONS CLIENT-OPTIONS SERVER-ADDRESS: MB/s of downloads of a 64 MiB
# file, one after another for SECONDS, as iperf would: the client counts what it fetched.
measure() {
  # Each side has a deadline: a transfer that stalls ends the run, never hangs it.
  ./lab 5 $2 -- sh -c "mkdir -p /srv && dd if=/dev/zero of=/srv/zeros bs=1M count=$size 2>/dev/null; timeout $((seconds * 3 + 20)) httpd -f -p 80 -h /srv" &
  local server=$!
  local result
  # The clock: /proc/uptime, in hundredths of a second (busybox's date has no nanoseconds).
  result=$(./lab 5 $3 -- sh -c "
    i=0; until wget -q --spider http://$4/zeros 2>/dev/null; do i=\$((i + 1)); [ \$i -lt 150 ] || exit 1; sleep 0.1; done
    cs() { read t _ < /proc/uptime; echo \${t%.*}\${t#*.}; }
    start=\$(cs); now=\$start; n=0
    while [ \$((now - start)) -lt $((seconds * 100)) ]; do
      timeout $((seconds * 2)) wget -q -O /dev/null http://$4/zeros || break
      n=\$((n + 1)); now=\$(cs)
    done
    echo \$n \$((now - start))" || true)
  kill -TERM $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  set -- "$1" $result
  if [ -z "${2:-}" ] || [ "$2" = 0 ]; then
    printf '%-28s no download finished\n' "$1"
    return
  fi
  awk -v name="$1" -v n="$2" -v cs="$3" -v mb="$size" 'BEGIN { s = cs / 100;
    printf "%-28s %8.1f MB/s  %6.0f Mbit/s  (%d downloads of %d MiB in %.1f s)\n", name, n * mb * 1.048576 / s, n * mb * 8.388608 / s, n, mb, s }'
}

echo "downloads (busybox httpd to wget) between two containers for $seconds s each way:"
measure "the kernel's bridge lab0" "--ip 172.29.0.201/24" "--ip 172.29.0.202/24" 172.29.0.201
measure "containet's switch (Java)" "--net switch:$socket --ip 10.0.0.1/24" "--net switch:$socket --ip 10.0.0.2/24" 10.0.0.1
