/* Planner benchmarks: one pair of real profiles, and all ordered pairs of 300
 * distinct generated x86 profiles of ~2,000 facts each (target: under 1 ms
 * per pair). Baseline, same run: the plain fact-level diff of the same pairs
 * (mc_facts_diff), the least work any comparison must do. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/planner/planner.h"
#include "core/model/profile.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : "tests/data";
	int nprof = argc > 2 ? atoi(argv[2]) : 300;
	mc_error err = { 0 };
	/* the CPU-model database of the tests (libvirt 9.0's features) */
	g_autofree char *cpu_map = g_build_filename(data, "cpu_map", NULL);
	mc_plan_env env;
	mc_plan_env_load(&env, cpu_map);
	if (!env.cpumodels) {
		fprintf(stderr, "%s\n", env.cpumodels_err.msg);
		return 1;
	}

	/* ---- one pair of real emulated-host profiles ---- */
	g_autofree char *pa = g_build_filename(data, "matrix", "max-a57.new", NULL);
	g_autofree char *pb = g_build_filename(data, "matrix", "max-a57.old", NULL);
	mc_facts *a = load(pa), *b = load(pb);
	int reps = 2000;
	double t0 = now();
	for (int i = 0; i < reps; i++)
		mc_plan_free(mc_plan_compute(&env, a, b, NULL, &err));
	double one = (now() - t0) / reps;
	size_t nd = 0;
	t0 = now();
	for (int i = 0; i < reps; i++)
		mc_facts_diff(a, b, count_diff, &nd);
	double one_base = (now() - t0) / reps;
	printf("plan one real pair      %8.1f us   baseline diff %6.1f us   ratio %.1fx  (%zu+%zu "
	       "facts)\n",
	       one * 1e6, one_base * 1e6, one / one_base, mc_facts_count(a), mc_facts_count(b));

	/* ---- all pairs of generated profiles ---- */
	mc_facts **p = g_new0(mc_facts *, nprof);
	for (int i = 0; i < nprof; i++)
		p[i] = gen(i);
	size_t worst[3] = { 0 }, pairs = 0;
	t0 = now();
	for (int i = 0; i < nprof; i++)
		for (int j = 0; j < nprof; j++) {
			if (i == j)
				continue;
			mc_plan *pl = mc_plan_compute(&env, p[i], p[j], NULL, &err);
			if (!pl) {
				fprintf(stderr, "plan: %s\n", err.msg);
				return 1;
			}
			worst[mc_plan_worst(pl)]++;
			pairs++;
			mc_plan_free(pl);
		}
	double all = now() - t0;
	nd = 0;
	t0 = now();
	for (int i = 0; i < nprof; i++)
		for (int j = 0; j < nprof; j++)
			if (i != j)
				mc_facts_diff(p[i], p[j], count_diff, &nd);
	double all_base = now() - t0;
	printf("plan all %zu pairs   %8.2f s  = %.3f ms/pair (target < 1 ms)   baseline diff "
	       "%.3f ms/pair   ratio %.1fx\n",
	       pairs, all, all * 1e3 / (double)pairs, all_base * 1e3 / (double)pairs,
	       all / all_base);
	printf("  %d profiles x %zu facts; verdicts: %zu ok, %zu action, %zu blocked\n", nprof,
	       mc_facts_count(p[0]), worst[0], worst[1], worst[2]);
	for (int i = 0; i < nprof; i++)
		mc_facts_free(p[i]);
	g_free(p);
	mc_facts_free(a);
	mc_facts_free(b);
	mc_plan_env_clear(&env);
	return 0;
}
