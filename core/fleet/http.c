#include "config.h"

#include "core/fleet/http.h"

#include "core/base/log.h"
#include "core/base/sha256.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_RETRIES 3
#define DEFAULT_BACKOFF_MS 250L
#define DEFAULT_MAX_BYTES (64u << 20)
#define MAX_BACKOFF_MS 8000L
#define DEFAULT_DEADLINE_MS (15L * 60 * 1000)
#define MAX_RETRY_AFTER_MS 60000L /* a server's Retry-After is honoured up to this */

struct mc_http {
	CURL *curl;
	mc_http_opts o;
	char *cacert;
	char *sigv4;     /* "aws:amz:REGION:s3" */
	char *userpwd;   /* "KEY:SECRET" (never printed) */
	char *token;     /* x-amz-security-token header line, or NULL */
	long requests;   /* transfers attempted */
	gint64 deadline; /* monotonic microseconds: no transfer runs past it */
	long long bytes_in;
};

/* One transfer's result. */
typedef struct {
	GString *body;
	size_t max;
	bool too_big;
	char reason[128]; /* reason phrase of the last status line */
	char *etag;
} xfer;

static gsize curl_inited;

#define CRED_MAX_BYTES 8192

/* Wipe and free a secret. */
static void secret_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		g_free(s);
	}
}

/* Read AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN lines
 * from a credentials file that only root or the caller can read. Values are
 * returned in id/secret/token (secret_free); messages never contain them. */
static int load_credentials(const char *path, char **id, char **secret, char **token, mc_error *err)
{
	char buf[CRED_MAX_BYTES + 1];
	struct stat st;
	ssize_t n = 0;
	int r = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mc_error_set(err, errno == ENOENT ? MC_EXIT_NOINPUT : MC_EXIT_NOPERM, errno,
				    "%s: credentials file: %s", path,
				    errno == ELOOP ? "is a symbolic link" : g_strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = mc_error_set(err, MC_EXIT_IOERR, errno, "%s: credentials file: %s", path,
				 g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = mc_error_set(err, MC_EXIT_NOPERM, EPERM,
				 "%s: credentials file is not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		r = mc_error_set(err, MC_EXIT_NOPERM, EPERM,
				 "%s: credentials file is owned by uid %u, not by root or you",
				 path, (unsigned)st.st_uid);
		goto out;
	}
	if (st.st_mode & 077) {
		r = mc_error_set(
		    err, MC_EXIT_NOPERM, EPERM,
		    "%s: credentials file is accessible by group or others (mode %04o; "
		    "chmod 600 it)",
		    path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	for (ssize_t k; n < CRED_MAX_BYTES && (k = read(fd, buf + n, CRED_MAX_BYTES - (size_t)n));
	     n += k) {
		if (k < 0) {
			if (errno == EINTR) {
				k = 0;
				continue;
			}
			r = mc_error_set(err, MC_EXIT_IOERR, errno, "%s: credentials file: %s",
					 path, g_strerror(errno));
			goto out;
		}
	}
	buf[n] = '\0';
	int lineno = 0;
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		g_strstrip(line);
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq) {
			r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					 "%s:%d: expected NAME=VALUE (value not shown)", path,
					 lineno);
			goto out;
		}
		*eq = '\0';
		char *k = g_strstrip(line), *v = g_strstrip(eq + 1);
		char **slot = !strcmp(k, "AWS_ACCESS_KEY_ID")       ? id
			      : !strcmp(k, "AWS_SECRET_ACCESS_KEY") ? secret
			      : !strcmp(k, "AWS_SESSION_TOKEN")     ? token
								    : NULL;
		if (!slot) {
			r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					 "%s:%d: unknown name '%.40s' (AWS_ACCESS_KEY_ID, "
					 "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
					 path, lineno, k);
			goto out;
		}
		secret_free(*slot);
		*slot = g_strdup(v);
	}
out:
	memset(buf, 0, sizeof(buf));
	close(fd);
	return r;
}

/* Parse url with curl's URL API; NULL when curl does not accept it (why:
 * curl's reason, when non-NULL). */
static CURLU *url_parse(const char *url, const char **why)
{
	CURLU *u = curl_url();
	CURLUcode rc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
	if (rc != CURLUE_OK) {
		curl_url_cleanup(u);
		u = NULL;
		if (why)
			*why = curl_url_strerror(rc);
	}
	return u;
}

