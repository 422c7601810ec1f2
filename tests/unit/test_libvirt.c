/* The libvirt work, data-driven:
 *  - tests/data/libvirt/NAME.xml: libvirt capabilities / domain capabilities
 *    documents (captured from real daemons, or crafted: see their first
 *    comment) -> NAME.facts (the exact qemu.* facts) or NAME.err (a text the
 *    one-line error must contain; exit 65); a domain capabilities document
 *    also gives its qemu.cpu facts as qemu.cpu_tcg (the probe's TCG answer);
 *  - tests/data/domxml/NAME.xml: domain XML -> NAME.guest (the guest
 *    configuration migcheck plans for) or NAME.err;
 *  - tests/data/hostmap/NAME.case: a guest's VFIO host devices, both
 *    profiles, devices running destination domains hold and --hostdev-map
 *    -> NAME.expect: the destination device chosen for each (migrate's
 *    "hostdev" lines) and migrate's exit status (the plan's worst level with
 *    pin HOSTDEV_DST, or the mapping's error);
 *  - tests/data/plan-qemu: plan cases (the one runner, tests/lib/plancase.h). */
#include <errno.h>
#include <string.h>

#include "core/libvirt/domxml.h"
#include "core/libvirt/hostmap.h"
#include "core/planner/planner.h"
#include "probes/qemu_caps.h"
#include "tests/lib/plancase.h"
#include "tests/lib/testutil.h"

static GPtrArray *caps_names, *dom_names, *map_names;

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
		/* and the CPU-model database knows its model and features */
		ck_assert_msg(mc_guest_check_pins(g, tu_plan_env(), name, &err) == 0, "%s",
			      err.msg);
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

/* What `migcheck migrate` does with the guest's host devices before any
 * libvirt job: the mapping, then the plan that checks it. */
START_TEST(hostmap_case)
{
	const char *name = map_names->pdata[_i];
	g_autofree char *cp = tu_path("hostmap", name, ".case");
	g_autofree char *text = tu_read(cp, NULL);
	ck_assert_ptr_nonnull(text);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	mc_hostmap *m = mc_hostmap_new();
	mc_facts *src = NULL, *dst = NULL;
	mc_error err = { 0 };
	GString *got = g_string_new(NULL);
	int rc = 0;
	for (char **l = lines; *l; l++) {
		if (!**l || **l == '#')
			continue;
		g_auto(GStrv) w = g_strsplit(*l, " ", 2);
		ck_assert_msg(w[0] && w[1], "%s: bad line '%s'", name, *l);
		if (!strcmp(w[0], "src") || !strcmp(w[0], "dst")) {
			g_autofree char *base = g_strndup(w[1], strlen(w[1]) - 6); /* .facts */
			mc_facts *f = tu_load_facts("hostmap", base, ".facts");
			if (!strcmp(w[0], "src"))
				src = f;
			else
				dst = f;
		} else if (!strcmp(w[0], "held")) {
			g_auto(GStrv) kv = g_strsplit(w[1], "=", 2);
			mc_hostmap_add_held(m, kv[0], kv[1]);
		} else if (!strcmp(w[0], "map")) {
			if (rc == 0 && mc_hostmap_add_override(m, w[1], &err) < 0)
				rc = err.exit_code;
		} else {
			ck_abort_msg("%s: unknown line '%s'", name, *l);
		}
	}
	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_nonnull(dst);
	g_autofree char *gp = tu_path("hostmap", "guest", ".xml");
	gsize len = 0;
	g_autofree char *xml = tu_read(gp, &len);
	mc_guest *g = mc_guest_from_xml(xml, len, "guest.xml", &err);
	ck_assert_msg(g != NULL, "%s", err.msg);
	if (rc == 0 && mc_hostmap_choose(m, g, src, dst, &err) < 0)
		rc = err.exit_code;
	if (rc == 0) {
		for (size_t i = 0; i < mc_hostmap_count(m); i++) {
			const char *hs, *hd, *how;
			mc_hostmap_at(m, i, &hs, &hd, &how);
			g_string_append_printf(got, "hostdev %s -> %s (%s)\n", hs, hd ? hd : "none",
					       how);
		}
		mc_pins *pins = mc_pins_dup(g->pins);
		g_autofree char *pin = mc_hostmap_pin(m);
		mc_pins_set(pins, "HOSTDEV_DST", pin, NULL);
		mc_plan *plan = mc_plan_compute(tu_plan_env(), src, dst, pins, &err);
		ck_assert_msg(plan != NULL, "%s", err.msg);
		rc = (int)mc_plan_worst(plan);
		for (size_t i = 0; i < mc_plan_count(plan); i++) {
			const mc_verdict *v = mc_plan_at(plan, i);
			if (v->level == MC_V_BLOCKED)
				g_string_append_printf(got, "blocked %s %s: %s\n", v->family,
						       v->subject, v->reason);
		}
		mc_plan_free(plan);
		mc_pins_free(pins);
		g_string_append_printf(got, "exit %d\n", rc);
	} else {
		ck_assert_ptr_null(strchr(err.msg, '\n'));
		g_string_append_printf(got, "exit %d\nerror %s\n", rc, err.msg);
	}
	tu_expectation_update("hostmap", name, got->str);
	g_autofree char *want = tu_expectation("hostmap", name);
	ck_assert_msg(want != NULL, "%s: no .expect", name);
	ck_assert_str_eq(got->str, want);
	g_string_free(got, TRUE);
	mc_guest_free(g);
	mc_facts_free(src);
	mc_facts_free(dst);
	mc_hostmap_free(m);
}
END_TEST

