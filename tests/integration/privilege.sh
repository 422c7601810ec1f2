#!/usr/bin/env bash
# Privilege: what migcheck creates is not world-accessible whatever the umask,
# it creates no world-writable temporary files, it runs no other program (no
# shell-outs), and credentials come only from the environment or a protected
# file and never show up in its output or on the wire.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip "strace is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
[[ $(id -u) -eq 0 ]] || skip "needs root (credential files owned by another user)"

A=$MC_TESTDATA/fleet/profiles/arm-a57.facts
B=$MC_TESTDATA/fleet/profiles/arm-max.facts
DB=$T_TMP/inv/inventory.db
M=("$MIGCHECK" --db "$DB")
mode() { stat -c %a "$1"; }

# ---- files created whatever the umask ----
fault_begin "umask 000 while migcheck creates the inventory and the report page"
(
	umask 000
	"${M[@]}" import "$A" --host a57 &&
		"${M[@]}" import "$B" --host max &&
		"${M[@]}" report --html "$T_TMP/pages/fleet.html" 2>/dev/null
) >/dev/null 2>"$T_ERR" || { mkdir -p "$T_TMP/pages" && (umask 000 && "${M[@]}" report --html "$T_TMP/pages/fleet.html") >/dev/null 2>>"$T_ERR"; }
check "inventory is 0640 under umask 000 ($(mode "$DB"))" test "$(mode "$DB")" = 640
for f in "$DB-wal" "$DB-shm"; do
	[[ -e $f ]] && check "$(basename "$f") is 0640 ($(mode "$f"))" test "$(mode "$f")" = 640
done
check "inventory directory is not world-accessible ($(mode "$(dirname "$DB")"))" \
	test $(($(printf '%d' "0$(mode "$(dirname "$DB")")") & 7)) -eq 0
if [[ -f $T_TMP/pages/fleet.html ]]; then
	check "report page is 0640 ($(mode "$T_TMP/pages/fleet.html"))" test "$(mode "$T_TMP/pages/fleet.html")" = 640
else
	not_ok "report page not written: $(head -c 300 "$T_ERR")"
fi
fault_end "inventory, -wal, -shm and report page 0640, directories 0750"

# ---- no world-writable files, no programs run ----
# Every verb that reads or writes files, traced: each open with O_CREAT and
# each mkdir must ask for no world (or group-write) bits under umask 000, and
# the only program executed is migcheck itself.
fault_begin "every verb traced (strace) under umask 000 for created files and executed programs"
TRACE=$T_TMP/trace
mkdir -p "$TRACE"
cat >"$T_TMP/dom.xml" <<XML
<domain type='kvm'><name>g1</name><os><type arch='aarch64' machine='virt-7.2'>hvm</type></os></domain>
XML
runs=(
	"import $A --host a57b"
	"probe --host local"
	"plan a57 max"
	"plan a57 max --format xml"
	"diff a57 max"
	"export max --format xml"
	"show a57"
	"hosts"
	"report --html $T_TMP/pages/page2.html"
	"gate --candidate max --format junit"
	"hook --profile max --missing-metadata allow g1 migrate begin -"
	"vfio check $MC_TESTDATA/vfio-stream/good.bin"
)
i=0
for cmd in "${runs[@]}"; do
	i=$((i + 1))
	# shellcheck disable=SC2086 # word splitting of the verb line is intended
	(umask 000 && strace -f -qq -o "$TRACE/$i" -e trace=execve,open,openat,creat,mkdir,mkdirat \
		"${M[@]}" $cmd <"$T_TMP/dom.xml" >/dev/null 2>&1)
