# shellcheck shell=bash
# Shared helpers for the emulated test-host harness (tests/hosts/*.sh).
# Sourced, never executed.  See tests/hosts/README.md.
#
# Exit status conventions (automake test harness):
#   77  SKIP  (something needed is not available: packages, qemu, probe binary)
#   99  ERROR (the harness itself failed: boot timeout, lost output, bad usage)

MIGCHECK_HOST_CACHE=${MIGCHECK_HOST_CACHE:-/var/cache/migcheck/hosts}
# shellcheck disable=SC2034 # used by the scripts that source this file
HOSTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

mh_prog=$(basename "$0")

mh_msg() { printf '%s: %s\n' "$mh_prog" "$*" >&2; }
mh_die() { mh_msg "error: $*"; exit 99; }
mh_skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

# mh_arch NAME -> canonical arch (x86_64|aarch64); dies on anything else.
mh_arch() {
	case $1 in
	x86_64 | amd64 | x86-64) echo x86_64 ;;
	aarch64 | arm64) echo aarch64 ;;
	*) mh_die "unknown architecture '$1' (use x86_64 or aarch64)" ;;
	esac
}

# mh_debarch ARCH -> Debian architecture name
mh_debarch() {
	case $1 in
	x86_64) echo amd64 ;;
	aarch64) echo arm64 ;;
	esac
}

# Kernel generations: 6.1 (Debian 12), 6.12 (Debian 12's 6.12 packages),
# 7.3 (Debian 13's trixie-backports).  Chosen with MIGCHECK_HOST_GEN.
# shellcheck disable=SC2034 # used by the scripts that source this file
MH_GENS=(6.1 6.12 7.3)

# mh_check_gen GEN -> true if GEN is a known generation
mh_check_gen() {
	case $1 in
	6.1 | 6.12 | 7.3) return 0 ;;
	*) return 1 ;;
	esac
}

# mh_gen -> the generation to use: $MIGCHECK_HOST_GEN, default 6.1; dies on
# an unknown one.
mh_gen() {
	local g=${MIGCHECK_HOST_GEN:-6.1}
	mh_check_gen "$g" || mh_die "unknown MIGCHECK_HOST_GEN '$g' (use ${MH_GENS[*]})"
	echo "$g"
}

# mh_default_file ARCH [GEN] -> the file holding GEN's default release for
# ARCH: <arch>.default for 6.1 (as before generations), else
# <arch>.<gen>.default.  GEN defaults to mh_gen.
mh_default_file() {
	local g=${2:-}
	[[ -n $g ]] || g=$(mh_gen) || exit 99
	if [[ $g == 6.1 ]]; then
		echo "$MIGCHECK_HOST_CACHE/$1.default"
	else
		echo "$MIGCHECK_HOST_CACHE/$1.$g.default"
	fi
}

# mh_release ARCH -> kernel release to use for ARCH: $MIGCHECK_HOST_KERNEL if
# set, else the default that fetch.sh recorded for the generation
# ($MIGCHECK_HOST_GEN).  Empty if nothing is cached.
mh_release() {
	local f
	if [[ -n ${MIGCHECK_HOST_KERNEL:-} ]]; then
		echo "$MIGCHECK_HOST_KERNEL"
		return 0
	fi
	f=$(mh_default_file "$1") || exit 99
	if [[ -f $f ]]; then
		cat "$f"
	fi
}

# mh_fetch_hint -> the fetch.sh command that caches the kernel mh_release
# wants (for SKIP messages)
mh_fetch_hint() {
	local g
	g=$(mh_gen) || exit 99
	if [[ $g == 6.1 || -n ${MIGCHECK_HOST_KERNEL:-} ]]; then
		echo "tests/hosts/fetch.sh"
	else
		echo "tests/hosts/fetch.sh --gen $g"
	fi
}

# mh_kroot RELEASE -> unpacked kernel package root (has boot/, lib/modules/)
mh_kroot() { echo "$MIGCHECK_HOST_CACHE/kernel/$1"; }

# mh_kernel_ready RELEASE -> true if the kernel package is fully unpacked
mh_kernel_ready() { [[ -f $(mh_kroot "$1")/.ready ]]; }

# mh_busybox ARCH -> path of the static busybox binary for ARCH
mh_busybox() { echo "$MIGCHECK_HOST_CACHE/busybox/$(mh_debarch "$1")/bin/busybox"; }

# mh_vmm_dir -> where fetch-vmm.sh keeps the backports QEMU/libvirt tree
mh_vmm_dir() { echo "$MIGCHECK_HOST_CACHE/vmm"; }

# emu_boot OUT ERR ARCH CPU IMG [APPEND...]: boot.sh of an image a test made
# itself (mkinitramfs.sh), stdout in OUT, stderr in ERR; exit: its status.
# Within one `make check-all` (MC_EMU_RUN_CACHE, as emu_run in
# tests/integration/emu.sh) the sanitizer round reuses the first round's
# output of a boot with the same arguments, MIGCHECK_HOST_* settings and
# image contents (mkinitramfs.sh's images are reproducible).
emu_boot() {
	local out=$1 err=$2 arch=$3 cpu=$4 img=$5
	shift 5
	local key="" rc=0
	if [[ -n ${MC_EMU_RUN_CACHE:-} ]]; then
		# the image's name is a temporary: its contents count, not its path
		key=$( {
			printf '%s\n' "$arch" "$cpu" "$*"
			env | grep '^MIGCHECK_HOST_' | LC_ALL=C sort
			gzip -dc "$img"
		} | sha256sum)
		key=boot-${key%% *}
		if [[ -f $MC_EMU_RUN_CACHE/$key.out ]]; then
			cp "$MC_EMU_RUN_CACHE/$key.out" "$out"
			cp "$MC_EMU_RUN_CACHE/$key.err" "$err"
			return 0
		fi
	fi
	"$HOSTS_DIR/boot.sh" "$arch" "$cpu" "$img" "$@" >"$out" 2>"$err" || rc=$?
	if [[ -n $key && $rc -eq 0 ]] && mkdir -p "$MC_EMU_RUN_CACHE" 2>/dev/null; then
		cp "$err" "$MC_EMU_RUN_CACHE/$key.err.$BASHPID" &&
			mv "$MC_EMU_RUN_CACHE/$key.err.$BASHPID" "$MC_EMU_RUN_CACHE/$key.err" &&
			cp "$out" "$MC_EMU_RUN_CACHE/$key.out.$BASHPID" &&
			mv "$MC_EMU_RUN_CACHE/$key.out.$BASHPID" "$MC_EMU_RUN_CACHE/$key.out"
	fi
	return $rc
}
