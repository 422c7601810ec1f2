#!/bin/bash
# fetch.sh [ARCH...] -- prepare the emulated test hosts' kernels and busybox.
#
# For each ARCH (x86_64, aarch64; default both) download with `apt-get
# download` (never install) and unpack with `dpkg-deb -x`:
#   - the Debian kernel image package linux-image-<ABI>-<debarch>[-unsigned]
#     (ABI from the linux-image-<debarch> metapackage, e.g. 6.1.0-56), and
#   - busybox-static:<debarch>
# into ${MIGCHECK_HOST_CACHE:-/var/cache/migcheck/hosts}:
#   kernel/<release>/{boot/vmlinuz-<release>,lib/modules/<release>/,.ready}
#   busybox/<debarch>/{bin/busybox,.ready}
#   <arch>.default        kernel release used when MIGCHECK_HOST_KERNEL is unset
#
# Prints one line "ARCH RELEASE" per prepared architecture on stdout.
# Idempotent: when everything is cached nothing is queried or downloaded.
# `apt-get update` is run (once) only if resolving or downloading fails.
#
# Environment:
#   MIGCHECK_HOST_CACHE   cache directory
#   MIGCHECK_KERNEL_ABI   use this ABI (e.g. 6.1.0-50) instead of the
#                         metapackage's (pinned: <arch>.default unchanged)
#   MIGCHECK_HOST_KERNEL  use this release (e.g. 6.1.0-50-amd64, or a
#                         flavour: 6.1.0-56-cloud-amd64) for the arch it
#                         names; package linux-image-RELEASE[-unsigned]
#                         (pinned: <arch>.default unchanged)
#   MIGCHECK_HOST_REFRESH=1  re-resolve the metapackage (new ABI after an
#                         `apt-get update`) and make it the default
# Exit: 0 ok; 77 (after a "SKIP: reason" line) if packages cannot be had;
#       99 usage or internal error.
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $mh_prog [x86_64|aarch64]..." >&2
	exit 99
}

archs=()
for a in "$@"; do
	case $a in
	-h | --help) usage ;;
	-*) usage ;;
	*) archs+=("$(mh_arch "$a")") ;;
	esac
