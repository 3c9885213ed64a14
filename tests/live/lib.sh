# SPDX-License-Identifier: MIT
# Image preparation for the live Xen test (sourced by run.sh). Adapted from shared/livexen.
# Big artefacts live under $LX (default <repo>/build/live), never in the tree.

lx_packages() {
  export DEBIAN_FRONTEND=noninteractive
  local need=()
  for c in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap cpio:cpio depmod:kmod \
           file:file bc:bc zstd:zstd xz:xz-utils pkg-config:pkg-config; do
    command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
  done
  [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' || need+=(busybox-static)
  dpkg -s libxen-dev >/dev/null 2>&1 || need+=(libxen-dev)
  dpkg -s libcmocka-dev >/dev/null 2>&1 || need+=(libcmocka-dev)
  if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "need root to install: ${need[*]}"; return 1; }
    timeout 600 apt-get update -q >/dev/null && \
      timeout 900 apt-get install -y -q --no-install-recommends "${need[@]}" ca-certificates >/dev/null || return 1
  fi
  if [ ! -s "$OUT/xen.elf" ] || [ ! -s "$OUT/vmlinuz" ] || [ ! -d "$X/lib/modules" ]; then
    mkdir -p "$DEBS"; chmod 777 "$DEBS"
    local kpkg
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
    (cd "$DEBS" && timeout 900 apt-get download -q xen-hypervisor-4.17-amd64 "$kpkg" >/dev/null) || return 1
    for f in "$DEBS"/*.deb; do dpkg -x "$f" "$X"; done
    zcat "$X/boot/xen-4.17-amd64.gz" > "$OUT/xen.elf"   # QEMU multiboot wants the ELF32, not the .gz
    cp "$X/boot/vmlinuz-$(lx_kver)" "$OUT/vmlinuz"
  fi
  local K; K=$(lx_kver)
  [ -e "$X/lib/modules/$K/modules.dep" ] || depmod -b "$X" "$K"
}

lx_kver() { ls "$X/lib/modules" | sort -V | tail -1; }

# debootstrap tree: only a source of binaries (xl, xenstored, sg3-utils, mt-st, mtx, lsscsi).
# Packages installed after debootstrap (tape clients: btape from bacula-sd; tapeinfo and
# loaderinfo come with mtx, GNU tar with minbase); added to a cached tree too.
LX_EXTRA_PKGS="bacula-sd"
lx_rootfs_extra() {
  [ -x "$ROOTFS/usr/sbin/btape" ] && return 0
  printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"; chmod +x "$ROOTFS/usr/sbin/policy-rc.d"
  chroot "$ROOTFS" apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 900 chroot "$ROOTFS" apt-get install -y -q --no-install-recommends \
    $LX_EXTRA_PKGS >>"$LX/debootstrap.log" 2>&1; local rc=$?
  rm -f "$ROOTFS/usr/sbin/policy-rc.d"
  chroot "$ROOTFS" apt-get clean
  return $rc
}
lx_rootfs() {
  [ -x "$ROOTFS/usr/lib/xen-4.17/bin/xl" ] && [ -x "$ROOTFS/usr/sbin/mtx" ] && [ -e "$ROOTFS/.lx-done" ] &&
    { lx_rootfs_extra; return; }
  rm -rf "$ROOTFS"
  timeout 1200 debootstrap --variant=minbase \
    --include=kmod,busybox,sg3-utils,lsscsi,mt-st,mtx,xenstore-utils,xen-utils-common,libxenmisc4.17,libyajl2 \
    bookworm "$ROOTFS" "$MIRROR" >"$LX/debootstrap.log" 2>&1 || { tail -20 "$LX/debootstrap.log"; return 1; }
  cat > "$ROOTFS/etc/apt/sources.list" <<EOS
deb $MIRROR bookworm main
deb $SECMIRROR bookworm-security main
EOS
  chroot "$ROOTFS" apt-get update -q >/dev/null
  printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"; chmod +x "$ROOTFS/usr/sbin/policy-rc.d"
  # xen-utils must match the hypervisor (bookworm-security)
  DEBIAN_FRONTEND=noninteractive timeout 900 chroot "$ROOTFS" apt-get install -y -q --no-install-recommends \
    xen-utils-4.17 xenstore-utils >>"$LX/debootstrap.log" 2>&1 || return 1
  rm -f "$ROOTFS/usr/sbin/policy-rc.d"
  chroot "$ROOTFS" apt-get clean
  lx_rootfs_extra || return 1
  touch "$ROOTFS/.lx-done"
}

# ---- initramfs images ------------------------------------------------------
lx_new_stage() {                  # $1 = dir; usr-merged skeleton + busybox applets
  rm -rf "$1"; mkdir -p "$1"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,proc,sys,dev,run,tmp,etc,root,var/tmp}
  ln -s usr/bin "$1/bin"; ln -s usr/sbin "$1/sbin"; ln -s usr/lib "$1/lib"; ln -s usr/lib64 "$1/lib64"
  ln -s ../run "$1/var/run"
  cp /bin/busybox "$1/usr/bin/busybox"
  for a in $(/bin/busybox --list-full); do [ -e "$1/$a" ] || [ -L "$1/$a" ] || ln -s /usr/bin/busybox "$1/$a"; done
}
lx_add_file() {                   # stage, path inside $ROOTFS (symlinks resolved)
  mkdir -p "$1/$(dirname "$2")"; rm -f "$1/$2"; cp -L "$ROOTFS/$2" "$1/$2"
}
lx_add_bin() {                    # stage, binaries inside $ROOTFS + their ldd closure
  local d="$1"; shift
  for b in "$@"; do
    lx_add_file "$d" "$b"
    chroot "$ROOTFS" ldd "$b" | awk '/=> \//{print $3} /^[ \t]*\/lib64\//{print $1}' | while read -r l; do
      [ -e "$d/$l" ] || lx_add_file "$d" "$l"; done
  done
}
lx_add_host_bin() {               # stage, host binary, destination dir; + host ldd closure
  local d="$1" b="$2" dst="$3"
  mkdir -p "$d/$dst"; cp -L "$b" "$d/$dst/"
  ldd "$b" | awk '/=> \//{print $3} /^[ \t]*\/lib64\//{print $1}' | while read -r l; do
    [ -e "$d/$l" ] || { mkdir -p "$d/$(dirname "$l")"; cp -L "$l" "$d/$l"; }; done
}
lx_add_mods() {                   # stage, list file name, modules...
  local d="$1" list="$2" K; shift 2; K=$(lx_kver)
  for m in "$@"; do
    modprobe -d "$X" -S "$K" --show-depends "$m" | awk '/^insmod/{print $2}' | while read -r f; do
      rel=${f#"$X"}; mkdir -p "$d/$(dirname "$rel")"; cp "$f" "$d/$rel"; done
    echo "$m" >> "$d/etc/$list"
  done
  cp "$X/lib/modules/$K"/modules.{builtin,builtin.modinfo,order} "$d/lib/modules/$K/"
  depmod -b "$d" "$K"
}
lx_pack() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"; }

# $1 = directory holding vscsi, vscsi-back, vscsi-front, vscsi-attach, vscsi-detach, vscsi-list
lx_initrds() {
  local tools="$1" S G="$HERE/guest"
  gcc -O2 -Wall -o "$LX/randread" "$G/randread.c" || return 1
  SGU="/usr/bin/sg_inq /usr/bin/sg_readcap /usr/bin/sg_turs /usr/bin/sg_luns /usr/bin/lsscsi"
  # ---- domU: kernel scsifront client (role a, c) or userspace vscsi-front (role b)
  S=$LX/stage-domu; lx_new_stage "$S"
  lx_add_bin "$S" $SGU /usr/sbin/mtx /usr/bin/mt-st /usr/bin/xenstore-write /usr/bin/xenstore-read /usr/bin/xenstore-ls
  lx_add_file "$S" /usr/lib/x86_64-linux-gnu/libgcc_s.so.1   # libxenstore's pthread_cancel needs it
  # tape clients (guest/tape_clients.sh): GNU tar as gtar (busybox sh would run its own
  # tar applet for 'tar'), tapeinfo, loaderinfo; btape (6 MB of libraries) only for LX_BTAPE
  lx_add_bin "$S" /usr/bin/tar /usr/sbin/tapeinfo /usr/sbin/loaderinfo
  mv "$S/usr/bin/tar" "$S/usr/bin/gtar"; ln -s /usr/bin/busybox "$S/usr/bin/tar"
  mkdir -p "$S/usr/local/lib/lx"; install -m 644 "$G/tape_clients.sh" "$S/usr/local/lib/lx/tape_clients.sh"
  if [ -n "${LX_BTAPE:-}" ]; then lx_add_bin "$S" /usr/sbin/btape; touch "$S/etc/lx-btape"; fi
  lx_add_host_bin "$S" "$tools/vscsi-front" /usr/local/bin
  lx_add_host_bin "$S" "$LX/randread" /usr/local/bin
  lx_add_mods "$S" lx-modules xen-evtchn xen-gntdev xen-gntalloc xenfs
  lx_add_mods "$S" lx-scsi-modules xen-scsifront sd_mod sg st
  install -m 755 "$G/domu-init" "$S/init"
  lx_pack "$S" "$OUT/domu.img"
  # ---- dom0: Xen control plane, our tools, LIO + kernel scsiback (loaded only for phase b)
  S=$LX/stage-dom0; lx_new_stage "$S"
  local XB=/usr/lib/xen-4.17/bin
  lx_add_bin "$S" $XB/xl $XB/xenstored $XB/xenconsoled $XB/xen-init-dom0 $XB/libxl-save-helper $XB/xenconsole \
    /usr/bin/xenstore /usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls /usr/bin/xenstore-rm \
    /usr/bin/xenstore-chmod /usr/bin/xenstore-list /usr/bin/xenstore-exists $SGU
  lx_add_file "$S" /etc/xen/xl.conf
  lx_add_file "$S" /usr/lib/x86_64-linux-gnu/libgcc_s.so.1   # dlopen()ed by glibc for pthread_cancel
  for t in vscsi vscsi-back vscsi-attach vscsi-detach vscsi-list vscsi-front; do
    lx_add_host_bin "$S" "$tools/$t" /usr/local/bin; done
  lx_add_mods "$S" lx-modules xenfs xen-privcmd xen-evtchn xen-gntdev xen-gntalloc virtio_pci virtio_scsi sd_mod sg
  lx_add_mods "$S" lx-lio-modules xen-scsiback target_core_file
  mkdir -p "$S/boot" "$S/test" "$S/var/lib/xen" "$S/var/log/xen" "$S/etc/xen"
  cp "$OUT/vmlinuz" "$S/boot/vmlinuz"; cp "$OUT/domu.img" "$S/boot/domu.img"
  install -m 644 "$G/domu.cfg" "$S/etc/xen/domu.cfg"
  install -m 755 "$G/dom0-test.sh" "$S/test/dom0-test.sh"
  install -m 644 "$tools/vscsi-back.service" "$S/etc/vscsi-back.service"
  install -m 755 "$G/dom0-init" "$S/init"
  lx_pack "$S" "$OUT/dom0.img"
}
