#!/bin/bash
# mkinitramfs.sh ARCH PROBE_BINARY OUT.cpio.gz [EXTRA_FILE...]
#
# Build a busybox-static initramfs for an emulated test host (see boot.sh).
# Its /init mounts proc, sys and devtmpfs, loads the kernel modules KVM needs
# (x86_64: irqbypass ccp kvm, then kvm_amd if the CPU has svm or kvm_intel if
# it has vmx, with their dependencies) plus the output
# channel's modules (aarch64: virtio_mmio virtio_console; modules built into
# the kernel, per its modules.builtin, are skipped), runs `sh /cmd` if
# /cmd exists, else /migcheck-probe, sends the command's stdout, stderr and
# exit status back to the host over a dedicated channel and powers off.
#
#   ARCH          x86_64 | aarch64 (amd64 | arm64 accepted)
#   PROBE_BINARY  static executable installed as /migcheck-probe; '-' for none
#   EXTRA_FILE    FILE           installed as /$(basename FILE)
#                 FILE=/DEST     installed as /DEST (e.g. my.sh=/cmd)
#                 directories are copied recursively
# Environment:
#   MIGCHECK_HOST_CACHE    cache prepared by fetch.sh
#   MIGCHECK_HOST_GEN      kernel generation: 6.1 (default), 6.12, 7.3
#   MIGCHECK_HOST_KERNEL   kernel release (default: the generation's cached
#                          default for ARCH)
#   MIGCHECK_HOST_MODULES  more modules of the kernel package to include and
#                          load at boot, by name, with their dependencies
#                          (e.g. "vfio vfio_iommu_type1 mdev"); FLAG:NAME
#                          loads NAME only if /proc/cpuinfo has FLAG
#   MIGCHECK_HOST_CMD      shell text to install as /cmd
# Exit: 0 ok; 77 kernel/busybox not fetched; 99 usage or build error.
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

if [[ $# -lt 3 ]]; then
	echo "usage: $mh_prog ARCH PROBE_BINARY|- OUT.cpio.gz [FILE[=/DEST]...]" >&2
	exit 99
fi
arch=$(mh_arch "$1")
probe=$2
out=$3
shift 3

rel=$(mh_release "$arch")
[[ -n $rel ]] || mh_skip "no kernel cached for $arch (run $(mh_fetch_hint))"
mh_kernel_ready "$rel" || mh_skip "kernel $rel not in $MIGCHECK_HOST_CACHE (run $(mh_fetch_hint))"
kroot=$(mh_kroot "$rel")
moddir=$kroot/lib/modules/$rel
busybox=$(mh_busybox "$arch")
[[ -x $busybox ]] || mh_skip "no busybox for $arch in $MIGCHECK_HOST_CACHE (run tests/hosts/fetch.sh)"

case $arch in
x86_64)
	elf_machine=62
	# FLAG:NAME loads NAME only if /proc/cpuinfo lists FLAG.
	modules=(irqbypass ccp kvm svm:kvm_amd vmx:kvm_intel)
	channel=ttyS1
	;;
aarch64)
	elf_machine=183
	modules=(virtio_mmio virtio_console)
	channel=virtio
	;;
esac
# shellcheck disable=SC2206 # word splitting of the module list is intended
modules+=(${MIGCHECK_HOST_MODULES:-})

stage=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-initramfs.XXXXXX")
trap 'rm -rf "$stage" "$out.tmp.$$"' EXIT

# check_elf FILE: a static executable for ARCH
check_elf() {
	local f=$1 magic machine
	[[ -f $f ]] || mh_die "$f: no such file"
	magic=$(head -c 4 "$f" | od -An -c | tr -d ' ')
	[[ $magic == 177ELF ]] || mh_die "$f: not an ELF executable"
	machine=$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')
	[[ $machine == "$elf_machine" ]] ||
		mh_die "$f: ELF machine $machine, not $arch (want $elf_machine)"
	if command -v readelf >/dev/null 2>&1 &&
		readelf -l "$f" 2>/dev/null | grep -q 'program interpreter'; then
		mh_die "$f: dynamically linked; the test host has no C library (link it -static)"
	fi
}

# --- busybox and directory skeleton ------------------------------------------
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,lib/modules/"$rel"}
cp "$busybox" "$stage/bin/busybox"
chmod 0755 "$stage/bin/busybox"
if [[ $(id -u) -eq 0 ]]; then
	mknod -m 0600 "$stage/dev/console" c 5 1
	mknod -m 0666 "$stage/dev/null" c 1 3
fi

