/* The libvirt work, data-driven:
 *  - tests/data/libvirt/NAME.xml: libvirt capabilities / domain capabilities
 *    documents (captured from real daemons, or crafted: see their first
 *    comment) -> NAME.facts (the exact qemu.* facts) or NAME.err (a text the
 *    one-line error must contain; exit 65); a domain capabilities document
 *    also gives its qemu.cpu facts as qemu.cpu_tcg (the probe's TCG answer);
 *  - tests/data/domxml/NAME.xml: domain XML -> NAME.guest (the guest
 *    configuration migcheck plans for) or NAME.err;
 *  - tests/data/plan-qemu/NAME.src/.dst/.pins/.expect: plans, the format of
 *    test_planner (worst level, then the non-ok verdicts). */
#include <errno.h>
#include <string.h>

#include "core/libvirt/domxml.h"
#include "core/planner/planner.h"
#include "probes/qemu_caps.h"
#include "tests/lib/testutil.h"

static GPtrArray *caps_names, *dom_names, *plan_names;

START_TEST(caps_case)
{
	const char *name = caps_names->pdata[_i];
	g_autofree char *xp = tu_path("libvirt", name, ".xml");
	g_autofree char *fp = tu_path("libvirt", name, ".facts");
	g_autofree char *ep = tu_path("libvirt", name, ".err");
	gsize len = 0;
	g_autofree char *xml = tu_read(xp, &len);
	g_autofree char *want = tu_read(fp, NULL);
	g_autofree char *want_err = tu_read(ep, NULL);
	ck_assert_ptr_nonnull(xml);
	ck_assert_msg(want || want_err, "%s: neither .facts nor .err", name);
	g_autofree char *label = g_strconcat(name, ".xml", NULL);
	mc_facts *f = mc_facts_new();
	mc_error err = { 0 };
	int r = mc_qemu_caps_parse(xml, len, label, f, &err);
	if (want) {
		ck_assert_msg(r == 0, "%s", err.msg);
		g_autofree char *got = mc_facts_canonical(f, NULL);
		ck_assert_str_eq(got, want);
		/* the TCG answer: exactly the qemu.cpu facts, under another domain */
		GString *tcg_want = g_string_new(NULL);
		g_auto(GStrv) lines = g_strsplit(want, "\n", -1);
		for (char **l = lines; *l; l++)
			if (g_str_has_prefix(*l, "qemu.cpu\t"))
				g_string_append_printf(tcg_want, "qemu.cpu_tcg%s\n",
						       *l + strlen("qemu.cpu"));
		mc_facts *t = mc_facts_new();
		mc_error terr = { 0 };
		int rt = mc_qemu_caps_cpu_models(xml, len, label, "qemu.cpu_tcg", t, &terr);
		if (strstr(xml, "<domainCapabilities")) {
			ck_assert_msg(rt == 0, "%s", terr.msg);
			g_autofree char *tgot = mc_facts_canonical(t, NULL);
			ck_assert_str_eq(tgot, tcg_want->str);
		} else {
			ck_assert_int_lt(rt, 0);
			ck_assert_int_eq(terr.exit_code, MC_EXIT_DATAERR);
			ck_assert_msg(strstr(terr.msg, label), "%s", terr.msg);
		}
		mc_facts_free(t);
		g_string_free(tcg_want, TRUE);
	} else {
		g_strstrip(want_err);
		ck_assert_msg(r < 0, "%s: accepted", name);
		ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
		ck_assert_msg(strstr(err.msg, want_err), "%s: error '%s' lacks '%s'", name, err.msg,
			      want_err);
		ck_assert_msg(strstr(err.msg, label), "error does not name the input: %s", err.msg);
		ck_assert_ptr_null(strchr(err.msg, '\n'));
	}
	mc_facts_free(f);
}
END_TEST

START_TEST(domxml_case)
{
	const char *name = dom_names->pdata[_i];
	g_autofree char *xp = tu_path("domxml", name, ".xml");
	g_autofree char *gp = tu_path("domxml", name, ".guest");
	g_autofree char *ep = tu_path("domxml", name, ".err");
	gsize len = 0;
	g_autofree char *xml = tu_read(xp, &len);
	g_autofree char *want = tu_read(gp, NULL);
	g_autofree char *want_err = tu_read(ep, NULL);
	ck_assert_ptr_nonnull(xml);
	ck_assert_msg(want || want_err, "%s: neither .guest nor .err", name);
	mc_error err = { 0 };
	mc_guest *g = mc_guest_from_xml(xml, len, name, &err);
	if (want) {
		ck_assert_msg(g != NULL, "%s", err.msg);
		g_autofree char *got = mc_guest_describe(g);
		ck_assert_str_eq(got, g_strstrip(want));
	} else {
		ck_assert_msg(g == NULL, "%s: accepted", name);
		ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
		ck_assert_msg(strstr(err.msg, g_strstrip(want_err)), "%s: error '%s' lacks '%s'",
			      name, err.msg, want_err);
		ck_assert_msg(strstr(err.msg, name), "error does not name the input: %s", err.msg);
	}
	mc_guest_free(g);
}
END_TEST

