/* Fuzz target: profile XML documents (migcheck import, fleet pull): the
 * untrusted parser, RelaxNG validation and the id check. Invariants: an
 * accepted document re-exports to one that is accepted with the same facts,
 * and nothing grows in parsing (no entity expansion: the canonical facts are
 * never longer than the document). */
#include <glib.h>
#include <string.h>

#include "core/base/facts.h"
#include "core/model/profile.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mc_error err = { 0 };
	mc_host_info host = { 0 }, back = { 0 };
	mc_facts *f = mc_profile_from_xml((const char *)data, size, "fuzz.xml", &host, &err);
	if (!f) {
		FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'), "error not one line: %s", err.msg);
		FUZZ_CHECK(err.exit_code != 0, "error without exit code: %s", err.msg);
		mc_host_info_clear(&host);
		return 0;
	}
	size_t xlen, l1, l2;
	char *xml = mc_profile_to_xml(f, host.name ? &host : NULL, &xlen, &err);
	FUZZ_CHECK(xml != NULL, "re-export failed: %s", err.msg);
	mc_facts *g = mc_profile_from_xml(xml, xlen, "re-export", &back, &err);
	FUZZ_CHECK(g != NULL, "own export refused: %s", err.msg);
	FUZZ_CHECK(!host.name == !back.name && (!host.name || strcmp(host.name, back.name) == 0),
		   "host name changed");
	char *c1 = mc_facts_canonical(f, &l1), *c2 = mc_facts_canonical(g, &l2);
	FUZZ_CHECK(l1 <= size, "facts (%zu bytes) longer than the document (%zu)", l1, size);
	FUZZ_CHECK(l1 == l2 && memcmp(c1, c2, l1) == 0, "re-export changed the facts");
	g_free(c1);
	g_free(c2);
	g_free(xml);
	mc_facts_free(f);
	mc_facts_free(g);
	mc_host_info_clear(&host);
	mc_host_info_clear(&back);
	return 0;
}
