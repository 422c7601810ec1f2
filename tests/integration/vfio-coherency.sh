#!/usr/bin/env bash
# IOMMU cache coherency read from real kernels: emulated x86_64 hosts on q35
# with QEMU's intel-iommu (snoop-control=on and off; intremap=on, kernel
# intel_iommu=on) and QEMU's edu PCI device bound to mcmig_vfio_pci (the
# test device's vfio-pci variant driver, tests/mdev/mcmig_pci.c: a migratable
# device behind the real IOMMU). In each host (6.1 and 6.12): the probe's
# facts (vfio.dev.DEV.coherent, iommu/dma_cc, iommu/dmar0.snoop_control,
# vfio.dev.DEV.kvm_file, vfio/kvm_device) against the independent witness
# tests/integration/vfiopci (VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) on a
# container with the group attached, the group handed to a kvm-vfio device)
# and the VT-d ECAP register in sysfs; a save/restore of the device. Then the
# plan between the snoop-on and snoop-off profiles, both directions, and the
# coherency facts of the profiles kept in tests/data/plan-coherency (plan
# cases of test_vfio; their README says how they were made:
# MC_COHERENCY_SAVE=DIR writes this run's profiles there) against this run's.
# Environment: MC_COHERENCY_GENS (default "6.1 6.12").
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
heavy_test 1
# shellcheck source=tests/hosts/lib.sh
. "$MC_SRCDIR/tests/hosts/lib.sh"
# shellcheck disable=SC2034 # used by tests/hosts/lib.sh's messages
mh_prog=vfio-coherency.sh

VFIO_STATIC=${MIGCHECK_VFIO_STATIC:-$(dirname "$MIGCHECK")/cmd/migcheck-vfio}
PROBE=${MIGCHECK_PROBE:-$(dirname "$MIGCHECK")/cmd/migcheck-probe}
WITNESS=${VFIOPCI:-$(dirname "$MIGCHECK")/tests/integration/vfiopci}
[[ -x $VFIO_STATIC ]] || skip "no static cmd/migcheck-vfio (static linking unavailable?)"
[[ -x $PROBE ]] || skip "no static cmd/migcheck-probe"
[[ -x $WITNESS ]] || skip "no static tests/integration/vfiopci"
GENS=${MC_COHERENCY_GENS:-6.1 6.12}
for gen in $GENS; do
	rel=$(MIGCHECK_HOST_GEN=$gen mh_release x86_64)
	[[ -n $rel ]] || skip "no emulated x86_64 $gen kernel cached (run tests/hosts/fetch.sh --gen $gen)"
	MIGCHECK_HOST_GEN=$gen mh_kernel_ready "$rel" ||
		skip "kernel $rel not in $MIGCHECK_HOST_CACHE (run tests/hosts/fetch.sh --gen $gen)"
	kdir=/usr/src/linux-headers-$rel
	[[ -f $kdir/Makefile && -f $kdir/Module.symvers ]] ||
		skip "no kernel headers for $rel in $kdir (apt-get install linux-headers-$rel)"
done

cat >"$T_TMP/cmd" <<'EOF'
# Inside the emulated host: "R KEY VALUE" lines, the probe's facts between
# @@FACTS@@ and @@END@@.
r() { echo "R $*"; }
insmod /mcmig_pci.ko state_size=65536 2>/tmp/insmod.err
r insmod $? "$(cat /tmp/insmod.err)"
E=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor):$(cat $d/device)" = 0x1234:0x11e8 ] && E=$(basename $d)
done
r edu "$E"
echo mcmig_vfio_pci >/sys/bus/pci/devices/$E/driver_override
echo $E >/sys/bus/pci/drivers_probe
r driver "$(basename "$(readlink /sys/bus/pci/devices/$E/driver)")"
r group "$(basename "$(readlink /sys/bus/pci/devices/$E/iommu_group)")"
r ecap "$(cat /sys/class/iommu/dmar0/intel-iommu/ecap 2>/dev/null)"
/migcheck-probe >/tmp/facts
r probe.rc $?
echo @@FACTS@@
cat /tmp/facts
echo @@END@@
/vfiopci cc $E
# the device moves its state: save, change it, restore the saved state
s0=$(cat /sys/bus/pci/devices/$E/mcmig/checksum)
/migcheck-vfio save --keep-running $E -o /tmp/s.bin 2>/tmp/err.save
r save "$? $(tr '\n' '|' </tmp/err.save)"
echo 0x1234 >/sys/bus/pci/devices/$E/mcmig/seed
s1=$(cat /sys/bus/pci/devices/$E/mcmig/checksum)
/migcheck-vfio restore $E -i /tmp/s.bin 2>/tmp/err.restore
r restore "$? $(tr '\n' '|' </tmp/err.restore)"
s2=$(cat /sys/bus/pci/devices/$E/mcmig/checksum)
r checksums "$([ "$s0" = "$s2" ] && echo same || echo differ) $([ "$s0" = "$s1" ] && echo same || echo differ)"
r state "$(cat /sys/bus/pci/devices/$E/mcmig/migration_state)"
dmesg | grep -E 'WARNING|BUG|Oops' | sed 's/^/R dmesg /'
exit 0
EOF

