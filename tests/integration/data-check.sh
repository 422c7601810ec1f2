#!/usr/bin/env bash
# Where the expected outputs under tests/data come from: each folder's README
# names the independent check that backs its expectations, and
# tests/integration/data-check.py runs those checks (Python's own XML
# parser, sqlite3 module, hashing and sorting, xmllint on the schemas, the
# VFIO stream writer gen.py, single `migcheck plan` runs for the aggregate
# outputs: report cells, gate pairs, matrix rows). The committed data must
# pass every check; then each check must fail on a copy of the data with one
# expectation corrupted, naming that file: no check passes without looking.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"
dc() { python3 "$MC_SRCDIR/tests/integration/data-check.py" "$@"; }

dc "$MC_TESTDATA" all >"$T_TMP/all.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/all.out"
check "every expectation agrees with its independent check" test "$rc" -eq 0

# ---- every check can fail ----
cp -r "$MC_TESTDATA" "$T_TMP/data" && chmod -R u+w "$T_TMP/data"
# corrupt CHECK CASE FILE SED-SCRIPT [NAMED]: FILE (relative to tests/data)
# edited by SED-SCRIPT; the check, run on that case alone, must fail and name
# NAMED (default: FILE's folder/CASE).
corrupt() {
	local chk=$1 case=$2 rel=$3 script=$4 named=${5:-${3%/*}/$2} out
	out=$T_TMP/$chk.out
	sed -i "$script" "$T_TMP/data/$rel"
	if cmp -s "$T_TMP/data/$rel" "$MC_TESTDATA/$rel"; then
		not_ok "$chk: the edit '$script' changed nothing in $rel"
		return
	fi
	MC_DATA_CHECK_ONLY=$case dc "$T_TMP/data" "$chk" >"$out" 2>&1
	rc=$?
	if [[ $rc -eq 1 ]] && grep -q "^FAIL $named" "$out"; then
		ok "$chk fails when $rel is corrupted: $(grep -m1 '^FAIL' "$out" | cut -c1-150)"
	else
		not_ok "$chk did not notice a corrupted $rel (exit $rc): $(head -c 300 "$out")"
	fi
	cp "$MC_TESTDATA/$rel" "$T_TMP/data/$rel"
}
corrupt report psci report/psci.expect \
	's|^\(cell gate/profiles/psci-new.facts gate/profiles/psci-old.facts\) blocked$|\1 ok|'
corrupt gate psci-rollout gate/psci-rollout.expect 's/candidate blocked regression/candidate ok/'
corrupt targets psci-action targets/psci-action.expect 's/^action old-mitoff/ok old-mitoff/'
corrupt baseline psci-pair baseline/psci-pair.expect 's/^PSCI_VERSION=0x10000/PSCI_VERSION=0x10001/'
corrupt matrix psci matrix/psci.expect 's/^old->new ok/old->new blocked/'
corrupt profile-xml good profile-xml/good.canon 's/0x10001/0x10002/'
corrupt inventory v1 inventory/v1.hosts 's/2026-01-02T/2026-01-03T/'
corrupt facts unsorted facts/unsorted.canon '1{h;d};2G'
corrupt sha256 mib sha256/mib.sha256 's/^631b/631c/'
corrupt fleet-index two fleet/index/two.expect 's/^node-b fedcba987654/node-b fedcba987655/'
corrupt fleet-listing dav-nginx fleet/listing/dav-nginx.expect 's/^b1$/b2/'
corrupt fleet-listing s3-outside fleet/listing/s3-outside.expect 's/^error 65 .*/ok/'
corrupt fleet-conf full fleet/conf/full.expect 's/^timeout=30/timeout=31/'
corrupt probes apic-ids probes/x86_cpuid/apic-ids.out 's/\t0x00020800$/\t0x01020800/'
corrupt probes debian61-amd-max probes/x86_msr/debian61-amd-max.out '/^x86.msr\t0x00000010\t/d'
corrupt probes unknown-ids probes/arm64_regs/unknown-ids.out 's/^arm64.fwreg\t0x6020000000140000\t/arm64.fwreg\tPSCI_VERSION\t/'
corrupt probes intel-host probes/kvm_params/intel-host.out 's/\\x09b/\\tb/'
corrupt probes quotes probes/cmdline/quotes.out 's/\tauto, nosmt$/\tauto,nosmt/'
corrupt probes basic probes/vfio/basic.facts 's/\t15b3:101e 15b3:0062$/\t15b3:101e 15b3:0063/'
corrupt profile-xml wrong-id profile-xml/wrong-id.err 's/.*/trailing white space/'
corrupt inventory foreign inventory/foreign.err '1s/65/66/'
corrupt libvirt domcaps-crafted-kvm libvirt/domcaps-crafted-kvm.facts 's/^\(qemu.cpu\tIcelake-Server\t\)unusable/\1usable/'
corrupt domxml custom-disabled domxml/custom-disabled.guest 's/CPU_DISABLE=ssse3,sse4.2/CPU_DISABLE=ssse3/'
corrupt vfio-stream good vfio-stream/good.expect 's/^ok 3500$/ok 3499/'
corrupt cpu_map x86_EPYC cpu_map/x86_EPYC.xml '0,/<feature /{/<feature /d}'
corrupt cpu-map11 denverton plan-x86-map11/denverton.expect 's/,3dnowprefetch)/)/'
corrupt readmes - README '/^  report\/ /d' 'report:'
corrupt fuzz dtd-after-comment fuzz/domxml/dtd-after-comment.xml 's/<!DOCTYPE[^>]*>//'
finish
