#!/bin/sh
# /init of the nslab test initramfs (busybox). Loads virtio + 9p, mounts the
# host's root read-only, and hands over to ci/qemu/stage2.sh on that root.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for ko in $(cat /modules/order); do insmod "/modules/$ko" || echo "init: insmod $ko failed"; done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /newroot; then
  echo "init: cannot mount the host root over 9p"; poweroff -f
fi
stage2="$(sed -n 's/.*nslab.stage2=\([^ ]*\).*/\1/p' /proc/cmdline)"
mount --move /dev /newroot/dev 2>/dev/null || true
umount /proc /sys
exec switch_root /newroot /bin/bash "$stage2"
