#!/bin/bash
# fetch.sh [--gen GEN[,GEN...]|all]... [ARCH...] -- prepare the emulated test
# hosts' kernels and busybox.
#
# For each kernel generation GEN and each ARCH (x86_64, aarch64; default
# both) download with `apt-get download` (never install) and unpack with
# `dpkg-deb -x`:
#   - the kernel:
#       6.1   linux-image-<ABI>-<debarch>[-unsigned] from this machine's
#             Debian 12 sources (release from the linux-image-<debarch>
#             metapackage, e.g. 6.1.0-57-amd64)
#       6.12  linux-image-6.12.N+deb12-<debarch>[-unsigned], same sources
#             (release from linux-image-6.12-<debarch>, else the highest
#             6.12.N+deb12 package)
#       7.3   linux-binary[-unsigned]-7.3.N+deb13-<debarch>,
#             linux-modules-7.3.N+deb13-<debarch> and linux-base-7.3.N+deb13-
#             <debarch> (config, modules.builtin) from Debian 13's
#             trixie-backports, read through a private apt configuration in
#             the cache (release from that suite's linux-image-<debarch>,
#             else the highest 7.3.N+deb13 package); the machine's own apt
#             sources and lists are not touched
#   - busybox-static:<debarch>
# into ${MIGCHECK_HOST_CACHE:-/var/cache/migcheck/hosts}:
#   kernel/<release>/{boot/vmlinuz-<release>,lib/modules/<release>/,.ready}
#   busybox/<debarch>/{bin/busybox,.ready}
#   <arch>.default        6.1 release used when MIGCHECK_HOST_KERNEL is unset
#   <arch>.<gen>.default  the same for the other generations (6.12, 7.3)
#   apt/trixie-backports/ the private apt configuration and lists (7.3)
#
# Generations: --gen (repeatable, comma- or space-separated, `all` = 6.1 6.12
# 7.3), else $MIGCHECK_HOST_GENS (e.g. "6.1 6.12 7.3"), else
# $MIGCHECK_HOST_GEN (default 6.1).
# Prints one line "ARCH RELEASE" per prepared architecture and generation on
# stdout.
# Idempotent: when everything is cached nothing is queried or downloaded.
# `apt-get update` is run (once per package source) only if resolving or
# downloading fails; the private trixie-backports lists are also updated
# when they do not exist yet.
#
# Environment:
#   MIGCHECK_HOST_CACHE   cache directory
#   MIGCHECK_HOST_GEN     generation (6.1, 6.12, 7.3; default 6.1)
#   MIGCHECK_HOST_GENS    several generations at once (see above)
#   MIGCHECK_KERNEL_ABI   use this ABI (e.g. 6.1.0-50, 6.12.117+deb12) instead
#                         of the metapackage's, for the generation it belongs
#                         to (pinned: the default file is unchanged)
#   MIGCHECK_HOST_KERNEL  use this release (e.g. 6.1.0-50-amd64, or a
#                         flavour: 6.1.0-56-cloud-amd64) for the arch it
#                         names, whatever the generation; package
#                         linux-image-RELEASE[-unsigned], or for a +deb13
#                         release the trixie-backports packages (pinned:
#                         the default files are unchanged)
#   MIGCHECK_HOST_REFRESH=1  re-resolve the metapackages (new releases after
#                         an `apt-get update`; the private trixie-backports
#                         lists are updated first) and make them the defaults
#   MIGCHECK_HOST_DEBIAN_URI  Debian archive URI for trixie-backports
#                         (default: the URI of this machine's main Debian
#                         source, from `apt-get indextargets`)
# Exit: 0 ok; 77 (after a "SKIP: reason" line) if packages cannot be had;
#       99 usage or internal error.
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $mh_prog [--gen GEN[,GEN...]|all]... [x86_64|aarch64]..." >&2
	echo "       GEN: ${MH_GENS[*]}" >&2
	exit 99
}

gens=()
# add_gens LIST: append the generations of LIST (comma/space separated)
add_gens() {
	local g x
	for g in ${1//,/ }; do
		if [[ $g == all ]]; then
			add_gens "${MH_GENS[*]}"
			continue
		fi
		mh_check_gen "$g" || mh_die "unknown generation '$g' (use ${MH_GENS[*]} or all)"
		for x in "${gens[@]}"; do
			[[ $x != "$g" ]] || continue 2
		done
		gens+=("$g")
	done
}

archs=()
while [[ $# -gt 0 ]]; do
	case $1 in
	-h | --help) usage ;;
	--gen)
		[[ $# -ge 2 ]] || usage
		add_gens "$2"
		shift
		;;
	--gen=*) add_gens "${1#--gen=}" ;;
	-*) usage ;;
	*) archs+=("$(mh_arch "$1")") ;;
	esac
	shift
