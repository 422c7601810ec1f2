/* Profile XML documents: tests/data/profile-xml/NAME.xml must parse to
 * NAME.canon, or fail with the text in NAME.err. */
#include <string.h>

#include "core/model/profile.h"
#include "tests/lib/testutil.h"

static GPtrArray *names;

START_TEST(xml_file)
{
	const char *name = names->pdata[_i];
	g_autofree char *xml_path = tu_path("profile-xml", name, ".xml");
	g_autofree char *canon_path = tu_path("profile-xml", name, ".canon");
	g_autofree char *err_path = tu_path("profile-xml", name, ".err");
	gsize len = 0;
	g_autofree char *xml = tu_read(xml_path, &len);
	ck_assert_ptr_nonnull(xml);
	g_autofree char *label = g_strconcat(name, ".xml", NULL);
	mc_error err = { 0 };
	mc_host_info host = { 0 };
	mc_facts *f = mc_profile_from_xml(xml, len, label, &host, &err);
	g_autofree char *want_err = tu_read(err_path, NULL);
	if (want_err) {
		g_strchomp(want_err);
		ck_assert_msg(f == NULL, "%s parsed; expected '%s'", name, want_err);
		ck_assert_msg(strstr(err.msg, want_err), "'%s' lacks '%s'", err.msg, want_err);
		ck_assert_msg(g_str_has_prefix(err.msg, label), "error names no input: %s",
			      err.msg);
		ck_assert_ptr_null(strstr(err.msg, "root:")); /* no external entity read */
		ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
		ck_assert_ptr_null(host.name);
		return;
	}
	ck_assert_msg(f != NULL, "%s: %s", name, err.msg);
	g_autofree char *want = tu_read(canon_path, NULL);
	ck_assert_ptr_nonnull(want);
	char *canon = mc_facts_canonical(f, NULL);
	ck_assert_str_eq(canon, want);
	free(canon);
	mc_facts_free(f);
	mc_host_info_clear(&host);
}
END_TEST

START_TEST(host_and_roundtrip)
{
	g_autofree char *xml_path = tu_path("profile-xml", "good", ".xml");
	mc_error err = { 0 };
	mc_host_info host = { 0 };
	mc_facts *f = mc_profile_load_file(xml_path, &host, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	ck_assert_str_eq(host.name, "arm-a57");
	ck_assert_str_eq(host.uuid, "4c4c4544-0000-1000-8000-000000000001");
	char ts[32];
	ck_assert_str_eq(mc_time_iso(host.probed, ts, sizeof(ts)), "2026-11-25T03:00:00Z");

	size_t len = 0;
	g_autofree char *xml = mc_profile_to_xml(f, &host, &len, &err);
	ck_assert_ptr_nonnull(xml);
	ck_assert_uint_eq(len, strlen(xml));
	mc_host_info back = { 0 };
	mc_facts *g = mc_profile_from_xml(xml, len, "roundtrip", &back, &err);
	ck_assert_msg(g != NULL, "%s", err.msg);
	ck_assert_str_eq(back.name, "arm-a57");
	ck_assert_int_eq((long)back.probed, (long)host.probed);
	char a[MC_PROFILE_ID_LEN + 1], b[MC_PROFILE_ID_LEN + 1];
	ck_assert_int_eq(mc_profile_id(f, a, &err), 0);
	ck_assert_int_eq(mc_profile_id(g, b, &err), 0);
	ck_assert_str_eq(a, b);
	mc_facts_free(f);
	mc_facts_free(g);
	mc_host_info_clear(&host);
	mc_host_info_clear(&back);
}
END_TEST

START_TEST(xml_escapes_values)
{
	mc_error err = { 0 };
	mc_facts *f = mc_facts_new();
	ck_assert_int_eq(mc_facts_set(f, "kernel", "cmdline.x", "<a&b \"q\" 'p'>", &err), 0);
	ck_assert_int_eq(mc_facts_set(f, "kernel", "cmdline.u", "caf\xc3\xa9", &err), 0);
	g_autofree char *xml = mc_profile_to_xml(f, NULL, NULL, &err);
	mc_facts *g = mc_profile_from_xml(xml, strlen(xml), "esc", NULL, &err);
	ck_assert_msg(g != NULL, "%s", err.msg);
	ck_assert_str_eq(mc_facts_get(g, "kernel", "cmdline.x"), "<a&b \"q\" 'p'>");
	ck_assert_str_eq(mc_facts_get(g, "kernel", "cmdline.u"), "caf\xc3\xa9");
	mc_facts_free(f);
	mc_facts_free(g);
}
END_TEST

START_TEST(load_file_errors)
{
	mc_error err = { 0 };
	ck_assert_ptr_null(mc_profile_load_file("/nonexistent/profile.xml", NULL, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_NOINPUT);
	ck_assert(g_str_has_prefix(err.msg, "/nonexistent/profile.xml: "));
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *p = g_build_filename(dir, "latin1.facts", NULL);
	g_file_set_contents(p, "kernel\tarch\tx\xe9\n", -1, NULL);
	mc_error_clear(&err);
	ck_assert_ptr_null(mc_profile_load_file(p, NULL, &err));
	ck_assert_msg(strstr(err.msg, "not UTF-8"), "%s", err.msg);
	tu_rmtree(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("xml");
	tcase_add_test(tc, host_and_roundtrip);
	tcase_add_test(tc, xml_escapes_values);
	tcase_add_test(tc, load_file_errors);
	suite_add_tcase(s, tc);
	names = tu_list("profile-xml", ".xml");
	tu_add_cases(s, "file", names, xml_file, NULL, NULL);
	int rc = tu_run(s);
	g_ptr_array_unref(names);
	return rc;
}
