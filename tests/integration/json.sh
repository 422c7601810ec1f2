#!/usr/bin/env bash
# --format json for plan (and --matrix), gate, hosts, show and diff: every
# output validates against its schema under schemas/ (python3-jsonschema, an
# independent validator), carries the same content as the XML, JUnit or text
# output of the same run (tests/integration/json-check.py), keeps the exit
# status of the text output, and the fixed cases match tests/data/json/*.json
# byte for byte. A broken document must fail both checks.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
J=$MC_TESTDATA/json
S=$MC_SRCDIR/schemas
CHECK=$MC_SRCDIR/tests/integration/json-check.py
mc() { "$MIGCHECK" "$@"; }
# The validator lists every error, one a line: stderr has TEXT somewhere.
err_says() { check "  stderr says: $1" grep -qF -- "$1" "$T_ERR"; }
python3 -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed"
# Labels name files as given: run from tests/data with relative paths, as
# the expected outputs were produced (tests/data/json/README).
cd "$MC_TESTDATA" || exit 99

# json CASE KIND STATUS ARGS...: run `migcheck ARGS... --format json`,
# expect STATUS, keep the output as $T_TMP/CASE.json, validate it against
# schemas/KIND.schema.json and compare it with tests/data/json/CASE.json
# (unless NOEXP=1: outputs with time stamps).
json() {
	local case=$1 kind=$2 status=$3
	shift 3
	expect_exit "$status" "$case: $* --format json" mc "$@" --format json
	cp "$T_OUT" "$T_TMP/$case.json"
	check "$case: validates against $kind.schema.json" \
		python3 "$CHECK" validate "$S/$kind.schema.json" "$T_TMP/$case.json"
	if [[ ${NOEXP:-0} != 1 ]]; then
		check "$case: equals json/$case.json" cmp -s "$J/$case.json" "$T_TMP/$case.json"
	fi
}

# ---- plan and matrix, against the XML of the same plan ----
for c in "plan-psci-blocked matrix/psci.new matrix/psci.old 2" \
	"plan-psci-ok matrix/psci.old matrix/psci.new 0" \
	"plan-a57-pinned matrix/max-a57.new matrix/max-a57.old 2 --pin=PSCI_VERSION=0.2"; do
	read -r name src dst status pin <<<"$c"
	json "$name" plan "$status" plan "$src" "$dst" ${pin:+"$pin"}
	expect_exit "$status" "$name: XML" mc plan "$src" "$dst" ${pin:+"$pin"} --format xml
	cp "$T_OUT" "$T_TMP/$name.xml"
	check "$name: same content as the XML" \
		python3 "$CHECK" plan-xml "$T_TMP/$name.json" "$T_TMP/$name.xml"
done
json matrix-psci matrix 2 plan matrix/psci.new matrix/psci.old --matrix
expect_exit 2 "matrix-psci: XML" mc plan matrix/psci.new matrix/psci.old --matrix --format xml
cp "$T_OUT" "$T_TMP/matrix-psci.xml"
check "matrix-psci: same content as the XML" \
	python3 "$CHECK" plan-xml "$T_TMP/matrix-psci.json" "$T_TMP/matrix-psci.xml"

# ---- a broken document fails both checks ----
sed 's/"level" : "blocked"/"level" : "fatal"/' "$T_TMP/plan-psci-blocked.json" >"$T_TMP/bad-level.json"
expect_exit 1 "broken plan (unknown level) fails the schema" \
	python3 "$CHECK" validate "$S/plan.schema.json" "$T_TMP/bad-level.json"
err_says "'fatal' is not one of"
sed 's/"reason" :/"why" :/' "$T_TMP/plan-psci-ok.json" >"$T_TMP/bad-reason.json"
expect_exit 1 "broken plan (a verdict without reason) fails the schema" \
	python3 "$CHECK" validate "$S/plan.schema.json" "$T_TMP/bad-reason.json"
err_says "'reason' is a required property"
sed 's/"ok" : 5/"ok" : 4/' "$T_TMP/plan-psci-blocked.json" >"$T_TMP/bad-count.json"
check "a wrong count still validates" \
	python3 "$CHECK" validate "$S/plan.schema.json" "$T_TMP/bad-count.json"
expect_exit 1 "but differs from the XML" \
	python3 "$CHECK" plan-xml "$T_TMP/bad-count.json" "$T_TMP/plan-psci-blocked.xml"

# ---- diff, show: files, so the outputs are fixed ----
json diff-psci diff 1 diff matrix/psci.new matrix/psci.old
expect_exit 1 "diff-psci: text" mc diff matrix/psci.new matrix/psci.old
check "diff-psci: same differences as the text" \
	python3 "$CHECK" diff-text "$T_TMP/diff-psci.json" "$T_OUT"