done
[[ ${#archs[@]} -gt 0 ]] || archs=(x86_64 aarch64)
if [[ ${#gens[@]} -eq 0 ]]; then
	if [[ -n ${MIGCHECK_HOST_GENS:-} ]]; then
		add_gens "$MIGCHECK_HOST_GENS"
	else
		add_gens "$(mh_gen)"
	fi
fi
[[ ${#gens[@]} -gt 0 ]] || usage

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

# The private apt configuration for Debian 13's trixie-backports (7.3): its
# own sources.list, lists, caches, an empty dpkg status (so nothing installed
# on this machine shadows a candidate) and no pinning.
bpo_suite=trixie-backports
bpo_dir=$MIGCHECK_HOST_CACHE/apt/$bpo_suite
bpo_opts=(-o "Dir::Etc::sourcelist=$bpo_dir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$bpo_dir/lists" -o "Dir::Cache=$bpo_dir/cache"
	-o "Dir::State::status=$bpo_dir/status"
	-o "Dir::Etc::preferences=$bpo_dir/preferences"
	-o "Dir::Etc::preferencesparts=$bpo_dir/preferences.d"
	-o Acquire::Languages=none)

# aptc SRC TOOL ARGS...: run apt-get/apt-cache TOOL on package source SRC
# (main: this machine's apt configuration; bpo: the private one)
aptc() {
	local src=$1 tool=$2
	shift 2
	if [[ $src == bpo ]]; then
		"$tool" "${bpo_opts[@]}" "$@"
	else
		"$tool" "$@"
	fi
}

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

# debian_uri: the URI of this machine's main Debian source (the one serving
# its own release, e.g. bookworm), for the private trixie-backports source
debian_uri() {
	local codename
	if [[ -n ${MIGCHECK_HOST_DEBIAN_URI:-} ]]; then
		echo "$MIGCHECK_HOST_DEBIAN_URI"
		return 0
	fi
	codename=$(sed -n 's/^VERSION_CODENAME=["'\'']\{0,1\}\([a-z]*\).*/\1/p' /etc/os-release 2>/dev/null) || true
	# shellcheck disable=SC2016 # $(...) are apt's format fields
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
		awk -v c="$codename" '
			$3 == "deb" && $2 == c && !exact { exact = $1 }
			$3 == "deb" && $2 !~ /[-\/]/ && !plain { plain = $1 }
			END { if (exact) print exact; else if (plain) print plain; else exit 1 }'
}

# bpo_update: (re)write the private sources.list and update its lists
bpo_update() {
	local uri
	uri=$(debian_uri) || {
		mh_msg "cannot find this machine's Debian archive URI in its apt sources (set MIGCHECK_HOST_DEBIAN_URI)"
		return 1
	}
	mkdir -p "$bpo_dir/lists/partial" "$bpo_dir/cache/archives/partial" "$bpo_dir/preferences.d"
	[[ -f $bpo_dir/status ]] || : >"$bpo_dir/status"
	echo "deb $uri $bpo_suite main" >"$bpo_dir/sources.list"
	mh_msg "updating the private $bpo_suite lists ($uri)"
	aptc bpo apt-get "${apt_opts[@]}" update >&2
}

# source_ready SRC: make sure SRC can be queried (the private lists exist;
# refreshed once when MIGCHECK_HOST_REFRESH=1)
bpo_fresh=0
source_ready() {
	[[ $1 == bpo ]] || return 0
	mkdir -p "$bpo_dir/preferences.d"
	if [[ $bpo_fresh -eq 0 && (${MIGCHECK_HOST_REFRESH:-0} == 1 ||
		-z $(find "$bpo_dir/lists" -maxdepth 1 -name '*Packages*' 2>/dev/null)) ]]; then
		bpo_fresh=1
		bpo_update
	fi
}

# download SRC PKG:ARCH DESTDIR -- apt-get download one package and unpack it
# into DESTDIR (created if needed).  Returns non-zero on failure.
download() {
	local src=$1 pkg=$2 dest=$3 deb
	rm -rf "$tmp/dl"
	mkdir -p "$tmp/dl"
	(cd "$tmp/dl" && aptc "$src" apt-get "${apt_opts[@]}" download "$pkg") >&2 || return 1
	deb=$(find "$tmp/dl" -maxdepth 1 -name '*.deb' | head -n 1)
	[[ -n $deb ]] || return 1
	mh_msg "unpacking $(basename "$deb")"
	mkdir -p "$dest"
	dpkg-deb -x "$deb" "$dest" || return 1
	rm -f "$deb"
}

# gen_source GEN -> package source of GEN's kernels (main or bpo)
gen_source() {
	case $1 in
	7.3) echo bpo ;;
	*) echo main ;;
	esac
}

# rel_source RELEASE -> package source of RELEASE: Debian 13 (+deb13)
# releases come from trixie-backports, everything else from the main sources
rel_source() {
	case $1 in
	*+deb13-*) echo bpo ;;
	*) echo main ;;
	esac
}

# gen_regex GEN DEBARCH -> extended regex matching GEN's standard-flavour
# releases for DEBARCH
gen_regex() {
	case $1 in
	6.1) echo "^6\\.1\\.0-[0-9]+-$2\$" ;;
	6.12) echo "^6\\.12\\.[0-9]+\\+deb12-$2\$" ;;
	7.3) echo "^7\\.3\\.[0-9]+\\+deb13-$2\$" ;;
	esac
}

# meta_release SRC META DEBARCH -> kernel release the metapackage META points
# to (e.g. linux-image-amd64 -> 6.1.0-57-amd64)
meta_release() {
	local src=$1 meta=$2 debarch=$3 rel
	rel=$(aptc "$src" apt-cache depends "$meta:$debarch" 2>/dev/null |
		sed -n "s/^ *Depends: linux-image-\([0-9][^ :<>]*-$debarch\)\(:$debarch\)\{0,1\}\$/\1/p" |
		head -n 1) || true
	[[ -n $rel ]] || return 1
	echo "$rel"
}

# resolve_release GEN DEBARCH -> GEN's current release for DEBARCH: the one
# its metapackage points to, else the highest version of its packages
resolve_release() {
	local gen=$1 debarch=$2 src meta re rel prefix
	src=$(gen_source "$gen")
	re=$(gen_regex "$gen" "$debarch")
	case $gen in
	6.12) meta=linux-image-6.12-$debarch ;;
	*) meta=linux-image-$debarch ;;
	esac
	rel=$(meta_release "$src" "$meta" "$debarch") || true
	if [[ -n $rel ]] && grep -Eq "$re" <<<"$rel"; then
		echo "$rel"
		return 0
	fi
	[[ -z $rel ]] || mh_msg "$meta points to $rel, not a $gen kernel; using the highest $gen package"
	if [[ $src == bpo ]]; then prefix=linux-binary-; else prefix=linux-image-; fi
	rel=$(aptc "$src" apt-cache pkgnames "$prefix" 2>/dev/null |
		sed -e "s/^$prefix//" -e 's/^unsigned-//' -e 's/-unsigned$//' |
		grep -E "$re" | sort -uV | tail -n 1) || true
	[[ -n $rel ]] || return 1
	echo "$rel"
}

