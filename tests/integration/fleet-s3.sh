#!/usr/bin/env bash
# migcheck fleet push/pull against a real S3 protocol server (issue 16):
# s3rver (npm, installed by .ci/deps.sh) on 127.0.0.1, path-style URLs
# (http://127.0.0.1:PORT/BUCKET/PREFIX), SigV4 signing by libcurl.
# s3rver checks the access key id but does not compute SigV4 signatures, so
# the signed requests also go through tests/integration/sigv4-proxy.py, which
# recomputes each signature with botocore (AWS's SDK) and answers 403
# SignatureDoesNotMatch as S3 does. Expected: push and pull work directly and
# through the checking proxy; a wrong secret is 403 from the proxy, a wrong
# key id 403 from s3rver, both exit 77 in one line; --debug shows the
# headers with the signature masked and never the secret; the pull lists
# hosts/ with ListObjectsV2 page by page (--max-keys 2: continuation tokens,
# signed and checked); 200 concurrent pushes lose nothing.
# s3rver 3.7 makes continuation tokens with DES, which OpenSSL 3 keeps in its
# legacy provider: node runs with --openssl-legacy-provider.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
command -v s3rver >/dev/null || skip "s3rver is not installed (npm install -g s3rver; .ci/deps.sh)"
python3 -c 'import botocore' 2>/dev/null || skip "python3 botocore is not installed (python3-botocore)"
PROFILES=$MC_TESTDATA/fleet/profiles
unset AWS_SESSION_TOKEN
export MIGCHECK_CONF=$T_TMP/none.conf # never the machine's /etc/migcheck.conf
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER # s3rver's built-in account
S3=(--s3 us-east-1 --retries 0 --connect-timeout 2 --timeout 20)

S3_PID='' PROXY_PID=''
stop() {
	[[ -n $PROXY_PID ]] && kill "$PROXY_PID" 2>/dev/null
	[[ -n $S3_PID ]] && kill "$S3_PID" 2>/dev/null
	wait 2>/dev/null
}
trap 'stop; rm -rf "$T_TMP"' EXIT
mkdir -p "$T_TMP/s3data"
NODE_OPTIONS=--openssl-legacy-provider s3rver -d "$T_TMP/s3data" -a 127.0.0.1 -p 0 --configure-bucket fleet >"$T_TMP/s3rver.log" 2>&1 &
S3_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/s3rver.log" && break; sleep 0.1; done
S3_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T_TMP/s3rver.log")
[[ -n $S3_PORT ]] || {
	not_ok "s3rver did not start: $(head -c 300 "$T_TMP/s3rver.log")"
	finish
	exit 1
}
python3 "$MC_SRCDIR/tests/integration/sigv4-proxy.py" "$S3_PORT" "$T_TMP/proxy.port" \
	"$T_TMP/proxy.log" S3RVER S3RVER us-east-1 2>"$T_TMP/proxy.err" &
PROXY_PID=$!
for _ in $(seq 100); do [[ -s $T_TMP/proxy.port ]] && break; sleep 0.1; done
read -r P_PORT _ <"$T_TMP/proxy.port" || true
check "s3rver on 127.0.0.1:$S3_PORT, the signature-checking proxy on :${P_PORT:-?}" test -n "${P_PORT:-}"
DIRECT=http://127.0.0.1:$S3_PORT/fleet/direct # path style: bucket 'fleet', prefix 'direct'
CHECKED=http://127.0.0.1:$P_PORT/fleet/store

SRC=$T_TMP/src.db
DST=$T_TMP/dst.db
mc_src() { "$MIGCHECK" --db "$SRC" "$@"; }
mc_dst() { "$MIGCHECK" --db "$DST" "$@"; }
declare -A HOSTPROF=([arm-max-1]=arm-max [x86-epyc-1]=x86-epyc [x86-epyc-2]=x86-epyc)
for h in "${!HOSTPROF[@]}"; do
	mc_src import "$PROFILES/${HOSTPROF[$h]}.facts" --host "$h" >/dev/null || not_ok "import $h"