char *mc_url_for_humans(const char *url)
{
	CURLU *u = url_parse(url, NULL);
	char *shown = NULL, *user = NULL, *pw = NULL, *opt = NULL;
	if (!u) /* not parseable: shown only when it cannot hold user information */
		return g_strdup(strchr(url, '@') ? "(URL not shown)" : url);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
	curl_url_get(u, CURLUPART_OPTIONS, &opt, 0);
	if (user || pw || opt) {
		curl_url_set(u, CURLUPART_USER, "***", 0);
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
		curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
	} else {
		/* nothing to hide: the URL as given, not curl's normalised form */
		curl_url_cleanup(u);
		return g_strdup(url);
	}
	char *out = NULL;
	if (curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		shown = g_strdup(out);
	else
		shown = g_strdup("(URL not shown)");
	curl_free(out);
	if (pw)
		memset(pw, 0, strlen(pw));
	curl_free(user);
	curl_free(pw);
	curl_free(opt);
	curl_url_cleanup(u);
	return shown;
}

int mc_http_url_check(const char *url, mc_error *err)
{
	const char *why = "";
	CURLU *u = url_parse(url, &why);
	char *scheme = NULL, *pw = NULL;
	int r = 0;
	if (!u) {
		if (strchr(url, '@'))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "the store URL is not a valid URL (%s; not shown: it "
					    "holds user information, and may hold a password)",
					    why);
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "'%s' is not a valid http:// or https:// URL (%s)", url, why);
	}
	g_autofree char *shown = mc_url_for_humans(url);
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
	if (pw)
		r = mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				 "%s: a password in the URL is refused (use --s3 with the "
				 "environment or a credentials file)",
				 shown);
	else if (!scheme || (g_ascii_strcasecmp(scheme, "http") != 0 &&
			     g_ascii_strcasecmp(scheme, "https") != 0))
		r = mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				 "'%s' is not an http:// or https:// URL", shown);
	if (pw)
		memset(pw, 0, strlen(pw));
	curl_free(pw);
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

mc_http *mc_http_new(const mc_http_opts *opts, mc_error *err)
{
	mc_http_opts o = opts ? *opts : (mc_http_opts){ 0 };
	if (g_once_init_enter(&curl_inited)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&curl_inited, 1);
	}
	mc_http *h = g_new0(mc_http, 1);
	if (o.connect_timeout_ms <= 0)
		o.connect_timeout_ms = DEFAULT_CONNECT_MS;
	if (o.timeout_ms <= 0)
		o.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (o.retries < 0)
		o.retries = DEFAULT_RETRIES;
	if (o.backoff_ms <= 0)
		o.backoff_ms = DEFAULT_BACKOFF_MS;
	if (o.max_bytes == 0)
		o.max_bytes = DEFAULT_MAX_BYTES;
	if (o.deadline_ms <= 0)
		o.deadline_ms = DEFAULT_DEADLINE_MS;
	h->deadline = g_get_monotonic_time() + (gint64)o.deadline_ms * 1000;
	h->cacert = g_strdup(o.cacert);
	o.cacert = h->cacert;
	if (o.s3_region) {
		char *id = NULL, *secret = NULL, *token = NULL;
		const char *from = o.credentials ? o.credentials : "the environment";
		if (!*o.s3_region || strchr(o.s3_region, ':') || strchr(o.s3_region, '/')) {
			mc_error_set(err, MC_EXIT_USAGE, EINVAL, "--s3: malformed region '%s'",
				     o.s3_region);
			goto fail;
		}
		if (o.credentials) {
			if (load_credentials(o.credentials, &id, &secret, &token, err) < 0)
				goto cred_fail;
		} else {
			id = g_strdup(g_getenv("AWS_ACCESS_KEY_ID"));
			secret = g_strdup(g_getenv("AWS_SECRET_ACCESS_KEY"));
			token = g_strdup(g_getenv("AWS_SESSION_TOKEN"));
		}
		if (!id || !*id || !secret || !*secret) {
			mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				     "--s3 %s: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be "
				     "set in %s",
				     o.s3_region, from);
			goto cred_fail;
		}
		if (strchr(id, ':')) {
			mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				     "--s3 %s: AWS_ACCESS_KEY_ID in %s contains ':'", o.s3_region,
				     from);
			goto cred_fail;
		}
		h->sigv4 = g_strdup_printf("aws:amz:%s:s3", o.s3_region);
		h->userpwd = g_strdup_printf("%s:%s", id, secret);
		if (token && *token)
			h->token = g_strdup_printf("x-amz-security-token: %s", token);
		o.s3_region = NULL; /* not kept: h->sigv4 carries it */
	cred_fail:
		secret_free(id);
		secret_free(secret);
		secret_free(token);
		if (!h->sigv4)
			goto fail;
	}
	o.credentials = NULL;
	h->o = o;
	h->curl = curl_easy_init();
	if (!h->curl) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "libcurl: cannot create a handle");
		goto fail;
	}
	return h;
