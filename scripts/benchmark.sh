#!/usr/bin/env bash
# Start-up time, side by side (not a test: it prints figures and asserts nothing). In one
# interleaved loop, RUNS times each, from start to exit of /bin/true in the busybox rootfs:
#   runc      Debian's runc, the same busybox rootfs as an OCI bundle (its default namespaces)
#   unshare   util-linux, new pid/mount/uts/ipc/net namespaces and a fresh /proc: the floor
#   lab06     ./lab 6 with every feature (image, bridge network, memory, pids and cpu limits)
#   lab06-late  the same with CONTAINER_LABS_EARLY_INIT=0: its init starts once the lab has
#             prepared, not while it parses (the engine's EarlyInit): what that trick gains
#   lab03     ./lab 3 as a learner types it (no LAB_NO_BUILD): the up-to-date check included
# Then the medians and lab06/runc; where lab06's time goes, phase by phase (its --timings,
# medians of RUNS more runs); the CPU time of a start, runc's and lab06's, and the floor that
# sets on this machine's cores; the resident memory of a lab's JVM while its container runs;
# and, unless --no-suite, the wall time of the full test suite (mvn -B -o verify).
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
  t=$(now); CONTAINER_LABS_EARLY_INIT=0 LAB_NO_BUILD=1 ./lab 6 -m 64m --pids-limit 50 --cpus 1 -- /bin/true
  times[lab06-late]+="$(( ($(now) - t) / 1000 )) "
  t=$(now); ./lab 3 -- /bin/true
  times[lab03]+="$(( ($(now) - t) / 1000 )) "
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
minimum() { tr ' ' '\n' | grep . | sort -n | head -n 1 | awk '{printf "%.1f", $1/1000}'; }
echo "start to exit of /bin/true, $runs runs each, interleaved ($(nproc) cores, $(uname -r)):"
for name in runc unshare lab06 lab06-late lab03; do
  printf "  %-10s median %7s ms   min %7s ms\n" "$name" "$(echo "${times[$name]}" | median)" \
    "$(echo "${times[$name]}" | minimum)"
done
awk -v l="$(echo "${times[lab06]}" | median)" -v r="$(echo "${times[runc]}" | median)" \
  'BEGIN {printf "  lab06 / runc: %.1f x (the goal: 6 x or less)\n", l / r}'
awk -v l="$(echo "${times[lab06]}" | median)" -v t="$(echo "${times[lab06-late]}" | median)" \
  'BEGIN {printf "  the init started early gains %.1f ms (lab06-late - lab06)\n", t - l}'

# Where lab06's time goes: its own --timings table, each phase's median over RUNS runs.
for i in $(seq "$runs"); do
  ./lab 6 --timings -m 64m --pids-limit 50 --cpus 1 -- /bin/true 2>&1 >/dev/null |
    awk '/^meanwhile/ { beside = 1 } /^  / { sub(/^  /, ""); print (beside ? "beside: " : "") $0 }'
done > "$work/timings"
echo "lab06, phase by phase (./lab 6 --timings, median of $runs runs, ms; beside: the init's early boot):"
awk '{ v = $NF; $NF = ""; sub(/ +$/, ""); n[$0]++; vals[$0, n[$0]] = v; if (!($0 in seen)) { seen[$0] = 1; order[++k] = $0 } }
  END { for (j = 1; j <= k; j++) { p = order[j]; m = n[p]; for (a = 1; a <= m; a++) s[a] = vals[p, a];
          for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (s[b] + 0 < s[a] + 0) { t = s[a]; s[a] = s[b]; s[b] = t }
          printf "  %-46s %8.1f\n", p, s[int((m + 1) / 2)] } }' "$work/timings"

# CPU time, not wall time: what one start costs the machine, every process counted (the init
# and the command are reaped by the lab, runc's own children by runc). Overlapping the lab's and
# the init's work can hide wall time, but no start can be shorter than its CPU time spread over
# every core: that floor is printed too.
cpu_ms() { # COMMAND...: mean user + sys per run, in ms
  ( for i in $(seq "$runs"); do "$@" > /dev/null 2>&1 || true; done; times ) | tail -n 1 |
    awk -v n="$runs" '{ t = 0; for (f = 1; f <= 2; f++) { v = $f; sub(/s$/, "", v); split(v, a, "m"); t += a[1] * 60 + a[2] }
      printf "%.1f", t * 1000 / n }'
}
runc_cpu=$(cpu_ms runc run --bundle "$work/bundle" "container-labs-bench-$$-cpu")
lab_cpu=$(cpu_ms env LAB_NO_BUILD=1 ./lab 6 -m 64m --pids-limit 50 --cpus 1 -- /bin/true)
echo "CPU time per start (user + sys, mean of $runs runs):"
printf "  runc     %7s ms\n  lab06    %7s ms: on %d cores, no overlap can start it in less than %.1f ms\n" \
  "$runc_cpu" "$lab_cpu" "$(nproc)" "$(awk -v c="$lab_cpu" -v n="$(nproc)" 'BEGIN { print c / n }')"

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
