#include "tests/lib/bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int tb_runs(void)
{
	const char *s = getenv("BENCH_RUNS");
	int n = s && *s ? atoi(s) : 3;
	if (n < 3)
		n = 3;
	if (n % 2 == 0)
		n++;
	return n > TB_MAX_RUNS ? TB_MAX_RUNS : n;
}

double tb_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double tb_median(const double *v, int n)
{
	double s[TB_MAX_RUNS];
	if (n <= 0)
		return 0;
	if (n > TB_MAX_RUNS)
		n = TB_MAX_RUNS;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void tb_alternate(tb_figure *f, int runs, tb_side_fn base, tb_side_fn subj, void *ctx)
{
	double r[TB_MAX_RUNS] = { 0 };
	if (runs < 1)
		runs = 1;
	if (runs > TB_MAX_RUNS)
		runs = TB_MAX_RUNS;
	memset(f, 0, sizeof(*f));
	f->runs = runs;
	for (int i = 0; i < runs; i++) {
		f->base[i] = base(ctx, i);
		f->subj[i] = subj(ctx, i);
		r[i] = f->subj[i] / f->base[i];
	}
	f->base_med = tb_median(f->base, runs);
	f->subj_med = tb_median(f->subj, runs);
	f->ratio = tb_median(r, runs);
}

void tb_print_rounds(FILE *out, const tb_figure *f, int inverse)
{
	fputs(" (rounds:", out);
	for (int i = 0; i < f->runs; i++)
		fprintf(out, " %.2f", inverse ? f->base[i] / f->subj[i] : f->subj[i] / f->base[i]);
	fputc(')', out);
}