fail:
	mc_http_free(h);
	return NULL;
}

void mc_http_free(mc_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	g_free(h->cacert);
	g_free(h->sigv4);
	secret_free(h->userpwd);
	secret_free(h->token);
	g_free(h);
}

void mc_http_stats(const mc_http *h, long *requests, long long *bytes_in)
{
	if (requests)
		*requests = h->requests;
	if (bytes_in)
		*bytes_in = h->bytes_in;
}

char *mc_url_join(const char *base, const char *path)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	return g_strdup_printf("%.*s/%s", (int)n, base, path);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
	xfer *x = opaque;
	size_t n = size * nmemb;
	if (x->body->len + n > x->max) {
		x->too_big = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	g_string_append_len(x->body, data, (gssize)n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *opaque)
{
	xfer *x = opaque;
	size_t n = size * nmemb;
	g_autofree char *line = g_strndup(data, n);
	g_strstrip(line);
	if (g_str_has_prefix(line, "HTTP/")) {
		/* A new response (after 100 Continue or a retry): reset. */
		const char *sp = strchr(line, ' ');
		sp = sp ? strchr(sp + 1, ' ') : NULL;
		g_strlcpy(x->reason, sp ? sp + 1 : "", sizeof(x->reason));
		g_clear_pointer(&x->etag, g_free);
	} else if (g_ascii_strncasecmp(line, "etag:", 5) == 0) {
		g_free(x->etag);
		x->etag = g_strdup(g_strstrip(line + 5));
	}
	return n;
}

typedef enum { M_GET, M_HEAD, M_PUT, M_PROPFIND } method;

static const char *method_name(method m)
{
	return m == M_GET ? "GET" : m == M_HEAD ? "HEAD" : m == M_PUT ? "PUT" : "PROPFIND";
}

/* Is this transport failure worth another attempt? */
static bool transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* --debug: one header or libcurl note per line, with secrets masked: the
 * credentials and signature of Authorization, session tokens, cookies, and
 * the signature and credential of a presigned URL. */
static void debug_line(char dir, const char *line, size_t n)
{
	static const char *const masked[] = { "authorization:", "proxy-authorization:",
					      "x-amz-security-token:", "cookie:", "set-cookie:" };
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n == 0)
		return;
	g_autofree char *s = g_strndup(line, n);
	for (size_t i = 0; i < G_N_ELEMENTS(masked); i++) {
		size_t k = strlen(masked[i]);
		if (g_ascii_strncasecmp(s, masked[i], k) != 0)
			continue;
		/* keep the auth scheme ("AWS4-HMAC-SHA256", "Basic"): not secret */
		char *v = s + k;
		while (*v == ' ')
			v++;
		if (i < 2) {
			char *sp = strchr(v, ' ');
			v = sp ? sp + 1 : v;
		}
		*v = '\0';
		mc_log(MC_LOG_DEBUG, "curl%c %s***", dir, s);
		return;
	}
	/* libcurl's note "Server auth using AWS_SIGV4 with user 'KEY'" */
	char *user = g_strstr_len(s, -1, " with user '");
	if (user)
		g_strlcpy(user, " with user '***'", strlen(user) + 1);
	static const char *const params[] = { "X-Amz-Signature=", "X-Amz-Credential=",
					      "X-Amz-Security-Token=" };
	for (size_t i = 0; i < G_N_ELEMENTS(params); i++) {
		char *p = g_strstr_len(s, -1, params[i]);
		while (p) {
			char *v = p + strlen(params[i]);
			size_t len = strcspn(v, "& ");
			memmove(v + 3, v + len, strlen(v + len) + 1);
			memcpy(v, "***", 3);
			p = g_strstr_len(v, -1, params[i]);
		}
	}
	char *shown = mc_strescape_ctl(s);
	mc_log(MC_LOG_DEBUG, "curl%c %s", dir, shown ? shown : "?");
	free(shown);
}

