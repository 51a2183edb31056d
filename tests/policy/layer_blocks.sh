#!/bin/bash
# Layers with their data block counts (parma-policy(5), layers): the two
# element forms and their canonical bytes and hashes, the refusals, lint's
# note, and what gen --oci-layout / gen --pod write, checked against images
# made independently here (parma-verity mkimage of the same layer tars,
# `stat` for the size, real veritysetup for the root hash).
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
P=parma-policy
W=$PARMA_WORK/policy-layer-blocks
rm -rf "$W"; mkdir -p "$W"
RA=$(printf 'a%.0s' {1..64}); RB=$(printf 'b%.0s' {1..64}); RC=$(printf 'c%.0s' {1..64})
Z=0000000000000000000000000000000000000000000000000000000000000000
pol() { # LAYERS-JSON [LAYERS-JSON...]: a policy with one container per argument
  local cs="" i=0
  for l in "$@"; do cs+="${cs:+,}{\"name\":\"c$i\",\"command\":[\"/bin/c$i\"],\"layers\":$l}"; i=$((i + 1)); done
  printf '{"version":1,"containers":[%s]}' "$cs"
}

# ---- the string form keeps its bytes and hash ----
# strings.sha256 was computed by the parma-policy before data_blocks existed.
G=$PARMA_SRC/tests/policy/golden
check_eq "a string-form policy hashes as before counts existed" \
  "$($P hash "$G/layers-string.json" | head -n1)" "$(cat "$G/layers-string.sha256")"
check_eq "its canonical layers are still strings" \
  "$($P compile "$G/layers-string.json" | jq -c '.containers[0].layers')" "[\"$RA\",\"$RB\"]"

# ---- the object form ----
pol "[{\"data_blocks\":10,\"root_hash\":\"sha256:${RB^^}\"},\"$RA\"]" >"$W/obj.json"
check "compile the object form" $P compile "$W/obj.json" -o "$W/obj.canon"
check "canonical: sorted keys, root normalized, the string element unchanged" \
  grep -qF "\"layers\":[{\"data_blocks\":10,\"root_hash\":\"$RB\"},\"$RA\"]" "$W/obj.canon"
check_eq "the hash is SHA-256 of those canonical bytes" "$($P hash "$W/obj.json" | head -n1)" \
  "$(head -c -1 "$W/obj.canon" | sha256sum | cut -d' ' -f1)"
check_eq "the canonical form hashes the same" "$($P hash "$W/obj.canon" | head -n1)" "$($P hash "$W/obj.json" | head -n1)"
check_eq "and matches the golden object-form policy" "$($P hash "$G/layer-blocks.json" | head -n1)" \
  "$(cat "$G/layer-blocks.sha256")"
h_str=$(pol "[\"$RB\"]" | $P hash - | head -n1)
h_10=$(pol "[{\"root_hash\":\"$RB\",\"data_blocks\":10}]" | $P hash - | head -n1)
h_11=$(pol "[{\"root_hash\":\"$RB\",\"data_blocks\":11}]" | $P hash - | head -n1)
check "the count is bound by the hash (string, 10 and 11 blocks all differ)" \
  test "$h_str" != "$h_10" -a "$h_10" != "$h_11" -a "$h_str" != "$h_11"

# ---- refusals: one line naming the field, exit 1, no output file ----
refused() { # NAME REGEX LAYERS-JSON...
  local name=$1 re=$2 out rc; shift 2
  rm -f "$W/out.canon"
  pol "$@" >"$W/bad.json"
  out=$($P compile "$W/bad.json" -o "$W/out.canon" 2>&1); rc=$?
  check_match "$name" "rc=$rc lines=$(grep -c '' <<<"$out") $out" "^rc=1 lines=1 parma-policy: .*$re"
  check "  ... and nothing written" test ! -e "$W/out.canon"
}
refused "data_blocks 0 refused" 'containers\[0\]\.layers\[1\]\.data_blocks: must be an integer in \[1, 4503599627370496\]' \
  "[\"$RA\",{\"root_hash\":\"$RB\",\"data_blocks\":0}]"
