#!/usr/bin/env bash
# Makes a batch of submissions that attack the grader, from this checkout, and grades it:
# each must get the score it deserves, the honest submission after them exactly its own, and
# the host (this checkout, the other grades, the installed labs) must be untouched. CI runs it.
#
#   sudo scripts/grading-attacks.sh [GRADE OPTIONS]   (default: --labs 1 --tests ownHostname)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$repo/scripts/grading-attacks
cd "$repo"
options=("$@")
[ ${#options[@]} -gt 0 ] || options=(--labs 1 --tests ownHostname)
work=$(mktemp -d /var/tmp/container-labs-attacks.XXXXXX)
trap 'rm -rf "$work"' EXIT
batch=$work/batch
mkdir -p "$batch"
say() { printf '==> %s\n' "$*"; }
uts=lab01-uts/src/main/java/containerlabs/uts

checkout() { mkdir -p "$batch/$1" && git -C "$repo" archive HEAD | tar -x -C "$batch/$1"; }
stub() { # lab 01 as its handout: the feature a stub that fails
  java -cp "$(ls lab01-uts/target/lib/*.jar | tr '\n' ':')" containerlabs.handout.Handout 1 "$work/handout" > /dev/null
  cp "$work/handout/$uts/UtsNamespace.java" "$batch/$1/$uts/UtsNamespace.java"
}
inject() { # $1 submission, $2 file, $3 code: into the class body, after its first line
  sed -i "/^public class /r $3" "$2"
}

say "the batch"
checkout a-honest && rm -rf "$batch/a-honest/docs"                      # no docs/: still graded
checkout b-writer && stub b-writer                                        # forges, poisons, overwrites
inject b-writer "$batch/b-writer/$uts/Lab01.java" "$fixtures/Attack.java.txt"
cp "$fixtures/docs-pom.xml" "$batch/b-writer/docs/pom.xml"
mkdir -p "$batch/b-writer/.mvn" && echo "-Dmaven.test.failure.ignore=true -DskipTests" > "$batch/b-writer/.mvn/maven.config"
checkout c-symlink && rm "$batch/c-symlink/$uts/UtsNamespace.java"        # the reference's solution, by a link
ln -s "/proc/self/cwd/$uts/UtsNamespace.java" "$batch/c-symlink/$uts/UtsNamespace.java"
checkout d-leaver                                                         # solved, but leaves a busy cgroup
inject d-leaver "$batch/d-leaver/$uts/Lab01.java" "$fixtures/Leaver.java.txt"
echo "not a checkout" > "$batch/e-plain-file"
checkout f-honest

say "the host before: this checkout's files, and a classmate's grade already written"
checkout_state() { git -C "$repo" status --porcelain --untracked-files=all | { grep -v '^?? grades/' || true; } | md5sum; }
m2_state() { { find /root/.m2/repository/dev/containerlabs -type f -exec md5sum {} + 2>/dev/null || true; } | sort | md5sum; }
stages() { ls -d /var/tmp/container-labs-grading-* 2>/dev/null || true; }
grading_vms() { pgrep -f "container-labs-grading" || true; }
before=$(checkout_state)
m2=$(m2_state)
stages_before=$(stages)     # another grader's, running now: not this batch's to judge
vms_before=$(grading_vms)
mkdir -p "$work/grades/classmate" && echo '{"score": 3}' > "$work/grades/classmate/result.json"

say "./lab grade --batch (${options[*]})"
java -cp "$(ls lab06-cgroups/target/lib/*.jar | tr '\n' ':')" containerlabs.grading.Grade --batch "$batch" \
  --out "$work/grades" "${options[@]}" | tee "$work/grade.log"

say "what each got"
status=0
row() { grep "^\"$1\"," "$work/grades/summary.csv" || echo "(no row)"; }
total=$(sed -n 's/^Score: [0-9]*\/\([0-9]*\)$/\1/p' "$work/grades/a-honest/report.txt")
expect() { # $1 learner, $2 score, $3 a note it must carry (or "")
  local line; line=$(row "$1")
  if [[ "$line" == "\"$1\",\"$2\",\"$total\","* ]] && [[ "$line" == *"$3"* ]]; then
    echo "ok    $1: $2/$total ${3:+($3)}"
  else
    echo "WRONG $1: wanted $2/$total ${3:+with \"$3\"}, got: $line"; status=1
  fi
}
expect a-honest "$total" ""
expect b-writer 0 ""
expect c-symlink 0 "a link, copied as a link"
[ "$(row d-leaver)" != "(no row)" ] && echo "ok    d-leaver: graded in its own VM ($(row d-leaver))" || { echo "WRONG d-leaver: no row"; status=1; }
expect e-plain-file 0 "not a folder: not graded"
expect f-honest "$total" ""
check() { if eval "$2"; then echo "ok    $1"; else echo "WRONG $1"; status=1; fi; }
check "this checkout unchanged" '[ "$(checkout_state)" = "$before" ]'
check "no POISONED file anywhere in this checkout" '[ -z "$(find "$repo" -name POISONED)" ]'
check "the installed labs unchanged" '[ "$(m2_state)" = "$m2" ]'
check "the classmate's grade unchanged" 'grep -q "\"score\": 3" "$work/grades/classmate/result.json"'
check "the docs pom never ran" '[ ! -e /tmp/container-labs-pwned-by-docs-pom ]'
check "no container in a container-labs cgroup on the host" '[ -z "$(find /sys/fs/cgroup -path "*container-labs/*" -type d 2>/dev/null)" ]'
check "no grading VM or stage left" '[ "$(grading_vms)" = "$vms_before" ] && [ "$(stages)" = "$stages_before" ]'

say "the grader killed half-way (SIGTERM, as a Ctrl-C or an instructor's kill): its VM and stage go with it"
# At three moments: while it copies the stage, while the VM script builds its initramfs, and
# while the VM boots. CI once caught the first: the stop hook's delete raced the copy.
for delay in 0 1 4; do
  java -cp "$(ls lab06-cgroups/target/lib/*.jar | tr '\n' ':')" containerlabs.grading.Grade "$batch/f-honest" \
    --out "$work/killed" "${options[@]}" > "$work/killed.log" 2>&1 &
  grader=$!
  for _ in $(seq 200); do # until its stage exists
    [ "$(stages)" != "$stages_before" ] && break
    sleep 0.05
  done
  made=$(comm -13 <(echo "$stages_before") <(stages))
  sleep "$delay"
  kill -TERM "$grader"
  wait "$grader" || true
  for _ in $(seq 50); do [ "$(grading_vms)" = "$vms_before" ] && break; sleep 0.1; done # SIGKILL is not instant
  check "killed ${delay} s after its stage appeared: the stage (${made:-none made}) was removed" \
    '[ -n "$made" ] && [ ! -e "$made" ] && [ "$(stages)" = "$stages_before" ]'
  check "killed ${delay} s after its stage appeared: no grading VM left" '[ "$(grading_vms)" = "$vms_before" ]'
done

say "a folder that does not exist: one line, exit 125"
set +e
out=$(java -cp "$(ls lab06-cgroups/target/lib/*.jar | tr '\n' ':')" containerlabs.grading.Grade /no/such/checkout 2>&1); code=$?
set -e
check "nonexistent path refused ($code: $out)" '[ "$code" = 125 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ "$out" == *"no such folder"* ]]'
[ "$status" = 0 ] && echo "grading attacks: all held" || echo "grading attacks: SOME GOT THROUGH"
exit $status
