#!/usr/bin/env bash
# Wall time of `migcheck migrate` (plan + stamp + live peer-to-peer
# migration) against plain `virsh migrate --live --p2p` of the same guest
# between the same two namespaced libvirt daemons, in the same run,
# alternating A->B and B->A. Usage: libvirt-migrate.sh BUILDDIR [ROUNDS]
# Prints a skip line (exit 0) where namespaces or libvirtd are unavailable.
set -uo pipefail
B=$(cd "${1:-.}" && pwd)
ROUNDS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data
MIGCHECK=$B/migcheck
# shellcheck source=tests/integration/libvirt-lib.sh
source "$HERE/../integration/libvirt-lib.sh"
why=$(lv_unavailable)
if [[ -n $why ]]; then
	echo "libvirt migrate: skipped ($why)"
	exit 0
fi
lv_setup bench
W=$(mktemp -d)
export MIGCHECK_DB=$W/inventory.db
trap 'lv_cleanup; rm -rf "$W"' EXIT
if ! { lv_host A 1 && lv_host B 2 && lv_link A B; }; then
	echo "libvirt migrate: skipped (cannot set up namespaces)"
	exit 0
fi
lv_start A
lv_start B
if ! { lv_wait A && lv_wait B; }; then
	echo "libvirt migrate: skipped (libvirtd did not start)"
	exit 0
fi
for h in A B; do
	lv_in "$h" "$MIGCHECK" probe --only libvirt --print --libvirt-uri "$(lv_uri "$h")" >"$W/$h.lv"
	grep -hv '^#' "$DATA/plan-x86/real-max-same.dst" "$W/$h.lv" | awk -F'\t' '!s[$1 FS $2]++' >"$W/$h.facts"
	"$MIGCHECK" import "$W/$h.facts" --host "${LV_HOSTNAME[$h]}" >/dev/null
done
cat >"$W/g.xml" <<EOF2
<domain type='qemu'><name>mcbench</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>
EOF2
lv_virsh A create "$W/g.xml" >/dev/null || {
	echo "libvirt migrate: skipped (cannot start a guest)"
	exit 0
}
now() { date +%s%N; }
at=A
other() { [[ $1 == A ]] && echo B || echo A; }
declare -a tv tm
for ((i = 0; i < ROUNDS; i++)); do
	to=$(other "$at")
	t0=$(now)
	lv_virsh "$at" migrate --live --p2p mcbench "$(lv_uri "$to")" >/dev/null || exit 1
	tv+=($((($(now) - t0) / 1000000)))
	at=$to
	to=$(other "$at")
	t0=$(now)
	lv_in "$at" "$MIGCHECK" migrate -c "$(lv_uri "$at")" mcbench "$(lv_uri "$to")" >/dev/null || exit 1
	tm+=($((($(now) - t0) / 1000000)))
	at=$to
done
declare -a td
for ((i = 0; i < ROUNDS; i++)); do
	to=$(other "$at")
	t0=$(now)
	lv_in "$at" "$MIGCHECK" migrate --dry-run -c "$(lv_uri "$at")" mcbench "$(lv_uri "$to")" >/dev/null || exit 1
	td+=($((($(now) - t0) / 1000000)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mv_=$(median "${tv[@]}")
mm=$(median "${tm[@]}")
printf 'libvirt migrate (128 MiB TCG guest, %d rounds each, alternating directions)\n' "$ROUNDS"
printf '  virsh migrate --live --p2p   median %5d ms  (%s)\n' "$mv_" "${tv[*]}"
printf '  migcheck migrate             median %5d ms  (%s)\n' "$mm" "${tm[*]}"
printf '  migcheck migrate --dry-run   median %5d ms  (%s): connect, identify, plan\n' "$(median "${td[@]}")" "${td[*]}"
awk -v a="$mm" -v b="$mv_" 'BEGIN { printf "  overhead %+d ms, ratio %.3f (target: < 5%% or < 100 ms)\n", a - b, a / b }'
