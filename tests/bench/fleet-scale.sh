#!/usr/bin/env bash
# Fleet answers at fleet scale: a synthetic fleet of HOSTS hosts over
# PROFILES distinct profiles (tests/bench/gen-fleet.py: real emulated-host
# profiles of tests/data varied by kernel build, CPU feature subset, QEMU
# machine types, VFIO devices and facts no rule reads), in a private local
# nginx, pulled into an inventory; then the fleet verbs on that inventory,
# each as a process, as an operator runs them. Figures, each the median of
# alternating rounds against its baseline (tests/bench/lib.sh), printed as
# the absolute time and the ratio:
#   pull      `migcheck fleet pull` into a new inventory vs one curl run
#             fetching the same files over one connection (the PROPFIND of
#             hosts/, every host record, every profile);
#   targets   `migcheck targets SRC --hosts-only` vs sqlite3 reading the
#             rows it lists (every host with its profile id, by name);
#   gate      `migcheck gate --candidate FILE` (a new 6.12 kernel build) vs
#             the same sqlite3 reading;
#   baseline  `migcheck baseline --fleet --arch x86_64`, then the same for
#             aarch64, each vs sqlite3 reading every fact row of every
#             profile (what it looks at, at most);
#   report    `migcheck report --html` of every class (the class matrix) vs
#             the same sqlite3 reading; and the page's size;
# and, for scale, `migcheck diff` of two hosts' profiles in the same
# inventory (opening it and loading two profiles: the floor of any verb).
# The migration classes of the fleet are counted (the report's summary).
# Usage: fleet-scale.sh BUILDDIR [HOSTS] [PROFILES]
set -euo pipefail
B=$(cd "${1:-.}" && pwd)
NHOSTS=${2:-100000}
NPROF=${3:-2000}
S=$(cd "$(dirname "$0")/../.." && pwd)
MIGCHECK=$B/migcheck
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-bench.XXXXXX")
# shellcheck source=tests/integration/fleet-nginx.sh
. "$S/tests/integration/fleet-nginx.sh"
# shellcheck source=tests/bench/lib.sh
. "$S/tests/bench/lib.sh"
trap 'ngx_stop; rm -rf "$T_TMP"' EXIT
if [[ -z $NGX_BIN ]] || ! command -v sqlite3 >/dev/null; then
	echo "fleet-scale: SKIP (nginx or sqlite3 not installed)"
	[[ ${MC_NO_SKIP:-} == 1 ]] && exit 1
	exit 0
fi
ngx_start "" || {
	echo "fleet-scale: nginx did not start" >&2
	exit 1
}
export MIGCHECK_CONF=$T_TMP/none.conf
STORE=$NGX_URL/fleet
ROOT=$NGX_ROOT/fleet
echo "fleet-scale: $(python3 "$S/tests/bench/gen-fleet.py" "$S/tests/data" "$ROOT" "$NHOSTS" "$NPROF")," \
	"$(du -sb "$ROOT" | cut -f1) bytes in the store (nginx $NGX_URL)"

# ---- pull + import ----
{
	printf 'url = "%s/hosts/"\nrequest = PROPFIND\nheader = "Depth: 1"\noutput = /dev/null\nsilent\nfail\nnext\n' "$STORE"
	find "$ROOT/hosts" -name '*.xml' -printf '%f\n' | LC_ALL=C sort |
		awk -v u="$STORE/hosts/" '{ printf "url = \"%s%s\"\noutput = /dev/null\n", u, $1 }'
	find "$ROOT/profiles" -name '*.xml' -printf '%f\n' |
		awk -v u="$STORE/profiles/" '{ printf "url = \"%s%s\"\noutput = /dev/null\n", u, $1 }'
} >"$T_TMP/curl.conf"
DB=$T_TMP/fleet.db
curl_pull() { curl -sf -K "$T_TMP/curl.conf"; }
pull_prep() { rm -f "$DB" "$DB-wal" "$DB-shm"; }
pull() { "$MIGCHECK" --db "$DB" fleet pull "$STORE" >"$T_TMP/pull.out"; }
bench_alternate curl_pull pull
printf 'fleet-scale: pull+import of %d hosts over %d profiles %s ms; curl of the same %d requests %s ms; ratio %sx%s\n' \
	"$NHOSTS" "$NPROF" "$BENCH_SUBJ_MED" $((NHOSTS + NPROF + 1)) "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-scale:   $(cat "$T_TMP/pull.out")"
