/* Planner benchmarks: one plan of a pair of real emulated-host profiles (an
 * arm64 and an x86 pair with many verdicts to write, one of each with few),
 * and all ordered pairs of PROFILES distinct generated x86 profiles of
 * ~2,000 facts each (target: under 1 ms per pair). Usage: bench_planner
 * DATADIR [PROFILES]; BENCH_PLANNER_REAL_ONLY=1: the real pairs only.
 * Baseline: the plain fact-level diff of the same pairs (mc_facts_diff, what
 * `migcheck diff` computes), the least work any comparison of two profiles
 * must do; no other program computes a plan, so this is a floor, not the
 * same work. Each plan is timed twice: with the profiles compiled once
 * (mc_plan_profile_new, as targets, gate, report and baseline plan many
 * pairs of the same profiles; target: at most 3x the diff) and uncompiled
 * (mc_plan_compute, which compiles both profiles for the one plan, as
 * `migcheck plan` does). A verdict's text is written when it is first read
 * (mc_plan_at): the compiled figure reads none (as targets and gate, which
 * want levels), a second one every verdict's text, and so does the
 * uncompiled one (as `migcheck plan`, which prints them). Same profiles, same process, alternating
 * rounds (tests/lib/bench.h); each figure is the median of the per-round ratios plan time / diff
 * time. */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/planner.h"
#include "core/model/profile.h"
#include "tests/lib/bench.h"

static void count_diff(const char *d, const char *k, const char *a, const char *b, void *opaque)
{
	(void)d, (void)k, (void)a, (void)b;
	(*(size_t *)opaque)++;
}

/* ~2,000 facts: supported CPUID (feature leaves vary per profile), MSR index
 * list (a few missing per profile), feature MSRs, KVM caps and parameters. */
static mc_facts *gen(int variant)
{
	mc_facts *f = mc_facts_new();
	mc_facts_set(f, "kernel", "arch", "x86_64", NULL);
	mc_facts_setf(f, "kernel", "release", NULL, "6.1.0-%d-amd64", 40 + variant % 17);
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	for (unsigned leaf = 0; leaf < 0x20; leaf++)
		for (unsigned r = 0; r < 4; r++) {
			char k[48];
			snprintf(k, sizeof(k), "0x%08x.0x%08x.%s", leaf, 0u, regs[r]);
			unsigned v = 0xffffffffu;
			if (leaf == 7 || leaf == 1) /* feature words differ between profiles */
				v &= ~(1u << ((unsigned)variant * 7u + r) % 32u);
			mc_facts_setf(f, "x86.cpuid", k, NULL, "0x%08x", v);
		}
	for (unsigned leaf = 0x80000000u; leaf < 0x80000020u; leaf++)
		for (unsigned r = 0; r < 4; r++) {
			char k[48];
			snprintf(k, sizeof(k), "0x%08x.0x%08x.%s", leaf, 0u, regs[r]);
			mc_facts_setf(f, "x86.cpuid", k, NULL, "0x%08x", 0xffffffffu);
		}
	for (unsigned i = 0; i < 1300; i++) {
		if ((i + (unsigned)variant) % 97 == 0)
			continue;
		char k[16];
		snprintf(k, sizeof(k), "0x%08x", i < 650 ? i : 0xc0010000u + i);
		mc_facts_set(f, "x86.msr", k, "1", NULL);
	}
	mc_facts_set(f, "x86.msr_feature", "0x0000010a", "0x000000000000006b", NULL);
	for (int i = 0; i < 240; i++) {
		char k[32];
		snprintf(k, sizeof(k), "KVM_CAP_%d", i);
		mc_facts_setf(f, "kvm.cap", k, NULL, "%d", 1 + (i == variant % 240));
	}
	mc_facts_set(f, "kvm.cap", "KVM_CAP_XSAVE", "1", NULL);
	mc_facts_set(f, "kvm.cap", "KVM_CAP_VCPU_EVENTS", "1", NULL);
	for (int i = 0; i < 180; i++) {
		char k[40];
		snprintf(k, sizeof(k), "kvm_amd.param%03d", i);
		mc_facts_setf(f, "kvm.param", k, NULL, "%d", i % 3);
	}
	return f;
}

