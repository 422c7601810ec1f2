/* Fuzz target: libvirt domain XML as the hook receives it on stdin, with
 * migcheck's <metadata> (source host, profile id, embedded profile, pins).
 * Invariants: errors are one line with an exit code; an accepted guest can
 * be described, its metadata rebuilt from what was parsed parses back, and
 * nothing grows in parsing (no entity expansion: the name is no longer than
 * the document); the host devices, rewritten to themselves as migrate
 * rewrites them for the destination, read back the same. */
#include <glib.h>
#include <string.h>

#include "core/libvirt/domxml.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mc_error err = { 0 };
	mc_guest *g = mc_guest_from_xml((const char *)data, size, "domain.xml", &err);
	if (!g) {
		FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'), "error not one line: %s", err.msg);
		FUZZ_CHECK(err.exit_code != 0, "error without exit code: %s", err.msg);
		return 0;
	}
	FUZZ_CHECK(!g->name || strlen(g->name) <= size, "name longer than the document");
	char *d = mc_guest_describe(g);
	FUZZ_CHECK(d != NULL, "no description");
	g_free(d);
	if (g->has_meta && g->meta_facts) {
		char *meta = mc_metadata_build(g->meta_host ? g->meta_host : "h", g->meta_facts,
					       g->meta_pins, g->meta_time, &err);
		FUZZ_CHECK(meta != NULL, "metadata not rebuilt: %s", err.msg);
		/* as libvirt stores it: under the key's prefix and namespace */
		FUZZ_CHECK(g_str_has_prefix(meta, "<migration ") &&
			       g_str_has_suffix(meta, "</migration>\n"),
			   "unexpected metadata element: %s", meta);
		meta[strlen(meta) - strlen("</migration>\n")] = '\0';
		char *dom = g_strdup_printf("<domain type='kvm'><name>x</name><metadata>"
					    "<mc:migration xmlns:mc='" MC_METADATA_NS "' %s"
					    "</mc:migration></metadata></domain>",
					    meta + strlen("<migration "));
		mc_guest *h = mc_guest_from_xml(dom, strlen(dom), "rebuilt", &err);
		FUZZ_CHECK(h != NULL, "rebuilt metadata refused: %s\n%s", err.msg, dom);
		FUZZ_CHECK(h->has_meta && strcmp(h->meta_profile, g->meta_profile) == 0,
			   "profile id changed");
		mc_guest_free(h);
		g_free(dom);
		g_free(meta);
	}
	if (g->n_hostdevs) {
		const char **ids = g_new0(const char *, g->n_hostdevs);
		for (size_t i = 0; i < g->n_hostdevs; i++)
			ids[i] = g->hostdevs[i].id;
		char *x = mc_domxml_map_hostdevs((const char *)data, size, "domain.xml", ids, ids,
						 g->n_hostdevs, true, &err);
		FUZZ_CHECK(x != NULL, "host devices not rewritten: %s", err.msg);
		mc_guest *h = mc_guest_from_xml(x, strlen(x), "rewritten", &err);
		FUZZ_CHECK(h != NULL, "rewritten XML refused: %s", err.msg);
		FUZZ_CHECK(h->n_hostdevs == g->n_hostdevs, "host devices lost in the rewrite");
		for (size_t i = 0; i < g->n_hostdevs; i++)
			FUZZ_CHECK(!strcmp(h->hostdevs[i].id, ids[i]), "host device %s became %s",
				   ids[i], h->hostdevs[i].id);
		mc_guest_free(h);
		g_free(x);
		g_free(ids);
	}
	mc_guest_incoming(g);
	mc_guest_free(g);
	return 0;
}
