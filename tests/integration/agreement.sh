#!/usr/bin/env bash
# The planner's arm64 verdicts against the real kernels, on whole-state
# restores. Emulated arm64 hosts of three kernel generations (Debian 6.1,
# 6.12, 7.3), four CPU models each, plus kernel-command-line variants:
#  1. each host boots once: migcheck-probe records its facts, and armstate
#     (tests/integration/armstate.c, no migcheck code) dumps the whole
#     register state of a vCPU created as QEMU creates it for `-cpu host`;
#     the probe's arm64 vCPU facts must equal kvmraw's (another witness);
#  2. for every ordered pair, `migcheck plan --matrix` computes the compat
#     pins; each source boots again and dumps its state with those pins
#     applied to a real vCPU (features off, firmware registers written);
#  3. each host boots once more as the destination and restores every
#     source's whole state (and every compat state) with KVM_SET_ONE_REG in
#     QEMU's order on a vCPU created the same way, plus 31 crafted firmware
#     values with migcheck-probe --set-fwreg.
# The kernel's answer is the truth: a refused or missing register means
# blocked. For 100% of the ordered pairs `migcheck plan SRC DST` must say
# blocked (exit 2) exactly when the kernel refused something, and every
# blocked plan must name at least one register the kernel refused; the same
# for the compat row. ok and action (exit 0/1) both mean "the state
# restores": an action is a condition outside the register state (e.g. a
# mitigation switched off on the destination). The matrices are printed.
# MC_AGREE_GENS picks generations (default "6.1 6.12 7.3"), MC_AGREE_HOSTS
# host names among them (default all: e.g. "6.12-max 6.12-max-nosve" for the
# compat pins SVE=off,PTRAUTH=off alone, six boots); MC_AGREE_KEEP=DIR keeps
# every host's facts and state dump there.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
heavy_test 2
# shellcheck source=tests/integration/emu.sh
source "$(dirname "$0")/emu.sh"
emu_prepare
[[ -x ${ARMSTATE_AARCH64:-} ]] || skip "no aarch64 armstate binary (ARMSTATE_AARCH64)"

read -r -a GENS <<<"${MC_AGREE_GENS:-6.1 6.12 7.3}"
# name generation cpu kernel-parameters...
SPECS=()
for g in "${GENS[@]}"; do
	SPECS+=("$g-max $g max" "$g-a57 $g cortex-a57" "$g-a72 $g cortex-a72" "$g-n1 $g neoverse-n1")
	case $g in
	6.1) SPECS+=("6.1-max-mitoff 6.1 max mitigations=off") ;;
	# -cpu max without SVE and pointer authentication: the same CPU, so the
	# compat row max -> max-nosve (SVE=off,PTRAUTH=off) restores
	6.12) SPECS+=("6.12-a72-ssbdoff 6.12 cortex-a72 ssbd=force-off"
		"6.12-max-nosve 6.12 max arm64.nosve arm64.nopauth") ;;
	7.3) SPECS+=("7.3-n1-nvhe 7.3 neoverse-n1 kvm-arm.mode=nvhe") ;;
	esac
done
D=$T_TMP/agree
mkdir -p "$D/plain" "$D/compat"

spec_of() {
	local s f
	for s in "${SPECS[@]}"; do
		read -r -a f <<<"$s"
		[[ ${f[0]} == "$1" ]] && printf '%s\n' "$s"
	done
}

# boot NAME CMD OUT [EXTRA...]: boot host NAME (its generation, CPU and
# parameters) with armstate and EXTRA files, run CMD, stdout to OUT. Each
# job has its own scratch directory, so two can run at once.
boot() {
	local name=$1 cmd=$2 out=$3 f
	shift 3
	read -r -a f <<<"$(spec_of "$name")"
	local T_TMP=$D/job-$name-$BASHPID
	mkdir -p "$T_TMP"
	EMU_EXTRA=("$ARMSTATE_AARCH64=/armstate" "$@")
	MIGCHECK_HOST_GEN=${f[1]} emu_run aarch64 "${f[2]}" "$cmd" "${f[@]:3}" >"$out" 2>"$out.err"
	local rc=$?
	rm -rf "$T_TMP"
	return $rc
}

