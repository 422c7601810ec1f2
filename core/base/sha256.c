/* migcheck — SHA-256 over nettle (see sha256.h). */
#include "core/base/sha256.h"

#include <glib.h>
#include <nettle/sha2.h>

_Static_assert(SHA256_DIGEST_SIZE == MC_SHA256_LEN, "SHA-256 digest size");

struct mc_sha256_ctx {
	struct sha256_ctx s;
	int done; /* hex_final ran */
};

static void to_hex(const unsigned char d[MC_SHA256_LEN], char hex[MC_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < MC_SHA256_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0xf];
	}
	hex[MC_SHA256_HEX_LEN] = '\0';
}

void mc_sha256(const void *data, size_t len, unsigned char out[MC_SHA256_LEN])
{
	struct sha256_ctx s;
	sha256_init(&s);
	if (len)
		sha256_update(&s, len, data);
	sha256_digest(&s, MC_SHA256_LEN, out);
}

void mc_sha256_hex(const void *data, size_t len, char hex[MC_SHA256_HEX_LEN + 1])
{
	unsigned char d[MC_SHA256_LEN];
	mc_sha256(data, len, d);
	to_hex(d, hex);
}

mc_sha256_ctx *mc_sha256_new(void)
{
	mc_sha256_ctx *c = g_new0(mc_sha256_ctx, 1);
	sha256_init(&c->s);
	return c;
}

void mc_sha256_update(mc_sha256_ctx *c, const void *data, size_t len)
{
	g_return_if_fail(!c->done);
	if (len)
		sha256_update(&c->s, len, data);
}

void mc_sha256_hex_final(mc_sha256_ctx *c, char hex[MC_SHA256_HEX_LEN + 1])
{
	hex[0] = '\0'; /* a second call: "" and a GLib-CRITICAL */
	g_return_if_fail(!c->done);
	unsigned char d[MC_SHA256_LEN];
	sha256_digest(&c->s, MC_SHA256_LEN, d);
	c->done = 1;
	to_hex(d, hex);
}

void mc_sha256_free(mc_sha256_ctx *c)
{
	g_free(c);
}
