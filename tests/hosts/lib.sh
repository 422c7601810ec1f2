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

# mh_release ARCH -> kernel release to use for ARCH: $MIGCHECK_HOST_KERNEL if
# set, else the default that fetch.sh recorded.  Empty if nothing is cached.
mh_release() {
	if [[ -n ${MIGCHECK_HOST_KERNEL:-} ]]; then
		echo "$MIGCHECK_HOST_KERNEL"
	elif [[ -f $MIGCHECK_HOST_CACHE/$1.default ]]; then
		cat "$MIGCHECK_HOST_CACHE/$1.default"
	fi
}

# mh_kroot RELEASE -> unpacked kernel package root (has boot/, lib/modules/)
mh_kroot() { echo "$MIGCHECK_HOST_CACHE/kernel/$1"; }

# mh_kernel_ready RELEASE -> true if the kernel package is fully unpacked
mh_kernel_ready() { [[ -f $(mh_kroot "$1")/.ready ]]; }

# mh_busybox ARCH -> path of the static busybox binary for ARCH
mh_busybox() { echo "$MIGCHECK_HOST_CACHE/busybox/$(mh_debarch "$1")/bin/busybox"; }