names=()
for s in "${SPECS[@]}"; do
	read -r -a f <<<"$s"
	[[ -z ${MC_AGREE_HOSTS:-} || " $MC_AGREE_HOSTS " == *" ${f[0]} "* ]] || continue
	names+=("${f[0]}")
done

# ---- 1. probe and dump every host ----
phase1() {
	local n=$1 t0=$SECONDS
	# kvmraw's failure shows in its output, which the comparison then rejects
	if boot "$n" '/migcheck-probe >/tmp/f || exit $?; /kvmraw >/tmp/r 2>&1 ||
		echo "kvmraw: exit $?" >>/tmp/r; cat /tmp/f; echo @@RAW@@; cat /tmp/r
		echo @@DUMP@@; /armstate dump' "$D/$n.out"; then
		sed '/^@@RAW@@$/,$d' "$D/$n.out" >"$D/$n.facts"
		sed -n '/^@@RAW@@$/,/^@@DUMP@@$/{//!p}' "$D/$n.out" >"$D/$n.raw"
		sed '1,/^@@DUMP@@$/d' "$D/$n.out" >"$D/plain/$n.dump"
		echo "booted and probed $n ($((SECONDS - t0)) s)" >"$D/$n.p1"
	fi
}
emu_jobs phase1 "${names[@]}"
hosts=()
for n in "${names[@]}"; do
	if [[ -s $D/$n.facts && -s $D/plain/$n.dump ]]; then
		ok "$(cat "$D/$n.p1")"
		hosts+=("$n")
	else
		not_ok "probing $n failed: $(tail -n 3 "$D/$n.out.err" 2>/dev/null)"
	fi
done
[[ ${#hosts[@]} -ge 2 ]] || {
	not_ok "fewer than two arm64 hosts could be probed"
	finish
	exit 1
}
if [[ -n ${MC_AGREE_KEEP:-} ]]; then # keep the profiles and dumps (fixtures)
	mkdir -p "$MC_AGREE_KEEP"
	for n in "${hosts[@]}"; do cp "$D/$n.facts" "$D/plain/$n.dump" "$MC_AGREE_KEEP/"; done
fi
want=2
[[ ${#GENS[@]} -lt 3 || -n ${MC_AGREE_HOSTS:-} ]] || want=15
check "at least $want arm64 host configurations (${#hosts[@]})" test "${#hosts[@]}" -ge "$want"
# The probe's vCPU facts equal an independent ioctl dump on every host
# (kvmraw; Linux 6.8+ has writable masks, 6.1 none).
for n in "${hosts[@]}"; do
	read -r -a f <<<"$(spec_of "$n")"
	masks=arm64.reg_mask
	[[ ${f[1]} != 6.1 ]] || masks='arm64.reg_mask?'
	kvmraw_compare "$n" "$D/$n.facts" "$D/$n.raw" arm64.reg arm64.fwreg arm64.vcpu "$masks"
done

# ---- 2. compat pins: one dump per source and distinct pin set ----
# pins_args PINS -> armstate arguments (flags, then NAME=VALUE writes);
# "!" + the pin when armstate cannot apply it.
pins_args() {
	local p flags=() sets=() IFS=,
	for p in $1; do # flags and writes each joined by spaces below
		case ${p%%=*} in
		PMU) flags+=(-pmu) ;;
		SVE) flags+=(-sve) ;;
		PTRAUTH) flags+=(-ptrauth) ;;
		AARCH32 | MTE) ;; # =off: armstate's vCPU has neither (QEMU's defaults)
		PSCI_VERSION | STD_BMAP | STD_HYP_BMAP | VENDOR_HYP_BMAP | VENDOR_HYP_BMAP_2 | ID_* | MVFR* | CTR_EL0 | 0x*) sets+=("$p") ;;
		*) sets+=("!$p") ;;
		esac
	done
	IFS=' '
	printf '%s\n' "${flags[*]}" "${sets[*]}"
}
declare -A COMPAT=() # "SRC DST" -> pins
for a in "${hosts[@]}"; do
	for b in "${hosts[@]}"; do
		[[ $a == "$b" ]] && continue
		"$MIGCHECK" plan "$D/$a.facts" "$D/$b.facts" --matrix --format xml >"$D/m.xml" 2>"$D/m.err"
		COMPAT["$a $b"]=$(xmllint --xpath "string(/*[local-name()='matrix']/@compat-pins)" "$D/m.xml")
	done
