#!/usr/bin/env bash
# Cross-check of migcheck's x86 CPU-model verdicts (x86.cpuid, x86.msr and
# the pin check on the source) against libvirt's own CPU comparison.
#
# For each CPU model, libvirt answers `virsh hypervisor-cpu-compare
# --virttype qemu` (can the model run on the CPU QEMU 7.2 TCG -cpu max
# offers, as libvirt probed it). migcheck answers the same question for HOST,
# the real profile of a Debian 6.1 kernel running on that same QEMU TCG -cpu
# max CPU (tests/data/plan-x86/real-max-same.dst, or a fresh probe with
# MC_CPU_COMPARE_PROBE=1), from both sides of a move:
#   source       `plan HOST SUPER --pin CPU=MODEL`: can the model start on
#                HOST (the pin check: CPUID and feature-MSR bits HOST lacks);
#   destination  `plan SUPER HOST --pin CPU=MODEL`: can a guest running the
#                model come to HOST (x86.cpuid, x86.msr);
# where SUPER is HOST with every CPUID feature register and every feature-MSR
# bit set, so that any model starts there and goes anywhere. Both use the
# installed libvirt CPU map (/usr/share/libvirt/cpu_map).
#
# Per model and side, the verdicts (ok/blocked, from the exit statuses) and
# the missing-feature sets are compared. They differ where KVM's view of the
# CPU differs from TCG's by construction: every such difference is listed in
# tests/data/cpu-compare/excuses, keyed by (model, side, feature, the tool
# that reports the feature missing), with its reason (README there). An
# unexcused difference fails, and so does an excuse that no difference uses.
# A verdict that differs passes only when its feature differences are all
# excused. The agreement table is printed.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
heavy_test 1

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

EXCUSES=$MC_TESTDATA/cpu-compare/excuses
[[ -r $EXCUSES ]] || { not_ok "no excuse list $EXCUSES"; finish; }

HOST=$T_TMP/host.facts
if [[ ${MC_CPU_COMPARE_PROBE:-0} == 1 ]]; then
	"$MC_SRCDIR/tests/hosts/probe-host.sh" x86_64 max >"$HOST" ||
		skip "cannot probe the emulated x86_64 max host"
else
	cp "$MC_TESTDATA/plan-x86/real-max-same.dst" "$HOST"
fi
# SUPER: HOST with every feature register and feature MSR set (any model
# starts there and finds every feature there).
SUPER=$T_TMP/super.facts
FEATURE_REGS=(0x00000001.0x00000000.ecx 0x00000001.0x00000000.edx 0x00000006.0x00000000.eax
	0x00000007.0x00000000.ebx 0x00000007.0x00000000.ecx 0x00000007.0x00000000.edx
	0x00000007.0x00000001.eax 0x0000000d.0x00000001.eax 0x40000001.0x00000000.eax
	0x80000001.0x00000000.ecx 0x80000001.0x00000000.edx 0x80000007.0x00000000.edx
	0x80000008.0x00000000.ebx 0x8000000a.0x00000000.edx)
{
	grep -v -E '^(#|x86\.cpuid|x86\.msr_feature)' "$HOST"
	grep '^x86\.cpuid' "$HOST" | grep -v -F -f <(printf '\t%s\t\n' "${FEATURE_REGS[@]}")
	grep '^x86\.msr_feature' "$HOST" | grep -v -E $'\t0x(000000cf|0000010a)\t'
	for k in "${FEATURE_REGS[@]}"; do printf 'x86.cpuid\t%s\t0xffffffff\n' "$k"; done
	printf 'x86.msr_feature\t0x000000cf\t0xffffffffffffffff\n'
	printf 'x86.msr_feature\t0x0000010a\t0xffffffffffffffff\n'
} | LC_ALL=C sort -u >"$SUPER"

# migcheck_answer SRC DST MODEL: "VERDICT" then the missing features, one a
# line: on the source, the pin error's list (exit 64); on the destination,
# the CPU_DISABLE feature of each blocked x86.cpuid/x86.msr verdict (any
# other blocked verdict as "other:FAMILY:SUBJECT"). "error ..." otherwise.
migcheck_answer() {
	local rc
	"$MIGCHECK" plan "$1" "$2" --pin "CPU=$3" --format xml >"$T_TMP/plan.xml" 2>"$T_ERR"
	rc=$?
	case $rc in
	0 | 2)
		python3 - "$T_TMP/plan.xml" "$rc" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print("ok" if sys.argv[2] == "0" else "blocked")
for v in root:
    if v.get("level") != "blocked":
        continue
    fam, pin = v.get("family"), v.get("pin") or ""
    if fam in ("x86.cpuid", "x86.msr") and pin.startswith("CPU_DISABLE="):
        print(pin.split(",")[-1].split("=")[-1])
    else:
        print("other:%s:%s" % (fam, v.get("subject")))
PY
		;;
	64)
		if grep -q "needs CPU features the source's KVM does not offer" "$T_ERR"; then
			echo blocked
			sed -n "s/.*does not offer (\([^)]*\)).*/\1/p" "$T_ERR" | tr ',' '\n'
		else
			echo "error exit 64: $(head -c 200 "$T_ERR")"
		fi
		;;
	*) echo "error exit $rc: $(head -c 200 "$T_ERR")" ;;
	esac
}

