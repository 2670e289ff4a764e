#!/bin/bash
# Second stage inside the VM, running on the host's root (read-only 9p).
# Gives the guest writable scratch space, the stock kernel's modules, and
# the repository read-write, then runs the command run.sh left for it and
# writes its exit code next to it.
set -u
arg() { sed -n "s/.*nslab\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
for d in /run /tmp /var/tmp /root; do mount -t tmpfs tmpfs "$d"; done
mkdir -p /run/lock
# Labs point `ip netns exec` at their hosts files through /etc/netns: give
# the guest its own (run.sh makes sure the host has the folder to mount on).
if [ -d /etc/netns ]; then
  mount -t tmpfs tmpfs /etc/netns
else
  echo "stage2: no /etc/netns on the host's root; labs' names will not resolve in the guest"
  mkdir -p /run/netns-etc
  export NSLAB_NETNS_ETC=/run/netns-etc
fi

# The host root has the host kernel's modules (or none); point the kernel's
# module autoloader at the stock kernel's modules so that `tc … netem` loads
# sch_netem the way it would on a normal install.
cache="$(arg cache)"
kver="$(uname -r)"
mkdir -p /run/nslab-vm
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$cache/root" > /run/nslab-vm/modprobe
chmod +x /run/nslab-vm/modprobe
echo /run/nslab-vm/modprobe > /proc/sys/kernel/modprobe

repo="$(arg repo)"
# The repository may live under a directory that is now a tmpfs (/tmp):
# recreate its path there; on the read-only root the path exists already.
mkdir -p "$repo" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 repo "$repo" || {
  echo "stage2: cannot mount the repository read-write"; echo o > /proc/sysrq-trigger; }
results="$repo/.vm"

hostname nslab-vm
ip link set lo up
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI="${CI:-true}"
cd "$repo"
echo "stage2: kernel $kver, running $(cat "$results/cmd")"
bash "$results/cmd"
echo $? > "$results/exit"
sync
echo o > /proc/sysrq-trigger
sleep 10