done
phase2() {
	local a=$1 b pins cmd="" args i=0
	declare -A seen=()
	for b in "${hosts[@]}"; do
		[[ $a == "$b" ]] && continue
		pins=${COMPAT["$a $b"]}
		[[ -n $pins && -z ${seen[$pins]:-} ]] || continue
		seen[$pins]=$i
		printf '%s\t%s\n' "$i" "$pins" >>"$D/$a.compat.idx"
		mapfile -t args < <(pins_args "$pins")
		cmd+="echo '@@C $i $pins'; /armstate ${args[0]} dump ${args[1]} || echo @@FAIL \$?;"$'\n'
		i=$((i + 1))
	done
	[[ -n $cmd ]] || return 0
	boot "$a" "$cmd" "$D/$a.compat" && touch "$D/$a.compat.ok"
}
need=()
for a in "${hosts[@]}"; do
	for b in "${hosts[@]}"; do
		if [[ $a != "$b" && -n ${COMPAT["$a $b"]} ]]; then
			need+=("$a")
			break
		fi
	done
done
emu_jobs phase2 ${need[@]+"${need[@]}"}
for a in ${need[@]+"${need[@]}"}; do
	if [[ ! -f $D/$a.compat.ok ]]; then
		not_ok "compat dumps on $a failed: $(tail -n 3 "$D/$a.compat.err")"
		continue
	fi
	# Split into one dump per pin set: $D/compat/SRC.PINS-HASH.dump
	awk -v d="$D/compat" -v a="$a" '
		/^@@C /{ f = d "/" a "." $2 ".dump"; printf "" > f; next }
		{ print > f }' "$D/$a.compat"
	check "$a: every computed compat pin applies to a real source vCPU" \
		bash -c "! grep -q '^pin \|^@@FAIL\|!' '$D/$a.compat'"
done
# compat_file SRC DST -> the dump made with that pair's pins
compat_file() {
	local idx
	idx=$(awk -F'\t' -v p="${COMPAT["$1 $2"]}" '$2 == p {print $1; exit}' "$D/$1.compat.idx")
	[[ -n $idx && -f $D/compat/$1.$idx.dump ]] && echo "$D/compat/$1.$idx.dump"
}

