#!/usr/bin/env bash
# A live libvirt migration of a guest holding a migratable VFIO device, end
# to end: Debian 12 backports' QEMU 10 and libvirt 11 inside an emulated
# x86_64 6.12 KVM host (tests/hosts/vmm-run.sh: this machine's root over 9p)
# with the test mdev mcmig (tests/mdev, built here against the 6.12 headers;
# PRE_COPY, STOP_COPY, P2P). tests/integration/vmm-vfio-inner.sh runs there:
# a guest holding mdev A moves from daemon S to daemon D with mdev B by
# `migcheck migrate --hostdev-map A=B`; `migcheck migrate` then refuses
# (exit 2, no libvirt job) to move it to a device of another format version,
# which plain virsh migrate is then given. Checked inside: migcheck's plan,
# mapping and refusal, the guest and devices untouched by the refusal.
# Checked here, from its records: the guest runs on the
# destination, B's state (seed, checksum) is A's at switchover and B counted
# one restore, A is released (no process holds its VFIO group, the source
# QEMU is gone); and what plain virsh migrate does with a destination device
# of another format version (it reports success and the device state is
# lost; README, "VFIO live migration"). Environment: MCMIG_STATE_SIZE (default 8 MiB).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
heavy_test 1
# shellcheck source=tests/hosts/lib.sh
. "$MC_SRCDIR/tests/hosts/lib.sh"
# shellcheck disable=SC2034 # used by tests/hosts/lib.sh's messages
mh_prog=vmm-vfio.sh
HOSTS=$MC_SRCDIR/tests/hosts
GEN=6.12
C=33333333-3333-4333-8333-333333333333 # mcmig-v2, as in the inner script

[[ $(id -u) -eq 0 ]] || skip "needs root (namespaces, mounts and insmod inside the emulated host)"
rc=0
out=$(MIGCHECK_HOST_GEN=$GEN "$HOSTS/fetch.sh" x86_64 2>"$T_ERR") || rc=$?
[[ $rc -eq 0 ]] || skip_rc_or_fail "$out $(tail -c 300 "$T_ERR")" "$rc" "fetching the emulated host's $GEN kernel"
out=$("$HOSTS/fetch-vmm.sh" 2>"$T_ERR") || rc=$?
[[ $rc -eq 0 ]] || skip_rc_or_fail "$out $(tail -c 300 "$T_ERR")" "$rc" "fetching QEMU 10 and libvirt 11 (bookworm-backports)"
rel=$(MIGCHECK_HOST_GEN=$GEN mh_release x86_64)
kdir=${MCMIG_KDIR:-/usr/src/linux-headers-$rel}
[[ -f $kdir/Makefile && -f $kdir/Module.symvers ]] ||
	skip_rc_or_fail "SKIP: no kernel headers for $rel in $kdir (apt-get install linux-headers-$rel)" 77 "kernel headers"

# mcmig.ko for the emulated host's kernel, in a scratch copy (the emulated
# host sees this machine's /tmp at the same path)
mod=$T_TMP/mdev
mkdir -p "$mod"
cp "$MC_SRCDIR/tests/mdev/mcmig.c" "$MC_SRCDIR/tests/mdev/mcmig_pci.c" "$MC_SRCDIR/tests/mdev/Kbuild" "$mod/"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$mod" modules >"$mod/kbuild.log" 2>&1 &&
	[[ -f $mod/mcmig.ko ]]; then
	ok "mcmig.ko built against $kdir"
else
	tail -20 "$mod/kbuild.log" >&2
	not_ok "building mcmig.ko against $kdir"
	finish
	exit 1
fi

MIGCHECK=$(cd "$(dirname "$MIGCHECK")" && pwd)/$(basename "$MIGCHECK")
inner=$(cd "$MC_SRCDIR" && pwd)/tests/integration/vmm-vfio-inner.sh
mkdir -p "$T_TMP/xfer"
t0=$SECONDS
rc=0
VMM_PASS="MIGCHECK MC_SRCDIR MC_TESTDATA MCMIG_KO MCMIG_STATE_SIZE" MIGCHECK=$MIGCHECK \
	MCMIG_KO=$mod/mcmig.ko MCMIG_STATE_SIZE=${MCMIG_STATE_SIZE:-8388608} \
	MIGCHECK_HOST_GEN=$GEN MIGCHECK_HOST_MODULES="vfio vfio_iommu_type1 mdev" \
	MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-600} \
	"$HOSTS/vmm-run.sh" --xfer "$T_TMP/xfer" "$inner" >"$T_OUT" 2>"$T_ERR" || rc=$?
