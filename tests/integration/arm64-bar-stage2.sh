#!/usr/bin/env bash
# arm64: the stage-2 memory type KVM gives a VFIO PCI BAR, read from the
# host's kernel instead of guessed from its release. Emulated arm64 hosts of
# the 6.1 and 6.12 generations (virt with an SMMUv3, QEMU's edu PCI device
# bound to vfio-pci): the probe's fact vfio/bar_stage2 (from the kernel's BTF,
# enum kvm_pgtable_prot) against an independent look at the same BTF blob
# (the enumerator names in /sys/kernel/btf/vmlinux, counted by grep), then
# the plan between the two hosts in both directions names the change.
# Environment: MC_BAR_GENS (default "6.1 6.12").
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
heavy_test 1
# shellcheck source=tests/hosts/lib.sh
. "$MC_SRCDIR/tests/hosts/lib.sh"
# shellcheck disable=SC2034 # used by tests/hosts/lib.sh's messages
mh_prog=arm64-bar-stage2.sh

PROBE=${MIGCHECK_PROBE_AARCH64:-$(dirname "$MIGCHECK")/cmd/migcheck-probe-aarch64}
[[ -x $PROBE ]] || skip "no aarch64 probe binary (cross compiler missing?)"
GENS=${MC_BAR_GENS:-6.1 6.12}
for gen in $GENS; do
	rel=$(MIGCHECK_HOST_GEN=$gen mh_release aarch64)
	[[ -n $rel ]] || skip "no emulated aarch64 $gen kernel cached (run tests/hosts/fetch.sh --gen $gen)"
	MIGCHECK_HOST_GEN=$gen mh_kernel_ready "$rel" ||
		skip "kernel $rel not in $MIGCHECK_HOST_CACHE (run tests/hosts/fetch.sh --gen $gen)"
done

cat >"$T_TMP/cmd" <<'EOF'
r() { echo "R $*"; }
E=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor):$(cat $d/device)" = 0x1234:0x11e8 ] && E=$(basename $d)
done
r edu "$E"
echo vfio-pci >/sys/bus/pci/devices/$E/driver_override
echo $E >/sys/bus/pci/drivers_probe
r driver "$(basename "$(readlink /sys/bus/pci/devices/$E/driver)")"
r btf.normal_nc "$(grep -c KVM_PGTABLE_PROT_NORMAL_NC /sys/kernel/btf/vmlinux)"
r btf.device "$(grep -c KVM_PGTABLE_PROT_DEVICE /sys/kernel/btf/vmlinux)"
/migcheck-probe >/tmp/facts
r probe.rc $?
echo @@FACTS@@
cat /tmp/facts
echo @@END@@
EOF

declare -A R=()
T=$(printf '\t')
for gen in $GENS; do
	img=$T_TMP/bar-$gen.cpio.gz rc=0 t0=$SECONDS
	MIGCHECK_HOST_GEN=$gen MIGCHECK_HOST_MODULES="vfio vfio_iommu_type1 vfio-pci" \
		"$MC_SRCDIR/tests/hosts/mkinitramfs.sh" aarch64 "$PROBE" "$img" "$T_TMP/cmd=/cmd" \
		>"$T_TMP/mk.out" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		cat "$T_TMP/mk.out"
		[[ $rc -eq 77 ]] && exit 77
		not_ok "$gen: mkinitramfs failed (exit $rc)"
		continue
	fi
	MIGCHECK_HOST_GEN=$gen MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-300} \
		MIGCHECK_HOST_QEMU_ARGS="-machine iommu=smmuv3 -device edu" \
		emu_boot "$T_TMP/$gen.out" "$T_TMP/$gen.err" aarch64 max "$img" || rc=$?
	rm -f "$img"
	if [[ $rc -eq 77 ]] && grep -q '^SKIP: ' "$T_TMP/$gen.out"; then
		grep '^SKIP: ' "$T_TMP/$gen.out"
		exit 77
	fi
	check "$gen: the emulated arm64 host (virt, SMMUv3, edu) ran the test (exit $rc, $((SECONDS - t0)) s)" \
		test "$rc" -eq 0
	sed -n '/^@@FACTS@@$/,/^@@END@@$/p' "$T_TMP/$gen.out" | sed '1d;$d' >"$T_TMP/$gen.facts"
	R=()
	while IFS= read -r line; do
		line=${line#R }
		R[${line%% *}]=${line#* }
	done < <(grep '^R ' "$T_TMP/$gen.out")
	check "  edu bound to vfio-pci" test "${R[driver]-}" = vfio-pci
	check "  probe ran" test "${R[probe.rc]-}" = 0
	if [[ ${R[btf.normal_nc]-0} -gt 0 ]]; then want=normal-nc; else want=device-ngnre; fi
	check "  the BTF blob names KVM_PGTABLE_PROT_DEVICE" test "${R[btf.device]-0}" -gt 0
	check "  fact vfio bar_stage2 $want (BTF: KVM_PGTABLE_PROT_NORMAL_NC ${R[btf.normal_nc]-?} times)" \
		grep -qxF "vfio${T}bar_stage2${T}$want" "$T_TMP/$gen.facts"
	case $gen in
	6.1) check "  6.1 (before the 6.9 series): device-ngnre" test "$want" = device-ngnre ;;
	*) check "  $gen (from 6.9 on): normal-nc" test "$want" = normal-nc ;;
	esac
	check "  the VFIO device is in the profile" grep -q "^vfio.dev${T}${R[edu]-none}${T}vfio-pci" \
		"$T_TMP/$gen.facts"
done

read -ra g <<<"$GENS"
set -- "${g[@]}"
if [[ $# -ge 2 && -s $T_TMP/$1.facts && -s $T_TMP/$2.facts ]]; then
	a=$T_TMP/$1.facts b=$T_TMP/$2.facts
	msg="KVM maps VFIO BARs at stage 2 as Device-nGnRE on the source and Normal-NC on the destination"
	expect_exit 2 "plan $1 -> $2 (blocked: edu has no migration; other families differ)" \
		"$MIGCHECK" plan "$a" "$b"
	check "  names the BAR memory type change, from the hosts' facts" \
		grep -q "$msg" "$T_OUT"
	check "  decided by vfio/bar_stage2 on both" \
		grep -q "SRC vfio/bar_stage2: Device-nGnRE, kernel/release=.*DST vfio/bar_stage2: Normal-NC" "$T_OUT"
	expect_exit 2 "plan $2 -> $1" "$MIGCHECK" plan "$b" "$a"
	check "  names the change the other way" grep -q \
		"KVM maps VFIO BARs at stage 2 as Normal-NC on the source and Device-nGnRE on the destination" "$T_OUT"
	expect_exit 2 "plan $2 -> $2 (the same host)" "$MIGCHECK" plan "$b" "$b"
	check "  no BAR memory type verdict" bash -c "! grep -q 'VFIO BARs at stage 2' '$T_OUT'"
fi
finish
