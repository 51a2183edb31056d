#!/bin/bash
# parma-policy end to end: gen from a real runc bundle and a real OCI image
# layout, check (allow, and --explain for each single-field mutation), the
# canonical hash's invariants, bad policies, fragments signed with openssl.
. "$PARMA_SRC/tests/lib/tap.sh"
. "$PARMA_SRC/tests/lib/rootfs.sh"
P=parma-policy
W=$PARMA_WORK/policy
rm -rf "$W"; mkdir -p "$W"

# ---- gen --bundle, then check ----
make_bundle "$W/b" sh -c 'echo hi' >/dev/null
jq '.process.env += ["HOSTDATA=abc"] | .annotations = {"io.kubernetes.cri.sandbox-name":"pod1"}' \
  "$W/b/config.json" >"$W/c.json" && mv "$W/c.json" "$W/b/config.json"
jq -n '{user:{uid:0,gid:0},args:["cat","/etc/hostname"],env:["PATH=/bin"],cwd:"/",noNewPrivileges:true}' >"$W/probe.json"
check "gen --bundle" $P gen --bundle "$W/b" --exec "$W/probe.json" -o "$W/p.json"
check "check admits the generated bundle" $P check "$W/p.json" --bundle "$W/b"
check "check admits the exec probe" $P check "$W/p.json" --bundle "$W/b" --process "$W/probe.json"
jq '.args = ["cat","/etc/shadow"]' "$W/probe.json" >"$W/probe2.json"
out=$($P check "$W/p.json" --bundle "$W/b" --process "$W/probe2.json" --explain); rc=$?
check_eq "exec with other argv denied" "$rc" 1
check_match "exec denial names command" "$out" 'command: policy \["cat","/etc/hostname"\] vs request \["cat","/etc/shadow"\]'

# A "$(" or "$$" in a generated command is literal, never a placeholder.
make_bundle "$W/dollar" sh -c 'echo $(hostname) $$ $(sandbox-id)' >/dev/null
check "gen --bundle with \$ in the command" $P gen --bundle "$W/dollar" -o "$W/pdollar.json"
check_eq "gen writes \$ as \$\$" "$(jq -c '.containers[0].command[2]' "$W/pdollar.json")" \
  '"echo $$(hostname) $$$$ $$(sandbox-id)"'
check "check admits the bundle with \$ in its command" $P check "$W/pdollar.json" --bundle "$W/dollar"
jq '.process.args[2] = "echo $(hostname) $$ x"' "$W/dollar/config.json" >"$W/c.json"
mkdir -p "$W/dollar2" && cp "$W/c.json" "$W/dollar2/config.json"
check_fails "a changed command with \$ is still denied" $P check "$W/pdollar.json" --bundle "$W/dollar2"