done

# ---- push and pull, every request signed and checked ----
for h in arm-max-1 x86-epyc-1 x86-epyc-2; do
	expect_exit 0 "push $h (signatures checked)" mc_src fleet push "$CHECKED" --host "$h" "${S3[@]}"
	echo "#   $(cat "$T_OUT")"
done
check "  every request reached s3rver with a good signature" \
	bash -c "! grep -v ' signed ' '$T_TMP/proxy.log' | grep -q ."
check "  path style: the objects are in bucket 'fleet' under 'store'" \
	test -e "$T_TMP/s3data/fleet/store/hosts/arm-max-1.xml._S3rver_object"
check "  no index.xml: each push wrote its own record" \
	test ! -e "$T_TMP/s3data/fleet/store/index.xml._S3rver_object"
check "  two profiles stored (two hosts share one)" \
	test "$(find "$T_TMP/s3data/fleet/store/profiles" -name '*.xml._S3rver_object' | wc -l)" -eq 2
expect_exit 0 "pull (signatures checked)" mc_dst fleet pull "$CHECKED" "${S3[@]}"
echo "#   $(cat "$T_OUT")"
out_has "pulled 3 hosts over 2 profiles"
check "  one listing request (ListObjectsV2, prefix store/hosts/)" \
	test "$(grep -c '^GET /fleet?list-type=2&max-keys=1000&prefix=store%2Fhosts%2F signed 200' "$T_TMP/proxy.log")" -eq 1
mc_src hosts | awk 'NR > 1 {print $1, $2}' >"$T_TMP/src.hosts"
mc_dst hosts | awk 'NR > 1 {print $1, $2}' >"$T_TMP/dst.hosts"
check "  the pulled hosts are the pushed ones (name, profile)" cmp -s "$T_TMP/src.hosts" "$T_TMP/dst.hosts"
check "  no request was refused" bash -c "! grep -qv ' signed ' '$T_TMP/proxy.log'"
rm -f "$DST"
expect_exit 0 "pull with --max-keys 2: the listing in two pages" mc_dst fleet pull "$CHECKED" "${S3[@]}" --max-keys 2
out_has "pulled 3 hosts over 2 profiles"
check "  the second page asked with the first page's continuation token, signed" \
	grep -qE '^GET /fleet\?continuation-token=[^&]+&list-type=2&max-keys=2&prefix=store%2Fhosts%2F signed 200$' "$T_TMP/proxy.log"
check "  two listing requests" test "$(grep -c 'list-type=2&max-keys=2&' "$T_TMP/proxy.log")" -eq 2
mc_dst hosts | awk 'NR > 1 {print $1, $2}' >"$T_TMP/dst.hosts"
check "  the same hosts as in one page" cmp -s "$T_TMP/src.hosts" "$T_TMP/dst.hosts"
expect_exit 64 "--max-keys without --s3" mc_dst fleet pull "$CHECKED" --max-keys 2
err_has "--max-keys is for --s3"

# ---- directly against s3rver ----
expect_exit 0 "push straight to s3rver" mc_src fleet push "$DIRECT" --host arm-max-1 "${S3[@]}"
rm -f "$DST"
expect_exit 0 "pull straight from s3rver" mc_dst fleet pull "$DIRECT" "${S3[@]}"
out_has "pulled 1 hosts over 1 profiles"

# ---- wrong credentials: 403, exit 77, one line, the secret never shown ----
n=$(wc -l <"$T_TMP/proxy.log")
AWS_SECRET_ACCESS_KEY=not-the-secret-42 expect_exit 77 "wrong secret: 403 from the signature check" \
	mc_dst fleet pull "$CHECKED" "${S3[@]}"
