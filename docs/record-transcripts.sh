#!/usr/bin/env bash
# Records the guide's transcripts from real runs: each file in
# src/docs/asciidoc/transcripts/ is a command exactly as the guide shows it, and what it printed.
# Run as root from the top of the repository after `mvn install` (or scripts/provision.sh):
#   docs/record-transcripts.sh              all of them
#   docs/record-transcripts.sh NAME...      only these
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TRANSCRIPTS_OUT:-docs/src/docs/asciidoc/transcripts}
mkdir -p "$out"

# record NAME COMMAND...: run the command through sh, as typed, and keep "# COMMAND" and its output.
only=" $* "
record() {
  local name=$1; shift
  [ "$only" = "  " ] || [[ "$only" == *" $name "* ]] || return 0
  # The -v2 transcripts come from a cgroup v2 machine only, the others from the v1 machine.
  if [[ "$name" == *-v2 ]] && [ "$only" = "  " ]; then return 0; fi
  # Debian's Maven 3.8.7 writes invisible ANSI colour resets even with -B: strip them.
  { echo "# $*"; sh -c "$*" 2>&1 || echo "(exit status $?)"; } | sed 's/\x1b\[[0-9;]*m//g' > "$out/$name.txt"
  echo "recorded $out/$name.txt"
}