# Each single-field mutation of the bundle is denied and pin-pointed.
mutate() { # NAME JQ-FILTER EXPECTED-RULE-REGEX
  rm -rf "$W/m"; cp -a "$W/b" "$W/m"
  jq "$2" "$W/b/config.json" >"$W/m/config.json"
  local out rc
  out=$($P check "$W/p.json" --bundle "$W/m" --explain 2>&1); rc=$?
  if [ "$rc" = 1 ] && [[ "$out" =~ $3 ]]; then ok "explain: $1"; else not_ok "explain: $1" "rc=$rc $out"; fi
}
mutate args '.process.args += ["x"]' 'command: policy \["sh","-c","echo hi"\] vs request'
mutate env '.process.env += ["LD_PRELOAD=/x"]' 'env_rules: LD_PRELOAD=/x matches no rule'
mutate env-missing '.process.env |= map(select(startswith("TERM") | not))' 'env_rules: required string rule "TERM=xterm"'
mutate anchored-env '.process.env += ["LDPRELOAD=HOSTDATA=abc"]' 'env_rules: LDPRELOAD=HOSTDATA=abc matches no rule'
mutate cwd '.process.cwd = "/tmp"' 'working_dir: policy "/" vs request "/tmp"'
mutate uid '.process.user.uid = 1000' 'user: policy uid:gid 0:0 vs request 1000:0'
mutate umask '.process.user.umask = 0' 'user: policy umask 0022 vs request 0000'
mutate gids '.process.user.additionalGids = [10]' 'user: additional_gids'
mutate cap '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]' 'capabilities: bounding: policy \[[A-Z_,]+\] vs request \[.*CAP_SYS_ADMIN'
mutate elevated '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]' 'allow_elevated: the request is elevated \(CAP_SYS_ADMIN\)'
mutate nnp '.process.noNewPrivileges = false' 'no_new_privileges'
mutate mount-opt '.mounts[1].options += ["exec"]' 'mounts: /dev: policy type tmpfs'
mutate mount-new '.mounts += [{"destination":"/host","type":"bind","source":"/","options":["rbind"]}]' 'mounts: /host .* matches no policy mount'
mutate ns '.linux.namespaces |= map(select(.type != "pid"))' 'namespaces: policy'
mutate masked '.linux.maskedPaths = []' 'masked_paths: /proc/kcore must be masked'
mutate rlimit '.process.rlimits[0].hard = 4096' 'rlimits: RLIMIT_NOFILE hard 4096'
mutate sysctl '.linux.sysctl = {"net.ipv4.ip_forward":"1"}' 'sysctls: net.ipv4.ip_forward=1'
mutate hostname '.hostname = "evil"' 'hostname: "evil" does not match'
mutate annotation '.annotations["x.y"] = "z"' 'annotations: x.y=z matches no rule'
mutate hook '.hooks = {"prestart":[{"path":"/bin/sh"}]}' 'hooks: prestart'
mutate device '.linux.devices = [{"path":"/dev/sda","type":"b","major":8,"minor":0}]' 'devices: /dev/sda'
mutate seccomp '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}' 'seccomp_profile_sha256: policy allows no seccomp'
mutate terminal-ok '.process.terminal = true | .process.args += ["y"]' 'command:'
# typeless mounts: gen and the matcher agree on what they are.
rm -rf "$W/t"; cp -a "$W/b" "$W/t"
jq '.mounts += [{"destination":"/opt","source":"/tmp","options":["rbind","ro"]},{"destination":"/mnt","source":"none"}]' \
  "$W/b/config.json" >"$W/t/config.json"
$P gen --bundle "$W/t" -o "$W/pt.json"
check "typeless mounts round-trip through gen and check" $P check "$W/pt.json" --bundle "$W/t"
check_eq "a typeless bind mount is recorded as bind" "$(jq -r '.containers[0].mounts[] | select(.destination == "/opt") | .type' "$W/pt.json")" bind
# mount option order is a set: reordering is still admitted.
rm -rf "$W/m"; cp -a "$W/b" "$W/m"
jq '.mounts[1].options |= reverse' "$W/b/config.json" >"$W/m/config.json"
check "mount option order does not matter" $P check "$W/p.json" --bundle "$W/m"

# ---- unknown OCI fields: refused unless the policy allows them ----
rm -rf "$W/u"; cp -a "$W/b" "$W/u"; jq '.process.futureField = 1' "$W/b/config.json" >"$W/u/config.json"
check_match "unknown OCI field refused by the strict reader" "$($P check "$W/p.json" --bundle "$W/u" 2>&1)" 'process.futureField'
jq '.allow_unknown_oci_fields = true' "$W/p.json" >"$W/pu.json"
check "allow_unknown_oci_fields drops it" $P check "$W/pu.json" --bundle "$W/u"

# ---- seccomp: two spellings of one filter have one digest ----
jq '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mount","umount2"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' \
  "$W/b/config.json" >"$W/sc1.json"
mkdir -p "$W/s1" "$W/s2"; cp "$W/sc1.json" "$W/s1/config.json"
jq '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["umount2"],"action":"SCMP_ACT_ERRNO","errnoRet":1},{"names":["mount"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' \
  "$W/b/config.json" >"$W/s2/config.json"
ln -s "$W/b/rootfs" "$W/s1/rootfs"; ln -s "$W/b/rootfs" "$W/s2/rootfs"
check "gen with seccomp" $P gen --bundle "$W/s1" --name b -o "$W/ps.json"
check "same filter spelled differently matches" $P check "$W/ps.json" --bundle "$W/s2"
jq '.linux.seccomp.syscalls[0].errnoRet = 2' "$W/s2/config.json" >"$W/s3.json"; mkdir -p "$W/s3"; mv "$W/s3.json" "$W/s3/config.json"
check_fails "a different filter does not" $P check "$W/ps.json" --bundle "$W/s3"

