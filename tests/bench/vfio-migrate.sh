#!/usr/bin/env bash
# make bench: the downtime and total time of a live libvirt migration of a
# guest holding a migratable VFIO device (the mcmig test mdev, tests/mdev),
# as QEMU reports them through libvirt's job statistics (virsh domjobinfo
# --completed: Total downtime, Time elapsed), against the same guest without
# the device migrated just before it in the same run (baseline), for device
# state sizes 1, 16 and 256 MiB, with and without PRE_COPY (mcmig's precopy
# parameter). Everything runs in one boot of an emulated x86_64 6.12 host
# with QEMU 10 and libvirt 11 (tests/hosts/vmm-run.sh;
# tests/bench/vfio-migrate-inner.sh). Prints a markdown table: medians of
# BENCH_RUNS (default 3) alternating rounds, and the median of the per-round
# ratios device / baseline.
# Usage: vfio-migrate.sh BUILDDIR. Environment: BENCH_CONFIGS (see the inner
# script), BENCH_RUNS; BENCH_OUT=FILE: no run, the table of a saved run's
# "B ..." lines (the rounds this script prints, with "B" for the indent).
set -uo pipefail
B=${1:-.}
H=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$H/../.." && pwd)
# shellcheck source=tests/hosts/lib.sh
. "$SRC/tests/hosts/lib.sh"
# shellcheck source=tests/bench/lib.sh
. "$H/lib.sh"
GEN=6.12
# run_bench: build mcmig.ko, boot, run the inner script into $work/out
# (status=1 if it failed; returns 1 when the bench cannot run here)
run_bench() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "skipped: needs root (an emulated host with namespaces and insmod)"
		exit 0
	fi
	rel=$(MIGCHECK_HOST_GEN=$GEN mh_release x86_64)
	kdir=/usr/src/linux-headers-$rel
	if [[ -z $rel || ! -f $kdir/Module.symvers ]]; then
		echo "skipped: no emulated $GEN host or no headers in $kdir (tests/hosts/fetch.sh --gen $GEN)"
		exit 0
	fi
	mkdir -p "$work/mdev" "$work/xfer"
	cp "$SRC/tests/mdev/mcmig.c" "$SRC/tests/mdev/mcmig_pci.c" "$SRC/tests/mdev/Kbuild" "$work/mdev/"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$work/mdev" modules >"$work/kbuild.log" 2>&1 || {
		tail -n 20 "$work/kbuild.log" >&2
		echo "vfio-migrate.sh: building mcmig.ko failed" >&2
		exit 1
	}
	MIGCHECK=$(cd "$B" && pwd)/migcheck
	VMM_PASS="MIGCHECK MCMIG_KO BENCH_CONFIGS BENCH_RUNS" MIGCHECK=$MIGCHECK MCMIG_KO=$work/mdev/mcmig.ko \
		MIGCHECK_HOST_GEN=$GEN MIGCHECK_HOST_MODULES="vfio vfio_iommu_type1 mdev" \
		MIGCHECK_HOST_MEM=${MIGCHECK_HOST_MEM:-3072} MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-3000} \
		"$SRC/tests/hosts/vmm-run.sh" --xfer "$work/xfer" "$H/vfio-migrate-inner.sh" >"$work/out" 2>"$work/err"
	rc=$?
	cp "$work/xfer/bench.out" "$work/out" 2>/dev/null
	if [[ $rc -ne 0 ]] || ! grep -q '^done$' "$work/out"; then
		echo "vfio-migrate.sh: the emulated host's run failed (exit $rc) after $((SECONDS - t0)) s:" >&2
		tail -c 600 "$work/err" >&2
		sed 's/^/  progress: /' "$work/xfer/progress" 2>/dev/null | tail -n 8 >&2
		echo "(the rounds it finished follow)" >&2
		status=1
	fi
}
work=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-vfiobench.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
t0=$SECONDS
if [[ -n ${BENCH_OUT:-} ]]; then
	cp "$BENCH_OUT" "$work/out" || exit 1
else
	run_bench || exit 0
fi
if [[ -n ${BENCH_OUT:-} ]]; then
	echo "saved run $BENCH_OUT: $(grep -c '^B ' "$work/out") migrations"
else
	echo "one boot, $((SECONDS - t0)) s; $(grep -c '^B ' "$work/out") migrations; guest 32 MiB, KVM nested in TCG"
fi
echo
echo "| device state | PRE_COPY | downtime: baseline / device (ms) | ratio | total: baseline / device (ms) | ratio |"
echo "|---|---|---|---|---|---|"
# per config: medians of each side and the medians of the per-round ratios
mapfile -t configs < <(awk '/^B / && !s[$2]++ {print $2}' "$work/out")
for c in "${configs[@]}"; do
	mapfile -t bd < <(awk -v c="$c" '$1 == "B" && $2 == c && $4 == "base" {print $5}' "$work/out")
	mapfile -t be < <(awk -v c="$c" '$1 == "B" && $2 == c && $4 == "base" {print $6}' "$work/out")
	mapfile -t dd < <(awk -v c="$c" '$1 == "B" && $2 == c && $4 == "dev" {print $5}' "$work/out")
	mapfile -t de < <(awk -v c="$c" '$1 == "B" && $2 == c && $4 == "dev" {print $6}' "$work/out")
	rd=() re=()
	for i in "${!dd[@]}"; do
		rd+=("$(awk -v s="${dd[i]}" -v b="${bd[i]}" 'BEGIN { r = 0; if (b > 0) r = s / b; printf "%.2f", r }')")
		re+=("$(awk -v s="${de[i]}" -v b="${be[i]}" 'BEGIN { r = 0; if (b > 0) r = s / b; printf "%.2f", r }')")
	done
	printf '| %s MiB | %s | %s / %s | %s | %s / %s | %s |\n' "${c%%:*}" "$([[ ${c#*:} == 1 ]] && echo yes || echo no)" \
		"$(bench_median "${bd[@]}")" "$(bench_median "${dd[@]}")" "$(bench_median "${rd[@]}")" \
		"$(bench_median "${be[@]}")" "$(bench_median "${de[@]}")" "$(bench_median "${re[@]}")"
done
echo
echo "rounds (config round side downtime_ms elapsed_ms):"
grep '^B ' "$work/out" | sed 's/^B /  /'
exit "$status"
