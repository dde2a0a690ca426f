#!/usr/bin/env bash
# Runs lab 06's verification tests on cgroup v2, for real, from a cgroup v1 machine:
# Debian's own kernel (the Vagrant box's) boots under qemu with only cgroup v2 mounted, and
# the host's userland (JDK, ~/.m2, this checkout, the images) shared in read-only, with a
# tmpfs on top for writes. No network device in the VM (-nic none).
#
#   sudo scripts/cgroup-v2-vm.sh        (after scripts/provision.sh, or mvn install)
#
# It prints the tests' report and ends with "cgroup v2 VM: N passed, N failed", exit 0 only
# if all passed. Under emulation (no KVM) a JVM starts in seconds, not milliseconds: it takes
# a few minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$repo/lab06-cgroups/target/v2-vm
say() { printf '==> %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "cgroup-v2-vm.sh: must run as root (it installs packages): sudo $0" >&2
  exit 125
fi

missing=()
for p in qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
kernel=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)
version=${kernel#/boot/vmlinuz-}

say "the tests' class path, and JUnit's console launcher (the VM has no network)"
rm -rf "$work" && mkdir -p "$work"
cd "$repo"
mvn -B -q -o dependency:build-classpath -pl lab06-cgroups -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/classpath" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.3 \
  -DoutputDirectory="$work" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
classpath=$repo/lab06-cgroups/target/test-classes:$repo/lab06-cgroups/target/classes:$(cat "$work/classpath")

say "an initramfs: busybox, and the modules to mount the host's root over 9p with an overlay"
initramfs=$work/initramfs
mkdir -p "$initramfs"/{bin,dev,proc,sys,host,upper,newroot,modules}
cp /bin/busybox "$initramfs/bin/busybox"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache \
    9pnet 9pnet_virtio 9p overlay; do
  path=$(modinfo -k "$version" -n "$m" 2>/dev/null || true)
  case "$path" in
    "" | builtin*) ;;                                   # built into this kernel
    *.xz) xz -dc "$path" > "$initramfs/modules/$m.ko" ;;
    *.zst) zstd -qdc "$path" > "$initramfs/modules/$m.ko" ;;
    *) cp "$path" "$initramfs/modules/$m.ko" ;;
  esac
  echo "$m" >> "$initramfs/modules/order"
done
cat > "$initramfs/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do [ -f /modules/$m.ko ] && insmod /modules/$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host
mount -t tmpfs -o size=1g tmpfs /upper && mkdir /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w /newroot
mount --move /proc /newroot/proc && mount --move /sys /newroot/sys && mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /run-in-vm
INIT
sed -i "s#/run-in-vm#$work/run-in-vm#" "$initramfs/init" # in the checkout, which the VM shares
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.cpio.gz"

# What the VM runs as PID 1 once it stands on the host's userland (this checkout included).
cat > "$work/run-in-vm" <<INSIDE
#!/bin/sh
mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# The VM's / is an overlay, which cannot be another overlay's upper layer: containers' writes
# go to a tmpfs.
mkdir -p /var/lib/container-labs/containers && mount -t tmpfs tmpfs /var/lib/container-labs/containers
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname cgroup-v2-vm && ip link set lo up
echo "VM: \$(uname -r), /sys/fs/cgroup is \$(stat -fc %T /sys/fs/cgroup): \$(cat /sys/fs/cgroup/cgroup.controllers)"
cd $repo
# On -cp, not --class-path: the tests start the labs with this JVM's java.class.path.
java -cp '$classpath:$work/junit-platform-console-standalone-1.11.3.jar' \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-class containerlabs.cgroups.CgroupsTest --select-class containerlabs.cgroups.HostileContainerTest
echo "VM-RESULT: \$?"
echo o > /proc/sysrq-trigger
sleep 60 # PID 1 must not exit before the power goes off
INSIDE
chmod +x "$work/run-in-vm"
say "booting $kernel under qemu (TCG), cgroup v2 only"
log=$work/console.log
timeout 1200 qemu-system-x86_64 -accel tcg -smp 2 -m 3072 -nographic -no-reboot -nic none \
  -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  < /dev/null | tee "$log" | sed -n '/^VM:/,/VM-RESULT/p' || true
result=$(sed -n 's/^VM-RESULT: \([0-9]*\).*/\1/p' "$log" | tr -d '\r')
passed=$(grep -o '[0-9]* tests successful' "$log" | grep -o '^[0-9]*' || echo 0)
failed=$(grep -o '[0-9]* tests failed' "$log" | grep -o '^[0-9]*' || echo 0)
echo "cgroup v2 VM: ${passed:-0} passed, ${failed:-0} failed"
[ "$result" = 0 ]
