#!/bin/bash
# vmm-run.sh [--xfer DIR] COMMAND [ARG...]
#
# Run COMMAND as root inside an emulated x86_64 host whose root file system
# is this machine's own root (read-only, 9p) with the backports QEMU 10 and
# libvirt 11 of fetch-vmm.sh laid over it, so the same binaries (the build
# tree, migcheck, this machine's tools) run there next to a real /dev/kvm
# (nested: KVM inside the emulated host). Prints COMMAND's stdout and
# stderr, exits with its status (77 skip, 99 harness failure, as boot.sh).
#
# Inside: the initramfs loads virtio_pci, 9pnet_virtio, 9p, overlay, veth
# (plus KVM, and MIGCHECK_HOST_MODULES), mounts the 9p shares
#   hostroot  /      (ro, multidevs=remap)
#   vmm       fetch-vmm.sh's tree (ro)
#   xfer      DIR (read-write; default none), at /mnt in the chroot and
#             exported as VMM_XFER
#   vmmcache  $MIGCHECK_HOST_CACHE/vmm/cache (read-write), kept between runs
#             (e.g. libvirt's QEMU capabilities), at /var/tmp/vmm-cache in the
#             chroot and exported as VMM_CACHE
# then `overlay lowerdir=vmm:hostroot` with a tmpfs upper layer as the new
# root (writable; writes stay in the emulated host's memory; the VMM's
# module and data directories bound over the machine's), with proc,
# sysfs, devtmpfs, tmpfs on /run (/tmp is the machine's, as all else, with
# writes going to the upper layer), and chroots there: `env -i PATH=... HOME=/root LC_ALL=C COMMAND ARG...`
# in the directory vmm-run.sh was started from. Variables named in
# VMM_PASS (space separated) are passed on.
# Environment (plus boot.sh's): MIGCHECK_HOST_MEM (default 2048),
#   MIGCHECK_HOST_SMP (default 2), MIGCHECK_HOST_TIMEOUT (default 300).
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

xfer=
if [[ ${1:-} == --xfer ]]; then
	xfer=$(cd "$2" && pwd)
	shift 2
fi
if [[ $# -lt 1 ]]; then
	echo "usage: $mh_prog [--xfer DIR] COMMAND [ARG...]" >&2
	exit 99
fi

vout=$("$HOSTS_DIR/fetch-vmm.sh") || {
	rc=$?
	printf '%s\n' "$vout"
	exit "$rc"
}
vroot=${vout#vmm }
fout=$("$HOSTS_DIR/fetch.sh" x86_64) || {
	rc=$?
	printf '%s\n' "$fout"
	exit "$rc"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-vmm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The command, as a bash script run in the chroot.
{
	# shellcheck disable=SC2016 # $1 and $@ are the script's
	echo 'cd "$1" 2>/dev/null || cd /'
	echo 'shift'
	printf 'exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C'
	[[ -z $xfer ]] || printf ' VMM_XFER=/mnt'
	printf ' VMM_CACHE=/var/tmp/vmm-cache'
	for v in ${VMM_PASS:-}; do
		[[ -n ${!v+x} ]] && printf ' %q' "$v=${!v}"
	done
	echo ' "$@"'
} >"$work/vmm-cmd"
args=$(printf ' %q' "$PWD" "$@")

opaque="usr/lib/x86_64-linux-gnu/libvirt usr/lib/x86_64-linux-gnu/qemu usr/lib/libvirt
	usr/share/libvirt usr/share/qemu usr/share/seabios"
opaque=${opaque//$'\n\t'/ }
# busybox sh in the initramfs: mount the shares, build the root, chroot.
cat >"$work/cmd" <<EOF
set -e
mkdir -p /hostroot /vmm /xfer /newroot
o=trans=virtio,version=9p2000.L,msize=262144
# Read-only shares: the page cache may keep what it read (cache=loose).
mount -t 9p -o \$o,ro,cache=loose hostroot /hostroot
mount -t 9p -o \$o,ro,cache=loose vmm /vmm
mkdir -p /upper
mount -t tmpfs -o mode=0755 tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/vmm:/hostroot,upperdir=/upper/u,workdir=/upper/w overlay /newroot
# Directories wholly the VMM's: the machine's own files (libvirt 9
# drivers, QEMU 7.2 modules) must not show through.
for d in $opaque; do
	[ ! -d /vmm/\$d ] || mount --bind /vmm/\$d /newroot/\$d
done
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount --rbind /dev /newroot/dev
mount -t tmpfs -o mode=0755 tmpfs /newroot/run
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts 2>/dev/null || true
mount -t tmpfs tmpfs /newroot/dev/shm
mkdir -p /newroot/var/tmp/vmm-cache
mount -t 9p -o \$o vmmcache /newroot/var/tmp/vmm-cache
if [ -n "$xfer" ]; then
	mount -t 9p -o \$o xfer /xfer
	mount --bind /xfer /newroot/mnt
fi
cp /vmm-cmd /newroot/run/.vmm-cmd
set +e
chroot /newroot /bin/bash /run/.vmm-cmd$args
EOF

# shellcheck disable=SC2206 # the module list is word-split on purpose
MIGCHECK_HOST_MODULES="virtio_pci 9pnet_virtio 9p overlay veth ${MIGCHECK_HOST_MODULES:-}" \
	"$HOSTS_DIR/mkinitramfs.sh" x86_64 - "$work/initrd.cpio.gz" "$work/cmd=/cmd" \
	"$work/vmm-cmd=/vmm-cmd" >/dev/null

v9p() { printf -- '-virtfs local,path=%s,mount_tag=%s,security_model=none,multidevs=remap%s' "$1" "$2" "${3:-}"; }
vcache=$(mh_vmm_dir)/cache
mkdir -p "$vcache"
qargs="$(v9p / hostroot ,readonly=on) $(v9p "$vroot" vmm ,readonly=on) $(v9p "$vcache" vmmcache)"
[[ -z $xfer ]] || qargs+=" $(v9p "$xfer" xfer)"
[[ $qargs != *$'\n'* && $qargs != *'  '* ]] || mh_die "a path with unusual characters"
# One TCG thread for the two vCPUs: with a thread each (MTTCG), the 6.12
# host died now and then of "Oops: int3" as libvirtd started (likely a
# kernel text patch racing the code TCG had translated on another thread);
# vmm-vfio.sh took 188 s so against 168 s.
MIGCHECK_HOST_ACCEL=${MIGCHECK_HOST_ACCEL:-tcg,thread=single} \
	MIGCHECK_HOST_MEM=${MIGCHECK_HOST_MEM:-2048} MIGCHECK_HOST_SMP=${MIGCHECK_HOST_SMP:-2} \
	MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-300} \
	MIGCHECK_HOST_QEMU_ARGS="$qargs ${MIGCHECK_HOST_QEMU_ARGS:-}" \
	"$HOSTS_DIR/boot.sh" x86_64 max "$work/initrd.cpio.gz" || exit $?
