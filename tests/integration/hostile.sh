#!/usr/bin/env bash
# Hostile inputs and unlucky operators (issue 12): DOCTYPEs in every XML
# input, inventory paths that are symlinks or special files, crafted
# inventories with NULL or mistyped columns, concurrent first writers, output
# files that are special files, and the smaller cases. Every refusal is one
# line on stderr naming the input, with its own exit code (README "Exit
# status").
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
P=$MC_TESTDATA/fleet/profiles
mc() { "$MIGCHECK" "$@"; }
export MIGCHECK_HOOK_CONFIG=$T_TMP/hook.conf # never the machine's hook.conf
: >"$MIGCHECK_HOOK_CONFIG"

expect_exit 0 "import x86-max" mc import "$P/x86-max.facts" --host x86-a
expect_exit 0 "import x86-epyc" mc import "$P/x86-epyc.facts" --host x86-b
expect_exit 0 "export x86-max as XML" mc export x86-a --format xml
cp "$T_OUT" "$T_TMP/x86-a.xml"

# ---- XML: no DOCTYPE anywhere ----
fault_begin "a DOCTYPE (entity declarations, one 1 KiB entity referenced 3,000 times) in the hook's domain XML and in imported profile XML (file and stdin)"
ent=$(head -c 1024 /dev/zero | tr '\0' x)
refs=$(for _ in $(seq 3000); do printf '&big;'; done)
cat >"$T_TMP/dom-dtd.xml" <<XML
<!DOCTYPE domain [ <!ENTITY big "$ent"> ]>
<domain type='kvm'><name>$refs</name><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
XML
expect_exit 65 "hook: domain XML with a DOCTYPE" \
	mc hook --profile x86-a --missing-metadata allow g1 migrate begin - <"$T_TMP/dom-dtd.xml"
err_has "domain g1 (hook stdin): DOCTYPE not allowed"
sed "1a<!DOCTYPE profile [ <!ENTITY big \"$ent\"> ]>" "$T_TMP/x86-a.xml" |
	sed "s/name=\"x86-a\"/name=\"$refs\"/" >"$T_TMP/prof-dtd.xml"
expect_exit 65 "import: profile XML with a DOCTYPE" mc import "$T_TMP/prof-dtd.xml"
err_has "prof-dtd.xml: DOCTYPE not allowed"
sed '1a<!DOCTYPE profile>' "$T_TMP/x86-a.xml" >"$T_TMP/prof-dtd2.xml"
expect_exit 65 "import: an empty DOCTYPE" mc import "$T_TMP/prof-dtd2.xml"
err_has "prof-dtd2.xml: DOCTYPE not allowed"
expect_exit 65 "import: profile XML with a DOCTYPE from stdin" mc import - <"$T_TMP/prof-dtd2.xml"
err_has "DOCTYPE not allowed"
check "  nothing imported" test "$(mc hosts | grep -c '^x86-')" -eq 2
fault_end "exit 65, one line naming the input and saying DOCTYPE not allowed, before any entity is read; nothing imported"

# ---- the inventory path is never followed ----
fault_begin "inventory path (--db, \$MIGCHECK_DB) is a symlink to an existing empty file, a dangling symlink, a FIFO"
: >"$T_TMP/victim"
chmod 0604 "$T_TMP/victim"
ln -s "$T_TMP/victim" "$T_TMP/link.db"
expect_exit 65 "import into --db SYMLINK" mc --db "$T_TMP/link.db" import "$P/x86-max.facts" --host h
err_has "link.db: is a symbolic link"
MIGCHECK_DB=$T_TMP/link.db expect_exit 65 "hosts with MIGCHECK_DB=SYMLINK" mc hosts
err_has "link.db: is a symbolic link"
check "  target untouched (empty, 0604, no -wal/-shm)" test ! -s "$T_TMP/victim" -a \
	"$(stat -c %a "$T_TMP/victim")" = 604 -a ! -e "$T_TMP/victim-wal" -a ! -e "$T_TMP/victim-shm"
ln -s "$T_TMP/elsewhere/created.db" "$T_TMP/dangling.db"
expect_exit 65 "import into a dangling symlink" mc --db "$T_TMP/dangling.db" import "$P/x86-max.facts" --host h
err_has "dangling.db: is a symbolic link"
check "  its target was not created" test ! -e "$T_TMP/elsewhere"
mkfifo "$T_TMP/fifo.db"
expect_exit 65 "import into a FIFO" mc --db "$T_TMP/fifo.db" import "$P/x86-max.facts" --host h
err_has "fifo.db: not a regular file"
fault_end "exit 65, one line naming the path; nothing created, opened for writing or chmod-ed at either end"

finish
