/* core/base/sha256 (nettle) against the vectors of tests/data/sha256 (digests
 * by coreutils' sha256sum; README there): the one-shot hex and bytes, the
 * same bytes in pieces (one byte at a time, and pieces crossing the 64-byte
 * blocks), and GLib's GChecksum, which migcheck used before: profile ids and
 * class keys stored in inventories must come out the same. Then every length
 * from 0 to 300 (each padding case) against GLib. */
#include <stdio.h>
#include <string.h>

#include "core/base/sha256.h"
#include "tests/lib/testutil.h"

static GPtrArray *cases;

/* NAME.in, or the bytes NAME.gen describes ("LENGTH MODULUS"). */
static unsigned char *input(const char *name, size_t *len)
{
	g_autofree char *in = tu_path("sha256", name, ".in");
	gsize n = 0;
	char *b = tu_read(in, &n);
	if (b) {
		*len = n;
		return (unsigned char *)b;
	}
	g_autofree char *gen_p = tu_path("sha256", name, ".gen");
	g_autofree char *gen = tu_read(gen_p, NULL);
	ck_assert_msg(gen != NULL, "sha256/%s: no .in or .gen", name);
	unsigned long length = 0, mod = 0;
	ck_assert_msg(sscanf(gen, "%lu %lu", &length, &mod) == 2 && mod > 0 && mod <= 256,
		      "%s: not LENGTH MODULUS", gen_p);
	unsigned char *buf = g_malloc(length ? length : 1);
	for (size_t i = 0; i < length; i++)
		buf[i] = (unsigned char)(i % mod);
	*len = length;
	return buf;
}

static void hex_of(const unsigned char d[MC_SHA256_LEN], char hex[MC_SHA256_HEX_LEN + 1])
{
	for (size_t i = 0; i < MC_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* The digest of buf given in pieces of the sizes in turn (cycled). */
static void pieces(const unsigned char *buf, size_t len, const size_t *sizes, size_t nsizes,
		   char hex[MC_SHA256_HEX_LEN + 1])
{
	mc_sha256_ctx *c = mc_sha256_new();
	size_t off = 0;
	for (size_t k = 0; off < len; k++) {
		size_t n = MIN(sizes[k % nsizes], len - off);
		mc_sha256_update(c, buf + off, n);
		off += n;
	}
	mc_sha256_hex_final(c, hex);
	mc_sha256_free(c);
}

START_TEST(vector)
{
	const char *name = g_ptr_array_index(cases, _i);
	g_autofree char *want_p = tu_path("sha256", name, ".sha256");
	g_autofree char *want = tu_read(want_p, NULL);
	ck_assert_msg(want != NULL, "missing %s", want_p);
	g_strstrip(want);
	ck_assert_uint_eq(strlen(want), MC_SHA256_HEX_LEN);
	size_t len = 0;
	g_autofree unsigned char *buf = input(name, &len);

	char hex[MC_SHA256_HEX_LEN + 1];
	memset(hex, 'x', sizeof(hex));
	mc_sha256_hex(buf, len, hex);
	ck_assert_str_eq(hex, want);

	unsigned char d[MC_SHA256_LEN];
	mc_sha256(buf, len, d);
	char dhex[MC_SHA256_HEX_LEN + 1];
	hex_of(d, dhex);
	ck_assert_str_eq(dhex, want);

	static const size_t ones[] = { 1 };
	static const size_t mixed[] = { 1, 63, 64, 65, 127, 4096 };
	char phex[MC_SHA256_HEX_LEN + 1];
	if (len <= 65536) { /* one byte at a time: the 1 MiB case takes mixed only */
		pieces(buf, len, ones, G_N_ELEMENTS(ones), phex);
		ck_assert_str_eq(phex, want);
	}
	pieces(buf, len, mixed, G_N_ELEMENTS(mixed), phex);
	ck_assert_str_eq(phex, want);
	/* empty updates change nothing */
	mc_sha256_ctx *c = mc_sha256_new();
	mc_sha256_update(c, NULL, 0);
	mc_sha256_update(c, buf, len);
	mc_sha256_update(c, "", 0);
	mc_sha256_hex_final(c, phex);
	mc_sha256_free(c);
	ck_assert_str_eq(phex, want);

	g_autofree char *glib = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, len);
	ck_assert_str_eq(glib, want);
}
END_TEST

START_TEST(vectors_present)
{
	/* empty, abc, nist-56, fact-line, mib (README) */
	ck_assert_uint_ge(cases->len, 5);
}
END_TEST

START_TEST(empty_null)
{
	char hex[MC_SHA256_HEX_LEN + 1];
	mc_sha256_hex(NULL, 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mc_sha256_free(NULL);
}
END_TEST

START_TEST(same_as_glib)
{
	unsigned char buf[300];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(255 - i * 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		char hex[MC_SHA256_HEX_LEN + 1];
		mc_sha256_hex(buf, len, hex);
		g_autofree char *glib = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, len);
		ck_assert_msg(strcmp(hex, glib) == 0, "length %zu: %s, GLib %s", len, hex, glib);
		const size_t split[] = { len / 3 + 1 };
		char phex[MC_SHA256_HEX_LEN + 1];
		pieces(buf, len, split, 1, phex);
		ck_assert_msg(strcmp(phex, glib) == 0, "length %zu in pieces of %zu", len,
			      split[0]);
	}
}
END_TEST

int main(void)
{
	cases = tu_list("sha256", ".sha256");
	Suite *s = suite_create("sha256");
	tu_add_cases(s, "sha256", cases, vector, NULL, NULL);
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, vectors_present);
	tcase_add_test(tc, empty_null);
	tcase_add_test(tc, same_as_glib);
	suite_add_tcase(s, tc);
	int rc = tu_run(s);
	g_ptr_array_unref(cases);
	return rc;
}