refused "data_blocks above 2^52 refused" 'layers\[0\]\.data_blocks: must be an integer' \
  "[{\"root_hash\":\"$RB\",\"data_blocks\":4503599627370497}]"
refused "a fractional data_blocks refused" 'layers\[0\]\.data_blocks: must be an integer' \
  "[{\"root_hash\":\"$RB\",\"data_blocks\":1.5}]"
refused "a string data_blocks refused" 'layers\[0\]\.data_blocks: must be an integer' \
  "[{\"root_hash\":\"$RB\",\"data_blocks\":\"10\"}]"
refused "an object without data_blocks refused" 'layers\[0\]\.data_blocks: required' "[{\"root_hash\":\"$RB\"}]"
refused "an object without root_hash refused" 'layers\[0\]\.root_hash: required' '[{"data_blocks":3}]'
refused "an unknown key refused" 'layers\[0\]\.hash_offset: unknown key' \
  "[{\"root_hash\":\"$RB\",\"data_blocks\":3,\"hash_offset\":0}]"
refused "a bad root_hash refused" 'layers\[0\]\.root_hash: must be 64 or 128 hex digits' \
  '[{"root_hash":"xyz","data_blocks":3}]'
refused "two counts for one root (across containers) refused" \
  "containers\[1\]\.layers\[0\]\.data_blocks: 12, but containers\[0\]\.layers\[0\] records 10 for root hash $RB" \
  "[{\"root_hash\":\"$RB\",\"data_blocks\":10}]" "[{\"root_hash\":\"${RB^^}\",\"data_blocks\":12}]"
check "the same count twice, and a string element of that root, are fine" $P compile <(pol \
  "[{\"root_hash\":\"$RB\",\"data_blocks\":10}]" "[\"$RB\",{\"root_hash\":\"$RB\",\"data_blocks\":10}]")

# ---- lint: a note per layer without a count ----
out=$($P lint "$W/obj.json"); rc=$?
check_eq "lint notes the string layer" "rc=$rc $(grep -c 'no data_blocks' <<<"$out")" "rc=1 1"
check_match "  ... naming it" "$out" 'containers\[0\]\.layers\[1\]: note: no data_blocks recorded'

# ---- gen: two gzip layers in an OCI layout, two images sharing them ----
L=$W/layout; mkdir -p "$L/blobs/sha256" "$W/src1" "$W/src2/etc"
RF=$(rootfs_dir)
tar --sort=name --numeric-owner --owner=0 --group=0 -C "$RF" --exclude=./etc -cf "$W/l1.tar" .
cp -a "$RF/etc/." "$W/src2/etc/"; echo top >"$W/src2/etc/layer"
tar --sort=name --numeric-owner --owner=0 --group=0 -C "$W/src2" -cf "$W/l2.tar" .
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$L/blobs/sha256/$d"; echo "$d"; }
for i in 1 2; do gzip -n -k -f "$W/l$i.tar"; done
D1=$(sha256sum "$W/l1.tar" | cut -d' ' -f1); D2=$(sha256sum "$W/l2.tar" | cut -d' ' -f1)
G1=$(blob "$W/l1.tar.gz"); G2=$(blob "$W/l2.tar.gz")
manifests=""
for img in app:sh pause:sleep; do
  name=localhost/lb:${img%%:*}
  jq -cn --arg d1 "sha256:$D1" --arg d2 "sha256:$D2" --arg c "/bin/${img#*:}" \
    '{architecture:"amd64",os:"linux",config:{Env:["PATH=/bin"],Cmd:[$c],WorkingDir:"/"},rootfs:{type:"layers",diff_ids:[$d1,$d2]}}' >"$W/cfg.json"
  cd=$(blob "$W/cfg.json")
  jq -cn --arg c "sha256:$cd" --argjson cs "$(stat -c %s "$W/cfg.json")" \
    --arg l1 "sha256:$G1" --argjson s1 "$(stat -c %s "$W/l1.tar.gz")" \
    --arg l2 "sha256:$G2" --argjson s2 "$(stat -c %s "$W/l2.tar.gz")" \
    '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
      config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
      layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$l1,size:$s1},
              {mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$l2,size:$s2}]}' >"$W/man.json"
  md=$(blob "$W/man.json")
  manifests+="${manifests:+,}$(jq -cn --arg m "sha256:$md" --argjson ms "$(stat -c %s "$W/man.json")" --arg n "$name" \
    '{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms,annotations:{"io.containerd.image.name":$n,"org.opencontainers.image.ref.name":($n | sub(".*:"; ""))}}')"
