#!/usr/bin/env bash
# Proves the handouts, lab by lab (CI runs it): the handout for lab N compiles; in it, the
# tests of lab N-1 pass (its code, and that of every lab before, is the reference's); and
# every test of lab N that is worth points fails (a test that passes on the stub grades
# nothing). The reference passing all tests is the README's test command.
#   sudo scripts/check-handouts.sh [N...]       (default: 1 to 8)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
labs=${*:-1 2 3 4 5 6 7 8}
work=$(mktemp -d /tmp/container-labs-handouts.XXXXXX)
trap 'rm -rf "$work"' EXIT
mvnq() { mvn -B -q -o "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
cp=$(ls lab01-uts/target/lib/*.jar | tr '\n' ':')
grader=$(ls lab06-cgroups/target/lib/*.jar | tr '\n' ':')
status=0
for n in $labs; do
  dir=$work/handout-$n
  java -cp "$cp" containerlabs.handout.Handout "$n" "$dir" > /dev/null
  module=$(cd "$dir" && ls -d lab0"$n"-*)
  if ! (cd "$dir" && mvnq test-compile > "$work/build-$n.log"); then
    echo "handout $n: does not compile"; cat "$work/build-$n.log"; status=1; continue
  fi
  # Graded as the grader does (its catalogue, its points), here rather than in a VM: the
  # handout is the reference's own code.
  labs_graded=$n
  [ "$n" -gt 1 ] && labs_graded="$((n - 1)),$n"
  java -cp "$grader" containerlabs.grading.Grade --in-place --labs "$labs_graded" --out "$work/grades-$n" \
    "$dir" > "$work/grade-$n.log" 2>&1 || true
  report=$work/grades-$n/handout-$n/report.txt
  results=$(grep -E '^lab0[0-9]-[^:]+: .*: (OK|FAIL)( \[0 points\])?$' "$report" || true)
  before_failed=$(echo "$results" | grep -v "^$module: " | grep -c ': FAIL' || true)
  before_run=$(echo "$results" | grep -v "^$module: " | grep -c ': \(OK\|FAIL\)' || true)
  graded=$(echo "$results" | grep "^$module: " | grep -vc '\[0 points\]$' || true)
  graded_passed=$(echo "$results" | grep "^$module: " | grep -v '\[0 points\]$' | grep -c ': OK$' || true)
  echo "handout $n ($module): compiles; lab $((n - 1)) tests: $((before_run - before_failed))/$before_run pass;" \
    "lab $n tests worth points: $((graded - graded_passed))/$graded fail on the stub"
  if [ "$before_failed" != 0 ] || [ "$graded_passed" != 0 ] || [ "$graded" = 0 ]; then
    echo "$results" | grep -v "^$module: " | grep ': FAIL' || true
    echo "$results" | grep "^$module: " | grep -v '\[0 points\]$' | grep ': OK$' || true
    cat "$report" "$work/grade-$n.log"
    status=1
  fi
done
exit $status
