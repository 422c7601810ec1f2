/* Benchmark rounds for tests/bench: a baseline and a subject doing the same
 * work, run alternately (baseline, subject, baseline, subject, ...) in one
 * process, so that both see the same machine load, caches and memory. A
 * figure is the median over the rounds of subject time / baseline time (each
 * subject compared with the baseline run just before it), printed with the
 * median times and every round's ratio. libc only (bench_vfio links it
 * without GLib). */
#ifndef MC_TEST_BENCH_H
#define MC_TEST_BENCH_H

#include <stdio.h>

#define TB_MAX_RUNS 31

/* One side of a round: untimed setup, then the timed work between
 * tb_start() and tb_stop() (or its own measurement), then untimed checks and
 * cleanup. Returns the timed seconds; a failure exits the process with a
 * message (benchmarks stop at the first error). */
typedef double (*tb_side_fn)(void *ctx, int round);

typedef struct tb_figure {
	int runs;
	double base[TB_MAX_RUNS], subj[TB_MAX_RUNS]; /* seconds, per round */
	double base_med, subj_med;                   /* medians */
	double ratio;                                /* median of subj[i] / base[i] */
} tb_figure;

/* Rounds per figure: $BENCH_RUNS, default 3; at least 3, odd (so a median
 * is one round's value), at most TB_MAX_RUNS. */
int tb_runs(void);
/* Seconds on CLOCK_MONOTONIC. */
double tb_now(void);
/* Median of n values (the middle one after sorting a copy; n odd, or the
 * mean of the two middle ones). */
double tb_median(const double *v, int n);
/* runs rounds of base(ctx, i) then subj(ctx, i); fills f. */
void tb_alternate(tb_figure *f, int runs, tb_side_fn base, tb_side_fn subj, void *ctx);
/* " (rounds: R1 R2 R3)" with each round's ratio, %.2f. inverse: print
 * base/subj instead (throughput ratios). */
void tb_print_rounds(FILE *out, const tb_figure *f, int inverse);

#endif