static mc_facts *load(const char *path)
{
	mc_error err = { 0 };
	mc_facts *f = mc_profile_load_file(path, NULL, &err);
	if (!f) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	return f;
}

typedef struct pctx {
	mc_facts **p;         /* n profiles; pairs (i, j), i != j */
	mc_plan_profile **pp; /* NULL, or p compiled once (mc_plan_compute_compiled) */
	int n, reps;          /* reps: times each pair is planned per round */
	bool one_way;         /* only the pair (0, 1) */
	bool read_text;       /* read every verdict's text (mc_plan_at), as `plan` prints it */
	size_t pairs, worst[3], chars;
	const mc_plan_env *env; /* the CPU-model database of the tests */
} pctx;

static double diff_pairs(void *opaque, int round)
{
	pctx *x = opaque;
	size_t nd = 0;
	(void)round;
	double t0 = tb_now();
	for (int r = 0; r < x->reps; r++)
		for (int i = 0; i < x->n; i++)
			for (int j = 0; j < x->n; j++)
				if (i != j && (!x->one_way || i < j))
					mc_facts_diff(x->p[i], x->p[j], count_diff, &nd);
	return (tb_now() - t0) / (double)x->reps;
}

static double plan_pairs(void *opaque, int round)
{
	pctx *x = opaque;
	mc_error err = { 0 };
	(void)round;
	memset(x->worst, 0, sizeof(x->worst));
	x->pairs = 0;
	double t0 = tb_now();
	for (int r = 0; r < x->reps; r++)
		for (int i = 0; i < x->n; i++)
			for (int j = 0; j < x->n; j++) {
				if (i == j || (x->one_way && i > j))
					continue;
				mc_plan *pl =
				    x->pp ? mc_plan_compute_compiled(x->env, x->pp[i], x->pp[j],
								     NULL, &err)
					  : mc_plan_compute(x->env, x->p[i], x->p[j], NULL, &err);
				if (!pl) {
					fprintf(stderr, "plan: %s\n", err.msg);
					exit(1);
				}
				if (x->read_text)
					for (size_t v = 0; v < mc_plan_count(pl); v++)
						x->chars += strlen(mc_plan_at(pl, v)->reason);
				if (r == 0) {
					x->worst[mc_plan_worst(pl)]++;
					x->pairs++;
				}
				mc_plan_free(pl);
			}
	return (tb_now() - t0) / (double)x->reps;
}

