#include "db/identity.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/sha256.h"

void mc_profile_id_of_text(const char *canon, size_t len, char id[MC_PROFILE_ID_LEN + 1])
{
	_Static_assert(MC_PROFILE_ID_LEN == MC_SHA256_HEX_LEN, "profile id: hex SHA-256");
	mc_sha256_hex(canon, len, id);
}

char *mc_profile_text(const mc_facts *f, size_t *len, char id[MC_PROFILE_ID_LEN + 1], mc_error *err)
{
	char *canon = mc_facts_canonical(f, len);
	if (!canon) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "profile id: out of memory");
		return NULL;
	}
	mc_profile_id_of_text(canon, *len, id);
	return canon;
}

int mc_profile_id(const mc_facts *f, char id[MC_PROFILE_ID_LEN + 1], mc_error *err)
{
	size_t len = 0;
	char *canon = mc_profile_text(f, &len, id, err);
	if (!canon)
		return -ENOMEM;
	free(canon);
	return 0;
}

void mc_host_info_clear(mc_host_info *h)
{
	if (!h)
		return;
	g_clear_pointer(&h->name, g_free);
	g_clear_pointer(&h->uuid, g_free);
	h->probed = 0;
}

const char *mc_time_iso(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	/* four-digit years always (xsd:dateTime); mc_time_parse_iso keeps t
	 * within 1970..9999 */
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

#define MC_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

/* 0 (unknown) for what is not a time, or not one in 1970..9999: a probe
 * time before the epoch is a broken clock or a forged document. */
time_t mc_time_parse_iso(const char *s)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, NULL);
	gint64 t = dt ? g_date_time_to_unix(dt) : 0;
	return t > 0 && t <= MC_TIME_MAX ? (time_t)t : 0;
}
