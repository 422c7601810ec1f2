#!/bin/bash
# boot.sh ARCH CPU INITRAMFS [APPEND...]
#
# Boot the cached Debian kernel for ARCH under QEMU (TCG) with INITRAMFS (made
# by mkinitramfs.sh), wait for its command to finish and power off, then print
# the command's stdout on stdout and its stderr on stderr, and exit with the
# command's exit status.
#
#   ARCH     x86_64 | aarch64
#   CPU      QEMU CPU model; '' or '-' means max.  aarch64 "max" gets
#            ",pauth-impdef=on" (3x faster).  x86_64 needs SVM for KVM in the
#            test host: max (or an AMD model with +svm).
#   APPEND   extra kernel parameters, e.g. mitigations=off kvm-arm.mode=nvhe
#
# Machines:
#   x86_64:  qemu-system-x86_64 -accel tcg -cpu CPU -m 1024 -smp 1, console
#            ttyS0, output channel: second UART (guest ttyS1, raw mode)
#   aarch64: qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
#            -cpu CPU -m 1024 -smp 1, console ttyAMA0, output channel:
#            virtio-serial port "org.migcheck.out"
#   both: -nodefaults -display none -no-reboot, kernel parameters
#         "console=... rdinit=/init panic=-1 quiet APPEND..."
# Environment:
#   MIGCHECK_HOST_CACHE     cache prepared by fetch.sh
#   MIGCHECK_HOST_GEN       kernel generation: 6.1 (default), 6.12, 7.3
#   MIGCHECK_HOST_KERNEL    kernel release (default: the generation's cached
#                           default)
#   MIGCHECK_HOST_LOG       write the full console log to this file
#                           (otherwise a temporary file, deleted on success,
#                           kept and named on stderr on failure)
#   MIGCHECK_HOST_TIMEOUT   seconds before the host is killed (default 120)
#   MIGCHECK_HOST_MEM       MiB of memory (default 1024)
#   MIGCHECK_HOST_SMP       vCPUs (default 1; KVM_CAP_NR_VCPUS follows it)
#   MIGCHECK_HOST_QEMU_ARGS extra QEMU arguments (word-split)
#   MIGCHECK_HOST_ACCEL     x86_64 only: QEMU accelerator (default tcg; kvm
#                           needs /dev/kvm and nested SVM/VMX on this machine)
#   MIGCHECK_HOST_VERBOSE=1 report the boot time on stderr
# Exit: the command's status; 77 qemu or kernel missing; 99 harness failure
#       (timeout, QEMU error, output lost or truncated).
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

if [[ $# -lt 3 ]]; then
	echo "usage: $mh_prog ARCH CPU INITRAMFS [KERNEL_PARAM...]" >&2
	exit 99
fi
arch=$(mh_arch "$1")
cpu=$2
initrd=$3
shift 3
[[ -n $cpu && $cpu != - ]] || cpu=max
[[ -f $initrd ]] || mh_die "$initrd: no such file"

rel=$(mh_release "$arch")
[[ -n $rel ]] || mh_skip "no kernel cached for $arch (run $(mh_fetch_hint))"
mh_kernel_ready "$rel" || mh_skip "kernel $rel not in $MIGCHECK_HOST_CACHE (run $(mh_fetch_hint))"
kernel=$(mh_kroot "$rel")/boot/vmlinuz-$rel

work=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/console.log
chan=$work/channel

# QEMU option values: a comma is written as two commas.
qv() { printf '%s' "${1//,/,,}"; }

append="rdinit=/init panic=-1 quiet"
case $arch in
x86_64)
	qemu="qemu-system-x86_64"
	append="console=ttyS0 $append"
	cmd=("$qemu" -accel "${MIGCHECK_HOST_ACCEL:-tcg}" -cpu "$cpu"
		-chardev "file,id=con,path=$(qv "$log")" -serial chardev:con
		-chardev "file,id=mcout,path=$(qv "$chan")" -serial chardev:mcout)
	;;
aarch64)
	qemu="qemu-system-aarch64"
	append="console=ttyAMA0 $append"
	if [[ $cpu == max || ($cpu == max,* && $cpu != *pauth*) ]]; then
		cpu=$cpu,pauth-impdef=on
	fi
	cmd=("$qemu" -M "virt,virtualization=on,gic-version=3" -accel tcg -cpu "$cpu"
		-chardev "file,id=con,path=$(qv "$log")" -serial chardev:con
		-chardev "file,id=mcout,path=$(qv "$chan")"
		-device virtio-serial-device
		-device "virtserialport,chardev=mcout,name=org.migcheck.out")
	;;
