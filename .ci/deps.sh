#!/usr/bin/env bash
# Install what migcheck needs to build and test on Debian 12 (as root).
# Idempotent: installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(
	# build
	build-essential autoconf automake libtool pkg-config
	libvirt-dev libxml2-dev libsqlite3-dev libcurl4-openssl-dev check libglib2.0-dev
	# style, memory checking
	clang-format cppcheck valgrind libxml2-utils sqlite3 shellcheck
	# emulated test hosts: QEMU, busybox initramfs, the arm64 cross probe
	qemu-system-x86 qemu-system-arm busybox-static cpio xz-utils
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross
	# libvirt daemons for the migration tests
	libvirt-daemon-system libvirt-clients
	# fleet store tests and benchmark: a private nginx (WebDAV PUT), TLS certificate,
	# the truncating test server, curl/bc baselines
	nginx-light openssl python3 curl bc
)

if [[ $(id -u) -ne 0 ]]; then
	echo "deps.sh: must run as root (apt-get install)" >&2
	exit 77
fi
# arm64 packages are downloaded (never installed) for the emulated arm64 hosts.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	NEED_UPDATE=1
fi
missing=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [[ ${#missing[@]} -gt 0 || -n ${NEED_UPDATE:-} ]]; then
	apt-get update -q
fi
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "deps.sh: installing ${missing[*]}"
	apt-get install -y -q "${missing[@]}"
fi
echo "deps.sh: all build and test dependencies present"
