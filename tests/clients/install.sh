#!/bin/bash
# make install / uninstall with PREFIX, SYSCONFDIR and DESTDIR, as the README
# documents; built in a directory of its own (SYSCONFDIR is compiled in).
. tests/lib/tap.sh
W=$PARMA_WORK/install
rm -rf "$W"; mkdir -p "$W"
D=$W/dest
B=$W/build
if make -s -C "$PARMA_SRC" -j"$(nproc)" BUILDDIR="$B" PREFIX=/usr/local SYSCONFDIR=/etc DESTDIR="$D" \
    install >"$W/install.log" 2>&1; then
  ok "make install PREFIX=/usr/local SYSCONFDIR=/etc DESTDIR=..."
else
  not_ok "make install" "$(tail -5 "$W/install.log")"
fi
for p in parma-runc parma-policy parma-snp parma-verity; do
  check "$p installed and executable" test -x "$D/usr/local/bin/$p"
  check "bash completion for $p" test -f "$D/usr/local/share/bash-completion/completions/$p"
done
for m in man8/parma-runc.8 man5/parma-runc-config.5 man1/parma-policy.1 man5/parma-policy.5 \
         man1/parma-snp.1 man8/parma-verity.8; do
  check "man page $m" test -f "$D/usr/local/share/man/$m"
done
check "default configuration installed" jq -e .delegate "$D/etc/parma-runc/config.json"
check "the installed parma-runc reads /etc (compiled in)" \
  grep -q '/etc/parma-runc/config.json' "$D/usr/local/bin/parma-runc"
check_match "the installed parma-policy runs" "$("$D/usr/local/bin/parma-policy" gen --open-door | jq -c .containers)" '^\[\]$|open|\[\{'
make -s -C "$PARMA_SRC" BUILDDIR="$B" PREFIX=/usr/local SYSCONFDIR=/etc DESTDIR="$D" uninstall >/dev/null 2>&1
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
check_eq "uninstall removes everything but the configuration" "$left" "./etc/parma-runc/config.json "
rm -rf "$W"
done_testing
