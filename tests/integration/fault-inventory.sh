#!/usr/bin/env bash
# Fault injection on the sqlite inventory (issue #7): a full disk (a small
# tmpfs, and ENOSPC injected by strace), a read-only inventory (read-only
# mount; an unprivileged group reader), another writer holding the lock, and
# kill -9 at every write/sync call of an import. After each fault the command
# fails with its documented exit code and a one-line error naming the file,
# and the previous inventory is intact: `PRAGMA integrity_check` says ok and
# `migcheck hosts` / `export` print exactly what they printed before.
# Needs root (mount, setpriv), strace and the sqlite3 shell.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
[[ $(id -u) -eq 0 ]] || skip "needs root (tmpfs mounts, setpriv)"
for tool in sqlite3 strace setpriv mount umount mountpoint; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
PROFILES=$MC_TESTDATA/fleet/profiles
MNT=$T_TMP/mnt
HOLDER=
cleanup() {
	if [[ -n $HOLDER ]]; then
		kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	mountpoint -q "$MNT" && umount "$MNT"
	rm -rf "$T_TMP"
}
trap cleanup EXIT
mkdir -p "$MNT"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$MNT" 2>/dev/null || skip "cannot mount a tmpfs here"
umount "$MNT"

# A big profile (about 680 KB of facts): the fleet's largest real profile
# plus 3000 long synthetic facts.
BIG=$T_TMP/big.facts
{
	cat "$PROFILES/x86-epyc.facts"
	for i in $(seq 3000); do printf 'x86.msr\t0x7f%06x\t%0200d\n' "$i" "$i"; done
} >"$BIG"

mc() { "$MIGCHECK" --db "$DB" "$@"; }
# The inventory every scenario starts from: three hosts.
BASE_HOSTS=(arm-a57-1 arm-n1-1 x86-epyc-1)
make_base() { # DB
	"$MIGCHECK" --db "$1" import "$PROFILES/arm-a57.facts" --host arm-a57-1 >/dev/null &&
		"$MIGCHECK" --db "$1" import "$PROFILES/arm-n1.facts" --host arm-n1-1 >/dev/null &&
		"$MIGCHECK" --db "$1" import "$PROFILES/x86-epyc.facts" --host x86-epyc-1 >/dev/null
}
# What a user sees of the inventory: the host list, every host's facts, a
# plan. Run through "${VIEW_AS[@]}" (another user).
VIEW_AS=()
view() { # DB
	local h
	"${VIEW_AS[@]}" "$MIGCHECK" --db "$1" hosts || return
	for h in "${BASE_HOSTS[@]}"; do "${VIEW_AS[@]}" "$MIGCHECK" --db "$1" export "$h" || return; done
	"${VIEW_AS[@]}" "$MIGCHECK" --db "$1" export arm-n1-1 --format xml || return
	"${VIEW_AS[@]}" "$MIGCHECK" --db "$1" plan arm-a57-1 arm-n1-1
	[[ $? -le 2 ]]
}
# integrity_check, through an immutable URI on a read-only file system.
integrity() { # DB [ro]
	local src=$1
	[[ ${2:-} == ro ]] && src="file:$1?immutable=1"
	[[ $(sqlite3 "$src" 'PRAGMA integrity_check' 2>&1) == ok ]]
}
# intact DB WANT_VIEW_FILE [ro]: integrity ok and the same view as before.
intact() {
	check "  integrity_check ok" integrity "$1" "${3:-}"
	view "$1" >"$T_TMP/view.now" 2>&1
	check "  hosts, export and plan print exactly what they printed before" \
		cmp -s "$2" "$T_TMP/view.now"
}

REF=$T_TMP/ref.db
make_base "$REF" || not_ok "build the reference inventory"
view "$REF" >"$T_TMP/view.base" || not_ok "view of the reference inventory"
check "reference inventory has the three hosts" test "$("$MIGCHECK" --db "$REF" hosts | grep -c -- '-1 ')" -eq 3

