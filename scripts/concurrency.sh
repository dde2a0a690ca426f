#!/usr/bin/env bash
# Concurrency: N labs (lab 06, bridge network, limits) started at once. Each container
# publishes its address in a shared folder, waits for the others, and pings every one.
# Passes if all got distinct addresses, all reached all, all exited 0, nothing is left.
#   sudo scripts/concurrency.sh [N]      (default 20, the long version; CI runs 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
classpath=$("$here/test-classpath.sh")
exec java -XX:+UseSerialGC -cp "$classpath" containerlabs.cgroups.Concurrency "${1:-20}"
