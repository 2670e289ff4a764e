#!/usr/bin/env bash
# Fetch Debian's stock kernel (linux-image-amd64) and build a tiny initramfs
# that mounts the host's root over 9p. Nothing is installed on the host: the
# kernel package is unpacked into a cache directory, so the host's /boot and
# /lib/modules stay as they are.
#
#   ci/qemu/prepare.sh            # idempotent; prints the cache directory
#   NSLAB_QEMU_CACHE=/some/dir ci/qemu/prepare.sh
#
# Needs (Debian packages): qemu-system-x86 busybox-static cpio kmod.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${NSLAB_QEMU_CACHE:-/var/cache/nslab/qemu}"
mkdir -p "$cache"

# The metapackage points at the current ABI's image package.
pkg="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
[ -n "$pkg" ] || { echo "prepare: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 4; }

if [ ! -f "$cache/$pkg.ready" ]; then
  echo "prepare: fetching $pkg" >&2
  rm -rf "$cache/root" "$cache"/*.deb "$cache"/*.ready
  (cd "$cache" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  deb="$(ls "$cache"/linux-image-*.deb)"
  dpkg-deb -x "$deb" "$cache/root"
  rm -f "$deb"
  kver="$(ls "$cache/root/lib/modules")"
  # Stock modules may ship compressed; busybox insmod wants plain .ko files.
  find "$cache/root/lib/modules" -name '*.ko.xz' -exec xz -d {} +
  find "$cache/root/lib/modules" -name '*.ko.zst' -exec zstd -q -d --rm {} +
  depmod -b "$cache/root" "$kver"
  touch "$cache/$pkg.ready"
fi
kver="$(ls "$cache/root/lib/modules")"
cp "$cache/root/boot/vmlinuz-$kver" "$cache/vmlinuz"
echo "$kver" > "$cache/kernel-version"

# initramfs: busybox, the modules needed to reach a 9p root, and our /init.
ird="$(mktemp -d)"
trap 'rm -rf "$ird"' EXIT
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,modules}
cp /bin/busybox "$ird/bin/busybox"
ln -s busybox "$ird/bin/sh"
: > "$ird/modules/order"
for m in virtio_pci 9pnet_virtio 9p; do
  modprobe -d "$cache/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
  cp "$ko" "$ird/modules/"
  basename "$ko" >> "$ird/modules/order"
done
cp "$here/init.sh" "$ird/init"
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$cache/initramfs.gz"
echo "$cache"
