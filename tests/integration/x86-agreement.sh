#!/usr/bin/env bash
# The planner's x86 verdicts (families x86.cpuid and x86.msr) against the real
# kernel, for a host-passthrough guest (QEMU -cpu host,migratable=on).
# Phase 1: each emulated x86_64 host (kernel generation x CPU model) boots once,
# is probed (migcheck-probe) and dumps a guest's state (x86state dump: the
# guest CPUID and every MSR of KVM_GET_MSR_INDEX_LIST with its value, and what
# the guest itself can keep in each MSR). Phase 2: each host boots once more
# as destination and restores every source's dump (x86state restore: QEMU's
# enforce check of the guest CPUID, KVM_SET_CPUID2, KVM_SET_MSRS as QEMU does
# it and one at a time; MSRs the destination does not list are dropped).
# Truth per ordered pair: blocked (enforce fails or the kernel refuses), lost
# (restored, but a dropped MSR held state the guest can see) or ok. The
# planner (`migcheck plan SRC DST --format xml`) must say blocked, not ok
# (blocked or action), and ok respectively, for every pair. The matrix is printed.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/emu.sh
source "$(dirname "$0")/emu.sh"

# In CI a skip is a failure (issue 11): nothing here may be left untested.
skip_or_fail() {
	if [[ ${CI:-} == true ]]; then
		not_ok "cannot run in CI: $*"
		finish
		exit 1
	fi
	skip "$*"
}

# Kernel generations (MIGCHECK_HOST_GEN, honoured by tests/hosts) and CPU
# models that give a working /dev/kvm under TCG (SVM).
read -r -a GENS <<<"${MIGCHECK_X86_GENS:-6.1}"
MODELS=("max max" "epyc EPYC" "rome EPYC-Rome" "qemu64 qemu64,+svm" "phenom phenom")

[[ -x ${MIGCHECK_PROBE:-} ]] || skip_or_fail "no static x86_64 probe binary (MIGCHECK_PROBE)"
[[ -x ${X86STATE:-} ]] || skip_or_fail "no static x86state binary (X86STATE)"
command -v xmllint >/dev/null || skip_or_fail "xmllint missing"
for gen in "${GENS[@]}"; do
	rc=0
	MIGCHECK_HOST_GEN=$gen "$HOSTS/fetch.sh" x86_64 >"$T_TMP/fetch.out" 2>"$T_TMP/fetch.err" || rc=$?
	if [[ $rc -eq 77 ]]; then
		skip_or_fail "kernel generation $gen: $(cat "$T_TMP/fetch.out")"
	elif [[ $rc -ne 0 ]]; then
		cat "$T_TMP/fetch.err" >&2
		not_ok "fetching the $gen x86_64 kernel failed (exit $rc)"
		finish
		exit 1
	fi
done

# ---- phase 1: probe and dump every host ----
export MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-300}
t_start=$SECONDS
boots=0
names=()
declare -A CPU GEN
for gen in "${GENS[@]}"; do
	for m in "${MODELS[@]}"; do
		read -r short cpu <<<"$m"
		name=$gen-$short
		t0=$SECONDS
		boots=$((boots + 1))
		if MIGCHECK_HOST_GEN=$gen emu_run x86_64 "$cpu" \
			'/migcheck-probe >/tmp/f || exit $?; cat /tmp/f; echo @@STATE@@; /x86state dump' \
			>"$EMU_DIR/$name.out"; then
			sed '/^@@STATE@@$/,$d' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.facts"
			sed '1,/^@@STATE@@$/d' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.state"
			ok "$name: booted $gen -cpu $cpu, probed and dumped ($((SECONDS - t0)) s)"
			names+=("$name")
			CPU[$name]=$cpu
			GEN[$name]=$gen
		else
			not_ok "$name: booting $gen -cpu $cpu failed"
		fi
	done
