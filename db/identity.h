/* migcheck — identities the inventory keys on: a profile's id (the
 * lowercase hex SHA-256 of its canonical facts text) and a host's identity
 * (name, optional UUID, probe time), plus the ISO 8601 times they carry. */
#ifndef MC_DB_IDENTITY_H
#define MC_DB_IDENTITY_H

#include <time.h>

#include "core/base/error.h"
#include "core/base/facts.h"

#define MC_PROFILE_ID_LEN 64 /* lowercase hex SHA-256 */

/* id = hex SHA-256 of the canonical text. `id` gets 65 bytes. */
int mc_profile_id(const mc_facts *f, char id[MC_PROFILE_ID_LEN + 1], mc_error *err);
/* The same, given the canonical text (len bytes). */
void mc_profile_id_of_text(const char *canon, size_t len, char id[MC_PROFILE_ID_LEN + 1]);
/* f's canonical text (mc_facts_canonical: the caller frees it, len bytes)
 * and its id, for a caller that needs both; NULL when out of memory. */
char *mc_profile_text(const mc_facts *f, size_t *len, char id[MC_PROFILE_ID_LEN + 1],
		      mc_error *err);

/* Host identity as carried in profile documents and the inventory. */
typedef struct mc_host_info {
	char *name;
	char *uuid;    /* may be NULL */
	time_t probed; /* 0 = unknown */
} mc_host_info;

void mc_host_info_clear(mc_host_info *h);

/* ISO 8601 UTC ("2026-11-25T03:00:00Z") into buf (>= 21 bytes). */
const char *mc_time_iso(time_t t, char *buf, size_t len);
time_t mc_time_parse_iso(const char *s);

#endif