err_has "http://127.0.0.1:$P_PORT/fleet?list-type=2&max-keys=1000&prefix=store%2Fhosts%2F: GET refused: HTTP 403 Forbidden"
check "  the proxy refused it: SignatureDoesNotMatch" \
	bash -c "tail -n +$((n + 1)) '$T_TMP/proxy.log' | grep -qF 'GET /fleet?list-type=2&max-keys=1000&prefix=store%2Fhosts%2F SignatureDoesNotMatch 403'"
check "  the secret is not printed" bash -c "! grep -q not-the-secret '$T_ERR'"
AWS_ACCESS_KEY_ID=NOBODY expect_exit 77 "wrong access key id: 403 from s3rver itself" \
	mc_dst fleet pull "$DIRECT" "${S3[@]}"
err_has "http://127.0.0.1:$S3_PORT/fleet?list-type=2&max-keys=1000&prefix=direct%2Fhosts%2F: GET refused: HTTP 403 Forbidden"
AWS_SECRET_ACCESS_KEY=not-the-secret-42 expect_exit 77 "wrong secret on push: refused at the first request" \
	mc_src fleet push "$CHECKED" --host arm-max-1 "${S3[@]}"
err_has "HEAD refused: HTTP 403 Forbidden"

# ---- --debug: libcurl's headers, the signature masked ----
expect_exit 0 "--debug pull" "$MIGCHECK" --db "$DST" --debug fleet pull "$CHECKED" "${S3[@]}"
check "  the request headers are shown" grep -qF 'migcheck: curl> GET /fleet?list-type=2&max-keys=1000&prefix=store%2Fhosts%2F HTTP/1.1' "$T_ERR"
check "  the response headers are shown" grep -q '^migcheck: curl< HTTP/1.1 200' "$T_ERR"
check "  Authorization shows its scheme only" grep -qx 'migcheck: curl> Authorization: AWS4-HMAC-SHA256 \*\*\*' "$T_ERR"
check "  no signature, credential or secret anywhere" \
	bash -c "! grep -Eq 'Signature=|Credential=|S3RVER' '$T_ERR'"

# ---- 200 concurrent pushes straight to s3rver: nothing lost ----
CONC=$T_TMP/conc.db
PROF_LIST=(arm-a57 arm-n1 x86-epyc x86-qemu64)
for i in $(seq -w 1 200); do
	p=${PROF_LIST[$((10#$i % ${#PROF_LIST[@]}))]}
	"$MIGCHECK" --db "$CONC" import "$PROFILES/$p.facts" --host "c$i" >/dev/null || not_ok "import c$i"
done
CONC_URL=http://127.0.0.1:$S3_PORT/fleet/conc
start=$(date +%s.%N)
pids=()
for i in $(seq -w 1 200); do
	"$MIGCHECK" --db "$CONC" fleet push "$CONC_URL" --host "c$i" --s3 us-east-1 --retries 3 --timeout 120 \
		>"$T_TMP/conc.$i.out" 2>"$T_TMP/conc.$i.err" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "# 200 concurrent pushes to s3rver: $failed failed, ${secs}s"
check "  all 200 pushes succeeded" test "$failed" -eq 0
expect_exit 0 "pull after 200 concurrent pushes (--max-keys 64: four pages)" \
	"$MIGCHECK" --db "$T_TMP/conc-pulled.db" fleet pull "$CONC_URL" "${S3[@]}" --max-keys 64
out_has "pulled 200 hosts over ${#PROF_LIST[@]} profiles"
"$MIGCHECK" --db "$CONC" hosts | awk 'NR > 1 {print $1, $2, $5}' >"$T_TMP/conc.src"
"$MIGCHECK" --db "$T_TMP/conc-pulled.db" hosts | awk 'NR > 1 {print $1, $2, $5}' >"$T_TMP/conc.dst"
check "  every pushed host is there (name, profile, probe time): nothing lost" \
	cmp -s "$T_TMP/conc.src" "$T_TMP/conc.dst"
finish