# ---- 3. every host as destination ----
CRAFTED=(
	PSCI_VERSION=0x1 PSCI_VERSION=0x2 PSCI_VERSION=0x10000 PSCI_VERSION=0x10001
	PSCI_VERSION=0x10002 PSCI_VERSION=0x10003 PSCI_VERSION=0x20000
	SMCCC_ARCH_WORKAROUND_1=0x0 SMCCC_ARCH_WORKAROUND_1=0x1 SMCCC_ARCH_WORKAROUND_1=0x2
	SMCCC_ARCH_WORKAROUND_1=0x3 SMCCC_ARCH_WORKAROUND_1=0x10
	SMCCC_ARCH_WORKAROUND_2=0x0 SMCCC_ARCH_WORKAROUND_2=0x1 SMCCC_ARCH_WORKAROUND_2=0x2
	SMCCC_ARCH_WORKAROUND_2=0x3 SMCCC_ARCH_WORKAROUND_2=0x4 SMCCC_ARCH_WORKAROUND_2=0x10
	SMCCC_ARCH_WORKAROUND_2=0x12 SMCCC_ARCH_WORKAROUND_2=0x13
	SMCCC_ARCH_WORKAROUND_3=0x1 SMCCC_ARCH_WORKAROUND_3=0x2 SMCCC_ARCH_WORKAROUND_3=0x3
	STD_BMAP=0x0 STD_BMAP=0x2 STD_BMAP=0x3 STD_HYP_BMAP=0x0 STD_HYP_BMAP=0x2
	VENDOR_HYP_BMAP=0x0 VENDOR_HYP_BMAP=0x1 VENDOR_HYP_BMAP=0x4 VENDOR_HYP_BMAP=0x7
)
phase3() {
	local b=$1 a cmd="" f flags
	mkdir -p "$D/in-$b"
	for a in "${hosts[@]}"; do
		cmd+="echo '@@R plain $a'; /armstate restore /in/$a.dump || echo @@FAIL \$?;"$'\n'
		cp "$D/plain/$a.dump" "$D/in-$b/$a.dump"
		[[ $a != "$b" && -n ${COMPAT["$a $b"]} ]] || continue
		f=$(compat_file "$a" "$b") || continue
		mapfile -t args < <(pins_args "${COMPAT["$a $b"]}")
		flags=${args[0]}
		cp "$f" "$D/in-$b/$a.compat.dump"
		cmd+="echo '@@R compat $a'; /armstate $flags restore /in/$a.compat.dump || echo @@FAIL \$?;"$'\n'
	done
	for c in "${CRAFTED[@]}"; do
		cmd+="echo '@@R crafted $c'; /migcheck-probe --set-fwreg '$c' || echo @@FAIL \$?;"$'\n'
	done
	boot "$b" "$cmd" "$D/$b.restore" "$D/in-$b=/in" && touch "$D/$b.restore.ok"
}
emu_jobs phase3 "${hosts[@]}"

# refused KIND SRC DST -> the register ids the kernel refused (one a line);
# "@@FAIL" when armstate did not complete the restore (no "restore N
# refused" line: it failed, e.g. on a usage error), which is no answer.
refused() {
	awk -v k="$1" -v s="$2" '
		function end() { if (cur && !done) print "@@FAIL"; cur = 0 }
		/^@@R /{ end(); cur = ($2 == k && $3 == s); done = 0; next }
		cur && /^set / && $3 != "ok" {print $2}
		cur && /^restore [0-9]+ refused$/ {done = 1}
		END { end() }' "$D/$3.restore"
}
# named FAMILY-XML -> register ids named by blocked arm64 verdicts
fw_id() {
	case $1 in
	PSCI_VERSION) echo 0x6030000000140000 ;;
	SMCCC_ARCH_WORKAROUND_1) echo 0x6030000000140001 ;;
	SMCCC_ARCH_WORKAROUND_2) echo 0x6030000000140002 ;;
	SMCCC_ARCH_WORKAROUND_3) echo 0x6030000000140003 ;;
	STD_BMAP) echo 0x6030000000160000 ;;
	STD_HYP_BMAP) echo 0x6030000000160001 ;;
	VENDOR_HYP_BMAP) echo 0x6030000000160002 ;;
	VENDOR_HYP_BMAP_2) echo 0x6030000000160003 ;;
	*) echo "$1" ;;
	esac
}
named() {
	local s
	xmllint --xpath "//*[local-name()='verdict'][@level='blocked']/*[local-name()='facts']/text()" \
		"$1" 2>/dev/null | grep -o '0x60[0-9a-f]\{14\}' || true
	xmllint --xpath "//*[local-name()='verdict'][@level='blocked'][@family='arm64.fwreg']/@subject" \
		"$1" 2>/dev/null | sed 's/ subject="\([^"]*\)"/\1\n/g' | while read -r s; do
		[[ -n $s ]] && fw_id "$s"
	done
}