static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *opaque)
{
	(void)c;
	(void)opaque;
	char dir = type == CURLINFO_HEADER_OUT ? '>' : type == CURLINFO_HEADER_IN ? '<' : '*';
	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
		return 0; /* bodies are not shown */
	for (size_t off = 0; off < size;) {
		const char *nl = memchr(data + off, '\n', size - off);
		size_t n = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
		debug_line(dir, data + off, n);
		off += n;
	}
	return 0;
}

/* The wait before retry number attempt + 1 (attempt 0 is the first
 * request): the server's Retry-After when it sent one (capped at
 * MAX_RETRY_AFTER_MS), else the backoff doubled per attempt (capped at
 * MAX_BACKOFF_MS); both with random jitter so that many clients told to wait
 * do not come back at the same moment: the backoff is drawn from its upper
 * half, a Retry-After gets up to one first backoff more. */
static long retry_delay(const mc_http *h, int attempt, long retry_after_ms, bool *told)
{
	*told = retry_after_ms > 0;
	if (*told) {
		long d = retry_after_ms > MAX_RETRY_AFTER_MS ? MAX_RETRY_AFTER_MS : retry_after_ms;
		return d + (long)g_random_int_range(0, (gint32)h->o.backoff_ms + 1);
	}
	long d = h->o.backoff_ms << (attempt < 5 ? attempt : 5);
	if (d > MAX_BACKOFF_MS)
		d = MAX_BACKOFF_MS;
	return d / 2 + (long)g_random_int_range(0, (gint32)(d - d / 2) + 1);
}

static void setup(mc_http *h, CURL *c, method m, const char *url, xfer *x, struct curl_slist *hdrs,
		  const char *body, size_t len)
{
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: CURLOPT_PROTOCOLS deprecated */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->o.insecure ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->o.insecure ? 0L : 2L);
	if (h->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "migcheck/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_bytes);
	if (h->sigv4) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, h->sigv4);
		curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
	}
	if (m == M_HEAD) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (m == M_PUT || m == M_PROPFIND) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_name(m));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (mc_log_on(MC_LOG_DEBUG)) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
}

/* One request with retries. Returns 0 on 2xx (and *status), or a filled
 * error. 404 and 412 are returned to the caller as -ENOENT / -EAGAIN
 * without retrying. */