secs=$((SECONDS - t0))
grep -E '^(ok|FAIL) ' "$T_OUT" | sed 's/^/  inner: /'
grep '^time ' "$T_OUT" | awk '{printf "  %s at %s s", $2, $3} END {print ""}'
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed( \([0-9]+ s\))?$' "$T_OUT" | tail -n1)
if [[ $rc -eq 0 && $summary == *" passed, 0 failed"* ]]; then
	ok "inside the emulated host: $summary (whole run ${secs} s)"
else
	not_ok "inside the emulated host: exit $rc, '${summary:-no summary}' after ${secs} s; $(tail -c 600 "$T_ERR")"
	[[ ! -s $T_TMP/xfer/progress ]] || sed 's/^/  progress: /' "$T_TMP/xfer/progress"
	for f in "$T_TMP"/xfer/*/libvirtd.log; do
		[[ -f $f ]] && grep -E ' (error|warning) :' "$f" | tail -n 5 | sed "s|^|  ${f#"$T_TMP"/xfer/}: |"
	done
	[[ ! -f $T_TMP/xfer/dmesg ]] || grep -i -E 'mcmig|vfio' "$T_TMP/xfer/dmesg" | tail -n 8 | sed 's/^/  dmesg: /'
fi

# The records: R KEY VALUE...
declare -A R
while read -r _ k v; do
	R[$k]=$v
done < <(grep '^R ' "$T_OUT")
grep '^R ' "$T_OUT" | sed 's/^R /  record: /'
# field KEY N: the Nth (1-based) word of record KEY
field() { awk -v n="$2" '{print $n}' <<<"${R[$1]-}"; }
# is KEY VALUE: record KEY exists and is VALUE
is() { [[ -n ${R[$1]+x} && ${R[$1]} == "$2" ]]; }
# has KEY TEXT...: record KEY contains each TEXT, in this order
has() {
	local v=${R[$1]-} t
	[[ -n ${R[$1]+x} ]] || return 1
	shift
	for t in "$@"; do
		[[ $v == *"$t"* ]] || return 1
		v=${v#*"$t"}
	done
}
# same X Y: X is a value (not empty, not "none") and Y equals it
same() { [[ -n $1 && $1 != none && $1 == "$2" ]]; }

# End to end: B holds A's state as it was at switchover (seed and checksum;
# A's are unchanged since, frozen in STOP), one restore, running
check "A seeded before the migration" is A.seeded "0x0123456789abcdef $(field A.attached 2) RUNNING 0 0"
check "A held by S's QEMU while the guest runs there" same "${R[pidS]-}" "${R[A.holders.before]-}"
check "B's seed after the migration is A's at switchover" same "$(field A.after 1)" "$(field B.after 1)"
check "B's checksum after the migration equals A's at switchover ($(field A.after 2))" \
	same "$(field A.after 2)" "$(field B.after 2)"
check "  and A's before the migration" same "$(field A.attached 2)" "$(field A.after 2)"
check "B counted one restore and runs" same "RUNNING 1" "$(field B.after 3) $(field B.after 4)"
check "A released: no process holds its VFIO group" is A.holders ""
check "A released: the source QEMU is gone" is qemuS.alive no
check "A left in STOP (mcmig keeps the FSM state across close)" same STOP "$(field A.after 3)"
check "B held by D's QEMU" same "${R[pidD]-}" "${R[B.holders]-}"
# Plain virsh migrate to C (format version 2), as it happened: libvirt and
# QEMU report success; the guest runs on S; C refused the payload (its
# RESUMING -> STOP failed: QEMU "Failed setting device state to
# RUNNING_P2P ... Resetting device"), QEMU reset it and runs the guest on
# it with C's own state: the device state is lost without an error. B stays
# in STOP, unheld; D's QEMU is gone.
check "virsh migrate to C (format version 2) reports success" is vc.rc 0
check "  the guest runs on S" has vc.S.state "running (migrated)"
check "  C refused the payload: no restore, one refusal, RUNNING" same "RUNNING 0 1" "$(field vc.C 3) $(field vc.C 4) $(field vc.C 5)"
check "  C runs with its own state, not B's (checksum $(field C.created 2))" \
	same "$(field C.created 1) $(field C.created 2)" "$(field vc.C 1) $(field vc.C 2)"
check "  C held by S's QEMU" same "${R[vc.pidS]-}" "${R[vc.C.holders]-}"
check "  S's QEMU: Failed setting device state to RUNNING_P2P, reset" \
	has vc.qemuS.log "Failed setting device state to RUNNING_P2P" "Resetting device"
check "  the kernel: restore refused, state format 1, this device 2" \
	has vc.dmesg "$C: restore refused: state format 1, this device 2"
check "  B left in STOP, unheld; D's QEMU gone" same "STOP  no" "$(field vc.B 3) ${R[vc.B.holders]-x} ${R[vc.pidD.alive]-}"
finish
