#!/usr/bin/env bash
# Command line: import/export/hosts/show/diff on fixture profiles, the
# round trips, and every bad input's exit code and one-line message.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
D=$MC_TESTDATA/cli
mc() { "$MIGCHECK" "$@"; }

expect_exit 0 "import old.facts" mc import "$D/old.facts" --host old-host
OLD_ID=$(cat "$T_OUT")
expect_exit 0 "import new.facts" mc import "$D/new.facts" --host new-host
NEW_ID=$(cat "$T_OUT")
check "profile ids are sha256 of the canonical form" \
	test "$OLD_ID" = "$(grep -v '^#' "$D/old.facts" | LC_ALL=C sort | sha256sum | cut -d' ' -f1)"
expect_exit 0 "same profile for another host" mc import "$D/old.facts" --host old-host-2
check "identical profiles stored once" test "$(cat "$T_OUT")" = "$OLD_ID"

expect_exit 0 "hosts" mc hosts
out_has "old-host-2"
out_has "${NEW_ID:0:12}"
check "hosts lists three hosts" test "$(($(wc -l <"$T_OUT") - 1))" -eq 3

expect_exit 0 "show by host" mc show new-host
out_has "fwreg     SMCCC_ARCH_WORKAROUND_1 = 0x1"
out_has "host      new-host"
expect_exit 0 "show by id prefix" mc show "${OLD_ID:0:8}"
out_has "host      old-host-2"
expect_exit 0 "show a file" mc show "$D/new.facts" --facts
out_has "kernel	cmdline.mitigations	off"

expect_exit 0 "export facts" mc export new-host
check "export facts is canonical" cmp -s "$T_OUT" <(grep -v '^#' "$D/new.facts" | LC_ALL=C sort)
expect_exit 0 "export xml" mc export new-host --format xml
cp "$T_OUT" "$T_TMP/new.xml"
check "exported XML validates against schemas/profile.rng" \
	xmllint --noout --relaxng "$MC_SRCDIR/schemas/profile.rng" "$T_TMP/new.xml"
out_has "<host name=\"new-host\""
out_has "id=\"$NEW_ID\""
MIGCHECK_DB=$T_TMP/other.db expect_exit 0 "import XML into another inventory (host from document)" \
	mc import "$T_TMP/new.xml"
check "XML round trip keeps the id" test "$(cat "$T_OUT")" = "$NEW_ID"
MIGCHECK_DB=$T_TMP/other.db expect_exit 0 "hosts of the other inventory" mc hosts
out_has "new-host"

expect_exit 1 "diff old new (different)" mc diff old-host new-host
out_has "+ arm64.fwreg    SMCCC_ARCH_WORKAROUND_1"
out_has "+ arm64.reg      0x6030000000140000"
out_has "~ kernel         release                      4.14.0-old -> 6.1.0-27-arm64"
out_has "differences: arm64.fwreg 2, arm64.reg 2, kernel 2, kvm.cap 1"
expect_exit 0 "diff identical" mc diff old-host old-host-2
out_has "identical"
expect_exit 1 "diff a file against a host, one domain" mc diff "$D/old.facts" new-host --domain arm64.fwreg
out_has "2 differences: arm64.fwreg 2"

# ---- bad input: one line, a distinct exit code, nothing lost ----
cp "$MIGCHECK_DB" "$T_TMP/before.db"
expect_exit 66 "unknown host" mc show no-such-host
err_has "no host or profile named 'no-such-host'"
expect_exit 66 "missing file" mc import /nonexistent/x.facts --host h
err_has "/nonexistent/x.facts: No such file or directory"
printf 'kernel\tarch\n' >"$T_TMP/bad.facts"
expect_exit 65 "malformed facts file" mc import "$T_TMP/bad.facts" --host h
err_has "bad.facts:1: expected DOMAIN<TAB>KEY<TAB>VALUE"
printf '<profile xmlns="urn:x-migcheck:profile:1"><fact domain="a"' >"$T_TMP/bad.xml"
expect_exit 65 "malformed XML" mc import "$T_TMP/bad.xml" --host h
err_has "bad.xml: malformed XML"
sed 's/value="0x1"/value="0x2"/' "$T_TMP/new.xml" >"$T_TMP/tampered.xml"
expect_exit 65 "profile whose id does not match its content" mc import "$T_TMP/tampered.xml"
err_has "does not match its content"
expect_exit 64 "import without host" mc import "$D/old.facts"
err_has "names no host"
expect_exit 64 "unknown verb" mc frobnicate
expect_exit 64 "unknown option" mc export new-host --format yaml
err_has "unknown format 'yaml'"
expect_exit 64 "diff needs two" mc diff old-host
check "refused commands left the inventory unchanged" \
	test "$(sqlite3 "$T_TMP/before.db" 'SELECT count(*) FROM hosts')" = \
	"$(sqlite3 "$MIGCHECK_DB" 'SELECT count(*) FROM hosts')"

