#!/usr/bin/env bash
# make bench: run every benchmark; figures are ratios against baselines
# measured in the same run. Usage: run.sh BUILDDIR
set -euo pipefail
B=${1:-.}
echo "== migcheck benchmarks ($(date -u +%FT%TZ), $(nproc) cpus, $(uname -r))"
echo "-- inventory"
"$B/tests/bench/bench_inventory" 1000 50
echo "-- planner"
"$B/tests/bench/bench_planner" "$(dirname "$0")/../data" 300
echo "-- fleet (pull + import from a local nginx, gate)"
"$(dirname "$0")/fleet.sh" "$B"
echo "-- libvirt migrate (needs root, namespaces, libvirtd)"
bash "$(dirname "$0")/libvirt-migrate.sh" "$B" 5
echo "-- vfio device state (save+restore vs plain copy)"
"$B/tests/bench/bench_vfio" 256
echo "-- hook under load (1,000 in a row, 50 at once, one inventory)"
python3 "$(dirname "$0")/hook-load.py" "$B/migcheck" "$(dirname "$0")/../data"
echo "-- process start-up: the hook's do-nothing path, plan, against /bin/true"
python3 "$(dirname "$0")/startup.py" "$B" "$(dirname "$0")/../data"
echo "-- report (fleet matrix page: plan every pair + HTML)"
"$(dirname "$0")/report.sh" "$B"
