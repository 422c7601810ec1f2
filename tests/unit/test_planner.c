/* The planner: the plan cases of tests/data/plan and the matrices of
 * tests/data/matrix (the one runner, tests/lib/plancase.h), plus pins and
 * error cases. */
#include <errno.h>
#include <string.h>

#include "core/model/profile.h"
#include "core/planner/baseline.h"
#include "core/planner/planner.h"
#include "core/planner/rules_arm64_fwreg.h"
#include "tests/lib/plancase.h"
#include "tests/lib/testutil.h"

START_TEST(pins)
{
	mc_pins *p = mc_pins_new();
	mc_error err = { 0 };
	ck_assert_int_eq(mc_pins_parse(p, "psci_version=1.0", &err), 0);
	unsigned long long v;
	ck_assert_int_eq(mc_pins_get_u64(p, "PSCI_VERSION", &v), 0);
	ck_assert_uint_eq(v, 0x10000);
	ck_assert_int_eq(mc_pins_parse(p, "PSCI_VERSION=0x2", &err), 0);
	ck_assert_int_eq(mc_pins_get_u64(p, "psci_version", &v), 0);
	ck_assert_uint_eq(v, 0x2);
	ck_assert_int_eq(mc_pins_parse(p, "SVE=off", &err), 0);
	g_autofree char *s = mc_pins_format(p);
	ck_assert_str_eq(s, "PSCI_VERSION=0x2,SVE=off");
	static const char *const bad[] = { "PSCI_VERSION",     "=1",
					   "PSCI_VERSION=",    "PSCI_VERSION=2.5",
					   "PSCI_VERSION=x",   "NOSUCH=1",
					   "STD_BMAP=-1",      "SVE=maybe",
					   "STD_HYP_BMAP=0x1g" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		mc_error_clear(&err);
		ck_assert_msg(mc_pins_parse(p, bad[i], &err) == -EINVAL, "%s accepted", bad[i]);
		ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
		ck_assert_msg(strstr(err.msg, "malformed pin"), "%s", err.msg);
	}
	mc_pins_free(p);
}
END_TEST