# ---- 1. disk full ----
echo "# at ${SECONDS}s"
fault_begin "disk full (512 KiB tmpfs) during \`migcheck import\` of a 680 KB profile, and during \`migcheck probe\` on a full disk"
mount -t tmpfs -o size=512k,mode=0755 tmpfs "$MNT"
DB=$MNT/inventory.db
make_base "$DB" || not_ok "build the inventory on the tmpfs"
view "$DB" >"$T_TMP/view.before"
expect_exit 74 "import a 680 KB profile onto a 512 KiB file system" mc import "$BIG" --host big-1
err_has "$DB: disk full ("
intact "$DB" "$T_TMP/view.before"
head -c 10M /dev/zero >"$MNT/filler" 2>/dev/null # fills the file system
expect_exit 74 "probe with no space left" mc probe --host probed-1
err_has "$DB: disk full ("
intact "$DB" "$T_TMP/view.before"
rm -f "$MNT/filler"
expect_exit 0 "after the fault, a small import fits (no space lost to the failed writes)" \
	mc import "$PROFILES/arm-max.facts" --host arm-max-1
umount "$MNT"
fault_end "exit 74, one-line 'disk full' error naming the inventory; previous inventory intact (integrity_check ok, same hosts, facts and plan); later imports work"

# ---- 1b. ENOSPC injected at every write of the WAL and the database ----
echo "# at ${SECONDS}s"
fault_begin "ENOSPC injected (strace) into every single pwrite64 of \`migcheck import\`"
DB=$T_TMP/enospc.db
ENOSPC_P=$PROFILES/arm-max.facts
rm -f "$DB-wal" "$DB-shm"
cp "$REF" "$DB"
nw=$(strace -f -c -o "$T_TMP/count" -e trace=pwrite64 "$MIGCHECK" --db "$DB" import \
	"$ENOSPC_P" --host new-1 >/dev/null && awk '$NF == "pwrite64" { print $4 }' "$T_TMP/count")
echo "# one import: ${nw:-?} pwrite64 calls"
check "  counted the import's pwrite64 calls" test "${nw:-0}" -gt 10
bad=0 failed=0
for n in $(seq "${nw:-0}"); do
	cp "$REF" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	strace -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:error=ENOSPC:when="$n" \
		"$MIGCHECK" --db "$DB" import "$ENOSPC_P" --host new-1 >"$T_OUT" 2>"$T_ERR"
	rc=$?
	state=$(sqlite3 "$DB" 'PRAGMA integrity_check; SELECT count(*) FROM hosts')
	if [[ $rc -eq 74 && $(wc -l <"$T_ERR") -eq 1 ]] && grep -qF "$DB: disk full (" "$T_ERR" &&
		[[ $state == $'ok\n3' ]]; then
		failed=$((failed + 1))
	elif [[ $rc -eq 0 && $state == $'ok\n4' ]]; then
		: # the write failed after the commit (checkpoint at close): stored
	else
		bad=$((bad + 1))
		echo "# ENOSPC at pwrite64 #$n: exit $rc, state ${state//$'\n'/ }: $(head -c 200 "$T_ERR")"
	fi
done
echo "# $failed of ${nw:-0} injections failed the import, the others hit the checkpoint after the commit"
check "  every injection: exit 74 + one-line 'disk full' + inventory unchanged, or exit 0 + import complete" \
	test "$bad" -eq 0
check "  most injections hit the transaction" test "$failed" -gt $((${nw:-0} / 2))
view "$DB" >"$T_TMP/view.now" 2>&1
check "  the last inventory still shows the three hosts as before (plus the new one)" \
	cmp -s <(grep -v new-1 "$T_TMP/view.base") <(grep -v new-1 "$T_TMP/view.now")
fault_end "exit 74 with a one-line 'disk full' error naming the inventory and the inventory unchanged (integrity_check ok), or exit 0 when the failed write was the checkpoint after the commit"

# ---- 2. read-only inventory ----
echo "# at ${SECONDS}s"
fault_begin "inventory on a read-only mount (tmpfs remounted ro; with and without its -wal/-shm files)"
for variant in "with -wal/-shm" "bare file"; do
	mount -t tmpfs -o size=2m,mode=0755 tmpfs "$MNT"
	DB=$MNT/inventory.db
	if [[ $variant == "bare file" ]]; then
		cp "$REF" "$DB"
	else
		cp "$REF" "$DB"
		cp "$REF-wal" "$DB-wal"
		cp "$REF-shm" "$DB-shm"
	fi
	mount -o remount,ro "$MNT"
	echo "# read-only mount, $variant"
	view "$DB" >"$T_TMP/view.now" 2>&1
	check "  reads work: hosts, export and plan as before ($variant)" cmp -s "$T_TMP/view.base" "$T_TMP/view.now"
	expect_exit 77 "import refused ($variant)" mc import "$PROFILES/arm-max.facts" --host arm-max-1
	err_has "$DB: inventory is read-only (Read-only file system)"
	expect_exit 77 "probe refused ($variant)" mc probe --host probed-1
	err_has "$DB: inventory is read-only (Read-only file system)"
	intact "$DB" "$T_TMP/view.base" ro
	umount "$MNT"
