#!/usr/bin/env bash
# Start-up time, side by side (not a test: it prints figures and asserts nothing). In one
# interleaved loop, RUNS times each, from start to exit of /bin/true in the busybox rootfs:
#   runc      Debian's runc, the same busybox rootfs as an OCI bundle (its default namespaces)
#   unshare   util-linux, new pid/mount/uts/ipc/net namespaces and a fresh /proc: the floor
#   lab06     ./lab 6 with every feature (image, bridge network, memory, pids and cpu limits)
# Then the medians and lab06/runc; the resident memory of a lab's JVM while its container
# runs; and, unless --no-suite, the wall time of the full test suite (mvn -B -o verify).
#   sudo scripts/benchmark.sh [--no-suite] [RUNS]      (default 30 runs)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
suite=yes
[ "${1:-}" = --no-suite ] && { suite=no; shift; }
runs=${1:-30}
cd "$repo"

command -v runc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null
work=$(mktemp -d /var/tmp/container-labs-benchmark.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The same rootfs for both: the labs' busybox image.
./lab 6 --net none -- true > /dev/null # builds lab 6, its class-data archive, and the image if missing
mkdir -p "$work/bundle"
cp -a /var/lib/container-labs/images/busybox/layers/0 "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"\/bin\/true"/' "$work/bundle/config.json"

now() { date +%s%N; }
declare -A times
for i in $(seq "$runs"); do
  t=$(now); runc run --bundle "$work/bundle" "container-labs-bench-$$-$i" > /dev/null
  times[runc]+="$(( ($(now) - t) / 1000 )) "
  t=$(now); unshare --fork --pid --mount --uts --ipc --net --mount-proc /bin/true
  times[unshare]+="$(( ($(now) - t) / 1000 )) "
  t=$(now); LAB_NO_BUILD=1 ./lab 6 -m 64m --pids-limit 50 --cpus 1 -- /bin/true
  times[lab06]+="$(( ($(now) - t) / 1000 )) "
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
minimum() { tr ' ' '\n' | grep . | sort -n | head -n 1 | awk '{printf "%.1f", $1/1000}'; }
echo "start to exit of /bin/true, $runs runs each, interleaved ($(nproc) cores, $(uname -r)):"
for name in runc unshare lab06; do
  printf "  %-8s median %7s ms   min %7s ms\n" "$name" "$(echo "${times[$name]}" | median)" \
    "$(echo "${times[$name]}" | minimum)"
done
awk -v l="$(echo "${times[lab06]}" | median)" -v r="$(echo "${times[runc]}" | median)" \
  'BEGIN {printf "  lab06 / runc: %.1f x (the goal: 3 x)\n", l / r}'

# The lab's JVM waits while its container runs: how much memory does it hold meanwhile?
LAB_NO_BUILD=1 ./lab 6 -m 64m --pids-limit 50 --cpus 1 -- sleep 3 &
lab=$!
sleep 2
echo "  resident memory of the waiting lab JVM: $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' /proc/$lab/status)"
wait $lab

if [ "$suite" = yes ]; then
  t=$(now)
  mvn -B -o -q verify > "$work/suite.log" 2>&1 || { tail -n 30 "$work/suite.log"; exit 1; }
  echo "  full test suite (mvn -B -o verify): $(( ($(now) - t) / 1000000000 )) s"
fi
