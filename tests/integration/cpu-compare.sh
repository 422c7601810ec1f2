#!/usr/bin/env bash
# Cross-check of the x86.cpuid gate against libvirt's own CPU comparison.
#
# For each CPU model, libvirt answers `virsh hypervisor-cpu-compare
# --virttype qemu` (the CPU QEMU 7.2 TCG -cpu max offers, as libvirt probed
# it), and migcheck answers `plan SRC DST --pin CPU=MODEL` where DST is the
# real KVM_GET_SUPPORTED_CPUID profile of a Debian 6.1 kernel running on that
# same QEMU TCG -cpu max CPU (tests/data/plan-x86/real-max-same.dst, or a
# fresh probe with MC_CPU_COMPARE_PROBE=1) and SRC is that profile with every
# feature register set, so that any model can start there. Both use the
# installed libvirt CPU map (/usr/share/libvirt/cpu_map).
#
# The two answers are compared feature by feature. They differ where KVM's
# view of the CPU differs from TCG's by construction; every such feature is
# explained in EXPLAINED below, and an unexplained difference fails the test.
# The agreement table is printed.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

VIRSH=(virsh -q -c "${MC_LIBVIRT_URI:-qemu:///system}")
command -v virsh >/dev/null || skip "virsh not installed"
[[ -d /usr/share/libvirt/cpu_map ]] || skip "no libvirt CPU map"
unset MIGCHECK_CPU_MAP
probe_xml=$T_TMP/qemu64.xml
printf "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>\n" \
	>"$probe_xml"
compare_ok() {
	"${VIRSH[@]}" hypervisor-cpu-compare "$probe_xml" --virttype qemu --arch x86_64 \
		>/dev/null 2>"$T_ERR"
}
# No daemon answering (CI starts with none): run one of our own for this test,
# with a PATH holding only the x86 emulator (libvirt probes every qemu-system-*
# it finds), and stop it on exit. It runs in a private mount namespace with its
# own /run/libvirt (virsh reaches it through ?socket=), so that the host has
# no system daemon come and go under the tests that run alongside this one
# (probe-local.sh probes this host twice and expects the same libvirt facts).
OWN_LIBVIRTD=
stop_own_libvirtd() {
	if [[ -n $OWN_LIBVIRTD ]] && [[ -f $T_TMP/run/libvirtd.pid ]]; then
		kill "$(cat "$T_TMP/run/libvirtd.pid")" 2>/dev/null || true
	fi
	rm -rf "$T_TMP"
}
trap stop_own_libvirtd EXIT
if ! compare_ok && [[ -z ${MC_LIBVIRT_URI:-} ]] && command -v libvirtd >/dev/null &&
	command -v unshare >/dev/null && [[ $(id -u) -eq 0 ]]; then
	mkdir -p "$T_TMP/bin" "$T_TMP/run"
	ln -s "$(command -v qemu-system-x86_64)" "$T_TMP/bin/qemu-system-x86_64"
	# shellcheck disable=SC2016
	PATH="$T_TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" unshare -m --propagation private \
		/bin/sh -c 'mkdir -p /run/libvirt && mount --bind "$1" /run/libvirt &&
			exec libvirtd -d -p /run/libvirt/libvirtd.pid' sh "$T_TMP/run" \
		2>"$T_TMP/libvirtd.err" && OWN_LIBVIRTD=1
	VIRSH=(virsh -q -c "qemu:///system?socket=$T_TMP/run/libvirt-sock")
	for _ in $(seq 120); do
		compare_ok && break
		sleep 1
	done
fi
compare_ok || skip "libvirt cannot compare CPUs: $(head -c 200 "$T_ERR")"

DST=$T_TMP/dst.facts
if [[ ${MC_CPU_COMPARE_PROBE:-0} == 1 ]]; then
	"$MC_SRCDIR/tests/hosts/probe-host.sh" x86_64 max >"$DST" ||
		skip "cannot probe the emulated x86_64 max host"
else
	cp "$MC_TESTDATA/plan-x86/real-max-same.dst" "$DST"
fi
# SRC: DST with every feature register set (any model starts there).
SRC=$T_TMP/src.facts
{
	grep -v '^x86\.cpuid' "$DST"
	grep '^x86\.cpuid' "$DST" | grep -v -E \
		'0x0000000(1|6)\.0x00000000\.(ecx|edx|eax)|0x00000007\.0x0000000[01]\.|0x0000000d\.0x00000001\.eax|0x40000001\.0x00000000\.eax|0x8000000(1|7|8|a)\.0x00000000\.'
	for k in 0x00000001.0x00000000.ecx 0x00000001.0x00000000.edx 0x00000006.0x00000000.eax \
		0x00000007.0x00000000.ebx 0x00000007.0x00000000.ecx 0x00000007.0x00000000.edx \
		0x00000007.0x00000001.eax 0x0000000d.0x00000001.eax 0x40000001.0x00000000.eax \
		0x80000001.0x00000000.ecx 0x80000001.0x00000000.edx 0x80000007.0x00000000.edx \
		0x80000008.0x00000000.ebx 0x8000000a.0x00000000.edx; do
		printf 'x86.cpuid\t%s\t0xffffffff\n' "$k"
	done
} | LC_ALL=C sort -u >"$SRC"

