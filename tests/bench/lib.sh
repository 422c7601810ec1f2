# shellcheck shell=bash
# Alternating rounds for the shell benchmarks (the C ones use
# tests/lib/bench.h): a baseline and a subject doing the same work, run
# baseline, subject, baseline, subject, ... so that both see the same load;
# a figure is the median over the rounds of subject time / baseline time,
# each subject against the baseline just before it.

# Rounds per figure: $BENCH_RUNS, default 3; at least 3 and odd.
bench_runs() {
	local n=${BENCH_RUNS:-3}
	((n < 3)) && n=3
	((n % 2 == 0)) && n=$((n + 1))
	echo "$n"
}

bench_median() { # numbers as arguments
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# bench_alternate BASE SUBJ: bench_runs rounds; each side is a shell function
# called with the round number; its optional BASE_prep / SUBJ_prep (same
# argument) runs before the clock starts. A side that fails stops the bench
# (exit 1, naming it). Sets BENCH_BASE and BENCH_SUBJ (per-round ms),
# BENCH_BASE_MED, BENCH_SUBJ_MED (ms), BENCH_RATIO (median of the per-round
# subject/baseline ratios, %.2f) and BENCH_ROUNDS (" (rounds: R1 R2 R3)").
# shellcheck disable=SC2034 # the BENCH_* results are for the caller
bench_alternate() {
	local base=$1 subj=$2 n i side t0 t1 ratios=()
	n=$(bench_runs)
	BENCH_BASE=() BENCH_SUBJ=()
	for ((i = 0; i < n; i++)); do
		for side in "$base" "$subj"; do
			if declare -F "${side}_prep" >/dev/null; then
				"${side}_prep" "$i" || { echo "bench: ${side}_prep failed" >&2; exit 1; }
			fi
			t0=$(date +%s%N)
			"$side" "$i" || { echo "bench: $side failed (round $i)" >&2; exit 1; }
			t1=$(date +%s%N)
			if [[ $side == "$base" ]]; then
				BENCH_BASE+=("$(((t1 - t0) / 1000))")
			else
				BENCH_SUBJ+=("$(((t1 - t0) / 1000))")
			fi
		done
		ratios+=("$(awk -v s="${BENCH_SUBJ[i]}" -v b="${BENCH_BASE[i]}" 'BEGIN { printf "%.4f", s / b }')")
	done
	# microseconds measured, milliseconds reported
	mapfile -t BENCH_BASE < <(printf '%s\n' "${BENCH_BASE[@]}" | awk '{ printf "%.1f\n", $1 / 1000 }')
	mapfile -t BENCH_SUBJ < <(printf '%s\n' "${BENCH_SUBJ[@]}" | awk '{ printf "%.1f\n", $1 / 1000 }')
	BENCH_BASE_MED=$(bench_median "${BENCH_BASE[@]}")
	BENCH_SUBJ_MED=$(bench_median "${BENCH_SUBJ[@]}")
	BENCH_RATIO=$(bench_median "${ratios[@]}" | xargs printf '%.2f')
	BENCH_ROUNDS=" (rounds:$(printf ' %.2f' "${ratios[@]}"))"
}