/* The destination's hook during the incoming migration: the XML names the
 * destination's device (migrate rewrote it), the stamp the source's and the
 * mapping; the plan from the source profile needs the source's. */
START_TEST(hostdev_incoming)
{
	mc_error err = { 0 };
	const char facts[] = "kernel\tarch\tx86_64\n";
	mc_facts *f = mc_facts_parse(facts, strlen(facts), "f", &err);
	mc_pins *pins = mc_pins_new();
	ck_assert_int_eq(mc_pins_parse(pins, "HOSTDEV=11111111-1111-4111-8111-111111111111", &err),
			 0);
	ck_assert_int_eq(
	    mc_pins_parse(pins, "HOSTDEV_DST=33333333-3333-4333-8333-333333333333", &err), 0);
	g_autofree char *m = mc_metadata_build("a", f, pins, 1767225600, &err);
	ck_assert_ptr_nonnull(m);
	g_auto(GStrv) s1 = g_strsplit(m, "<migration", 2);
	g_autofree char *m1 = g_strjoinv("<migration xmlns=\"" MC_METADATA_NS "\"", s1);
	for (int i = 0; i < 2; i++) {
		/* 0: the incoming XML (rewritten), 1: the source's own (not rewritten) */
		g_autofree char *dom = g_strdup_printf(
		    "<domain type='kvm'><name>d</name><os><type arch='x86_64'>hvm</type></os>"
		    "<metadata>%s</metadata><devices><hostdev mode='subsystem' type='mdev' "
		    "model='vfio-pci'><source><address uuid='%s'/></source></hostdev></devices>"
		    "</domain>",
		    m1,
		    i == 0 ? "33333333-3333-4333-8333-333333333333"
			   : "11111111-1111-4111-8111-111111111111");
		mc_guest *g = mc_guest_from_xml(dom, strlen(dom), "incoming", &err);
		ck_assert_msg(g != NULL, "%s", err.msg);
		ck_assert_ptr_null(mc_pins_get(g->pins, "HOSTDEV_DST")); /* not from the stamp */
		ck_assert(mc_guest_incoming(g) == (i == 0));
		ck_assert_str_eq(mc_pins_get(g->pins, "HOSTDEV"),
				 "11111111-1111-4111-8111-111111111111");
		if (i == 0)
			ck_assert_str_eq(mc_pins_get(g->pins, "HOSTDEV_DST"),
					 "33333333-3333-4333-8333-333333333333");
		mc_guest_free(g);
	}
	mc_pins_free(pins);
	mc_facts_free(f);
}
END_TEST

