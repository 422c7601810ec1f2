#!/usr/bin/env bash
# migcheck report --html: an inventory of real emulated-host profiles
# (tests/data/plan/real-*, matrix/max-a57.*, plan-x86/real-*) plus hostile
# host names, rendered to one HTML page, then loaded in headless Chromium:
# the page's own script ran under its Content-Security-Policy and drew the
# matrix from the page's data, the screenshot shows every visible cell in its
# verdict's colour, a #d-R-C link opens with the cell's decisive verdicts in
# the panel, built by the script, each equal to the verdicts of `migcheck
# plan --format json` of the pair (report-panel.py; the first blocked and
# action cells, the cell with the most verdicts, an other-architecture
# cell), and nothing a host name carries became markup. The cells planned
# on 3 threads under helgrind: no data race, the same page. Every cell is the
# verdict a single `migcheck plan SRC DST` gives for its pair. Bad inputs: missing
# or malformed options, missing inventory, empty fleet, an architecture the
# fleet lacks, an unwritable destination (the previous page is kept).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[[ -n $CHROMIUM ]] || skip "chromium is not installed (apt-get install chromium)"
command -v python3 >/dev/null || skip "python3 is not installed (needed to decode the PNG)"
mc() { "$MIGCHECK" "$@"; }
D=$MC_TESTDATA

# ---- the inventory: one host per file, files of one host share profiles ----
n=0
for f in "$D"/plan/real-*.src "$D"/plan/real-*.dst "$D"/matrix/max-a57.* "$D"/plan-x86/real-*.src \
	"$D"/plan-x86/real-*.dst; do
	[[ $f == *.expect ]] && continue
	h=$(basename "$(dirname "$f")")-$(basename "$f" | tr . -)
	mc import "$f" --host "$h" >/dev/null || not_ok "import $f"
	n=$((n + 1))
done
mc import "$D/fleet/profiles/arm-a57.facts" --host '<script>alert(1)</script>' >/dev/null ||
	not_ok "import a hostile host name"
mc import "$D/fleet/profiles/x86-max.facts" --host '"><img src=x onerror=alert(2)>' >/dev/null ||
	not_ok "import a hostile host name"
n=$((n + 2))
nprof=$(mc hosts | awk 'NR > 1 {print $(NF - 5)}' | sort -u | wc -l)
check "inventory: $n hosts" test "$(mc hosts | tail -n +2 | wc -l)" -eq "$n"
echo "# $n hosts over $nprof profiles"

# ---- render ----
PAGE=$T_TMP/report.html
expect_exit 0 "report --html" mc report --html "$PAGE"
out_has "$PAGE: $nprof of $nprof classes ($n of $n hosts), $((nprof * nprof)) cells"
check "the page is well-formed XML" xmllint --noout "$PAGE"
# The cells are planned on several threads sharing one CPU map (its memo of
# derived arrays is locked): helgrind finds no data race, and the page is
# the one a single thread writes.
# (An ASan build cannot run under valgrind: there the threads run without
# it; check-all's first round runs helgrind on the plain build.)
nogen() { sed 's/; generated [0-9T:Z-]*//' "$1"; }
if ldd "$MIGCHECK" 2>/dev/null | grep -q libasan; then
	MC_REPORT_THREADS=3 expect_exit 0 "report --html on 3 threads (ASan build: no helgrind)" \
		"$MIGCHECK" report --html "$T_TMP/threads.html"
	check "  the same page as one thread's (but its time)" cmp -s <(nogen "$PAGE") <(nogen "$T_TMP/threads.html")
elif command -v valgrind >/dev/null; then
	MC_REPORT_THREADS=3 expect_exit 0 "report --html on 3 threads under helgrind" \
		valgrind --tool=helgrind -q --error-exitcode=9 "$MIGCHECK" report --html "$T_TMP/threads.html"
	check "  no data race reported" test ! -s "$T_ERR"
	check "  the same page as one thread's (but its time)" cmp -s <(nogen "$PAGE") <(nogen "$T_TMP/threads.html")
else
	not_ok "valgrind is not installed (apt-get install valgrind)"
fi
check "the page parses as HTML" bash -c "xmllint --html --noout --nowarning '$PAGE' 2>/dev/null"
check "ok, blocked and other-architecture cells in the page's data" \
	bash -c "grep -q '{\"kind\":\"ok\"}' '$PAGE' && grep -q '{\"kind\":\"blocked\",' '$PAGE' &&
		grep -q '{\"kind\":\"na\"}' '$PAGE'"
check "hostile host names appear escaped" \
	bash -c "grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' '$PAGE' &&
		grep -qF '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;' '$PAGE'"
check "exactly one <script> element, the page's own" test "$(grep -o '<script' "$PAGE" | wc -l)" -eq 1
check "no reference outside the page" \
	bash -c "! grep -Eo '[[:space:]](src|href)=\"[^#\"][^\"]*\"|url\\(|@import' '$PAGE'"
