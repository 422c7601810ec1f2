/* x86 rule families (x86.cpuid, x86.msr). Data-driven: each case is
 * tests/data/plan-x86/NAME.src and NAME.dst (facts), optional NAME.pins (one
 * NAME=VALUE per line, '#' comments) and NAME.expect:
 *
 *   # comment
 *   blocked                      worst level of the x86.* verdicts (first line)
 *   blocked x86.cpuid avx512f    LEVEL FAMILY SUBJECT, one per x86.* verdict
 *   ok x86.msr MSR 0x40000020 HV[32]   in plan order, the ok "summary"
 *                                      verdicts excepted
 *   ~ TEXT                       some x86.* verdict's reason, facts, remedy or
 *                                pin contains TEXT
 *   error TEXT                   (alone) pins or planning fail with TEXT
 *
 * The CPU-model database is the libvirt 9.0 subset in tests/data/cpu_map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/planner.h"
#include "tests/lib/testutil.h"

static GPtrArray *names;

static mc_facts *load(const char *name, const char *ext)
{
	g_autofree char *path = tu_path("plan-x86", name, ext);
	gsize len = 0;
	g_autofree char *text = tu_read(path, &len);
	ck_assert_msg(text != NULL, "missing %s", path);
	mc_error err = { 0 };
	mc_facts *f = mc_facts_parse(text, len, path, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	return f;
}

static bool is_x86_family(const char *family)
{
	return g_str_has_prefix(family, "x86.");
}

START_TEST(plan_case)
{
	const char *name = names->pdata[_i];
	mc_facts *src = load(name, ".src"), *dst = load(name, ".dst");
	g_autofree char *pins_path = tu_path("plan-x86", name, ".pins");
	g_autofree char *pins_text = tu_read(pins_path, NULL);
	g_autofree char *exp_path = tu_path("plan-x86", name, ".expect");
	g_autofree char *exp_text = tu_read(exp_path, NULL);
	ck_assert_msg(exp_text != NULL, "missing %s", exp_path);
	g_auto(GStrv) exp = g_strsplit(exp_text, "\n", -1);
	GPtrArray *want = g_ptr_array_new(); /* non-comment lines */
	for (char **l = exp; *l; l++)
		if (**l && **l != '#')
			g_ptr_array_add(want, *l);
	ck_assert_msg(want->len > 0, "%s: empty expectation", name);
	const char *first = want->pdata[0];
	mc_error err = { 0 };
	mc_pins *pins = mc_pins_new();
	int rc = 0;
	if (pins_text) {
		g_auto(GStrv) lines = g_strsplit(pins_text, "\n", -1);
		for (char **l = lines; *l && rc == 0; l++)
			if (**l && **l != '#')
				rc = mc_plan_parse_pin(tu_plan_env(), pins, *l, &err);
	}
	mc_plan *plan = rc == 0 ? mc_plan_compute(tu_plan_env(), src, dst, pins, &err) : NULL;
	if (g_str_has_prefix(first, "error ")) {
		ck_assert_msg(plan == NULL, "%s: planned, expected error '%s'", name, first + 6);
		ck_assert_msg(strstr(err.msg, first + 6), "%s: error '%s' lacks '%s'", name,
			      err.msg, first + 6);
		goto out;
	}
	ck_assert_msg(plan != NULL, "%s: %s", name, err.msg);
	/* Actual verdict lines and text, x86 families only. */
	GString *got = g_string_new(NULL), *text = g_string_new(NULL);
	mc_level worst = MC_V_OK;
	for (size_t i = 0; i < mc_plan_count(plan); i++) {
		const mc_verdict *v = mc_plan_at(plan, i);
		if (!is_x86_family(v->family))
			continue;
		if (v->level > worst)
			worst = v->level;
		g_string_append_printf(text, "%s|%s|%s|%s\n", v->reason, v->facts ? v->facts : "",
				       v->remedy ? v->remedy : "", v->pin ? v->pin : "");
		if (v->level == MC_V_OK && strcmp(v->subject, "summary") == 0)
			continue;
		g_string_append_printf(got, "%s %s %s\n", mc_level_name(v->level), v->family,
				       v->subject);
	}
	GString *exp_lines = g_string_new(NULL);
	for (guint i = 1; i < want->len; i++) {
		const char *l = want->pdata[i];
		if (g_str_has_prefix(l, "~ ")) {
			ck_assert_msg(strstr(text->str, l + 2),
				      "%s: no verdict text contains '%s':\n%s", name, l + 2,
				      text->str);
			continue;
		}
		g_string_append_printf(exp_lines, "%s\n", l);
	}
	ck_assert_msg(strcmp(mc_level_name(worst), first) == 0, "%s: worst %s, expected %s\n%s",
		      name, mc_level_name(worst), first, got->str);
	ck_assert_msg(strcmp(got->str, exp_lines->str) == 0, "%s: verdicts\n%s\nexpected\n%s", name,
		      got->str, exp_lines->str);
	/* Every family that applies says something; arm64 gets nothing. */
	bool x86 = strcmp(mc_facts_get(src, "kernel", "arch"), "x86_64") == 0;
	ck_assert_msg(x86 == (text->len > 0), "%s: x86 families %s verdicts", name,
		      x86 ? "emitted no" : "emitted");
	g_string_free(got, TRUE);
	g_string_free(text, TRUE);
	g_string_free(exp_lines, TRUE);
out:
	mc_plan_free(plan);
	mc_pins_free(pins);
	g_ptr_array_unref(want);
	mc_facts_free(src);
	mc_facts_free(dst);
}
END_TEST

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
	ck_assert_int_eq(mc_plan_parse_pin(&none, p, "CPU=EPYC", &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/cpu_map"));
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

static char *two_maps_dir(const char *feature)
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
	g_string_append(idx, "<include filename='x86_Two.xml'/></arch></cpus>\n");
	g_autofree char *ip = g_build_filename(dir, "index.xml", NULL);
	ck_assert(g_file_set_contents(ip, idx->str, -1, NULL));
	g_string_free(idx, TRUE);
	g_autofree char *mp = g_build_filename(dir, "x86_Two.xml", NULL);
	g_autofree char *model = g_strdup_printf(two_maps_model, feature);
	ck_assert(g_file_set_contents(mp, model, -1, NULL));
	return g_steal_pointer(&dir);
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

int main(void)
{
	Suite *s = suite_create("rules_x86");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, compat_pins);
	tcase_add_test(tc, pin_validation);
	tcase_add_test(tc, map_unavailable);
	tcase_add_test(tc, two_databases);
	suite_add_tcase(s, tc);
	names = tu_list("plan-x86", ".expect");
	tu_add_cases(s, "case", names, plan_case, NULL, NULL);
	int rc = tu_run(s);
	g_ptr_array_unref(names);
	return rc;
}
