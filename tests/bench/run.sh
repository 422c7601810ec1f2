#!/usr/bin/env bash
# make bench: run every benchmark. Every figure is a ratio against a baseline
# doing the same work under the same conditions, the median of $BENCH_RUNS
# (default 3, at least 3, odd) alternating rounds: baseline, subject,
# baseline, subject, ... (tests/lib/bench.h, tests/bench/lib.sh). A failing
# benchmark fails make bench. Usage: run.sh BUILDDIR
set -euo pipefail
B=${1:-.}
H=$(dirname "$0")
echo "== migcheck benchmarks ($(date -u +%FT%TZ), $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "-- inventory (probe vs the same syscalls raw; import vs plain SQL into the same schema)"
"$B/tests/bench/bench_inventory" "$H/../../schemas" 200 20
echo "-- planner (one plan of a pair, its profiles compiled once or not, vs a plain diff of the same two profiles; all pairs of generated profiles)"
"$B/tests/bench/bench_planner" "$H/../data" 60
echo "-- fleet (pull vs curl of the same files; gate and report vs their plans)"
"$H/fleet.sh" "$B" 10000 300 40
echo "-- fleet store (one push into 100,000 hosts vs curl doing its requests; pull of 100,000 hosts vs curl of the same files)"
"$H/fleet-store.sh" "$B" 100000 20
echo "-- fleet scale (100,000 hosts over 2,000 generated profiles: pull vs curl; targets, gate, baseline, report vs sqlite3 reading the same rows)"
"$H/fleet-scale.sh" "$B" 100000 2000
echo "-- libvirt migrate (vs virsh migrate; --dry-run vs plan; needs root, namespaces, libvirtd)"
bash "$H/libvirt-migrate.sh" "$B"
echo "-- vfio device state (save+restore vs plain copy into the same kind of destination)"
"$B/tests/bench/bench_vfio" 128
echo "-- hook (in a row and at once, vs migcheck plan of the same pair)"
python3 "$H/hook-load.py" "$B/migcheck" "$H/../data" 60 50
echo "-- process start-up: the hook's do-nothing path, plan, against /bin/true and virsh hypervisor-cpu-compare"
bash "$H/startup.sh" "$B" "$H/../data"
echo "-- VFIO live migration (downtime and total time, device guest vs the same guest without the device; needs root, an emulated 6.12 host, QEMU 10 / libvirt 11)"
bash "$H/vfio-migrate.sh" "$B"