/* The destination XML: each host device source replaced, the rest kept. */
START_TEST(hostdev_rewrite)
{
	const char *xml = "<domain type='kvm'><name>r</name><devices>"
			  "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
			  "<address uuid='11111111-1111-4111-8111-111111111111'/></source>"
			  "<alias name='hostdev0'/></hostdev>"
			  "<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' "
			  "bus='0x03' slot='0x00' function='0x1'/></source></hostdev>"
			  "</devices></domain>";
	const char *from[] = { "11111111-1111-4111-8111-111111111111", "0000:03:00.1" };
	const char *to[] = { "33333333-3333-4333-8333-333333333333", "0000:81:1f.7" };
	mc_error err = { 0 };
	g_autofree char *out =
	    mc_domxml_map_hostdevs(xml, strlen(xml), "r", from, to, 2, true, &err);
	ck_assert_msg(out != NULL, "%s", err.msg);
	mc_guest *g = mc_guest_from_xml(out, strlen(out), "out", &err);
	ck_assert_msg(g != NULL, "%s", err.msg);
	ck_assert_uint_eq(g->n_hostdevs, 2);
	ck_assert_str_eq(g->hostdevs[0].id, to[0]);
	ck_assert_str_eq(g->hostdevs[0].alias, "hostdev0");
	ck_assert_str_eq(g->hostdevs[1].id, to[1]);
	mc_guest_free(g);
	/* a device the domain lacks: refused with `all`, skipped without */
	const char *from2[] = { "22222222-2222-4222-8222-222222222222" };
	ck_assert_ptr_null(mc_domxml_map_hostdevs(xml, strlen(xml), "r", from2, to, 1, true, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	mc_error_clear(&err);
	g_autofree char *same =
	    mc_domxml_map_hostdevs(xml, strlen(xml), "r", from2, to, 1, false, &err);
	ck_assert_ptr_nonnull(same);
	/* another kind: an mdev does not become a PCI device */
	const char *to3[] = { "0000:81:00.0" };
	ck_assert_ptr_null(mc_domxml_map_hostdevs(xml, strlen(xml), "r", from, to3, 1, true, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
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

/* The parser checks a pin's form; a CPU model or feature the CPU-model
 * database lacks is found by mc_guest_check_pins, with the parser's kind of
 * message (exit 65, naming the input). */
START_TEST(guest_pins_env)
{
	static const char *const doms[][2] = {
		{ "<domain type='kvm'><name>d</name><os><type arch='x86_64'>hvm</type></os>"
		  "<cpu mode='custom'><model>Foo9000</model></cpu></domain>",
		  "dom1: malformed pin 'CPU=Foo9000': unknown CPU model" },
		{ "<domain type='kvm'><name>d</name><os><type arch='x86_64'>hvm</type></os>"
		  "<cpu mode='custom'><model>Nehalem</model><feature policy='disable' "
		  "name='warp-drive'/></cpu></domain>",
		  "dom1: malformed pin 'CPU_DISABLE=warp-drive': unknown CPU feature "
		  "'warp-drive'" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(doms); i++) {
		mc_error err = { 0 };
		mc_guest *g = mc_guest_from_xml(doms[i][0], strlen(doms[i][0]), "dom1", &err);
		ck_assert_msg(g != NULL, "%s", err.msg);
		ck_assert_int_eq(mc_guest_check_pins(g, tu_plan_env(), "dom1", &err), -EINVAL);
		ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
		ck_assert_msg(g_str_has_prefix(err.msg, doms[i][1]), "%s", err.msg);
		mc_guest_free(g);
	}
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
	tcase_add_test(tc, guest_pins_env);
	tcase_add_test(tc, hostdev_rewrite);
	tcase_add_test(tc, hostdev_incoming);
	suite_add_tcase(s, tc);
	caps_names = tu_list("libvirt", ".xml");
	tu_add_cases(s, "caps", caps_names, caps_case, NULL, NULL);
	dom_names = tu_list("domxml", ".xml");
	tu_add_cases(s, "domxml", dom_names, domxml_case, NULL, NULL);
	map_names = tu_list("hostmap", ".case");
	tu_add_cases(s, "hostmap", map_names, hostmap_case, NULL, NULL);
	pc_add_cases(s, "plan-qemu");
	int rc = tu_run(s);
	g_ptr_array_unref(caps_names);
	g_ptr_array_unref(dom_names);
	g_ptr_array_unref(map_names);
	return rc;
}