printf 'not a database at all\n' >"$T_TMP/foreign.db"
cp "$T_TMP/foreign.db" "$T_TMP/foreign.orig"
MIGCHECK_DB=$T_TMP/foreign.db expect_exit 65 "foreign file as inventory" mc import "$D/old.facts" --host h
err_has "not a migcheck inventory"
check "foreign file untouched" cmp -s "$T_TMP/foreign.db" "$T_TMP/foreign.orig"
MIGCHECK_DB=$T_TMP/none.db expect_exit 66 "no inventory yet" mc hosts
err_has "no inventory"

# ---- plan ----
M=$MC_TESTDATA/matrix
expect_exit 0 "import psci.new" mc import "$M/psci.new" --host arm-new
expect_exit 0 "import psci.old" mc import "$M/psci.old" --host arm-old
expect_exit 0 "plan old -> new (ok)" mc plan arm-old arm-new
out_has "verdict: ok"
expect_exit 2 "plan new -> old (blocked)" mc plan arm-new arm-old
out_has "BLOCKED arm64.fwreg PSCI_VERSION: the destination kernel does not know"
out_has "remedy: migrate to a destination whose kernel has the register"
expect_exit 2 "plan new -> old pinned to PSCI 0.2 (still blocked)" mc plan arm-new arm-old --pin PSCI_VERSION=0.2
out_has "pins PSCI_VERSION=0.2"
expect_exit 2 "matrix" mc plan arm-new arm-old --matrix
out_has "compat = new pinned to PSCI_VERSION=0x2"
check "matrix rows read ok, ok, blocked, blocked, ok" test \
	"$(awk '/->/{print $1, $2}' "$T_OUT" | tr '\n' ' ')" = \
	"new->new ok old->new ok new->old blocked compat->old blocked old->compat ok "
expect_exit 2 "plan --format xml" mc plan arm-new arm-old --format xml
cp "$T_OUT" "$T_TMP/plan.xml"
check "plan XML validates against schemas/plan.rng" \
	xmllint --noout --relaxng "$MC_SRCDIR/schemas/plan.rng" "$T_TMP/plan.xml"
expect_exit 2 "matrix --format xml" mc plan arm-new arm-old --matrix --format xml
cp "$T_OUT" "$T_TMP/matrix.xml"
check "matrix XML validates against schemas/plan.rng" \
	xmllint --noout --relaxng "$MC_SRCDIR/schemas/plan.rng" "$T_TMP/matrix.xml"
expect_exit 2 "plan --format junit" mc plan arm-new arm-old --format junit
out_has '<testcase classname="migcheck.arm64.fwreg" name="arm64.fwreg">'
out_has '<failure type="blocked"'
expect_exit 0 "plan two files" mc plan "$M/psci.old" "$M/psci.new"
expect_exit 66 "plan: unknown host" mc plan arm-new no-such-host
err_has "no host or profile named 'no-such-host'"
expect_exit 64 "plan: malformed pin" mc plan arm-new arm-old --pin PSCI_VERSION
err_has "malformed pin 'PSCI_VERSION': expected NAME=VALUE"
expect_exit 64 "plan: unknown pin" mc plan arm-new arm-old --pin FOO=1
err_has "malformed pin 'FOO=1': unknown name"
for p in CPU_DISABLE CPU_ENABLE; do # feature lists: checked against the CPU map
	expect_exit 64 "plan: $p naming a feature the CPU map lacks" \
		mc plan arm-new arm-old --pin "$p=warp-drive"
	err_has "malformed pin '$p=warp-drive': unknown CPU feature 'warp-drive'"
	check "  the CPU map was loaded to check it" bash -c "! grep -q 'unavailable' '$T_ERR'"