ngx_stop
trap 'rm -rf "$T_TMP"' EXIT

M=("$MIGCHECK" --db "$DB")
# A source host of the most common profile (the generator gives the first
# profile to kvm000001, and hosts by a Zipf law: profile 1 has the most).
SRC=kvm000001
sqlite_hosts() { sqlite3 "$DB" "SELECT h.name, p.id FROM hosts h JOIN profiles p ON p.pid = h.pid ORDER BY h.name" >/dev/null; }
sqlite_facts() {
	sqlite3 "$DB" "SELECT h.name, p.id FROM hosts h JOIN profiles p ON p.pid = h.pid ORDER BY h.name;
		SELECT p.id, f.domain, f.key, f.value FROM profile_facts pf JOIN profiles p ON p.pid = pf.pid
		JOIN facts f ON f.fid = pf.fid ORDER BY pf.pid" >/dev/null
}
# Exit status 1 or 2 (actions, blocked) is an answer, not a failure.
answer() { "$@" || (($? <= 2)); }

diff2() { answer "${M[@]}" diff "$SRC" kvm000002 >/dev/null; }
bench_alternate sqlite_hosts diff2
printf 'fleet-scale: diff of two hosts'"'"' profiles %s ms; sqlite3 reading every host row %s ms; ratio %sx%s\n' \
	"$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"

targets() { answer "${M[@]}" targets "$SRC" --hosts-only >"$T_TMP/targets.out"; }
bench_alternate sqlite_hosts targets
printf 'fleet-scale: targets %s --hosts-only %s ms (target 50 ms); sqlite3 reading every host row %s ms; ratio %sx%s\n' \
	"$SRC" "$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-scale:   $(wc -l <"$T_TMP/targets.out") ok/action destinations"

sed -e 's/^kernel\trelease\t.*/kernel\trelease\t6.12.99-arm64/' \
	"$S/tests/data/plan/real61-to-612-a72.dst" >"$T_TMP/cand.facts"
gate() { answer "${M[@]}" gate --candidate "$T_TMP/cand.facts" >"$T_TMP/gate.out"; }
bench_alternate sqlite_hosts gate
printf 'fleet-scale: gate of a candidate %s ms (target 1 s); sqlite3 reading every host row %s ms; ratio %sx%s\n' \
	"$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-scale:   $(tail -1 "$T_TMP/gate.out")"

baseline() { answer "${M[@]}" baseline --fleet --arch x86_64 >"$T_TMP/baseline.out"; }
bench_alternate sqlite_facts baseline
printf 'fleet-scale: baseline --fleet --arch x86_64 %s ms (target 2 s); sqlite3 reading every host and fact row %s ms; ratio %sx%s\n' \
	"$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-scale:   $(head -2 "$T_TMP/baseline.out" | tr '\n' ' ')"
baseline_arm() { answer "${M[@]}" baseline --fleet --arch aarch64 >"$T_TMP/baseline.out"; }
bench_alternate sqlite_facts baseline_arm
printf 'fleet-scale: baseline --fleet --arch aarch64 %s ms (target 2 s); sqlite3 reading every host and fact row %s ms; ratio %sx%s\n' \
	"$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-scale:   $(head -2 "$T_TMP/baseline.out" | tr '\n' ' ')"

report() { "${M[@]}" report --html "$T_TMP/report.html" >"$T_TMP/report.out"; }
bench_alternate sqlite_facts report
printf 'fleet-scale: report (class matrix) %s ms (target 10 s); sqlite3 reading every host and fact row %s ms; ratio %sx%s\n' \
	"$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
printf 'fleet-scale:   page %s KiB (target: a few MB); %s\n' "$(($(stat -c %s "$T_TMP/report.html") / 1024))" \
	"$(grep -o '[0-9]* hosts, [0-9]* migration classes ([0-9]* profiles)' "$T_TMP/report.html" | head -1)"
echo "fleet-scale:   $(cat "$T_TMP/report.out")"
