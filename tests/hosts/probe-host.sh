#!/bin/bash
# probe-host.sh ARCH CPU [APPEND...]
#
# Probe an emulated test host: fetch the kernel (cached), build an initramfs
# with the probe binary (cached, keyed on the binary's and the harness's
# checksums), boot it with boot.sh and print the probe's facts on stdout.
# Exit status is the probe's (77 skip, 99 harness failure, see boot.sh).
#
#   ARCH    x86_64 | aarch64
#   CPU     QEMU CPU model ('' or '-' = max)
#   APPEND  extra kernel parameters
# Environment (plus those of fetch.sh, mkinitramfs.sh and boot.sh):
#   MIGCHECK_HOST_GEN       kernel generation: 6.1 (default), 6.12, 7.3
#                           (MIGCHECK_HOST_KERNEL, a release, wins)
#   MIGCHECK_PROBE          x86_64 probe  (default BUILDDIR/cmd/migcheck-probe)
#   MIGCHECK_PROBE_AARCH64  aarch64 probe (default BUILDDIR/cmd/migcheck-probe-aarch64)
#   MIGCHECK_BUILDDIR       BUILDDIR (default $abs_top_builddir, else the
#                           source tree this script is in)
#   MIGCHECK_HOST_CMD       run this shell text instead of the bare probe
#                           (e.g. '/migcheck-probe --something')
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

if [[ $# -lt 2 ]]; then
	echo "usage: $mh_prog ARCH CPU [KERNEL_PARAM...]" >&2
	exit 99
fi
arch=$(mh_arch "$1")
cpu=$2
shift 2

builddir=${MIGCHECK_BUILDDIR:-${abs_top_builddir:-$HOSTS_DIR/../..}}
case $arch in
x86_64) probe=${MIGCHECK_PROBE:-$builddir/cmd/migcheck-probe} ;;
aarch64) probe=${MIGCHECK_PROBE_AARCH64:-$builddir/cmd/migcheck-probe-aarch64} ;;
esac
[[ -f $probe ]] || mh_skip "no $arch probe binary $probe"

# fetch.sh prints "ARCH RELEASE" or "SKIP: reason" on stdout.
gen=$(mh_gen)
frc=0
fout=$("$HOSTS_DIR/fetch.sh" --gen "$gen" "$arch") || frc=$?
if [[ $frc -ne 0 ]]; then
	printf '%s\n' "$fout"
	exit "$frc"
fi
rel=$(mh_release "$arch")

key=$( {
	printf '%s\n' "$arch" "$rel" "${MIGCHECK_HOST_MODULES:-}" "${MIGCHECK_HOST_CMD:-}"
	cat "$probe" "$HOSTS_DIR/mkinitramfs.sh" "$HOSTS_DIR/lib.sh" "$(mh_busybox "$arch")"
} | sha256sum)
key=${key%% *}
imgdir=$MIGCHECK_HOST_CACHE/initramfs
img=$imgdir/probe-$arch-$rel-${key:0:16}.cpio.gz
if [[ -f $img ]]; then
	touch "$img" 2>/dev/null || true
	exec "$HOSTS_DIR/boot.sh" "$arch" "$cpu" "$img" "$@"
fi
if mkdir -p "$imgdir" 2>/dev/null && [[ -w $imgdir ]]; then
	find "$imgdir" -name 'probe-*.cpio.gz' -mtime +14 -delete 2>/dev/null || true
	"$HOSTS_DIR/mkinitramfs.sh" "$arch" "$probe" "$img"
	exec "$HOSTS_DIR/boot.sh" "$arch" "$cpu" "$img" "$@"
fi
# Read-only cache: a throw-away initramfs.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-probe-host.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$HOSTS_DIR/mkinitramfs.sh" "$arch" "$probe" "$tmp/initramfs.cpio.gz"
rc=0
"$HOSTS_DIR/boot.sh" "$arch" "$cpu" "$tmp/initramfs.cpio.gz" "$@" || rc=$?
exit "$rc"