record lab01-not-root               'setpriv --reuid=nobody --regid=nogroup --clear-groups ./lab 1'
record host-hostname                'hostname'
record lab01-hostname               './lab 1 --hostname box -- hostname'
record lab01-trace                  './lab 1 --trace --hostname box -- hostname'
record lab01-rename                 "./lab 1 -- sh -c 'hostname inside; hostname'; hostname"
record lab01-ns                     './lab 1 -- readlink /proc/self/ns/uts /proc/self/ns/pid; readlink /proc/self/ns/uts /proc/self/ns/pid'
record lab01-exit                   "./lab 1 -- sh -c 'exit 7'; echo \"exit status: \$?\""
record lab01-errors                 './lab 1 --hostname $(printf "x%.0s" $(seq 65)) -- true; ./lab 1 -- no-such-command; ./lab 1 --nope 2>&1 | head -2'
record lab02-pid1                   "./lab 2 -- sh -c 'echo \$\$'"
record lab02-trace                  './lab 2 --trace -- true'
record lab02-ps                     './lab 2 -- ps -e | head -5'
record lab02-orphans                "./lab 2 -- sh -c 'sleep 1000 & echo started sleep'; pgrep -c -x -f 'sleep 1000' || true"
record lab03-ps                     './lab 3 -- ps'
record lab03-trace                  './lab 3 --trace -- ps'
record lab03-mount                  "./lab 3 -- sh -c 'mount -t tmpfs mine /mnt; grep mine /proc/self/mountinfo'; grep -c mine /proc/self/mountinfo || true"
record lab03-ipc                    'id=$(ipcmk -M 4096 | grep -o "[0-9]*$"); ./lab 3 -- ipcs -m; ./lab 3 --ipc host -- ipcs -m; ipcrm -m $id'
record lab03-exec-java              'mvn -q -pl lab03-mnt exec:java -Dexec.args="--trace -- ps"'
record lab04-images                 './lab images list'
record lab04-os-release             './lab 4 -- cat /etc/os-release'
record lab04-ls                     "./lab 4 -- sh -c 'ls /; ls /dev; ps'"
record lab04-trace                  './lab 4 --trace --hostname box -- true'
record lab04-keep                   "out=\$(./lab 4 --keep -- sh -c 'echo hello > /greeting; rm /etc/hosts' 2>&1); echo \"\$out\"; layer=\${out##*rm -r }; ls -l \$layer/upper \$layer/upper/etc; rm -r \$layer"
record lab04-volume                 "./lab 4 -v /etc/hostname:/host-name:ro -- sh -c 'cat /host-name; echo x > /host-name'"
record lab04-masked                 "./lab 4 -- sh -c 'wc -c /proc/keys; ls /sys/firmware; echo 1 > /proc/sys/vm/drop_caches'"
record lab04-capabilities          "./lab 4 -- sh -c 'grep CapBnd /proc/self/status; mount -o remount,rw /proc/sys; umount /sys/firmware; mknod /disk b 8 0'"
record lab04-attributes             'id=$(keyctl add user demo secret @u); keyctl print $id; ./lab 4 -v /:/host:ro -- sh -c "grep NoNewPrivs /proc/self/status; ulimit -n; ulimit -Hn; chroot /host keyctl print $id"; keyctl unlink $id @u >/dev/null'
record lab04-escape-chroot          "./lab 4 --chroot -v /bin/sash:/bin/sash:ro -- sh -c 'printf \"%s\\n\" -mkdir\\ /jail -chroot\\ /jail cd\\ .. cd\\ .. cd\\ .. cd\\ .. -chroot\\ . -grep\\ PRETTY_NAME\\ /etc/os-release > /tmp/escape; sash -f /tmp/escape'"
record lab04-escape-pivot           "./lab 4 -v /bin/sash:/bin/sash:ro -- sh -c 'printf \"%s\\n\" -mkdir\\ /jail -chroot\\ /jail cd\\ .. cd\\ .. cd\\ .. cd\\ .. -chroot\\ . -grep\\ PRETTY_NAME\\ /etc/os-release > /tmp/escape; sash -f /tmp/escape'"
record lab04-errors                 './lab 4 --image alpine -- true; ./lab 4 -v data -- true; ./lab 4 -- bash'
# images pull: from a registry on 127.0.0.1 that the command starts and stops itself (never from the internet)
record lab04-pull                   'scripts/local-registry.sh start && ./lab images pull --trace 127.0.0.1:5000/demo/busybox:static && ./lab 4 --image busybox-static -- busybox | head -1; ./lab images pull 127.0.0.1:5000/demo/busybox:nope; ./lab images rm busybox-static; scripts/local-registry.sh stop'
# Images from other tools: umoci makes a layout in /tmp/labs-demo, skopeo converts it; the last one removes it all.
rm -rf /tmp/labs-demo # what an interrupted recording left
record lab04-tools-umoci            'mkdir /tmp/labs-demo && cd /tmp/labs-demo && umoci init --layout oci && umoci new --image oci:plain && umoci unpack --image oci:plain bundle && cp -a /var/lib/container-labs/images/busybox/layers/0/. bundle/rootfs && umoci repack --image oci:plain bundle && rm -r bundle && umoci unpack --image oci:plain bundle && echo hello > bundle/rootfs/hello && umoci repack --image oci:hello bundle && rm -r bundle && cat oci/index.json'
record lab04-tools-tag              './lab images import umoci-hello /tmp/labs-demo/oci; ./lab images import --tag hello umoci-hello /tmp/labs-demo/oci && ./lab 4 --image umoci-hello -- cat /hello'
record lab04-tools-skopeo           'skopeo copy -q --dest-compress-format zstd oci:/tmp/labs-demo/oci:hello oci-archive:/tmp/labs-demo/hello.tar && skopeo inspect --raw oci-archive:/tmp/labs-demo/hello.tar | grep -o layer.v1.tar+zstd && skopeo copy -q oci:/tmp/labs-demo/oci:hello dir:/tmp/labs-demo/hello-dir && ls /tmp/labs-demo/hello-dir && ./lab images import zstd-hello /tmp/labs-demo/hello.tar && ./lab images import dir-hello /tmp/labs-demo/hello-dir && ./lab 4 --image zstd-hello -- cat /hello'
record lab04-tools-tampered         'cp -r /tmp/labs-demo/hello-dir /tmp/labs-demo/bad && f=/tmp/labs-demo/bad/$(ls -S /tmp/labs-demo/bad | head -1) && printf x | dd of=$f bs=1 seek=1000 conv=notrunc status=none && ./lab images import bad /tmp/labs-demo/bad'
record lab04-tools-devices          'mkdir /tmp/labs-demo/rootfs && cp -a /var/lib/container-labs/images/busybox/layers/0/. /tmp/labs-demo/rootfs && mknod /tmp/labs-demo/rootfs/dev/console c 5 1 && tar -C /tmp/labs-demo/rootfs -cf /tmp/labs-demo/rootfs.tar . && ./lab images import debian-like /tmp/labs-demo/rootfs.tar; ./lab images import --allow-devices debian-like /tmp/labs-demo/rootfs.tar; ./lab images rm umoci-hello zstd-hello dir-hello debian-like; rm -r /tmp/labs-demo'
# The image's configuration: record these together and in order (they build, use, then remove the greeter image).
record lab04-inspect-busybox        './lab images inspect busybox'
record lab04-config-umoci           'cd /tmp && umoci init --layout greeter && umoci new --image greeter:1'
record lab04-config-layer           'cd /tmp && tar -C /var/lib/container-labs/images/busybox/layers/0 -cf busybox.tar . && umoci raw add-layer --image greeter:1 busybox.tar'
record lab04-config-config          'cd /tmp && umoci config --image greeter:1 --config.env=GREETING=hello --config.entrypoint=/bin/echo --config.cmd=hello --config.cmd=from --config.cmd=its --config.cmd=Cmd --config.workingdir=/srv/greeter --config.user=nobody'
record lab04-config-import          'tar -C /tmp/greeter -cf /tmp/greeter.tar . && ./lab images import greeter /tmp/greeter.tar'
record lab04-config-inspect         './lab images inspect greeter'
record lab04-config-run             "./lab 4 --image greeter; ./lab 4 --image greeter -- my own words; ./lab 4 --image greeter --entrypoint sh -- -c 'pwd; id; echo \$GREETING \$HOME'; ./lab 4 --image greeter -u root -e GREETING=bye --entrypoint sh -- -c 'id; echo \$GREETING \$HOME'"
record lab04-config-rm              './lab images rm greeter && rm -r /tmp/greeter /tmp/greeter.tar /tmp/busybox.tar'
# A VM disk for the import-disk transcripts, made as the guide shows (as an installer would:
# a GPT table, an ext4 root partition with busybox's files, then qcow2), removed afterwards.
disk_wanted=
for t in lab04-disk-import lab04-disk-run lab04-disk-refused; do
  if [ "$only" = "  " ] || [[ "$only" == *" $t "* ]]; then disk_wanted=1; fi
