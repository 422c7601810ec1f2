#!/usr/bin/env bash
# migcheck fleet push/pull against a real nginx (WebDAV PUT, PROPFIND from
# the dav_ext module) on 127.0.0.1, with real profiles of emulated hosts
# (tests/data/fleet/profiles): the happy path, content addressing, host
# records and the listing of hosts/, a store of the old layout (index.xml),
# 200 concurrent pushes, the configuration file, SigV4 signing, TLS, and the
# bad inputs (unreachable, 403, 500, truncated body, a profile whose content
# does not match its id, an oversized response, a hostile listing).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/fleet-nginx.sh
. "$(dirname "$0")/fleet-nginx.sh"

[[ -n $NGX_BIN ]] || skip "nginx is not installed (apt-get install nginx-light)"
[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
PROFILES=$MC_TESTDATA/fleet/profiles
SCHEMAS=$MC_SRCDIR/schemas
ngx_start || {
	not_ok "nginx did not start"
	finish
	exit 1
}
trap 'ngx_stop; rm -rf "$T_TMP"' EXIT
STORE=$NGX_URL/fleet
echo "# nginx on $NGX_URL (root $NGX_ROOT)"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export MIGCHECK_CONF=$T_TMP/none.conf # never the machine's /etc/migcheck.conf
FAST=(--retries 1 --connect-timeout 2 --timeout 10)

SRC=$T_TMP/src.db
DST=$T_TMP/dst.db
mc_src() { "$MIGCHECK" --db "$SRC" "$@"; }
mc_dst() { "$MIGCHECK" --db "$DST" "$@"; }
count_hosts() { "$MIGCHECK" --db "$1" hosts 2>/dev/null | grep -vc '^HOST '; }
gets() { grep -c "^GET $1" "$NGX_LOG"; }

# ---- a fleet of seven real profiles, nine hosts (two pairs share one) ----
declare -A HOSTPROF=(
	[arm-max-1]=arm-max [arm-max-2]=arm-max [arm-a57-1]=arm-a57 [arm-n1-1]=arm-n1
	[x86-max-1]=x86-max [x86-max-2]=x86-max [x86-epyc-1]=x86-epyc
	[x86-opteron-1]=x86-opteron [x86-qemu64-1]=x86-qemu64
)
for h in "${!HOSTPROF[@]}"; do
	mc_src import "$PROFILES/${HOSTPROF[$h]}.facts" --host "$h" >/dev/null ||
		not_ok "import $h"
done
check "source inventory has 9 hosts" test "$(count_hosts "$SRC")" -eq 9

# ---- push ----
for h in $(printf '%s\n' "${!HOSTPROF[@]}" | sort); do
	expect_exit 0 "push $h" mc_src fleet push "$STORE" --host "$h" "${FAST[@]}"
done
check "seven distinct profiles in the store" \
	test "$(find "$NGX_ROOT/fleet/profiles" -name '*.xml' | wc -l)" -eq 7
check "nine host records in the store" \
	test "$(find "$NGX_ROOT/fleet/hosts" -name '*.xml' | wc -l)" -eq 9
check "profile PUTs: 7 (the second host of a profile skipped the upload)" \
	test "$(grep -c '^PUT /fleet/profiles/' "$NGX_LOG")" -eq 7
check "one HEAD per push" test "$(grep -c '^HEAD /fleet/profiles/' "$NGX_LOG")" -eq 9
expect_exit 0 "push arm-max-2 again" mc_src fleet push "$STORE" --host arm-max-2 "${FAST[@]}"
out_has "already in the store"
id=$(mc_src export arm-max-1 --format facts | sha256sum | cut -c1-64)
a57=$(mc_src export arm-a57-1 --format facts | sha256sum | cut -c1-64)
n1=$(mc_src export arm-n1-1 --format facts | sha256sum | cut -c1-64)
check "profile stored under the SHA-256 of its facts" test -s "$NGX_ROOT/fleet/profiles/$id.xml"
check "profile document validates (profile.rng)" \
	xmllint --noout --relaxng "$SCHEMAS/profile.rng" "$NGX_ROOT/fleet/profiles/$id.xml" 2>/dev/null
check "profile document names no host (content-addressed)" \
	bash -c "! grep -q '<host' '$NGX_ROOT/fleet/profiles/$id.xml'"
check "host record validates (host.rng)" \
	xmllint --noout --relaxng "$SCHEMAS/host.rng" "$NGX_ROOT/fleet/hosts/arm-max-1.xml" 2>/dev/null
check "no index.xml: a push writes no file another host writes" test ! -e "$NGX_ROOT/fleet/index.xml"
check "a push: HEAD, PUT of the record, no GET (nothing read back)" \
	bash -c "! grep -q '^GET /fleet/' '$NGX_LOG' && test \$(grep -c '^PUT /fleet/hosts/' '$NGX_LOG') -eq 10"
check "host record points to its profile" grep -q "profile=\"$id\"" "$NGX_ROOT/fleet/hosts/arm-max-1.xml"
expect_exit 66 "push an unknown host" mc_src fleet push "$STORE" --host nosuch "${FAST[@]}"
err_has "no host named 'nosuch'"
expect_exit 64 "push a host name unusable in a URL" mc_src fleet push "$STORE" --host 'a/b'
err_has "not usable in a fleet store"
expect_exit 64 "no URL" mc_src fleet push --host arm-max-1
err_has "no store URL"
expect_exit 64 "not an http URL" mc_src fleet pull "ftp://127.0.0.1/x"
err_has "not an http:// or https:// URL"

# ---- pull into an empty inventory ----
expect_exit 0 "pull into an empty inventory" mc_dst fleet pull "$STORE" "${FAST[@]}"
out_has "pulled 9 hosts over 7 profiles"
out_has "(9 records in hosts/, 0 index.xml entries): 7 profiles fetched, 0 already local; 9 hosts stored"
check "  one PROPFIND of hosts/ (Depth: 1)" test "$(grep -c '^PROPFIND /fleet/hosts/ 207' "$NGX_LOG")" -eq 1
mc_src hosts | awk '{print $1, $2, $3, $4, $5}' >"$T_TMP/src.hosts"
mc_dst hosts | awk '{print $1, $2, $3, $4, $5}' >"$T_TMP/dst.hosts"
check "pulled hosts equal the pushed ones (name, profile, arch, kernel, probe time)" \
	cmp -s "$T_TMP/src.hosts" "$T_TMP/dst.hosts"
check "pulled facts are identical" \
	cmp -s <(mc_src export x86-epyc-1 --format facts) <(mc_dst export x86-epyc-1 --format facts)
check "source of pulled hosts names the store" bash -c "'$MIGCHECK' --db '$DST' hosts | grep -q 'fleet $STORE'"
before=$(gets /fleet/profiles/)
expect_exit 0 "pull again" mc_dst fleet pull "$STORE" "${FAST[@]}"
out_has "0 profiles fetched, 7 already local; 0 hosts stored, 9 unchanged"
check "second pull fetched no profile" test "$(gets /fleet/profiles/)" -eq "$before"

# A host re-probed with another profile: push, pull updates only it.
mc_src import "$PROFILES/x86-qemu64.facts" --host x86-max-2 >/dev/null
expect_exit 0 "push a host whose profile changed" mc_src fleet push "$STORE" --host x86-max-2 "${FAST[@]}"
expect_exit 0 "pull the change" mc_dst fleet pull "$STORE" "${FAST[@]}"
out_has "0 profiles fetched, 7 already local; 1 hosts stored, 8 unchanged"
check "x86-max-2 now has the qemu64 profile" \
	cmp -s <(mc_dst export x86-max-2 --format facts) <(mc_src export x86-qemu64-1 --format facts)

# ---- a store of the old layout (index.xml) with records in hosts/: merged ----
cp -r "$MC_TESTDATA/fleet/store-v1" "$NGX_ROOT/v1"
expect_exit 0 "pull a store of the old layout with records in hosts/" \
	"$MIGCHECK" --db "$T_TMP/v1.db" fleet pull "$NGX_URL/v1" "${FAST[@]}"
out_has "pulled 4 hosts over 2 profiles from $NGX_URL/v1 (3 records in hosts/, 3 index.xml entries)"
"$MIGCHECK" --db "$T_TMP/v1.db" hosts | awk 'NR > 1 {print $1, $2, $5}' >"$T_TMP/v1.hosts"
check "  per host the latest probe, from hosts/ or index.xml (store-v1.expect)" \
	cmp -s "$T_TMP/v1.hosts" "$MC_TESTDATA/fleet/store-v1.expect"
rm -rf "$NGX_ROOT/v1/hosts"
expect_exit 0 "pull a store of the old layout alone (no hosts/)" \
	"$MIGCHECK" --db "$T_TMP/v1only.db" fleet pull "$NGX_URL/v1" "${FAST[@]}"
out_has "pulled 3 hosts over 2 profiles from $NGX_URL/v1 (0 records in hosts/, 3 index.xml entries)"
# A server without PROPFIND (nginx's own dav module): an old store is read
# from index.xml with a warning; without index.xml it is an error.
ngx_stop
NGX_DAV_EXT_OFF=1 ngx_start || not_ok "nginx without PROPFIND did not start"
expect_exit 0 "a server that cannot list, with index.xml: read, with a warning" \
	"$MIGCHECK" --db "$T_TMP/v1nolist.db" fleet pull "$NGX_URL/v1" "${FAST[@]}"
out_has "pulled 3 hosts over 2 profiles"
err_has "migcheck: warning: $NGX_URL/v1: the server cannot list hosts/ (no PROPFIND): read index.xml alone"
expect_exit 69 "a server that cannot list, no index.xml: exit 69" \
	"$MIGCHECK" --db "$T_TMP/nolist.db" fleet pull "$STORE" "${FAST[@]}"
err_has "$STORE/hosts/: the server does not accept PROPFIND: HTTP 405 Not Allowed"
ngx_stop
ngx_start || not_ok "nginx did not start again"

# ---- 200 concurrent pushes: nothing lost ----
# Each push writes only hosts/cNNN.xml (and a profile, the same bytes for
# hosts that share it): no read-modify-write that a concurrent push could
# undo. (The old index.xml push lost entries here: nginx ignores If-Match.)
CONC=$T_TMP/conc.db
PROF_LIST=(arm-a57 arm-n1 x86-epyc x86-qemu64)
for i in $(seq -w 1 200); do
	p=${PROF_LIST[$((10#$i % ${#PROF_LIST[@]}))]}
	"$MIGCHECK" --db "$CONC" import "$PROFILES/$p.facts" --host "c$i" >/dev/null || not_ok "import c$i"
done
check "200 hosts to push" test "$(count_hosts "$CONC")" -eq 200
start=$(date +%s.%N)
pids=()
for i in $(seq -w 1 200); do
	"$MIGCHECK" --db "$CONC" fleet push "$NGX_URL/conc" --host "c$i" --retries 3 --timeout 60 \
		>"$T_TMP/conc.$i.out" 2>"$T_TMP/conc.$i.err" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "# 200 concurrent pushes to nginx: $failed failed, ${secs}s"
check "  all 200 pushes succeeded" test "$failed" -eq 0
expect_exit 0 "pull after 200 concurrent pushes" \
	"$MIGCHECK" --db "$T_TMP/conc-pulled.db" fleet pull "$NGX_URL/conc" "${FAST[@]}"
out_has "pulled 200 hosts over ${#PROF_LIST[@]} profiles"
"$MIGCHECK" --db "$CONC" hosts | awk 'NR > 1 {print $1, $2, $5}' >"$T_TMP/conc.src"
"$MIGCHECK" --db "$T_TMP/conc-pulled.db" hosts | awk 'NR > 1 {print $1, $2, $5}' >"$T_TMP/conc.dst"
check "  every pushed host is there (name, profile, probe time): nothing lost" \
	cmp -s "$T_TMP/conc.src" "$T_TMP/conc.dst"

# ---- configuration file ----
cat >"$T_TMP/migcheck.conf" <<EOF
# nightly inventory
url = $STORE
host = arm-n1-1
db = $SRC
EOF
expect_exit 0 "push with URL, host and db from the configuration file" \
	env -u MIGCHECK_DB MIGCHECK_CONF="$T_TMP/migcheck.conf" "$MIGCHECK" fleet push --retries 0
out_has "pushed host arm-n1-1 to $STORE"
err_has "migcheck: $T_TMP/migcheck.conf ('key = value' lines) is deprecated: move the settings to the [fleet] group of"
# the configuration file: a key file, [fleet] for these commands, [hook] for the hook
printf '# migcheck.conf\n[fleet]\nurl=%s\nhost=arm-n1-1\ndb=%s\n\n[hook]\nmissing-metadata=deny\n' "$STORE" "$SRC" >"$T_TMP/new.conf"
expect_exit 0 "push with URL, host and db from [fleet] of the key file" \
	env -u MIGCHECK_DB MIGCHECK_CONF="$T_TMP/new.conf" "$MIGCHECK" fleet push --retries 0
out_has "pushed host arm-n1-1 to $STORE"
check "  no notice on stderr" test ! -s "$T_ERR"
expect_exit 0 "the same file with --config" env -u MIGCHECK_DB "$MIGCHECK" fleet push --config "$T_TMP/new.conf" --retries 0
out_has "pushed host arm-n1-1 to $STORE"
printf '[fleet]\nurl=%s\ncredentials=%s\ns3-region=eu-west-1\n' "$STORE" "$T_TMP/none.cred" >"$T_TMP/cred.conf"
expect_exit 66 "a credentials file named in the configuration: read, with a notice" \
	"$MIGCHECK" fleet pull --config "$T_TMP/cred.conf" --retries 0
check "  the notice says LoadCredential" grep -q "credentials = $T_TMP/none.cred in $T_TMP/cred.conf is deprecated: give the file to the unit as LoadCredential=s3:FILE" "$T_ERR"
check "  and the file was read" grep -q "none.cred: credentials file" "$T_ERR"
# systemd's LoadCredential=s3:FILE: $CREDENTIALS_DIRECTORY/s3 (an empty one: none)
mkdir -p "$T_TMP/creds"
: >"$T_TMP/creds/s3"
printf '[fleet]\nurl=%s\ns3-region=eu-west-1\n' "$STORE" >"$T_TMP/s3.conf"
expect_exit 64 "an empty \$CREDENTIALS_DIRECTORY/s3 is no credentials (SetCredential= default)" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY CREDENTIALS_DIRECTORY="$T_TMP/creds" \
	"$MIGCHECK" fleet pull --config "$T_TMP/s3.conf" --retries 0
err_has "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set in the environment"
printf 'AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n' >"$T_TMP/creds/s3"
chmod 0600 "$T_TMP/creds/s3"
expect_exit 0 "S3 credentials from \$CREDENTIALS_DIRECTORY/s3 (signed requests)" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY CREDENTIALS_DIRECTORY="$T_TMP/creds" \
	"$MIGCHECK" --db "$SRC" fleet push --host arm-a57-1 --config "$T_TMP/s3.conf" --retries 0
check "  signed with the key id from that file" \
	grep -qE '"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/eu-west-1/s3/aws4_request' "$NGX_LOG"
printf 'url = %s\nuser = x\n' "$STORE" >"$T_TMP/bad.conf"
expect_exit 65 "a configuration file with an unknown key" "$MIGCHECK" fleet push --config "$T_TMP/bad.conf"
err_has "bad.conf:2: unknown key 'user'"
expect_exit 66 "--config naming a missing file" "$MIGCHECK" fleet pull --config "$T_TMP/missing.conf"
err_has "missing.conf: no such configuration file"

# ---- the nightly command: probe this machine, then push it ----
expect_exit 0 "fleet push --probe (what the timer runs)" \
	env -u MIGCHECK_DB MIGCHECK_CONF="$T_TMP/migcheck.conf" "$MIGCHECK" fleet push --probe --host probe-test --retries 0
check "  the probed host reached the store" test -s "$NGX_ROOT/fleet/hosts/probe-test.xml"

# ---- gate against a pulled fleet (the -cpu max hosts left out) ----
GATE=$T_TMP/gate.db
for h in arm-a57-1 arm-n1-1 x86-epyc-1; do
	mc_dst export "$h" --format xml | "$MIGCHECK" --db "$GATE" import - >/dev/null ||
		not_ok "copy $h into the gate fleet"
done
expect_exit 2 "gate: -cpu max candidate against a57/n1/x86 hosts" \
	mc_dst gate --fleet "$GATE" --candidate "$PROFILES/arm-max.facts"
out_has "REGRESSION candidate -> ${n1:0:12} (arm-n1-1): today ok, candidate blocked"
out_has "4 pairs, 2 regressions; 1 fleet profiles of another architecture not compared"
expect_exit 2 "gate --format junit" mc_dst gate --fleet "$GATE" --candidate "$PROFILES/arm-max.facts" --format junit
check "  JUnit output is well-formed XML" xmllint --noout "$T_OUT"
check "  one test case per pair (2 arm64 profiles x 2 directions)" test "$(grep -c '<testcase ' "$T_OUT")" -eq 4
check "  a failure per regression" test "$(grep -c '<failure ' "$T_OUT")" -eq 2
expect_exit 0 "gate: a candidate equal to a fleet profile" mc_dst gate --candidate x86-epyc-1
out_has "nothing changes"
expect_exit 66 "gate: unknown base" mc_dst gate --candidate "$PROFILES/arm-max.facts" --base nosuch
expect_exit 64 "gate without --candidate" mc_dst gate

# ---- bad inputs: nothing is imported ----
EMPTY=$T_TMP/empty.db
mc_e() { "$MIGCHECK" --db "$EMPTY" "$@"; }
mc_e import "$PROFILES/arm-a57.facts" --host keep-me >/dev/null
n_before=$(count_hosts "$EMPTY")

free=20000
while ! ngx_port_free "$free"; do free=$((free + 1)); done
expect_exit 69 "unreachable store" mc_e fleet pull "http://127.0.0.1:$free/fleet" --retries 1 --connect-timeout 2
err_has "http://127.0.0.1:$free/fleet/hosts/: PROPFIND failed after 2 attempts"

expect_exit 77 "HTTP 403 on pull" mc_e fleet pull "$NGX_URL/forbidden" "${FAST[@]}"
err_has "$NGX_URL/forbidden/hosts/: PROPFIND refused: HTTP 403 Forbidden"
expect_exit 77 "HTTP 403 on push" mc_src fleet push "$NGX_URL/forbidden" --host arm-a57-1 "${FAST[@]}"
err_has "HTTP 403 Forbidden"

n500=$(grep -c '^PROPFIND /broken/' "$NGX_LOG")
expect_exit 69 "HTTP 500 on pull" mc_e fleet pull "$NGX_URL/broken" --retries 2 --timeout 10
err_has "$NGX_URL/broken/hosts/: PROPFIND failed after 3 attempts: HTTP 500 Internal Server Error"
check "  500 retried exactly twice (3 requests)" \
	test "$(($(grep -c '^PROPFIND /broken/' "$NGX_LOG") - n500))" -eq 3

expect_exit 66 "a URL where nothing was pushed" mc_e fleet pull "$NGX_URL/nothing-here" "${FAST[@]}"
err_has "$NGX_URL/nothing-here: no fleet store here (no host record in hosts/, no index.xml; nothing pushed yet?)"

# A store whose profile document carries another profile's content.
mkdir -p "$NGX_ROOT/swapped"
cp -r "$NGX_ROOT/fleet/." "$NGX_ROOT/swapped/"
cp "$NGX_ROOT/fleet/profiles/$n1.xml" "$NGX_ROOT/swapped/profiles/$a57.xml"
# (A fresh inventory: one that has the a57 profile would not fetch it.)
expect_exit 65 "a profile whose content is another profile's" \
	"$MIGCHECK" --db "$T_TMP/swapped.db" fleet pull "$NGX_URL/swapped" "${FAST[@]}"
err_has "profiles/$a57.xml: content hashes to ${n1:0:12}, not to the id ${a57:0:12}"
check "  nothing imported from that store" test "$(count_hosts "$T_TMP/swapped.db")" -eq 0
# A fact changed, the id attribute kept.
mkdir -p "$NGX_ROOT/tampered"
cp -r "$NGX_ROOT/fleet/." "$NGX_ROOT/tampered/"
sed -i 's/key="PSCI_VERSION" value="0x[0-9a-f]*"/key="PSCI_VERSION" value="0x2"/' \
	"$NGX_ROOT/tampered/profiles/$a57.xml"
expect_exit 65 "a tampered profile (id attribute kept)" \
	"$MIGCHECK" --db "$T_TMP/tampered.db" fleet pull "$NGX_URL/tampered" "${FAST[@]}"
err_has "does not match its content"
check "  nothing imported from the tampered store" test "$(count_hosts "$T_TMP/tampered.db")" -eq 0

# A host record under another host's name (hosts/B.xml claiming host A):
# it would overwrite B with A's profile.
mkdir -p "$NGX_ROOT/renamed/hosts"
cp -r "$NGX_ROOT/fleet/profiles" "$NGX_ROOT/renamed/"
cp "$NGX_ROOT/fleet/hosts/arm-n1-1.xml" "$NGX_ROOT/renamed/hosts/"
cp "$NGX_ROOT/fleet/hosts/arm-a57-1.xml" "$NGX_ROOT/renamed/hosts/x86-max-1.xml"
expect_exit 65 "a host record stored under another host's name" \
	"$MIGCHECK" --db "$T_TMP/renamed.db" fleet pull "$NGX_URL/renamed" "${FAST[@]}"
err_has "$NGX_URL/renamed/hosts/x86-max-1.xml: the record is of host 'arm-a57-1', not of 'x86-max-1'"
check "  nothing imported from that store" test "$(count_hosts "$T_TMP/renamed.db")" -eq 0
# A truncated index file on the store: well-formed HTTP, broken content.
mkdir -p "$NGX_ROOT/cut"
head -c 300 "$MC_TESTDATA/fleet/store-v1/index.xml" >"$NGX_ROOT/cut/index.xml"
expect_exit 65 "a truncated index document" mc_e fleet pull "$NGX_URL/cut" "${FAST[@]}"
err_has "$NGX_URL/cut/index.xml: malformed XML"

# Oversized responses are cut off at --max-bytes.
mkdir -p "$NGX_ROOT/big"
{
	echo '<hosts xmlns="urn:x-migcheck:host:1">'
	for i in $(seq 12000); do
		printf '<host name="h%d" profile="%s" probed="2026-01-01T00:00:00Z"/>\n' "$i" "$a57"
	done
	echo '</hosts>'
} >"$NGX_ROOT/big/index.xml"
expect_exit 65 "an index over --max-bytes" mc_e fleet pull "$NGX_URL/big" --max-bytes 256K "${FAST[@]}"
err_has "response larger than the 262144 byte limit"

# A body cut short by the server (Content-Length promises more): python3
# plays the broken server since nginx never sends a short body.
if command -v python3 >/dev/null; then
	python3 - "$T_TMP/trunc.port" <<'EOF' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
for _ in range(4):
    c, _ = s.accept(); c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nContent-Type: application/xml\r\n\r\n"
              b'<hosts xmlns="urn:x-migcheck:host:1"><host name="h1"')
    c.close()
EOF
	tpid=$!
	for _ in $(seq 50); do [[ -s $T_TMP/trunc.port ]] && break; sleep 0.1; done
	expect_exit 69 "a body shorter than its Content-Length" \
		mc_e fleet pull "http://127.0.0.1:$(cat "$T_TMP/trunc.port")/fleet" --retries 1 --timeout 10
	err_has "PROPFIND failed after 2 attempts: transfer closed with"
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
else
	not_ok "python3 (the truncating test server) is missing"
fi
check "nothing was imported by any failed pull" test "$(count_hosts "$EMPTY")" -eq "$n_before"

# ---- S3: SigV4 signing (nginx does not check signatures; this shows the
# requests are signed and the secret never leaves the process) ----
expect_exit 64 "--s3 without credentials" mc_src fleet push "$NGX_URL/s3" --s3 eu-west-1 --host arm-a57-1
err_has "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"
SECRET=wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY
expect_exit 0 "push with --s3 (SigV4)" env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$SECRET \
	"$MIGCHECK" --db "$SRC" fleet push "$NGX_URL/s3" --s3 eu-west-1 --host arm-a57-1 "${FAST[@]}"
check "  PUT signed: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/DATE/eu-west-1/s3/aws4_request" \
	grep -qE '^PUT /s3/profiles/.* "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/[0-9]{8}/eu-west-1/s3/aws4_request, SignedHeaders=[^"]*x-amz-content-sha256[^"]*, Signature=[0-9a-f]{64}" "[0-9a-f]{64}"' "$NGX_LOG"
check "  the payload hash header is the body's SHA-256" \
	grep -q "^PUT /s3/profiles/$a57.xml .* \"$(sha256sum <"$NGX_ROOT/s3/profiles/$a57.xml" | cut -c1-64)\"" "$NGX_LOG"
check "  the secret appears nowhere (log, stdout, stderr)" \
	bash -c "! grep -qF '$SECRET' '$NGX_LOG' '$T_OUT' '$T_ERR'"
# (pull with --s3 lists the bucket: tests/integration/fleet-s3.sh, against
# s3rver; nginx is no S3 server and answers the listing with a redirect)
expect_exit 69 "pull with --s3 from a store that is not S3" env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$SECRET \
	"$MIGCHECK" --db "$T_TMP/s3.db" fleet pull "$NGX_URL/s3" --s3 eu-west-1 "${FAST[@]}"
err_has "$NGX_URL/s3?list-type=2&max-keys=1000&prefix=hosts%2F: GET: unexpected HTTP 301 Moved Permanently"
check "  the listing request was signed" \
	grep -qE '^GET /s3 301 [0-9]+ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/' "$NGX_LOG"

# ---- TLS: verification on by default ----
if command -v openssl >/dev/null; then
	ngx_stop
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" \
		2>/dev/null
	tport=20000
	while ! ngx_port_free "$tport"; do tport=$((tport + 1)); done
	ngx_start "} server { listen 127.0.0.1:$tport ssl; ssl_certificate $T_TMP/cert.pem; ssl_certificate_key $T_TMP/key.pem; root $NGX_ROOT; dav_ext_methods PROPFIND;" ||
		not_ok "nginx with TLS did not start"
	expect_exit 69 "https with an unknown CA" mc_e fleet pull "https://127.0.0.1:$tport/fleet" "${FAST[@]}"
	err_has "TLS verification failed"
	expect_exit 0 "https with --cacert" \
		"$MIGCHECK" --db "$T_TMP/tls.db" fleet pull "https://127.0.0.1:$tport/fleet" --cacert "$T_TMP/cert.pem" "${FAST[@]}"
	out_has "pulled 10 hosts over 8 profiles"
	expect_exit 0 "https with --insecure" \
		"$MIGCHECK" --db "$T_TMP/tls2.db" fleet pull "https://127.0.0.1:$tport/fleet" --insecure "${FAST[@]}"
	expect_exit 66 "--cacert naming a missing file" mc_e fleet pull "https://127.0.0.1:$tport/fleet" --cacert "$T_TMP/nope.pem"
	err_has "nope.pem: CA certificates"
else
	not_ok "openssl (for the TLS certificate) is missing"
fi

finish