done
fault_end "reads (hosts, export, plan) work; import and probe exit 77 with a one-line 'inventory is read-only' error naming the file; inventory intact"

echo "# at ${SECONDS}s"
fault_begin "inventory read by an unprivileged group member (0750 directory, 0640 files, uid 65534)"
RO=$T_TMP/shared
mkdir -p "$RO"
DB=$RO/inventory.db
make_base "$DB" || not_ok "build the shared inventory"
chmod 0711 "$T_TMP"
chgrp -R 65534 "$RO"
chmod 0750 "$RO"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "  the inventory files are 0640" \
	test "$(stat -c %a "$DB" "$DB-wal" "$DB-shm" | sort -u)" = 640
view "$DB" >"$T_TMP/view.before"
VIEW_AS=(nobody)
view "$DB" >"$T_TMP/view.now" 2>&1
VIEW_AS=()
check "  the group member reads the same hosts, facts and plan as root" \
	cmp -s "$T_TMP/view.before" "$T_TMP/view.now"
expect_exit 77 "import as the group member" nobody "$MIGCHECK" --db "$DB" import "$PROFILES/arm-max.facts" --host arm-max-1
err_has "$DB: inventory is read-only (Permission denied)"
intact "$DB" "$T_TMP/view.before"
fault_end "reads work; import exits 77 with a one-line 'inventory is read-only' error naming the file; inventory intact"

echo "# at ${SECONDS}s"
fault_begin "an inventory of an older schema (3), read by the group member before any writer has migrated it"
OLD=$RO/old.db
cp "$REF" "$OLD"
# (schema 3 is schema 4 without these two; persist_wal keeps -wal and -shm,
# as migcheck's writers do, for a reader who cannot create them)
printf '%s\n' '.filectrl persist_wal 1' 'BEGIN; DROP TABLE profile_canon;' \
	'DROP INDEX hosts_pid_name; CREATE INDEX hosts_pid ON hosts (pid);' \
	'PRAGMA user_version = 3; COMMIT;' | sqlite3 "$OLD" >/dev/null
chgrp 65534 "$OLD"* && chmod 0640 "$OLD"*
sum_before=$(cat "$OLD"* | md5sum)
VIEW_AS=(nobody)
view "$OLD" >"$T_TMP/view.old" 2>&1
VIEW_AS=()
check "  the group member reads the same hosts, facts and plan as from the current schema" \
	cmp -s "$T_TMP/view.base" "$T_TMP/view.old"
check "  the files are untouched (the same bytes)" test "$(cat "$OLD"* | md5sum)" = "$sum_before"
check "  still schema 3" test "$(sqlite3 "$OLD" 'PRAGMA user_version')" = 3
expect_exit 0 "the owner's first command migrates it" "$MIGCHECK" --db "$OLD" hosts
check "  now schema 4" test "$(sqlite3 "$OLD" 'PRAGMA user_version')" = 4
fault_end "a reader who cannot write an older-schema inventory reads it through a migrated copy in memory: same view, file untouched; the owner's next command migrates it"

echo "# at ${SECONDS}s"
fault_begin "the group member reads an inventory whose -wal and -shm files another program's last connection removed"
sqlite3 "$DB" 'PRAGMA user_version' >/dev/null # the sqlite3 shell removes them as it closes
check "  -shm gone" test ! -e "$DB-shm"
expect_exit 77 "hosts as the group member" nobody "$MIGCHECK" --db "$DB" hosts
err_has "$DB: cannot be read by this user: its -shm file is gone"
expect_exit 0 "a read by the owner puts them back" "$MIGCHECK" --db "$DB" hosts
VIEW_AS=(nobody)
view "$DB" >"$T_TMP/view.now" 2>&1
VIEW_AS=()
check "  then the group member reads the same hosts, facts and plan as root" \
	cmp -s "$T_TMP/view.before" "$T_TMP/view.now"
