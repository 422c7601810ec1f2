#!/usr/bin/env bash
# Real kernels as test hosts: Debian 6.1 x86_64 (KVM under TCG SVM) and arm64
# hosts with different CPU models, probed by the static probe binary inside
# them. Checks the facts against an independent ioctl dump (kvmraw: every
# capability; x86 MSR lists, feature MSR values and supported CPUID; arm64
# register list and values, firmware registers, vCPU features), imports them, and
# shows the real differences between the arm64 CPU models with `migcheck diff`.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
heavy_test 1
# shellcheck source=tests/integration/emu.sh
source "$(dirname "$0")/emu.sh"
mc() { "$MIGCHECK" "$@"; }
emu_prepare

# name -> number for capabilities, from the build host's linux/kvm.h (an
# independent source from the probe's committed name table).
awk '$1=="#define" && $2 ~ /^KVM_CAP_/ && $3 ~ /^[0-9]+$/ {print $2, $3}' \
	/usr/include/linux/kvm.h >"$T_TMP/capnums"

# exact_caps NAME: every non-zero capability and value, as kvmraw saw them.
exact_caps() {
	local n=$1
	awk -F'\t' 'NR==FNR {num[$0]=1; split($0, a, " "); byname[a[1]]=a[2]; next}
		$1=="kvm.cap" { k=$2; if (k ~ /^KVM_CAP_[0-9]+$/) { sub("KVM_CAP_", "", k) } else { k=byname[k] }
			print "cap", k, $3 }' "$T_TMP/capnums" "$EMU_DIR/$n.facts" | sort >"$T_TMP/$n.capfacts"
	grep '^cap ' "$EMU_DIR/$n.raw" | sort >"$T_TMP/$n.capraw"
	check "$n: kvm.cap facts equal KVM_CHECK_EXTENSION 0..1023 ($(wc -l <"$T_TMP/$n.capraw") non-zero)" \
		cmp -s "$T_TMP/$n.capfacts" "$T_TMP/$n.capraw"
}

# ---- x86_64 6.1 under TCG, -cpu max ----
if emu_facts x86-max x86_64 max; then
	F=$EMU_DIR/x86-max.facts
	check "x86: kernel is a 6.1 Debian kernel" grep -qE '^kernel	release	6\.1\.0-[0-9]+-amd64$' "$F"
	check "x86: /dev/kvm worked (no kvm probe skipped)" bash -c "! grep -q '^probe.skip	kvm_caps' '$F'"
	exact_caps x86-max
	# MSR index list, feature MSR values, supported CPUID
	kvmraw_compare x86-max "$F" "$EMU_DIR/x86-max.raw" x86.msr x86.msr_feature x86.cpuid
	check "x86: supported CPUID recorded" grep -q '^x86.cpuid	0x00000007.0x00000000.ebx	' "$F"
	check "x86: kvm_amd parameters recorded" grep -q '^kvm.param	kvm_amd.npt	' "$F"
	expect_exit 0 "import x86-max" mc import "$F" --host x86-max
fi

# ---- arm64 6.1 at emulated EL2, three CPU models ----
for cpu in max cortex-a57 neoverse-n1; do
	n=arm-$cpu
	emu_facts "$n" aarch64 "$cpu" || continue
	F=$EMU_DIR/$n.facts
	check "$n: kernel is a 6.1 Debian arm64 kernel" grep -qE '^kernel	release	6\.1\.0-[0-9]+-arm64$' "$F"
	# A vCPU created as QEMU creates it for -cpu host lists 345 registers
	# with SVE and pointer auth (only TCG's max has them), 316 without.
	want=316
	[[ $cpu == max ]] && want=345
	check "$n: $want registers listed, as QEMU's -cpu host vCPU lists them" \
		test "$(grep -c '^arm64.reg	' "$F")" -eq "$want"
	check "$n: the ID registers are recorded with their values" \
		grep -qE '^arm64.reg	0x603000000013c020	0x[0-9a-f]+$' "$F"
	check "$n: the vCPU's features are recorded" grep -qxF 'arm64.vcpu	feature.pmu_v3	1' "$F"
	check "$n: PSCI_VERSION is 1.1 (0x10001)" grep -qxF 'arm64.fwreg	PSCI_VERSION	0x10001' "$F"
	check "$n: all seven firmware registers read" test "$(grep -c '^arm64.fwreg	' "$F")" -eq 7
	exact_caps "$n"
	# register list and values, firmware registers, vCPU features (6.1
	# has no writable masks: arm64.reg_mask is empty on both sides)
	kvmraw_compare "$n" "$F" "$EMU_DIR/$n.raw" arm64.reg arm64.fwreg arm64.vcpu 'arm64.reg_mask?'
	expect_exit 0 "import $n" mc import "$F" --host "$n"
done

# ---- a kernel parameter changes the profile ----
if emu_facts arm-max-nosve aarch64 max arm64.nosve mitigations=off; then
	F=$EMU_DIR/arm-max-nosve.facts
	check "cmdline facts recorded" grep -qxF 'kernel	cmdline.mitigations	off' "$F"
	check "arm64.nosve removes KVM_CAP_ARM_SVE" bash -c "! grep -q '^kvm.cap	KVM_CAP_ARM_SVE	' '$F'"
	kvmraw_compare arm-max-nosve "$F" "$EMU_DIR/arm-max-nosve.raw" \
		arm64.reg arm64.fwreg arm64.vcpu 'arm64.reg_mask?'
	expect_exit 0 "import arm-max-nosve" mc import "$F" --host arm-max-nosve
fi

# ---- the real differences ----
expect_exit 0 "hosts" mc hosts
check "five emulated hosts in the inventory" test "$(($(wc -l <"$T_OUT") - 1))" -eq 5
expect_exit 1 "diff arm-cortex-a57 arm-max" mc diff arm-cortex-a57 arm-max
cp "$T_OUT" "$T_TMP/diff-a57-max"
sed 's/^/    /' "$T_TMP/diff-a57-max" | grep -E '^    (~|---|\+\+\+|[0-9])' | head -40
check "SMCCC_ARCH_WORKAROUND_1 differs between cortex-a57 and max" \
	grep -qE '^~ arm64.fwreg +SMCCC_ARCH_WORKAROUND_1 +0x0 -> 0x2$' "$T_TMP/diff-a57-max"
check "KVM_CAP_ARM_VM_IPA_SIZE differs (44 vs 48 bits)" \
	grep -qE '^~ kvm.cap +KVM_CAP_ARM_VM_IPA_SIZE +44 -> 48$' "$T_TMP/diff-a57-max"
expect_exit 1 "diff arm-max arm-max-nosve" mc diff arm-max arm-max-nosve
out_has "- kvm.cap        KVM_CAP_ARM_SVE"
expect_exit 1 "diff x86-max arm-max (different architectures)" mc diff x86-max arm-max
out_has "~ kernel         arch                         x86_64 -> aarch64"
finish