# normalise DIR RELEASE: move a /usr/lib/modules/RELEASE layout (Debian 13:
# the kernel is usr/lib/modules/RELEASE/vmlinuz[.unsigned], next to config)
# to the cache's boot/vmlinuz-RELEASE, boot/config-RELEASE and
# lib/modules/RELEASE/ (device trees dropped)
normalise() {
	local d=$1 rel=$2 f m
	m=$d/lib/modules/$rel
	if [[ -d $d/usr/lib/modules/$rel && ! -e $m ]]; then
		mkdir -p "$d/lib/modules"
		mv "$d/usr/lib/modules/$rel" "$m"
		rm -rf "$m/dtb" "$d/usr/lib/linux-image-$rel"
	fi
	if [[ ! -f $d/boot/vmlinuz-$rel ]]; then
		for f in vmlinuz vmlinuz.unsigned; do
			if [[ -f $m/$f ]]; then
				mkdir -p "$d/boot"
				mv "$m/$f" "$d/boot/vmlinuz-$rel"
				break
			fi
		done
	fi
	if [[ -f $m/config && ! -e $d/boot/config-$rel ]]; then
		mv "$m/config" "$d/boot/config-$rel"
	fi
	rm -rf "$d/usr/share/doc"
	if [[ -d $d/usr ]]; then
		find "$d/usr" -depth -type d -empty -delete
	fi
}