fault_end "exit 77 with a one-line error naming the file and the missing -shm file, and what puts it back; after any command of the owner's, reads work"

# ---- 3. another writer holds the inventory ----
DB=$T_TMP/locked.db
cp "$REF" "$DB"
view "$DB" >"$T_TMP/view.before"
# hold_lock: a sqlite3 shell in BEGIN IMMEDIATE, fed through a fifo on fd 3.
hold_lock() {
	rm -f "$T_TMP/fifo" "$T_TMP/holder.out"
	mkfifo "$T_TMP/fifo"
	sqlite3 "$DB" <"$T_TMP/fifo" >"$T_TMP/holder.out" 2>&1 &
	HOLDER=$!
	exec 3>"$T_TMP/fifo"
	printf 'BEGIN IMMEDIATE;\n.print locked\n' >&3
	for _ in $(seq 50); do
		grep -q locked "$T_TMP/holder.out" && return 0
		sleep 0.1
	done
	return 1
}
release_lock() {
	printf 'COMMIT;\n' >&3
	exec 3>&-
	wait "$HOLDER"
	HOLDER=
}

echo "# at ${SECONDS}s"
fault_begin "another writer holds the inventory (sqlite3 in BEGIN IMMEDIATE) during \`migcheck import\`"
check "  the other writer has the lock" hold_lock
# The wait is read from the sleeps sqlite's busy handler asks for (strace),
# not from a clock: the machine's speed cannot change it.
expect_exit 69 "import while another writer holds the lock" \
	strace -f -o "$T_TMP/sleeps" -e trace=nanosleep,clock_nanosleep \
	"$MIGCHECK" --db "$DB" import "$PROFILES/arm-max.facts" --host arm-max-1
err_has "$DB: inventory is locked by another writer"
slept=$(sed -n 's/.*nanosleep(.*{tv_sec=\([0-9]*\), tv_nsec=\([0-9]*\)}.*/\1 \2/p' "$T_TMP/sleeps" |
	awk '{ ms += $1 * 1000 + $2 / 1000000 } END { printf "%d", ms }')
echo "# asked to sleep $slept ms in all before giving up"
check "  waited for the 5 s busy timeout first (sleeps asked: $slept ms)" test "$slept" -ge 4500
expect_exit 0 "reads go on while the writer holds the lock (WAL)" mc hosts
check "  same hosts as before" cmp -s "$T_OUT" <(head -n 4 "$T_TMP/view.before")
release_lock
intact "$DB" "$T_TMP/view.before"
expect_exit 0 "the same import after the writer released the lock" mc import "$PROFILES/arm-max.facts" --host arm-max-1
fault_end "waits the 5 s busy timeout, then exit 69 with a one-line 'locked by another writer' error naming the file; reads still work; inventory intact; a retry after the release succeeds"

echo "# at ${SECONDS}s"
fault_begin "another writer holds the inventory for 1 s while \`migcheck probe\` starts"
check "  the other writer has the lock" hold_lock
(
	sleep 1
	printf 'COMMIT;\n' >&3
) &
expect_exit 0 "probe waits for the lock and stores" mc probe --host probed-1
wait $!
exec 3>&-
wait "$HOLDER"
HOLDER=
check "  integrity_check ok" integrity "$DB"
check "  the probed host is stored" bash -c "'$MIGCHECK' --db '$DB' hosts | grep -q '^probed-1 '"
fault_end "probe waits within the busy timeout and stores (exit 0); integrity_check ok"