done
[[ ${#names[@]} -ge 2 ]] || {
	not_ok "fewer than two x86_64 hosts could be probed"
	finish
	exit 1
}
t_phase1=$((SECONDS - t_start))

# ---- phase 2: each host restores every source's dump ----
mkdir -p "$T_TMP/dumps"
for n in "${names[@]}"; do cp "$EMU_DIR/$n.state" "$T_TMP/dumps/$n"; done
EMU_FILES=("$T_TMP/dumps=/dumps")
cmd=""
for src in "${names[@]}"; do
	cmd+="echo @@SRC $src; /x86state restore /dumps/$src || echo @@FAIL \$?;"$'\n'
done
for dst in "${names[@]}"; do
	t0=$SECONDS
	boots=$((boots + 1))
	if MIGCHECK_HOST_GEN=${GEN[$dst]} emu_run x86_64 "${CPU[$dst]}" "$cmd" >"$EMU_DIR/$dst.restore"; then
		ok "$dst: restored ${#names[@]} sources ($((SECONDS - t0)) s)"
	else
		not_ok "$dst: restore boot failed"
	fi
	if grep -q '^@@FAIL' "$EMU_DIR/$dst.restore"; then
		not_ok "$dst: x86state restore failed: $(grep -A1 '^@@FAIL' "$EMU_DIR/$dst.restore" | head -2)"
	fi
done
EMU_FILES=()
t_phase2=$((SECONDS - t_start - t_phase1))

# ---- compare ----
# deciding KIND FILE: the kernel's deciding findings, short.
deciding() {
	awk '
		/^enforce-missing/ { printf "%scpuid:%s", sep, $NF; sep="," }
		/^set-cpuid-refused/ { printf "%sSET_CPUID2", sep; sep="," }
		/^refused/ { printf "%srefused:%s", sep, $2; sep="," }
		/^dropped/ && $4 == "visible" { printf "%sdropped:%s", sep, $2; sep="," }
	' "$1"
}
# planner_worst XML: the worst level of the x86 families; planner_subjects XML:
# their verdicts that are not ok.
planner_worst() {
	local l
	l=$(xmllint --xpath "//*[local-name()='verdict'][@family='x86.cpuid' or @family='x86.msr']/@level" "$1" 2>/dev/null)
	case $l in
	*blocked*) echo blocked ;;
	*action*) echo action ;;
	*ok*) echo ok ;;
	*) echo none ;;
	esac
}
planner_subjects() {
	xmllint --xpath "//*[local-name()='verdict'][@family='x86.cpuid' or @family='x86.msr'][@level!='ok']/@subject" "$1" 2>/dev/null |
		grep -o 'subject="[^"]*"' | sed 's/^subject="//; s/"$//' | paste -sd, -
}

pairs=0 agree=0
table=$T_TMP/matrix
printf '%-14s %-14s %-8s %-8s %-6s %s\n' SRC DST KERNEL PLANNER AGREE "DECIDING (kernel | planner)" >"$table"
for dst in "${names[@]}"; do
	for src in "${names[@]}"; do
		awk -v s="$src" '/^@@SRC /{cur=$2; next} cur==s' "$EMU_DIR/$dst.restore" >"$T_TMP/answer"
		truth=$(awk '$1=="verdict"{print $2}' "$T_TMP/answer")
		[[ -n $truth ]] || truth=none
		"$MIGCHECK" plan "$EMU_DIR/$src.facts" "$EMU_DIR/$dst.facts" --format xml >"$T_TMP/plan.xml"
		pred=$(planner_worst "$T_TMP/plan.xml")
		pairs=$((pairs + 1))
		case $truth/$pred in
		ok/ok | blocked/blocked | lost/blocked | lost/action) mark=yes ;;
		*) mark=NO ;;
		esac
		[[ $mark == yes ]] && agree=$((agree + 1))
		printf '%-14s %-14s %-8s %-8s %-6s %s | %s\n' "$src" "$dst" "$truth" "$pred" "$mark" \
			"$(deciding "$T_TMP/answer")" "$(planner_subjects "$T_TMP/plan.xml")" >>"$table"
		if [[ $mark == NO ]]; then
			echo "# disagreement $src -> $dst: kernel says:"
			grep -v '^batch' "$T_TMP/answer" | sed 's/^/#   /'
		fi
	done
done
echo "x86 agreement matrix (kernel: x86state restore on the real destination; planner: x86.cpuid + x86.msr):"
sed 's/^/    /' "$table"
echo "agreement: $agree of $pairs ordered pairs (${#names[@]} hosts: ${GENS[*]} x ${#MODELS[@]} CPU models)"
echo "boots: $boots; phase 1 (probe + dump) ${t_phase1} s, phase 2 (restores) ${t_phase2} s"
check "every pair was compared" test "$pairs" -eq $((${#names[@]} * ${#names[@]}))
check "planner and kernel agree on all $pairs pairs (100%)" test "$agree" -eq "$pairs"
check "the matrix has blocked and ok pairs" \
	bash -c "grep -q ' blocked ' '$table' && grep -qE '^[^ ]+ +[^ ]+ +ok ' '$table'"
finish