done
if [ -n "$disk_wanted" ]; then
  if [ -e /tmp/vm ]; then echo "/tmp/vm exists: the disk transcripts need it; move it away" >&2; exit 1; fi
  trap 'rm -rf /tmp/vm; ./lab images rm vmdisk 2>/dev/null || true' EXIT
  mkdir /tmp/vm && cp -a /var/lib/container-labs/images/busybox/layers/0 /tmp/vm/root
  echo 'PRETTY_NAME="my VM"' > /tmp/vm/root/etc/os-release
  mkfs.ext4 -q -d /tmp/vm/root /tmp/vm/root.ext4 32M
  truncate -s 34M /tmp/vm/disk.raw && echo 'start=2048, type=L' | sfdisk -q -X gpt /tmp/vm/disk.raw
  dd if=/tmp/vm/root.ext4 of=/tmp/vm/disk.raw bs=1M seek=1 conv=notrunc status=none
  qemu-img convert -O qcow2 /tmp/vm/disk.raw /tmp/vm/disk.qcow2
fi
record lab04-disk-import            './lab images import-disk vmdisk /tmp/vm/disk.qcow2'
record lab04-disk-run               "./lab 4 --image vmdisk -- sh -c 'cat /etc/os-release; echo /*'"
record lab04-disk-refused           'qemu-img create -q -f qcow2 -b /etc/shadow -F raw /tmp/vm/evil.qcow2; ./lab images import-disk evil /tmp/vm/evil.qcow2; ./lab images import-disk notes /etc/hostname'
record lab04-hostile                'd=$(mktemp -d); ln -s /etc $d/h; tar -C $d -cf $d/evil.tar h; mkdir -p $d/real/h; echo x > $d/real/h/passwd; ln $d/real/h/passwd $d/real/stolen; tar -C $d/real -cf $d/links.tar h/passwd stolen; tar --delete -f $d/links.tar h/passwd; tar -Af $d/evil.tar $d/links.tar; tar -tvf $d/evil.tar; ./lab images import evil $d/evil.tar; rm -r $d'
record lab05-inside                 "./lab 5 -- sh -c 'ip addr; ip route; cat /etc/hosts'"
record lab05-trace                  "ip link del lab0; ./lab 5 --trace -- true 2>&1 | grep -v '^\[init'"
record lab05-ping                   './lab 5 -- ping -c 2 172.29.0.1'
record lab05-none                   './lab 5 --net none -- ip addr'
record lab05-publish                "(./lab 5 -p 8080:80 -- sh -c 'echo hello from the container | nc -l -p 80' &); until busybox nc 172.29.0.1 8080 2>/dev/null; do sleep 0.5; done; sleep 1"
record lab05-table                  "(./lab 5 -p 8080:80 -- sleep 12 &); sleep 8; nft list table ip container_labs; sleep 5"
record lab05-errors                 './lab 5 --ip 10.9.9.9/24 -- true; ./lab 5 --net wifi -- true; ./lab 5 -p 70000:80 -- true'
# containet's switch (chapter 5): the switch runs 11 s, in the foreground of lab05-switch; the
# containers are started beside it, once its socket is there: 10.0.0.1 sleeps, 10.0.0.2 pings it
# (lab05-switch-ping), and both still run when the switch stops, so that its table has both.
if [ "$only" = "  " ] || [[ "$only" == *" lab05-switch "* || "$only" == *" lab05-switch-ping "* ]]; then
  rm -f /run/container-labs.switch.sock
  (
    until [ -S /run/container-labs.switch.sock ]; do sleep 0.1; done
    LAB_NO_BUILD=1 ./lab 5 --net switch --ip 10.0.0.1/24 -- sleep 16 > /dev/null 2>&1 &
    sleep 2
    record lab05-switch-ping        "./lab 5 --net switch --ip 10.0.0.2/24 -- sh -c 'ping -c 3 10.0.0.1; sleep 8'"
    wait
  ) &
  record lab05-switch               './lab switch --trace & sleep 11; kill -TERM $!; wait'
  wait
