# Builds (once per build directory) a static-busybox rootfs and OCI bundles.
#   rootfs_dir           -> prints the path of a pristine busybox rootfs
#   make_bundle DIR [ARGS...]   bundle DIR with its own rootfs copy and a
#                        `runc spec` config.json whose process.args = ARGS
#                        (default: sh), terminal=false.
: "${PARMA_BUILD:?}" "${PARMA_WORK:?}"
rootfs_dir() {
  local rf=$PARMA_WORK/busybox-rootfs
  if [ ! -x "$rf/bin/busybox" ]; then
    local tmp=$rf.tmp.$$
    rm -rf "$tmp"; mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root,run,var}
    cp /bin/busybox "$tmp/bin/busybox"
    for a in $("$tmp/bin/busybox" --list); do [ -e "$tmp/bin/$a" ] || ln -s busybox "$tmp/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
    echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$tmp/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
    rm -rf "$rf"; mv "$tmp" "$rf"
  fi
  echo "$rf"
}
make_bundle() {
  local dir=$1; shift
  local rf; rf=$(rootfs_dir)
  rm -rf "$dir"; mkdir -p "$dir"
  cp -a "$rf" "$dir/rootfs"
  (cd "$dir" && runc spec)
  local args='["sh"]'
  [ $# -gt 0 ] && args=$(jq -cn '$ARGS.positional' --args -- "$@")
  jq --argjson a "$args" '.process.args = $a | .process.terminal = false' "$dir/config.json" >"$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}