/* mc_pins_meet: (name, acc's value, value) -> the met value. */
START_TEST(meet)
{
	static const struct {
		const char *name, *have, *v, *want;
	} t[] = {
		{ "PSCI_VERSION", "0x10001", "0x2", "0x2" },
		{ "SVE", "on", "off", "off" },
		{ "SVE", "off", "on", "off" },
		/* machine types: the older of one family, numbers as numbers */
		{ "MACHINE", "pc-q35-8.0", "pc-q35-7.2", "pc-q35-7.2" },
		{ "MACHINE", "pc-q35-7.2", "pc-q35-7.10", "pc-q35-7.2" },
		{ "MACHINE", "virt-9.0", "virt-10.1", "virt-9.0" },
		/* two families: no order, acc's stands */
		{ "MACHINE", "pc-q35-8.0", "pc-i440fx-7.2", "pc-q35-8.0" },
		{ "MACHINE", "virt", "virt-9.0", "virt" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
		mc_pins *p = mc_pins_new();
		mc_error err = { 0 };
		ck_assert_int_eq(mc_pins_set(p, t[i].name, t[i].have, &err), 0);
		ck_assert_int_eq(mc_pins_meet(p, t[i].name, t[i].v, &err), 0);
		ck_assert_msg(strcmp(mc_pins_get(p, t[i].name), t[i].want) == 0,
			      "meet %s %s %s: %s, want %s", t[i].name, t[i].have, t[i].v,
			      mc_pins_get(p, t[i].name), t[i].want);
		mc_pins_free(p);
	}
}
END_TEST

START_TEST(errors)
{
	mc_error err = { 0 };
	const char x86[] = "kernel\tarch\tx86_64\n", arm[] = "kernel\tarch\taarch64\n";
	mc_facts *a = mc_facts_parse(x86, strlen(x86), "a", &err);
	mc_facts *b = mc_facts_parse(arm, strlen(arm), "b", &err);
	ck_assert_ptr_null(mc_plan_compute(tu_plan_env(), a, b, NULL, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
	ck_assert_msg(strstr(err.msg, "x86_64") && strstr(err.msg, "aarch64"), "%s", err.msg);
	/* A pin the source kernel could not have applied. */
	mc_pins *p = mc_pins_new();
	ck_assert_int_eq(mc_pins_parse(p, "PSCI_VERSION=0.2", &err), 0);
	mc_error_clear(&err);
	ck_assert_ptr_null(mc_plan_compute(tu_plan_env(), b, b, p, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	ck_assert_msg(strstr(err.msg, "no such firmware register"), "%s", err.msg);
	mc_pins_free(p);
	mc_facts_free(a);
	mc_facts_free(b);
}
END_TEST

/* The acceptance function itself, value by value (the agreement test checks
 * the same against the real kernel). */
START_TEST(fw_accepts)
{
	ck_assert_int_eq(mc_arm64_fw_accepts("PSCI_VERSION", false, 0, 0x2), -ENOENT);
	ck_assert_int_eq(mc_arm64_fw_accepts("PSCI_VERSION", true, 0x10001, 0x1), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("PSCI_VERSION", true, 0x10001, 0x2), 0);
	ck_assert_int_eq(mc_arm64_fw_accepts("PSCI_VERSION", true, 0x10000, 0x10001), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("PSCI_VERSION", true, 0x10001, 0x10002), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_1", true, 0x1, 0x2), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_1", true, 0x2, 0x1), 0);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_3", true, 0x2, 0x10), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_2", true, 0x3, 0x12), 0);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_2", true, 0x3, 0x11), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_2", true, 0x2, 0x2), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_2", true, 0x0, 0x1), 0);
	ck_assert_int_eq(mc_arm64_fw_accepts("SMCCC_ARCH_WORKAROUND_2", true, 0x3, 0x4), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("STD_HYP_BMAP", true, 0x1, 0x0), 0);
	ck_assert_int_eq(mc_arm64_fw_accepts("VENDOR_HYP_BMAP", true, 0x3, 0x4), -EINVAL);
	ck_assert_int_eq(mc_arm64_fw_accepts("0x6030000000140009", true, 0x5, 0x5), 0);
	ck_assert_int_eq(mc_arm64_fw_accepts("0x6030000000140009", true, 0x5, 0x6), -EINVAL);
}
END_TEST

/* ---- compiled profiles plan as their facts do ---- */

static gint str_ptr_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every distinct profile under dir (any file mc_profile_load_file reads
 * that has kernel/arch), in path order. */
static void load_all(const char *dir, GPtrArray *out, GHashTable *seen)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	ck_assert_ptr_nonnull(d);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	for (const char *n; (n = g_dir_read_name(d));)
		g_ptr_array_add(names, g_build_filename(dir, n, NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, str_ptr_cmp);
	for (guint i = 0; i < names->len; i++) {
		const char *path = names->pdata[i];
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			load_all(path, out, seen);
			continue;
		}
		mc_error err = { 0 };
		mc_facts *f = mc_profile_load_file(path, NULL, &err);
		char *text =
		    f && mc_facts_get(f, "kernel", "arch") ? mc_facts_canonical(f, NULL) : NULL;
		if (!text || g_hash_table_contains(seen, text)) {
			free(text);
			mc_facts_free(f);
			continue;
		}
		g_hash_table_add(seen, g_strdup(text));
		free(text);
		g_ptr_array_add(out, f);
	}
	g_ptr_array_unref(names);
}

/* A plan (or its error) as text, every field of every verdict. */
static char *plan_text(const mc_plan *p, const mc_error *err)
{
	if (!p)
		return g_strdup_printf("error %d %d %s", err->exit_code, err->errnum, err->msg);
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		g_string_append_printf(s, "%d|%s|%s|%s|%s|%s|%s\n", v->level, v->family, v->subject,
				       v->reason, v->facts ? v->facts : "(null)",
				       v->remedy ? v->remedy : "(null)",
				       v->pin ? v->pin : "(null)");
	}
	return g_string_free(s, FALSE);
}

/* Every ordered pair of the distinct profiles of tests/data, planned from
 * the facts (mc_plan_compute, which compiles both for this plan) and from
 * profiles compiled once and reused for every pair (a cache, as targets,
 * gate, report and baseline plan): the same verdicts, byte for byte, or the
 * same error. Without pins, and with each pins file of the plan folders
 * from its case's source to every profile. */