# ---- canonical hash invariants ----
h=$($P hash "$W/p.json" | head -1)
check_match "hash is 64 lowercase hex" "$h" '^[0-9a-f]{64}$'
jq --indent 7 -S . "$W/p.json" >"$W/p-ws.json"
check_eq "whitespace/key order keep the hash" "$($P hash "$W/p-ws.json" | head -1)" "$h"
jq 'del(.allow_update, .containers[0].elevated_reason, .containers[0].exec_processes[0].working_dir)' "$W/p.json" >"$W/p-def.json"
check_eq "omitted defaults keep the hash" "$($P hash "$W/p-def.json" | head -1)" "$h"
jq '.containers[0].capabilities.bounding |= (reverse | map(ascii_downcase | sub("^cap_";"")))' "$W/p.json" >"$W/p-caps.json"
check_eq "capability spelling/order keep the hash" "$($P hash "$W/p-caps.json" | head -1)" "$h"
jq '.containers[0].signals = ["SIGKILL","TERM"]' "$W/p.json" >"$W/p-sig.json"
check_eq "signal names keep the hash" "$($P hash "$W/p-sig.json" | head -1)" "$h"
n=0; same=0
for f in '.allow_update = true' '.containers[0].name = "x"' '.containers[0].working_dir = "/x"' \
         '.containers[0].user.uid = 1' '.containers[0].user.umask = "0077"' '.containers[0].no_new_privileges = false' \
         '.containers[0].env_rules[0].required = false' '.containers[0].env_rules[0].strategy = "re"' \
         '.containers[0].command += ["y"]' '.containers[0].signals = [15]' '.containers[0].mounts[0].options = ["ro"]' \
         '.containers[0].layers = ["'"$(printf '%064d' 0)"'"]' '.containers[0].allow_stdio_access = false' \
         '.containers[0].exec_processes[0].command = ["true"]' '.containers[0].hostname = "a"'; do
  jq "$f" "$W/p.json" >"$W/mut.json"; n=$((n + 1))
  [ "$($P hash "$W/mut.json" | head -1)" = "$h" ] && { same=$((same + 1)); echo "# same hash after: $f"; }
done
check_eq "each of $n single-field mutations changes the hash" "$same" 0
b64=$($P hash "$W/p.json" --base64 | sed -n 2p)
check_eq "--base64 is the same digest" "$(echo "$b64" | base64 -d | xxd -p -c 64)" "$h"
$P compile "$W/p.json" -o "$W/canon.json"
check_eq "compile output is the hashed bytes" "$(head -c -1 "$W/canon.json" | sha256sum | cut -d' ' -f1)" "$h"
check_eq "canonical form is a fixed point" "$($P hash "$W/canon.json" | head -1)" "$h"
out=$($P diff "$W/p.json" "$W/p-def.json"); check_eq "diff of equivalent policies is empty" "$out" ""
jq '.containers[0].working_dir = "/x"' "$W/p.json" >"$W/mut.json"
check_match "diff names the changed path" "$($P diff "$W/p.json" "$W/mut.json")" '~ containers\[0\].working_dir: "/" -> "/x"'

