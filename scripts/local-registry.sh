#!/usr/bin/env bash
# A registry of your own on this machine, to try ./lab images pull with no internet (the guide's
# transcript of a pull is recorded with it):
#   sudo scripts/local-registry.sh start   Debian's docker-registry (Distribution 2.8) on 127.0.0.1:5000,
#                                          holding 127.0.0.1:5000/demo/busybox:static, made from
#                                          Debian's busybox-static with umoci, pushed with skopeo
#   sudo scripts/local-registry.sh stop    stop it and remove its storage
# LAB_REGISTRY_PORT chooses another port. It listens on 127.0.0.1 only (the docker-registry
# package's own service and config listen on every interface: they are not used).
set -euo pipefail
port=${LAB_REGISTRY_PORT:-5000}
dir=/tmp/container-labs-registry-$port
image=127.0.0.1:$port/demo/busybox:static

start() {
  if [ -e "$dir" ]; then
    echo "local-registry: $dir exists: a registry runs already, or was not stopped; run $0 stop first" >&2
    exit 125
  fi
  mkdir -p "$dir"
  cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
EOF
  docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  echo $! > "$dir/pid"
  for i in $(seq 50); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then break; fi
    if ! kill -0 "$(cat "$dir/pid")" 2> /dev/null || [ "$i" = 50 ]; then
      cat "$dir/registry.log" >&2
      echo "local-registry: docker-registry did not start (above); $0 stop cleans up" >&2
      exit 125
    fi
    sleep 0.1
  done
  # An OCI image of one layer: busybox and a link per applet, and sh as its command.
  umoci init --layout "$dir/oci" && umoci new --image "$dir/oci:empty"
  umoci unpack --image "$dir/oci:empty" "$dir/bundle" > /dev/null
  mkdir -p "$dir/bundle/rootfs/bin"
  cp /bin/busybox "$dir/bundle/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$dir/bundle/rootfs/bin/$applet" ] || ln -s busybox "$dir/bundle/rootfs/bin/$applet"
  done
  umoci repack --image "$dir/oci:static" "$dir/bundle"
  umoci config --image "$dir/oci:static" --config.cmd /bin/sh
  skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$dir/oci:static" "docker://$image"
  rm -rf "$dir/oci" "$dir/bundle"
  echo "registry on 127.0.0.1:$port (pid $(cat "$dir/pid")), holding $image; $0 stop ends it"
}

stop() {
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
