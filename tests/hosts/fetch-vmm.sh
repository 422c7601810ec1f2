#!/bin/bash
# fetch-vmm.sh
#
# Unpack QEMU 10 and libvirt 11 from Debian 12's backports suite
# (bookworm-backports, same archive as the machine's main source) into a
# private tree, $MIGCHECK_HOST_CACHE/vmm/root, never installing them: the
# machine keeps its own QEMU 7.2 and libvirt 9. vmm-run.sh lays this tree
# over the machine's root inside an emulated x86_64 host.
#
# The package set is what `apt-get install -t bookworm-backports
# --no-install-recommends qemu-system-x86 libvirt-daemon
# libvirt-daemon-driver-qemu libvirt-clients` would install or upgrade on
# this machine (apt's own resolver, run in simulation against the machine's
# dpkg status with a private list of sources: bookworm, -updates, -security
# and -backports), minus packages the emulated host never runs (other QEMU
# targets, GUI, l10n, development files, other libvirt drivers, systemd
# units). Each package is unpacked with dpkg-deb -x (no maintainer scripts).
# The tree is kept until MIGCHECK_HOST_REFRESH=1.
#
# Prints "vmm ROOT" on stdout. Exit: 0 ready; 77 cannot be had here (not
# root, no apt, no network: "SKIP: reason"); 99 error.
# Environment: MIGCHECK_HOST_CACHE, MIGCHECK_HOST_REFRESH,
#   MIGCHECK_HOST_DEBIAN_URI (the Debian archive URI; default: this machine's
#   main source, as fetch.sh finds it).
set -euo pipefail

# shellcheck source=tests/hosts/lib.sh
. "$(dirname "$0")/lib.sh"

suite=bookworm-backports
vdir=$(mh_vmm_dir)
root=$vdir/root
want=(qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients)
# Resolved along with them, never run in the emulated host.
drop='^(qemu-system-(arm|gui|modules-.*)|qemu-utils|qemu-block-extra|libvirt-l10n|libvirt-dev|libvirt-daemon-driver-(vbox|xen|lxc)|libvirt-daemon-system.*|libvirt-daemon-config-.*)$'

if [[ -f $root/.ready && ${MIGCHECK_HOST_REFRESH:-0} != 1 ]]; then
	echo "vmm $root"
	exit 0
fi
for t in apt-get dpkg-deb; do
	command -v "$t" >/dev/null 2>&1 || mh_skip "$t not found: cannot unpack Debian packages"
done
if ! mkdir -p "$vdir" 2>/dev/null || [[ ! -w $vdir ]]; then
	mh_skip "$vdir is not writable (set MIGCHECK_HOST_CACHE)"
fi

exec 9>"$vdir/.lock"
flock 9
if [[ -f $root/.ready && ${MIGCHECK_HOST_REFRESH:-0} != 1 ]]; then
	echo "vmm $root"
	exit 0
fi

# The private sources: this machine's Debian sources for its release
# (bookworm, -updates, -security) plus bookworm-backports at the main URI.
apt_dir=$vdir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/preferences.d"
if [[ -n ${MIGCHECK_HOST_DEBIAN_URI:-} ]]; then
	srcs="deb $MIGCHECK_HOST_DEBIAN_URI bookworm main"$'\n'
else
	# shellcheck disable=SC2016 # $(...) are apt's format fields
	srcs=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
		awk '$3 == "deb" && $2 ~ /^bookworm(-updates|-security)?$/ && !s[$1 FS $2]++ {
			print "deb " $1 " " $2 " main" }') || true
fi
main_uri=$(awk '$3 == "bookworm" {print $2; exit}' <<<"$srcs")
[[ -n $main_uri ]] ||
	mh_skip "no bookworm source in this machine's apt configuration (set MIGCHECK_HOST_DEBIAN_URI)"
printf '%s\ndeb %s %s main\n' "${srcs%$'\n'}" "$main_uri" "$suite" >"$apt_dir/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o "Dir::Etc::preferences=$apt_dir/preferences"
	-o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
	-o Acquire::Languages=none -o Debug::NoLocking=1)
[[ $(id -u) -ne 0 ]] || opts+=(-o APT::Sandbox::User=root)

mh_msg "updating the private apt lists ($main_uri bookworm, $suite)"
apt-get "${opts[@]}" -q update >&2 || mh_skip "apt-get update of $suite failed (no network?)"

# PKG=VERSION lines apt would install or upgrade.
sim=$(apt-get "${opts[@]}" -s --no-install-recommends install -t "$suite" "${want[@]}" 2>&1) ||
	mh_die "apt cannot resolve ${want[*]} from $suite: $(tail -n 3 <<<"$sim")"
mapfile -t pkgs < <(awk '$1 == "Inst" {
		v = ($3 ~ /^\[/) ? $4 : $3; sub(/^\(/, "", v); print $2 "=" v }' <<<"$sim" |
	grep -Ev "${drop%\$}=" || true)
[[ ${#pkgs[@]} -gt 0 ]] || mh_die "apt would install nothing from $suite"
for w in "${want[@]}"; do
	printf '%s\n' "${pkgs[@]}" | grep -q "^$w=.*bpo" ||
		mh_die "$w: no $suite version chosen (${pkgs[*]})"
done

tmp=$(mktemp -d "$vdir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mh_msg "downloading ${#pkgs[@]} packages"
(cd "$tmp" && apt-get "${opts[@]}" -q download "${pkgs[@]}") >&2 ||
	mh_die "apt-get download failed"
mkdir -p "$tmp/root"
for deb in "$tmp"/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root"
done
printf '%s\n' "${pkgs[@]}" >"$tmp/root/.packages"
"$tmp/root/usr/bin/qemu-system-x86_64" --version >/dev/null 2>&1 ||
	LD_LIBRARY_PATH=$tmp/root/usr/lib/x86_64-linux-gnu "$tmp/root/usr/bin/qemu-system-x86_64" --version >&2 ||
	mh_die "the unpacked QEMU does not run"
touch "$tmp/root/.ready"
rm -rf "$root.old"
[[ ! -e $root ]] || mv "$root" "$root.old"
mv "$tmp/root" "$root"
rm -rf "$root.old"
mh_msg "$(head -n1 < <(LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu "$root/usr/bin/qemu-system-x86_64" --version)), libvirt $(sed -n 's/^libvirt0=//p' "$root/.packages") in $root ($(du -sh "$root" | cut -f1))"
echo "vmm $root"