# Features on which the two answers differ by construction, and why.
declare -A EXPLAINED=(
	[x2apic]="KVM emulates x2APIC on every host (migcheck: present); QEMU 7.2 TCG has no x2APIC (libvirt: missing)"
	[tsc-deadline]="KVM offers the TSC deadline timer (KVM_CAP_TSC_DEADLINE_TIMER); TCG does not emulate it"
	[svm]="migcheck: QEMU turns svm off for CPU models under KVM (kvm_default_props); libvirt/TCG compares it"
	[monitor]="removed='yes' in the map: QEMU dropped it from the model; libvirt 9.0 still requires it"
	[hypervisor]="set by QEMU for every guest; migcheck never compares it"
	[mpx]="TCG emulates MPX, but the 6.1 host kernel does not enable MPX state in XCR0, so its KVM does not offer it"
	[arch-capabilities]="KVM emulates IA32_ARCH_CAPABILITIES on every host (CPUID 7.0.edx[29] set); QEMU 7.2 TCG does not"
)
# ARCH_CAPABILITIES / CORE_CAPABILITIES bits are MSR features, not CPUID:
# libvirt checks them in its CPU comparison, migcheck in the x86.msr family
# (x86.msr_feature values), not in the x86.cpuid gate.
for f in ibrs-all mds-no pschange-mc-no rdctl-no skip-l1dfl-vmentry taa-no ssb-no rsba tsx-ctrl \
	split-lock-detect; do
	EXPLAINED[$f]="MSR feature: compared by x86.msr (x86.msr_feature), not by the CPUID gate"
done

printf '%-28s %-10s %-10s %s\n' MODEL libvirt migcheck "difference (feature: side that reports it missing)" >"$T_TMP/table"
models=${MC_CPU_COMPARE_MODELS:-"qemu64 kvm64 qemu32 Conroe Penryn Nehalem Westmere SandyBridge IvyBridge Haswell-noTSX Haswell Broadwell-noTSX Skylake-Client Skylake-Server Cascadelake-Server Icelake-Server Cooperlake Snowridge Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-Rome EPYC-Milan Dhyana athlon phenom core2duo n270"}
agree=0 differ=0
declare -A USED=()
for m in $models; do
	x=$T_TMP/$m.xml
	printf "<cpu mode='custom' match='exact'><model fallback='forbid'>%s</model></cpu>\n" "$m" >"$x"
	lv_missing=""
	if "${VIRSH[@]}" hypervisor-cpu-compare "$x" --virttype qemu --arch x86_64 --error \
		>/dev/null 2>"$T_ERR"; then
		lv=ok
	else
		lv=blocked
		lv_missing=$(sed -n 's/.*does not provide required features: //p' "$T_ERR" | tr -d ' ' | tr ',' '\n' | LC_ALL=C sort)
		if [[ -z $lv_missing ]]; then
			not_ok "$m: libvirt: $(head -c 200 "$T_ERR")"
			continue
		fi
	fi
	"$MIGCHECK" plan "$SRC" "$DST" --pin "CPU=$m" >"$T_OUT" 2>"$T_ERR"
	rc=$?
	if [[ $rc -gt 2 ]]; then
		not_ok "$m: migcheck plan exit $rc: $(head -c 200 "$T_ERR")"
		continue
	fi
	mc_missing=$(sed -n 's/^ *BLOCKED x86\.cpuid *\([^:]*\):.*/\1/p' "$T_OUT" | LC_ALL=C sort)
	if grep -q '^ *ok *x86.cpuid' "$T_OUT" && [[ -z $mc_missing ]]; then mc=ok; else mc=blocked; fi
	only_lv=$(LC_ALL=C comm -23 <(printf '%s\n' "$lv_missing" | sed '/^$/d') <(printf '%s\n' "$mc_missing" | sed '/^$/d'))
	only_mc=$(LC_ALL=C comm -13 <(printf '%s\n' "$lv_missing" | sed '/^$/d') <(printf '%s\n' "$mc_missing" | sed '/^$/d'))
	diffs=""
	unexplained=""
	for f in $only_lv; do
		diffs+="$f:libvirt "
		USED[$f]=1
		[[ -n ${EXPLAINED[$f]:-} ]] || unexplained+="$f(libvirt) "
	done
	for f in $only_mc; do
		diffs+="$f:migcheck "
		USED[$f]=1
		[[ -n ${EXPLAINED[$f]:-} ]] || unexplained+="$f(migcheck) "
	done
	printf '%-28s %-10s %-10s %s\n' "$m" "$lv" "$mc" "${diffs:-same missing features}" >>"$T_TMP/table"
	if [[ -z $diffs ]]; then agree=$((agree + 1)); else differ=$((differ + 1)); fi
	if [[ -z $unexplained ]]; then
		ok "$m: libvirt $lv, migcheck $mc${diffs:+ (explained: $diffs)}"
	else
		not_ok "$m: unexplained differences: $unexplained"
	fi
done
echo
echo "Agreement table (DST: KVM on QEMU TCG -cpu max; libvirt: QEMU TCG -cpu max):"
cat "$T_TMP/table"
echo "$agree models with identical missing-feature sets, $differ differing only by:"
for f in "${!USED[@]}"; do printf '  %-14s %s\n' "$f" "${EXPLAINED[$f]:-unexplained}"; done | LC_ALL=C sort
finish