# ---- 4. kill -9 at every write and sync of an import, and of a probe ----
echo "# at ${SECONDS}s"
DB=$T_TMP/kill.db
# state: what must be atomic (times left out: the import stamps its own, and
# an import in another second adds a history row for the same profile).
state() {
	sqlite3 "$1" "PRAGMA integrity_check;
		SELECT h.name, p.id, h.source FROM hosts h JOIN profiles p USING (pid) ORDER BY 1;
		SELECT DISTINCT hh.name, p.id FROM host_history hh JOIN profiles p USING (pid) ORDER BY 1, 2;
		SELECT count(*) FROM profiles; SELECT count(*) FROM facts; SELECT count(*) FROM profile_facts;"
}
fresh() {
	rm -f "$DB" "$DB-wal" "$DB-shm"
	cp "$REF" "$DB"
}
# kill_everywhere MIGCHECK-ARGS...: run `migcheck --db $DB ARGS` once to count
# its pwrite64/fdatasync/ftruncate calls, then once per call killed (strace
# signal injection) on entering exactly that call, from the same starting
# inventory each time. Every kill must leave integrity_check ok and exactly
# the before- or the after-state, and the same command run again must work.
kill_everywhere() {
	local sc n rc total=0 nbefore=0 nafter=0 bad=0
	local -A calls=()
	fresh
	state "$DB" >"$T_TMP/state.before"
	strace -f -c -o "$T_TMP/count" -e trace=pwrite64,fdatasync,ftruncate \
		"$MIGCHECK" --db "$DB" "$@" >/dev/null || not_ok "counting run of $1"
	state "$DB" >"$T_TMP/state.after"
	check "  before and after states differ" bash -c "! cmp -s '$T_TMP/state.before' '$T_TMP/state.after'"
	check "  the states start with integrity_check ok" \
		test "$(head -1 "$T_TMP/state.before")$(head -1 "$T_TMP/state.after")" = okok
	for sc in pwrite64 fdatasync ftruncate; do
		calls[$sc]=$(awk -v s="$sc" '$NF == s { print $4 }' "$T_TMP/count")
		total=$((total + ${calls[$sc]:-0}))
		check "  $1 calls $sc (${calls[$sc]:-0} times)" test "${calls[$sc]:-0}" -gt 0
	done
	echo "# $1: kill points: $total"
	for sc in pwrite64 fdatasync ftruncate; do
		for n in $(seq "${calls[$sc]:-0}"); do
			fresh
			# (the subshell keeps bash's "Killed" notice out of the log)
			(
				strace -f -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" \
					"$MIGCHECK" --db "$DB" "$@" >/dev/null 2>&1
				exit $?
			) 2>/dev/null
			rc=$?
			state "$DB" >"$T_TMP/state.now" 2>&1
			if [[ $rc -ne 137 ]]; then
				bad=$((bad + 1))
				echo "# $sc #$n: not killed (exit $rc)"
			elif cmp -s "$T_TMP/state.now" "$T_TMP/state.before"; then
				nbefore=$((nbefore + 1))
			elif cmp -s "$T_TMP/state.now" "$T_TMP/state.after"; then
				nafter=$((nafter + 1))
			else
				bad=$((bad + 1))
				echo "# $sc #$n: inventory neither before nor after: $(head -c 300 "$T_TMP/state.now")"
			fi
			# The next run after the crash works and lands on the after-state.
			if ! "$MIGCHECK" --db "$DB" "$@" >/dev/null 2>"$T_ERR" ||
				! state "$DB" | cmp -s - "$T_TMP/state.after"; then
				bad=$((bad + 1))
				echo "# $sc #$n: the run after the crash failed: $(head -c 300 "$T_ERR")"
			fi
		done
	done
	echo "# $1: $total kills: $nbefore left the inventory as before, $nafter as after, $bad bad"
	check "  every kill left integrity_check ok and exactly the before- or after-state; every re-run worked" \
		test "$bad" -eq 0
	check "  kills before and after the commit point both happened" test "$nbefore" -gt 0 -a "$nafter" -gt 0
	fresh
	(strace -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when=$((${calls[pwrite64]:-2} / 2)) \
		"$MIGCHECK" --db "$DB" "$@" >/dev/null 2>&1) 2>/dev/null
	intact "$DB" "$T_TMP/view.base"
}
fault_begin "kill -9 (strace signal injection) at every pwrite64, fdatasync and ftruncate call of \`migcheck import\`"
kill_everywhere import "$PROFILES/x86-max.facts" --host new-1
fault_end "killed at every such call: integrity_check ok, the inventory exactly as before or as after the import (never between), and the next import works"

fault_begin "kill -9 (strace signal injection) at every pwrite64, fdatasync and ftruncate call of \`migcheck probe\` (this host)"
kill_everywhere probe --host probed-1
fault_end "killed at every such call: integrity_check ok, the inventory exactly as before or as after the probe (never between), and the next probe works"

finish