START_TEST(plan_case)
{
	const char *name = plan_names->pdata[_i];
	mc_facts *src = tu_load_facts("plan-qemu", name, ".src"),
		 *dst = tu_load_facts("plan-qemu", name, ".dst");
	mc_pins *pins = tu_load_pins("plan-qemu", name);
	mc_error err = { 0 };
	mc_plan *p = mc_plan_compute(tu_plan_env(), src, dst, pins, &err);
	ck_assert_msg(p != NULL, "%s: %s", name, err.msg);
	GString *got = g_string_new(NULL);
	g_string_append_printf(got, "%s\n", mc_level_name(mc_plan_worst(p)));
	size_t qemu_verdicts = 0;
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		ck_assert_msg(v->reason && *v->reason, "empty reason");
		qemu_verdicts += strcmp(v->family, "qemu") == 0;
		if (v->level == MC_V_OK)
			continue;
		ck_assert_msg(v->facts, "non-ok verdict without facts: %s", v->reason);
		g_string_append_printf(got, "%s %s %s\n", mc_level_name(v->level), v->family,
				       *v->subject ? v->subject : "-");
	}
	ck_assert_msg(qemu_verdicts > 0, "no verdict of the qemu family");
	g_autofree char *ep = tu_path("plan-qemu", name, ".expect");
	g_autofree char *et = tu_read(ep, NULL);
	ck_assert_msg(et != NULL, "missing %s", ep);
	GString *want = g_string_new(NULL);
	g_auto(GStrv) el = g_strsplit(et, "\n", -1);
	for (char **l = el; *l; l++)
		if (**l && **l != '#')
			g_string_append_printf(want, "%s\n", *l);
	ck_assert_str_eq(got->str, want->str);
	g_string_free(got, TRUE);
	g_string_free(want, TRUE);
	mc_plan_free(p);
	mc_pins_free(pins);
	mc_facts_free(src);
	mc_facts_free(dst);
}
END_TEST

/* The metadata migcheck stamps reads back as written, inside a domain as
 * libvirt stores it (the element and its children in the namespace). */
START_TEST(metadata_roundtrip)
{
	mc_error err = { 0 };
	const char facts[] = "kernel\tarch\tx86_64\nkvm.cap\tKVM_CAP_XSAVE\t1\n";
	mc_facts *f = mc_facts_parse(facts, strlen(facts), "f", &err);
	mc_pins *pins = mc_pins_new();
	ck_assert_int_eq(mc_pins_parse(pins, "MACHINE=pc-q35-7.2", &err), 0);
	ck_assert_int_eq(mc_pins_parse(pins, "PSCI_VERSION=1.0", &err), 0);
	g_autofree char *m = mc_metadata_build("host<&>a", f, pins, 1767225600, &err);
	ck_assert_ptr_nonnull(m);
	/* as libvirt stores it: prefix the elements, declare the namespace */
	g_auto(GStrv) s1 = g_strsplit(m, "<", -1);
	g_autofree char *m1 = g_strjoinv("<migcheck:", s1);
	g_auto(GStrv) s2 = g_strsplit(m1, "<migcheck:/", -1);
	g_autofree char *m2 = g_strjoinv("</migcheck:", s2);
	g_auto(GStrv) s3 = g_strsplit(m2, "<migcheck:migration", 2);
	g_autofree char *m3 =
	    g_strjoinv("<migcheck:migration xmlns:migcheck=\"" MC_METADATA_NS "\"", s3);
	g_autofree char *dom =
	    g_strdup_printf("<domain type='kvm'><name>d</name><os><type "
			    "arch='x86_64' machine='q35'>hvm</type></os><metadata>%s"
			    "</metadata></domain>",
			    m3);
	mc_guest *g = mc_guest_from_xml(dom, strlen(dom), "roundtrip", &err);
	ck_assert_msg(g != NULL, "%s\n%s", err.msg, dom);
	ck_assert(g->has_meta);
	ck_assert_str_eq(g->meta_host, "host<&>a");
	ck_assert_int_eq(g->meta_time, 1767225600);
	ck_assert_ptr_nonnull(g->meta_facts);
	g_autofree char *canon = mc_facts_canonical(g->meta_facts, NULL);
	ck_assert_str_eq(canon, facts);
	g_autofree char *mp = mc_pins_format(g->meta_pins);
	ck_assert_str_eq(mp, "MACHINE=pc-q35-7.2,PSCI_VERSION=1.0");
	/* the XML's machine type replaces the recorded one */
	g_autofree char *gp = mc_pins_format(g->pins);
	ck_assert_str_eq(gp, "CPU=qemu64,MACHINE=q35,PSCI_VERSION=1.0,VIRTTYPE=kvm");
	mc_guest_free(g);
	mc_pins_free(pins);
	mc_facts_free(f);
}
END_TEST

START_TEST(versions)
{
	char buf[32];
	ck_assert_str_eq(mc_qemu_version_str(7002022, buf, sizeof buf), "7.2.22");
	ck_assert_str_eq(mc_qemu_version_str(10000000, buf, sizeof buf), "10.0.0");
	ck_assert_int_lt(mc_qemu_version_cmp("7.2.0", "8.0"), 0);
	ck_assert_int_gt(mc_qemu_version_cmp("7.10", "7.9.5"), 0);
	ck_assert_int_eq(mc_qemu_version_cmp("7.2", "7.2.0"), 0);
	ck_assert_int_lt(mc_qemu_version_cmp("6.2.0", "7.2.22"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libvirt");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, versions);
	tcase_add_test(tc, metadata_roundtrip);
	suite_add_tcase(s, tc);
	caps_names = tu_list("libvirt", ".xml");
	tu_add_cases(s, "caps", caps_names, caps_case, NULL, NULL);
	dom_names = tu_list("domxml", ".xml");
	tu_add_cases(s, "domxml", dom_names, domxml_case, NULL, NULL);
	plan_names = tu_list("plan-qemu", ".expect");
	tu_add_cases(s, "plan", plan_names, plan_case, NULL, NULL);
	int rc = tu_run(s);
	g_ptr_array_unref(caps_names);
	g_ptr_array_unref(dom_names);
	g_ptr_array_unref(plan_names);
	return rc;
}