# build_pci GEN: mcmig_pci.ko for that generation's kernel
build_pci() {
	local gen=$1 rel out=$T_TMP/mdev-$1
	rel=$(MIGCHECK_HOST_GEN=$gen mh_release x86_64)
	mkdir -p "$out"
	cp "$MC_SRCDIR/tests/mdev/mcmig.c" "$MC_SRCDIR/tests/mdev/mcmig_pci.c" "$out/"
	echo 'obj-m += mcmig_pci.o' >"$out/Kbuild"
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "/usr/src/linux-headers-$rel" \
		M="$out" KCFLAGS="-ffile-prefix-map=$out=mcmig" modules >"$out/kbuild.log" 2>&1 &&
		[[ -f $out/mcmig_pci.ko ]] &&
		! grep -q 'mcmig.*\.c:.*warning:' "$out/kbuild.log"; then
		ok "$gen: mcmig_pci.ko built against linux-headers-$rel without warnings"
		return 0
	fi
	tail -20 "$out/kbuild.log" >&2
	not_ok "$gen: building mcmig_pci.ko against linux-headers-$rel"
	return 1
}

# host GEN SNOOP: boot, report in $T_TMP/GEN-SNOOP.out, facts in .facts
host() {
	local gen=$1 snoop=$2 name=$1-$2 img=$T_TMP/coh-$1-$2.cpio.gz rc=0 t0=$SECONDS
	MIGCHECK_HOST_GEN=$gen MIGCHECK_HOST_MODULES="vfio vfio_iommu_type1 vfio-pci-core" \
		"$MC_SRCDIR/tests/hosts/mkinitramfs.sh" x86_64 "$PROBE" "$img" \
		"$VFIO_STATIC=/migcheck-vfio" "$T_TMP/mdev-$gen/mcmig_pci.ko=/mcmig_pci.ko" \
		"$WITNESS=/vfiopci" "$T_TMP/cmd=/cmd" >"$T_TMP/mk.out" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		cat "$T_TMP/mk.out"
		[[ $rc -eq 77 ]] && exit 77
		not_ok "$name: mkinitramfs failed (exit $rc)"
		return 1
	fi
	# no_timer_check: with interrupt remapping on, the kernel panics ("timer
	# doesn't work through Interrupt-remapped IO-APIC") when its early
	# timer test misses the ticks of a TCG host starved by a loaded machine.
	MIGCHECK_HOST_GEN=$gen MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-300} \
		MIGCHECK_HOST_QEMU_ARGS="-M q35 -device intel-iommu,intremap=on,snoop-control=$snoop -device edu" \
		emu_boot "$T_TMP/$name.out" "$T_TMP/$name.err" x86_64 max "$img" intel_iommu=on \
		no_timer_check || rc=$?
	rm -f "$img"
	if [[ $rc -eq 77 ]] && grep -q '^SKIP: ' "$T_TMP/$name.out"; then
		grep '^SKIP: ' "$T_TMP/$name.out"
		exit 77
	fi
	check "$name: the emulated host (q35, intel-iommu snoop-control=$snoop) ran the test (exit $rc, $((SECONDS - t0)) s)" \
		test "$rc" -eq 0 || tail -n 5 "$T_TMP/$name.err" | sed 's/^/  /' >&2
	sed -n '/^@@FACTS@@$/,/^@@END@@$/p' "$T_TMP/$name.out" | sed '1d;$d' >"$T_TMP/$name.facts"
}