# fetch_kernel SRC RELEASE DEBARCH -> download and unpack RELEASE's packages
# into the cache; non-zero on failure
fetch_kernel() {
	local src=$1 rel=$2 debarch=$3 kroot pkg pkgs=()
	kroot=$(mh_kroot "$rel")
	if [[ $src == bpo ]]; then
		pkg=linux-binary-unsigned-$rel
		if ! aptc bpo apt-cache show "$pkg:$debarch" >/dev/null 2>&1; then
			pkg=linux-binary-$rel
		fi
		pkgs=("$pkg" "linux-modules-$rel" "linux-base-$rel")
	else
		pkg=linux-image-$rel-unsigned
		if ! apt-cache show "$pkg:$debarch" >/dev/null 2>&1; then
			pkg=linux-image-$rel
		fi
		pkgs=("$pkg")
	fi
	rm -rf "$kroot" "$tmp/k"
	for pkg in "${pkgs[@]}"; do
		mh_msg "downloading $pkg:$debarch"
		download "$src" "$pkg:$debarch" "$tmp/k" || {
			mh_msg "cannot download $pkg:$debarch"
			return 1
		}
	done
	normalise "$tmp/k" "$rel"
	[[ -f $tmp/k/boot/vmlinuz-$rel && -d $tmp/k/lib/modules/$rel ]] || {
		mh_msg "${pkgs[*]}: no boot/vmlinuz-$rel or lib/modules/$rel"
		return 1
	}
	mv "$tmp/k" "$kroot"
	echo "${pkgs[*]}" >"$kroot/.package"
	touch "$kroot/.ready"
}

declare -A done_rel=()
# prepare ARCH GEN -> prints "ARCH RELEASE"; non-zero if something could not
# be downloaded (failed_src then names the package source that failed).
failed_src=
prepare() {
	local arch=$1 gen=$2 debarch rel src bbdir pinned deffile
	debarch=$(mh_debarch "$arch")
	deffile=$(mh_default_file "$arch" "$gen")

	rel=
	pinned=0
	if [[ -n ${MIGCHECK_HOST_KERNEL:-} && $MIGCHECK_HOST_KERNEL == *-"$debarch" ]]; then
		rel=$MIGCHECK_HOST_KERNEL
		pinned=1
	elif [[ -n ${MIGCHECK_KERNEL_ABI:-} && $MIGCHECK_KERNEL_ABI == "$gen".* ]]; then
		rel=$MIGCHECK_KERNEL_ABI-$debarch
		pinned=1
	elif [[ ${MIGCHECK_HOST_REFRESH:-0} != 1 && -f $deffile ]]; then
		rel=$(cat "$deffile")
		mh_kernel_ready "$rel" || rel=
	fi
	# A pinned release is the same for every generation: prepare it once.
	if [[ $pinned -eq 1 && -n ${done_rel["$arch/$rel"]:-} ]]; then
		return 0
	fi

	if [[ -z $rel ]] || ! mh_kernel_ready "$rel"; then
		need_download
		if [[ -n $rel ]]; then
			src=$(rel_source "$rel")
		else
			src=$(gen_source "$gen")
		fi
		failed_src=$src
		source_ready "$src" || return 1
		if [[ -z $rel ]]; then
			rel=$(resolve_release "$gen" "$debarch") || {
				mh_msg "cannot resolve the $gen kernel for $debarch"
				return 1
			}
		fi
		if ! mh_kernel_ready "$rel"; then
			fetch_kernel "$src" "$rel" "$debarch" || return 1
		fi
	fi

	bbdir=$MIGCHECK_HOST_CACHE/busybox/$debarch
	if [[ ! -f $bbdir/.ready ]]; then
		need_download
		failed_src=main
		mh_msg "downloading busybox-static:$debarch"
		rm -rf "$bbdir" "$tmp/b"
		download main "busybox-static:$debarch" "$tmp/b" || {
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
		$(cat "$deffile" 2>/dev/null) != "$rel" ]]; then
		echo "$rel" >"$deffile.tmp"
		mv "$deffile.tmp" "$deffile"
	fi
	done_rel["$arch/$rel"]=1
	echo "$arch $rel"
}

declare -A updated=()
failed=()
for gen in "${gens[@]}"; do
	for arch in "${archs[@]}"; do
		failed_src=
		if prepare "$arch" "$gen"; then
			continue
		fi
		src=${failed_src:-main}
		if [[ -z ${updated[$src]:-} ]]; then
			updated[$src]=1
			if [[ $src == bpo ]]; then
				mh_msg "updating the private $bpo_suite lists and retrying"
				if bpo_update && prepare "$arch" "$gen"; then
					continue
				fi
			else
				mh_msg "running apt-get update and retrying"
				if apt-get -q update >&2 && prepare "$arch" "$gen"; then
					continue
				fi
			fi
		fi
		if [[ ${#gens[@]} -eq 1 && $gen == 6.1 ]]; then
			failed+=("$arch")
		else
			failed+=("$arch/$gen")
		fi
	done
done

if [[ ${#failed[@]} -gt 0 ]]; then
	mh_skip "cannot download kernel/busybox packages for ${failed[*]}" \
		"(need Debian package lists; for aarch64 also 'dpkg --add-architecture arm64')"
fi