int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : "tests/data";
	int nprof = argc > 2 ? atoi(argv[2]) : 60;
	int runs = tb_runs();
	if (nprof < 2) {
		fprintf(stderr, "bench_planner: PROFILES must be at least 2\n");
		return 1;
	}
	/* the CPU-model database of the tests (libvirt 9.0's features) */
	g_autofree char *cpu_map = g_build_filename(data, "cpu_map", NULL);
	mc_plan_env env;
	mc_plan_env_load(&env, cpu_map);
	if (!env.cpumodels) {
		fprintf(stderr, "%s\n", env.cpumodels_err.msg);
		return 1;
	}

	/* ---- one pair of real emulated-host profiles (src -> dst) per
	 * architecture: a plan vs the plain diff of the same two profiles ---- */
	static const struct {
		const char *arch, *src, *dst;
	} real_pairs[] = {
		{ "arm64", "matrix/max-a57.new", "matrix/max-a57.old" },
		{ "arm64", "plan/real61-a57-to-a72.src", "plan/real61-a57-to-a72.dst" },
		{ "x86", "plan-x86/real-epyc-to-max.src", "plan-x86/real-epyc-to-max.dst" },
		{ "x86", "plan-x86/real-max-same.src", "plan-x86/real-max-same.dst" },
	};
	for (size_t k = 0; k < sizeof(real_pairs) / sizeof(real_pairs[0]); k++) {
		g_autofree char *pa = g_build_filename(data, real_pairs[k].src, NULL);
		g_autofree char *pb = g_build_filename(data, real_pairs[k].dst, NULL);
		mc_facts *real[2] = { load(pa), load(pb) };
		mc_plan_profile *compiled[2] = { mc_plan_profile_new(real[0]),
						 mc_plan_profile_new(real[1]) };
		/* compiled: the profiles compiled once, as targets, gate, report and
		 * baseline plan; fresh: mc_plan_compute, compiling both for the plan */
		pctx one = {
			.p = real, .pp = compiled, .n = 2, .reps = 500, .one_way = true, .env = &env
		};
		tb_figure f1, f2;
		tb_alternate(&f1, runs, diff_pairs, plan_pairs, &one);
		printf("plan one %-5s pair %8.1f us   baseline diff %6.1f us   ratio %.1fx",
		       real_pairs[k].arch, f1.subj_med * 1e6, f1.base_med * 1e6, f1.ratio);
		tb_print_rounds(stdout, &f1, 0);
		/* the same, reading every verdict's text: a verdict's text is
		 * written when first read, which a plan computed for its levels
		 * (targets, gate) never does, and `plan` always does */
		one.read_text = true;
		tb_figure f3;
		tb_alternate(&f3, runs, diff_pairs, plan_pairs, &one);
		printf("\n  compiled, every verdict's text read %.1f us, ratio %.1fx",
		       f3.subj_med * 1e6, f3.ratio);
		tb_print_rounds(stdout, &f3, 0);
		one.pp = NULL;
		tb_alternate(&f2, runs, diff_pairs, plan_pairs, &one);
		printf("\n  uncompiled (mc_plan_compute, both profiles compiled per plan), every "
		       "verdict's text read (`migcheck plan`) %.1f us, ratio %.1fx",
		       f2.subj_med * 1e6, f2.ratio);
		tb_print_rounds(stdout, &f2, 0);
		printf("\n  (%s -> %s: %zu+%zu facts, %s, %d times per round)\n", real_pairs[k].src,
		       real_pairs[k].dst, mc_facts_count(real[0]), mc_facts_count(real[1]),
		       mc_level_name(one.worst[2]   ? MC_V_BLOCKED
				     : one.worst[1] ? MC_V_ACTION
						    : MC_V_OK),
		       one.reps);
		mc_plan_profile_free(compiled[0]);
		mc_plan_profile_free(compiled[1]);
		mc_facts_free(real[0]);
		mc_facts_free(real[1]);
	}
	if (getenv("BENCH_PLANNER_REAL_ONLY")) {
		mc_plan_env_clear(&env);
		return 0;
	}

	/* ---- all pairs of generated profiles ---- */
	mc_facts **p = g_new0(mc_facts *, nprof);
	for (int i = 0; i < nprof; i++)
		p[i] = gen(i);
	mc_plan_profile **pp = g_new0(mc_plan_profile *, nprof);
	for (int i = 0; i < nprof; i++)
		pp[i] = mc_plan_profile_new(p[i]);
	pctx all = { .p = p, .n = nprof, .reps = 1, .env = &env };
	tb_figure fa, fc;
	tb_alternate(&fa, runs, diff_pairs, plan_pairs, &all);
	double per = fa.subj_med * 1e3 / (double)all.pairs;
	printf("plan all %zu pairs     %8.2f s  = %.3f ms/pair (target < 1 ms)   baseline diff "
	       "%.3f ms/pair   ratio %.1fx",
	       all.pairs, fa.subj_med, per, fa.base_med * 1e3 / (double)all.pairs, fa.ratio);
	tb_print_rounds(stdout, &fa, 0);
	all.pp = pp;
	tb_alternate(&fc, runs, diff_pairs, plan_pairs, &all);
	printf("\n  compiled once: %.3f ms/pair, ratio %.1fx",
	       fc.subj_med * 1e3 / (double)all.pairs, fc.ratio);
	tb_print_rounds(stdout, &fc, 0);
	printf("\n  %d profiles x %zu facts; verdicts: %zu ok, %zu action, %zu blocked\n", nprof,
	       mc_facts_count(p[0]), all.worst[0], all.worst[1], all.worst[2]);
	for (int i = 0; i < nprof; i++)
		mc_plan_profile_free(pp[i]);
	g_free(pp);
	printf("  medians of %d alternating rounds\n", runs);
	for (int i = 0; i < nprof; i++)
		mc_facts_free(p[i]);
	g_free(p);
	mc_plan_env_clear(&env);
	return 0;
}
