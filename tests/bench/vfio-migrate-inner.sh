#!/usr/bin/env bash
# Runs INSIDE an emulated x86_64 6.12 host (tests/hosts/vmm-run.sh), started
# by tests/bench/vfio-migrate.sh. Two libvirt 11 daemons S and D
# (tests/integration/libvirt-lib.sh); a baseline guest without a device and
# a guest holding an mcmig mdev (tests/integration/vmm-vfio-lib.sh), the
# same otherwise. For each device configuration (state size in MiB, PRE_COPY
# offered or not: mcmig's precopy parameter) it loads mcmig, starts the
# device guest, and runs BENCH_RUNS rounds of: the baseline guest moves
# (S -> D or back), then the device guest moves the same way (its
# destination XML names the free instance there). Per migration it prints
#   B CONFIG ROUND SIDE DOWNTIME_MS ELAPSED_MS
# from QEMU's job statistics (virsh domjobinfo --completed on the
# destination: Total downtime, Time elapsed). SIDE is base or dev.
# The B lines also go to $VMM_XFER/bench.out as they come (a run cut short
# by the timeout still leaves its rounds).
# Environment: MCMIG_KO, BENCH_CONFIGS ("MIB:PRECOPY[:ROUNDS] ...", default
# "16:1 16:0 1:1 1:0 256:1:1 256:0:1": 256 MiB once, it is the slowest),
# BENCH_RUNS (default 3: the rounds where a config does not say).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/integration/libvirt-lib.sh
source "$(dirname "$0")/../integration/libvirt-lib.sh"
# shellcheck source=tests/integration/vmm-vfio-lib.sh
source "$(dirname "$0")/../integration/vmm-vfio-lib.sh"
# shellcheck source=tests/bench/lib.sh
source "$(dirname "$0")/lib.sh"

LV_QEMU_MAJOR=10
LV_GUEST_TYPE=kvm
LV_MACHINE=pc-q35-10.0
LV_GUEST_MIB=32
LV_QEMU_CONF='namespaces = [ ]'
LV_BINDIR=/var/tmp/migcheck-lv-bin
[[ -z ${VMM_CACHE:-} ]] || export MIGCHECK_LIBVIRT_CACHE=$VMM_CACHE/libvirt-qemu-caps
CONFIGS=${BENCH_CONFIGS:-16:1 16:0 1:1 1:0 256:1:1 256:0:1}
RUNS=$(bench_runs)
A=11111111-1111-4111-8111-111111111111
B=22222222-2222-4222-8222-222222222222
t0=$SECONDS
note() {
	echo "# $* ($((SECONDS - t0)) s)"
	[[ -z ${VMM_XFER:-} ]] || echo "$* $((SECONDS - t0)) s" >>"$VMM_XFER/progress"
}
trap 'lv_cleanup; rm -rf "$T_TMP"' EXIT
die() {
	echo "FAIL $*"
	exit 1
}
[[ -z $(lv_unavailable) ]] || die "libvirt daemons cannot run here: $(lv_unavailable)"
lv_setup vfiobench
{ lv_host S 1 && lv_host D 2 && lv_link S D; } || die "namespaces"
for h in S D; do lv_start "$h"; done
for h in S D; do lv_wait "$h" || die "libvirtd of $h"; done
note daemons

# where DOM is now (S or D) and the other host
declare -A AT
other() { if [[ $1 == S ]]; then echo D; else echo S; fi; }
# move DOM [UUID-on-S UUID-on-D]: migrate DOM to the other host (naming the
# instance of that side); MOVED: "DOWNTIME_MS ELAPSED_MS" of that migration
move() {
	local dom=$1 from=${AT[$1]} to dev
	to=$(other "$from")
	lv_virsh "$from" dumpxml --migratable "$dom" >"$T_TMP/$dom.xml" || return 1
	if [[ -n ${2:-} ]]; then
		dev=$2
		[[ $to == D ]] && dev=$3
		sed -i "s|<address uuid='[0-9a-f-]*'/>|<address uuid='$dev'/>|" "$T_TMP/$dom.xml"
	fi
	mc_migrate "$from" "$dom" "$to" "$T_TMP/$dom.xml" >/dev/null 2>"$T_ERR" || {
		echo "FAIL migrate $dom $from -> $to: $(head -c 300 "$T_ERR")"
		return 1
	}
	AT[$dom]=$to
	MOVED=$(lv_virsh "$to" domjobinfo "$dom" --completed |
		awk -F': *' '/^Total downtime/ {d = $2 + 0} /^Time elapsed:/ {e = $2 + 0} END {print d, e}')
}

mc_guest_xml mcbase >"$T_TMP/base.xml"
lv_virsh S create "$T_TMP/base.xml" >/dev/null || die "start the baseline guest"
AT[mcbase]=S
note baseline-guest
out() {
	echo "$*"
	[[ -z ${VMM_XFER:-} ]] || echo "$*" >>"$VMM_XFER/bench.out"
}
for c in $CONFIGS; do
	mib=${c%%:*}
	pre=${c#*:}
	n=$RUNS
	if [[ $pre == *:* ]]; then
		n=${pre#*:}
		pre=${pre%%:*}
		c=$mib:$pre
	fi
	mc_load "$MCMIG_KO" state_size=$((mib << 20)) precopy="$pre" || die "insmod state ${mib} MiB precopy=$pre"
	{ mc_create v1 $A && mc_create v1 $B; } || die "create A and B"
	mc_guest_xml mcdev $A >"$T_TMP/dev.xml"
	lv_virsh S create "$T_TMP/dev.xml" >/dev/null 2>"$T_ERR" || die "start the device guest: $(head -c 300 "$T_ERR")"
	AT[mcdev]=S
	note "config $c: guest up"
	for ((i = 0; i < n; i++)); do
		move mcbase || exit 1
		rb=$MOVED
		out "B $c $i base $rb"
		move mcdev $A $B || exit 1
		rd=$MOVED
		out "B $c $i dev $rd"
		note "config $c round $i: base $rb, dev $rd (downtime ms, elapsed ms)"
	done
	lv_virsh "${AT[mcdev]}" destroy mcdev >/dev/null
	mc_unload || die "rmmod mcmig"
done
out "done"
