#!/usr/bin/env bash
# Process start-up (tests/bench/startup.py) with a libvirtd to ask: one
# namespaced daemon (tests/integration/libvirt-lib.sh), so the table also
# has `virsh hypervisor-cpu-compare` against a warm libvirtd, the figure
# issue 16 compares a whole `migcheck plan` with. Usage: startup.sh
# BUILDDIR DATADIR [ROUNDS]. Where no daemon can run, the table is printed
# without those rows and a skip line (exit 1 under MC_NO_SKIP=1).
set -uo pipefail
B=$(cd "${1:-.}" && pwd)
DATA=$2
ROUNDS=${3:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/libvirt-lib.sh
source "$HERE/../integration/libvirt-lib.sh"
why=$(lv_unavailable)
if [[ -z $why ]]; then
	lv_setup startup
	trap 'lv_cleanup' EXIT
	# (a host gets its address from a link: B is its peer, never started)
	if { lv_host A 1 && lv_host B 2 && lv_link A B && lv_start A && lv_wait A; } >/dev/null 2>&1; then
		lv_virsh A version >/dev/null # the daemon warm
		python3 "$HERE/startup.py" "$B" "$DATA" "$ROUNDS" "${LV_NS[A]}" "$(lv_uri A)"
		exit $?
	fi
	why="libvirtd did not start"
fi
python3 "$HERE/startup.py" "$B" "$DATA" "$ROUNDS" || exit 1
echo "virsh hypervisor-cpu-compare: skipped ($why)"
[[ ${MC_NO_SKIP:-} == 1 ]] && exit 1
exit 0