START_TEST(compiled_matches_fresh)
{
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)mc_facts_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	load_all(tu_datadir(), all, seen);
	ck_assert_uint_ge(all->len, 50);
	struct {
		const char *dir, *name; /* NULL: no pins, every source */
	} runs[64] = { { NULL, NULL } };
	size_t nruns = 1;
	static const char *const dirs[] = { "plan", "plan-x86", "plan-qemu", "plan-vfio" };
	GPtrArray *keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
		GPtrArray *names = tu_list(dirs[k], ".pins");
		g_ptr_array_add(keep, names);
		for (guint i = 0; i < names->len && nruns < G_N_ELEMENTS(runs); i++)
			runs[nruns].dir = dirs[k], runs[nruns++].name = names->pdata[i];
	}
	size_t plans = 0;
	/* Under valgrind (make check-valgrind) every 10th destination only: the
	 * whole sweep takes minutes there; make check and check-sanitizers
	 * run all of it. */
	guint stride = g_getenv("MC_VALGRIND") ? 10 : 1;
	for (size_t r = 0; r < nruns; r++) {
		mc_pins *pn = runs[r].dir ? tu_load_pins(runs[r].dir, runs[r].name) : NULL;
		mc_facts *case_src =
		    runs[r].dir ? tu_load_facts(runs[r].dir, runs[r].name, ".src") : NULL;
		/* one cache per run: it must not outlive case_src */
		mc_plan_cache *cache = mc_plan_cache_new();
		for (guint i = 0; i < (case_src ? 1 : all->len); i++) {
			const mc_facts *src = case_src ? case_src : all->pdata[i];
			for (guint j = (i + (guint)r) % stride; j < all->len; j += stride) {
				const mc_facts *dst = all->pdata[j];
				mc_error e1 = { 0 }, e2 = { 0 };
				mc_plan *fresh = mc_plan_compute(tu_plan_env(), src, dst, pn, &e1);
				mc_plan *cached =
				    mc_plan_compute_cached(cache, tu_plan_env(), src, dst, pn, &e2);
				g_autofree char *a = plan_text(fresh, &e1);
				g_autofree char *b = plan_text(cached, &e2);
				ck_assert_msg(
				    strcmp(a, b) == 0,
				    "pins %s/%s, profiles %u -> %u:\nfresh:\n%s\ncached:\n%s",
				    runs[r].dir ? runs[r].dir : "-",
				    runs[r].name ? runs[r].name : "-", i, j, a, b);
				mc_plan_free(fresh);
				mc_plan_free(cached);
				plans++;
			}
		}
		mc_plan_cache_free(cache);
		mc_facts_free(case_src);
		mc_pins_free(pn);
	}
	ck_assert_uint_gt(nruns, 10);
	ck_assert_uint_gt(plans * stride, 10000);
	g_ptr_array_unref(keep);
	g_ptr_array_unref(all);
	g_hash_table_destroy(seen);
}
END_TEST

/* A verdict's text is written when it is first read (mc_plan_at), from
 * what the rule recorded: after the profiles and the facts it was planned
 * from are gone. Every ordered pair of the distinct profiles of tests/data
 * is planned from copies of its facts, the copies are freed and their
 * memory refilled with other text (every letter's case swapped, every digit
 * d made 9 - d), and only then is the text read: it must be the text of the
 * same plan read while its facts live. (A verdict that kept a pointer into
 * the facts would read the refill, or trip ASan and valgrind, which run
 * this test in check-sanitizers and check-valgrind.) Levels and families
 * are read first, without the text (mc_plan_level_at, mc_plan_family_at). */
static char *swapped(const char *s)
{
	char *o = g_strdup(s);
	for (char *c = o; *c; c++)
		*c = g_ascii_islower(*c)   ? g_ascii_toupper(*c)
		     : g_ascii_isupper(*c) ? g_ascii_tolower(*c)
		     : g_ascii_isdigit(*c) ? (char)('0' + '9' - *c)
					   : *c;
	return o;
}

static mc_facts *refill(const mc_facts *f)
{
	mc_facts *o = mc_facts_new();
	for (size_t i = 0; i < mc_facts_count(f); i++) {
		const mc_fact *x = mc_facts_at(f, i);
		g_autofree char *d = swapped(x->domain), *k = swapped(x->key),
				*v = swapped(x->value);
		ck_assert_int_eq(mc_facts_set(o, d, k, v, NULL), 0);
	}
	return o;
}