static int request(mc_http *h, method m, const char *url, const char *body, size_t len,
		   const char *content_type, const char *if_match, GString *out, char **etag,
		   long *status, mc_error *err)
{
	struct curl_slist *hdrs = NULL;
	g_autofree char *shown = mc_url_for_humans(url);
	xfer x = { 0 };
	int r = 0;
	long code = 0;
	CURLcode cc = CURLE_OK;
	char cerr[CURL_ERROR_SIZE];

	/* No "Expect: 100-continue" (an empty header removes it). Not when
	 * signing: libcurl (7.88) lists the removed header in SignedHeaders
	 * without sending it, and S3 refuses the signature (403
	 * SignatureDoesNotMatch; found by tests/integration/fleet-s3.sh). */
	if (!h->sigv4)
		hdrs = curl_slist_append(hdrs, "Expect:");
	if (content_type) {
		g_autofree char *ct = g_strdup_printf("Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, ct);
	}
	if (m == M_PROPFIND)
		hdrs = curl_slist_append(hdrs, "Depth: 1");
	if (if_match) {
		g_autofree char *im = g_strdup_printf("If-Match: %s", if_match);
		hdrs = curl_slist_append(hdrs, im);
	}
	if (h->sigv4) {
		/* S3 wants the payload hash as a header (it is part of the
		 * signature). */
		char sum[MC_SHA256_HEX_LEN + 1];
		mc_sha256_hex(body, body ? len : 0, sum);
		g_autofree char *hh = g_strdup_printf("x-amz-content-sha256: %s", sum);
		hdrs = curl_slist_append(hdrs, hh);
		if (h->token)
			hdrs = curl_slist_append(hdrs, h->token);
	}
	x.max = h->o.max_bytes;
	bool late = false; /* the overall deadline cut a transfer or a retry */
	for (int attempt = 0;; attempt++) {
		long left = (long)((h->deadline - g_get_monotonic_time()) / 1000);
		if (left <= 0) {
			late = true;
			break;
		}
		x.body = out;
		g_string_truncate(out, 0);
		x.too_big = false;
		x.reason[0] = '\0';
		g_clear_pointer(&x.etag, g_free);
		cerr[0] = '\0';
		setup(h, h->curl, m, url, &x, hdrs, body, len);
		curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, cerr);
		if (left < h->o.timeout_ms)
			curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, left);
		if (left < h->o.connect_timeout_ms)
			curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, left);
		h->requests++;
		gint64 t0 = g_get_monotonic_time();
		cc = curl_easy_perform(h->curl);
		code = 0;
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
		h->bytes_in += (long long)out->len;
		if (mc_log_on(MC_LOG_VERBOSE)) {
			long ms = (long)((g_get_monotonic_time() - t0) / 1000);
			if (cc == CURLE_OK)
				mc_log(MC_LOG_VERBOSE, "%s %s: HTTP %ld %s (%zu bytes, %ld ms)",
				       method_name(m), shown, code, x.reason, out->len, ms);
			else
				mc_log(MC_LOG_VERBOSE, "%s %s: %s (%ld ms)", method_name(m), shown,
				       cerr[0] ? cerr : curl_easy_strerror(cc), ms);
		}
		bool retry;
		if (cc != CURLE_OK)
			retry = transient(cc) && !x.too_big;
		else
			retry = code >= 500 || code == 408 || code == 429;
		if (cc == CURLE_OPERATION_TIMEDOUT && left < h->o.timeout_ms)
			late = true; /* cut by the deadline, not by --timeout */
		if (!retry || attempt >= h->o.retries || late)
			break;
		curl_off_t ra = 0; /* Retry-After, seconds or an HTTP date, as seconds */
		if (cc != CURLE_OK ||
		    curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra < 0)
			ra = 0;
		bool told;
		long delay =
		    retry_delay(h, attempt, ra > 0 ? (long)MIN(ra, 86400) * 1000 : 0, &told);
		if (g_get_monotonic_time() + (gint64)delay * 1000 >= h->deadline) {
			late = true;
			break;
		}
		mc_log(MC_LOG_VERBOSE, "%s %s: retrying in %ld ms%s (attempt %d of %d)",
		       method_name(m), shown, delay, told ? " (Retry-After)" : "", attempt + 2,
		       h->o.retries + 1);
		g_usleep((gulong)delay * 1000);
	}
	*status = code;
	const char *what = method_name(m);
	int tries = h->o.retries + 1;
	if (late) {
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, ETIMEDOUT,
				 "%s: %s: overall deadline of %ld s passed (--deadline)", shown,
				 what, h->o.deadline_ms / 1000);
	} else if (x.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EFBIG,
				 "%s: %s: response larger than the %zu byte limit", shown, what,
				 h->o.max_bytes);
	} else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
		   cc == CURLE_SSL_CERTPROBLEM) {
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, EPROTO,
				 "%s: TLS verification failed: %s (give --cacert FILE, or "
				 "--insecure)",
				 shown, cerr[0] ? cerr : curl_easy_strerror(cc));
	} else if (cc != CURLE_OK) {
		char after[48] = "";
		if (transient(cc))
			snprintf(after, sizeof(after), " after %d attempt%s", tries,
				 tries == 1 ? "" : "s");
		int en = cc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT
			 : cc == CURLE_PARTIAL_FILE     ? EPROTO
							: ECONNREFUSED;
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, en, "%s: %s failed%s: %s", shown, what,
				 after, cerr[0] ? cerr : curl_easy_strerror(cc));
	} else if (code >= 200 && code < 300) {
		r = 0;
		if (etag) {
			*etag = x.etag;
			x.etag = NULL;
		}
	} else if (code == 404) {
		r = mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "%s: HTTP 404 %s", shown,
				 x.reason[0] ? x.reason : "Not Found");
	} else if (code == 412) {
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, EAGAIN, "%s: HTTP 412 %s", shown,
				 x.reason[0] ? x.reason : "Precondition Failed");
	} else if (code == 401 || code == 403) {
		r = mc_error_set(err, MC_EXIT_NOPERM, EACCES, "%s: %s refused: HTTP %ld %s", shown,
				 what, code, x.reason);
	} else if (code >= 500 || code == 408 || code == 429) {
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, EIO,
				 "%s: %s failed after %d attempt%s: HTTP %ld %s", shown, what,
				 tries, tries == 1 ? "" : "s", code, x.reason);
	} else if (code == 405 || code == 501) {
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, EOPNOTSUPP,
				 "%s: the server does not accept %s: HTTP %ld %s", shown, what,
				 code, x.reason);
	} else {
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, EPROTO, "%s: %s: unexpected HTTP %ld %s",
				 shown, what, code, x.reason);
	}
	g_free(x.etag);
	curl_slist_free_all(hdrs);
	/* Keep the connection cache, drop pointers into our stack. */
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	return r;
}

