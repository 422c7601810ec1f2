#!/usr/bin/env bash
# Runs INSIDE an emulated x86_64 6.12 host (tests/hosts/vmm-run.sh); started
# by tests/integration/vmm-vfio.sh, which reads the ok/FAIL lines and the
# "R KEY VALUE" records it prints. The test mdev mcmig (tests/mdev, loaded
# with a second type of another format version) gives instances A and B
# (mcmig-v1) and C (mcmig-v2). Two libvirt 11 daemons S and D in their own
# namespaces (libvirt-lib.sh); a KVM guest holding A runs on S and moves
# live to D with B (the destination XML names B), then back to S with C
# (another format version: plain virsh migrate, to see where it fails and
# what it leaves).
# Environment: MIGCHECK, MCMIG_KO (mcmig.ko built for this kernel),
# MCMIG_STATE_SIZE (bytes, default 8 MiB), VMM_XFER (logs on failure).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/libvirt-lib.sh
source "$(dirname "$0")/libvirt-lib.sh"
# shellcheck source=tests/integration/vmm-vfio-lib.sh
source "$(dirname "$0")/vmm-vfio-lib.sh"

LV_QEMU_MAJOR=10
LV_GUEST_TYPE=kvm
LV_MACHINE=pc-q35-10.0
LV_GUEST_MIB=32
LV_QEMU_CONF='namespaces = [ ]'
LV_BINDIR=/var/tmp/migcheck-lv-bin
[[ -z ${VMM_CACHE:-} ]] || export MIGCHECK_LIBVIRT_CACHE=$VMM_CACHE/libvirt-qemu-caps
SIZE=${MCMIG_STATE_SIZE:-8388608}
A=11111111-1111-4111-8111-111111111111
B=22222222-2222-4222-8222-222222222222
C=33333333-3333-4333-8333-333333333333
DOM=mcvfio
t0=$SECONDS
stamp() {
	echo "time $1 $((SECONDS - t0))"
	[[ -z ${VMM_XFER:-} ]] || echo "$1 $((SECONDS - t0)) s (pass $T_PASS, fail $T_FAIL)" >>"$VMM_XFER/progress"
}
r() { echo "R $*"; }
# st UUID: seed checksum migration_state restores refused
st() { echo "$(mc_attr "$1" seed) $(mc_attr "$1" checksum) $(mc_attr "$1" migration_state) $(mc_attr "$1" restores) $(mc_attr "$1" refused)"; }
keep_logs() {
	local h
	[[ -d ${VMM_XFER:-} ]] || return 0
	for h in "${LV_HOSTS[@]}"; do
		mkdir -p "$VMM_XFER/$h"
		cp -a "${LV_DIR[$h]}/daemon.out" "${LV_DIR[$h]}/log/." "$VMM_XFER/$h/" 2>/dev/null
	done
	dmesg | tail -n 50 >"$VMM_XFER/dmesg" 2>/dev/null
}
trap 'keep_logs; lv_cleanup; rm -rf "$T_TMP"' EXIT
die() {
	not_ok "$*"
	finish
	exit 1
}

why=$(lv_unavailable)
[[ -z $why ]] || die "libvirt daemons cannot run in the emulated host: $why"
[[ -f ${MCMIG_KO:-} ]] || die "no MCMIG_KO (mcmig.ko for $(uname -r))"
mc_load "$MCMIG_KO" state_size="$SIZE" format_version=1 alt_version=2 ||
	die "insmod mcmig.ko state_size=$SIZE alt_version=2"
ok "mcmig loaded: types $(cd "$MC_TYPES" && echo *)"
{ mc_create v1 $A && mc_create v1 $B && mc_create v2 $C; } || die "create instances A, B (v1) and C (v2)"
echo 0x0123456789abcdef >"$MC_DEVS/$A/mcmig/seed"
r A.seeded "$(st $A)"
r B.created "$(st $B)"
r C.created "$(st $C)"