START_TEST(text_outlives_facts)
{
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)mc_facts_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	load_all(tu_datadir(), all, seen);
	ck_assert_uint_ge(all->len, 50);
	guint stride = g_getenv("MC_VALGRIND") ? 10 : 1;
	size_t verdicts = 0;
	for (guint i = 0; i < all->len; i++) {
		for (guint j = i % stride; j < all->len; j += stride) {
			const mc_facts *src = all->pdata[i], *dst = all->pdata[j];
			mc_error e1 = { 0 }, e2 = { 0 };
			mc_plan *live = mc_plan_compute(tu_plan_env(), src, dst, NULL, &e1);
			mc_facts *s2 = mc_facts_dup(src), *d2 = mc_facts_dup(dst);
			mc_plan *late = mc_plan_compute(tu_plan_env(), s2, d2, NULL, &e2);
			mc_facts_free(d2);
			mc_facts_free(s2);
			mc_facts *r1 = refill(src), *r2 = refill(dst);
			/* levels and families are read without the text */
			for (size_t k = 0; late && k < mc_plan_count(late); k++) {
				ck_assert_int_eq(mc_plan_level_at(late, k),
						 mc_plan_at(live, k)->level);
				ck_assert_str_eq(mc_plan_family_at(late, k),
						 mc_plan_at(live, k)->family);
			}
			g_autofree char *b = plan_text(late, &e2);
			g_autofree char *a = plan_text(live, &e1);
			ck_assert_msg(strcmp(a, b) == 0,
				      "profiles %u -> %u:\nread while the facts live:\n%s\nread "
				      "after:\n%s",
				      i, j, a, b);
			verdicts += live ? mc_plan_count(live) : 0;
			mc_facts_free(r1);
			mc_facts_free(r2);
			mc_plan_free(live);
			mc_plan_free(late);
		}
	}
	ck_assert_uint_gt(verdicts * stride, 10000);
	g_ptr_array_unref(all);
	g_hash_table_destroy(seen);
}
END_TEST

/* mc_baseline meets each pair's compat pins once per computation, through
 * interned values and a memo, each distinct pin set once a round: its
 * configuration must be, text for text, mc_plan_baseline_pins (every pair
 * met in order) of the profiles that joined. The distinct profiles of
 * tests/data by architecture, whole and in subsets (every k-th from an
 * offset), so that many sets of pins meet. */
START_TEST(baseline_meets_as_pairs)
{
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)mc_facts_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	load_all(tu_datadir(), all, seen);
	static const char *const arches[] = { "x86_64", "aarch64" };
	size_t checked = 0, excluded = 0;
	guint strides = g_getenv("MC_VALGRIND") ? 1 : 3;
	for (size_t a = 0; a < G_N_ELEMENTS(arches); a++) {
		GPtrArray *group = g_ptr_array_new();
		for (guint i = 0; i < all->len; i++)
			if (g_strcmp0(mc_facts_get(all->pdata[i], "kernel", "arch"), arches[a]) ==
			    0)
				g_ptr_array_add(group, all->pdata[i]);
		ck_assert_uint_ge(group->len, 8);
		for (guint k = 1; k <= strides; k++) {
			for (guint off = 0; off < k; off++) {
				GPtrArray *sub = g_ptr_array_new();
				GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
				for (guint i = off; i < group->len; i += k) {
					g_ptr_array_add(sub, group->pdata[i]);
					g_ptr_array_add(labels, g_strdup_printf("p%u", i));
				}
				mc_error e = { 0 };
				mc_baseline *b = mc_baseline_compute(
				    tu_plan_env(), (const mc_facts *const *)sub->pdata, NULL,
				    (const char *const *)labels->pdata, sub->len, &e);
				ck_assert_msg(b != NULL, "%s", e.msg);
				GPtrArray *joined = g_ptr_array_new();
				for (guint i = 0; i < sub->len; i++)
					if (mc_baseline_joined(b, i))
						g_ptr_array_add(joined, sub->pdata[i]);
				excluded += sub->len - joined->len;
				mc_pins *want = mc_plan_baseline_pins(
				    tu_plan_env(), (const mc_facts *const *)joined->pdata,
				    joined->len, &e);
				ck_assert_msg(want != NULL, "%s", e.msg);
				g_autofree char *wt = mc_pins_format(want);
				g_autofree char *got = mc_pins_format(mc_baseline_pins(b));
				ck_assert_msg(strcmp(wt, got) == 0,
					      "%s, every %u-th from %u: %.300s, want %.300s",
					      arches[a], k, off, got, wt);
				checked++;
				mc_pins_free(want);
				g_ptr_array_unref(joined);
				mc_baseline_free(b);
				g_ptr_array_unref(labels);
				g_ptr_array_unref(sub);
			}
		}
		g_ptr_array_unref(group);
	}
	ck_assert_uint_ge(checked, 2);
	ck_assert_uint_gt(excluded, 0); /* more than one round somewhere */
	g_ptr_array_unref(all);
	g_hash_table_destroy(seen);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("planner");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, pins);
	tcase_add_test(tc, meet);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, fw_accepts);
	suite_add_tcase(s, tc);
	TCase *cc = tcase_create("compiled");
	tcase_set_timeout(cc, 600);
	tcase_add_test(cc, compiled_matches_fresh);
	tcase_add_test(cc, text_outlives_facts);
	tcase_add_test(cc, baseline_meets_as_pairs);
	suite_add_tcase(s, cc);
	pc_add_cases(s, "plan");
	pc_add_cases(s, "matrix");
	return tu_run(s);
}
