/* migcheck — listing the host records of a fleet store (hosts/NAME.xml):
 * WebDAV PROPFIND (Depth: 1) on URL/hosts/, or S3 ListObjectsV2 with
 * continuation tokens on the bucket. A listing is untrusted input: it is
 * parsed with the safe XML parser (core/base/xml.h), every entry must lie
 * in hosts/, a *.xml entry must carry a usable host name, a name listed
 * twice, a key outside the prefix, a truncated S3 page without a token or a
 * token that repeats, more than MC_FLEET_MAX_LISTED names are refused
 * (exit 65, "NAME: ..."). Entries that are not *.xml files directly in
 * hosts/ (sub-collections, temporary files) are not host records and are
 * passed over. */
#ifndef MC_FLEET_LISTING_H
#define MC_FLEET_LISTING_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"
#include "core/fleet/http.h"

/* A listing naming more host records than this is refused (65): a server
 * that pages forever would otherwise fill memory until the deadline. */
#define MC_FLEET_MAX_LISTED 5000000

/* A set of host names (sorted, unique once complete); opaque. */
typedef struct mc_fleet_names mc_fleet_names;

mc_fleet_names *mc_fleet_names_new(void);
void mc_fleet_names_free(mc_fleet_names *n);
size_t mc_fleet_names_count(const mc_fleet_names *n);
/* The i-th name in sorted order. */
const char *mc_fleet_names_at(const mc_fleet_names *n, size_t i);

/* Parse one PROPFIND 207 answer. `dir` is the decoded path of the listed
 * collection ("/fleet/hosts/"); hrefs may be paths or absolute URLs,
 * percent-encoded. `shown` names the input in errors. */
int mc_fleet_parse_propfind(const char *buf, size_t len, const char *shown, const char *dir,
			    mc_fleet_names *out, mc_error *err);

/* Parse one ListObjectsV2 page. `prefix` is the key prefix asked for
 * ("fleet/hosts/"). *next: the continuation token when the page says it is
 * truncated (g_free), else NULL. */
int mc_fleet_parse_s3_list(const char *buf, size_t len, const char *shown, const char *prefix,
			   mc_fleet_names *out, char **next, mc_error *err);

/* Split a store URL for S3 listing: the bucket's URL and the key prefix of
 * the store (decoded, "" or ending in '/'). Virtual-hosted style (the bucket
 * in the host name) when the URL has no path or its host is
 * BUCKET.s3[.-]....amazonaws.com; else path style, the first path segment
 * being the bucket. Caller g_free()s both. */
int mc_fleet_s3_split(const char *url, char **bucket_url, char **prefix, mc_error *err);

/* List the host records under url (the store URL). s3: ListObjectsV2 with
 * max_keys per page (0: 1000), else PROPFIND. A WebDAV store without hosts/
 * yields an empty set. -EOPNOTSUPP (err filled, exit 69) when the server
 * cannot list (PROPFIND answered 405 or 501). */
int mc_fleet_list_hosts(mc_http *h, const char *url, bool s3, int max_keys, mc_fleet_names *out,
			mc_error *err);

#endif