int mc_http_get(mc_http *h, const char *url, char **body, size_t *len, char **etag, mc_error *err)
{
	GString *out = g_string_new(NULL);
	long status;
	int r = request(h, M_GET, url, NULL, 0, NULL, NULL, out, etag, &status, err);
	if (r < 0) {
		g_string_free(out, TRUE);
		return r;
	}
	*len = out->len;
	*body = g_string_free(out, FALSE);
	return 0;
}

int mc_http_head(mc_http *h, const char *url, bool *exists, mc_error *err)
{
	GString *out = g_string_new(NULL);
	long status;
	mc_error sub = { 0 };
	int r = request(h, M_HEAD, url, NULL, 0, NULL, NULL, out, NULL, &status, &sub);
	g_string_free(out, TRUE);
	if (r == -ENOENT) {
		*exists = false;
		return 0;
	}
	if (r < 0) {
		if (err && !err->errnum)
			*err = sub;
		return r;
	}
	*exists = true;
	return 0;
}

int mc_http_put(mc_http *h, const char *url, const char *body, size_t len, const char *content_type,
		const char *if_match, mc_error *err)
{
	GString *out = g_string_new(NULL);
	long status;
	int r = request(h, M_PUT, url, body ? body : "", len, content_type, if_match, out, NULL,
			&status, err);
	g_string_free(out, TRUE);
	return r;
}

int mc_http_propfind(mc_http *h, const char *url, const char *body, size_t len, char **out,
		     size_t *outlen, mc_error *err)
{
	GString *o = g_string_new(NULL);
	long status;
	int r = request(h, M_PROPFIND, url, body ? body : "", body ? len : 0, "application/xml",
			NULL, o, NULL, &status, err);
	if (r < 0) {
		g_string_free(o, TRUE);
		return r;
	}
	if (status != 207) {
		g_autofree char *shown = mc_url_for_humans(url);
		g_string_free(o, TRUE);
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EPROTO,
				    "%s: PROPFIND: HTTP %ld, not 207 Multi-Status (a WebDAV "
				    "server that lists collections is needed)",
				    shown, status);
	}
	*outlen = o->len;
	*out = g_string_free(o, FALSE);
	return 0;
}

/* ---- many GETs at once ---- */

