# Each line: key=value. The same probes run in runc and in a lab's container.
for ns in uts pid mnt ipc net cgroup user time; do echo "ns.$ns=$(readlink /proc/self/ns/$ns)"; done
echo "pid=$$"
set -- /proc/[0-9]*; echo "processes=$#"
sed -n 's/^\(CapEff\|NoNewPrivs\|Seccomp\):[[:space:]]*/\1=/p' /proc/self/status
echo "uid_map=$(cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')"
echo "nofile=$(ulimit -n)"
mounted() { awk -v d="$1" '$5 == d { split($6, o, ","); print o[1]; f = 1 } END { if (!f) print "absent" }' /proc/self/mountinfo | tail -n 1; }
for d in / /proc/sys /sys /dev/shm /dev/mqueue /dev/pts; do echo "mount.$d=$(mounted $d)"; done
echo "shm.size=$(df -k /dev/shm 2>/dev/null | awk 'NR == 2 { print $2 "k" }')"
for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do echo "read.$f=$(cat $f 2>/dev/null | wc -c)"; done
echo "list./sys/firmware=$(ls /sys/firmware 2>/dev/null | wc -l)"
echo "dev=$(ls /dev | tr '\n' ' ')"
echo "net=$(ls /sys/class/net | tr '\n' ' ')"
touch /probe-root 2>/dev/null && { echo "write./=yes"; rm /probe-root; } || echo "write./=no"
mount -t tmpfs probe /mnt 2>/dev/null && { echo "mount=allowed"; umount /mnt; } || echo "mount=refused"
mknod /tmp/probe-disk b 8 0 2>/dev/null && { echo "mknod=allowed"; rm /tmp/probe-disk; } || echo "mknod=refused"
{ echo 1 > /proc/sys/kernel/ns_last_pid; } 2>/dev/null && echo "write./proc/sys=yes" || echo "write./proc/sys=no"
case $(tail -n 1 /proc/self/cgroup) in *:/) echo "cgroup.path=/";; *) echo "cgroup.path=the host's";; esac
limit=absent; made=no
for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
  [ -e $d/pids.max ] && limit=$(cat $d/pids.max)
  [ -e $d/cgroup.procs ] && mkdir $d/probe 2>/dev/null && { made=yes; rmdir $d/probe; }
done
echo "cgroup.pids.max=$limit"
echo "cgroup.mkdir=$made"
