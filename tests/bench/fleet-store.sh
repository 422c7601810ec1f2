#!/usr/bin/env bash
# Fleet store benchmark at fleet scale: a store of HOSTS host records
# (hosts/NAME.xml, as `fleet push` writes them) over the real profiles of
# tests/data/fleet/profiles, in a private local nginx (WebDAV PUT, PROPFIND
# from dav_ext). The profiles are pushed by migcheck; the host records are
# generated into the store directory directly, in the writer's exact format.
# Figures, each the median of alternating rounds against its baseline
# (tests/bench/lib.sh):
#   push  PUSHES `migcheck fleet push` runs, each of one host into the
#         HOSTS-host store, vs as many curl runs doing the same requests
#         (HEAD of the profile, PUT of the host record) with the same bytes;
#         and the same pushes into the big store vs into a store of the same
#         profiles and no other host: the cost of a push is that of its own
#         requests, whatever the fleet's size;
#   pull  `migcheck fleet pull` of the whole store into a new inventory vs
#         one curl run fetching the same files over one connection (the
#         PROPFIND of hosts/, every host record, every profile): the
#         transfer alone, the floor of any pull.
# Usage: fleet-store.sh BUILDDIR [HOSTS] [PUSHES]
set -euo pipefail
B=$(cd "${1:-.}" && pwd)
NHOSTS=${2:-100000}
NPUSH=${3:-20}
S=$(cd "$(dirname "$0")/../.." && pwd)
MIGCHECK=$B/migcheck
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-bench.XXXXXX")
# shellcheck source=tests/integration/fleet-nginx.sh
. "$S/tests/integration/fleet-nginx.sh"
# shellcheck source=tests/bench/lib.sh
. "$S/tests/bench/lib.sh"
trap 'ngx_stop; rm -rf "$T_TMP"' EXIT
if [[ -z $NGX_BIN ]]; then
	echo "fleet-store: SKIP (nginx not installed)"
	[[ ${MC_NO_SKIP:-} == 1 ]] && exit 1
	exit 0
fi
ngx_start "" || {
	echo "fleet-store: nginx did not start" >&2
	exit 1
}
export MIGCHECK_CONF=$T_TMP/none.conf
STORE=$NGX_URL/fleet
ROOT=$NGX_ROOT/fleet
PROFILES=$S/tests/data/fleet/profiles

# The profiles, pushed (one seed host each), then the host records.
SEED=$T_TMP/seed.db
for p in "$PROFILES"/*.facts; do
	n=seed-$(basename "$p" .facts)
	"$MIGCHECK" --db "$SEED" import "$p" --host "$n" >/dev/null
	"$MIGCHECK" --db "$SEED" fleet push "$STORE" --host "$n" >/dev/null
done
rm -f "$ROOT"/hosts/seed-*.xml
mapfile -t IDS < <(find "$ROOT/profiles" -name '*.xml' -printf '%f\n' | sed 's/\.xml$//' | sort)
python3 - "$ROOT/hosts" "$NHOSTS" "${IDS[@]}" <<'EOF'
import os, sys
d, n, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for i in range(1, n + 1):
    name = "kvm%06d" % i
    with open(os.path.join(d, name + ".xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<host name="%s" profile="%s" '
                'probed="2026-11-24T03:%02d:00Z" xmlns="urn:x-migcheck:host:1"/>\n'
                % (name, ids[i % len(ids)], i % 60))
EOF
bytes=$(find "$ROOT" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "fleet-store: $NHOSTS hosts, ${#IDS[@]} profiles, $bytes bytes in the store (nginx $NGX_URL)"

# ---- push: one host into the big store ----
PUSHDB=$T_TMP/push.db
PID=$("$MIGCHECK" --db "$SEED" export seed-x86-epyc --format facts | sha256sum | cut -c1-64)
for i in $(seq "$NPUSH"); do
	"$MIGCHECK" --db "$PUSHDB" import "$PROFILES/x86-epyc.facts" --host "new$i" >/dev/null
done
# curl's record: the bytes migcheck writes for that host (same length, same PUT)
probed=$("$MIGCHECK" --db "$PUSHDB" hosts | awk '$1 == "new1" { print $5 }')
rec() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<host name="%s" profile="%s" probed="%s" xmlns="urn:x-migcheck:host:1"/>\n' \
		"$1" "$PID" "$probed"
}
for i in $(seq "$NPUSH"); do rec "curl$i" >"$T_TMP/curl$i.xml"; done
curl_push() {
	local i
	for i in $(seq "$NPUSH"); do
		curl -sf -o /dev/null -I "$STORE/profiles/$PID.xml" --next -sf -o /dev/null \
			-H 'Content-Type: application/xml' -T "$T_TMP/curl$i.xml" "$STORE/hosts/curl$i.xml"
	done
}
push() {
	local i
	for i in $(seq "$NPUSH"); do
		"$MIGCHECK" --db "$PUSHDB" fleet push "$STORE" --host "new$i" >"$T_TMP/push.out"
	done
}
bench_alternate curl_push push
printf 'fleet-store: push (%d pushes of one host into %d hosts) %s ms; curl doing the same requests %s ms; ratio %sx%s\n' \
	"$NPUSH" "$NHOSTS" "$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-store:   $(cat "$T_TMP/push.out")"
mkdir -p "$NGX_ROOT/small"
cp -r "$ROOT/profiles" "$NGX_ROOT/small/"
push_small() {
	local i
	for i in $(seq "$NPUSH"); do
		"$MIGCHECK" --db "$PUSHDB" fleet push "$NGX_URL/small" --host "new$i" >/dev/null
	done
}
bench_alternate push_small push
printf 'fleet-store: push into %d hosts %s ms; the same pushes into a store of no other host %s ms; ratio %sx%s\n' \
	"$NHOSTS" "$BENCH_SUBJ_MED" "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
cmp -s <(rec new1 | sed 's/new1/X/') <(sed 's/new1/X/' "$ROOT/hosts/new1.xml") ||
	echo "fleet-store: note: curl's record differs from migcheck's" >&2
rm -f "$ROOT"/hosts/new*.xml "$ROOT"/hosts/curl*.xml

# ---- pull: the whole store ----
{
	printf 'url = "%s/hosts/"\nrequest = PROPFIND\nheader = "Depth: 1"\noutput = /dev/null\nsilent\nfail\nnext\n' "$STORE"
	find "$ROOT/hosts" -name '*.xml' -printf '%f\n' | LC_ALL=C sort |
		awk -v u="$STORE/hosts/" '{ printf "url = \"%s%s\"\noutput = /dev/null\n", u, $1 }'
	for id in "${IDS[@]}"; do printf 'url = "%s/profiles/%s.xml"\noutput = /dev/null\n' "$STORE" "$id"; done
} >"$T_TMP/curl.conf"
curl_pull() { curl -sf -K "$T_TMP/curl.conf"; }
pull_prep() { rm -f "$T_TMP/pulled.db" "$T_TMP/pulled.db-wal" "$T_TMP/pulled.db-shm"; }
pull() { "$MIGCHECK" --db "$T_TMP/pulled.db" fleet pull "$STORE" >"$T_TMP/pull.out"; }
bench_alternate curl_pull pull
printf 'fleet-store: pull+import of %d hosts %s ms; curl of the same %d requests %s ms; ratio %sx%s\n' \
	"$NHOSTS" "$BENCH_SUBJ_MED" $((NHOSTS + ${#IDS[@]} + 1)) "$BENCH_BASE_MED" "$BENCH_RATIO" "$BENCH_ROUNDS"
echo "fleet-store:   $(cat "$T_TMP/pull.out")"
