#!/usr/bin/env bash
# Fault injection on `migcheck fleet pull` (issue #7): the HTTP server dies
# (SIGKILL) in the middle of the hosts/ listing, in the middle of a profile, and after
# some of the profiles were fetched; bodies framed by Content-Length, chunked
# encoding, or the connection's end. The pull fails with a one-line error
# naming the URL, and nothing is imported: README promises one transaction
# per pull, so the inventory keeps exactly its hosts, profiles and facts.
# The store is tests/integration/fault-httpd.py (python3).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
PROFILES=$MC_TESTDATA/fleet/profiles
HTTPD=$(dirname "$0")/fault-httpd.py
ROOT=$T_TMP/store
LOG=$T_TMP/httpd.log
# The server runs in a subshell that outlives it, so that its death by
# SIGKILL is an exit status (137) rather than a "Killed" notice from bash.
HTTPD_JOB=
HTTPD_PID=
stop_httpd() {
	if [[ -n $HTTPD_JOB ]]; then
		[[ -n $HTTPD_PID ]] && kill "$HTTPD_PID" 2>/dev/null
		wait "$HTTPD_JOB" 2>/dev/null
		HTTPD_JOB='' HTTPD_PID=''
	fi
}
trap 'stop_httpd; rm -rf "$T_TMP"' EXIT
# start_httpd [SUBSTR:NTH:FRAMING]: a store at $URL, dying as fault-httpd.py says.
start_httpd() {
	local port
	rm -f "$T_TMP/port"
	(
		python3 "$HTTPD" "$ROOT" "$T_TMP/port" "$LOG" ${1:+--die-on "$1"} ${BUSY:+--busy "$BUSY"} \
			2>>"$T_TMP/httpd.err"
		exit $?
	) 2>/dev/null &
	HTTPD_JOB=$!
	for _ in $(seq 100); do
		if [[ -s $T_TMP/port ]]; then
			read -r port HTTPD_PID <"$T_TMP/port"
			URL=http://127.0.0.1:$port/fleet
			return 0
		fi
		sleep 0.05
	done
	return 1
}
# The server must have died by itself (SIGKILL), not been stopped by us.
httpd_died() {
	wait "$HTTPD_JOB" 2>/dev/null
	local rc=$?
	HTTPD_JOB='' HTTPD_PID=''
	[[ $rc -eq 137 ]]
}
mkdir -p "$ROOT"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export MIGCHECK_CONF=$T_TMP/none.conf # never the machine's /etc/migcheck.conf
FAST=(--retries 1 --connect-timeout 2 --timeout 10)

# ---- a store with six hosts over five profiles, pushed by migcheck ----
SRC=$T_TMP/src.db
declare -A HOSTPROF=(
	[arm-a57-1]=arm-a57 [arm-n1-1]=arm-n1 [x86-epyc-1]=x86-epyc
	[x86-max-1]=x86-max [x86-max-2]=x86-max [x86-qemu64-1]=x86-qemu64
)
check "the store starts" start_httpd
for h in $(printf '%s\n' "${!HOSTPROF[@]}" | sort); do
	"$MIGCHECK" --db "$SRC" import "$PROFILES/${HOSTPROF[$h]}.facts" --host "$h" >/dev/null ||
		not_ok "import $h"
	expect_exit 0 "push $h" "$MIGCHECK" --db "$SRC" fleet push "$URL" --host "$h" "${FAST[@]}"
done
check "five profiles in the store" test "$(find "$ROOT/fleet/profiles" -name '*.xml' | wc -l)" -eq 5

# ---- the inventory that pulls: two hosts of its own, one profile shared ----
DST=$T_TMP/dst.db
if ! "$MIGCHECK" --db "$DST" import "$PROFILES/arm-max.facts" --host keep-1 >/dev/null ||
	! "$MIGCHECK" --db "$DST" import "$PROFILES/arm-a57.facts" --host keep-2 >/dev/null; then
	not_ok "build the pulling inventory"