declare -A R=()
parse() {
	local line key
	R=()
	while IFS= read -r line; do
		line=${line#R }
		key=${line%% *}
		[[ $line == *" "* ]] && R[$key]=${line#* } || R[$key]=
	done < <(grep '^R ' "$T_TMP/$1.out")
}
is() { [[ ${R[$1]-<unset>} == "$2" ]] || { echo "  $1 = '${R[$1]-<unset>}', want '$2'" >&2 && false; }; }
fact() { grep -qxF "$2" "$T_TMP/$1.facts" || { echo "  no '$2' in $1's facts:" >&2 &&
	grep -E '^(vfio|iommu)' "$T_TMP/$1.facts" | sed 's/^/    /' >&2 && false; }; }

T=$(printf '\t')
for gen in $GENS; do
	build_pci "$gen" || continue
	for snoop in on off; do
		name=$gen-$snoop
		host "$gen" "$snoop" || continue
		parse "$name"
		want=1
		[[ $snoop == on ]] || want=0
		check "$name: mcmig_pci loaded" is insmod "0 "
		check "  edu (1234:11e8) bound to mcmig_vfio_pci" is driver mcmig_vfio_pci
		e=${R[edu]-}
		check "  probe ran" is probe.rc 0
		ecap=${R[ecap]-0}
		check "  sysfs VT-d ECAP bit 7 (SC) is snoop-control=$snoop" \
			test "$(((16#$ecap >> 7) & 1))" -eq "$want"
		check "  fact iommu dmar0.snoop_control $want" fact "$name" "iommu${T}dmar0.snoop_control${T}$want"
		check "  witness: VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = $want" is cc.dma_cc "$want"
		check "  fact vfio.dev $e.coherent $want" fact "$name" "vfio.dev${T}$e.coherent${T}$want"
		check "  fact iommu dma_cc $want" fact "$name" "iommu${T}dma_cc${T}$want"
		check "  witness: a kvm-vfio device takes the group (FILE_ADD), once" \
			bash -c "[[ '${R[cc.kvm_vfio]-}' == 0 && '${R[cc.kvm_has_file_add]-}' == 0 &&
				'${R[cc.kvm_file_add]-}' == 0 && '${R[cc.kvm_file_add_again]-}' == 17 &&
				'${R[cc.kvm_file_del]-}' == 0 ]]"
		check "  fact vfio.dev $e.kvm_file 1" fact "$name" "vfio.dev${T}$e.kvm_file${T}1"
		check "  fact vfio kvm_device 1" fact "$name" "vfio${T}kvm_device${T}1"
		check "  fact: the device migrates (mcmig_vfio_pci)" \
			fact "$name" "vfio.dev${T}$e${T}mcmig_vfio_pci mig=$([[ $gen == 6.1 ]] &&
				echo stop_copy,p2p || echo stop_copy,p2p,pre_copy)"
		check "  save, change, restore: the saved state is back" \
			bash -c "[[ '${R[save]-}' == '0 ' && '${R[restore]-}' == '0 ' &&
				'${R[checksums]-}' == 'same differ' && '${R[state]-}' == RUNNING ]]"
		check "  no kernel warnings" is dmesg "<unset>"
		if [[ -n ${MC_COHERENCY_SAVE:-} ]]; then # snoop on: A (.new), off: B (.old)
			cp "$T_TMP/$name.facts" \
				"$MC_COHERENCY_SAVE/x86_64-$gen-snoop.$([[ $snoop == on ]] && echo new || echo old)"
		fi
	done
	on=$T_TMP/$gen-on.facts off=$T_TMP/$gen-off.facts
	[[ -s $on && -s $off ]] || continue
	# The plan between them: the documented verdicts of core/planner/rules_vfio.c
	expect_exit 2 "$gen: plan snoop-on -> snoop-off: blocked" "$MIGCHECK" plan "$on" "$off"
	check "  as the source enforces coherency and the destination does not" \
		grep -q "the source IOMMU enforces cache coherency, the destination does not" "$T_OUT"
	expect_exit 1 "$gen: plan snoop-off -> snoop-on: action" "$MIGCHECK" plan "$off" "$on"
	check "  as the destination enforces coherency the source did not" \
		grep -q "the source IOMMU lets the device do non-coherent DMA, the destination" "$T_OUT"
	expect_exit 1 "$gen: plan snoop-on -> snoop-on: action (no dirty tracking)" \
		"$MIGCHECK" plan "$on" "$on"
	check "  and no coherency verdict" bash -c "! grep -q 'cache coherency' '$T_OUT'"
	# The kept profiles (tests/data/plan-coherency) say the same about
	# coherency as this run's
	for snoop in on off; do
		kept=$MC_SRCDIR/tests/data/plan-coherency/x86_64-$gen-snoop.$([[ $snoop == on ]] &&
			echo new || echo old)
		check "$gen-$snoop: the kept profile's coherency facts are this run's" bash -c \
			"diff <(grep -E '^(iommu|vfio)' '$kept' | grep -E 'coherent|dma_cc|snoop_control|kvm_file|kvm_device') \
				<(grep -E '^(iommu|vfio)' '$T_TMP/$gen-$snoop.facts' | grep -E 'coherent|dma_cc|snoop_control|kvm_file|kvm_device')"
	done
done
finish
