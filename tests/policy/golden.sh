#!/bin/bash
# Golden policies: their canonical bytes and hashes are fixed here, so any
# (layers-string was made before layers could carry data_blocks; layer-blocks
# pins the object form {root_hash, data_blocks})
# change of the canonical form (which would change every deployed
# HOST_DATA) is caught.  Regenerate only on purpose:
#   parma-policy compile X.json -o X.canon; parma-policy hash X.json > X.sha256
. "$PARMA_SRC/tests/lib/tap.sh"
G=$PARMA_SRC/tests/policy/golden
W=$PARMA_WORK/policy-golden; rm -rf "$W"; mkdir -p "$W"
for name in nginx sidecar pod-fragments layers-string layer-blocks; do
  parma-policy compile "$G/$name.json" -o "$W/$name.canon"
  check "$name: canonical bytes" cmp "$W/$name.canon" "$G/$name.canon"
  check_eq "$name: hash" "$(parma-policy hash "$G/$name.json")" "$(cat "$G/$name.sha256")"
  check_eq "$name: hash = sha256 of the canonical bytes" \
    "$(head -c -1 "$G/$name.canon" | sha256sum | cut -d' ' -f1)" "$(cat "$G/$name.sha256")"
  check_eq "$name: canonical form hashes the same" "$(parma-policy hash "$G/$name.canon")" "$(cat "$G/$name.sha256")"
  # Property: reordered keys (jq -S sorts; --tab re-indents) keep the hash.
  jq -S --tab . "$G/$name.json" >"$W/$name.ws.json"
  check_eq "$name: reformatted keeps the hash" "$(parma-policy hash "$W/$name.ws.json")" "$(cat "$G/$name.sha256")"
  # Property: every single leaf mutation of the canonical form changes it.
  # (issuer PEMs are skipped: text after the END line is not part of the key,
  # so appending to it does not change the meaning, nor the hash.)  One jq
  # run writes every mutant, one per line.
  want=$(cat "$G/$name.sha256")
  jq -c '. as $doc | [paths(scalars) | select(.[-1] != "issuer")] | .[] as $p
    | $doc | setpath($p; getpath($p) | if type == "string" then . + "x" elif type == "boolean"
      then (. | not) elif type == "number" then . + 1 else . end) | ($p, .)' "$G/$name.canon" |
  while read -r path && read -r doc; do
    h=$(printf '%s' "$doc" | parma-policy hash - 2>/dev/null) || { echo "n"; continue; }
    [ "$h" = "$want" ] && echo "same $path" || echo "n"
  done >"$W/$name.mut"
  n=$(grep -c '' "$W/$name.mut"); same=$(grep -c '^same' "$W/$name.mut")
  grep '^same' "$W/$name.mut" | sed 's/^/# unchanged by /'
  check_eq "$name: all $n valid leaf mutations change the hash" "$same" 0
done
done_testing
