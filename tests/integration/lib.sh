# shellcheck shell=bash
# Helpers for migcheck integration tests (sourced). Each test script runs
# checks with `check`/`expect_exit`, and ends with `finish`, which prints
# "N passed, N failed (S s)" and exits 0 (all passed), 1 (a failure) or 77 (skip).
set -uo pipefail

: "${MIGCHECK:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/migcheck}"
: "${MC_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MC_TESTDATA:=$MC_SRCDIR/tests/data}"
export MIGCHECK MC_SRCDIR MC_TESTDATA

T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-it.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
export MIGCHECK_DB="$T_TMP/inventory.db"
# the parsed CPU map cache (README "Two programs"): per test, never the
# machine's own
export MIGCHECK_CACHE_DIR="$T_TMP/cache"

# heavy_test [CORES]: this test boots emulated hosts, keeping CORES cores
# busy (2: two hosts at a time, emu_jobs; 1, the default: one host, one TCG
# thread). With MC_HEAVY_LOCK set (check-all's parallel rounds), the
# machine's two cores are two lock files, $MC_HEAVY_LOCK.1 and .2: a
# 2-core test waits for both (in that order), a 1-core test for either, and
# holds them until it exits, so the heavy tests share the cores while the
# other job slots run the light tests. The open descriptors are inherited by
# the test's children, which need not lock again. The time finish prints
# starts when the locks are had.
heavy_test() {
	[[ -n ${MC_HEAVY_LOCK:-} ]] || return 0
	local cores=${1:-1} t0=$SECONDS
	exec {MC_HEAVY_FD1}>>"$MC_HEAVY_LOCK.1" {MC_HEAVY_FD2}>>"$MC_HEAVY_LOCK.2" || return 1
	if ((cores >= 2)); then
		flock "$MC_HEAVY_FD1" && flock "$MC_HEAVY_FD2" || return 1
	else
		until flock -n "$MC_HEAVY_FD1" || flock -n "$MC_HEAVY_FD2"; do
			sleep 1
		done
	fi
	((SECONDS - t0 < 2)) || echo "# waited $((SECONDS - t0)) s for the emulated-host locks ($MC_HEAVY_LOCK.*)"
	# the summary's time (finish) is the test's own, not the wait
	SECONDS=0
}

ok() {
	T_PASS=$((T_PASS + 1))
	printf 'ok   %s\n' "$*"
}
not_ok() {
	T_FAIL=$((T_FAIL + 1))
	printf 'FAIL %s\n' "$*"
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# expect_exit CODE DESCRIPTION COMMAND...: run with stdout in $T_OUT and
# stderr in $T_ERR; the exit status must be CODE.
T_OUT=$T_TMP/out
T_ERR=$T_TMP/err
expect_exit() {
	local want=$1 what=$2 got
	shift 2
	"$@" >"$T_OUT" 2>"$T_ERR"
	got=$?
	if [[ $got == "$want" ]]; then
		ok "$what (exit $got)"
	else
		not_ok "$what: exit $got, want $want; stderr: $(head -c 300 "$T_ERR")"
	fi
}

# err_has TEXT: the last command's stderr is one line containing TEXT.
err_has() {
	local lines
	lines=$(wc -l <"$T_ERR")
	if grep -qF -- "$1" "$T_ERR" && [[ $lines -eq 1 ]]; then
		ok "  stderr says: $1"
	else
		not_ok "  stderr ($lines lines) lacks '$1': $(head -c 300 "$T_ERR")"
	fi
}

out_has() {
	if grep -qF -- "$1" "$T_OUT"; then ok "  stdout has: $1"; else not_ok "  stdout lacks '$1'"; fi
}

# kvmraw_compare NAME FACTS RAW DOMAIN...: the probe's facts of each DOMAIN
# in FACTS must equal, byte for byte and sorted alike, the canonical fact
# lines the independent witness tests/integration/kvmraw printed in RAW. A
# DOMAIN must have facts on both sides, unless written DOMAIN? (a kernel may
# lack it). One check; a disagreement shows the differing lines
# (-probe +kvmraw).
kvmraw_compare() {
	local name=$1 facts=$2 raw=$3 d dom counts="" empty="" rc=0
	shift 3
	local want=$T_TMP/kvmraw-cmp.$BASHPID.probe got=$T_TMP/kvmraw-cmp.$BASHPID.raw
	: >"$want"
	: >"$got"
	for d in "$@"; do
		dom=${d%\?}
		awk -F'\t' -v d="$dom" '$1==d' "$facts" | LC_ALL=C sort >>"$want"
		awk -F'\t' -v d="$dom" '$1==d' "$raw" | LC_ALL=C sort >"$got.one"
		counts+="${counts:+, }$dom $(wc -l <"$got.one")"
		[[ $d == *\? || -s $got.one ]] || empty+=" $dom"
		cat "$got.one" >>"$got"
	done
	rm -f "$got.one"
	if [[ -n $empty ]]; then
		not_ok "$name: kvmraw printed no facts for$empty"
		rc=1
	elif cmp -s "$want" "$got"; then
		ok "$name: probe facts equal kvmraw's ioctl dump ($counts)"
	else
		diff -U0 --label probe --label kvmraw "$want" "$got" | grep -v '^@@' >"$got.diff"
		not_ok "$name: probe facts differ from kvmraw's ioctl dump in $(grep -c '^[-+][^-+]' "$got.diff") lines (-probe +kvmraw):"
		head -40 "$got.diff" | sed 's/^/    /'
		rm -f "$got.diff"
		rc=1
	fi
	rm -f "$want" "$got"
	return $rc
}

# LeakSanitizer cannot run under ptrace: in a sanitizer build, a run traced by
# strace keeps ASan and UBSan but leaves leak checking to the untraced runs.
strace() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" command strace "$@"
}

