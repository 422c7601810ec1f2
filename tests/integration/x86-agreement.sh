#!/usr/bin/env bash
# The planner's x86 verdicts (families x86.cpuid and x86.msr) against the real
# kernel, for a host-passthrough guest (QEMU -cpu host,migratable=on).
# Phase 1: each emulated x86_64 host (kernel generation x CPU model) boots once (two hosts at a time),
# is probed (migcheck-probe; its x86 facts must equal kvmraw's ioctl dump)
# and dumps a guest's state (x86state dump: the guest CPUID and every MSR of
# KVM_GET_MSR_INDEX_LIST with its value, and what the guest itself can keep
# in each MSR). Phase 2: each host boots once more
# as destination and restores every source's dump (x86state restore: QEMU's
# enforce check of the guest CPUID, KVM_SET_CPUID2, KVM_SET_MSRS as QEMU does
# it and one at a time; MSRs the destination does not list are dropped).
# Truth per ordered pair: blocked (enforce fails or the kernel refuses), lost
# (restored, but a dropped MSR held state the guest can see) or ok. The
# planner (`migcheck plan SRC DST --format xml`) must say blocked, not ok
# (blocked or action), and ok respectively, for every pair. The matrix is printed.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
heavy_test 2
# shellcheck source=tests/integration/emu.sh
source "$(dirname "$0")/emu.sh"

# In CI a skip is a failure (issue 11): nothing here may be left untested.
skip_or_fail() {
	if [[ ${CI:-} == true || ${MC_NO_SKIP:-0} == 1 ]]; then
		not_ok "cannot run in CI: $*"
		finish
		exit 1
	fi
	skip "$*"
}

# Kernel generations (MIGCHECK_HOST_GEN, honoured by tests/hosts) and CPU
# models that give a working /dev/kvm under TCG (SVM).
# MIGCHECK_X86_GENS and MIGCHECK_X86_CPUS (space-separated) change the sets;
# qemu64,+svm and EPYC-Rome also work.
read -r -a GENS <<<"${MIGCHECK_X86_GENS:-6.1 6.12 7.3}"
read -r -a CPUS <<<"${MIGCHECK_X86_CPUS:-max EPYC phenom}"
MODELS=()
for c in "${CPUS[@]}"; do
	short=${c%%,*}
	MODELS+=("${short,,} $c")
done

[[ -x ${MIGCHECK_PROBE:-} ]] || skip_or_fail "no static x86_64 probe binary (MIGCHECK_PROBE)"
[[ -x ${X86STATE:-} ]] || skip_or_fail "no static x86state binary (X86STATE)"
command -v xmllint >/dev/null || skip_or_fail "xmllint missing"
command -v python3 >/dev/null || skip_or_fail "python3 missing"
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

