/* x86 rule families (x86.cpuid, x86.msr): the plan cases of
 * tests/data/plan-x86 (the one runner, tests/lib/plancase.h), compat pins,
 * pin validation, and the CPU-model database as the planner's argument.
 * The database is the libvirt 9.0 subset in tests/data/cpu_map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/planner.h"
#include "tests/lib/plancase.h"
#include "tests/lib/testutil.h"

static mc_facts *load(const char *name, const char *ext)
{
	return tu_load_facts("plan-x86", name, ext);
}

/* compat pins: a guest on the newer host pinned with them plans ok to the
 * older one, as far as the x86 families go. */
START_TEST(compat_pins)
{
	mc_facts *newer = load("real-max-to-qemu64", ".src");
	mc_facts *older = load("real-max-to-qemu64", ".dst");
	mc_error err = { 0 };
	mc_pins *pins = mc_plan_compat_pins(tu_plan_env(), newer, older, &err);
	ck_assert_msg(pins != NULL, "%s", err.msg);
	const char *dis = mc_pins_get(pins, "CPU_DISABLE");
	ck_assert_ptr_nonnull(dis);
	ck_assert_ptr_nonnull(strstr(dis, "avx2"));
	mc_plan *plan = mc_plan_compute(tu_plan_env(), newer, older, pins, &err);
	ck_assert_msg(plan != NULL, "%s", err.msg);
	ck_assert_int_eq(mc_plan_family_worst(plan, "x86.cpuid"), MC_V_OK);
	ck_assert_int_eq(mc_plan_family_worst(plan, "x86.msr"), MC_V_OK);
	mc_plan_free(plan);
	mc_pins_free(pins);
	/* Same profile: nothing to pin. */
	pins = mc_plan_compat_pins(tu_plan_env(), newer, newer, &err);
	ck_assert_ptr_nonnull(pins);
	ck_assert_ptr_null(mc_pins_get(pins, "CPU_DISABLE"));
	mc_pins_free(pins);
	mc_facts_free(newer);
	mc_facts_free(older);
}
END_TEST

START_TEST(pin_validation)
{
	const mc_plan_env *env = tu_plan_env();
	mc_error err = { 0 };
	mc_pins *p = mc_pins_new();
	ck_assert_int_eq(mc_plan_parse_pin(env, p, "cpu=EPYC", &err), 0);
	ck_assert_str_eq(mc_pins_get(p, "CPU"), "EPYC");
	ck_assert_int_eq(mc_plan_parse_pin(env, p, "CPU=host-passthrough", &err), 0);
	ck_assert_int_eq(
	    mc_plan_parse_pin(env, p, "CPU_DISABLE=avx512f,kvm-poll-control,0x7.0.ebx.6", &err), 0);
	ck_assert_int_eq(mc_plan_parse_pin(env, p, "CPU_DISABLE=lahf-lm", &err), 0); /* alias */
	mc_error e1 = { 0 };
	ck_assert_int_eq(mc_plan_parse_pin(env, p, "CPU=Pentium-9000", &e1), -EINVAL);
	ck_assert_int_eq(e1.exit_code, MC_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(e1.msg, "unknown CPU model"));
	ck_assert_ptr_nonnull(strstr(e1.msg, "'CPU=Pentium-9000'"));
	mc_error e2 = { 0 };
	ck_assert_int_eq(mc_plan_parse_pin(env, p, "CPU_DISABLE=avx512f,warp-drive", &e2), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e2.msg, "warp-drive"));
	mc_error e3 = { 0 };
	ck_assert_int_eq(mc_plan_parse_pin(env, p, "CPU_DISABLE=0x7.0.exx.6", &e3), -EINVAL);
	/* Setting a pin checks its form only; the planner checks it against
	 * its CPU-model database, and refuses to plan with an unknown model. */
	mc_error e4 = { 0 };
	ck_assert_int_eq(mc_pins_parse(p, "CPU_DISABLE=0x7.0.exx.6", &e4), -EINVAL);
	ck_assert_int_eq(e4.exit_code, MC_EXIT_USAGE);
	ck_assert_int_eq(mc_pins_parse(p, "CPU=Pentium-9000", &err), 0);
	mc_error e5 = { 0 };
	ck_assert_int_eq(mc_plan_check_pins(env, p, &e5), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e5.msg, "unknown CPU model"));
	mc_facts *src = load("edit-avx512f", ".src");
	mc_error e6 = { 0 };
	ck_assert_ptr_null(mc_plan_compute(env, src, src, p, &e6));
	ck_assert_int_eq(e6.exit_code, MC_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(e6.msg, "malformed pin 'CPU=Pentium-9000'"));
	mc_facts_free(src);
	mc_pins_free(p);
}
END_TEST