fi
record lab05-switch-benchmark       'scripts/benchmark-switch.sh 10'
record lab06-own-view               "./lab 6 -m 48m -- sh -c 'ls /sys/fs/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes'"
record lab06-oom                    './lab 6 -m 32m -- dd if=/dev/zero of=/dev/null bs=64M count=1'
record lab06-fits                   './lab 6 -m 128m --stats -- dd if=/dev/zero of=/dev/null bs=64M count=1'
record lab06-pids                   "./lab 6 --pids-limit 5 --stats -- sh -c 'for i in 1 2 3 4 5; do sleep 1 & done; wait'"
record lab06-cpu                    "./lab 6 --cpus 0.2 --stats -- sh -c \"sh -c 'while :; do :; done' & sleep 3; kill \\\$!\""
record lab06-bomb                   "./lab 6 --pids-limit 20 --stats -- sh -c 'bomb() { bomb | bomb & }; bomb 2>/dev/null; i=0; while [ \$i -lt 100000 ]; do i=\$((i+1)); done'"
record lab06-cgroup                 './lab 6 -m 64m -- cat /proc/self/cgroup'
record lab06-timings                './lab 6 --timings -m 64m --pids-limit 50 --cpus 1 -- true'
record lab06-trace                  "./lab 6 --trace -m 64m --pids-limit 50 --cpus 0.5 -- true 2>&1 | grep -E 'cgroup|CGROUP'"
record lab06-tree                   "(./lab 6 -m 64m --pids-limit 50 -- sleep 8 &); sleep 6; find /sys/fs/cgroup -maxdepth 4 -path '*container-labs/*' -type d; cat /sys/fs/cgroup/memory/container-labs/*/memory.limit_in_bytes /sys/fs/cgroup/pids/container-labs/*/pids.max; sleep 3"
# A container in the background for the transcripts that join it: `background N SECONDS OPTIONS...`
# runs ./lab N OPTIONS -- sleep SECONDS and exports its id and PID 1; `end_background` kills it.
background() {
  local lab=$1 seconds=$2; shift 2
  (./lab "$lab" "$@" -- sleep "$seconds" > /dev/null 2>&1 &)
  id=
  for _ in $(seq 600); do
    id=$(LAB_NO_BUILD=1 ./lab ps | awk -v s="$seconds" '$4 == "sleep" && $5 == s { print $1 }')
    [ -n "$id" ] && break
    sleep 0.2
  done
  pid=$(LAB_NO_BUILD=1 ./lab ps | awk -v id="$id" '$1 == id { print $3 }')
  export id pid
}
end_background() {
  if [ -n "$pid" ] && [ -d "/run/container-labs/$id" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  while [ -n "$id" ] && [ -d "/run/container-labs/$id" ]; do sleep 0.2; done # its lab cleans up
}
wanted() { [ "$only" = "  " ] || [[ "$only" == *" $1"* ]]; }
# ./lab ps and ./lab exec (chapter "Joining a running container"): one container runs in the
# background for them all, as web; exec-dies ends it, and so does the end of this block in any case.
if wanted exec- && [ "$only" != " exec-userns " ]; then
  background 6 600 --hostname web -m 64m
  record exec-ps                    './lab ps'
  record exec-inside                './lab exec $id -- hostname; ./lab exec $id -- ps; ./lab exec $id -- ip -4 addr show eth0'
  record exec-trace                 "./lab exec --trace \$id -- hostname 2>&1 | grep -v PR_CAPBSET_DROP"
  record exec-nsenter               'nsenter -t $pid -u -p -m -n -i hostname; nsenter -t $pid -u -p -m -n -i ps'
  record exec-cgroup                "nsenter -t \$pid -a sh -c 'grep memory /proc/self/cgroup; grep CapBnd /proc/self/status'; ./lab exec \$id -- sh -c 'grep memory /proc/self/cgroup; grep CapBnd /proc/self/status'"
  record exec-errors                './lab exec nosuchid -- true; ./lab exec $id; ./lab exec $id -- bash'
  record exec-dies                  "(./lab exec \$id -- sleep 1000; echo \"./lab exec: exit status \$?\") & sleep 5; pgrep -a --ns \$pid --nslist pid sleep; kill -9 \$pid; wait; pgrep -a -x sleep | grep ' 1000\$' || echo 'no sleep 1000 left'"
  end_background
fi
# ./lab exec into a container with a user namespace of its own (lab 08).
if wanted exec-userns; then
  background 8 601 --net none
  record exec-userns                "./lab exec --trace \$id -- sh -c 'id -u; grep -E \"^(Uid|Seccomp):\" /proc/self/status' 2>&1 | grep -E 'cgroup.procs|tasks|posix_spawn|setns|^[0-9]|^(Uid|Seccomp)'"
  end_background
fi
# The table "side by side with runc" (chapter 6): the test runs the same probes in runc and lab 06.
if { [ "$only" = "  " ] || [[ "$only" == *" runc-comparison "* ]]; } && [ -z "${TRANSCRIPTS_OUT:-}" ]; then
  RECORD_TABLES=1 mvn -B -q -o -pl lab06-cgroups test -Dtest=RuncComparisonTest \
    -Dsurefire.failIfNoSpecifiedTests=false | sed 's/\x1b\[[0-9;]*m//g'
  echo "recorded docs/src/docs/asciidoc/generated/runc-comparison.adoc"
fi
# cgroup v2 (the learner's VM): recorded in a cgroup v2 VM by scripts/cgroup-v2-vm.sh --record.
record lab06-oom-v2                 './lab 6 -m 32m -- dd if=/dev/zero of=/dev/null bs=64M count=1'
record lab06-fits-v2                './lab 6 -m 128m --stats -- dd if=/dev/zero of=/dev/null bs=64M count=1'
record lab06-bomb-v2                "./lab 6 --pids-limit 20 --stats -- sh -c 'bomb() { bomb | bomb & }; bomb 2>/dev/null; i=0; while [ \$i -lt 100000 ]; do i=\$((i+1)); done'"
record lab06-cgroup-v2              './lab 6 -m 64m -- cat /proc/self/cgroup'
record lab06-trace-v2               "./lab 6 --trace -m 64m --pids-limit 50 --cpus 0.5 -- true 2>&1 | grep -E 'cgroup|CGROUP'"
record lab06-tree-v2                "(./lab 6 -m 64m --pids-limit 50 --cpus 0.5 -- sleep 60 &); until ls /sys/fs/cgroup/container-labs/*/cgroup.procs >/dev/null 2>&1; do sleep 1; done; sleep 3; find /sys/fs/cgroup -maxdepth 2 -path '*container-labs*' -type d; cd /sys/fs/cgroup/container-labs/*/ && cat memory.max pids.max cpu.max"
record lab06-errors                 './lab 6 -m 10x -- true; ./lab 6 -m 2m -- true; ./lab 6 --cpus -1 -- true'
# Lab 07 (going further): user namespaces.
record lab07-id                     './lab 7 -- sh -c "id; cat /proc/self/uid_map /proc/self/gid_map"'
record lab07-host-map               './lab 7 --userns host -- cat /proc/self/uid_map'
record lab07-trace                  "./lab 7 --trace --net none -- true 2>&1 | grep -E '^\[lab|cgroup.procs|CLONE_NEWCGROUP|\"overlay\"|dev/null\"|pivot_root|execve'"
record lab07-ps                     "(./lab 7 --net none -- sleep 31 &); until ps -C sleep -o args= | grep -qx 'sleep 31'; do sleep 0.2; done; ps -C sleep -o user,pid,args | grep -E 'USER|sleep 31\$'; pid=\$(ps -C sleep -o pid=,args= | awk '\$3 == 31 {print \$1}'); grep -E '^(Uid|Gid|CapEff)' /proc/\$pid/status; kill -9 \$pid"
record lab07-volume                 "mkdir -m 777 /tmp/lab07-volume && ./lab 7 --net none -v /tmp/lab07-volume:/data -- sh -c 'touch /data/made; ls -ln /data'; ls -ln /tmp/lab07-volume; rm -r /tmp/lab07-volume"
record lab07-secret                 "echo 'the host root'\"'\"'s secret' > /tmp/lab07-secret && chmod 600 /tmp/lab07-secret && ./lab 7 --net none -v /tmp/lab07-secret:/secret -- cat /secret; ./lab 6 --net none -v /tmp/lab07-secret:/secret -- cat /secret; rm /tmp/lab07-secret"
record lab07-mknod                  "./lab 7 --net none -- sh -c 'mknod /tmp/sda b 8 0; ls -l /dev/null'"
record lab07-layers                 'ls -ln /var/lib/container-labs/images/busybox/layers/0 | head -4; ls -ln /var/lib/container-labs/images/busybox/layers-100000/0 | head -4'
record lab07-still-works            "./lab 7 --hostname box -m 32m -- sh -c 'hostname; echo \$\$; ping -c 1 -W 3 \$(ip route | awk \"/default/ {print \\\$3}\") | head -2; dd if=/dev/zero of=/dev/null bs=64M count=1'"
record lab07-errors                 './lab 7 --userns-range 0:65536 -- true; ./lab 7 --net host -- true; ./lab 7 --userns nope -- true'
# Lab 08 (going further): the seccomp filter.
record lab08-status                 './lab 8 --net none -- grep Seccomp /proc/1/status; ./lab 8 --net none --security-opt seccomp=unconfined -- grep Seccomp /proc/1/status'
record lab08-trace                  "./lab 8 --trace --net none -- true 2>&1 | grep -E 'NO_NEW_PRIVS|PR_SET_SECCOMP|line  CODE|=====|[0-9]{4}: 0x|execve'"
record lab08-unshare                "./lab 8 --net none -- unshare -U true; ./lab 8 --net none --security-opt seccomp=unconfined -- unshare -U true && echo unconfined: made a user namespace"
record lab08-still-works            "./lab 8 --net none -- sh -c 'echo hello | cat; sleep 0 & wait; ls /bin/sh; id -u; mount -t tmpfs none /mnt'"
record lab08-without                "./lab 7 --net none -- sh -c 'grep CapEff /proc/self/status; unshare -U -r sh -c \"grep CapEff /proc/self/status; cat /proc/self/uid_map\"'"
record lab08-errors                 './lab 8 --security-opt apparmor=unconfined -- true; ./lab 8 --security-opt seccomp=default.json -- true'
