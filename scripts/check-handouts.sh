#!/usr/bin/env bash
# Proves the handouts, lab by lab (CI runs it): the handout for lab N compiles; in it, the
# tests of lab N-1 pass (its code, and that of every lab before, is the reference's); and
# every test of lab N that is worth points fails (a test that passes on the stub grades
# nothing). The reference passing all tests is the README's test command.
#   sudo scripts/check-handouts.sh [N...]       (default: 1 to 6)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
labs=${*:-1 2 3 4 5 6}
work=$(mktemp -d /tmp/container-labs-handouts.XXXXXX)
trap 'rm -rf "$work"' EXIT
mvnq() { mvn -B -q -o "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
cp=$(ls lab01-uts/target/lib/*.jar | tr '\n' ':')
status=0
for n in $labs; do
  dir=$work/handout-$n
  java -cp "$cp" containerlabs.handout.Handout "$n" "$dir" > /dev/null
  module=$(cd "$dir" && ls -d lab0"$n"-*)
  if ! (cd "$dir" && mvnq test-compile > "$work/build-$n.log"); then
    echo "handout $n: does not compile"; cat "$work/build-$n.log"; status=1; continue
  fi
  results=$dir/results.jsonl
  targets=$module
  [ "$n" -gt 1 ] && targets="$(cd "$dir" && ls -d lab0$((n - 1))-*),$module"
  (cd "$dir" && mvnq test -pl "$targets" -Dmaven.test.failure.ignore=true -DexcludedGroups=reliability \
    -Dcontainerlabs.results="$results" > "$work/test-$n.log") || true
  before_failed=$(grep -v "\"lab\":\"$module" "$results" | grep -c '"passed":false' || true)
  before_run=$(grep -vc "\"lab\":\"$module" "$results" || true)
  graded=$(grep "\"lab\":\"$module" "$results" | grep -vc '"points":0,' || true)
  graded_passed=$(grep "\"lab\":\"$module" "$results" | grep -v '"points":0,' | grep -c '"passed":true' || true)
  echo "handout $n ($module): compiles; lab $((n - 1)) tests: $((before_run - before_failed))/$before_run pass;" \
    "lab $n tests worth points: $((graded - graded_passed))/$graded fail on the stub"
  if [ "$before_failed" != 0 ] || [ "$graded_passed" != 0 ] || [ "$graded" = 0 ]; then
    grep -v "\"lab\":\"$module" "$results" | grep '"passed":false' || true
    grep "\"lab\":\"$module" "$results" | grep -v '"points":0,' | grep '"passed":true' || true
    status=1
  fi
done
exit $status
