/* The planner: data-driven plans (tests/data/plan/NAME.src, .dst, optional
 * .pins, .expect) and matrices (tests/data/matrix/NAME.new, .old, .expect),
 * plus pins and error cases. Expectation format: '#' comments; a plan's first
 * line is the worst level, then one line per non-ok verdict
 * "LEVEL FAMILY SUBJECT[ pin=PIN]" (subject "-" when empty); a matrix has
 * "compat PINS" (or "-") and per direction "DIR LEVEL[ FAMILY SUBJECT]" naming
 * the first verdict at the row's worst level. */
#include <errno.h>
#include <string.h>

#include "core/planner/planner.h"
#include "core/planner/rules_arm64_fwreg.h"
#include "tests/lib/testutil.h"

static GPtrArray *plan_names, *matrix_names;

static void describe(GString *s, const mc_verdict *v)
{
	g_string_append_printf(s, "%s %s %s", mc_level_name(v->level), v->family,
			       *v->subject ? v->subject : "-");
}

START_TEST(plan_case)
{
	const char *name = plan_names->pdata[_i];
	mc_facts *src = tu_load_facts("plan", name, ".src"),
		 *dst = tu_load_facts("plan", name, ".dst");
	mc_pins *pins = tu_load_pins("plan", name);
	mc_error err = { 0 };
	mc_plan *p = mc_plan_compute(tu_plan_env(), src, dst, pins, &err);
	ck_assert_msg(p != NULL, "%s: %s", name, err.msg);
	GString *got = g_string_new(NULL);
	g_string_append_printf(got, "%s\n", mc_level_name(mc_plan_worst(p)));
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		ck_assert_ptr_nonnull(v->reason);
		ck_assert_msg(*v->reason, "empty reason");
		if (v->level == MC_V_OK)
			continue;
		describe(got, v);
		if (v->pin)
			g_string_append_printf(got, " pin=%s", v->pin);
		g_string_append_c(got, '\n');
		ck_assert_msg(v->facts || strcmp(v->family, "kvm.cap") == 0 ||
				  strcmp(v->family, "arm64.reg") == 0,
			      "non-ok verdict without facts: %s", v->reason);
	}
	tu_expectation_update("plan", name, got->str);
	g_autofree char *want = tu_expectation("plan", name);
	ck_assert_str_eq(got->str, want);
	g_string_free(got, TRUE);
	mc_plan_free(p);
	mc_pins_free(pins);
	mc_facts_free(src);
	mc_facts_free(dst);
}
END_TEST

START_TEST(matrix_case)
{
	const char *name = matrix_names->pdata[_i];
	mc_facts *a = tu_load_facts("matrix", name, ".new"),
		 *b = tu_load_facts("matrix", name, ".old");
	mc_error err = { 0 };
	mc_matrix m;
	ck_assert_msg(mc_plan_matrix(tu_plan_env(), a, b, NULL, &m, &err) == 0, "%s", err.msg);
	GString *got = g_string_new(NULL);
	g_autofree char *compat = mc_pins_format(m.compat);
	g_string_append_printf(got, "compat %s\n", *compat ? compat : "-");
	for (int d = 0; d < MC_DIR_COUNT; d++) {
		mc_level w = mc_plan_worst(m.row[d]);
		g_string_append_printf(got, "%s %s", mc_direction_name(d), mc_level_name(w));
		for (size_t i = 0; i < mc_plan_count(m.row[d]) && w != MC_V_OK; i++) {
			const mc_verdict *v = mc_plan_at(m.row[d], i);
			if (v->level == w) {
				g_string_append_printf(got, " %s %s", v->family, v->subject);
				break;
			}
		}
		g_string_append_c(got, '\n');
	}
	tu_expectation_update("matrix", name, got->str);
	g_autofree char *want = tu_expectation("matrix", name);
	ck_assert_str_eq(got->str, want);
	g_string_free(got, TRUE);
	mc_matrix_clear(&m);
	mc_facts_free(a);
	mc_facts_free(b);
}
END_TEST

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

int main(void)
{
	Suite *s = suite_create("planner");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, pins);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, fw_accepts);
	suite_add_tcase(s, tc);
	plan_names = tu_list("plan", ".expect");
	matrix_names = tu_list("matrix", ".expect");
	tu_add_cases(s, "plan", plan_names, plan_case, NULL, NULL);
	tu_add_cases(s, "matrix", matrix_names, matrix_case, NULL, NULL);
	int rc = tu_run(s);
	g_ptr_array_unref(plan_names);
	g_ptr_array_unref(matrix_names);
	return rc;
}
