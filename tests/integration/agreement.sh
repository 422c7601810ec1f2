#!/usr/bin/env bash
# The planner's arm64 firmware-register predictions against the real kernel.
# Several emulated arm64 hosts (CPU models and kernel parameters) are probed;
# then each one, as destination, boots once more and restores every other
# host's firmware-register values with KVM_SET_ONE_REG on a fresh vCPU
# (migcheck-probe --set-fwreg). For every pair and register, the planner's
# verdict (`migcheck plan SRC DST --format xml`: ok = accepted, blocked =
# refused) must equal the kernel's answer. The agreement table is printed.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/emu.sh
source "$(dirname "$0")/emu.sh"
emu_prepare

# name cpu kernel-parameters...
HOSTS_SPEC=(
	"max max"
	"a57 cortex-a57"
	"n1 neoverse-n1"
	"max-mitoff max mitigations=off"
	"a72-ssbdoff cortex-a72 ssbd=force-off"
)
names=()
for spec in "${HOSTS_SPEC[@]}"; do
	read -r -a f <<<"$spec"
	emu_facts "${f[0]}" aarch64 "${f[1]}" "${f[@]:2}" && names+=("${f[0]}")
done
[[ ${#names[@]} -ge 2 ]] || {
	not_ok "fewer than two arm64 hosts could be probed"
	finish
	exit 1
}

# Crafted values (a source guest pinned or from another kernel could send
# them): each is restored alone on a fresh VM of every destination.
CRAFTED=(
	PSCI_VERSION=0x1 PSCI_VERSION=0x2 PSCI_VERSION=0x10000 PSCI_VERSION=0x10001
	PSCI_VERSION=0x10002 PSCI_VERSION=0x20000
	SMCCC_ARCH_WORKAROUND_1=0x0 SMCCC_ARCH_WORKAROUND_1=0x1 SMCCC_ARCH_WORKAROUND_1=0x2
	SMCCC_ARCH_WORKAROUND_1=0x3 SMCCC_ARCH_WORKAROUND_1=0x10
	SMCCC_ARCH_WORKAROUND_2=0x0 SMCCC_ARCH_WORKAROUND_2=0x1 SMCCC_ARCH_WORKAROUND_2=0x2
	SMCCC_ARCH_WORKAROUND_2=0x3 SMCCC_ARCH_WORKAROUND_2=0x4 SMCCC_ARCH_WORKAROUND_2=0x10
	SMCCC_ARCH_WORKAROUND_2=0x12 SMCCC_ARCH_WORKAROUND_2=0x13
	SMCCC_ARCH_WORKAROUND_3=0x1 SMCCC_ARCH_WORKAROUND_3=0x2 SMCCC_ARCH_WORKAROUND_3=0x3
	STD_BMAP=0x0 STD_BMAP=0x2 STD_BMAP=0x3 STD_HYP_BMAP=0x0 STD_HYP_BMAP=0x2
	VENDOR_HYP_BMAP=0x0 VENDOR_HYP_BMAP=0x1 VENDOR_HYP_BMAP=0x4 VENDOR_HYP_BMAP=0x7
)
# crafted_facts DST NAME=VALUE: DST's own profile with one firmware value changed.
crafted_facts() {
	local dst=$1 name=${2%%=*} value=${2#*=}
	awk -F'\t' -v OFS='\t' -v n="$name" -v v="$value" \
		'$1=="arm64.fwreg" && $2==n {$3=v} {print}' "$EMU_DIR/$dst.facts"
}

# The values each source guest would send: its arm64.fwreg facts.
fw_list() { awk -F'\t' '$1=="arm64.fwreg"{printf "%s%s=%s", sep, $2, $3; sep=","}' "$EMU_DIR/$1.facts"; }

printf '%-36s %-12s %-24s %-8s %-9s %-8s %s\n' SRC DST REGISTER VALUE PREDICTED KERNEL AGREE >"$T_TMP/table"
pairs=0 regs=0 agree=0
for dst in "${names[@]}"; do
	# One boot of DST restores every source's values, each on a fresh VM.
	cmd=""
	for src in "${names[@]}"; do
		cmd+="echo @@SRC $src; /migcheck-probe --set-fwreg '$(fw_list "$src")' || echo @@FAIL \$?;"$'\n'
	done
	for c in "${CRAFTED[@]}"; do
		cmd+="echo @@SRC crafted:$c; /migcheck-probe --set-fwreg '$c' || echo @@FAIL \$?;"$'\n'
	done
	spec=""
	for s in "${HOSTS_SPEC[@]}"; do
		read -r -a f <<<"$s"
		[[ ${f[0]} == "$dst" ]] && spec=$s
	done
	read -r -a f <<<"$spec"
	if ! emu_run aarch64 "${f[1]}" "$cmd" "${f[@]:2}" >"$T_TMP/set-$dst"; then
		not_ok "restore run on $dst failed"
		continue
	fi
	if grep -q '^@@FAIL' "$T_TMP/set-$dst"; then
		not_ok "--set-fwreg failed on $dst: $(grep -A1 '^@@FAIL' "$T_TMP/set-$dst" | head -2)"
		continue
	fi
	for src in "${names[@]}" "${CRAFTED[@]/#/crafted:}"; do
		pairs=$((pairs + 1))
		srcfile=$EMU_DIR/$src.facts
		if [[ $src == crafted:* ]]; then
			srcfile=$T_TMP/crafted.facts
			crafted_facts "$dst" "${src#crafted:}" >"$srcfile"
		fi
		"$MIGCHECK" plan "$srcfile" "$EMU_DIR/$dst.facts" --format xml >"$T_TMP/plan.xml"
		# kernel answers for this source: NAME VALUE ok|error ERRNO
		awk -v s="$src" '/^@@SRC /{cur=$2; next} cur==s' "$T_TMP/set-$dst" >"$T_TMP/answers"
		while IFS=$'\t' read -r name value result errno; do
			regs=$((regs + 1))
			level=$(xmllint --xpath "string(//*[local-name()='verdict'][@family='arm64.fwreg'][@subject='$name']/@level)" "$T_TMP/plan.xml" 2>/dev/null)
			case $level in
			ok) predicted=accept ;;
			blocked) predicted=refuse ;;
			*) predicted="?$level" ;;
			esac
			[[ $result == ok ]] && kernel=accept || kernel="refuse(${errno:-?})"
			if [[ $predicted == "${kernel%%(*}" ]]; then
				agree=$((agree + 1))
				mark=yes
			else
				mark=NO
			fi
			printf '%-36s %-12s %-24s %-8s %-9s %-8s %s\n' "$src" "$dst" "$name" "$value" \
				"$predicted" "$kernel" "$mark" >>"$T_TMP/table"
		done <"$T_TMP/answers"
	done
done
echo "agreement table (planner prediction vs KVM_SET_ONE_REG on the real 6.1 kernel):"
sed 's/^/    /' "$T_TMP/table"
echo "agreement: $agree of $regs register restores ($pairs source/destination pairs," \
	"${#names[@]} real hosts, ${#CRAFTED[@]} crafted values per destination)"
check "every register in the table was tried" test "$regs" -gt 0
check "planner and kernel agree on all $regs restores (100%)" test "$agree" -eq "$regs"
check "the table contains refusals as well as acceptances" \
	bash -c "grep -q refuse '$T_TMP/table' && grep -q ' accept ' '$T_TMP/table'"
finish