fi
view() {
	"$MIGCHECK" --db "$DST" hosts &&
		"$MIGCHECK" --db "$DST" export keep-1 &&
		"$MIGCHECK" --db "$DST" export keep-2 --format xml &&
		sqlite3 "$DST" 'SELECT count(*) FROM hosts; SELECT count(*) FROM profiles;
			SELECT count(*) FROM facts; SELECT count(*) FROM profile_facts;
			SELECT count(*) FROM host_history;'
}
view >"$T_TMP/view.before" || not_ok "view of the pulling inventory"
# unchanged: integrity_check ok and the very same hosts, facts and counts.
unchanged() {
	check "  integrity_check ok" test "$(sqlite3 "$DST" 'PRAGMA integrity_check')" = ok
	view >"$T_TMP/view.now" 2>&1
	check "  nothing imported: same hosts, facts, and host/profile/fact counts as before" \
		cmp -s "$T_TMP/view.before" "$T_TMP/view.now"
}
stop_httpd
# The profiles the pull must fetch, in the order it fetches them: host
# name order, each once, without the one keep-2 already has.
local_id=$("$MIGCHECK" --db "$SRC" export arm-a57-1 | sha256sum | cut -c1-64)
mapfile -t MISSING < <(find "$ROOT/fleet/hosts" -name '*.xml' | LC_ALL=C sort | while read -r f; do
	grep -o 'profile="[0-9a-f]*"' "$f"
done | cut -d'"' -f2 | awk -v l="$local_id" '$0 != l && !seen[$0]++')
check "no index.xml: each push wrote its own record only" test ! -e "$ROOT/fleet/index.xml"
check "the pull lacks 4 of the 5 profiles" test "${#MISSING[@]}" -eq 4

# pull_dies SUBSTR:NTH:FRAMING EXIT URL_PATH ERROR_TEXT: one pull against a
# store that dies as told; checks exit, the one-line error and the inventory.
pull_dies() {
	check "  the store starts" start_httpd "$1"
	expect_exit "$2" "pull from a store that dies ($1)" \
		"$MIGCHECK" --db "$DST" fleet pull "$URL" "${FAST[@]}"
	err_has "$URL/$3: $4"
	check "  the server died mid-transfer (SIGKILL)" httpd_died
	unchanged
}

fault_begin "HTTP server killed (SIGKILL) mid-body of the hosts/ listing (PROPFIND) during \`migcheck fleet pull\`"
pull_dies /hosts/:1:length 69 hosts/ "PROPFIND failed after 2 attempts"
fault_end "exit 69, one-line error naming the listing URL; nothing imported (integrity_check ok, same hosts, facts and counts)"

fault_begin "HTTP server killed mid-body of the second host record asked for (8 at once) during \`migcheck fleet pull\`"
check "  the store starts" start_httpd /hosts/:3:length
expect_exit 69 "pull from a store that dies (/hosts/:3:length)" \
	"$MIGCHECK" --db "$DST" fleet pull "$URL" "${FAST[@]}"
# the records are asked for 8 at once: the one reported is the first (by
# name) of those cut off when the server died
check "  one line naming a host record's URL" \
	bash -c "test \$(wc -l <'$T_ERR') -eq 1 && grep -qxE 'migcheck: $URL/hosts/[a-z0-9-]+\.xml: GET failed after 2 attempts: .*' '$T_ERR'"
check "  the server died mid-transfer (SIGKILL)" httpd_died
unchanged
fault_end "exit 69, one-line error naming a host record's URL; nothing imported"

fault_begin "HTTP server killed mid-body of the first profile document during \`migcheck fleet pull\`"
pull_dies /profiles/:1:length 69 "profiles/${MISSING[0]}.xml" "GET failed after 2 attempts"
fault_end "exit 69, one-line error naming the profile URL; nothing imported"

fault_begin "HTTP server killed after 2 of the 4 missing profiles were fetched, mid-body of the third"
: >"$LOG"
pull_dies /profiles/:3:length 69 "profiles/${MISSING[2]}.xml" "GET failed after 2 attempts"
check "  two profiles had been fetched whole" test "$(grep -c '^GET /fleet/profiles/.* 200$' "$LOG")" -eq 2
fault_end "exit 69, one-line error naming the profile URL; no host and no profile imported (one transaction per pull, as README promises)"

fault_begin "HTTP server killed mid-body of a chunked profile document (Transfer-Encoding: chunked)"
pull_dies /profiles/:2:chunked 69 "profiles/${MISSING[1]}.xml" "GET failed after 2 attempts"
fault_end "exit 69, one-line error naming the profile URL; nothing imported"

