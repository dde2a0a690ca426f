#!/usr/bin/env bash
# Soak: lab 06 with every feature on (rootfs, bridge network, published port, memory, pids and
# cpu limits) running /bin/true RUNS times in a row, in one JVM, as a grader's would. Prints the
# host's mounts, devices, nft and iptables rules, cgroups, namespaces and state dirs, and the
# JVM's descriptors and threads, after the warm-up and at the end, and the time per run at
# the start and at the end. Exit status 1 if anything grew, a run failed, or the time crept.
#   sudo scripts/soak.sh [RUNS]      (default 500, about 5 minutes; CI runs 60)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
classpath=$("$here/test-classpath.sh")
exec java -XX:+UseSerialGC -cp "$classpath" containerlabs.cgroups.Soak "${1:-500}"