check "hosts per profile on the axis labels" grep -q 'data-hosts="[2-9]"' "$PAGE"
# Every cell against the verdict of a single `migcheck plan SRC DST` of its pair
# (tests/integration/data-check.py --page); the same check on a copy with one
# cell changed must fail (its plan answers kept in $T_TMP/plans).
export MC_DATA_CHECK_CACHE=$T_TMP/plans
python3 "$MC_SRCDIR/tests/integration/data-check.py" --page "$PAGE" >"$T_TMP/page.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/page.out"
check "every cell is the verdict of a single migcheck plan of its pair" test "$rc" -eq 0
sed 's/{"kind":"ok"}/{"kind":"blocked"}/' "$PAGE" >"$T_TMP/wrong.html"
python3 "$MC_SRCDIR/tests/integration/data-check.py" --page "$T_TMP/wrong.html" >"$T_TMP/wrong.out" 2>&1
rc=$?
check "  and a page with one cell changed fails that check" \
	bash -c "[[ $rc -eq 1 ]] && grep -q '^FAIL .*is blocked; migcheck plan says ok' '$T_TMP/wrong.out'"
unset MC_DATA_CHECK_CACHE
expect_exit 0 "report --html - (standard output)" mc report --html -
check "standard output gets the same page" \
	cmp -s <(grep -v 'generated\|<title>' "$T_OUT") <(grep -v 'generated\|<title>' "$PAGE")
err_has "report: $nprof of $nprof classes"
expect_exit 0 "--arch x86_64" mc report --html "$T_TMP/x86.html" --arch x86_64
check "  only x86_64 profiles" bash -c "! grep -q 'aarch64' '$T_TMP/x86.html'"
expect_exit 0 "--max-profiles 2" mc report --html "$T_TMP/cap.html" --max-profiles 2
out_has "2 of $nprof classes"
check "  the page says what was left out" grep -q "Not shown: $((nprof - 2)) more classes" \
	"$T_TMP/cap.html"

# ---- bad inputs ----
expect_exit 64 "no --html" mc report
err_has "--html FILE is required"
expect_exit 64 "--max-profiles 0" mc report --html "$T_TMP/x.html" --max-profiles 0
err_has "not a number from 1 to 2000"
expect_exit 64 "--max-profiles 2001" mc report --html "$T_TMP/x.html" --max-profiles 2001
expect_exit 64 "--max-profiles abc" mc report --html "$T_TMP/x.html" --max-profiles abc
expect_exit 64 "stray argument" mc report --html "$T_TMP/x.html" extra
err_has "unexpected argument 'extra'"
expect_exit 66 "--fleet: no such inventory" mc report --html "$T_TMP/x.html" --fleet "$T_TMP/nope.db"
check "  nothing written" test ! -e "$T_TMP/x.html"
expect_exit 0 "an empty inventory" mc --db "$T_TMP/empty.db" import "$D/fleet/profiles/arm-a57.facts" \
	--host tmp
sqlite3 "$T_TMP/empty.db" 'DELETE FROM hosts' 2>/dev/null || true
if [[ $(mc --db "$T_TMP/empty.db" hosts | tail -n +2 | wc -l) -eq 0 ]]; then
	expect_exit 66 "empty fleet" mc report --html "$T_TMP/x.html" --fleet "$T_TMP/empty.db"
	err_has "the fleet has no hosts"
fi
cp "$PAGE" "$T_TMP/before.html"
expect_exit 66 "--arch the fleet lacks" mc report --html "$PAGE" --arch s390x
err_has "the fleet has no s390x profile"
check "  the previous page is kept" cmp -s "$PAGE" "$T_TMP/before.html"
expect_exit 74 "unwritable destination" mc report --html "$T_TMP/no/such/dir/r.html"
err_has "cannot create"
check "no temporary files left behind" \
	test "$(find "$T_TMP" -name 'report.html.*' -o -name 'x.html*' | wc -l)" -eq 0

