# Throwaway VMs for the scripts that need a kernel of their own (sourced, not run):
# scripts/cgroup-v2-vm.sh (lab 06 on cgroup v2) and the grader (one VM per submission).
#
# Debian's own kernel boots under qemu from a small initramfs: busybox, and the modules that
# mount folders of the host over 9p (virtio) and lay an overlay on them. The caller gives the
# script the VM runs once its folders are mounted ("stage 2"). No network device (-nic none).
# KVM when it really runs a guest, TCG (emulation, ~10x slower) otherwise.

vm_say() { printf '==> %s\n' "$*"; }

# The host packages a VM needs; installs what is missing (Debian 12).
vm_packages() {
  local missing=() p
  for p in qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    vm_say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  VM_KERNEL=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)
  VM_KVER=${VM_KERNEL#/boot/vmlinuz-}
}

# vm_initramfs STAGE2 OUT: an initramfs whose init loads the 9p and overlay modules, mounts
# /proc, /sys and /dev, then runs STAGE2 (a busybox sh script) as PID 1.
vm_initramfs() {
  local stage2=$1 out=$2 dir m path
  dir=$(mktemp -d)
  mkdir -p "$dir"/{bin,dev,proc,sys,modules,mnt}
  cp /bin/busybox "$dir/bin/busybox"
  for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
      netfs fscache 9pnet 9pnet_virtio 9p overlay; do
    path=$(modinfo -k "$VM_KVER" -n "$m" 2>/dev/null || true)
    case "$path" in
      "" | builtin*) ;;                                   # built into this kernel
      *.xz) xz -dc "$path" > "$dir/modules/$m.ko" ;;
      *.zst) zstd -qdc "$path" > "$dir/modules/$m.ko" ;;
      *) cp "$path" "$dir/modules/$m.ko" ;;
    esac
    echo "$m" >> "$dir/modules/order"
  done
  cat > "$dir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do [ -f /modules/$m.ko ] && insmod /modules/$m.ko; done
exec /bin/sh /stage2
INIT
  cp "$stage2" "$dir/stage2"
  chmod +x "$dir/init"
  (cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
  rm -rf "$dir"
}

# vm_accel: kvm if /dev/kvm really runs a guest here, else tcg. The probe boots the kernel to a
# tiny init: some hosts have a /dev/kvm whose guests hang, so opening it proves nothing.
vm_accel() {
  if [ -n "${VM_ACCEL:-}" ]; then echo "$VM_ACCEL"; return; fi
  VM_ACCEL=tcg
  if [ -w /dev/kvm ]; then
    local probe
    probe=$(mktemp -d)
    printf 'echo KVM-WORKS\nsleep 10 & echo o > /proc/sysrq-trigger; wait\n' > "$probe/stage2"
    vm_initramfs "$probe/stage2" "$probe/initrd"
    if timeout 15 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic -no-reboot -nic none \
        -kernel "$VM_KERNEL" -initrd "$probe/initrd" -append "console=ttyS0 panic=-1 quiet" \
        </dev/null 2>/dev/null | grep -q KVM-WORKS; then
      VM_ACCEL=kvm
    fi
    rm -rf "$probe"
  fi
  echo "$VM_ACCEL"
}

# vm_run SECONDS INITRD MEMORY_MB [QEMU ARGS...]: boot, print the console; killed after SECONDS.
vm_run() {
  local seconds=$1 initrd=$2 memory=$3 accel cpu=()
  shift 3
  accel=$(vm_accel)
  [ "$accel" = kvm ] && cpu=(-cpu host)
  timeout --kill-after=10 "$seconds" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -smp 2 -m "$memory" \
    -nographic -no-reboot -nic none -kernel "$VM_KERNEL" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 quiet" "$@" </dev/null
}
