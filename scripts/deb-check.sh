#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages (dpkg-buildpackage -us -uc -b) from a copy of the tree,
# installs them on this machine with apt, then builds the outside consumer against the
# installed libvscsiif-dev and runs vscsi-sim from the installed vscsiif-tools.
# The packages are purged again at the end unless VSCSI_DEB_KEEP=1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" = 1 ] && [ "${VSCSI_DEB_KEEP:-0}" != 1 ]; then
    $sudo apt-get purge -y -qq libvscsiif0 libvscsiif-dev vscsiif-tools >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

# What dpkg-buildpackage and the checks need (debian/control's Build-Depends and a compiler).
pkgs=(build-essential debhelper dpkg-dev cmake pkg-config libxen-dev scdoc g++ man-db)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deb-check: installing ${missing[*]}"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A clean copy: the tracked and new files, none of the build directories.
src="$work/vscsiif"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) |
    tar -xf - -C "$src"
else
  tar -C "$top" --exclude='./build*' --exclude=./out --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
  tail -40 "$work/build.log"
  echo "deb-check: dpkg-buildpackage failed" >&2
  exit 1
}
grep -E "^dpkg-gensymbols: warning" "$work/build.log" || true
ls "$work"/*.deb
for deb in "$work"/*.deb; do
  echo "--- $(basename "$deb")"
  dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$'
done

# The package contents the task promises.
need() { dpkg-deb -c "$work/$1"_*.deb | grep -E "$2" >/dev/null || { echo "deb-check: $1 lacks $2" >&2; exit 1; }; }
need libvscsiif0 'libvscsiif\.so\.0( ->|$)'
need libvscsiif0 'libvscsiif\.so\.0\.[0-9]+\.[0-9]+$'
need libvscsiif-dev 'include/vscsiif/vscsiif\.h$'
need libvscsiif-dev 'libvscsiif\.so( ->|$)'
need libvscsiif-dev 'libvscsiif\.a$'
need libvscsiif-dev 'pkgconfig/vscsiif\.pc$'
need libvscsiif-dev 'cmake/vscsiif/vscsiif-config\.cmake$'
need vscsiif-tools 'usr/bin/vscsi-sim$'
need vscsiif-tools 'man1/vscsi-sim\.1\.gz$'
need vscsiif-tools 'lib/systemd/system/vscsi-back\.service$'
need vscsiif-tools 'etc/vscsiif/vscsi-back\.conf$'
dpkg-deb -I "$work"/libvscsiif0_*.deb shlibs symbols >/dev/null ||
  { echo "deb-check: libvscsiif0 has no shlibs/symbols control file" >&2; exit 1; }

installed=1
$sudo apt-get install -y -qq "$work"/*.deb >/dev/null
bash "$top/scripts/consumer-check.sh" --installed
ver=$(dpkg-query -W -f='${Version}' vscsiif-tools)
/usr/bin/vscsi-sim --version | grep -qF " ${ver%%-*}" ||
  { echo "deb-check: vscsi-sim --version does not say $ver" >&2; exit 1; }
man -w vscsi-sim >/dev/null
# The unit's own ExecStartPre line (the shipped settings checked by the installed binary).
pre=$(sed -n 's/^ExecStartPre=//p' /lib/systemd/system/vscsi-back.service)
$pre || { echo "deb-check: vscsi-back.service ExecStartPre failed: $pre" >&2; exit 1; }
/usr/bin/vscsi-sim | tee "$work/sim.out"
grep -q 'result      PASS' "$work/sim.out"
echo "deb-check: ok ($(cd "$work" && ls ./*.deb | tr '\n' ' '))"