fault_begin "HTTP server killed mid-body of a profile whose end is the connection's end (no Content-Length)"
pull_dies /profiles/:2:close 65 "profiles/${MISSING[1]}.xml" "malformed XML"
fault_end "the short body looks complete to HTTP: exit 65, one-line 'malformed XML' error naming the profile URL; nothing imported"

# The same store, alive: the pull completes. (The faults were the only cause.)
check "the store starts, healthy" start_httpd
expect_exit 0 "pull from the healthy store" "$MIGCHECK" --db "$DST" fleet pull "$URL" "${FAST[@]}"
out_has "pulled 6 hosts over 5 profiles"
out_has "4 profiles fetched, 1 already local; 6 hosts stored"
check "  the kept hosts are still there" test "$("$MIGCHECK" --db "$DST" hosts | grep -c '^keep-')" -eq 2
stop_httpd

# ---- a busy store: 503 with Retry-After (seconds, HTTP date), and jitter ----
# busy_pull N:RETRY_AFTER DESCRIPTION [OPTIONS]: a pull (-v) into an empty
# inventory from a store whose first N GETs answer 503 as fault-httpd.py's
# --busy says; the waits are the "retrying in MS" lines, in $T_TMP/waits.
busy_pull() {
	local busy=$1 what=$2 want=$3
	shift 3
	: >"$LOG"
	rm -f "$T_TMP/busy.db"
	BUSY=$busy start_httpd "" || not_ok "  the busy store starts"
	expect_exit "$want" "$what" "$MIGCHECK" --db "$T_TMP/busy.db" -v fleet pull "$URL" "$@"
	stop_httpd
	sed -n 's/.*: retrying in \([0-9]*\) ms.*/\1/p' "$T_ERR" >"$T_TMP/waits"
}
# gap: seconds between the first two 503s the server answered.
gap() { awk '/ 503 t=/ { sub(/.*t=/, ""); t[n++] = $0 } END { printf "%.3f", t[1] - t[0] }' "$LOG"; }
busy_pull 2:1 "503 with Retry-After: 1 (seconds), twice: the pull waits as told" 0 --retries 3
check "  two waits, both told by Retry-After" test "$(grep -c 'retrying in .*(Retry-After)' "$T_ERR")" -eq 2
# shellcheck disable=SC2016 # an awk program
check "  each wait 1000..1250 ms (1 s and up to one backoff of jitter)" \
	awk '$1 < 1000 || $1 > 1250 { bad = 1 } END { exit bad || NR != 2 }' "$T_TMP/waits"
check "  the server saw the retry at least 1 s after the 503 (gap $(gap) s)" \
	awk -v g="$(gap)" 'BEGIN { exit !(g >= 1.0) }'
busy_pull 1:date+2 "503 with Retry-After as an HTTP date 2 s ahead" 0 --retries 3
# shellcheck disable=SC2016 # an awk program
check "  one wait, told by Retry-After, 1000..2250 ms (the date has 1 s resolution)" \
	awk '$1 < 1000 || $1 > 2250 { bad = 1 } END { exit bad || NR != 1 }' "$T_TMP/waits"
check "  ... as the verbose line says" grep -q '(Retry-After)' "$T_ERR"
busy_pull 1:3600 "Retry-After: 3600 past --deadline 3: no wait, exit 69" 69 --retries 3 --deadline 3
check "  one request only" test "$(grep -c '^GET' "$LOG")" -eq 1
check "  the error says why" grep -q 'deadline of 3 s passed' "$T_ERR"
busy_pull 3:none "503 without Retry-After, three times: doubling backoff with jitter" 0 --retries 3
cp "$T_TMP/waits" "$T_TMP/waits.1"
# shellcheck disable=SC2016 # an awk program
check "  waits 125..250, 250..500, 500..1000 ms (upper half of 250, 500, 1000)" \
	awk '{ lo = 125 * 2 ^ (NR - 1) } $1 < lo || $1 > 2 * lo { bad = 1 } END { exit bad || NR != 3 }' "$T_TMP/waits"
busy_pull 3:none "the same again" 0 --retries 3
check "  other waits than the first time (jitter: random, not fixed)" \
	bash -c "test -s '$T_TMP/waits' && ! cmp -s '$T_TMP/waits' '$T_TMP/waits.1'"

finish
