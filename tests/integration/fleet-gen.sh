#!/usr/bin/env bash
# The synthetic fleet of the fleet-scale benchmark (tests/bench/gen-fleet.py)
# is a valid store: a small one (600 hosts over 60 profiles, the same
# generator and seed profiles as `make bench`'s 100,000 over 2,000) served by
# a private nginx is pulled by `migcheck fleet pull`, which checks every
# profile's content against its id; the inventory then holds every host and
# every profile, each host with the profile its record names; the generator
# is deterministic; and its profiles fall into several migration classes,
# fewer than the profiles (the report counts them).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/fleet-nginx.sh
. "$(dirname "$0")/fleet-nginx.sh"

[[ -n $NGX_BIN ]] || skip "nginx is not installed (apt-get install nginx-light)"
[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
GEN=$MC_SRCDIR/tests/bench/gen-fleet.py
ngx_start "" || {
	not_ok "nginx did not start"
	finish
	exit 1
}
trap 'ngx_stop; rm -rf "$T_TMP"' EXIT
ROOT=$NGX_ROOT/fleet
export MIGCHECK_CONF=$T_TMP/none.conf

out=$(python3 "$GEN" "$MC_TESTDATA" "$ROOT" 600 60)
check "generator: '$out'" test "$out" = "hosts 600 profiles 60 seeds 13"
check "600 host records" test "$(find "$ROOT/hosts" -name '*.xml' | wc -l)" -eq 600
check "60 profile documents" test "$(find "$ROOT/profiles" -name '*.xml' | wc -l)" -eq 60
python3 "$GEN" "$MC_TESTDATA" "$T_TMP/again" 600 60 >/dev/null
check "deterministic: the same store twice" diff -r "$ROOT" "$T_TMP/again"

DB=$T_TMP/fleet.db
"$MIGCHECK" --db "$DB" fleet pull "$NGX_URL/fleet" >"$T_TMP/pull.out" 2>"$T_TMP/pull.err"
rc=$?
check "fleet pull exits 0 (rc $rc: $(head -c 300 "$T_TMP/pull.err"))" test "$rc" -eq 0
check "pull: 600 hosts over 60 profiles, 60 fetched" \
	grep -q '^pulled 600 hosts over 60 profiles .*: 60 profiles fetched' "$T_TMP/pull.out"
check "inventory: 600 hosts" test "$(sqlite3 "$DB" 'SELECT count(*) FROM hosts')" -eq 600
check "inventory: 60 profiles" test "$(sqlite3 "$DB" 'SELECT count(*) FROM profiles')" -eq 60
# every host points at the profile its record names
sqlite3 -separator ' ' "$DB" \
	"SELECT h.name, p.id FROM hosts h JOIN profiles p ON p.pid = h.pid ORDER BY h.name" >"$T_TMP/db.map"
for f in "$ROOT"/hosts/*.xml; do
	sed -n 's/.*name="\([^"]*\)" profile="\([0-9a-f]*\)".*/\1 \2/p' "$f"
done | LC_ALL=C sort >"$T_TMP/store.map"
check "every host has the profile of its record" cmp -s "$T_TMP/db.map" "$T_TMP/store.map"
# both architectures, several kernel builds
check "arm64 and x86_64 profiles" test "$(sqlite3 "$DB" 'SELECT count(DISTINCT arch) FROM profiles')" -eq 2
check "several kernel builds" test "$(sqlite3 "$DB" 'SELECT count(DISTINCT kernel) FROM profiles')" -ge 6

"$MIGCHECK" --db "$DB" report --html "$T_TMP/r.html" >"$T_TMP/report.err" 2>&1
classes=$(sed -n 's/.*: [0-9]* of \([0-9]*\) classes.*/\1/p' "$T_TMP/report.err")
check "migration classes: ${classes:-?} (more than 13 seeds, fewer than 60 profiles)" \
	test "${classes:-0}" -gt 13 -a "${classes:-0}" -lt 60
check "  the page's summary counts them and their profiles" \
	grep -q "600 hosts, ${classes:-?} migration classes (60 profiles)" "$T_TMP/r.html"
finish