done
[[ ${#archs[@]} -gt 0 ]] || archs=(x86_64 aarch64)

# A read-only cache is fine as long as nothing has to be downloaded.
writable=0
if mkdir -p "$MIGCHECK_HOST_CACHE/kernel" "$MIGCHECK_HOST_CACHE/busybox" 2>/dev/null &&
	[[ -w $MIGCHECK_HOST_CACHE ]]; then
	writable=1
	# Serialise concurrent runs (make -j check) on the cache.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$MIGCHECK_HOST_CACHE/.lock"
		flock 9
	fi
fi

tmp=
trap 'if [[ -n $tmp ]]; then rm -rf "$tmp"; fi' EXIT

apt_opts=(-q)
if [[ $(id -u) -eq 0 ]]; then
	# Avoid the "Download is performed unsandboxed as root" warning.
	apt_opts+=(-o APT::Sandbox::User=root)
fi

# need_download: about to download; skip if that is impossible
need_download() {
	local t
	[[ $writable -eq 1 ]] ||
		mh_skip "cache directory $MIGCHECK_HOST_CACHE is not writable (set MIGCHECK_HOST_CACHE)"
	for t in apt-get apt-cache dpkg-deb; do
		command -v "$t" >/dev/null 2>&1 ||
			mh_skip "$t not found: cannot download Debian packages (not a Debian system?)"
	done
	[[ -n $tmp ]] || tmp=$(mktemp -d "$MIGCHECK_HOST_CACHE/.tmp.XXXXXX")
}

# download PKG:ARCH DESTDIR -- apt-get download one package and unpack it
# into DESTDIR (which must not exist).  Returns non-zero on failure.
download() {
	local pkg=$1 dest=$2 deb
	rm -rf "$tmp/dl"
	mkdir -p "$tmp/dl"
	(cd "$tmp/dl" && apt-get "${apt_opts[@]}" download "$pkg") >&2 || return 1
	deb=$(find "$tmp/dl" -maxdepth 1 -name '*.deb' | head -n 1)
	[[ -n $deb ]] || return 1
	mh_msg "unpacking $(basename "$deb")"
	mkdir -p "$dest"
	dpkg-deb -x "$deb" "$dest" || return 1
	rm -f "$deb"
}

# resolve_release DEBARCH -> kernel release the linux-image-DEBARCH
# metapackage points to (e.g. 6.1.0-56-amd64)
resolve_release() {
	local debarch=$1 rel
	rel=$(apt-cache depends "linux-image-$debarch:$debarch" 2>/dev/null |
		sed -n "s/^ *Depends: linux-image-\([0-9][^ :<>]*-$debarch\)\(:$debarch\)\{0,1\}\$/\1/p" |
		head -n 1) || true
	[[ -n $rel ]] || return 1
	echo "$rel"
}

# prepare ARCH -> prints "ARCH RELEASE"; non-zero if something could not
# be downloaded.
prepare() {
	local arch=$1 debarch rel kroot pkg bbdir pinned
	debarch=$(mh_debarch "$arch")

	rel=
	pinned=0
	if [[ -n ${MIGCHECK_HOST_KERNEL:-} && $MIGCHECK_HOST_KERNEL == *-"$debarch" ]]; then
		rel=$MIGCHECK_HOST_KERNEL
		pinned=1
	elif [[ -n ${MIGCHECK_KERNEL_ABI:-} ]]; then
		rel=$MIGCHECK_KERNEL_ABI-$debarch
		pinned=1
	elif [[ ${MIGCHECK_HOST_REFRESH:-0} != 1 && -f $MIGCHECK_HOST_CACHE/$arch.default ]]; then
		rel=$(cat "$MIGCHECK_HOST_CACHE/$arch.default")
		mh_kernel_ready "$rel" || rel=
	fi

	if [[ -z $rel ]] || ! mh_kernel_ready "$rel"; then
		need_download
		if [[ -z $rel ]]; then
			rel=$(resolve_release "$debarch") || {
				mh_msg "cannot resolve linux-image-$debarch:$debarch"
				return 1
			}
		fi
		kroot=$(mh_kroot "$rel")
		pkg=linux-image-$rel-unsigned
		if ! apt-cache show "$pkg:$debarch" >/dev/null 2>&1; then
			pkg=linux-image-$rel
		fi
		mh_msg "downloading $pkg:$debarch"
		rm -rf "$kroot" "$tmp/k"
		download "$pkg:$debarch" "$tmp/k" || {
			mh_msg "cannot download $pkg:$debarch"
			return 1
		}
		[[ -f $tmp/k/boot/vmlinuz-$rel && -d $tmp/k/lib/modules/$rel ]] || {
			mh_msg "$pkg has no boot/vmlinuz-$rel or lib/modules/$rel"
			return 1
		}
		rm -rf "$tmp/k/usr/share/doc"
		mv "$tmp/k" "$kroot"
		echo "$pkg" >"$kroot/.package"
		touch "$kroot/.ready"
	fi

	bbdir=$MIGCHECK_HOST_CACHE/busybox/$debarch
	if [[ ! -f $bbdir/.ready ]]; then
		need_download
		mh_msg "downloading busybox-static:$debarch"
		rm -rf "$bbdir" "$tmp/b"
		download "busybox-static:$debarch" "$tmp/b" || {
			mh_msg "cannot download busybox-static:$debarch"
			return 1
		}
		[[ -x $tmp/b/bin/busybox ]] || {
			mh_msg "busybox-static:$debarch has no bin/busybox"
			return 1
		}
		mv "$tmp/b" "$bbdir"
		touch "$bbdir/.ready"
	fi

	if [[ $writable -eq 1 && $pinned -eq 0 &&
		$(cat "$MIGCHECK_HOST_CACHE/$arch.default" 2>/dev/null) != "$rel" ]]; then
		echo "$rel" >"$MIGCHECK_HOST_CACHE/$arch.default.tmp"
		mv "$MIGCHECK_HOST_CACHE/$arch.default.tmp" "$MIGCHECK_HOST_CACHE/$arch.default"
	fi
	echo "$arch $rel"
}

updated=0
failed=()
for arch in "${archs[@]}"; do
	if prepare "$arch"; then
		continue
	fi
	if [[ $updated -eq 0 ]]; then
		updated=1
		mh_msg "running apt-get update and retrying"
		if apt-get -q update >&2 && prepare "$arch"; then
			continue
		fi
	fi
	failed+=("$arch")
done

if [[ ${#failed[@]} -gt 0 ]]; then
	mh_skip "cannot download kernel/busybox packages for ${failed[*]}" \
		"(need Debian package lists; for aarch64 also 'dpkg --add-architecture arm64')"
fi
