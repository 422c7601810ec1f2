/* Fuzz target: the facts text format (migcheck import, fleet profiles, the
 * hook's embedded profile). Invariants: a parsed text's canonical form parses
 * to the same canonical form and id, and survives the XML round trip; the
 * one-pass reader of stored profiles (mc_facts_adopt_canonical) takes the
 * input exactly when it is already canonical, and reads the same facts. */
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/facts.h"
#include "core/model/profile.h"
#include "tests/fuzz/fuzz.h"

/* what mc_facts_adopt_canonical takes: malloc'd, a NUL after the end */
static char *dup_text(const void *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mc_error err = { 0 };
	mc_facts *f = mc_facts_parse((const char *)data, size, "fuzz", &err);
	mc_facts *g = NULL, *h = NULL;
	char *canon = NULL, *canon2 = NULL, *xml = NULL;
	if (!f) {
		FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'), "error not one line: %s", err.msg);
		return 0;
	}
	size_t len, len2, xlen;
	canon = mc_facts_canonical(f, &len);
	FUZZ_CHECK(canon != NULL, "no canonical form");
	g = mc_facts_parse(canon, len, "canonical", &err);
	FUZZ_CHECK(g != NULL, "canonical form does not parse: %s", err.msg);
	canon2 = mc_facts_canonical(g, &len2);
	FUZZ_CHECK(len == len2 && memcmp(canon, canon2, len) == 0, "canonical form not stable");
	/* the inventory's one-pass reader takes exactly the canonical texts */
	mc_facts *a = mc_facts_adopt_canonical(dup_text(data, size), size, "adopt", &err);
	bool is_canon = size == len && memcmp(data, canon, len) == 0;
	FUZZ_CHECK(!a == !is_canon, "adopt %s a %scanonical text: %s", a ? "took" : "refused",
		   is_canon ? "" : "non-", a ? "" : err.msg);
	if (!a)
		FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'), "error not one line: %s", err.msg);
	mc_facts_free(a);
	a = mc_facts_adopt_canonical(dup_text(canon, len), len, "adopt", &err);
	FUZZ_CHECK(a != NULL, "adopt refused the canonical text: %s", err.msg);
	g_free(canon2);
	canon2 = mc_facts_canonical(a, &len2);
	mc_facts_free(a);
	FUZZ_CHECK(len == len2 && memcmp(canon, canon2, len) == 0, "adopt changed the facts");
	char id1[MC_PROFILE_ID_LEN + 1], id2[MC_PROFILE_ID_LEN + 1];
	FUZZ_CHECK(mc_profile_id(f, id1, &err) == 0 && mc_profile_id(g, id2, &err) == 0, "id: %s",
		   err.msg);
	FUZZ_CHECK(strcmp(id1, id2) == 0, "ids differ");
	mc_host_info host = { .name = (char *)"fuzz-host", .uuid = NULL, .probed = 0 };
	xml = mc_profile_to_xml(f, &host, &xlen, &err);
	FUZZ_CHECK(xml != NULL, "profile XML not written: %s", err.msg);
	mc_host_info back = { 0 };
	h = mc_profile_from_xml(xml, xlen, "round trip", &back, &err);
	FUZZ_CHECK(h != NULL, "own profile XML refused: %s", err.msg);
	mc_host_info_clear(&back);
	g_free(canon2);
	canon2 = mc_facts_canonical(h, &len2);
	FUZZ_CHECK(len == len2 && memcmp(canon, canon2, len) == 0, "XML round trip changed facts");
	mc_facts_free(f);
	mc_facts_free(g);
	mc_facts_free(h);
	g_free(canon);
	g_free(canon2);
	g_free(xml);
	return 0;
}
