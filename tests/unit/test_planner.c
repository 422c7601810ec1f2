/* The planner: the plan cases of tests/data/plan and the matrices of
 * tests/data/matrix (the one runner, tests/lib/plancase.h), plus pins and
 * error cases. */
#include <errno.h>
#include <string.h>

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
	pc_add_cases(s, "plan");
	pc_add_cases(s, "matrix");
	return tu_run(s);
}
