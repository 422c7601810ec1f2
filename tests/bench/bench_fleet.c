/* Fleet benchmarks on an inventory (tests/bench/fleet.sh builds one by
 * `migcheck fleet pull`): the rollout gate and the fleet report page.
 * Usage: bench_fleet INVENTORY CANDIDATE.facts [MAXPROFILES...]
 * The fleet is loaded once (mc_gate_fleet_load), before any clock. Each
 * figure is the median of alternating rounds (tests/lib/bench.h) of the
 * subject's time over its baseline's:
 *  - gate: mc_gate_run (choice of the base profile, both directions for every
 *    fleet profile, the compat pins of blocked forward pairs) vs. the same
 *    plans computed one after the other with mc_plan_compute: B -> Q, C -> Q
 *    (and C -> Q with the compat pins where C -> Q is blocked), Q -> B,
 *    Q -> C for every profile Q of the candidate's architecture, B the base
 *    the gate chose (looked up once before the rounds);
 *  - report at N profiles: mc_report_html writing the page into a new file
 *    vs. the plans of the same N x N cells (the N profiles with the most
 *    hosts, as the page picks them), so the ratio is what the page costs on
 *    top of the plans it shows. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fleet/gate.h"
#include "core/model/profile.h"
#include "core/report/report_html.h"
#include "tests/lib/bench.h"

#define GATE_REPS 3 /* gate runs per round (one is short) */

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_fleet: %s: %s\n", what, msg);
	exit(1);
}

typedef struct fctx {
	mc_gate_fleet *fleet;
	mc_facts *cand;
	const char *base_id;
	size_t nplans; /* the gate baseline's plans per round */
	size_t *shown; /* report: fleet indexes of the shown profiles */
	size_t nshown;
	const char *dir;
	size_t page_bytes; /* the last page written */
} fctx;

/* ---- gate ---- */

static void keep(GPtrArray *plans, mc_plan *p, const char *what, const mc_error *err)
{
	if (!p)
		die(what, err->msg);
	g_ptr_array_add(plans, p);
}

static void plan_free(gpointer p)
{
	mc_plan_free(p);
}

static void gate_plans_once(fctx *x)
{
	mc_error err = { 0 };
	GPtrArray *plans = g_ptr_array_new_with_free_func(plan_free);
	mc_pins *pins = mc_pins_new();
	const mc_facts *base = NULL;
	size_t n = mc_gate_fleet_count(x->fleet);
	const char *arch = mc_facts_get(x->cand, "kernel", "arch");
	for (size_t i = 0; i < n; i++)
		if (strcmp(mc_gate_fleet_id(x->fleet, i), x->base_id) == 0)
			base = mc_gate_fleet_facts(x->fleet, i);
	for (size_t i = 0; i < n; i++) {
		const mc_facts *q = mc_gate_fleet_facts(x->fleet, i);
		if (g_strcmp0(mc_facts_get(q, "kernel", "arch"), arch) != 0)
			continue;
		keep(plans, mc_plan_compute(NULL, base, q, pins, &err), "plan B -> Q", &err);
		mc_plan *now = mc_plan_compute(NULL, x->cand, q, pins, &err);
		keep(plans, now, "plan C -> Q", &err);
		if (mc_plan_worst(now) == MC_V_BLOCKED) {
			mc_pins *cp = mc_plan_compat_pins(NULL, x->cand, q, &err);
			if (!cp)
				die("compat pins", err.msg);
			if (mc_pins_count(cp))
				keep(plans, mc_plan_compute(NULL, x->cand, q, cp, &err),
				     "pinned C -> Q", &err);
			mc_pins_free(cp);
		}
		keep(plans, mc_plan_compute(NULL, q, base, pins, &err), "plan Q -> B", &err);
		keep(plans, mc_plan_compute(NULL, q, x->cand, pins, &err), "plan Q -> C", &err);
	}
	x->nplans = plans->len;
	mc_pins_free(pins);
	g_ptr_array_free(plans, TRUE);
}

static double gate_plans(void *opaque, int round)
{
	fctx *x = opaque;
	(void)round;
	double t0 = tb_now();
	for (int r = 0; r < GATE_REPS; r++)
		gate_plans_once(x);
	return (tb_now() - t0) / GATE_REPS;
}

static double gate_run(void *opaque, int round)
{
	fctx *x = opaque;
	mc_error err = { 0 };
	(void)round;
	double t0 = tb_now();
	for (int r = 0; r < GATE_REPS; r++) {
		mc_gate *g = mc_gate_run(x->fleet, NULL, x->cand, NULL, &err);
		if (!g)
			die("gate", err.msg);
		mc_gate_free(g);
	}
	return (tb_now() - t0) / GATE_REPS;
}

/* ---- report ---- */

typedef struct prof {
	size_t idx, nhosts;
	const char *id;
} prof;

