#!/usr/bin/env bash
# Run a command inside Debian's stock kernel under QEMU, on this host's root
# filesystem (read-only 9p) with this repository read-write, and exit with
# the command's exit code. This is how features the host kernel lacks (netem)
# are tested for real.
#
#   ci/qemu/run.sh -- npx vitest run test/kernel
#
# Env: NSLAB_QEMU_CACHE (kernel cache, see prepare.sh), NSLAB_QEMU_MEM (MiB,
# default 2048), NSLAB_QEMU_TIMEOUT (seconds, default 1200),
# NSLAB_QEMU_ACCEL (kvm|tcg, default: kvm when /dev/kvm works).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: ci/qemu/run.sh -- COMMAND…" >&2; exit 2; }

cache="$("$here/prepare.sh")"
# The guest mounts its own /etc/netns over this folder (stage2.sh); the host's
# root is read-only there, so the folder must exist before it boots.
mkdir -p /etc/netns
mkdir -p "$repo/.vm"
rm -f "$repo/.vm/exit"
printf '%q ' "$@" > "$repo/.vm/cmd"

accel="${NSLAB_QEMU_ACCEL:-}"
if [ -z "$accel" ]; then
  # /dev/kvm can exist and still not run a guest (nested virtualisation that
  # hangs or rejects MSRs), so probe by booting the kernel to its expected
  # "no root" panic; a working KVM gets there in about a second.
  accel=tcg
  if [ -w /dev/kvm ] && timeout 15 qemu-system-x86_64 -accel kvm -cpu max -m 256 -nographic -no-reboot \
       -serial stdio -monitor none -kernel "$cache/vmlinuz" -append "console=ttyS0 panic=-1" </dev/null 2>/dev/null \
       | grep -q 'Kernel panic'; then
    accel=kvm
  fi
fi
cpu=max
echo "run.sh: booting $(cat "$cache/kernel-version") under QEMU ($accel)" >&2

started=$(date +%s)
timeout --foreground "${NSLAB_QEMU_TIMEOUT:-1200}" qemu-system-x86_64 \
  -accel "$accel" -cpu "$cpu" -smp 2 -m "${NSLAB_QEMU_MEM:-2048}" \
  -nographic -no-reboot -serial mon:stdio -monitor none \
  -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.gz" \
  -append "console=ttyS0 quiet panic=-1 nslab.stage2=$here/stage2.sh nslab.repo=$repo nslab.cache=$cache" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$repo,mount_tag=repo,security_model=passthrough,multidevs=remap" \
  -device virtio-rng-pci \
  -nic none </dev/null || true
echo "run.sh: VM finished after $(( $(date +%s) - started )) s" >&2

[ -f "$repo/.vm/exit" ] || { echo "run.sh: the VM stopped without an exit code (see its console above)" >&2; exit 4; }
exit "$(cat "$repo/.vm/exit")"