static gint cmp_size(gconstpointer a, gconstpointer b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

typedef struct {
	CURL *c;
	xfer x;
	size_t i;
	gint64 t0;
	bool busy;
} slot;

/* The headers of a GET (request() builds the same). */
static struct curl_slist *get_headers(const mc_http *h)
{
	struct curl_slist *hdrs = NULL;
	if (!h->sigv4)
		return curl_slist_append(hdrs, "Expect:");
	char sum[MC_SHA256_HEX_LEN + 1];
	mc_sha256_hex(NULL, 0, sum);
	g_autofree char *hh = g_strdup_printf("x-amz-content-sha256: %s", sum);
	hdrs = curl_slist_append(hdrs, hh);
	if (h->token)
		hdrs = curl_slist_append(hdrs, h->token);
	return hdrs;
}

static void slot_start(mc_http *h, CURLM *m, slot *s, size_t i, const char *url,
		       struct curl_slist *hdrs)
{
	s->i = i;
	s->busy = true;
	g_string_truncate(s->x.body, 0);
	s->x.too_big = false;
	s->x.reason[0] = '\0';
	g_clear_pointer(&s->x.etag, g_free);
	setup(h, s->c, M_GET, url, &s->x, hdrs, NULL, 0);
	long left = (long)((h->deadline - g_get_monotonic_time()) / 1000);
	if (left < h->o.timeout_ms)
		curl_easy_setopt(s->c, CURLOPT_TIMEOUT_MS, left > 0 ? left : 1L);
	curl_easy_setopt(s->c, CURLOPT_PRIVATE, s);
	h->requests++;
	s->t0 = g_get_monotonic_time();
	curl_multi_add_handle(m, s->c);
}

int mc_http_get_many(mc_http *h, const char *const *urls, size_t n, int parallel,
		     mc_http_body_fn cb, void *opaque, size_t **failed, size_t *nfailed,
		     mc_error *err)
{
	CURLM *m = curl_multi_init();
	struct curl_slist *hdrs = get_headers(h);
	GArray *fails = g_array_new(FALSE, FALSE, sizeof(size_t));
	int r = 0, active = 0;
	size_t next = 0;
	if (parallel < 1)
		parallel = 1;
	slot *slots = g_new0(slot, (gsize)parallel);
	for (int k = 0; k < parallel; k++) {
		slots[k].c = curl_easy_init();
		slots[k].x.body = g_string_new(NULL);
		slots[k].x.max = h->o.max_bytes;
	}
	if (!m || !hdrs) {
		r = mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "libcurl: cannot create a handle");
		goto out;
	}
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);
	for (int k = 0; k < parallel && next < n; k++) {
		if (!slots[k].c) {
			r = mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM,
					 "libcurl: cannot create a handle");
			goto out;
		}
		slot_start(h, m, &slots[k], next, urls[next], hdrs);
		next++;
		active++;
	}
	while (active > 0) {
		int running = 0, left = 0;
		CURLMsg *msg;
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			r = mc_error_set(err, MC_EXIT_SOFTWARE, EIO,
					 "libcurl: multi transfer failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			slot *s = NULL;
			long code = 0;
			CURLcode cc = msg->data.result;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			curl_multi_remove_handle(m, msg->easy_handle);
			s->busy = false;
			active--;
			h->bytes_in += (long long)s->x.body->len;
			if (mc_log_on(MC_LOG_VERBOSE)) {
				g_autofree char *shown = mc_url_for_humans(urls[s->i]);
				long ms = (long)((g_get_monotonic_time() - s->t0) / 1000);
				if (cc == CURLE_OK)
					mc_log(MC_LOG_VERBOSE,
					       "GET %s: HTTP %ld %s (%zu bytes, %ld ms)", shown,
					       code, s->x.reason, s->x.body->len, ms);
				else
					mc_log(MC_LOG_VERBOSE, "GET %s: %s (%ld ms)", shown,
					       curl_easy_strerror(cc), ms);
			}
			if (cc == CURLE_OK && code >= 200 && code < 300 && !s->x.too_big) {
				if ((r = cb(opaque, s->i, s->x.body->str, s->x.body->len, err)) < 0)
					goto out;
			} else {
				g_array_append_val(fails, s->i); /* the caller asks again */
			}
			if (next < n && g_get_monotonic_time() < h->deadline) {
				slot_start(h, m, s, next, urls[next], hdrs);
				next++;
				active++;
			}
		}
		if (active > 0 && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK) {
			r = mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "libcurl: multi poll failed");
			goto out;
		}
	}
	for (; next < n; next++) /* past the deadline: the caller's request says so */
		g_array_append_val(fails, next);
out:
	for (int k = 0; k < parallel; k++) {
		if (slots[k].busy)
			curl_multi_remove_handle(m, slots[k].c);
		if (slots[k].c)
			curl_easy_cleanup(slots[k].c);
		g_string_free(slots[k].x.body, TRUE);
		g_free(slots[k].x.etag);
	}
	g_free(slots);
	curl_slist_free_all(hdrs);
	if (m)
		curl_multi_cleanup(m);
	if (r < 0) {
		g_array_free(fails, TRUE);
		return r;
	}
	g_array_sort(fails, cmp_size);
	*nfailed = fails->len;
	*failed = (size_t *)(void *)g_array_free(fails, FALSE);
	return 0;
}
