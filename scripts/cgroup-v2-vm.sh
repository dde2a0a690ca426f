#!/usr/bin/env bash
# Runs lab 06's verification tests (and lab 07's, and ./lab exec's) on cgroup v2, for real, from a cgroup v1 machine:
# Debian's own kernel (the Vagrant box's) boots under qemu with only cgroup v2 mounted, and
# the host's userland (JDK, ~/.m2, this checkout, the images) shared in read-only, with a
# tmpfs on top for writes. No network device in the VM. The VM itself: scripts/lib/vm.sh,
# shared with the grader.
#
#   sudo scripts/cgroup-v2-vm.sh            (after scripts/provision.sh, or mvn install)
#   sudo scripts/cgroup-v2-vm.sh --record   records the guide's cgroup v2 transcripts instead
#
# It prints the tests' report and ends with "cgroup v2 VM: N passed, N failed", exit 0 only
# if all passed. Under emulation (no KVM) a JVM starts in seconds, not milliseconds: it takes
# a few minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$repo/lab06-cgroups/target/v2-vm
. "$repo/scripts/lib/vm.sh"

if [ "$(id -u)" != 0 ]; then
  echo "cgroup-v2-vm.sh: must run as root (it installs packages): sudo $0" >&2
  exit 125
fi
record=${1:-}
vm_packages
VM_ACCEL=${VM_ACCEL:-$(vm_accel)}
export VM_ACCEL

vm_say "the tests' class path, and JUnit's console launcher (the VM has no network)"
rm -rf "$work" && mkdir -p "$work"
cd "$repo"
mvn -B -q -o dependency:build-classpath -pl lab07-user -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/classpath" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
launcher=$(ls "$repo"/labs/target/grading-lib/junit-platform-console-standalone-*.jar)
# Lab 07's classes and their dependencies (every lab), and lab 06's tests as well as lab 07's.
# This checkout's own jars (target/lib, copied by the build) before ~/.m2's, which another build
# may replace while the VM runs.
classpath=$repo/lab07-user/target/test-classes:$repo/lab06-cgroups/target/test-classes:$repo/lab07-user/target/classes:$repo/lab07-user/target/lib/*:$(cat "$work/classpath")

# Stage 2: the host's root, read-only, under an overlay whose writes stay in the VM's memory.
cat > "$work/stage2" <<STAGE2
#!/bin/busybox sh
mkdir -p /host /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host
mount -t tmpfs -o size=1g tmpfs /upper && mkdir /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w /newroot
# The checkout may live under /tmp or /run, which the VM covers with tmpfs: keep a way to it.
mkdir -p /newroot/mnt/checkout && mount --bind /newroot$repo /newroot/mnt/checkout
mount --move /proc /newroot/proc && mount --move /sys /newroot/sys && mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh $work/run-in-vm
STAGE2

# What the VM runs as PID 1 once it stands on the host's userland (this checkout included).
cat > "$work/run-in-vm" <<INSIDE
#!/bin/sh
mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp
mkdir -p $repo && mount --bind /mnt/checkout $repo
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# The VM's / is an overlay, which cannot be another overlay's upper layer: containers' writes
# go to an ext4 in the VM's memory (not a tmpfs: overlayfs in lab 07's user namespace keeps its
# whiteouts in user.* extended attributes, which tmpfs lacks before Linux 6.6).
mkdir -p /var/lib/container-labs/containers
modprobe -q loop; modprobe -q ext4
truncate -s 2G /tmp/containers.ext4 && mkfs.ext4 -q /tmp/containers.ext4 &&
  mount -o loop /tmp/containers.ext4 /var/lib/container-labs/containers ||
  { echo "VM: no ext4 for the containers' layers, a tmpfs instead"; mount -t tmpfs tmpfs /var/lib/container-labs/containers; }
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname cgroup-v2-vm && ip link set lo up
echo "VM: \$(uname -r), /sys/fs/cgroup is \$(stat -fc %T /sys/fs/cgroup): \$(cat /sys/fs/cgroup/cgroup.controllers)"
cd $repo
if [ "$record" = --record ]; then
  mkdir -p /mnt/out && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /mnt/out
  names=\$(sed -n 's/^record \(lab06-[a-z]*-v2\) .*/\1/p' docs/record-transcripts.sh)
  LAB_NO_BUILD=1 TRANSCRIPTS_OUT=/mnt/out docs/record-transcripts.sh \$names
  echo "VM-RESULT: \$?"
  sleep 60 & echo o > /proc/sysrq-trigger; wait
fi
# On -cp, not --class-path: the tests start the labs with this JVM's java.class.path.
java -cp '$classpath:$launcher' \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-class containerlabs.cgroups.CgroupsTest --select-class containerlabs.cgroups.HostileContainerTest \
  --select-class containerlabs.cgroups.ExecTest --select-class containerlabs.user.UserNamespaceTest \
  --select-method containerlabs.user.HostileUserTest#psFindsPid1
echo "VM-RESULT: \$?"
sleep 60 & echo o > /proc/sysrq-trigger; wait # PID 1 must not exit before the power goes off
INSIDE
chmod +x "$work/run-in-vm"
vm_initramfs "$work/stage2" "$work/initramfs.cpio.gz"
vm_say "booting $VM_KERNEL under qemu ($VM_ACCEL), cgroup v2 only"
log=$work/console.log
mkdir -p "$work/out"
# Under emulation (TCG) a JVM in the VM now and then dies of a SIGSEGV in its compiled code,
# or hangs, whatever it runs: then the VM runs again, twice at most (the grader does the same).
# A whole run takes 5 to 15 minutes under TCG; one that has not ended in 20 has hung.
for attempt in 1 2 3; do
  vm_run 1200 "$work/initramfs.cpio.gz" 3072 \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$work/out",mount_tag=out,security_model=none \
    | tee "$log" | sed -n '/^VM:/,/VM-RESULT/p' || true
  if grep -q 'A fatal error has been detected by the Java Runtime' "$log"; then
    vm_say "a JVM crashed in the VM ($VM_ACCEL): running it again"
  elif ! grep -q 'VM-RESULT:' "$log"; then
    vm_say "the VM did not finish in 20 minutes ($VM_ACCEL): running it again"
  else
    break
  fi
done
if [ "$record" = --record ]; then
  cp "$work"/out/*.txt "$repo/docs/src/docs/asciidoc/transcripts/" && ls "$work"/out
  exit 0
fi
result=$(sed -n 's/^VM-RESULT: \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
passed=$(grep -o '[0-9]* tests successful' "$log" | grep -o '^[0-9]*' || echo 0)
failed=$(grep -o '[0-9]* tests failed' "$log" | grep -o '^[0-9]*' || echo 0)
echo "cgroup v2 VM: ${passed:-0} passed, ${failed:-0} failed"
if [ "$result" != 0 ]; then # what failed, and why (the whole console: $log)
  tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;]*m//g' | grep -a -A 8 'MethodSource' | head -n 150 || tail -n 60 "$log"
fi
[ "$result" = 0 ]