# MIGCHECK_X86_KEEP=DIR keeps the hosts' facts, dumps and restore answers;
# MIGCHECK_X86_REUSE=DIR compares such a kept run again without booting (for
# work on the rules; never in CI).
export MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-300}
boots=0 t_phase1=0 t_phase2=0
names=()
declare -A CPU GEN
if [[ -n ${MIGCHECK_X86_REUSE:-} && ${CI:-} != true && ${MC_NO_SKIP:-0} != 1 ]]; then
	cp "$MIGCHECK_X86_REUSE"/* "$EMU_DIR"/
	while read -r name gen cpu; do
		names+=("$name")
		GEN[$name]=$gen
		CPU[$name]=$cpu
	done <"$EMU_DIR/hosts"
else
	# ---- phase 1: probe and dump every host (two at a time: 2 cores) ----
	t_start=$SECONDS
	EMU_EXTRA=("$X86STATE=/x86state")
	# p1 "NAME GEN CPU": boot, probe and dump; NAME.p1 holds the seconds
	p1() {
		local name gen cpu t0=$SECONDS
		read -r name gen cpu <<<"$1"
		local T_TMP=$T_TMP/job-$name
		mkdir -p "$T_TMP"
		if MIGCHECK_HOST_GEN=$gen emu_run x86_64 "$cpu" \
			'/migcheck-probe >/tmp/f || exit $?; /kvmraw >/tmp/r 2>&1 ||
			echo "kvmraw: exit $?" >>/tmp/r; cat /tmp/f; echo @@RAW@@; cat /tmp/r
			echo @@STATE@@; /x86state dump' >"$EMU_DIR/$name.out" 2>"$EMU_DIR/$name.err"; then
			echo "$((SECONDS - t0))" >"$EMU_DIR/$name.p1"
		fi
		rm -rf "$T_TMP"
	}
	jobs=()
	for gen in "${GENS[@]}"; do
		for m in "${MODELS[@]}"; do
			read -r short cpu <<<"$m"
			jobs+=("$gen-$short $gen $cpu")
		done
	done
	boots=${#jobs[@]}
	emu_jobs p1 "${jobs[@]}"
	for j in "${jobs[@]}"; do
		read -r name gen cpu <<<"$j"
		if [[ -s $EMU_DIR/$name.p1 ]]; then
			sed '/^@@RAW@@$/,$d' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.facts"
			sed -n '/^@@RAW@@$/,/^@@STATE@@$/{//!p}' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.raw"
			sed '1,/^@@STATE@@$/d' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.state"
			ok "$name: booted $gen -cpu $cpu, probed and dumped ($(cat "$EMU_DIR/$name.p1") s)"
			# the probe's x86 facts against an independent ioctl dump
			kvmraw_compare "$name" "$EMU_DIR/$name.facts" "$EMU_DIR/$name.raw" \
				x86.msr x86.msr_feature x86.cpuid
			names+=("$name")
			echo "$name $gen $cpu" >>"$EMU_DIR/hosts"
			CPU[$name]=$cpu
			GEN[$name]=$gen
		else
			not_ok "$name: booting $gen -cpu $cpu failed: $(tail -n 3 "$EMU_DIR/$name.err" 2>/dev/null)"
		fi
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
	EMU_EXTRA=("$X86STATE=/x86state" "$T_TMP/dumps=/dumps")
	cmd=""
	for src in "${names[@]}"; do
		cmd+="echo @@SRC $src; /x86state restore /dumps/$src || echo @@FAIL \$?;"$'\n'
	done
	# p2 DST: boot DST and restore every dump; DST.p2 holds the seconds
	p2() {
		local dst=$1 t0=$SECONDS
		local T_TMP=$T_TMP/job-$dst
		mkdir -p "$T_TMP"
		if MIGCHECK_HOST_GEN=${GEN[$dst]} emu_run x86_64 "${CPU[$dst]}" "$cmd" \
			>"$EMU_DIR/$dst.restore" 2>"$EMU_DIR/$dst.restore.err"; then
			echo "$((SECONDS - t0))" >"$EMU_DIR/$dst.p2"
		fi
		rm -rf "$T_TMP"
	}
	boots=$((boots + ${#names[@]}))
	emu_jobs p2 "${names[@]}"
	for dst in "${names[@]}"; do
		if [[ -s $EMU_DIR/$dst.p2 ]]; then
			ok "$dst: restored ${#names[@]} sources ($(cat "$EMU_DIR/$dst.p2") s)"
		else
			not_ok "$dst: restore boot failed: $(tail -n 3 "$EMU_DIR/$dst.restore.err" 2>/dev/null)"
		fi
		if grep -q '^@@FAIL' "$EMU_DIR/$dst.restore"; then
			not_ok "$dst: x86state restore failed: $(grep -A1 '^@@FAIL' "$EMU_DIR/$dst.restore" | head -2)"
		fi
	done
	EMU_EXTRA=()
	t_phase2=$((SECONDS - t_start - t_phase1))

fi

# ---- compare ----
# Both sides' findings in one vocabulary, one per line:
#   cpuid:LEAF.INDEX.REG.BIT   a CPUID feature bit the destination lacks
#   archcap:BIT                an ARCH_CAPABILITIES bit the destination lacks
#   featmsr:0xINDEX            (no leading zeros) another feature MSR's bits the destination lacks
#   msr:0xINDEX                an MSR refused, or dropped while the guest sees it
#   SET_CPUID2                 (kernel only) KVM_SET_CPUID2 refused
# XCR0 components (CPUID 0xd.0.eax) are left out: each follows a feature bit
# both sides compare (x87/sse/avx: xsave, avx; pkru: pku; ...).
kernel_keys() {
	awk '
		/^enforce-missing msr\.0x10a / { print "archcap:" $4; next }
		/^enforce-missing msr\./ { sub(/^msr\./, "", $2); print "featmsr:" $2; next }
		/^enforce-missing 0xd\.0\.eax / { next }
		/^enforce-missing / { print "cpuid:" $2 "." $4; next }
		/^set-cpuid-refused/ { print "SET_CPUID2"; next }
		/^refused / { print "msr:" $2; next }
		/^dropped / && $4 == "visible" { print "msr:" $2 }
	' "$1" | sort -u
}
planner_keys() {
	python3 - "$1" <<'PY' | sort -u
import re, sys
import xml.etree.ElementTree as ET
AC = {"RDCL_NO": 0, "IBRS_ALL": 1, "RSBA": 2, "SKIP_L1DFL_VMENTRY": 3, "SSB_NO": 4,
      "MDS_NO": 5, "PSCHANGE_MC_NO": 6, "TSX_CTRL": 7, "TAA_NO": 8}
FEAT = {"CORE_CAPABILITIES": 0xcf, "PERF_CAPABILITIES": 0x345}
for v in ET.parse(sys.argv[1]).getroot():
    fam, lvl, subj = v.get("family"), v.get("level"), v.get("subject") or ""
    if fam not in ("x86.cpuid", "x86.msr") or lvl == "ok":
        continue
    facts = "".join(x.text or "" for x in v if x.tag.endswith("facts"))
    m = re.search(r"CPUID (0x[0-9a-f]+)\.(\d+)\.(e[a-d]x) bit (\d+)", facts)
    if fam == "x86.cpuid" and m:
        print("cpuid:%s.%s.%s.%s" % m.groups())
    elif subj.startswith("ARCH_CAPABILITIES"):
        n = subj.split(".", 1)[-1]
        b = re.search(r"bit (\d+)", subj)
        print("archcap:%s" % (b.group(1) if b else AC.get(n, n)))
    elif re.match(r"MSR 0x[0-9a-f]+", subj):
        print("msr:0x%08x" % int(subj.split()[1], 16))
    elif subj in FEAT:
        print("featmsr:0x%x" % FEAT[subj])
    else:
        print("other:" + subj)
PY
}
# planner_worst XML: the worst level of the x86 families.
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
# short LIST: the first few items of a key list, and how many in all.
short() {
	local n
	n=$(wc -l <"$1")
	if [[ $n -eq 0 ]]; then
		echo -
	elif [[ $n -le 4 ]]; then
		paste -sd, "$1"
	else
		echo "$(head -4 "$1" | paste -sd, -),... ($n)"
	fi
}

pairs=0 agree=0 items_same=0 missed=0 nextra=0
table=$T_TMP/matrix
printf '%-12s %-12s %-8s %-8s %-5s %s\n' SRC DST KERNEL PLANNER AGREE "DECIDING: kernel | planner" >"$table"
for dst in "${names[@]}"; do
	for src in "${names[@]}"; do
		awk -v s="$src" '/^@@SRC /{cur=$2; next} cur==s' "$EMU_DIR/$dst.restore" >"$T_TMP/answer"
		truth=$(awk '$1=="verdict"{print $2}' "$T_TMP/answer")
		[[ -n $truth ]] || truth=none
		"$MIGCHECK" plan "$EMU_DIR/$src.facts" "$EMU_DIR/$dst.facts" --format xml >"$T_TMP/plan.xml"
		pred=$(planner_worst "$T_TMP/plan.xml")
		kernel_keys "$T_TMP/answer" >"$T_TMP/k"
		planner_keys "$T_TMP/plan.xml" >"$T_TMP/p"
		pairs=$((pairs + 1))
		case $truth/$pred in
		ok/ok | blocked/blocked | lost/blocked | lost/action) mark=yes ;;
		*) mark=NO ;;
		esac
		[[ $mark == yes ]] && agree=$((agree + 1))
		# Findings: the kernel's that the planner does not name (a latent
		# false ok), and the planner's that the kernel does not confirm.
		comm -23 "$T_TMP/k" "$T_TMP/p" >"$T_TMP/k-only"
		comm -13 "$T_TMP/k" "$T_TMP/p" >"$T_TMP/p-only"
		if [[ -s $T_TMP/k-only || -s $T_TMP/p-only ]]; then
			[[ -s $T_TMP/k-only ]] && missed=$((missed + 1))
			[[ -s $T_TMP/p-only ]] && nextra=$((nextra + 1))
			echo "# $src -> $dst: kernel only: $(short "$T_TMP/k-only"); planner only: $(short "$T_TMP/p-only")"
		else
			items_same=$((items_same + 1))
		fi
		printf '%-12s %-12s %-8s %-8s %-5s %s | %s\n' "$src" "$dst" "$truth" "$pred" "$mark" \
			"$(short "$T_TMP/k")" "$(short "$T_TMP/p")" >>"$table"
		if [[ $mark == NO ]]; then
			echo "# disagreement $src -> $dst: kernel says:"
			grep -v '^batch' "$T_TMP/answer" | sed 's/^/#   /'
		fi
	done
done
if [[ -n ${MIGCHECK_X86_KEEP:-} ]]; then
	mkdir -p "$MIGCHECK_X86_KEEP" && cp "$EMU_DIR"/* "$MIGCHECK_X86_KEEP"/
fi
echo "x86 agreement matrix (kernel: x86state restore on the real destination; planner: x86.cpuid + x86.msr):"
sed 's/^/    /' "$table"
echo "agreement: $agree of $pairs ordered pairs (${#names[@]} hosts: ${GENS[*]} x ${#MODELS[@]} CPU models)"
echo "deciding findings: identical on $items_same of $pairs pairs; kernel findings the planner" \
	"does not name on $missed pairs, planner findings the kernel does not confirm on $nextra"
echo "boots: $boots; phase 1 (probe + dump) ${t_phase1} s, phase 2 (restores) ${t_phase2} s"
check "every pair was compared" test "$pairs" -eq $((${#names[@]} * ${#names[@]}))
check "planner and kernel agree on all $pairs pairs (100%)" test "$agree" -eq "$pairs"
check "every kernel finding is named by the planner (all $pairs pairs)" test "$missed" -eq 0
check "the matrix has blocked and ok pairs" \
	bash -c "grep -q ' blocked ' '$table' && grep -qE '^[^ ]+ +[^ ]+ +ok ' '$table'"
finish
