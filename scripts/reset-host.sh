#!/usr/bin/env bash
# Takes this host back to one the labs have never touched: what a learner's new VM looks like.
# CI runs it before anything else, so the tests prove they pass on a fresh machine, not on
# what an earlier run left (the bridge, the nft table, /run/netns, the images, the installed
# labs). It removes only what the project makes, by the names the project gives it:
#   state /run/container-labs, images and layers /var/lib/container-labs, cgroups named
#   container-labs, network devices lab*, the nft table ip container_labs, the project's own
#   artifacts in root's Maven repository (dev/containerlabs), and the /run/netns mount that
#   iproute2 leaves once no named network namespace is left in it; a killed disk import's
#   /var/tmp/container-labs-disk-* (its mount and loop device too), and a registry
#   scripts/local-registry.sh left running; a SIGKILLed grader's stage
#   /var/tmp/container-labs-grading-*, and a killed ./lab switch's socket.
#
#   sudo scripts/reset-host.sh
set -uo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "reset-host.sh: must run as root: sudo $0" >&2
  exit 125
fi
say() { printf '  %s\n' "$*"; }
echo "==> resetting what Container Labs made on this host"

# Containers first: a process still in a container-labs cgroup keeps its cgroup busy. They are
# the labs' own containers (nothing else is put in those cgroups), ended by pid.
for procs in $(find /sys/fs/cgroup -path '*container-labs*' -name cgroup.procs 2>/dev/null); do
  for pid in $(cat "$procs" 2>/dev/null); do
    say "ending pid $pid (in ${procs%/cgroup.procs})" && kill -9 "$pid" 2>/dev/null
  done
done
sleep 0.2
# Deepest first: a cgroup goes only once its children have.
find /sys/fs/cgroup -depth -type d -path '*container-labs*' 2>/dev/null | while read -r dir; do
  rmdir "$dir" 2>/dev/null && say "removed cgroup $dir"
done

for dev in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^lab'); do
  ip link del "$dev" 2>/dev/null && say "removed network device $dev"
done
if command -v nft >/dev/null && nft list table ip container_labs >/dev/null 2>&1; then
  nft delete table ip container_labs && say "removed nft table ip container_labs"
fi

# Mounts under the project's folders (a killed lab's overlay), deepest first, then the folders.
grep -E ' /(run|var/lib)/container-labs' /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null && say "unmounted $m"
done
for dir in /run/container-labs /var/lib/container-labs; do
  [ -e "$dir" ] && rm -rf --one-file-system "$dir" && say "removed $dir"
done

# What a killed ./lab images import-disk left: its mount, its loop device, its work folder.
for dir in /var/tmp/container-labs-disk-*; do
  [ -d "$dir" ] || continue
  grep -F " $dir/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null && say "unmounted $m"
  done
  losetup -l -n -O NAME,BACK-FILE 2>/dev/null | while read -r loop file; do
    case "$file" in "$dir"/*) losetup -d "$loop" && say "detached $loop" ;; esac
  done
  rm -rf --one-file-system "$dir" && say "removed $dir"
done
# What a SIGKILLed grader left (a SIGTERM or Ctrl-C removes it): its stage, unless a grader runs.
if ! pgrep -f container-labs-grading >/dev/null; then
  for dir in /var/tmp/container-labs-grading-*; do
    [ -d "$dir" ] && rm -rf --one-file-system "$dir" && say "removed $dir"
  done
fi
# A killed ./lab switch's socket (one that stops removes it), unless a switch runs.
if [ -S /run/container-labs.switch.sock ] && ! pgrep -f containerlabs.net.SwitchCommand >/dev/null; then
  rm -f /run/container-labs.switch.sock && say "removed /run/container-labs.switch.sock"
fi
# A registry scripts/local-registry.sh started and nobody stopped.
for dir in /tmp/container-labs-registry-*; do
  [ -d "$dir" ] || continue
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = docker-registry ]; then
    kill "$pid" && say "ended the local registry (pid $pid)"
  fi
  rm -rf "$dir" && say "removed $dir"
done

if [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
  if grep -q ' /run/netns ' /proc/self/mountinfo; then
    umount /run/netns 2>/dev/null; umount /run/netns 2>/dev/null # iproute2 mounts it twice (bind, then shared)
  fi
  rmdir /run/netns 2>/dev/null && say "removed /run/netns"
fi

m2=${HOME:-/root}/.m2/repository/dev/containerlabs
[ -d "$m2" ] && rm -rf "$m2" && say "removed the installed labs ($m2)"
echo "==> done: this host holds nothing of Container Labs"