json diff-identical diff 0 diff matrix/psci.old matrix/psci.old
json diff-domain diff 1 diff matrix/psci.new matrix/psci.old --domain kernel
expect_exit 1 "diff-domain: text" mc diff matrix/psci.new matrix/psci.old --domain kernel
check "diff-domain: same differences as the text" \
	python3 "$CHECK" diff-text "$T_TMP/diff-domain.json" "$T_OUT"
json show-psci-new show 0 show matrix/psci.new
json show-facts show 0 show cli/new.facts --facts
check "show --facts: every fact of the file" test \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["facts"]))' \
		"$T_TMP/show-facts.json")" = "$(grep -cv '^#' cli/new.facts)"

# ---- inventory: hosts, show of a host (time stamps: no expected file), gate ----
for h in old-1 old-2 old-3; do
	expect_exit 0 "import $h" mc import gate/profiles/psci-old.facts --host "$h"
done
NOEXP=1 json hosts hosts 0 hosts
expect_exit 0 "hosts: text" mc hosts
check "hosts: same rows as the text" python3 "$CHECK" hosts-text "$T_TMP/hosts.json" "$T_OUT"
NOEXP=1 json show-host show 0 show old-2
check "show of a host lists its three hosts" test \
	"$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["hosts"]))' \
		"$T_TMP/show-host.json")" = 3
json gate-psci-rollout gate 2 gate --candidate gate/profiles/psci-new.facts
expect_exit 2 "gate: JUnit" mc gate --candidate gate/profiles/psci-new.facts --format junit
cp "$T_OUT" "$T_TMP/gate.xml"
check "gate: same pairs and regressions as the JUnit" \
	python3 "$CHECK" gate-junit "$T_TMP/gate-psci-rollout.json" "$T_TMP/gate.xml"
json gate-equal gate 0 gate --candidate gate/profiles/psci-old.facts

# ---- targets, baseline (own inventory: the gate's above stays as it is) ----
TDB=$T_TMP/targets.db
for h in "old gate/profiles/psci-old.facts" "old-mitoff gate/profiles/psci-old-mitoff.facts" \
	"new gate/profiles/psci-new.facts" "newer gate/profiles/psci-newer.facts"; do
	expect_exit 0 "import ${h%% *} (targets)" mc --db "$TDB" import "${h#* }" --host "${h%% *}"
done
json targets-psci targets 0 --db "$TDB" targets old
expect_exit 0 "targets-psci: --hosts-only" mc --db "$TDB" targets old --hosts-only
check "targets-psci: ok and action hosts as --hosts-only lists them" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
want = [x["host"] for x in d["destinations"] if x["level"] != "blocked"]
sys.exit(want != open(sys.argv[2]).read().split())' "$T_TMP/targets-psci.json" "$T_OUT"
json targets-other-arch targets 2 --db "$TDB" targets fleet/profiles/x86-max.facts
json baseline-psci baseline 0 baseline plan/psci-11-to-10.src plan/psci-11-to-10.dst
json baseline-fleet baseline 2 --db "$TDB" baseline --fleet
expect_exit 2 "baseline-fleet: text" mc --db "$TDB" baseline --fleet
check "baseline-fleet: the same pins and hosts as the text" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
pins = ",".join(l for l in text.splitlines() if l and not l.startswith("#"))
out = sorted(m for m in re.findall(r"^# cannot join: (.*?) \(profile", text, re.M))
sys.exit(pins != d["pins"] or out != sorted(p["hosts"] for p in d["profiles"] if not p["joined"]))' \
	"$T_TMP/baseline-fleet.json" "$T_OUT"
sed 's/"joined" : true/"joined" : "yes"/' "$T_TMP/baseline-fleet.json" >"$T_TMP/bad-baseline.json"
expect_exit 1 "broken baseline (joined not a boolean) fails the schema" \
	python3 "$CHECK" validate "$S/baseline.schema.json" "$T_TMP/bad-baseline.json"
err_says "'yes' is not of type 'boolean'"

# ---- usage ----
for v in "plan matrix/psci.new matrix/psci.old" "gate --candidate old-1" hosts \
	"show old-1" "diff old-1 old-2" "targets old-1" "baseline old-1"; do
	# shellcheck disable=SC2086 # the verb and its arguments
	expect_exit 64 "$v --format yaml: usage" mc $v --format yaml
	err_has "unknown format 'yaml'"
	# shellcheck disable=SC2086
	expect_exit 0 "${v%% *} --help offers json" mc ${v%% *} --help
	out_has "--format text|"
	out_has "|json]"
done
finish
