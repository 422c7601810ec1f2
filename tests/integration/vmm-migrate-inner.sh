#!/usr/bin/env bash
# Runs INSIDE an emulated x86_64 host (tests/hosts/vmm-run.sh), in the chroot
# of this machine's root with Debian 12 backports' QEMU 10 and libvirt 11
# laid over it; started by tests/integration/vmm-migrate.sh, which reads the
# ok/FAIL lines it prints. Two libvirt daemons in their own network, mount
# and UTS namespaces (libvirt-lib.sh) on one emulated host, a KVM guest
# (nested: the emulated host's own /dev/kvm), profiles from migcheck's own
# probe of this emulated host, and `migcheck migrate` both ways.
# Environment: MIGCHECK (the build tree's binary), VMM_XFER (a directory
# shared with the build machine: logs are left there on failure).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/libvirt-lib.sh
source "$(dirname "$0")/libvirt-lib.sh"

LV_QEMU_MAJOR=10
LV_GUEST_TYPE=kvm
LV_MACHINE=pc-q35-10.0
LV_GUEST_MIB=32
# QEMU sees the emulated host's /dev as it is (libvirt's private /dev for
# QEMU would lack /dev/kvm without the device cgroup).
LV_QEMU_CONF='namespaces = [ ]'
# libvirt keys its QEMU capability cache by the emulator's path: a fixed one,
# and the cache kept on the build machine between runs (vmm-run.sh).
LV_BINDIR=/var/tmp/migcheck-lv-bin
[[ -z ${VMM_CACHE:-} ]] || export MIGCHECK_LIBVIRT_CACHE=$VMM_CACHE/libvirt-qemu-caps
t0=$SECONDS
# stamp WHAT: elapsed seconds, also into VMM_XFER/progress as it happens
# (the build machine reads it when the emulated host is killed on timeout).
stamp() {
	echo "time $1 $((SECONDS - t0))"
	[[ -z ${VMM_XFER:-} ]] || echo "$1 $((SECONDS - t0)) s (pass $T_PASS, fail $T_FAIL)" >>"$VMM_XFER/progress"
}

keep_logs() {
	local h
	[[ -d ${VMM_XFER:-} ]] || return 0
	for h in "${LV_HOSTS[@]}"; do
		mkdir -p "$VMM_XFER/$h"
		cp -a "${LV_DIR[$h]}/daemon.out" "${LV_DIR[$h]}/log/." "$VMM_XFER/$h/" 2>/dev/null
	done
}
trap 'keep_logs; lv_cleanup; rm -rf "$T_TMP"' EXIT

why=$(lv_unavailable)
[[ -z $why ]] || {
	not_ok "libvirt daemons cannot run in the emulated host: $why"
	finish
	exit 1
}
lv_setup vmm
stamp setup
if ! { lv_host A 1 && lv_host B 2 && lv_link A B; }; then
	not_ok "network namespaces and a veth link in the emulated host"
	finish
	exit 1
fi
check "this emulated host has /dev/kvm" test -c /dev/kvm
# Read QEMU 10 and its libraries over 9p once, in the background, while the
# probes run (the guest's first QEMU would otherwise wait for it).
qemu-system-x86_64 --version >/dev/null 2>&1 &
# Both daemons start (and read QEMU's capabilities, or take them from the
# cache) while migcheck probes this emulated host's kernel, KVM, CPUID and
# MSRs for the hosts' base profile.
for h in A B; do lv_start "$h"; done
"$MIGCHECK" probe --only kernel,kvm_caps,kvm_params,x86_msr,x86_cpuid --print >"$T_TMP/base.facts" 2>"$T_ERR" ||
	not_ok "probe this emulated host: $(head -c 300 "$T_ERR")"
stamp probe
for h in A B; do
	lv_wait "$h" || not_ok "libvirtd of $h did not start: $(tail -c 300 "${LV_DIR[$h]}/daemon.out")"
done
stamp daemons
lv_virsh A version >"$T_TMP/version" 2>&1
if [[ $(grep -Ec '(library: libvirt 11|daemon: 11|hypervisor: QEMU 10)\.' "$T_TMP/version") -eq 3 ]]; then
	ok "virsh, libvirtd and QEMU are the backports' libvirt 11 and QEMU 10"
else
	not_ok "virsh version: $(tr '\n' ' ' <"$T_TMP/version")"
fi
for h in A B; do lv_import "$h" "$T_TMP/base.facts"; done
stamp import
kvm_caps() { lv_virsh "$1" domcapabilities --virttype kvm --machine "$LV_MACHINE" >/dev/null; }
check "  B's libvirt offers KVM" kvm_caps B
stamp domcaps

DOM=mcvmm
lv_guest_xml "$DOM" >"$T_TMP/guest.xml"
if lv_virsh A create "$T_TMP/guest.xml" >/dev/null 2>"$T_ERR"; then
	ok "a KVM guest runs under libvirt 11 / QEMU 10 on A"
else
	not_ok "start a KVM guest on A: $(head -c 400 "$T_ERR")"
	finish
	exit 1
fi
stamp guest
running_on() { [[ $(lv_virsh "$1" domstate "$2" 2>/dev/null) == running ]]; }
absent_on() { ! lv_virsh "$1" dominfo "$2" >/dev/null 2>&1; }
mig() { lv_in "$1" "$MIGCHECK" migrate -c "$(lv_uri "$1")" "${@:2}"; }
check "  its QEMU runs with KVM" sh -c "grep -q -- '-accel kvm\|accel=kvm' '${LV_DIR[A]}'/log/qemu/$DOM.log"

# jobinfo H: QEMU's figures for the migration that ended on H, via libvirt
jobinfo() {
	lv_virsh "$1" domjobinfo "$DOM" --completed 2>&1 |
		awk -F': *' '/^(Time elapsed|Total downtime|Memory processed|Memory bandwidth|Setup time)/ {printf "%s=%s; ", $1, $2}'
	echo
}
expect_exit 0 "migcheck migrate A -> B" mig A "$DOM" "$(lv_uri B)"
out_has "migrated $DOM to host ${LV_HOSTNAME[B]}"
stamp migrate-ab
echo "jobinfo A->B $(jobinfo B)"
check "  running on B" running_on B "$DOM"
check "  gone from A" absent_on A "$DOM"
expect_exit 0 "migcheck migrate B -> A" mig B "$DOM" "$(lv_uri A)"
stamp migrate-ba
echo "jobinfo B->A $(jobinfo A)"
check "  running on A" running_on A "$DOM"
check "  gone from B" absent_on B "$DOM"
finish