static int by_hosts(const void *a, const void *b)
{
	const prof *x = a, *y = b;
	if (x->nhosts != y->nhosts)
		return x->nhosts > y->nhosts ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The profiles the page shows: the max with the most hosts (ties: the
 * smaller id; core/report/report_html.c). */
static void pick_shown(fctx *x, size_t max)
{
	size_t n = mc_gate_fleet_count(x->fleet);
	prof *p = g_new0(prof, n);
	for (size_t i = 0; i < n; i++)
		p[i] =
		    (prof){ i, mc_gate_fleet_nhosts(x->fleet, i), mc_gate_fleet_id(x->fleet, i) };
	qsort(p, n, sizeof(*p), by_hosts);
	x->nshown = n < max ? n : max;
	g_free(x->shown);
	x->shown = g_new0(size_t, x->nshown);
	for (size_t i = 0; i < x->nshown; i++)
		x->shown[i] = p[i].idx;
	g_free(p);
}

static double report_plans(void *opaque, int round)
{
	fctx *x = opaque;
	(void)round;
	double t0 = tb_now();
	for (size_t r = 0; r < x->nshown; r++) {
		const mc_facts *s = mc_gate_fleet_facts(x->fleet, x->shown[r]);
		for (size_t c = 0; c < x->nshown; c++) {
			const mc_facts *d = mc_gate_fleet_facts(x->fleet, x->shown[c]);
			const char *sa = mc_facts_get(s, "kernel", "arch");
			const char *da = mc_facts_get(d, "kernel", "arch");
			if (sa && da && strcmp(sa, da) != 0)
				continue; /* "na": the page plans nothing either */
			mc_error err = { 0 };
			mc_pins *pins = mc_pins_new();
			mc_plan *p = mc_plan_compute(NULL, s, d, pins, &err);
			mc_pins_free(pins);
			mc_plan_free(p); /* a refused pair is an "error" cell on the page */
		}
	}
	return tb_now() - t0;
}

static double report_page(void *opaque, int round)
{
	fctx *x = opaque;
	mc_error err = { 0 };
	mc_html_opts o = { .source = "bench", .max_profiles = x->nshown };
	g_autofree char *path = g_strdup_printf("%s/report-%d.html", x->dir, round);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path, strerror(errno));
	double t0 = tb_now();
	if (mc_report_html(f, x->fleet, &o, NULL, &err) < 0)
		die("report", err.msg);
	if (fclose(f) != 0)
		die(path, strerror(errno));
	double t = tb_now() - t0;
	GStatBuf st;
	x->page_bytes = g_stat(path, &st) == 0 ? (size_t)st.st_size : 0;
	g_unlink(path);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage", "bench_fleet INVENTORY CANDIDATE.facts [MAXPROFILES...]");
	mc_error err = { 0 };
	int runs = tb_runs();
	fctx x = { 0 };
	mc_db *db = mc_db_open(argv[1], MC_DB_READ, &err);
	if (!db || !(x.fleet = mc_gate_fleet_load(db, &err)))
		die(argv[1], err.msg);
	mc_db_close(db);
	if (!(x.cand = mc_profile_load_file(argv[2], NULL, &err)))
		die(argv[2], err.msg);
	g_autofree char *dir = g_dir_make_tmp("migcheck-bench-fleet-XXXXXX", NULL);
	if (!dir)
		die("temporary directory", strerror(errno));
	x.dir = dir;
	size_t nprof = mc_gate_fleet_count(x.fleet);

	/* ---- gate ---- */
	mc_gate *g = mc_gate_run(x.fleet, NULL, x.cand, NULL, &err);
	if (!g)
		die("gate", err.msg);
	if (mc_gate_equal_id(g))
		die("gate", "the candidate is a fleet profile: nothing would be planned");
	g_autofree char *base_id = g_strdup(mc_gate_base_id(g));
	size_t npairs = mc_gate_pair_count(g);
	int status = mc_gate_status(g);
	mc_gate_free(g);
	x.base_id = base_id;
	tb_figure fg;
	tb_alternate(&fg, runs, gate_plans, gate_run, &x);
	printf("gate of one candidate against %zu profiles: %.1f ms (%zu pairs, gate status "
	       "%d); baseline: its %zu plans one by one %.1f ms; ratio %.2fx",
	       nprof, fg.subj_med * 1e3, npairs, status, x.nplans, fg.base_med * 1e3, fg.ratio);
	tb_print_rounds(stdout, &fg, 0);
	putchar('\n');

	/* ---- report ---- */
	for (int i = 3; i < argc; i++) {
		size_t max = strtoul(argv[i], NULL, 10);
		if (!max || max > MC_HTML_MAX_PROFILES_LIMIT)
			die("usage", "MAXPROFILES must be in 1..200");
		pick_shown(&x, max);
		tb_figure fr;
		tb_alternate(&fr, runs, report_plans, report_page, &x);
		size_t cells = x.nshown * x.nshown;
		printf("report %3zu profiles, %5zu cells: %.3f s = %.3f ms/cell, page %zu KiB; "
		       "baseline: the cells' plans %.3f s = %.3f ms/cell; ratio %.2fx",
		       x.nshown, cells, fr.subj_med, fr.subj_med * 1e3 / (double)cells,
		       x.page_bytes / 1024, fr.base_med, fr.base_med * 1e3 / (double)cells,
		       fr.ratio);
		tb_print_rounds(stdout, &fr, 0);
		putchar('\n');
	}
	printf("  medians of %d alternating rounds\n", runs);
	g_free(x.shown);
	mc_facts_free(x.cand);
	mc_gate_fleet_free(x.fleet);
	g_rmdir(dir);
	return 0;
}
