#!/usr/bin/env bash
# Fleet benchmark: pull + import of 10,000 host records over 300 distinct
# profiles from a private local nginx, and the gate of one candidate against
# that fleet; baselines in the same run: curl downloading the same files, and
# one plan of a pair. Usage: fleet.sh BUILDDIR [HOSTS] [PROFILES]
set -euo pipefail
B=$(cd "${1:-.}" && pwd)
NHOSTS=${2:-10000}
NPROF=${3:-300}
S=$(cd "$(dirname "$0")/../.." && pwd)
MIGCHECK=$B/migcheck
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-bench.XXXXXX")
# shellcheck source=tests/integration/fleet-nginx.sh
. "$S/tests/integration/fleet-nginx.sh"
trap 'ngx_stop; rm -rf "$T_TMP"' EXIT
if [[ -z $NGX_BIN ]]; then
	echo "fleet: SKIP (nginx not installed)"
	exit 0
fi
ngx_start "" || {
	echo "fleet: nginx did not start" >&2
	exit 1
}
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }

# 300 distinct real-looking profiles: the real a57 host, each with another
# kernel build (release string) and, for a third, PSCI 1.0 firmware.
SEED=$S/tests/data/fleet/profiles/arm-a57.facts
ROOT=$NGX_ROOT/fleet
mkdir -p "$ROOT/profiles" "$T_TMP/facts"
GEN=$T_TMP/gen.db
for i in $(seq "$NPROF"); do
	f=$T_TMP/facts/p$i.facts
	sed -e "s/^kernel\trelease\t.*/kernel\trelease\t6.1.0-$i-arm64/" "$SEED" >"$f"
	if ((i % 3 == 0)); then
		sed -i 's/^arm64.fwreg\tPSCI_VERSION\t.*/arm64.fwreg\tPSCI_VERSION\t0x10000/' "$f"
	fi
	"$MIGCHECK" --db "$GEN" import "$f" --host "gen$i" >/dev/null
	"$MIGCHECK" --db "$GEN" export "gen$i" --format xml |
		sed '/<host /d' >"$T_TMP/p.xml" # content-addressed: no host inside
	id=$(grep -o 'id="[0-9a-f]*"' "$T_TMP/p.xml" | head -1 | cut -d'"' -f2)
	mv "$T_TMP/p.xml" "$ROOT/profiles/$id.xml"
	echo "$id" >>"$T_TMP/ids"
done
mapfile -t IDS <"$T_TMP/ids"
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<hosts xmlns="urn:x-migcheck:host:1" updated="2026-11-25T03:00:00Z">'
	for i in $(seq "$NHOSTS"); do
		printf '  <host name="kvm%05d" profile="%s" probed="2026-11-24T03:%02d:00Z"/>\n' \
			"$i" "${IDS[$((i % NPROF))]}" $((i % 60))
	done
	echo '</hosts>'
} >"$ROOT/index.xml"
bytes=$(cat "$ROOT/index.xml" "$ROOT"/profiles/*.xml | wc -c)
echo "fleet: $NHOSTS hosts, $NPROF profiles, $bytes bytes in the store (nginx $NGX_URL)"

# Baseline: curl fetching the same files over one connection.
urls=(-o /dev/null "$NGX_URL/fleet/index.xml")
for id in "${IDS[@]}"; do urls+=(-o /dev/null "$NGX_URL/fleet/profiles/$id.xml"); done
t0=$(now)
curl -s "${urls[@]}"
t1=$(now)
base=$(secs "$t0" "$t1")

t0=$(now)
"$MIGCHECK" --db "$T_TMP/pulled.db" fleet pull "$NGX_URL/fleet" >"$T_TMP/pull.out"
t1=$(now)
pull=$(secs "$t0" "$t1")
echo "fleet: pull+import: $pull s; curl of the same $((NPROF + 1)) files: $base s; ratio $(echo "$pull / $base" | bc -l | xargs printf '%.1f')x"
echo "fleet:   $(cat "$T_TMP/pull.out")"

# Gate: a candidate kernel (PSCI 1.1) against the whole pulled fleet.
sed -e "s/^kernel\trelease\t.*/kernel\trelease\t6.2.0-1-arm64/" \
	-e 's/^arm64.fwreg\tPSCI_VERSION\t.*/arm64.fwreg\tPSCI_VERSION\t0x10001/' "$SEED" >"$T_TMP/cand.facts"
t0=$(now)
rc=0
"$MIGCHECK" --db "$T_TMP/pulled.db" gate --candidate "$T_TMP/cand.facts" >"$T_TMP/gate.out" || rc=$?
t1=$(now)
gate=$(secs "$t0" "$t1")
t0=$(now)
"$MIGCHECK" plan "$T_TMP/facts/p1.facts" "$T_TMP/facts/p2.facts" >/dev/null || true
t1=$(now)
plan=$(secs "$t0" "$t1")
echo "fleet: gate of one candidate against $NPROF profiles / $NHOSTS hosts: $gate s (exit $rc, target < 1 s); one 'migcheck plan' of a pair: $plan s; ratio $(echo "$gate / $plan" | bc -l | xargs printf '%.1f')x"
echo "fleet:   $(tail -1 "$T_TMP/gate.out")"
