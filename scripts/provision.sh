#!/usr/bin/env bash
# Sets up a Debian 12 machine for Container Labs: the one install path, used by
# `vagrant up` (the learner's VM), by the README's setup on a plain Debian 12 machine,
# and by CI before every test run. Idempotent: run it again and nothing changes.
#
#   sudo scripts/provision.sh [REPO_DIR]      (default: the repository this script is in)
set -euo pipefail

repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
say() { printf '\n==> %s\n' "$*"; }
# Debian's Maven 3.8.7 prints stray colour resets even when quiet: keep the output readable.
mvnq() { mvn -B -q "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }

if [ "$(id -u)" != 0 ]; then
  echo "provision.sh: must run as root (it installs packages): sudo $0 $*" >&2
  exit 125
fi

# 1. Packages. Everything the labs call or the tests use, from Debian's own repositories.
packages=(
  openjdk-17-jdk-headless   # Java 17: the labs and the tests
  maven                     # the build (3.8.7 on Debian 12)
  sudo                      # the guide's sudo -i, and the labs' "run it with sudo" hint
  procps                    # ps, pgrep: what learners type inside their containers
  util-linux                # unshare, nsenter, mount, setpriv: the shell equivalents
  iproute2                  # ip: to look at network namespaces (lab 05)
  nftables iptables         # NAT and published ports (lab 05)
  busybox-static            # the default container image (lab 04)
  sash                      # a static shell with a chroot builtin: lab 04's escape demo
  keyutils                  # keyctl: the host key a container must not read (lab 04)
  runc                      # the reference: what a production runtime isolates by default
  skopeo umoci              # images made by real tools (lab 04's import tests and guide)
  docker-registry           # a local registry on 127.0.0.1 for the pull tests (never its service)
  qemu-utils fdisk          # qemu-img, sfdisk: a VM disk as an image's root (lab 04)
  zstd e2fsprogs            # zstd layers; mkfs.ext4 -d for the disk test
  git ca-certificates
)
missing=()
for p in "${packages[@]%% *}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # docker-registry's service would listen on every interface: keep it from starting.
  policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; made_policy=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$made_policy" ] || rm -f $policy
else
  say "packages: all installed"
fi
if command -v systemctl >/dev/null && systemctl is-enabled docker-registry >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# 2. The project, built and installed into root's Maven repository, so that every lab runs
#    at once and offline (`mvn -pl lab03-mnt exec:java`, `./lab 3`): no "artifact not found".
say "building Container Labs in $repo"
cd "$repo"
mvnq install -DskipTests
# Fetch exec:java's plugin too, and prove a lab runs.
mvnq -pl lab01-uts exec:java -Dexec.args="--hostname ready -- true"

say "the default image"
./lab images busybox

say "ready. Next, as root (sudo -i, then cd $repo):"
cat <<NEXT
    ./lab 1 --hostname box               # a shell in your first container: try hostname, then exit
    ./lab 3 --trace -- ps                # every kernel call of lab 03, and a ps that sees only the container
    mvn -B verify                        # all the labs' verification tests, and the guide (docs/target/guide)
NEXT
