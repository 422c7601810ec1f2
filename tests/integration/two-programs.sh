#!/usr/bin/env bash
# The two programs and the CPU map cache (README "Two programs", issue 16
# item 9): migcheck links neither libvirt nor libcurl and hands probe,
# migrate and fleet to migcheck-full; a plan reads libvirt's CPU map from a
# cache of the parsed XML, and gives the same answers with it, without it,
# and with every kind of bad cache.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
FULL=$(dirname "$MIGCHECK")/migcheck-full
X=$MC_TESTDATA/plan-x86
P=$MC_TESTDATA/fleet/profiles
mc() { "$MIGCHECK" "$@"; }

# ---- the two programs ----
needed() { readelf -d "$1" | grep -c "NEEDED.*\(libvirt\|libcurl\)"; }
check "migcheck links neither libvirt nor libcurl" test "$(needed "$MIGCHECK")" -eq 0
check "migcheck-full links both" test "$(needed "$FULL")" -eq 2
expect_exit 0 "probe --list runs migcheck-full" mc probe --list
out_has "libvirt"
expect_exit 0 "fleet --help is answered by migcheck itself" mc fleet --help
out_has "fleet push"
# a verb migcheck-full serves keeps the global options given before it
expect_exit 66 "--db before a migcheck-full verb reaches it" \
	mc --db "$T_TMP/nodir/x.db" fleet push http://127.0.0.1:9/s --host h
err_has "$T_TMP/nodir/x.db"
# without migcheck-full beside it nor installed: one line, exit 69
mkdir -p "$T_TMP/alone"
cp "$MIGCHECK" "$T_TMP/alone/migcheck"
# (where this build looks when none is beside it: config.h)
INSTALLED=$(sed -n 's/^#define MC_PKGLIBEXECDIR "\(.*\)"$/\1/p' "$(dirname "$MIGCHECK")/config.h")/migcheck-full
if [[ ! -e $INSTALLED ]]; then
	expect_exit 69 "no migcheck-full: exit 69" "$T_TMP/alone/migcheck" fleet pull http://127.0.0.1:9/s
	err_has "cannot run $INSTALLED"
else
	expect_exit 0 "the installed $INSTALLED is used" "$T_TMP/alone/migcheck" probe --list
fi
check "probe tables agree (probe --list of both)" \
	cmp -s <(mc probe --list) <("$FULL" probe --list)

# ---- the CPU map cache: same answers ----
C=$T_TMP/cache
plan_case() { # NAME CACHEDIR -> "exit" line + stdout
	local n=$1 pins=()
	if [[ -f $X/$n.pins ]]; then
		while read -r p; do [[ -n $p ]] && pins+=(--pin "$p"); done <"$X/$n.pins"
	fi
	MIGCHECK_CACHE_DIR=$2 "$MIGCHECK" plan "$X/$n.src" "$X/$n.dst" "${pins[@]}" 2>&1
	echo "exit $?"
}
n_cases=0 n_same=0
rm -rf "$C"
for f in "$X"/*.src; do
	n=$(basename "$f" .src)
	n_cases=$((n_cases + 1))
	none=$(plan_case "$n" "")
	cold=$(plan_case "$n" "$C")
	warm=$(plan_case "$n" "$C")
	[[ $none == "$cold" && $none == "$warm" ]] && n_same=$((n_same + 1))
	[[ $none == "$cold" && $none == "$warm" ]] || echo "differs: $n"
done
check "every plan-x86 case ($n_cases) answers the same without, with a cold and a warm cache" \
	test "$n_same" -eq "$n_cases"
check "one cache file for the map" test "$(find "$C" -name 'cpu_map-*.cache' | wc -l)" -eq 1

plan2() { mc --debug plan "$P/x86-epyc.facts" "$P/x86-max.facts"; }
expect_exit 2 "plan x86 (warm)" plan2
check "  the warm plan read the cache" grep -q "read from the cache" "$T_ERR"
cp "$T_OUT" "$T_TMP/want"

# ---- bad caches: never used, never fatal, same answer ----
CF=$(find "$C" -name 'cpu_map-*.cache')
cp "$CF" "$T_TMP/good.cache"
bad_cache() { # DESCRIPTION REASON: the plan parses the XML, same output
	expect_exit 2 "$1" plan2
	if grep -q "parsed (cache: .*$2" "$T_ERR" && cmp -s "$T_OUT" "$T_TMP/want"; then
		ok "  not used ($2), same plan"
	else
		not_ok "  $1: $(grep -i 'cpu map' "$T_ERR")"
	fi
}
head -c 2000 "$T_TMP/good.cache" >"$CF"
bad_cache "truncated cache" "truncated"
check "  ... and it was rewritten" grep -q "read from the cache" <(plan2 2>&1 >/dev/null)
sed 's/^cpuid \([0-9]*\) /cpuid x\1 /' "$T_TMP/good.cache" >"$CF"
bad_cache "a malformed record" "malformed record"
sed 's/^file \([0-9]*\) /file 1\1 /' "$T_TMP/good.cache" >"$CF"
bad_cache "a file of another size (stale)" "stale"
printf 'migcheck cpu_map cache 1\ndir /usr/share/libvirt/cpu_map\nend\n' >"$CF"
bad_cache "a cache naming no file" "stale"
sed 's/^migcheck cpu_map cache 1$/migcheck cpu_map cache 0/' "$T_TMP/good.cache" >"$CF"
bad_cache "another cache version" "another version"
cp "$T_TMP/good.cache" "$CF"
chmod 0666 "$CF"
bad_cache "a cache writable by others" "writable by others"
cp "$T_TMP/good.cache" "$CF"
chown nobody "$CF"
bad_cache "a cache owned by another user" "another user"
rm -f "$CF"
ln -s "$T_TMP/good.cache" "$CF"
bad_cache "a symbolic link as the cache" "Too many levels of symbolic links"
check "  the link was not replaced" test -L "$CF"
rm -f "$CF"
mkfifo "$CF"
bad_cache "a FIFO as the cache" "not a regular file"
check "  the FIFO is still a FIFO" test -p "$CF"
rm -f "$CF"
expect_exit 2 "a cache directory that cannot be made" \
	env MIGCHECK_CACHE_DIR=/proc/nonexistent/x "$MIGCHECK" plan "$P/x86-epyc.facts" "$P/x86-max.facts"
check "  same plan" cmp -s "$T_OUT" "$T_TMP/want"

# ---- a changed map is seen ----
M=$T_TMP/map
cp -r /usr/share/libvirt/cpu_map "$M"
export MIGCHECK_CPU_MAP=$M
expect_exit 0 "plan with the copied map (qemu64 pin)" \
	mc plan "$P/x86-qemu64.facts" "$P/x86-qemu64.facts" --pin CPU=qemu64
expect_exit 0 "again (cache warm)" mc --debug plan "$P/x86-qemu64.facts" "$P/x86-qemu64.facts" --pin CPU=qemu64
check "  read from the cache" grep -q "read from the cache" "$T_ERR"
# qemu64 names a feature the map no longer defines: the model is broken now
sed -i "s/<feature name='sse2'\/>/<feature name='sse2-gone'\/>/" "$M/x86_qemu64.xml"
expect_exit 65 "a model file changed: the cache is stale, the new map is read" \
	mc plan "$P/x86-qemu64.facts" "$P/x86-qemu64.facts" --pin CPU=qemu64
err_has "unknown feature sse2-gone"
finish
