/* migcheck — HTTP(S) transport for the fleet store (libcurl): GET, HEAD, PUT and
 * PROPFIND with TLS verification, timeouts, bounded retries with backoff, a size
 * cap on responses, and optional AWS SigV4 signing for S3-compatible stores.
 * Errors name the URL and the HTTP status and carry the contract's exit code:
 * 69 unreachable or 5xx (after the retries), 77 on 401/403, 65 on a response
 * over the size cap, 66 on 404 where the caller asked for the object. */
#ifndef MC_HTTP_H
#define MC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"

typedef struct mc_http_opts {
	bool insecure;           /* disable TLS peer and host verification */
	const char *cacert;      /* CA bundle file, or NULL for the system's */
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* whole transfer; 0: 120 s */
	int retries;             /* extra attempts on 5xx/connection errors; < 0: 3 */
	long backoff_ms;         /* first retry delay, doubled each time; 0: 250 ms */
	size_t max_bytes;        /* response size cap; 0: 64 MiB */
	long deadline_ms;        /* all requests of this handle together, retries and
				    backoff included, from mc_http_new; 0: 15 min */
	const char *s3_region;   /* non-NULL: sign with AWS SigV4 for service s3 */
	const char *credentials; /* with s3_region: credentials file instead of the env */
} mc_http_opts;

typedef struct mc_http mc_http; /* opaque */

/* With s3_region, credentials come from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if set) in the environment, or
 * from the file `credentials` (the same names as KEY=VALUE lines), which must
 * be a regular file owned by root or the caller with no group or other
 * permissions (else exit 77); missing ones are a usage error (64).
 * Credentials never appear in messages. A URL with a password in it
 * (user:password@) is refused (64): see mc_http_url_check. */
mc_http *mc_http_new(const mc_http_opts *opts, mc_error *err);
/* -EINVAL (exit 64) unless url is a valid http:// or https:// URL (as
 * curl's URL API parses it) without a password: credentials come only from
 * the environment or a protected file, never from a command line. The
 * message never shows user information. */
int mc_http_url_check(const char *url, mc_error *err);
/* url for messages: user information (user, password, options) replaced by
 * "***" as curl's URL API parses it; an unparseable URL with an '@' in it
 * is not shown at all. Caller g_free()s. */
char *mc_url_for_humans(const char *url);
void mc_http_free(mc_http *h);

/* GET url. 0 with *body (NUL-terminated, caller g_free()s), *len, and the
 * ETag (or NULL) in *etag when etag is non-NULL. 404 is -ENOENT (exit 66). */
int mc_http_get(mc_http *h, const char *url, char **body, size_t *len, char **etag, mc_error *err);
/* HEAD url: *exists = true on 2xx, false on 404; other statuses are errors. */
int mc_http_head(mc_http *h, const char *url, bool *exists, mc_error *err);
/* PUT body. if_match (optional) is sent as If-Match; a 412 answer is
 * -EAGAIN (the object changed since it was read). */
int mc_http_put(mc_http *h, const char *url, const char *body, size_t len, const char *content_type,
		const char *if_match, mc_error *err);

/* PROPFIND url with "Depth: 1" and the XML body given (WebDAV, RFC 4918):
 * 0 with the 207 Multi-Status body in *out (NUL-terminated, g_free) and
 * *outlen. 404 is -ENOENT (exit 66); a server without PROPFIND (405, 501)
 * is -EOPNOTSUPP (exit 69); any other 2xx than 207 is -EPROTO (69). */
int mc_http_propfind(mc_http *h, const char *url, const char *body, size_t len, char **out,
		     size_t *outlen, mc_error *err);

/* One body of mc_http_get_many: 0, or a negative errno with err filled
 * (stops the transfers). */
typedef int (*mc_http_body_fn)(void *opaque, size_t i, const char *body, size_t len, mc_error *err);

/* GET every urls[i] over up to `parallel` connections at once, calling cb
 * with each 2xx body (in completion order). A URL whose transfer did not
 * end in 2xx (any error, 404 too, or the deadline reached before it was
 * asked) is not retried here: its index is in *failed (ascending, g_free,
 * *nfailed of them), for the caller to ask again with mc_http_get, which
 * retries and reports as usual. 0, or cb's error. */
int mc_http_get_many(mc_http *h, const char *const *urls, size_t n, int parallel,
		     mc_http_body_fn cb, void *opaque, size_t **failed, size_t *nfailed,
		     mc_error *err);

/* Requests made and bytes received so far (for summaries and benchmarks). */
void mc_http_stats(const mc_http *h, long *requests, long long *bytes_in);

/* Join a base URL and a path ("a/b"), with exactly one '/' between. Caller
 * g_free()s. */
char *mc_url_join(const char *base, const char *path);

#endif
