#!/usr/bin/env bash
# One submission's tests in a VM of its own (the grader, ./lab grade, runs this; see
# labs/.../grading/Grade.java). The VM sees only:
#   /usr              the host's system, read-only
#   /etc              a few files copied into STAGE/etc (no host secrets)
#   /grading          STAGE/grading: the submission's code, the reference's tests and jars
#   /var/lib/container-labs/images   STAGE/images: the images the tests use
# each read-only from the host, with the VM's writes kept in its own memory. It runs
# STAGE/run-tests (written by the grader) as PID 1. Nothing comes
# back but what it writes to a small raw disk, OUT (the tests' reports): the host reads that
# as untrusted data. The VM is killed after SECONDS, and nothing of it outlives qemu.
#
#   scripts/grading-vm.sh STAGE OUT SECONDS
set -euo pipefail
stage=$1 out=$2 seconds=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/vm.sh"
vm_packages
# Every scratch file (the KVM probe's, the initramfs) lives in the stage, so that the grader,
# which removes the stage however it ends, removes them too.
export TMPDIR="$stage/vm"
mkdir -p "$TMPDIR"
VM_ACCEL=${VM_ACCEL:-$(vm_accel)}
export VM_ACCEL

# What the VM runs once its folders are mounted: builds its root in memory.
cat > "$stage/stage2" <<'STAGE2'
#!/bin/busybox sh
opts=trans=virtio,version=9p2000.L,ro,msize=262144
mount -t tmpfs -o size=2g,mode=755 root /mnt
cd /mnt && mkdir -p usr stage proc sys dev run tmp root grading .w var/lib/container-labs
mount -t 9p -o $opts usr /mnt/usr && mount -t 9p -o $opts stage /mnt/stage
for d in bin lib lib64 sbin; do ln -s usr/$d /mnt/$d; done
cp -a /mnt/stage/etc /mnt/etc && cp -a /mnt/stage/images /mnt/var/lib/container-labs/images
mkdir -p /mnt/.w/upper /mnt/.w/work
mount -t overlay overlay -o lowerdir=/mnt/stage/grading,upperdir=/mnt/.w/upper,workdir=/mnt/.w/work /mnt/grading
mount --move /proc /mnt/proc && mount --move /sys /mnt/sys && mount --move /dev /mnt/dev
exec switch_root /mnt /bin/sh /stage/run-tests
STAGE2

initrd="$TMPDIR/initrd"
vm_initramfs "$stage/stage2" "$initrd"
rm -f "$out" && truncate -s 16M "$out"
vm_say "booting the grading VM ($(vm_accel)), at most $seconds s"
status=0
vm_run "$seconds" "$initrd" 3072 \
  -virtfs local,path=/usr,mount_tag=usr,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$stage",mount_tag=stage,security_model=none,readonly=on,multidevs=remap \
  -drive file="$out",format=raw,if=virtio || status=$?
rm -f "$initrd"
exit $status
