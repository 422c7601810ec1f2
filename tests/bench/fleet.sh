#!/usr/bin/env bash
# Fleet benchmark: a store of HOSTS host records over PROFILES distinct
# real-looking arm64 profiles (the real cortex-a57 host of
# tests/data/fleet/profiles with other kernel builds, a third with PSCI 1.0
# firmware) in a private local nginx. Figures, each the median of
# alternating rounds against its baseline (tests/bench/lib.sh):
#   pull   `migcheck fleet pull` into a new inventory vs curl fetching the
#          same files from the same server over one connection (the transfer
#          alone, the floor of any pull);
# then, on the pulled inventory, tests/bench/bench_fleet: the gate of a
# candidate (a new kernel with PSCI 1.1) vs the same plans one by one, and
# the report page of the REPORT_PROFILES with the most hosts vs the plans of
# its cells. Usage: fleet.sh BUILDDIR [HOSTS] [PROFILES] [REPORT_PROFILES...]
set -euo pipefail
B=$(cd "${1:-.}" && pwd)
NHOSTS=${2:-10000}
NPROF=${3:-300}
shift $(($# < 3 ? $# : 3))
REPORT=("$@")
((${#REPORT[@]})) || REPORT=(40)
S=$(cd "$(dirname "$0")/../.." && pwd)
MIGCHECK=$B/migcheck
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-bench.XXXXXX")
# shellcheck source=tests/integration/fleet-nginx.sh
. "$S/tests/integration/fleet-nginx.sh"
# shellcheck source=tests/bench/lib.sh
. "$S/tests/bench/lib.sh"
trap 'ngx_stop; rm -rf "$T_TMP"' EXIT
if [[ -z $NGX_BIN ]]; then
	echo "fleet: SKIP (nginx not installed)"
	[[ ${MC_NO_SKIP:-} == 1 ]] && exit 1
	exit 0
fi
ngx_start "" || {
	echo "fleet: nginx did not start" >&2
	exit 1
}

# The store, written directly: each profile document is content-addressed
# (ID = SHA-256 of the facts sorted by domain and key, one "domain TAB key
# TAB value LF" a line), which `fleet pull` checks for every profile.
SEED=$S/tests/data/fleet/profiles/arm-a57.facts
ROOT=$NGX_ROOT/fleet
mkdir -p "$ROOT/profiles" "$T_TMP/facts"
: >"$T_TMP/ids"
for i in $(seq "$NPROF"); do
	f=$T_TMP/facts/p$i.facts
	sed -e "s/^kernel\trelease\t.*/kernel\trelease\t6.1.0-$i-arm64/" "$SEED" >"$f"
	if ((i % 3 == 0)); then
		sed -i 's/^arm64.fwreg\tPSCI_VERSION\t.*/arm64.fwreg\tPSCI_VERSION\t0x10000/' "$f"
	fi
	grep -v '^#' "$f" | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2 >"$T_TMP/canon"
	id=$(sha256sum <"$T_TMP/canon" | cut -c1-64)
	awk -F'\t' -v id="$id" '
		function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); return s }
		BEGIN { print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"; print "<profile id=\"" id "\" xmlns=\"urn:x-migcheck:profile:1\">" }
		{ print "  <fact domain=\"" esc($1) "\" key=\"" esc($2) "\" value=\"" esc($3) "\"/>" }
		END { print "</profile>" }' "$T_TMP/canon" >"$ROOT/profiles/$id.xml"
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

# Pull: curl fetching the same files over one connection vs fleet pull.
URLS=(-o /dev/null "$NGX_URL/fleet/index.xml")
for id in "${IDS[@]}"; do URLS+=(-o /dev/null "$NGX_URL/fleet/profiles/$id.xml"); done
curl_same() { curl -sf "${URLS[@]}"; }
pull_prep() { rm -f "$T_TMP/pulled.db" "$T_TMP/pulled.db-wal" "$T_TMP/pulled.db-shm"; }
pull() { "$MIGCHECK" --db "$T_TMP/pulled.db" fleet pull "$NGX_URL/fleet" >"$T_TMP/pull.out"; }
bench_alternate curl_same pull
printf 'fleet: pull+import %s ms; curl of the same %d files %s ms; ratio %sx%s\n' \
	"$BENCH_SUBJ_MED" $((NPROF + 1)) "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet:   $(cat "$T_TMP/pull.out")"

# Gate and report on the pulled inventory (in-process, tests/bench/bench_fleet).
sed -e "s/^kernel\trelease\t.*/kernel\trelease\t6.2.0-1-arm64/" \
	-e 's/^arm64.fwreg\tPSCI_VERSION\t.*/arm64.fwreg\tPSCI_VERSION\t0x10001/' "$SEED" >"$T_TMP/cand.facts"
"$B/tests/bench/bench_fleet" "$T_TMP/pulled.db" "$T_TMP/cand.facts" "${REPORT[@]}" | sed 's/^/fleet: /'
