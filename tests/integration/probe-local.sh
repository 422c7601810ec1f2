#!/usr/bin/env bash
# `migcheck probe` on this machine: stored in the inventory, facts per the
# contract, and, where /dev/kvm exists, every non-zero capability, the MSR
# index list, the feature MSRs and the supported CPUID (x86_64) or the
# vCPU's registers (aarch64) exactly as an independent ioctl dump (kvmraw)
# reports them.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
mc() { "$MIGCHECK" "$@"; }

expect_exit 0 "probe this host" mc probe --host local
ID=$(cat "$T_OUT")
check "prints a profile id" grep -qE '^[0-9a-f]{64}$' "$T_OUT"
expect_exit 0 "export it" mc export local
cp "$T_OUT" "$T_TMP/local.facts"
check "kernel release is uname -r" grep -qxF "kernel	release	$(uname -r)" "$T_TMP/local.facts"
check "kernel arch is uname -m" grep -qxF "kernel	arch	$(uname -m)" "$T_TMP/local.facts"
check "facts are sorted bytewise and unique" \
	cmp -s "$T_TMP/local.facts" <(LC_ALL=C sort -u -t '	' -k1,1 -k2,2 "$T_TMP/local.facts")
check "the stored id is the SHA-256 of the export" \
	test "$ID" = "$(sha256sum <"$T_TMP/local.facts" | cut -d' ' -f1)"
expect_exit 0 "probe --print matches the stored facts" mc probe --print
check "  identical apart from volatile kvm.param values" \
	cmp -s <(grep -v '^kvm.param' "$T_OUT") <(grep -v '^kvm.param' "$T_TMP/local.facts")
expect_exit 0 "probe --list" mc probe --list
out_has "kvm_caps"
expect_exit 64 "probe --only with an unknown probe" mc probe --only nosuch
err_has "unknown probe 'nosuch'"

KVMRAW=${KVMRAW:-$(dirname "$MIGCHECK")/tests/integration/kvmraw}
if [[ -c /dev/kvm ]] && [[ -x $KVMRAW ]]; then
	"$KVMRAW" >"$T_TMP/raw" || not_ok "kvmraw failed"
	check "as many kvm.cap facts as non-zero caps" \
		test "$(grep -c '^cap ' "$T_TMP/raw")" -eq "$(grep -c '^kvm.cap	' "$T_TMP/local.facts")"
	check "capability values equal" cmp -s \
		<(awk '/^cap /{print $3}' "$T_TMP/raw" | sort) \
		<(awk -F'\t' '$1=="kvm.cap"{print $3}' "$T_TMP/local.facts" | sort)
	case $(uname -m) in
	x86_64) doms=(x86.msr x86.msr_feature x86.cpuid) ;;
	aarch64) doms=(arm64.reg arm64.fwreg arm64.vcpu 'arm64.reg_mask?') ;;
	esac
	kvmraw_compare "this host" "$T_TMP/local.facts" "$T_TMP/raw" "${doms[@]}"
	# The comparison itself: one value changed in the probe's facts fails
	# it, and the message shows both lines.
	awk -F'\t' -v d="${doms[2]:-${doms[0]}}" 'BEGIN {OFS="\t"} !done && $1==d {$3=$3 "0"; done=1} 1' \
		"$T_TMP/local.facts" >"$T_TMP/bent.facts"
	bent=$(grep -vxFf "$T_TMP/local.facts" "$T_TMP/bent.facts")
	orig=$(grep -vxFf "$T_TMP/bent.facts" "$T_TMP/local.facts")
	(kvmraw_compare bent "$T_TMP/bent.facts" "$T_TMP/raw" "${doms[@]}") >"$T_TMP/bent.out"
	# shellcheck disable=SC2016 # awk's own $0
	check "  a changed value fails the comparison and is shown: $bent" \
		awk -v a="    -$bent" -v b="    +$orig" '/^FAIL bent: .* in 2 lines /{f=1}
			$0==a{m=1} $0==b{p=1} END{exit !(f&&m&&p)}' "$T_TMP/bent.out"
else
	check "without /dev/kvm the probe records why" \
		grep -qE '^probe.skip	kvm_caps	no /dev/kvm' "$T_TMP/local.facts"
	echo "note: this machine has no /dev/kvm; the exact-ioctl comparison runs in the emulated hosts (emulated-hosts.sh)"
fi
finish