done
# (migcheck-full is migcheck's other half: README "Two programs")
execs=$(grep -h 'execve(' "$TRACE"/* | grep -v "execve(\"$MIGCHECK\"" |
	grep -v "execve(\"$MIGCHECK-full\"" | grep -v ' = -1 ' || true)
check "no program but migcheck executed across ${#runs[@]} verbs" test -z "$execs"
check "  probe ran migcheck-full" grep -q "execve(\"$MIGCHECK-full\"" "$TRACE"/2
[[ -z $execs ]] || printf '  %s\n' "$execs" | head -n 5
# Files opened with O_CREAT: the file as it is now (sqlite opens existing files
# with O_CREAT too), or, for a file gone since (a temporary), the mode asked
# for, which is the mode it had (umask 000). No group-write, no world bits.
loose=$(grep -h 'O_CREAT' "$TRACE"/* | grep -v ' = -1 ' |
	sed -n 's/^[0-9]* *\(open\|openat\|creat\)(\(AT_FDCWD, \)\{0,1\}"\([^"]*\)".*, 0\([0-7]*\)) = [0-9]*$/\3 \4/p' |
	sort -u | while read -r path asked; do
		m=$(stat -c %a "$path" 2>/dev/null || echo "$asked")
		((8#$m & 8#027)) && echo "$path: mode $m (asked $asked)"
	done)
check "no file created group-writable or world-accessible" test -z "$loose"
[[ -z $loose ]] || printf '  %s\n' "$loose" | head -n 5
looseD=$(grep -hE 'mkdir(at)?\(' "$TRACE"/* | grep -v ' = -1 ' |
	sed -n 's/.*, 0\([0-7]*\)) = 0$/\1 &/p' | awk '{ if (substr($1, length($1), 1) != "0") print }' || true)
check "no directory created world-accessible" test -z "$looseD"
[[ -z $looseD ]] || printf '  %s\n' "$looseD" | head -n 5
ncreat=$(grep -h 'O_CREAT' "$TRACE"/* | grep -vc ' = -1 ' || true)
check "files were created under the trace (sanity: $ncreat)" test "$ncreat" -gt 0
fault_end "only migcheck (and migcheck-full) executed (no shell); every file created 0600/0640, directories 0750"

# ---- credentials ----
SECRET=wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY
KEYID=AKIAMIGCHECKTEST
# A store that records every request (headers included) and answers 403.
cat >"$T_TMP/rec.py" <<'PY'
import http.server, sys
log = open(sys.argv[2], "ab")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(self.requestline.encode() + b"\n" + bytes(self.headers) + b"\n"); log.flush()
        self.send_response(403); self.send_header("Content-Length", "0"); self.end_headers()
    do_PUT = do_GET
    def do_HEAD(self):
        self.do_GET()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
python3 "$T_TMP/rec.py" "$T_TMP/rec.port" "$T_TMP/rec.log" &
REC=$!
trap 'kill $REC 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 50); do [[ -s $T_TMP/rec.port ]] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$T_TMP/rec.port")/fleet
F=("${M[@]}" fleet --retries 0 --timeout 5)

fault_begin "credentials file with loose permissions, a foreign owner, a symlink; a password in the URL"
CRED=$T_TMP/s3.cred
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$KEYID" "$SECRET" >"$CRED"
chmod 0644 "$CRED"
expect_exit 77 "credentials file mode 0644" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	"${F[@]}" pull "$URL" --s3 eu-west-1 --credentials "$CRED"
err_has "$CRED: credentials file is accessible by group or others (mode 0644"
chmod 0600 "$CRED"
chown 65534 "$CRED"
expect_exit 77 "credentials file owned by nobody" "${F[@]}" pull "$URL" --s3 eu-west-1 --credentials "$CRED"
err_has "credentials file is owned by uid 65534, not by root or you"
chown 0 "$CRED"
ln -s "$CRED" "$T_TMP/cred-link"
expect_exit 77 "credentials file through a symlink" "${F[@]}" pull "$URL" --s3 eu-west-1 --credentials "$T_TMP/cred-link"
err_has "credentials file: is a symbolic link"
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET=%s\n' "$KEYID" "$SECRET" >"$T_TMP/bad.cred"
chmod 0600 "$T_TMP/bad.cred"
expect_exit 65 "credentials file with an unknown name" "${F[@]}" pull "$URL" --s3 eu-west-1 --credentials "$T_TMP/bad.cred"
err_has "bad.cred:2: unknown name 'AWS_SECRET'"
check "  the secret is not in that message" bash -c "! grep -qF '$SECRET' '$T_ERR'"
expect_exit 64 "--credentials without --s3" "${F[@]}" pull "$URL" --credentials "$CRED"
expect_exit 64 "a password in the URL" "${F[@]}" pull "http://user:$SECRET@127.0.0.1:1/fleet"
err_has "http://***@127.0.0.1:1/fleet: a password in the URL is refused"
fault_end "exit 77 (65 for a malformed file, 64 for a URL password), one-line error, secret not shown"

fault_begin "S3 credentials from a 0600 root file and from the environment, store answering 403"
: >"$T_TMP/rec.log"
expect_exit 77 "pull with the credentials file, store says 403" "${F[@]}" pull "$URL" --s3 eu-west-1 --credentials "$CRED"
cp "$T_ERR" "$T_TMP/all.err"
cp "$T_OUT" "$T_TMP/all.out"
expect_exit 77 "push with environment credentials, store says 403" env AWS_ACCESS_KEY_ID=$KEYID \
	AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=session-token-1 "${F[@]}" push "$URL" --host a57 --s3 eu-west-1
cat "$T_ERR" >>"$T_TMP/all.err"
cat "$T_OUT" >>"$T_TMP/all.out"
check "requests reached the store, signed with the key id" grep -q "Credential=$KEYID/" "$T_TMP/rec.log"
check "the session token went as x-amz-security-token" grep -qi '^x-amz-security-token: session-token-1' "$T_TMP/rec.log"
check "the secret key is on no request" bash -c "! grep -qF '$SECRET' '$T_TMP/rec.log'"
check "the secret key is in no output or message" bash -c "! grep -qF '$SECRET' '$T_TMP/all.err' '$T_TMP/all.out'"
fault_end "request signed (SigV4) with the key id; the secret appears in no request, output or message"
finish
