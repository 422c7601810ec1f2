#!/usr/bin/env bash
# Install what migcheck needs to build and test on Debian 12 (as root).
# Idempotent: installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(
	# build
	build-essential autoconf automake libtool pkg-config
	# the Debian package (dpkg-buildpackage, debian/) and its check
	debhelper dpkg-dev lintian
	libvirt-dev libxml2-dev libsqlite3-dev libcurl4-openssl-dev check libglib2.0-dev
	libjson-glib-dev nettle-dev
	# style, memory checking
	clang-format cppcheck valgrind libxml2-utils sqlite3 shellcheck
	# --format json outputs validated against schemas/*.schema.json (json.sh)
	python3-jsonschema
	# emulated test hosts: QEMU, busybox initramfs, the arm64 cross probe
	qemu-system-x86 qemu-system-arm busybox-static cpio xz-utils
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross
	# libvirt daemons for the migration tests
	libvirt-daemon-system libvirt-clients
	# fleet store tests and benchmark: a private nginx (WebDAV PUT, PROPFIND from
	# the dav_ext module), TLS certificate, the truncating test server, curl/bc baselines
	nginx-light libnginx-mod-http-dav-ext openssl python3 curl bc
	# fleet report test: render the HTML page in headless Chromium
	chromium
	# hardening: libFuzzer (clang), syscall fault injection and tracing
	clang libclang-rt-14-dev strace
)
# Kernel headers for the test mdev driver (tests/mdev), same ABI as the emulated
# x86_64 host's kernel: the cached default if tests/hosts/fetch.sh ran, else
# what linux-image-amd64 points to (resolved as fetch.sh does), else fixed.
krel=$(cat "${MIGCHECK_HOST_CACHE:-/var/cache/migcheck/hosts}/x86_64.default" 2>/dev/null ||
	apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ :<>]*-amd64\)$/\1/p' | head -n1) || true
PKGS+=("linux-headers-${krel:-6.1.0-56-amd64}")
# and for the 6.12 generation (the test driver's PRE_COPY needs 6.2 on)
krel=$(cat "${MIGCHECK_HOST_CACHE:-/var/cache/migcheck/hosts}/x86_64.6.12.default" 2>/dev/null ||
	apt-cache depends linux-image-6.12-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ :<>]*-amd64\)$/\1/p' | head -n1) || true
PKGS+=("linux-headers-${krel:-6.12.118+deb12-amd64}")

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
# The S3 protocol test (tests/integration/fleet-s3.sh): s3rver, from the npm
# registry (not packaged by Debian), behind a proxy that checks signatures
# with botocore. npm and botocore from Debian only when missing: a node.js
# from elsewhere (NodeSource) brings its own npm, which Debian's would
# conflict with, and a python3 from elsewhere may have botocore already.
if ! command -v npm >/dev/null; then
	echo "deps.sh: installing npm"
	apt-get install -y -q npm
fi
if ! python3 -c 'import botocore' 2>/dev/null; then
	echo "deps.sh: installing python3-botocore"
	apt-get install -y -q python3-botocore
fi
if ! command -v s3rver >/dev/null; then
	echo "deps.sh: installing s3rver (npm)"
	npm install -g --no-fund --no-audit s3rver@3.7.1
fi
# QEMU 10 and libvirt 11 from bookworm-backports for the emulated hosts'
# own VMM (tests/integration/vmm-migrate.sh): unpacked into a private tree in
# the hosts' cache, never installed (the machine keeps QEMU 7.2 and libvirt 9,
# which the other tests and tests/data/cpu_map expect).
if ! vmm=$("$(dirname "$0")/../tests/hosts/fetch-vmm.sh"); then
	echo "deps.sh: QEMU 10 / libvirt 11 from bookworm-backports: $vmm" >&2
	exit 1
fi
echo "deps.sh: ${vmm#vmm } holds QEMU 10 and libvirt 11 (bookworm-backports)"
echo "deps.sh: all build and test dependencies present"