done
echo "{\"schemaVersion\":2,\"manifests\":[$manifests]}" >"$L/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"

check "gen --oci-layout" $P gen --oci-layout "$L:app" -o "$W/img.json"
# Independently: the same converter on the same tars, the size from stat,
# the root from veritysetup with the layer convention (appended tree, zero salt).
for i in 1 2; do
  parma-verity mkimage "$W/l$i.tar" "$W/l$i.img" >/dev/null
  size=$(stat -c %s "$W/l$i.img")
  want_blocks=$((size / 4096))
  cp "$W/l$i.img" "$W/l$i.vimg"
  if command -v veritysetup >/dev/null; then
    want_root=$(veritysetup format "$W/l$i.vimg" "$W/l$i.vimg" --hash-offset="$size" --data-blocks="$want_blocks" \
      --salt=$Z | sed -n 's/^Root hash:[[:space:]]*//p')
  else
    want_root=$(parma-verity format "$W/l$i.vimg" "$W/l$i.vimg" --hash-offset="$size" --data-blocks="$want_blocks" \
      --salt=$Z | sed -n 's/^Root hash:[[:space:]]*//p')
  fi
  eval "BLOCKS$i=$want_blocks ROOT$i=$want_root"
  check_eq "layer $i: image size is whole 4096-byte blocks" "$((size % 4096))" 0
  check_eq "layer $i: gen writes {root_hash, data_blocks} = (veritysetup's root, stat size / 4096)" \
    "$(jq -c ".containers[0].layers[$((i - 1))]" "$W/img.json")" \
    "{\"data_blocks\":$want_blocks,\"root_hash\":\"$want_root\"}"
done
check "the generated policy loads, one count per root" $P hash "$W/img.json"
out=$($P lint "$W/img.json")
check_eq "lint has no count note for generated layers" "$(grep -c 'no data_blocks' <<<"$out")" 0
check_eq "--diff-ids still writes plain strings" \
  "$($P gen --oci-layout "$L:app" --diff-ids | jq -c '.containers[0].layers')" "[\"$D1\",\"$D2\"]"

cat >"$W/pod.json" <<'EOF'
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "web", "namespace": "shop"},
 "spec": {"hostNetwork": true,
   "containers": [{"name": "app", "image": "localhost/lb:app", "command": ["/bin/sh"]}]}}
EOF
out=$($P gen --pod "$W/pod.json" --pause-image "localhost/lb:pause=$L" --image "localhost/lb:app=$L" -o "$W/pod-policy.json" 2>&1)
check_eq "gen --pod" "$out" ""
want="[{\"data_blocks\":$BLOCKS1,\"root_hash\":\"$ROOT1\"},{\"data_blocks\":$BLOCKS2,\"root_hash\":\"$ROOT2\"}]"
check_eq "gen --pod: sandbox and app layers carry the same counts" \
  "$(jq -c '[.containers[].layers]' "$W/pod-policy.json" 2>&1)" "[$want,$want]"
check_eq "gen --pod --any-rootfs: still no layers" \
  "$($P gen --pod "$W/pod.json" --pause-image "localhost/lb:pause=$L" --image "localhost/lb:app=$L" --any-rootfs -o - |
     jq -c '[.containers[].layers]')" '[[],[]]'
done_testing