# The excuses: MODEL SIDE FEATURE MISSING-IN REASON, tab-separated.
declare -A EXCUSE=() USED=()
while IFS=$'\t' read -r em es ef ew er; do
	[[ -z $em || $em == \#* ]] && continue
	EXCUSE["$em $es $ef $ew"]=$er
	grep -q "^$er\$" "$MC_TESTDATA/cpu-compare/README" ||
		not_ok "excuse $em $es $ef $ew: reason '$er' is not explained in cpu-compare/README"
done <"$EXCUSES"

printf '%-20s %-8s %-13s %-13s %s\n' MODEL libvirt "mc source" "mc dest" \
	"differences (feature:tool that reports it missing, per side)" >"$T_TMP/table"
models=${MC_CPU_COMPARE_MODELS:-"qemu64 kvm64 qemu32 Conroe Penryn Nehalem Westmere SandyBridge IvyBridge Haswell-noTSX Haswell Broadwell-noTSX Skylake-Client Skylake-Server Cascadelake-Server Icelake-Server Cooperlake Snowridge Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-Rome EPYC-Milan Dhyana athlon phenom core2duo n270"}
same=0 explained=0 vsame=0 vdiffer=0
for m in $models; do
	x=$T_TMP/$m.xml
	printf "<cpu mode='custom' match='exact'><model fallback='forbid'>%s</model></cpu>\n" "$m" >"$x"
	lv_missing=""
	if "${VIRSH[@]}" hypervisor-cpu-compare "$x" --virttype qemu --arch x86_64 --error \
		>/dev/null 2>"$T_ERR"; then
		lv=ok
	else
		lv=blocked
		lv_missing=$(sed -n 's/.*does not provide required features: //p' "$T_ERR" | tr -d ' ' | tr ',' '\n' | LC_ALL=C sort -u)
		if [[ -z $lv_missing ]]; then
			not_ok "$m: libvirt: $(head -c 200 "$T_ERR")"
			continue
		fi
	fi
	row_v="" row_d=""
	for side in source destination; do
		if [[ $side == source ]]; then
			answer=$(migcheck_answer "$HOST" "$SUPER" "$m")
		else
			answer=$(migcheck_answer "$SUPER" "$HOST" "$m")
		fi
		mc=$(head -1 <<<"$answer")
		if [[ $mc != ok && $mc != blocked ]]; then
			not_ok "$m $side: migcheck: $mc"
			row_v+="error "
			continue
		fi
		mc_missing=$(tail -n +2 <<<"$answer" | sed '/^$/d' | LC_ALL=C sort -u)
		row_v+="$(printf '%-13s ' "$mc")"
		# The verdict must match the features it names.
		if { [[ $mc == ok ]] && [[ -n $mc_missing ]]; } ||
			{ [[ $mc == blocked ]] && [[ -z $mc_missing ]]; }; then
			not_ok "$m $side: migcheck says $mc but names missing features '$mc_missing'"
			continue
		fi
		only_lv=$(LC_ALL=C comm -23 <(printf '%s\n' "$lv_missing" | sed '/^$/d') <(printf '%s\n' "$mc_missing" | sed '/^$/d'))
		only_mc=$(LC_ALL=C comm -13 <(printf '%s\n' "$lv_missing" | sed '/^$/d') <(printf '%s\n' "$mc_missing" | sed '/^$/d'))
		diffs="" unexplained=""
		for f in $only_lv; do
			diffs+="$f:libvirt "
			if [[ -n ${EXCUSE["$m $side $f libvirt"]:-} ]]; then
				USED["$m $side $f libvirt"]=1
			else
				unexplained+="$f(missing for libvirt only) "
			fi
		done
		for f in $only_mc; do
			diffs+="$f:migcheck "
			if [[ -n ${EXCUSE["$m $side $f migcheck"]:-} ]]; then
				USED["$m $side $f migcheck"]=1
			else
				unexplained+="$f(missing for migcheck only) "
			fi
		done
		[[ -n $diffs ]] && row_d+="$side: $diffs"
		if [[ -z $diffs ]]; then same=$((same + 1)); else explained=$((explained + 1)); fi
		if [[ $lv == "$mc" ]]; then vsame=$((vsame + 1)); else vdiffer=$((vdiffer + 1)); fi
		what="libvirt $lv, migcheck $mc"
		[[ $lv != "$mc" ]] && what+=" (verdicts differ)"
		if [[ -n $unexplained ]]; then
			not_ok "$m $side: $what; unexcused differences: $unexplained"
		else
			ok "$m $side: $what${diffs:+; excused: $diffs}"
		fi
	done
	printf '%-20s %-8s %s%s\n' "$m" "$lv" "$row_v" "${row_d:-same missing features}" >>"$T_TMP/table"
done
# Every excuse for a model that ran must have been needed.
for k in "${!EXCUSE[@]}"; do
	read -r em _ <<<"$k"
	[[ " $models " == *" $em "* ]] || continue
	[[ -n ${USED[$k]:-} ]] || not_ok "excuse not needed (remove it from $EXCUSES): $k"
done
echo
echo "Agreement table (HOST: KVM on QEMU TCG -cpu max; libvirt: QEMU TCG -cpu max):"
cat "$T_TMP/table"
echo "verdicts: $vsame (model, side) pairs agree, $vdiffer differ (each explained by its excused features)"
echo "missing-feature sets: $same identical, $explained differing only by excused features"
echo "excuses used, by reason (tests/data/cpu-compare/README):"
for k in "${!USED[@]}"; do echo "${EXCUSE[$k]}"; done | LC_ALL=C sort | uniq -c
finish
