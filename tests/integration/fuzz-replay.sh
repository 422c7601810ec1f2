#!/usr/bin/env bash
# Replay every fuzz target's seed corpus (tests/fuzz/seeds.sh, from
# tests/data) and its crash regressions (tests/data/fuzz/TARGET/, inputs that
# once crashed or broke an invariant) through the target built with the plain
# driver (tests/fuzz/driver.c): no crash, no invariant broken, in this build
# and under ASan+UBSan in `make check-sanitizers`.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

bindir=$(dirname "$MIGCHECK")/tests/fuzz
export MC_PLAN_RNG=$MC_SRCDIR/schemas/plan.rng
for t in facts profile_xml domxml vfio_stream render; do
	bin=$bindir/replay_$t
	[[ -x $bin ]] || {
		not_ok "$t: $bin not built"
		continue
	}
	seeds=$T_TMP/seeds-$t
	bash "$MC_SRCDIR/tests/fuzz/seeds.sh" "$MC_SRCDIR" "$t" "$seeds"
	dirs=("$seeds")
	[[ -d $MC_TESTDATA/fuzz/$t ]] && dirs+=("$MC_TESTDATA/fuzz/$t")
	if "$bin" "${dirs[@]}" 2>"$T_TMP/$t.err"; then
		ok "$t: $(tail -n1 "$T_TMP/$t.err" | sed 's/.*: //')"
	else
		not_ok "$t: $(tail -n 5 "$T_TMP/$t.err")"
	fi
done
finish