START_TEST(map_unavailable)
{
	/* Without a CPU map, host-passthrough still plans (raw bit names);
	 * a model pin is refused. */
	mc_plan_env none;
	mc_plan_env_load(&none, "/nonexistent/cpu_map");
	ck_assert_ptr_null(none.cpumodels);
	ck_assert_int_eq(none.cpumodels_err.exit_code, MC_EXIT_UNAVAILABLE);
	mc_facts *src = load("edit-avx512f", ".src"), *dst = load("edit-avx512f", ".dst");
	mc_error err = { 0 };
	mc_plan *plan = mc_plan_compute(&none, src, dst, NULL, &err);
	ck_assert_msg(plan != NULL, "%s", err.msg);
	bool found = false;
	for (size_t i = 0; i < mc_plan_count(plan); i++) {
		const mc_verdict *v = mc_plan_at(plan, i);
		if (strcmp(v->family, "x86.cpuid") == 0 && v->level == MC_V_BLOCKED)
			found = found || strcmp(v->subject, "CPUID 0x7.0.ebx bit 16") == 0;
	}
	ck_assert_msg(found, "no raw-named avx512f verdict");
	mc_plan_free(plan);
	mc_pins *p = mc_pins_new();
	mc_error e = { 0 };
	/* the map is missing, the pin is fine: 69 with the path, not "malformed" */
	ck_assert_int_eq(mc_plan_parse_pin(&none, p, "CPU=EPYC", &e), -ENOENT);
	ck_assert_int_eq(e.exit_code, 69);
	ck_assert_ptr_nonnull(strstr(e.msg, "libvirt CPU map is missing"));
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/cpu_map"));
	ck_assert_ptr_null(strstr(e.msg, "malformed"));
	/* A NULL environment is one without a database too. */
	plan = mc_plan_compute(NULL, src, dst, NULL, &err);
	ck_assert_msg(plan != NULL, "%s", err.msg);
	mc_plan_free(plan);
	mc_pins_free(p);
	mc_plan_env_clear(&none);
	mc_facts_free(src);
	mc_facts_free(dst);
}
END_TEST

/* The database is an argument, not a global: the same pair and pins
 * planned with two databases that define the guest's CPU model differently
 * give different verdicts, in either order, in one process. */
static const char *const two_maps_model =
    "<cpus><model name='Two'><feature name='%s'/></model></cpus>\n";

static char *maps_dir(const char *feature, bool grouped)
{
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *src = g_build_filename(tu_datadir(), "cpu_map", NULL);
	static const char *const copy[] = { "x86_vendors.xml", "x86_features.xml" };
	GString *idx = g_string_new("<cpus><arch name='x86'>");
	for (size_t i = 0; i < G_N_ELEMENTS(copy); i++) {
		g_autofree char *from = g_build_filename(src, copy[i], NULL);
		g_autofree char *to = g_build_filename(dir, copy[i], NULL);
		g_autofree char *text = tu_read(from, NULL);
		ck_assert_ptr_nonnull(text);
		ck_assert(g_file_set_contents(to, text, -1, NULL));
		g_string_append_printf(idx, "<include filename='%s'/>", copy[i]);
	}
	/* libvirt 11 (Debian 12 backports) wraps the model includes of its
	 * index.xml in <group name='...'> elements. */
	g_string_append(idx, grouped ? "<group name='Test models'><include filename='x86_Two.xml'/>"
				       "</group></arch></cpus>\n"
				     : "<include filename='x86_Two.xml'/></arch></cpus>\n");
	g_autofree char *ip = g_build_filename(dir, "index.xml", NULL);
	ck_assert(g_file_set_contents(ip, idx->str, -1, NULL));
	g_string_free(idx, TRUE);
	g_autofree char *mp = g_build_filename(dir, "x86_Two.xml", NULL);
	g_autofree char *model = g_strdup_printf(two_maps_model, feature);
	ck_assert(g_file_set_contents(mp, model, -1, NULL));
	return g_steal_pointer(&dir);
}

static char *two_maps_dir(const char *feature)
{
	return maps_dir(feature, false);
}

static mc_level two_maps_plan(const mc_plan_env *env, const mc_facts *src, const mc_facts *dst,
			      const mc_pins *pins)
{
	mc_error err = { 0 };
	mc_plan *plan = mc_plan_compute(env, src, dst, pins, &err);
	ck_assert_msg(plan != NULL, "%s", err.msg);
	mc_level l = mc_plan_family_worst(plan, "x86.cpuid");
	mc_plan_free(plan);
	return l;
}

