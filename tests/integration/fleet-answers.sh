#!/usr/bin/env bash
# `migcheck targets` and `migcheck baseline` on the cases of
# tests/data/targets and tests/data/baseline (real emulated-host profiles;
# see their READMEs): each output must equal NAME.expect, and the exit
# status must be the one the output implies. MC_UPDATE_EXPECT=1 rewrites
# the expectations (review the diff; tests/integration/data-check.py
# targets|baseline checks them against single `migcheck plan` runs).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
command -v python3 >/dev/null || skip "python3 is not installed"
# Labels name files as given: run from tests/data with relative paths.
cd "$MC_TESTDATA" || exit 99
export MIGCHECK_CPU_MAP=$MC_TESTDATA/cpu_map
mc() { "$MIGCHECK" "$@"; }

# expected_or_update CASEFILE GOT: compare, or rewrite under MC_UPDATE_EXPECT=1.
expected_or_update() {
	if [[ ${MC_UPDATE_EXPECT:-0} == 1 ]]; then
		cp "$2" "$1"
		ok "$1 rewritten"
	elif cmp -s "$1" "$2"; then
		ok "$1: output as expected"
	else
		not_ok "$1: output differs (-expected +got):"
		diff -u "$1" "$2" | head -40 | sed 's/^/    /'
	fi
}

# ---- baseline: NAME.args (profile files), NAME.expect (the pins file) ----
for args in baseline/*.args; do
	name=${args%.args}
	mapfile -t files <"$args"
	mc baseline "${files[@]}" >"$T_TMP/got" 2>"$T_ERR"
	rc=$?
	want=0
	grep -q '^# action ' "$T_TMP/got" && want=1
	grep -q '^# cannot join: ' "$T_TMP/got" && want=2
	check "$name: exit $rc is the status its output implies ($want)" test "$rc" -eq "$want"
	expected_or_update "$name.expect" "$T_TMP/got"
done

# ---- targets: NAME.fleet ("HOST FILE"), NAME.src, NAME.pins-from ----
# NAME.expect: "status N", then one "LEVEL HOST PROFILE12 actions=N
# blocked=M" line per destination, best first (from --format json).
for fleet in targets/*.fleet; do
	name=${fleet%.fleet}
	db=$T_TMP/${name##*/}.db
	while read -r host file; do
		mc --db "$db" import "$file" --host "$host" >/dev/null || not_ok "$name: import $file"
	done <"$fleet"
	pins=()
	[[ -f $name.pins-from ]] && pins=(--pins-from "$(cat "$name.pins-from")")
	mc --db "$db" targets "$(cat "$name.src")" "${pins[@]}" --format json >"$T_TMP/t.json"
	rc=$?
	python3 - "$T_TMP/t.json" "$rc" >"$T_TMP/got" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("status", sys.argv[2])
for x in d["destinations"]:
    print(x["level"], x["host"], x["profile"][:12], f"actions={x['actions']}", f"blocked={x['blocked']}")
PY
	check "$name: exit status $rc equals the document's status" \
		python3 -c "import json,sys; sys.exit(json.load(open('$T_TMP/t.json'))['status'] != $rc)"
	expected_or_update "$name.expect" "$T_TMP/got"
	# --hosts-only: the ok and action hosts of the same order
	mc --db "$db" targets "$(cat "$name.src")" "${pins[@]}" --hosts-only >"$T_TMP/names"
	check "$name: --hosts-only lists the ok and action destinations in order" \
		cmp -s "$T_TMP/names" <(awk '$1=="ok"||$1=="action"{print $2}' "$name.expect")
done

# ---- migration classes: a72-61 and a72-61-8cpu differ only in
# KVM_CAP_NR_VCPUS (targets/profiles/README): one class, planned once ----
db=$T_TMP/mixed-61-612.db
mc --db "$db" targets a72-612 --format json >"$T_TMP/t.json"
check "targets: 8 destination hosts, 6 profiles planned as 5 classes" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
profiles = {x["profile"] for x in d["destinations"] if x["not_planned"] is None}
sys.exit(not (len(d["destinations"]) == 8 and len(profiles) == 6 and d["plans"] == 5))' "$T_TMP/t.json"
check "baseline: the two profiles are one class" grep -q "^# joined: plan/real61-a57-to-a72.dst, targets/profiles/a72-61-8cpu.facts (profile 84911d4aeab6, a class of 2 profiles)$" baseline/one-class.expect

# ---- the baseline's pins are read back by plan, targets and gate ----
expect_exit 0 "plan --pins-from a baseline output" \
	mc plan fleet/profiles/x86-opteron.facts fleet/profiles/x86-qemu64.facts \
	--pins-from baseline/x86-pair.expect
expect_exit 2 "  the same pair without the pins is blocked" \
	mc plan fleet/profiles/x86-opteron.facts fleet/profiles/x86-qemu64.facts
expect_exit 0 "gate --pins-from a baseline output" \
	mc --db "$T_TMP/x86-pinned.db" gate --candidate fleet/profiles/x86-qemu64.facts \
	--base qemu64 --pins-from baseline/x86-pair.expect
finish