esac
command -v "$qemu" >/dev/null 2>&1 || mh_skip "$qemu not installed"
command -v timeout >/dev/null 2>&1 || mh_skip "timeout(1) not installed"

# shellcheck disable=SC2206 # word splitting of the extra arguments is intended
extra=(${MIGCHECK_HOST_QEMU_ARGS:-})
cmd+=(-m "${MIGCHECK_HOST_MEM:-1024}" -smp "${MIGCHECK_HOST_SMP:-1}"
	-nodefaults -display none -monitor none -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$append${*:+ $*}"
	"${extra[@]}")
tmo=${MIGCHECK_HOST_TIMEOUT:-120}

# parse_frame FILE: split the init's frame into $work/out, $work/err and
# print the exit status; non-zero if the frame is missing or incomplete.
parse_frame() {
	local f=$1 line n found=0 rc
	exec 4<"$f"
	while IFS= read -r line <&4; do
		if [[ $line == '@@MIGCHECK-BEGIN@@' ]]; then
			found=1
			break
		fi
	done
	[[ $found -eq 1 ]] || return 1
	IFS= read -r line <&4 && [[ $line =~ ^@@stdout\ ([0-9]+)@@$ ]] || return 1
	n=${BASH_REMATCH[1]}
	head -c "$n" <&4 >"$work/out"
	[[ $(stat -c %s "$work/out") -eq $n ]] || return 1
	IFS= read -r line <&4 && [[ $line =~ ^@@stderr\ ([0-9]+)@@$ ]] || return 1
	n=${BASH_REMATCH[1]}
	head -c "$n" <&4 >"$work/err"
	[[ $(stat -c %s "$work/err") -eq $n ]] || return 1
	IFS= read -r line <&4 && [[ $line =~ ^@@rc\ ([0-9]+)@@$ ]] || return 1
	rc=${BASH_REMATCH[1]}
	IFS= read -r line <&4 && [[ $line == '@@MIGCHECK-END@@' ]] || return 1
	exec 4<&-
	echo "$rc"
}

# keep_log: the console log where the user can find it; prints its name
keep_log() {
	local dst
	if [[ -n ${MIGCHECK_HOST_LOG:-} ]]; then
		dst=$MIGCHECK_HOST_LOG
	else
		dst=$(mktemp "${TMPDIR:-/tmp}/migcheck-host-$arch.XXXXXX.log")
	fi
	cp "$log" "$dst"
	echo "$dst"
}

fail() {
	mh_msg "error: $arch/$cpu kernel $rel: $*"
	if [[ -s $work/qemu.err ]]; then
		sed 's/^/  qemu: /' "$work/qemu.err" >&2
	fi
	mh_msg "console log: $(keep_log)"
	exit 99
}

: >"$log"
: >"$chan"
start=$(date +%s%N)
qrc=0
timeout -k 10 "$tmo" "${cmd[@]}" </dev/null >"$work/qemu.out" 2>"$work/qemu.err" || qrc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
secs=$(printf '%d.%03d' $((elapsed / 1000)) $((elapsed % 1000)))

if [[ $qrc -eq 124 || $qrc -eq 137 ]]; then
	fail "timed out after ${tmo}s"
fi
if rc=$(parse_frame "$chan"); then
	:
else
	# Fallback: the init wrote the frame on the console (channel missing).
	tr -d '\r' <"$log" >"$work/console.nocr"
	rc=$(parse_frame "$work/console.nocr") ||
		fail "no complete output from the test host (qemu exit $qrc, ${secs}s)"
fi

cat "$work/out"
cat "$work/err" >&2
if [[ ${MIGCHECK_HOST_VERBOSE:-0} == 1 ]]; then
	mh_msg "$arch/$cpu kernel $rel: exit $rc in ${secs}s"
fi
if [[ $rc -ne 0 ]]; then
	mh_msg "$arch/$cpu kernel $rel: command exited $rc; console log: $(keep_log)"
elif [[ -n ${MIGCHECK_HOST_LOG:-} ]]; then
	keep_log >/dev/null
fi
exit "$rc"
