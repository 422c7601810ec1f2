/* The benchmarks' rounds (tests/lib/bench.h): baseline and subject strictly
 * alternate, and a figure is the median of the per-round ratios (each
 * subject against the baseline run just before it), not a ratio of two
 * medians and not a single run. The sides below return scripted times, so
 * nothing here depends on a clock. */
#include <stdlib.h>
#include <string.h>

#include "tests/lib/bench.h"
#include "tests/lib/testutil.h"

typedef struct script {
	const double *base, *subj; /* seconds each call "takes" */
	char log[256];             /* "b0 s0 b1 s1 ..." */
} script;

static void note(script *s, char side, int round)
{
	size_t len = strlen(s->log);
	snprintf(s->log + len, sizeof(s->log) - len, "%s%c%d", len ? " " : "", side, round);
}

static double base_side(void *ctx, int round)
{
	script *s = ctx;
	note(s, 'b', round);
	return s->base[round];
}

static double subj_side(void *ctx, int round)
{
	script *s = ctx;
	note(s, 's', round);
	return s->subj[round];
}

START_TEST(alternates_and_takes_median_of_ratios)
{
	/* Round ratios 2, 1, 4, 3, 0.5 -> median 2 (medians of the sides: 2
	 * and 4). */
	static const double base[] = { 1, 4, 1, 2, 8 };
	static const double subj[] = { 2, 4, 4, 6, 4 };
	script s = { base, subj, "" };
	tb_figure f;
	tb_alternate(&f, 5, base_side, subj_side, &s);
	ck_assert_str_eq(s.log, "b0 s0 b1 s1 b2 s2 b3 s3 b4 s4");
	ck_assert_int_eq(f.runs, 5);
	ck_assert_double_eq(f.ratio, 2);
	ck_assert_double_eq(f.base_med, 2);
	ck_assert_double_eq(f.subj_med, 4);
	for (int i = 0; i < 5; i++) {
		ck_assert_double_eq(f.base[i], base[i]);
		ck_assert_double_eq(f.subj[i], subj[i]);
	}
}
END_TEST

START_TEST(ratio_is_per_round)
{
	/* A slow machine phase hits both sides of round 1. Per round the
	 * subject takes 1.5x, 1.5x and 0.5x its baseline: median 1.5; the ratio
	 * of the sides' medians (1.5 / 2) would say 0.75. */
	static const double base[] = { 1, 10, 2 };
	static const double subj[] = { 1.5, 15, 1 };
	script s = { base, subj, "" };
	tb_figure f;
	tb_alternate(&f, 3, base_side, subj_side, &s);
	ck_assert_str_eq(s.log, "b0 s0 b1 s1 b2 s2");
	ck_assert_double_eq_tol(f.ratio, 1.5, 1e-12);
	ck_assert_double_eq(f.base_med, 2);
	ck_assert_double_eq(f.subj_med, 1.5);
}
END_TEST

START_TEST(median)
{
	static const double v[] = { 5, 1, 4, 2, 3 };
	ck_assert_double_eq(tb_median(v, 5), 3);
	ck_assert_double_eq(tb_median(v, 4), 3); /* {1, 2, 4, 5} */
	ck_assert_double_eq(tb_median(v, 1), 5);
	/* the input is left as it was */
	ck_assert_double_eq(v[0], 5);
	ck_assert_double_eq(v[4], 3);
}
END_TEST

START_TEST(runs_from_environment)
{
	static const struct {
		const char *env;
		int want;
	} cases[] = { { NULL, 3 }, { "", 3 },  { "1", 3 },           { "3", 3 },
		      { "4", 5 },  { "7", 7 }, { "99", TB_MAX_RUNS } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].env)
			setenv("BENCH_RUNS", cases[i].env, 1);
		else
			unsetenv("BENCH_RUNS");
		ck_assert_msg(tb_runs() == cases[i].want, "BENCH_RUNS=%s: %d rounds, want %d",
			      cases[i].env ? cases[i].env : "(unset)", tb_runs(), cases[i].want);
	}
	unsetenv("BENCH_RUNS");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("rounds");
	tcase_add_test(tc, alternates_and_takes_median_of_ratios);
	tcase_add_test(tc, ratio_is_per_round);
	tcase_add_test(tc, median);
	tcase_add_test(tc, runs_from_environment);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
