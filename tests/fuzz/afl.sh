#!/usr/bin/env bash
# Run the fuzz targets under AFL++ for a bounded time each (make fuzz-afl).
#   afl.sh SRCDIR AFLBUILD OUTDIR SECONDS TARGET...
# AFLBUILD holds tests/fuzz/replay_TARGET built with CC=afl-clang-fast (the
# plain driver.c main reads the file AFL++ passes as @@). Findings go to
# OUTDIR/afl/TARGET; exits 1 when a target has crashes or hangs.
set -uo pipefail
src=$1 build=$2 out=$3 secs=$4
shift 4
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_QUIET=1 MC_PLAN_RNG=$src/schemas/plan.rng
failed=0
for t in "$@"; do
	seeds=$(mktemp -d)
	bash "$src/tests/fuzz/seeds.sh" "$src" "$t" "$seeds"
	# AFL++ wants small seeds: drop those over 64 KiB
	find "$seeds" -type f -size +64k -delete
	dir=$out/afl/$t
	rm -rf "$dir"
	mkdir -p "$out/afl"
	timeout $((secs + 60)) afl-fuzz -V "$secs" -i "$seeds" -o "$dir" -m none -t 5000 -- \
		"$build/tests/fuzz/replay_$t" >"$out/afl-$t.log" 2>&1
	rc=$?
	rm -rf "$seeds"
	stats=$dir/default/fuzzer_stats
	get() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null; }
	crashes=$(get saved_crashes)
	hangs=$(get saved_hangs)
	printf '%-12s afl++ execs %-9s exec/s %-7s corpus %-5s crashes %s hangs %s\n' "$t" \
		"$(get execs_done)" "$(get execs_per_sec)" "$(get corpus_count)" "${crashes:-?}" \
		"${hangs:-?}" | tee -a "$out/summary.txt"
	if [[ $rc -ne 0 || ! -f $stats || ${crashes:-1} != 0 || ${hangs:-1} != 0 ]]; then
		failed=1
		tail -n 5 "$out/afl-$t.log" >&2
	fi
done
exit $failed
