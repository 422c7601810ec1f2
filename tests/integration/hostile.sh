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

# ---- hostile inventories: NULL or mistyped columns ----
# Each case rebuilds one table without its constraints (as a hand-made or
# hostile file may be) and puts a NULL or a value of the wrong type into one
# column of x86-a's rows; every verb that reads the inventory must exit 65
# with one line saying it is corrupt (or 0 when it never reads that column),
# never crash or print a GLib-CRITICAL. Where the checks are (db/inventory.c
# column_rules): a reader's open checks every profiles row and that the
# tables and columns exist; the host rows are checked as a verb reads them
# (hosts, report and gate read them all); every row of hosts, host_history
# and profile_canon is checked when a writer opens the file (import here),
# which must refuse each of those cases (a profile_canon value of the right
# type is checked against the profile's id as it is read, like fact rows
# and their values, not at open). A profile loads from its one-value
# form (profile_canon, checked as it is read) when it has one, so the cases
# of facts and profile_facts also delete those rows: the profiles then load
# from their fact rows, as in a file changed by hand, and those are checked
# as read. A lookup by the name the case took away (show x86-a when
# hosts.name is NULL) may find no such host (66).
fault_begin "inventory with a NULL or mistyped value in every column of every table (rebuilt without constraints by the sqlite3 CLI), read by hosts, show, plan, export, report, gate --fleet"
GOOD=$T_TMP/good.db
cp "$MIGCHECK_DB" "$GOOD"
for ext in -wal -shm; do [[ -f $MIGCHECK_DB$ext ]] && cp "$MIGCHECK_DB$ext" "$GOOD$ext"; done
sqlite3 "$GOOD" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
A_PID=$(sqlite3 "$GOOD" "SELECT pid FROM hosts WHERE name = 'x86-a'")
A_FID=$(sqlite3 "$GOOD" "SELECT min(fid) FROM profile_facts WHERE pid = $A_PID")
# table column value-kind WHERE
cases=(
	"hosts name null name='x86-a'" "hosts name blob name='x86-a'"
	"hosts pid null name='x86-a'" "hosts pid text name='x86-a'" "hosts pid dangling name='x86-a'"
	"hosts probed_at null name='x86-a'" "hosts probed_at blob name='x86-a'"
	"hosts source null name='x86-a'" "hosts uuid blob name='x86-a'"
	"profiles pid null pid=$A_PID" "profiles id null pid=$A_PID" "profiles id blob pid=$A_PID"
	"profiles id short pid=$A_PID" "profiles arch null pid=$A_PID" "profiles kernel blob pid=$A_PID"
	"profiles nfacts text pid=$A_PID" "profiles created null pid=$A_PID"
	"facts domain null fid=$A_FID" "facts key blob fid=$A_FID" "facts value null fid=$A_FID"
	"facts fid text fid=$A_FID"
	"profile_facts pid null pid=$A_PID" "profile_facts fid text pid=$A_PID"
	"profile_canon canon null pid=$A_PID" "profile_canon canon text pid=$A_PID"
	"profile_canon canon blob pid=$A_PID" "profile_canon pid text pid=$A_PID"
	"profile_canon pid dangling pid=$A_PID"
	"host_history name null name='x86-a'" "host_history pid text name='x86-a'"
	"host_history probed_at null name='x86-a'"
)
declare -A kind_sql=([null]=NULL [blob]="X'00ff'" [text]="'x'" [dangling]=424242 [short]="'abc'")
bad=0
for c in "${cases[@]}"; do
	read -r table col kind where <<<"$c"
	db=$T_TMP/hostile.db
	rm -f "$db" "$db-wal" "$db-shm"
	cp "$GOOD" "$db"
	cols=$(sqlite3 "$db" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('$table')")
	rows_only=
	[[ $table == facts || $table == profile_facts ]] && rows_only="DELETE FROM profile_canon;"
	if ! sqlite3 "$db" "PRAGMA foreign_keys = OFF; BEGIN; $rows_only
		CREATE TABLE mc_copy AS SELECT * FROM $table; DROP TABLE $table;
		CREATE TABLE $table ($cols); INSERT INTO $table SELECT * FROM mc_copy; DROP TABLE mc_copy;
		UPDATE $table SET $col = ${kind_sql[$kind]} WHERE $where; COMMIT;" 2>"$T_TMP/sqlerr"; then
		not_ok "craft $c: $(cat "$T_TMP/sqlerr")"
		continue
	fi
	runs=(
		"hosts" "show x86-a" "plan x86-a x86-b" "export x86-a" "export x86-b"
		"report --html $T_TMP/r.html" "gate --candidate $P/x86-max.facts --fleet $db"
		"import $P/x86-max.facts --host hostile-new"
	)
	n65=0
	for r in "${runs[@]}"; do
		# shellcheck disable=SC2086 # the verb line is split on purpose
		mc --db "$db" $r >/dev/null 2>"$T_TMP/e"
		rc=$?
		if [[ $r == import* && ($table == hosts || $table == host_history ||
			($table == profile_canon && $kind != blob)) && $rc != 65 ]]; then
			not_ok "$c: the writer's open did not refuse it ('$r' exit $rc)"
			bad=$((bad + 1))
		fi
		if [[ $rc == 66 && $table == hosts && $col == name && $r == *x86-a* ]] &&
			grep -q "no host or profile named 'x86-a'" "$T_TMP/e"; then
			continue
		fi
		if [[ $rc == 65 ]]; then
			n65=$((n65 + 1))
			if [[ $(wc -l <"$T_TMP/e") != 1 ]] || ! grep -q "hostile.db: inventory is corrupt" "$T_TMP/e"; then
				not_ok "$c: '$r' exit 65 without a one-line 'inventory is corrupt': $(head -c 300 "$T_TMP/e")"
				bad=$((bad + 1))
			fi
		elif [[ $rc != 0 && $rc != 1 && $rc != 2 ]] || grep -q CRITICAL "$T_TMP/e"; then
			not_ok "$c: '$r' exit $rc: $(head -c 300 "$T_TMP/e")"
			bad=$((bad + 1))
		fi
	done
	if [[ $n65 == 0 ]]; then
		not_ok "$c: no verb noticed the corruption"
		bad=$((bad + 1))
	fi
done
check "  ${#cases[@]} crafted inventories: exit 65 'inventory is corrupt' (one line) or success, no crash, no CRITICAL" test "$bad" -eq 0
fault_end "every verb exits 65 with one line naming the inventory and saying it is corrupt (or succeeds when it reads nothing wrong); no crash, no GLib-CRITICAL"

# ---- concurrent first writers ----
fault_begin "8 'migcheck import' started at once on a path where no inventory exists yet, 6 rounds"
profs=(x86-max x86-epyc x86-opteron x86-qemu64 arm-max arm-a57 arm-n1 x86-max)
failed=0
for round in 1 2 3 4 5 6; do
	db=$T_TMP/first-$round.db
	pids=()
	for i in 0 1 2 3 4 5 6 7; do
		mc --db "$db" import "$P/${profs[$i]}.facts" --host "h$i" >/dev/null 2>"$T_TMP/first-$round-$i.err" &
		pids+=($!)
	done
	for i in 0 1 2 3 4 5 6 7; do
		if ! wait "${pids[$i]}"; then
			failed=$((failed + 1))
			not_ok "round $round, writer $i: $(head -c 300 "$T_TMP/first-$round-$i.err")"
		fi
	done
	n=$(mc --db "$db" hosts 2>/dev/null | grep -c '^h[0-7] ')
	[[ $n == 8 ]] || not_ok "round $round: $n hosts of 8 stored"
	[[ $(sqlite3 "$db" "PRAGMA integrity_check") == ok ]] || not_ok "round $round: integrity_check"
done
check "  48 concurrent first writers: all exit 0, all 8 hosts stored each round" test "$failed" -eq 0
fault_end "all succeed (exit 0) and every host is stored: the schema is identified and created inside one BEGIN IMMEDIATE"

# ---- output files that are not regular files ----
fault_begin "report --html and vfio save -o given a FIFO, a character device (mknod c 1 3, like /dev/null), a symlink, a directory"
OUT=$T_TMP/outfiles
mkdir -p "$OUT"
mkfifo "$OUT/fifo"
timeout 60 cat "$OUT/fifo" >"$OUT/from-fifo" &
reader=$!
expect_exit 0 "report --html FIFO" timeout 60 "$MIGCHECK" report --html "$OUT/fifo"
wait "$reader"
check "  written straight into the FIFO (the reader got the page)" grep -q '</html>' "$OUT/from-fifo"
check "  the FIFO is still a FIFO" test -p "$OUT/fifo"
if [[ $(id -u) == 0 ]] && mknod "$OUT/null" c 1 3 2>/dev/null; then
	expect_exit 0 "report --html CHARDEV" mc report --html "$OUT/null"
	check "  the character device is still one" test -c "$OUT/null"
	expect_exit 66 "vfio save NODEV -o CHARDEV" mc vfio save 8e9b4d1c-0000-4000-8000-00000000abcd -o "$OUT/null"
	check "  the character device is still one" test -c "$OUT/null"
else
	echo "# not root: mknod skipped"
fi
printf 'keep me\n' >"$OUT/target.html"
ln -s "$OUT/target.html" "$OUT/link.html"
expect_exit 74 "report --html SYMLINK" mc report --html "$OUT/link.html"
err_has "link.html: is a symbolic link"
check "  the symlink and its target are untouched" test -L "$OUT/link.html" -a "$(cat "$OUT/target.html")" = "keep me"
expect_exit 74 "vfio save NODEV -o SYMLINK" mc vfio save 8e9b4d1c-0000-4000-8000-00000000abcd -o "$OUT/link.html"
err_has "link.html: is a symbolic link"
check "  the symlink and its target are untouched" test -L "$OUT/link.html" -a "$(cat "$OUT/target.html")" = "keep me"
mkdir "$OUT/dir.html"
expect_exit 74 "report --html DIRECTORY" mc report --html "$OUT/dir.html"
err_has "dir.html: not a regular file"
check "  no temporary files left" test -z "$(find "$OUT" -name '*.tmp*' -o -name '*.html.*')"
expect_exit 0 "report --html a regular file (replaced atomically, as before)" mc report --html "$OUT/target.html"
check "  the page replaced the file" grep -q '</html>' "$OUT/target.html"
fault_end "FIFO and character device written straight into and still what they were; a symlink or directory refused with exit 74 and one line; nothing replaced"

# ---- the installed hook drop-in ----
fault_begin "installed hook drop-in (hooks/qemu.d/migcheck) given domain XML with trailing newlines and CRLF, with NUL bytes, and a stdin that never ends"
HD=$T_TMP/hooks
mkdir -p "$HD"
# libvirt runs hooks with a short PATH (in the libvirt tests: its own bin
# directory and /usr/sbin); the drop-in must not depend on it
HOOKPATH=/usr/sbin
TEE=$(command -v tee)
# an existing hook: the installer must leave it alone (libvirt runs both)
printf '#!/bin/sh\nexit 0\n' >"$HD/qemu"
chmod +x "$HD/qemu"
cp "$HD/qemu" "$T_TMP/qemu.before"
# migcheck as the drop-in calls it: records the bytes it is given
cat >"$T_TMP/mc-shim" <<SHIM
#!/bin/sh
$TEE "$HD/migcheck.in" | exec "$MIGCHECK" "\$@"
SHIM
chmod +x "$T_TMP/mc-shim"
MIGCHECK_HOOK_OPTS="--config $MIGCHECK_HOOK_CONFIG --profile x86-a --timeout 2" \
	sh "$MC_SRCDIR/cmd/install/install-hook.sh" install "$HD" "$T_TMP/mc-shim" >/dev/null
check "  the existing hooks/qemu is untouched" cmp -s "$T_TMP/qemu.before" "$HD/qemu"
check "  nothing else beside it" test "$(cd "$HD" && echo *)" = "qemu qemu.d"
{
	printf "<domain type='kvm'><name>g1</name><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>\r\n"
	printf '<!-- trailing -->\n\n\n'
} >"$T_TMP/crlf.xml"
expect_exit 0 "drop-in: XML with CRLF and three trailing newlines" env PATH=$HOOKPATH "$HD/qemu.d/migcheck" g1 migrate begin - <"$T_TMP/crlf.xml"
check "  migcheck got the bytes unchanged" cmp -s "$T_TMP/crlf.xml" "$HD/migcheck.in"
check "  nothing on stdout (libvirt passes the XML on unchanged)" test ! -s "$T_OUT"
printf "<domain type='kvm'><name>g1</name>\0</domain>" >"$T_TMP/nul.xml"
expect_exit 65 "drop-in: XML with a NUL byte (refused by migcheck)" env PATH=$HOOKPATH "$HD/qemu.d/migcheck" g1 migrate begin - <"$T_TMP/nul.xml"
check "  migcheck got the NUL byte" cmp -s "$T_TMP/nul.xml" "$HD/migcheck.in"
rm -f "$HD/migcheck.in"
expect_exit 0 "drop-in: another operation returns without starting migcheck" env PATH=$HOOKPATH "$HD/qemu.d/migcheck" g1 started begin - </dev/null
check "  migcheck did not run" test ! -e "$HD/migcheck.in"
# (installed again with migcheck itself: the recording shim's tee would wait for the end)
HD2=$T_TMP/hooks2
MIGCHECK_HOOK_OPTS="--config $MIGCHECK_HOOK_CONFIG --profile x86-a --timeout 2" \
	sh "$MC_SRCDIR/cmd/install/install-hook.sh" install "$HD2" "$MIGCHECK" >/dev/null
mkfifo "$T_TMP/stall"
sleep 120 >"$T_TMP/stall" &
staller=$!
expect_exit 69 "drop-in: stdin that never ends (migcheck --timeout 2)" timeout 60 env PATH=$HOOKPATH "$HD2/qemu.d/migcheck" g1 migrate begin - <"$T_TMP/stall"
err_has "hook timed out"
kill "$staller" 2>/dev/null
wait "$staller" 2>/dev/null
expect_exit 0 "uninstall removes the drop-in" sh "$MC_SRCDIR/cmd/install/install-hook.sh" uninstall "$HD"
check "  and leaves hooks/qemu" cmp -s "$T_TMP/qemu.before" "$HD/qemu"
check "  no qemu.d/migcheck" test ! -e "$HD/qemu.d/migcheck"
# someone else's qemu.d/migcheck is not overwritten
mkdir -p "$T_TMP/hooks3/qemu.d"
printf '#!/bin/sh\n' >"$T_TMP/hooks3/qemu.d/migcheck"
expect_exit 73 "install over a foreign qemu.d/migcheck" sh "$MC_SRCDIR/cmd/install/install-hook.sh" install "$T_TMP/hooks3" "$MIGCHECK"
err_has "is not migcheck's; not overwriting it"
fault_end "stdin reaches migcheck byte for byte; the drop-in is bounded by migcheck's --timeout (exit 69, one line), never blocks on stdin, writes no stdout; hooks/qemu is left alone"

# ---- smaller ones ----
fault_begin "smaller cases: a CPU model the source cannot run (hook), control characters in a domain name, --db '' and --db without a value, a facts file with a UTF-8 BOM, garbage base64 in the metadata, a schema-2 inventory labelled version 1"
expect_exit 0 "import x86-qemu64" mc import "$P/x86-qemu64.facts" --host q64
printf "<domain type='kvm'><name>g1</name><os><type arch='x86_64' machine='q35'>hvm</type></os><cpu mode='custom'><model>Skylake-Server</model></cpu></domain>" >"$T_TMP/sky.xml"
expect_exit 65 "hook: a CPU model in the XML the source profile cannot apply is a data problem" \
	mc hook --profile q64 g1 migrate begin - <"$T_TMP/sky.xml"
err_has "g1: CPU model Skylake-Server needs CPU features"
evil=$(printf 'evil\nname\033[31m')
printf '<domain' >"$T_TMP/trunc.xml"
expect_exit 65 "hook: domain name with a newline and ESC, malformed XML" \
	mc hook --profile x86-a "$evil" migrate begin - <"$T_TMP/trunc.xml"
err_has 'domain evil\nname\x1b[31m (hook stdin): malformed XML'
printf "<domain type='kvm'><name>x</name><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>" >"$T_TMP/plain.xml"
expect_exit 2 "hook: the same name refused by policy deny" \
	mc hook --profile x86-a --missing-metadata deny "$evil" migrate begin - <"$T_TMP/plain.xml"
err_has 'evil\nname\x1b[31m carries no migcheck metadata'
check "  no raw ESC on stderr" test "$(tr -d '\033' <"$T_ERR" | wc -c)" = "$(wc -c <"$T_ERR")"
expect_exit 64 "--db ''" mc --db '' hosts
err_has "--db: empty path"
expect_exit 64 "--db without a value" mc --db
err_has "--db needs a PATH"
printf '\357\273\277' >"$T_TMP/bom.facts"
cat "$P/x86-epyc.facts" >>"$T_TMP/bom.facts"
expect_exit 0 "import a facts file with a UTF-8 BOM" mc import "$T_TMP/bom.facts" --host bom
check "  same profile as without the BOM" test "$(cat "$T_OUT")" = "$(mc import "$P/x86-epyc.facts" --host nobom)"
expect_exit 65 "hook: metadata whose embedded profile is not base64" \
	mc hook --profile x86-a mcguest migrate begin - <"$MC_TESTDATA/domxml/meta-garbage-base64.xml"
err_has "embedded profile: not base64"
cp "$GOOD" "$T_TMP/label.db"
sqlite3 "$T_TMP/label.db" "PRAGMA user_version = 1"
expect_exit 65 "a schema-2 inventory labelled version 1" mc --db "$T_TMP/label.db" hosts
err_has "inventory is corrupt: its tables do not match schema version 1"
fault_end "hook: exit 65 for a data problem; names escaped (\\n, \\x1b) in one-line messages; --db usage errors exit 64; the BOM is not part of the first fact; garbage base64 and a mislabelled schema exit 65"

# ---- fleet pull: an overall deadline, a probe time in the future ----
fault_begin "fleet pull from a store that accepts connections and never answers (--timeout 5, --retries 5, --deadline 2), and a host record probed 9999-12-31"
export MIGCHECK_CONF=$T_TMP/none.conf # never the machine's /etc/migcheck.conf
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' "$T_TMP/mute.port" &
mute=$!
for _ in $(seq 100); do [[ -s $T_TMP/mute.port ]] && break; sleep 0.1; done
expect_exit 69 "pull from a mute store" timeout 120 "$MIGCHECK" --db "$T_TMP/pull.db" fleet pull \
	"http://127.0.0.1:$(cat "$T_TMP/mute.port")/fleet" --timeout 5 --retries 5 --deadline 2
err_has "overall deadline of 2 s passed"
kill "$mute"
wait "$mute" 2>/dev/null
# a store served by fault-httpd.py, filled by push
mkdir -p "$T_TMP/store"
(python3 "$MC_SRCDIR/tests/integration/fault-httpd.py" "$T_TMP/store" "$T_TMP/store.port" "$T_TMP/store.log" 2>/dev/null) &
store=$!
for _ in $(seq 100); do [[ -s $T_TMP/store.port ]] && break; sleep 0.1; done
read -r sport spid <"$T_TMP/store.port"
SURL=http://127.0.0.1:$sport/fleet
expect_exit 0 "push x86-b" mc fleet push "$SURL" --host x86-b
# the local inventory probed x86-b today; the store claims 9999-12-31
cp "$MIGCHECK_DB" "$T_TMP/local.db"
sqlite3 "$T_TMP/local.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null 2>&1
before=$(mc --db "$T_TMP/local.db" hosts | grep '^x86-b ')
sed -i 's/probed="[^"]*"/probed="9999-12-31T00:00:00Z"/' "$T_TMP/store/fleet/hosts/x86-b.xml"
expect_exit 0 "pull a host record probed 9999-12-31" mc --db "$T_TMP/local.db" fleet pull "$SURL"
out_has "1 probed in the future (ignored)"
check "  the local entry is unchanged" test "$(mc --db "$T_TMP/local.db" hosts | grep '^x86-b ')" = "$before"
expect_exit 0 "the same pull into an empty inventory" mc --db "$T_TMP/fresh.db" fleet pull "$SURL"
check "  the future record is not imported" test -z "$(mc --db "$T_TMP/fresh.db" hosts 2>/dev/null | grep '^x86-b ')"
sed -i 's/probed="9999-12-31T00:00:00Z"/probed="2099-01-01T00:00:00Z"/' "$T_TMP/store/fleet/hosts/x86-b.xml"
expect_exit 0 "a later pull, the record probed 2099 (still future)" mc --db "$T_TMP/local.db" fleet pull "$SURL"
check "  the local entry is still unchanged" test "$(mc --db "$T_TMP/local.db" hosts | grep '^x86-b ')" = "$before"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sed -i "s/probed=\"2099-01-01T00:00:00Z\"/probed=\"$now\"/" "$T_TMP/store/fleet/hosts/x86-b.xml"
expect_exit 0 "an honest pull (the record probed now)" mc --db "$T_TMP/local.db" fleet pull "$SURL"
check "  the entry is taken" test "$(mc --db "$T_TMP/local.db" hosts | grep '^x86-b ' | grep -c "${now%Z}")" = 1
# a listing naming a record the store then does not serve (404)
ln -s nowhere "$T_TMP/store/fleet/hosts/ghost.xml"
expect_exit 65 "a host record listed in hosts/ but not served (404)" mc --db "$T_TMP/local.db" fleet pull "$SURL"
err_has "$SURL/hosts/ghost.xml: listed in hosts/ but not there (HTTP 404)"
rm -f "$T_TMP/store/fleet/hosts/ghost.xml"
kill "$spid" 2>/dev/null
wait "$store" 2>/dev/null
fault_end "the mute store: exit 69 once the --deadline passes, one line; the future entry: not imported, counted and reported, the local probe kept"

finish