lv_setup vmmvfio
stamp setup
{ lv_host S 1 && lv_host D 2 && lv_link S D; } || die "network namespaces and a veth link"
qemu-system-x86_64 --version >/dev/null 2>&1 &
for h in S D; do lv_start "$h"; done
for h in S D; do
	lv_wait "$h" || die "libvirtd of $h did not start: $(tail -c 300 "${LV_DIR[$h]}/daemon.out")"
done
stamp daemons

running_on() { [[ $(lv_virsh "$1" domstate "$2" 2>/dev/null) == running ]]; }
absent_on() { ! lv_virsh "$1" dominfo "$2" >/dev/null 2>&1; }
qemu_pid() { cat "${LV_DIR[$1]}/run/libvirt/qemu/$DOM.pid" 2>/dev/null; }

mc_guest_xml "$DOM" $A >"$T_TMP/guest.xml"
lv_virsh S create "$T_TMP/guest.xml" >/dev/null 2>"$T_ERR" ||
	die "start a KVM guest holding mdev A on S: $(head -c 600 "$T_ERR")"
ok "a KVM guest holding mdev A (vfio-pci, enable-migration=on) runs on S"
stamp guest
pidS=$(qemu_pid S)
r pidS "$pidS"
r A.holders.before "$(mc_holders $A)"
r qemuS.warn "$(grep -o "warning: .*" "${LV_DIR[S]}/log/qemu/$DOM.log" | tr '\n' '|')"
r A.attached "$(st $A)"

# 1. S -> D, the destination XML naming B (plain virsh migrate --xml)
mc_dest_xml S "$DOM" $B >"$T_TMP/dest-B.xml"
check "  destination XML names B" grep -q "uuid='$B'" "$T_TMP/dest-B.xml"
s0=$SECONDS
expect_exit 0 "virsh migrate --live S -> D with B" \
	mc_migrate S "$DOM" D "$T_TMP/dest-B.xml"
r migrate.ab.secs $((SECONDS - s0))
stamp migrate-sd
r jobinfo.ab "$(mc_jobinfo D "$DOM")"
r A.after "$(st $A)"
r B.after "$(st $B)"
r A.holders "$(mc_holders $A)"
r B.holders "$(mc_holders $B)"
pidD=$(qemu_pid D)
r qemuS.alive "$(kill -0 "$pidS" 2>/dev/null && echo yes || echo no)"
r pidD "$pidD"
check "  running on D" running_on D "$DOM"
check "  gone from S" absent_on S "$DOM"
r B.log "$(dmesg | grep -c "mcmig.*$B" || true)"

# 2. D -> S into C (format version 2): what plain virsh migrate does
mc_dest_xml D "$DOM" $C >"$T_TMP/dest-C.xml"
s0=$SECONDS
mc_migrate D "$DOM" S "$T_TMP/dest-C.xml" >"$T_OUT" 2>"$T_ERR"
r vc.rc $?
r vc.secs $((SECONDS - s0))
r vc.err "$(tr '\n' '|' <"$T_ERR")"
stamp virsh-c
r vc.D.state "$(lv_virsh D domstate "$DOM" --reason 2>&1 | tr '\n' ' ')"
r vc.S.state "$(lv_virsh S domstate "$DOM" --reason 2>&1 | tr '\n' ' ')"
r vc.pidS "$(qemu_pid S)"
r vc.B "$(st $B)"
r vc.C "$(st $C)"
r vc.B.holders "$(mc_holders $B)"
r vc.C.holders "$(mc_holders $C)"
r vc.pidD.alive "$(kill -0 "$pidD" 2>/dev/null && echo yes || echo no)"
r vc.jobinfo "$(mc_jobinfo S "$DOM")"
# QEMU's own messages (not its command line)
qlog() { grep -iE 'warning|error|fail|reset' "${LV_DIR[$1]}/log/qemu/$DOM.log" 2>/dev/null | grep -v -e '^-' -e ' -device ' | tail -n 4 | tr '\n' '|'; }
r vc.qemuS.log "$(qlog S)"
r vc.qemuD.log "$(qlog D)"
r vc.dmesg "$(dmesg | grep -i mcmig | tail -n 4 | tr '\n' '|')"

lv_virsh S destroy "$DOM" >/dev/null 2>&1
finish
