#!/usr/bin/env bash
# Run libFuzzer targets for a bounded time each (make fuzz / fuzz-smoke).
#   run.sh SRCDIR FUZZBUILD OUTDIR SECONDS TARGET...
# FUZZBUILD holds tests/fuzz/fuzz_TARGET (the clang --enable-fuzzing build);
# OUTDIR/corpus/TARGET keeps the corpus between runs, OUTDIR/crashes gets what
# crashed. Prints one summary line per target (also OUTDIR/summary.txt) and
# exits 1 when a target crashed, leaked, timed out or broke an invariant.
set -uo pipefail
src=$1 build=$2 out=$3 secs=$4
shift 4
mkdir -p "$out/crashes"
export MC_PLAN_RNG=$src/schemas/plan.rng
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=$out/summary.txt
: >"$summary"
failed=0
for t in "$@"; do
	bin=$build/tests/fuzz/fuzz_$t
	if [[ ! -x $bin ]]; then
		echo "run.sh: $bin not built" >&2
		failed=1
		continue
	fi
	seeds=$(mktemp -d)
	bash "$src/tests/fuzz/seeds.sh" "$src" "$t" "$seeds"
	[[ -d $src/tests/data/fuzz/$t ]] && cp "$src/tests/data/fuzz/$t"/* "$seeds/" 2>/dev/null
	corpus=$out/corpus/$t
	mkdir -p "$corpus"
	log=$out/fuzz-$t.log
	echo "fuzz $t: ${secs}s, $(find "$seeds" -type f | wc -l) seeds, $(find "$corpus" -type f | wc -l) corpus entries"
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$t-" "$corpus" "$seeds" \
		>"$log" 2>&1
	rc=$?
	rm -rf "$seeds"
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	line=$(printf '%-12s runs %-9s exec/s %-6s coverage %-5s corpus %-5s %s' "$t" "${runs:-?}" \
		"${rate:-?}" "${cov:-?}" "$(find "$corpus" -type f | wc -l)" \
		"$([[ $rc -eq 0 ]] && echo ok || echo "CRASH (exit $rc)")")
	echo "$line" | tee -a "$summary"
	if [[ $rc -ne 0 ]]; then
		failed=1
		grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -n 8 >&2
		# the input itself, so that a CI log alone reproduces it
		art=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n1)
		if [[ -f $art ]]; then
			echo "run.sh: the input ($(stat -c %s "$art") bytes; base64 of its first 8 KiB):" \
				"$(head -c 8192 "$art" | base64 -w0)" >&2
		fi
		echo "run.sh: reproduce with $bin <artifact>; add the input to tests/data/fuzz/$t/ as a regression" >&2
	fi
done
exit $failed
