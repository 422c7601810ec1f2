#!/usr/bin/env bash
# Runs INSIDE an emulated x86_64 6.12 host (tests/hosts/vmm-run.sh); started
# by tests/integration/vmm-vfio.sh, which reads the ok/FAIL lines and the
# "R KEY VALUE" records it prints. The test mdev mcmig (tests/mdev, loaded
# with a second type of another format version) gives instances A and B
# (mcmig-v1) and C (mcmig-v2). Two libvirt 11 daemons S and D in their own
# namespaces (libvirt-lib.sh), both imported into migcheck's inventory
# from migcheck's own probe of this host (A, B and C free); a KVM guest
# holding A runs on S and moves live to D with B by `migcheck migrate
# --hostdev-map A=B`; then `migcheck migrate` refuses to take it back to S
# with C (another format version) before any libvirt job, and plain virsh
# migrate is given the same move, to see where it fails and what it leaves.
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
# the hosts' base profile, with the three free instances (vfio facts)
"$MIGCHECK" probe --only kernel,kvm_caps,kvm_params,x86_msr,x86_cpuid,vfio --print \
	>"$T_TMP/base.facts" 2>"$T_ERR" || not_ok "probe this emulated host: $(head -c 300 "$T_ERR")"
check "  the probe sees A, B and C free" sh -c "[ \$(grep -cE '^vfio\.dev	($A|$B|$C)\.open	ok' '$T_TMP/base.facts') -eq 3 ]"
stamp probe
for h in S D; do
	lv_wait "$h" || die "libvirtd of $h did not start: $(tail -c 300 "${LV_DIR[$h]}/daemon.out")"
done
stamp daemons
for h in S D; do lv_import "$h" "$T_TMP/base.facts"; done
stamp import

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

# 1. S -> D with B: migcheck migrate (the vfio plan, the mapping, the
#    destination XML with B, the live job)
mig() { lv_in "$1" "$MIGCHECK" migrate -c "$(lv_uri "$1")" "${@:2}"; }
s0=$SECONDS
expect_exit 0 "migcheck migrate --hostdev-map A=B, live S -> D" \
	mig S "$DOM" "$(lv_uri D)" --hostdev-map "$A=$B" --switchover-bandwidth "$MC_SWITCHOVER_MIBS"
out_has "hostdev $A -> $B (--hostdev-map)"
r mig.ab.out "$(grep -v '^ *ok ' "$T_OUT" | tr '\n' '|')"
out_has "migrated $DOM to host ${LV_HOSTNAME[D]}"
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

# 2. D -> S into C (format version 2): migcheck migrate blocks it before
#    any libvirt job; the guest stays on D with B
Bbefore=$(st $B)
Cbefore=$(st $C)
r mb.B.before "$Bbefore"
r mb.C.before "$Cbefore"
expect_exit 2 "migcheck migrate --hostdev-map B=C (format version 2) refused" \
	mig D "$DOM" "$(lv_uri S)" --hostdev-map "$B=$C"
out_has "hostdev $B -> $C (--hostdev-map)"
out_has "$B is mapped to $C, mdev type mcmig-v2"
r mb.out "$(tr '\n' '|' <"$T_OUT")"
check "  still running on D, the same QEMU" test "$(qemu_pid D)" = "$pidD"
check "  not on S" absent_on S "$DOM"
check "  B's state untouched (seed checksum state restores refused)" test "$(st $B)" = "$Bbefore"
check "  C untouched" test "$(st $C)" = "$Cbefore"
r mb.B.after "$(st $B)"
r mb.C.after "$(st $C)"

# 3. the same move with plain virsh migrate: what it does
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