# reg_kinds < IDS: the refused registers by name or kind (architectural
# encodings, for the log), at most six.
reg_kinds() {
	awk '{
		id = $1; k = id
		if (id ~ /^0x6040000000100/) k = "V0-V31"
		else if (id ~ /^0x60[58]0000000150/) k = "SVE Z/P/FFR"
		else if (id == "0x606000000015ffff") k = "SVE_VLS"
		else if (id ~ /^0x602000000011/) k = "CCSIDR"
		else if (id == "0x603000000013c000") k = "MIDR_EL1"
		else if (id ~ /^0x603000000013c0[0-3]/) k = "ID regs"
		else if (id == "0x603000000013c801") k = "CLIDR_EL1"
		else if (id == "0x603000000013d801") k = "CTR_EL0"
		else if (id == "0x603000000013c103") k = "TCR2_EL1"
		else if (id ~ /^0x603000000013c51[23]$/) k = "PIR(E0)_EL1"
		else if (id == "0x603000000013c4f6") k = "PMMIR_EL1"
		else if (id ~ /^0x603000000013c1[01]/) k = "PAuth keys"
		else if (id == "0x603000000013c090") k = "ZCR_EL1"
		else if (id == "0x6030000000140000") k = "PSCI_VERSION"
		else if (id ~ /^0x603000000014000[123]$/) k = "SMCCC_WORKAROUND"
		else if (id == "0x6030000000160003") k = "VENDOR_HYP_BMAP_2"
		else if (id ~ /^0x603000000013df/) k = "timers"
		if (!(k in seen)) { seen[k] = 1; if (n++ < 6) printf "%s%s", (n > 1 ? ", " : ""), k }
		cnt[k]++
	} END { if (n > 6) printf ", ..." }'
}

pairs=0 agree=0 cpairs=0 cagree=0 nblocked=0 naction=0
{
	printf '%-18s' "SRC \\ DST"
	for b in "${hosts[@]}"; do printf ' %-9s' "${b:0:9}"; done
	printf '\n'
} >"$D/matrix"
cp "$D/matrix" "$D/cmatrix"
: >"$D/decisions"
for a in "${hosts[@]}"; do
	printf '%-18s' "$a" >>"$D/matrix"
	printf '%-18s' "$a" >>"$D/cmatrix"
	for b in "${hosts[@]}"; do
		if [[ ! -f $D/$b.restore.ok ]]; then
			printf ' %-9s' "-" >>"$D/matrix"
			printf ' %-9s' "-" >>"$D/cmatrix"
			continue
		fi
		pairs=$((pairs + 1))
		refused plain "$a" "$b" >"$D/ref"
		grep -q '^@@FAIL' "$D/ref" && not_ok "$a -> $b: armstate did not complete the restore"
		"$MIGCHECK" plan "$D/$a.facts" "$D/$b.facts" --format xml >"$D/p.xml" 2>"$D/p.err"
		rc=$?
		truth=ok
		[[ -s $D/ref ]] && truth=blocked
		pred=ok
		[[ $rc -eq 1 ]] && naction=$((naction + 1))
		[[ $rc -eq 2 ]] && pred=blocked
		[[ $rc -le 2 ]] || pred="error$rc"
		mark=""
		if [[ $pred == "$truth" ]]; then
			agree=$((agree + 1))
			if [[ $truth == blocked ]]; then
				nblocked=$((nblocked + 1))
				named "$D/p.xml" | sort -u >"$D/named"
				if ! grep -qxF -f "$D/ref" "$D/named"; then
					mark="!"
					not_ok "$a -> $b: the blocked plan names none of the refused registers ($(head -n 3 "$D/ref" | tr '\n' ' '))"
				fi
			fi
		else
			mark="*"
			not_ok "$a -> $b: planner says $pred, the kernel $truth (refused: $(head -n 5 "$D/ref" | tr '\n' ' '))"
		fi
		cell=$truth
		[[ $truth == blocked ]] && cell="B($(wc -l <"$D/ref"))"
		printf ' %-9s' "$cell$mark" >>"$D/matrix"
		if [[ $truth == blocked ]]; then
			printf '%s -> %s: %s\n' "$a" "$b" "$(reg_kinds <"$D/ref")" >>"$D/decisions"
		fi
		# the compat row: SRC pinned to what DST offers
		pins=${COMPAT["$a $b"]:-}
		if [[ $a == "$b" ]]; then
			printf ' %-9s' "=" >>"$D/cmatrix"
			continue
		fi
		cpairs=$((cpairs + 1))
		if [[ -z $pins ]]; then
			ctruth=$truth
		else
			refused compat "$a" "$b" >"$D/cref"
			grep -q '^@@FAIL' "$D/cref" &&
				not_ok "compat $a -> $b: armstate did not complete the restore"
			ctruth=ok
			[[ -s $D/cref ]] && ctruth=blocked
		fi
		"$MIGCHECK" plan "$D/$a.facts" "$D/$b.facts" --matrix --format xml >"$D/m.xml" 2>/dev/null
		cv=$(xmllint --xpath "string(//*[local-name()='row'][@direction='compat->old']/*[local-name()='plan']/@verdict)" "$D/m.xml")
		cpred=ok
		[[ $cv == blocked ]] && cpred=blocked
		cmark=""
		if [[ $cpred == "$ctruth" ]]; then
			cagree=$((cagree + 1))
		else
			cmark="*"
			not_ok "compat $a -> $b (pins ${pins:-none}): planner says $cv, the kernel $ctruth"
		fi
		cell=$ctruth
		[[ -n $pins ]] && cell="$cell+p"
		printf ' %-9s' "$cell$cmark" >>"$D/cmatrix"
	done
	printf '\n' >>"$D/matrix"
	printf '\n' >>"$D/cmatrix"