START_TEST(two_databases)
{
	/* edit-avx512f: DST lacks avx512f, SRC has it and sse2. */
	g_autofree char *with = two_maps_dir("avx512f"), *without = two_maps_dir("sse2");
	mc_plan_env a, b;
	mc_plan_env_load(&a, with);
	mc_plan_env_load(&b, without);
	ck_assert_msg(a.cpumodels && b.cpumodels, "%s%s", a.cpumodels_err.msg, b.cpumodels_err.msg);
	mc_facts *src = load("edit-avx512f", ".src"), *dst = load("edit-avx512f", ".dst");
	mc_pins *pins = mc_pins_new();
	mc_error err = { 0 };
	ck_assert_int_eq(mc_pins_parse(pins, "CPU=Two", &err), 0);
	ck_assert_int_eq(two_maps_plan(&a, src, dst, pins), MC_V_BLOCKED);
	ck_assert_int_eq(two_maps_plan(&b, src, dst, pins), MC_V_OK);
	ck_assert_int_eq(two_maps_plan(&a, src, dst, pins), MC_V_BLOCKED);
	/* and the test map (no model Two) refuses the pin */
	ck_assert_ptr_null(mc_plan_compute(tu_plan_env(), src, dst, pins, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown CPU model"));
	mc_pins_free(pins);
	mc_facts_free(src);
	mc_facts_free(dst);
	mc_plan_env_clear(&a);
	mc_plan_env_clear(&b);
	tu_rmtree(with);
	tu_rmtree(without);
}
END_TEST

/* The cache of a parsed map (mc_cpumodels_save, _load_cache): the test
 * map and the installed one each survive the round trip (the reloaded map
 * writes the same cache, and answers the same questions), the plan cases
 * give the same plans from it, and a changed file makes it stale. */
static void same_answers(const mc_cpumodels *a, const mc_cpumodels *b)
{
	ck_assert_uint_eq(mc_cpumodels_nregs(a), mc_cpumodels_nregs(b));
	for (size_t i = 0; i < mc_cpumodels_nregs(a); i++) {
		uint32_t la, ia, lb, ib;
		unsigned ra, rb;
		mc_cpumodels_reg(a, i, &la, &ia, &ra);
		mc_cpumodels_reg(b, i, &lb, &ib, &rb);
		ck_assert(la == lb && ia == ib && ra == rb);
		for (unsigned bit = 0; bit < 32; bit++) {
			const char *na = mc_cpumodels_bit_name(a, la, ia, ra, bit);
			const char *nb = mc_cpumodels_bit_name(b, lb, ib, rb, bit);
			ck_assert_str_eq(na ? na : "-", nb ? nb : "-");
			size_t n1 = 0, n2 = 0;
			const mc_cpu_bits *f1 = na ? mc_cpumodels_feature(a, na, &n1) : NULL;
			const mc_cpu_bits *f2 = nb ? mc_cpumodels_feature(b, nb, &n2) : NULL;
			ck_assert_uint_eq(n1, n2);
			for (size_t k = 0; k < n1; k++)
				ck_assert(f1[k].is_msr == f2[k].is_msr &&
					  f1[k].leaf == f2[k].leaf && f1[k].index == f2[k].index &&
					  f1[k].reg == f2[k].reg && f1[k].mask == f2[k].mask);
		}
	}
	for (uint32_t msr = 0x10a; msr <= 0x491; msr++) {
		ck_assert(mc_cpumodels_msr_defined(a, msr) == mc_cpumodels_msr_defined(b, msr));
		if (!mc_cpumodels_msr_defined(a, msr))
			continue;
		for (unsigned bit = 0; bit < 64; bit++) {
			const char *na = mc_cpumodels_msr_bit_name(a, msr, bit);
			const char *nb = mc_cpumodels_msr_bit_name(b, msr, bit);
			ck_assert_str_eq(na ? na : "-", nb ? nb : "-");
		}
	}
}

static char *cache_of(const mc_cpumodels *m, const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	mc_error err = { 0 };
	ck_assert_msg(mc_cpumodels_save(m, path, &err) == 0, "%s", err.msg);
	return tu_read(path, NULL);
}

START_TEST(map_cache)
{
	const char *maps[] = { NULL, "/usr/share/libvirt/cpu_map" };
	g_autofree char *tmp = tu_tmpdir();
	for (size_t i = 0; i < G_N_ELEMENTS(maps); i++) {
		g_autofree char *testmap = g_build_filename(tu_datadir(), "cpu_map", NULL);
		const char *dir = maps[i] ? maps[i] : testmap;
		mc_error err = { 0 };
		mc_cpumodels *xml = mc_cpumodels_load(dir, &err);
		ck_assert_msg(xml != NULL, "%s", err.msg);
		g_autofree char *c1 = cache_of(xml, tmp, "a.cache");
		g_autofree char *path = g_build_filename(tmp, "a.cache", NULL);
		mc_cpumodels *cached = mc_cpumodels_load_cache(dir, path, &err);
		ck_assert_msg(cached != NULL, "%s", err.msg);
		g_autofree char *c2 = cache_of(cached, tmp, "b.cache");
		ck_assert_str_eq(c1, c2);
		same_answers(xml, cached);
		/* another directory's cache is not this one's */
		ck_assert_ptr_null(mc_cpumodels_load_cache("/elsewhere", path, &err));
		ck_assert_ptr_nonnull(strstr(err.msg, "not a cache of /elsewhere"));
		mc_cpumodels_free(xml);
		mc_cpumodels_free(cached);
	}
	/* the plan cases plan the same from a cached test map */
	g_autofree char *testmap = g_build_filename(tu_datadir(), "cpu_map", NULL);
	g_autofree char *path = g_build_filename(tmp, "t.cache", NULL);
	mc_plan_env cold, warm;
	mc_error cerr = { 0 };
	ck_assert_int_eq(mc_plan_env_load_cached(&cold, testmap, path, &cerr), 0);
	ck_assert_int_eq(mc_plan_env_load_cached(&warm, testmap, path, &cerr), 1);
	const char *cases[] = { "edit-avx512f", "edit-archcap-model" };
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		mc_facts *src = load(cases[i], ".src"), *dst = load(cases[i], ".dst");
		mc_pins *pins = tu_load_pins("plan-x86", cases[i]);
		mc_error e1 = { 0 }, e2 = { 0 };
		mc_plan *p1 = mc_plan_compute(&cold, src, dst, pins, &e1);
		mc_plan *p2 = mc_plan_compute(&warm, src, dst, pins, &e2);
		ck_assert_msg(p1 && p2, "%s %s", e1.msg, e2.msg);
		ck_assert_int_eq(mc_plan_worst(p1), mc_plan_worst(p2));
		ck_assert_uint_eq(mc_plan_count(p1), mc_plan_count(p2));
		for (size_t v = 0; v < mc_plan_count(p1); v++) {
			ck_assert_int_eq(mc_plan_at(p1, v)->level, mc_plan_at(p2, v)->level);
			ck_assert_str_eq(mc_plan_at(p1, v)->reason, mc_plan_at(p2, v)->reason);
		}
		mc_plan_free(p1);
		mc_plan_free(p2);
		mc_pins_free(pins);
		mc_facts_free(src);
		mc_facts_free(dst);
	}
	mc_plan_env_clear(&cold);
	mc_plan_env_clear(&warm);
	tu_rmtree(tmp);
}
END_TEST

/* A model included from a <group> of index.xml (libvirt 11's layout) is
 * in the database like one included directly. */
START_TEST(grouped_index)
{
	g_autofree char *dir = maps_dir("avx512f", true);
	mc_plan_env env;
	mc_plan_env_load(&env, dir);
	ck_assert_msg(env.cpumodels != NULL, "%s", env.cpumodels_err.msg);
	mc_facts *src = load("edit-avx512f", ".src"), *dst = load("edit-avx512f", ".dst");
	mc_pins *pins = mc_pins_new();
	mc_error err = { 0 };
	ck_assert_int_eq(mc_pins_parse(pins, "CPU=Two", &err), 0);
	mc_plan *plan = mc_plan_compute(&env, src, dst, pins, &err);
	ck_assert_msg(plan != NULL, "%s", err.msg);
	ck_assert_int_eq(mc_plan_family_worst(plan, "x86.cpuid"), MC_V_BLOCKED);
	mc_plan_free(plan);
	mc_pins_free(pins);
	mc_facts_free(src);
	mc_facts_free(dst);
	mc_plan_env_clear(&env);
	tu_rmtree(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rules_x86");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, compat_pins);
	tcase_add_test(tc, pin_validation);
	tcase_add_test(tc, map_unavailable);
	tcase_add_test(tc, two_databases);
	tcase_add_test(tc, map_cache);
	tcase_add_test(tc, grouped_index);
	suite_add_tcase(s, tc);
	pc_add_cases(s, "plan-x86");
	pc_add_cases(s, "plan-x86-map11");
	return tu_run(s);
}