# ---- bad policies: one line naming path and rule ----
bad() { # NAME JSON EXPECTED
  echo "$2" >"$W/bad.json"
  local out rc; out=$($P hash "$W/bad.json" 2>&1); rc=$?
  if [ "$rc" != 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [ "$out" = "parma-policy: $W/bad.json: $3" ]; then ok "bad: $1"
  else not_ok "bad: $1" "rc=$rc $out"; fi
}
bad strategy '{"version":1,"containers":[{"name":"a","command":["x"]},{"name":"b","command":["y"]},{"name":"c","command":["z"],"env_rules":[{"pattern":"A=1","strategy":"glob"}]}]}' \
  'containers[2].env_rules[0].strategy: must be "string" or "re"'
bad unknown-key '{"version":1,"containers":[{"name":"a","command":["x"],"comand":["y"]}]}' 'containers[0].comand: unknown key'
bad version '{"containers":[]}' 'version: required (1)'
bad regex '{"version":1,"containers":[{"name":"a","command":["x"],"env_rules":[{"pattern":"A=(","strategy":"re"}]}]}' \
  'containers[0].env_rules[0].pattern: bad regular expression "A=(": Unmatched ( or \('
bad cap '{"version":1,"containers":[{"name":"a","command":["x"],"capabilities":{"bounding":["CAP_FLY"]}}]}' \
  'containers[0].capabilities.bounding[0]: unknown capability "CAP_FLY"'
bad signal '{"version":1,"containers":[{"name":"a","command":["x"],"signals":["SIGFOO"]}]}' \
  'containers[0].signals[0]: not a signal (1..64 or a name like "SIGTERM")'
bad dup '{"version":1,"version":1}' 'policy: line 1 column 22: duplicate object key near '"'"'"version"'"'"''
bad umask '{"version":1,"containers":[{"name":"a","command":["x"],"user":{"umask":"999"}}]}' \
  'containers[0].user.umask: must be an octal string like "0022" (at most 0777)'

# ---- placeholders ----
jq '.containers[0].command = ["sh","-c","$(sandbox-name)"]' "$W/p.json" >"$W/ph.json"
rm -rf "$W/m"; cp -a "$W/b" "$W/m"; jq '.process.args = ["sh","-c","pod1"]' "$W/b/config.json" >"$W/m/config.json"
check "placeholder filled from the sandbox-name annotation" $P check "$W/ph.json" --bundle "$W/m"
jq '.process.args = ["sh","-c","pod2"]' "$W/b/config.json" >"$W/m/config.json"
check_fails "placeholder with another value denied" $P check "$W/ph.json" --bundle "$W/m"

# ---- open door ----
check "gen --open-door" $P gen --open-door -o "$W/open.json"
check_match "open door admits anything" "$($P check "$W/open.json" --bundle "$W/m")" 'open door'
check_match "lint flags the open door" "$($P lint "$W/open.json")" 'open_door: true admits everything'
echo '{"version":1,"containers":[{"name":"a","command":["x"],"allow_elevated":true,"env_rules":[{"pattern":".*","strategy":"re"}]}]}' >"$W/l.json"
out=$($P lint "$W/l.json")
check_match "lint: broad re rule" "$out" 'env_rules\[0\]: ".\*" admits any variable'
check_match "lint: allow_elevated without reason" "$out" 'allow_elevated: true without an elevated_reason'
echo '{"version":1,"containers":[{"name":"a","command":["x","$(pod)"],"env_rules":[{"pattern":"A=1","required":true},{"pattern":"A=2","required":true},{"pattern":"^B=1$","strategy":"re"}]},{"name":"b","command":["x","$(pod)"],"env_rules":[{"pattern":"A=1","required":true},{"pattern":"A=2","required":true},{"pattern":"^B=1$","strategy":"re"}]}]}' >"$W/l2.json"
out=$($P lint "$W/l2.json"); rc=$?
check_eq "lint exits 1 on findings" "$rc" 1
check_match "lint: unsatisfiable required pair" "$out" 'containers\[0\].env_rules\[1\]: required together with env_rules\[0\]'
check_match "lint: unknown placeholder" "$out" 'containers\[0\].command\[1\]: unknown placeholder in "\$\(pod\)"'
check_match "lint: explicit anchors" "$out" 'env_rules\[2\]: anchors are implicit'
check_match "lint: shadowed container" "$out" 'containers\[1\]: shadowed by containers\[0\]'

# ---- fragments (keys from the openssl CLI) ----
openssl genpkey -algorithm ed25519 -out "$W/ed.key" 2>/dev/null
openssl pkey -in "$W/ed.key" -pubout -out "$W/ed.pub"
openssl ecparam -name secp384r1 -genkey -noout -out "$W/ec.key" 2>/dev/null
openssl pkey -in "$W/ec.key" -pubout -out "$W/ec.pub"
openssl genpkey -algorithm ed25519 -out "$W/other.key" 2>/dev/null
jq --rawfile ed "$W/ed.pub" --rawfile ec "$W/ec.pub" '.fragments = [{issuer:$ed,feed:"sidecars",minimum_svn:2},{issuer:$ec,feed:"ec-feed"}]' \
  "$W/open.json" | jq '.open_door = false' >"$W/base.json"
frag_c=$(jq -c '.containers[0] | .name = "from-fragment"' "$W/p.json")
jq -n --rawfile ed "$W/ed.pub" --argjson c "$frag_c" '{issuer:$ed,feed:"sidecars",svn:3,containers:[$c]}' >"$W/frag.json"
openssl pkeyutl -sign -rawin -inkey "$W/ed.key" -in "$W/frag.json" -out "$W/frag.sig"
check_fails "base policy alone denies" $P check "$W/base.json" --bundle "$W/b"
check_match "ed25519 fragment adds the container" \
  "$($P check "$W/base.json" --bundle "$W/b" --fragment "$W/frag.json" "$W/frag.sig")" 'allowed: create: containers\[0\] "from-fragment"'
check_eq "fragments do not change the hash" "$($P hash "$W/base.json" | head -1)" "$($P hash "$W/base.json" | head -1)"
cp "$W/frag.sig" "$W/bad.sig"; printf '\x01' | dd of="$W/bad.sig" bs=1 seek=5 conv=notrunc 2>/dev/null
check_match "bad signature refused" "$($P check "$W/base.json" --bundle "$W/b" --fragment "$W/frag.json" "$W/bad.sig" 2>&1)" 'bad signature'
openssl pkeyutl -sign -rawin -inkey "$W/other.key" -in "$W/frag.json" -out "$W/other.sig"
check_match "signature by another key refused" "$($P check "$W/base.json" --bundle "$W/b" --fragment "$W/frag.json" "$W/other.sig" 2>&1)" 'bad signature'
openssl pkey -in "$W/other.key" -pubout -out "$W/other.pub"
jq --rawfile o "$W/other.pub" '.issuer = $o' "$W/frag.json" >"$W/frag-wi.json"
openssl pkeyutl -sign -rawin -inkey "$W/other.key" -in "$W/frag-wi.json" -out "$W/frag-wi.sig"
check_match "unpinned issuer refused" "$($P check "$W/base.json" --bundle "$W/b" --fragment "$W/frag-wi.json" "$W/frag-wi.sig" 2>&1)" 'issuer is not pinned'
jq '.svn = 1' "$W/frag.json" >"$W/frag-old.json"
openssl pkeyutl -sign -rawin -inkey "$W/ed.key" -in "$W/frag-old.json" -out "$W/frag-old.sig"
check_match "svn below minimum refused" "$($P check "$W/base.json" --bundle "$W/b" --fragment "$W/frag-old.json" "$W/frag-old.sig" 2>&1)" 'svn 1 is below minimum_svn 2'
jq -n --rawfile ec "$W/ec.pub" --argjson c "$frag_c" '{issuer:$ec,feed:"ec-feed",svn:0,containers:[$c]}' >"$W/frag-ec.json"
openssl dgst -sha384 -sign "$W/ec.key" -out "$W/frag-ec.sig" "$W/frag-ec.json"
check "ECDSA P-384 fragment" $P check "$W/base.json" --bundle "$W/b" --fragment "$W/frag-ec.json" "$W/frag-ec.sig"

# ---- OCI image layout from the busybox rootfs (tar+gzip, real digests) ----
L=$W/layout; mkdir -p "$L/blobs/sha256"
tar --numeric-owner --owner=0 --group=0 -C "$(rootfs_dir)" -cf "$W/layer.tar" .
gzip -n -k "$W/layer.tar"
diffid=$(sha256sum "$W/layer.tar" | cut -d' ' -f1); ldig=$(sha256sum "$W/layer.tar.gz" | cut -d' ' -f1)
cp "$W/layer.tar.gz" "$L/blobs/sha256/$ldig"
jq -cn --arg d "sha256:$diffid" '{architecture:"amd64",os:"linux",config:{Env:["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"],Cmd:["sh"],WorkingDir:"/"},rootfs:{type:"layers",diff_ids:[$d]}}' >"$W/cfg.json"
cdig=$(sha256sum "$W/cfg.json" | cut -d' ' -f1); cp "$W/cfg.json" "$L/blobs/sha256/$cdig"
jq -cn --arg c "sha256:$cdig" --argjson cs "$(stat -c %s "$W/cfg.json")" --arg l "sha256:$ldig" --argjson ls "$(stat -c %s "$W/layer.tar.gz")" \
  '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$l,size:$ls}]}' >"$W/man.json"
mdig=$(sha256sum "$W/man.json" | cut -d' ' -f1); cp "$W/man.json" "$L/blobs/sha256/$mdig"
jq -cn --arg m "sha256:$mdig" --argjson ms "$(stat -c %s "$W/man.json")" '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms,annotations:{"org.opencontainers.image.ref.name":"latest"}}]}' >"$L/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
check "gen --oci-layout" $P gen --oci-layout "$L:latest" -o "$W/img.json"
root=$(jq -r '.containers[0].layers[0].root_hash' "$W/img.json")
check_match "layer recorded as a verity root hash" "$root" '^[0-9a-f]{64}$'
check_match "with its data block count" "$(jq -r '.containers[0].layers[0].data_blocks' "$W/img.json")" '^[1-9][0-9]*$'
check_eq "the root hash is reproducible" "$($P gen --oci-layout "$L:latest" | jq -r '.containers[0].layers[0].root_hash')" "$root"
check_eq "--diff-ids records the diff_id" "$($P gen --oci-layout "$L:latest" --diff-ids | jq -r '.containers[0].layers[0]')" "$diffid"
make_bundle "$W/ib" sh >/dev/null
check "image policy admits the runc bundle of that image" $P check "$W/img.json" --bundle "$W/ib"
jq '.process.args = ["sh","-x"]' "$W/ib/config.json" >"$W/x.json" && mv "$W/x.json" "$W/ib/config.json"
check_fails "and not another command" $P check "$W/img.json" --bundle "$W/ib"
check "lint of the image policy is clean" $P lint "$W/img.json"
# config.User names are resolved in the image's own /etc/passwd and /etc/group.
user_layout() { # USER -> prints "uid:gid" of the generated policy
  local cfg man cd md t="u-${1//:/_}"
  cfg=$(jq -c --arg u "$1" '.config.User = $u' "$W/cfg.json"); cd=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" >"$L/blobs/sha256/$cd"
  man=$(jq -c --arg c "sha256:$cd" '.config.digest = $c' "$W/man.json"); md=$(printf '%s' "$man" | sha256sum | cut -d' ' -f1)
  printf '%s' "$man" >"$L/blobs/sha256/$md"
  jq --arg m "sha256:$md" --arg t "$t" '.manifests += [{digest:$m,annotations:{"org.opencontainers.image.ref.name":$t}}]' \
    "$L/index.json" >"$W/i.json" && mv "$W/i.json" "$L/index.json"
  $P gen --oci-layout "$L:$t" --diff-ids 2>&1 | jq -r '.containers[0].user | "\(.uid):\(.gid)"' 2>/dev/null ||
    $P gen --oci-layout "$L:$t" --diff-ids 2>&1
}
check_eq "User nobody -> 65534:65534" "$(user_layout nobody)" "65534:65534"
check_eq "User nobody:root -> 65534:0" "$(user_layout nobody:root)" "65534:0"
check_eq "User 65534 -> primary gid from passwd" "$(user_layout 65534)" "65534:65534"
check_eq "User 7:8 stays numeric" "$(user_layout 7:8)" "7:8"
check_match "unknown user name refused" "$(user_layout ghost)" "no such user in the image's /etc/passwd"
if command -v zstd >/dev/null; then
  zstd -q -f "$W/layer.tar" -o "$W/layer.tar.zst"; zdig=$(sha256sum "$W/layer.tar.zst" | cut -d' ' -f1)
  cp "$W/layer.tar.zst" "$L/blobs/sha256/$zdig"
  jq --arg l "sha256:$zdig" '.layers[0].digest = $l | .layers[0].mediaType = "application/vnd.oci.image.layer.v1.tar+zstd"' -c "$W/man.json" >"$W/manz.json"
  mz=$(sha256sum "$W/manz.json" | cut -d' ' -f1); cp "$W/manz.json" "$L/blobs/sha256/$mz"
  jq --arg m "sha256:$mz" '.manifests += [{digest:$m,annotations:{"org.opencontainers.image.ref.name":"zst"}}]' "$L/index.json" >"$W/i.json" && mv "$W/i.json" "$L/index.json"
  check_eq "zstd layer gives the same diff_id" "$($P gen --oci-layout "$L:zst" --diff-ids | jq -r '.containers[0].layers[0]')" "$diffid"
  check_eq "zstd layer gives the same root hash" "$($P gen --oci-layout "$L:zst" | jq -r '.containers[0].layers[0].root_hash')" "$root"
else
  skip "zstd layer" "zstd not installed"
fi
printf 'x' >>"$L/blobs/sha256/$cdig"
check_match "tampered config blob refused" "$($P gen --oci-layout "$L:latest" 2>&1)" "blob sha256:$cdig has digest"

# ---- size budget and benchmark ----
out=$($P bench 100 200)
check_match "bench at 100 containers runs" "$out" 'canonical_bytes=[0-9]+'
size=$(echo "$out" | sed -n 's/.*canonical_bytes=\([0-9]*\).*/\1/p')
check "100 realistic containers fit the 256 KiB annotation budget ($size bytes)" test "$size" -le 262144
echo "# $out"
done_testing
