/* migcheck — SHA-256 (nettle, which uses the CPU's SHA instructions where
 * there are some): the lowercase hex digest of a buffer in one call, or of
 * data given in pieces. Profile ids, migration class keys, the CPU map
 * cache's name, the HTML report's script hash and S3 payload hashes use it.
 * The hex text is the same as GLib's g_checksum_get_string gives. */
#ifndef MC_SHA256_H
#define MC_SHA256_H

#include <stddef.h>

#define MC_SHA256_LEN 32     /* digest bytes */
#define MC_SHA256_HEX_LEN 64 /* lowercase hex digits */

/* The digest of len bytes at data (data may be NULL when len is 0), as
 * bytes or as hex text (hex gets MC_SHA256_HEX_LEN + 1 bytes, NUL-ended). */
void mc_sha256(const void *data, size_t len, unsigned char out[MC_SHA256_LEN]);
void mc_sha256_hex(const void *data, size_t len, char hex[MC_SHA256_HEX_LEN + 1]);

/* A digest over pieces: new, update with each piece in order, hex_final
 * (once; the state cannot be updated after), free. The digest equals the
 * one-shot digest of the pieces joined. Allocation aborts on out of memory,
 * as GLib's does, so new never returns NULL. free accepts NULL. */
typedef struct mc_sha256_ctx mc_sha256_ctx;
mc_sha256_ctx *mc_sha256_new(void);
void mc_sha256_update(mc_sha256_ctx *c, const void *data, size_t len);
void mc_sha256_hex_final(mc_sha256_ctx *c, char hex[MC_SHA256_HEX_LEN + 1]);
void mc_sha256_free(mc_sha256_ctx *c);

#endif
