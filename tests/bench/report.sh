#!/usr/bin/env bash
# Report benchmark: `migcheck report --html` on a fleet of PROFILES distinct
# real-looking arm64 profiles (the real cortex-a57 host with other kernel
# builds; a third with PSCI 1.0 firmware), at the default cap (40 profiles,
# 1,600 cells) and at the limit (200 profiles, 40,000 cells). Baseline in the
# same run: `migcheck gate` on the same fleet (planner + inventory load), per
# plan; the figure is the cost per cell (plan + page) against it.
# Usage: report.sh BUILDDIR [PROFILES]
set -euo pipefail
B=$(cd "${1:-.}" && pwd)
NPROF=${2:-300}
S=$(cd "$(dirname "$0")/../.." && pwd)
MIGCHECK=$B/migcheck
T=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-bench-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
DB=$T/fleet.db
SEED=$S/tests/data/fleet/profiles/arm-a57.facts
for i in $(seq "$NPROF"); do
	f=$T/p$i.facts
	sed -e "s/^kernel\trelease\t.*/kernel\trelease\t6.1.0-$i-arm64/" "$SEED" >"$f"
	if ((i % 3 == 0)); then
		sed -i 's/^arm64.fwreg\tPSCI_VERSION\t.*/arm64.fwreg\tPSCI_VERSION\t0x10000/' "$f"
	fi
	"$MIGCHECK" --db "$DB" import "$f" --host "h$i" >/dev/null
done
now() { date +%s.%N; }
t0=$(now)
"$MIGCHECK" gate --fleet "$DB" --candidate "$T/p1.facts" >/dev/null || true
t1=$(now)
gate_plans=$((4 * NPROF)) # two directions, today and candidate, per profile
per_plan=$(echo "($t1 - $t0) * 1000 / $gate_plans" | bc -l)
printf 'baseline gate, %d plans        %7.3f s = %.3f ms/plan\n' "$gate_plans" \
	"$(echo "$t1 - $t0" | bc -l)" "$per_plan"
for max in 40 200; do
	t0=$(now)
	"$MIGCHECK" report --fleet "$DB" --html "$T/r.html" --max-profiles "$max" >/dev/null
	t1=$(now)
	cells=$((max * max))
	per_cell=$(echo "($t1 - $t0) * 1000 / $cells" | bc -l)
	printf 'report %3d profiles, %5d cells %7.3f s = %.3f ms/cell  ratio %.2fx  page %d KiB\n' \
		"$max" "$cells" "$(echo "$t1 - $t0" | bc -l)" "$per_cell" \
		"$(echo "$per_cell / $per_plan" | bc -l)" "$(($(stat -c %s "$T/r.html") / 1024))"
done