done

# crafted firmware values, as the previous firmware-register test did
cregs=0 cok=0
for b in "${hosts[@]}"; do
	[[ -f $D/$b.restore.ok ]] || continue
	for c in "${CRAFTED[@]}"; do
		name=${c%%=*} value=${c#*=}
		awk -F'\t' -v OFS='\t' -v n="$name" -v v="$value" \
			'$1=="arm64.fwreg" && $2==n {$3=v} {print}' "$D/$b.facts" >"$D/crafted.facts"
		line=$(awk -v k="$c" '/^@@R /{cur = ($2 == "crafted" && $3 == k); next} cur' "$D/$b.restore")
		read -r _ _ result _ <<<"$line"
		[[ -n $line ]] || continue
		cregs=$((cregs + 1))
		"$MIGCHECK" plan "$D/crafted.facts" "$D/$b.facts" --format xml >"$D/c.xml" 2>/dev/null
		level=$(xmllint --xpath "string(//*[local-name()='verdict'][@family='arm64.fwreg'][@subject='$name']/@level)" "$D/c.xml" 2>/dev/null)
		pred=refuse
		[[ $level == ok ]] && pred=ok
		kern=refuse
		[[ $result == ok ]] && kern=ok
		# a register this kernel lacks: both must refuse
		if [[ $pred == "$kern" ]]; then
			cok=$((cok + 1))
		else
			not_ok "crafted $c on $b: planner $level, kernel $result"
		fi
	done
done

echo "whole-state restores: source (rows) x destination (columns); ok, or B(N) = N registers refused or missing; * = the planner disagrees"
sed 's/^/    /' "$D/matrix"
echo "compat row (source pinned to the destination with the computed pins; +p = pins applied):"
sed 's/^/    /' "$D/cmatrix"
echo "deciding registers (refused or missing, by name or kind) of every blocked pair:"
sed 's/^/    /' "$D/decisions"
echo "agreement: $agree of $pairs pairs ($nblocked blocked, $naction with actions);" \
	"compat row: $cagree of $cpairs; crafted firmware values: $cok of $cregs"
check "planner and kernel agree on all $pairs whole-state restores" test "$agree" -eq "$pairs"
check "planner and kernel agree on all $cpairs compat-row restores" test "$cagree" -eq "$cpairs"
check "planner and kernel agree on all $cregs crafted firmware values" test "$cok" -eq "$cregs"
check "the matrix has refusals and acceptances" \
	bash -c "grep -q 'B(' '$D/matrix' && grep -q ' ok ' '$D/matrix'"
finish