done
expect_exit 64 "plan: bad PSCI version" mc plan arm-new arm-old --pin PSCI_VERSION=3.0
err_has "PSCI version must be 0.2, 1.0, 1.1, 1.2 or 1.3"
expect_exit 64 "plan: pin the source cannot apply" mc plan arm-old arm-new --pin PSCI_VERSION=0.2
err_has "the source kernel has no such firmware register"
printf 'kernel\tarch\tx86_64\n' >"$T_TMP/x86.facts"
expect_exit 65 "plan: arm64 -> x86" mc plan arm-new "$T_TMP/x86.facts"
err_has "source is aarch64, destination is x86_64"
expect_exit 64 "plan: unknown format" mc plan arm-new arm-old --format yaml

# ---- store URLs: parsed by curl's URL API; a password is refused, user
# information never printed (issue 16) ----
expect_exit 64 "a password behind a second @ in the URL" \
	mc fleet pull 'http://a@b:secret@127.0.0.1:9/store'
check "  the password is not printed" bash -c "! grep -q secret '$T_ERR' '$T_OUT'"
check "  nor the user information" bash -c "! grep -q 'a@b' '$T_ERR' '$T_OUT'"
err_has "not a valid URL"
expect_exit 64 "a password in the URL" mc fleet pull 'http://us%40er:pa55@127.0.0.1:9/store'
err_has "http://***@127.0.0.1:9/store: a password in the URL is refused"
check "  the password is not printed" bash -c "! grep -q pa55 '$T_ERR'"
expect_exit 64 "an empty password in the URL" mc fleet pull 'http://user:@127.0.0.1:9/store'
err_has "a password in the URL is refused"
expect_exit 69 "user information alone: accepted, not printed" \
	mc fleet pull 'http://someone@127.0.0.1:9/store' --retries 0
err_has "http://***@127.0.0.1:9/store/hosts/: PROPFIND failed"
check "  the user is not printed" bash -c "! grep -q someone '$T_ERR'"

# ---- small warts (issue 16): each message one line, exit 64 ----
expect_exit 64 "mistyped verb: did you mean" mc plna arm-old arm-new
err_has "unknown verb 'plna' (did you mean 'plan'?"
expect_exit 64 "unknown verb far from every verb: no suggestion" mc frobnicate
err_has "unknown verb 'frobnicate'"
check "  no suggestion" bash -c "! grep -q 'did you mean' '$T_ERR'"
expect_exit 64 "--db after the verb" mc hosts --db "$MIGCHECK_DB"
err_has "--db goes before the verb (migcheck --db PATH hosts ...)"
expect_exit 64 "--db= after the verb" mc show --db="$MIGCHECK_DB" new-host
err_has "--db goes before the verb"
expect_exit 64 "bad option: one line naming it" mc plan --bogus arm-old arm-new
err_has "unknown option '--bogus'"
expect_exit 64 "option without its value: one line naming it" mc plan arm-old arm-new --format
err_has "option '--format' needs a value"
expect_exit 64 "option with a value it does not take" mc plan arm-old arm-new --matrix=yes
err_has "option '--matrix' takes no value"
expect_exit 64 "unknown short option" mc plan -x arm-old arm-new
err_has "unknown option '-x'"
expect_exit 64 "short option without its value" mc migrate guest -c
err_has "option '-c' needs a value"
expect_exit 64 "bad global option: one line" mc --bogus hosts
err_has "unknown option '--bogus'"
expect_exit 69 "one attempt: singular" mc fleet pull http://127.0.0.1:1/store --retries 0
err_has "failed after 1 attempt: "
long=host-with-a-rather-long-name-from-an-asset-database.rack-17.example.org
expect_exit 0 "import a host with a long name" mc import "$D/old.facts" --host "$long"
expect_exit 0 "hosts with a long host name" mc hosts
check "  every row's profile column starts where the header's does" bash -c \
	"awk 'NR == 1 { c = index(\$0, \"PROFILE\") } NR > 1 && substr(\$0, c, 12) !~ /^[0-9a-f][0-9a-f]*\$/ { bad = 1 } END { exit bad }' '$T_OUT'"
