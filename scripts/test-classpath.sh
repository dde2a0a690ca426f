#!/usr/bin/env bash
# Prints lab 06's test class path (its tests, its code, every earlier lab, JUnit), after
# building what it needs: for the scripts that run test-side programs (soak, concurrency).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
mvn -B -q -o -f "$repo/pom.xml" -pl lab06-cgroups -am install -DskipTests 2>&1 | sed "s/\x1b\[[0-9;]*m//g" >&2
mvn -B -q -o -f "$repo/pom.xml" dependency:build-classpath -pl lab06-cgroups -Dmdep.includeScope=test \
  -Dmdep.outputFile="$out" 2>&1 | sed "s/\x1b\[[0-9;]*m//g" >&2
echo "$repo/lab06-cgroups/target/test-classes:$repo/lab06-cgroups/target/classes:$(cat "$out")"