# ---- headless Chromium ----
chrome() {
	local prof
	prof=$(mktemp -d "$T_TMP/chromium.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
		--window-size=1400,1000 --enable-logging=stderr --v=0 "$@"
}
chrome --screenshot="$T_TMP/shot.png" "file://$PAGE" >"$T_TMP/shot.out" 2>"$T_TMP/shot.err"
check "chromium wrote a screenshot" test -s "$T_TMP/shot.png"
chrome --dump-dom "file://$PAGE" >"$T_TMP/dom.html" 2>"$T_TMP/dom.err"
check "the page's script ran (data-ready)" grep -q '<html[^>]*data-ready="1"' "$T_TMP/dom.html"
check "no Content-Security-Policy violation" \
	bash -c "! grep -qi 'Content Security Policy' '$T_TMP/shot.err' '$T_TMP/dom.err'"
check "the script drew one cell per pair" \
	test "$(grep -o '<rect id="c-[0-9]*-[0-9]*" class="cell [a-z]*" x="[0-9]*" y="[0-9]*" width="[0-9]*" height="[0-9]*" data-r="[0-9]*" data-c="[0-9]*" data-src="[0-9a-f]*" data-dst="[0-9a-f]*"' \
		"$T_TMP/dom.html" | sort -u | wc -l)" -eq $((nprof * nprof))
check "  ok, blocked and other-architecture cells, and the glyphs of each kind" \
	bash -c "for k in ok blocked na; do
		grep -q \"class=\\\"cell \$k\\\"\" '$T_TMP/dom.html' &&
		grep -q \"<path class=\\\"g\\\" data-kind=\\\"\$k\\\" data-n=\\\"[0-9]*\\\" d=\\\"M\" '$T_TMP/dom.html' || exit 1; done"
check "  as many glyphs as cells, of each kind" bash -c "for k in ok action blocked na error; do
		c=\$(grep -o \"class=\\\"cell \$k[ \\\"]\" '$T_TMP/dom.html' | wc -l)
		g=\$(grep -o \"<path class=\\\"g\\\" data-kind=\\\"\$k\\\" data-n=\\\"[0-9]*\" '$T_TMP/dom.html' | sed 's/.*\\\"//')
		[[ \$c -eq \${g:-0} ]] || exit 1; done"
check "the DOM holds one script element (nothing injected)" \
	test "$(grep -o '<script' "$T_TMP/dom.html" | wc -l)" -eq 1
check "the hostile host name is text in the DOM" grep -qF '&lt;script&gt;alert(1)' "$T_TMP/dom.html"
python3 "$MC_SRCDIR/tests/integration/report-cells.py" "$T_TMP/dom.html" "$T_TMP/shot.png" \
	>"$T_TMP/cells.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/cells.out"
check "every visible cell has its verdict's colour in the screenshot" test "$rc" -eq 0

# A link to a cell opens with its decisive verdicts in the panel.
blk=$(grep -o '<rect id="c-[0-9]*-[0-9]*" class="cell blocked"' "$T_TMP/dom.html" | head -1 |
	sed 's/.*id="c-\([0-9]*-[0-9]*\)".*/\1/')
chrome --dump-dom "file://$PAGE#d-$blk" >"$T_TMP/pinned.html" 2>/dev/null
grep -o '<div id="panel-body">.*</aside>' "$T_TMP/pinned.html" >"$T_TMP/panel.html"
check "#d-$blk: the panel shows the cell's verdicts" \
	bash -c "grep -q 'class=\"detail blocked\"' '$T_TMP/panel.html' &&
		grep -q '<div class=\"v blocked\"><div class=\"vh\"><span class=\"lv\">blocked</span>' '$T_TMP/panel.html' &&
		grep -q 'migcheck plan' '$T_TMP/panel.html'"
check "#d-$blk: the cell is selected" grep -q "id=\"c-$blk\" class=\"cell blocked pinned\"" \
	"$T_TMP/pinned.html"

# The details the script builds for a cell are the plan's verdicts of its pair.
python3 "$MC_SRCDIR/tests/integration/report-panel.py" pick "$PAGE" >"$T_TMP/pick.out"
check "cells to open: blocked, most verdicts, other architecture (no action pair here)" \
	test "$(wc -l <"$T_TMP/pick.out")" -ge 3
while read -r at src dst; do
	chrome --dump-dom "file://$PAGE#d-$at" >"$T_TMP/at.html" 2>/dev/null
	if [[ $(sed -n 's/.*class="cell \([a-z]*\) pinned".*/\1/p' "$T_TMP/at.html" | head -1) == na ]]; then
		python3 "$MC_SRCDIR/tests/integration/report-panel.py" check-na "$T_TMP/at.html" >"$T_TMP/panel.out" 2>&1
		rc=$?
	else
		mc plan "$src" "$dst" --format json >"$T_TMP/plan.json"
		python3 "$MC_SRCDIR/tests/integration/report-panel.py" check "$T_TMP/at.html" "$T_TMP/plan.json" \
			>"$T_TMP/panel.out" 2>&1
		rc=$?
		cp "$T_TMP/at.html" "$T_TMP/last.html"
	fi
	sed 's/^/# /' "$T_TMP/panel.out"
	check "#d-$at: the panel lists the plan's verdicts of $(head -c 12 <<<"$src") -> $(head -c 12 <<<"$dst")" test "$rc" -eq 0
done <"$T_TMP/pick.out"
# ... and the same check fails for a panel of another pair.
read -r _ src dst < <(head -1 "$T_TMP/pick.out")
mc plan "$dst" "$src" --format json >"$T_TMP/plan.json"
python3 "$MC_SRCDIR/tests/integration/report-panel.py" check "$T_TMP/last.html" "$T_TMP/plan.json" \
	>"$T_TMP/panel.out" 2>&1
rc=$?
check "  and the check fails against the plan of another pair" \
	bash -c "[[ $rc -eq 1 ]] && grep -q '^FAIL' '$T_TMP/panel.out'"
if [[ -n ${MC_KEEP_REPORT:-} ]]; then
	cp "$PAGE" "$T_TMP/shot.png" "$MC_KEEP_REPORT"/
	chrome --screenshot="$MC_KEEP_REPORT/pinned.png" "file://$PAGE#d-$blk" >/dev/null 2>&1
fi
finish