# skip REASON: this test cannot run here. In CI (CI=true, or MC_NO_SKIP=1 as
# .ci/run sets it) a skip is a failure: every test must run there. Checks
# that already failed are never thrown away by a later skip.
skip() {
	if [[ ${CI:-} == true || ${MC_NO_SKIP:-0} == 1 ]]; then
		not_ok "would skip, which CI does not allow: $*"
		finish
		exit 1
	fi
	if [[ $T_FAIL -gt 0 ]]; then
		not_ok "skipped after failed checks: $*"
		finish
		exit 1
	fi
	printf 'SKIP: %s\n' "$*"
	exit 77
}

# skip_rc_or_fail OUT RC WHAT: RC 77 (OUT its "SKIP: reason") is a skip
# where the harness allows one; anything else, or a skip in CI, a failure
skip_rc_or_fail() {
	if [[ $2 -eq 77 && ${CI:-} != true && ${MC_NO_SKIP:-0} != 1 ]]; then
		skip "${1#SKIP: }"
	fi
	not_ok "$3 failed (exit $2): $1"
	finish
	exit 1
}

finish() {
	printf '%d passed, %d failed (%d s)\n' "$T_PASS" "$T_FAIL" "$SECONDS"
	[[ $T_FAIL -eq 0 ]]
}

# ---- the README "Reliability" table ----
# fault_begin FAULT ... fault_end OUTCOME: one row of the table (tests/fault/
# table.sh renders it, `make reliability-check` compares it with README). The
# row passes when no check failed between the two calls. FAULT and OUTCOME are
# compared verbatim with README: no timings, pids or paths in them. Rows go to
# $MC_RELIABILITY_DIR/<script name>.tsv, emptied at the script's first row.
T_FAULT=
T_FAULT_FAILS=0
T_FAULT_FILE=
fault_begin() {
	T_FAULT=$1
	T_FAULT_FAILS=$T_FAIL
	printf '# fault: %s\n' "$T_FAULT"
}
fault_end() {
	local result=pass
	[[ -n $T_FAULT ]] || {
		not_ok "fault_end without fault_begin"
		return
	}
	[[ $T_FAIL -eq $T_FAULT_FAILS ]] || result=FAIL
	if [[ -n ${MC_RELIABILITY_DIR:-} ]]; then
		if [[ -z $T_FAULT_FILE ]]; then
			mkdir -p "$MC_RELIABILITY_DIR"
			T_FAULT_FILE=$MC_RELIABILITY_DIR/$(basename "$0" .sh).tsv
			: >"$T_FAULT_FILE"
		fi
		printf '%s\t%s\t%s\n' "$T_FAULT" "$1" "$result" >>"$T_FAULT_FILE"
	fi
	printf '# fault %s: %s -> %s\n' "$result" "$T_FAULT" "$1"
	T_FAULT=
}