# --- kernel modules ------------------------------------------------------------
declare -A modpath=() added=()
while IFS= read -r -d '' f; do
	name=${f##*/}
	name=${name%.xz}
	name=${name%.zst}
	name=${name%.gz}
	name=${name%.ko}
	modpath[${name//-/_}]=${f#"$moddir"/}
done < <(find "$moddir" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)
# Built-in modules (e.g. virtio_console from 6.12 on) need no loading.
declare -A builtin_mod=()
if [[ -f $moddir/modules.builtin ]]; then
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%.ko}
		builtin_mod[${name//-/_}]=1
	done <"$moddir/modules.builtin"
fi
load_order=()

# add_module NAME [FLAG]: stage NAME (decompressed) after its dependencies;
# at boot NAME is loaded only if the CPU has FLAG (dependencies always).
add_module() {
	local name=${1//-/_} flag=${2:-} src dst deps d
	[[ -z ${added[$name]:-} ]] || return 0
	added[$name]=1
	src=${modpath[$name]:-}
	if [[ -z $src && -n ${builtin_mod[$name]:-} ]]; then
		return 0
	fi
	[[ -n $src ]] || mh_die "module $name not found in $moddir"
	dst=${src%.xz}
	dst=${dst%.zst}
	dst=${dst%.gz}
	mkdir -p "$stage/lib/modules/$rel/$(dirname "$dst")"
	case $src in
	*.xz) xz -dc "$moddir/$src" >"$stage/lib/modules/$rel/$dst" ;;
	*.zst) zstd -qdc "$moddir/$src" >"$stage/lib/modules/$rel/$dst" ;;
	*.gz) gzip -dc "$moddir/$src" >"$stage/lib/modules/$rel/$dst" ;;
	*) cp "$moddir/$src" "$stage/lib/modules/$rel/$dst" ;;
	esac
	# Dependencies from the module's own .modinfo section (no kmod needed).
	deps=$(tr '\0' '\n' <"$stage/lib/modules/$rel/$dst" | sed -n 's/^depends=//p') || true
	deps=${deps%%$'\n'*}
	for d in ${deps//,/ }; do
		add_module "$d"
	done
	load_order+=("${flag:+$flag:}$dst")
}
for m in "${modules[@]}"; do
	if [[ $m == *:* ]]; then
		add_module "${m#*:}" "${m%%:*}"
	else
		add_module "$m"
	fi
done

# --- probe, extra files, /cmd ------------------------------------------------
if [[ $probe != - ]]; then
	check_elf "$probe"
	cp "$probe" "$stage/migcheck-probe"
	chmod 0755 "$stage/migcheck-probe"
fi
for x in "$@"; do
	if [[ $x == *=/* ]]; then
		src=${x%%=/*}
		dst=/${x#*=/}
	else
		src=$x
		dst=/$(basename "$x")
	fi
	[[ -e $src ]] || mh_die "$src: no such file"
	mkdir -p "$stage$(dirname "$dst")"
	cp -R "$src" "$stage$dst"
done
if [[ -n ${MIGCHECK_HOST_CMD:-} ]]; then
	printf '%s\n' "$MIGCHECK_HOST_CMD" >"$stage/cmd"
fi

# --- /init ---------------------------------------------------------------------
{
	printf 'KREL=%s\n' "$rel"
	printf "MODULES='%s'\n" "${load_order[*]}"
	printf 'CHANNEL=%s\n' "$channel"
} >"$stage/etc/migcheck-init.conf"

cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
# /init of a migcheck emulated test host (generated by tests/hosts/mkinitramfs.sh).
# Output protocol (on the channel, or on the console as a fallback):
#   @@MIGCHECK-BEGIN@@ / @@stdout N@@ + N bytes / @@stderr M@@ + M bytes /
#   @@rc STATUS@@ / @@MIGCHECK-END@@
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
. /etc/migcheck-init.conf
: >/tmp/out
: >/tmp/err
warn() {
	echo "migcheck-init: $*"
	echo "migcheck-init: $*" >>/tmp/err
}

rel=$(uname -r)
[ "$rel" = "$KREL" ] || warn "running kernel $rel, initramfs built for $KREL"
for m in $MODULES; do
	case $m in
	*:*)
		grep -qw "${m%%:*}" /proc/cpuinfo || continue
		m=${m#*:}
		;;
	esac
	msg=$(insmod "/lib/modules/$KREL/$m" 2>&1) || warn "insmod $m failed: $msg"
done
[ -c /dev/kvm ] || warn "no /dev/kvm"

chan=
case $CHANNEL in
ttyS1)
	if exec 3<>/dev/ttyS1 2>/dev/null; then
		if stty raw -echo <&3 2>/dev/null; then chan=/dev/ttyS1; else exec 3>&-; fi
	fi
	;;
virtio)
	i=0
	while [ -z "$chan" ] && [ $i -lt 200 ]; do
		for p in /sys/class/virtio-ports/*; do
			if [ -f "$p/name" ] && [ "$(cat "$p/name")" = org.migcheck.out ] && [ -c "/dev/${p##*/}" ]; then
				chan=/dev/${p##*/}
			fi
		done
		[ -n "$chan" ] || sleep 0.05
		i=$((i + 1))
	done
	if [ -n "$chan" ] && ! exec 3>"$chan"; then chan=; fi
	;;
esac
[ -n "$chan" ] || warn "output channel $CHANNEL not available, using the console"

cd /
if [ -f /cmd ]; then
	sh /cmd </dev/null >/tmp/out 2>>/tmp/err
	rc=$?
elif [ -x /migcheck-probe ]; then
	/migcheck-probe </dev/null >/tmp/out 2>>/tmp/err
	rc=$?
else
	warn "neither /cmd nor /migcheck-probe in the initramfs"
	rc=127
fi

emit() {
	echo
	echo "@@MIGCHECK-BEGIN@@"
	echo "@@stdout $(stat -c %s /tmp/out)@@"
	cat /tmp/out
	echo "@@stderr $(stat -c %s /tmp/err)@@"
	cat /tmp/err
	echo "@@rc $rc@@"
	echo "@@MIGCHECK-END@@"
}
if [ -n "$chan" ]; then
	emit >&3
	exec 3>&- # the last close of a serial tty waits until it has drained
else
	emit
fi
sync
poweroff -f
echo o >/proc/sysrq-trigger
EOF
chmod 0755 "$stage/init"

# --- archive -------------------------------------------------------------------
find "$stage" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
(
	cd "$stage"
	# --reproducible: inode numbers from 1, no device numbers; with the
	# sorted names and the mtimes of 0, the same files give the same bytes
	# (tests/hosts/lib.sh emu_boot caches boots by them)
	find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet
) | gzip -n -6 >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
