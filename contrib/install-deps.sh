#!/bin/sh
# Installs the Debian 12 packages that `make demo` and `make check` need, and
# only those that are missing (one `apt-get update` first when any is).
set -eu
PKGS="build-essential pkg-config clang libjansson-dev libyajl-dev libssl-dev libseccomp-dev
libcap-dev libmount-dev runc crun busybox-static cryptsetup-bin jq util-linux
erofs-utils squashfs-tools-ng libarchive-dev valgrind libclang-rt-14-dev
e2fsprogs kmod procps iproute2 file"
# Each room may list further packages, one per line, in contrib/deps/*.txt.
here=$(dirname "$0")
for f in "$here"/deps/*.txt; do
  [ -f "$f" ] && PKGS="$PKGS $(sed 's/#.*//' "$f" | tr '\n' ' ')"
done
missing=""
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages:$missing (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