out_has "$long"
color_run() { script -qec "$*" /dev/null </dev/null; }
expect_exit 2 "colour on a terminal" color_run env TERM=xterm "$MIGCHECK" plan arm-new arm-old
check "  has colour escapes" grep -q $'\033\\[' "$T_OUT"
expect_exit 2 "TERM=dumb: no colour" color_run env TERM=dumb "$MIGCHECK" plan arm-new arm-old
check "  has no escapes" bash -c "! grep -q $'\033' '$T_OUT'"
expect_exit 2 "NO_COLOR: no colour" color_run env TERM=xterm NO_COLOR=1 "$MIGCHECK" plan arm-new arm-old
check "  has no escapes" bash -c "! grep -q $'\033' '$T_OUT'"
MIGCHECK_CPU_MAP=$T_TMP/no-cpu-map expect_exit 69 "missing libvirt CPU map: not a malformed pin" \
	mc plan arm-new arm-old --pin CPU=Haswell
err_has "libvirt CPU map is missing: cannot read $T_TMP/no-cpu-map/index.xml"
check "  not called a malformed pin" bash -c "! grep -q 'malformed' '$T_ERR'"

# ---- targets, baseline, --pins-from: bad input is one line, its own exit ----
expect_exit 66 "targets: unknown host" mc targets no-such-host
err_has "no-such-host"
expect_exit 66 "baseline: unknown host" mc baseline arm-new no-such-host
err_has "no-such-host"
expect_exit 66 "targets: empty inventory" mc --db "$T_TMP/empty.db" targets "$MC_TESTDATA/cli/new.facts"
err_has "no inventory"
mc --db "$T_TMP/emptied.db" import "$MC_TESTDATA/cli/old.facts" --host gone >/dev/null
sqlite3 "$T_TMP/emptied.db" "DELETE FROM host_history; DELETE FROM hosts;" 2>/dev/null ||
	python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM host_history"); c.execute("DELETE FROM hosts"); c.commit()' "$T_TMP/emptied.db"
expect_exit 66 "targets: an inventory without hosts" \
	mc --db "$T_TMP/emptied.db" targets "$MC_TESTDATA/cli/new.facts"
err_has "inventory $T_TMP/emptied.db has no hosts"
expect_exit 66 "baseline --fleet: an inventory without hosts" mc --db "$T_TMP/emptied.db" baseline --fleet
err_has "inventory $T_TMP/emptied.db has no hosts"
expect_exit 66 "baseline --arch with no host of it" mc baseline arm-new arm-old --arch x86_64
err_has "baseline: no hosts of x86_64"
expect_exit 64 "baseline: HOST and --fleet together" mc baseline arm-new --fleet
err_has "exclude each other"
expect_exit 64 "baseline: nothing to do" mc baseline
err_has "expected HOST... or --fleet"
printf 'PSCI_VERSION=0.2\n# a comment\n\nPSCI_VERSION=9.9\n' >"$T_TMP/bad.pins"
for v in "plan arm-new arm-old" "targets arm-new" "gate --candidate arm-new"; do
	# shellcheck disable=SC2086 # the verb and its arguments
	expect_exit 65 "${v%% *} --pins-from a malformed pins file" mc $v --pins-from "$T_TMP/bad.pins"
	err_has "pins file $T_TMP/bad.pins line 4: malformed pin 'PSCI_VERSION=9.9'"
	# shellcheck disable=SC2086
	expect_exit 66 "${v%% *} --pins-from a missing file" mc $v --pins-from "$T_TMP/none.pins"
	err_has "pins file $T_TMP/none.pins:"
done
printf 'NOSUCH=1\n' >"$T_TMP/unknown.pins"
expect_exit 65 "a pins file with an unknown pin" mc plan arm-new arm-old --pins-from "$T_TMP/unknown.pins"
err_has "pins file $T_TMP/unknown.pins line 1: malformed pin 'NOSUCH=1': unknown name"
printf 'PSCI_VERSION=0.2\n' >"$T_TMP/ok.pins"
expect_exit 2 "plan --pins-from a good file applies it" mc plan arm-new arm-old --pins-from "$T_TMP/ok.pins"
out_has "pins PSCI_VERSION=0.2"

# ---- --help for every verb ----
for v in plan probe import export hosts show diff targets baseline; do
	expect_exit 0 "$v --help" mc "$v" --help
	out_has "Usage: migcheck"
	out_has "Exit status"
done
expect_exit 0 "help export" mc help export
out_has "--format facts|xml"
finish
