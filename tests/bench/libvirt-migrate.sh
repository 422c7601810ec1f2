#!/usr/bin/env bash
# Wall time of `migcheck migrate` (plan + stamp + live peer-to-peer
# migration) against plain `virsh migrate --live --p2p` of the same guest
# between the same two namespaced libvirt daemons, alternating rounds
# (tests/bench/lib.sh: virsh, migcheck, virsh, ...; A->B then B->A, the next
# round B->A then A->B, ...), and `migrate
# --dry-run` against the same plan from the inventory. Usage:
# libvirt-migrate.sh BUILDDIR (rounds: $BENCH_RUNS). Prints a skip line
# (exit 0; exit 1 under MC_NO_SKIP=1) where namespaces or libvirtd are
# unavailable.
set -uo pipefail
B=$(cd "${1:-.}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data
MIGCHECK=$B/migcheck
# shellcheck source=tests/integration/libvirt-lib.sh
source "$HERE/../integration/libvirt-lib.sh"
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"
skip() {
	echo "libvirt migrate: skipped ($1)"
	[[ ${MC_NO_SKIP:-} == 1 ]] && exit 1
	exit 0
}
why=$(lv_unavailable)
[[ -z $why ]] || skip "$why"
lv_setup bench
W=$(mktemp -d)
export MIGCHECK_DB=$W/inventory.db
trap 'lv_cleanup; rm -rf "$W"' EXIT
{ lv_host A 1 && lv_host B 2 && lv_link A B; } || skip "cannot set up namespaces"
lv_start A
lv_start B
{ lv_wait A && lv_wait B; } || skip "libvirtd did not start"
for h in A B; do
	if ! { lv_in "$h" "$MIGCHECK" probe --only libvirt --print --libvirt-uri "$(lv_uri "$h")" >"$W/$h.lv" &&
		grep -hv '^#' "$DATA/plan-x86/real-max-same.dst" "$W/$h.lv" | awk -F'\t' '!s[$1 FS $2]++' >"$W/$h.facts" &&
		"$MIGCHECK" import "$W/$h.facts" --host "${LV_HOSTNAME[$h]}" >/dev/null; }; then
		echo "libvirt migrate: probing or importing host $h failed" >&2
		exit 1
	fi
done
cat >"$W/g.xml" <<EOF2
<domain type='qemu'><name>mcbench</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>
EOF2
lv_virsh A create "$W/g.xml" >/dev/null || skip "cannot start a guest"
at=A
other() { [[ $1 == A ]] && echo B || echo A; }
# Each side moves the guest from where it is to the other daemon: virsh
# first, migcheck back. Even rounds start on A, odd rounds on B (an untimed
# move before the round where needed), so both sides go both ways.
virsh_migrate_prep() {
	local want=A
	(($1 % 2)) && want=B
	[[ $at == "$want" ]] || virsh_migrate
}
virsh_migrate() {
	local to
	to=$(other "$at")
	lv_virsh "$at" migrate --live --p2p mcbench "$(lv_uri "$to")" >/dev/null || return 1
	at=$to
}
migcheck_migrate() {
	local to
	to=$(other "$at")
	lv_in "$at" "$MIGCHECK" migrate -c "$(lv_uri "$at")" mcbench "$(lv_uri "$to")" >/dev/null || return 1
	at=$to
}
bench_alternate virsh_migrate migcheck_migrate
printf 'libvirt migrate (128 MiB TCG guest, %d rounds; rounds alternate the directions)\n' "$(bench_runs)"
printf '  virsh migrate --live --p2p   median %7s ms  (%s)\n' "$BENCH_BASE_MED" "${BENCH_BASE[*]}"
printf '  migcheck migrate             median %7s ms  (%s)\n' "$BENCH_SUBJ_MED" "${BENCH_SUBJ[*]}"
awk -v a="$BENCH_SUBJ_MED" -v b="$BENCH_BASE_MED" -v r="$BENCH_RATIO" -v rounds="$BENCH_ROUNDS" \
	'BEGIN { printf "  ratio %s%s; median overhead %+d ms (target: < 5%% or < 100 ms)\n", r, rounds, a - b }'
# --dry-run (connect to the source daemon, identify both hosts, plan the
# guest's configuration) vs the same plan from the inventory alone: the same
# two host profiles and the pins the guest's XML gives (CPU, MACHINE,
# VIRTTYPE), in the same namespace.
plan_alone() {
	local rc=0
	lv_in "$at" "$MIGCHECK" plan "${LV_HOSTNAME[$at]}" "${LV_HOSTNAME[$(other "$at")]}" \
		--pin CPU=qemu64 --pin MACHINE=pc-q35-7.2 --pin VIRTTYPE=qemu >/dev/null || rc=$?
	((rc <= 2)) # 0 ok, 1 action, 2 blocked; anything else is an error
}
migcheck_dry_run() {
	lv_in "$at" "$MIGCHECK" migrate --dry-run -c "$(lv_uri "$at")" mcbench "$(lv_uri "$(other "$at")")" >/dev/null
}
bench_alternate plan_alone migcheck_dry_run
printf '  migcheck migrate --dry-run   median %7s ms  (%s): connect, identify, plan\n' "$BENCH_SUBJ_MED" "${BENCH_SUBJ[*]}"
printf '  migcheck plan (same pair and pins, inventory only) median %s ms; ratio %s%s\n' \
	"$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
