#include "core/fleet/listing.h"
#include "core/base/xml.h"
#include "core/fleet/fleet.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#define DAV_NS "DAV:"
#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3RVER_NS "http://doc.s3.amazonaws.com/2006-03-01/" /* s3rver 3.7's spelling */
#define S3_PAGE 1000 /* ListObjectsV2's own default and maximum */

/* ---- the set of names ---- */

struct mc_fleet_names {
	GPtrArray *v; /* char *, sorted when `sorted` */
	GHashTable *seen;
	bool sorted;
};

mc_fleet_names *mc_fleet_names_new(void)
{
	mc_fleet_names *n = g_new0(mc_fleet_names, 1);
	n->v = g_ptr_array_new_with_free_func(g_free);
	n->seen = g_hash_table_new(g_str_hash, g_str_equal);
	n->sorted = true;
	return n;
}

void mc_fleet_names_free(mc_fleet_names *n)
{
	if (!n)
		return;
	g_hash_table_destroy(n->seen);
	g_ptr_array_free(n->v, TRUE);
	g_free(n);
}

size_t mc_fleet_names_count(const mc_fleet_names *n)
{
	return n->v->len;
}

static gint by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *mc_fleet_names_at(const mc_fleet_names *cn, size_t i)
{
	mc_fleet_names *n = (mc_fleet_names *)cn; /* sorting is not a visible change */
	if (!n->sorted) {
		g_ptr_array_sort(n->v, by_str);
		n->sorted = true;
	}
	return i < n->v->len ? n->v->pdata[i] : NULL;
}

/* One entry of a listing: `rest` is what follows the hosts/ collection.
 * Host records are REST = NAME.xml; anything else is passed over. */
static int add_entry(mc_fleet_names *n, const char *rest, const char *shown, mc_error *err)
{
	size_t len = strlen(rest);
	if (len == 0 || strchr(rest, '/') || len <= 4 || strcmp(rest + len - 4, ".xml") != 0)
		return 0;
	char *name = g_strndup(rest, len - 4);
	if (!mc_fleet_name_ok(name)) {
		g_autofree char *esc = g_strescape(rest, NULL);
		g_free(name);
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: listing names hosts/%.80s, not a host record "
				    "([A-Za-z0-9][A-Za-z0-9._-]*.xml)",
				    shown, esc);
	}
	if (n->v->len >= MC_FLEET_MAX_LISTED) {
		g_free(name);
		return mc_error_set(err, MC_EXIT_DATAERR, E2BIG,
				    "%s: listing names more than %d host records", shown,
				    MC_FLEET_MAX_LISTED);
	}
	if (g_hash_table_contains(n->seen, name)) {
		int r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				     "%s: listing names hosts/%s.xml twice", shown, name);
		g_free(name);
		return r;
	}
	g_ptr_array_add(n->v, name);
	g_hash_table_add(n->seen, name);
	n->sorted = false;
	return 0;
}

static bool in_ns(const xmlNode *x, const char *name, const char *ns)
{
	return mc_xml_is(x, name) && x->ns && x->ns->href &&
	       strcmp((const char *)x->ns->href, ns) == 0;
}

static xmlNode *child_ns(const xmlNode *x, const char *name, const char *ns)
{
	for (xmlNode *c = x ? x->children : NULL; c; c = c->next)
		if (in_ns(c, name, ns))
			return c;
	return NULL;
}

/* Text content exactly as sent (keys may in principle hold spaces). */
static char *raw_text(const xmlNode *x)
{
	xmlChar *t = xmlNodeGetContent(x);
	char *s = g_strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

/* ---- WebDAV ---- */

int mc_fleet_parse_propfind(const char *buf, size_t len, const char *shown, const char *dir,
			    mc_fleet_names *out, mc_error *err)
{
	int r = 0;
	xmlDocPtr doc = mc_xml_parse(buf, len, shown, NULL, "WebDAV listing", err);
	if (!doc)
		return -EBADMSG;
	xmlNode *root = xmlDocGetRootElement(doc);
	size_t dlen = strlen(dir);
	if (!in_ns(root, "multistatus", DAV_NS)) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				 "%s: not a WebDAV listing (expected <multistatus> in namespace "
				 "DAV:)",
				 shown);
		goto out;
	}
	for (xmlNode *resp = root->children; resp && r == 0; resp = resp->next) {
		if (!in_ns(resp, "response", DAV_NS))
			continue;
		xmlNode *href = child_ns(resp, "href", DAV_NS);
		if (!href) {
			r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					 "%s: line %ld: a <response> without <href>", shown,
					 xmlGetLineNo(resp));
			break;
		}
		g_autofree char *text = mc_xml_text(href);
		const char *path = text;
		const char *sep = strstr(text, "://");
		if (sep && sep == text + strspn(text, "abcdefghijklmnopqrstuvwxyz"
						      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")) {
			path = strchr(sep + 3, '/'); /* an absolute URL: its path */
			if (!path)
				path = "/";
		}
		g_autofree char *dec =
		    strpbrk(path, "?#") ? NULL : g_uri_unescape_string(path, NULL);
		if (!dec || strlen(dec) < dlen - 1 || strncmp(dec, dir, dlen - 1) != 0 ||
		    (dec[dlen - 1] != '/' && dec[dlen - 1] != '\0')) {
			g_autofree char *esc = g_strescape(text, NULL);
			r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					 "%s: line %ld: listing names '%.120s', not a path in %s",
					 shown, xmlGetLineNo(href), esc, dir);
			break;
		}
		if (dec[dlen - 1] == '\0')
			continue; /* the collection itself, without its '/' */
		r = add_entry(out, dec + dlen, shown, err);
	}
out:
	xmlFreeDoc(doc);
	return r;
}

/* ---- S3 ---- */

int mc_fleet_parse_s3_list(const char *buf, size_t len, const char *shown, const char *prefix,
			   mc_fleet_names *out, char **next, mc_error *err)
{
	int r = 0;
	char *trunc = NULL;
	*next = NULL;
	xmlDocPtr doc = mc_xml_parse(buf, len, shown, NULL, "S3 listing", err);
	if (!doc)
		return -EBADMSG;
	xmlNode *root = xmlDocGetRootElement(doc);
	size_t plen = strlen(prefix);
	const char *ns = in_ns(root, "ListBucketResult", S3RVER_NS) ? S3RVER_NS : S3_NS;
	if (!in_ns(root, "ListBucketResult", ns)) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				 "%s: not an S3 listing (expected <ListBucketResult> in namespace "
				 "%s)",
				 shown, ns);
		goto out;
	}
	for (xmlNode *c = root->children; c && r == 0; c = c->next) {
		if (!in_ns(c, "Contents", ns))
			continue;
		xmlNode *k = child_ns(c, "Key", ns);
		g_autofree char *key = k ? raw_text(k) : NULL;
		if (!key || strncmp(key, prefix, plen) != 0) {
			g_autofree char *esc = key ? g_strescape(key, NULL) : NULL;
			r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					 "%s: line %ld: listing names %s%.120s%s, outside the "
					 "prefix %s",
					 shown, xmlGetLineNo(c), esc ? "key '" : "no key",
					 esc ? esc : "", esc ? "'" : "", prefix);
			break;
		}
		r = add_entry(out, key + plen, shown, err);
	}
	if (r < 0)
		goto out;
	trunc = mc_xml_text(child_ns(root, "IsTruncated", ns));
	if (!strcmp(trunc, "true")) {
		xmlNode *t = child_ns(root, "NextContinuationToken", ns);
		char *tok = t ? mc_xml_text(t) : NULL;
		if (!tok || !*tok) {
			g_free(tok);
			r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					 "%s: a truncated listing without a NextContinuationToken",
					 shown);
			goto out;
		}
		*next = tok;
	} else if (*trunc && strcmp(trunc, "false") != 0) {
		g_autofree char *esc = g_strescape(trunc, NULL);
		r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				 "%s: IsTruncated is '%.40s', not true or false", shown, esc);
	}
out:
	g_free(trunc);
	xmlFreeDoc(doc);
	return r;
}

/* BUCKET.s3.REGION.amazonaws.com, BUCKET.s3-REGION.amazonaws.com,
 * BUCKET.s3.amazonaws.com (and .com.cn): AWS's virtual-hosted names. */
static bool aws_virtual_host(const char *host)
{
	if (!g_str_has_suffix(host, ".amazonaws.com") &&
	    !g_str_has_suffix(host, ".amazonaws.com.cn"))
		return false;
	const char *s3 = strstr(host, ".s3.");
	const char *s3d = strstr(host, ".s3-");
	if (!s3 || (s3d && s3d < s3))
		s3 = s3d;
	return s3 && s3 > host;
}

int mc_fleet_s3_split(const char *url, char **bucket_url, char **prefix, mc_error *err)
{
	CURLU *u = curl_url();
	char *host = NULL, *path = NULL, *out = NULL;
	g_autofree char *bucket_path = NULL, *rest = NULL;
	int r = 0;
	*bucket_url = *prefix = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		g_autofree char *shown = mc_url_for_humans(url);
		r = mc_error_set(err, MC_EXIT_USAGE, EINVAL, "%s: not a usable S3 store URL",
				 shown);
		goto out;
	}
	const char *p = path;
	while (*p == '/')
		p++;
	if (!*p || aws_virtual_host(host)) {
		bucket_path = g_strdup("/");
		rest = g_strdup(p);
	} else {
		const char *slash = strchr(p, '/');
		g_autofree char *b = slash ? g_strndup(p, (gsize)(slash - p)) : g_strdup(p);
		bucket_path = g_strdup_printf("/%s", b);
		rest = g_strdup(slash ? slash + 1 : "");
	}
	/* the store's prefix: no leading '/', one trailing '/' unless empty */
	size_t n = strlen(rest);
	while (n > 0 && rest[n - 1] == '/')
		rest[--n] = '\0';
	*prefix = n ? g_strdup_printf("%s/", rest) : g_strdup("");
	if (curl_url_set(u, CURLUPART_PATH, bucket_path, CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		g_clear_pointer(prefix, g_free);
		r = mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL, "S3: cannot form the bucket URL");
		goto out;
	}
	*bucket_url = g_strdup(out);
out:
	curl_free(out);
	curl_free(host);
	curl_free(path);
	curl_url_cleanup(u);
	return r;
}

/* ---- the listing requests ---- */

static int list_s3(mc_http *h, const char *url, int max_keys, mc_fleet_names *out, mc_error *err)
{
	g_autofree char *bucket = NULL, *store_prefix = NULL, *token = NULL;
	int r = mc_fleet_s3_split(url, &bucket, &store_prefix, err);
	if (r < 0)
		return r;
	g_autofree char *prefix = g_strdup_printf("%shosts/", store_prefix);
	g_autofree char *eprefix = g_uri_escape_string(prefix, NULL, FALSE);
	for (long page = 1;; page++) {
		/* query parameters in SigV4's canonical order, RFC 3986 encoded */
		g_autofree char *etok = token ? g_uri_escape_string(token, NULL, FALSE) : NULL;
		g_autofree char *lurl =
		    g_strdup_printf("%s?%s%s%slist-type=2&max-keys=%d&prefix=%s", bucket,
				    etok ? "continuation-token=" : "", etok ? etok : "",
				    etok ? "&" : "", max_keys > 0 ? max_keys : S3_PAGE, eprefix);
		g_autofree char *shown = mc_url_for_humans(lurl);
		g_autofree char *body = NULL, *next = NULL;
		size_t len = 0;
		if ((r = mc_http_get(h, lurl, &body, &len, NULL, err)) < 0)
			return r;
		g_autofree char *what = g_strdup_printf("%s (page %ld)", shown, page);
		if ((r = mc_fleet_parse_s3_list(body, len, what, prefix, out, &next, err)) < 0)
			return r;
		if (!next)
			return 0;
		if (token && !strcmp(next, token))
			return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					    "%s: the continuation token repeats (a listing that "
					    "never ends)",
					    what);
		g_free(token);
		token = g_steal_pointer(&next);
	}
}

static const char propfind_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
				    "<propfind xmlns=\"DAV:\"><prop><resourcetype/></prop>"
				    "</propfind>\n";

static int list_dav(mc_http *h, const char *url, mc_fleet_names *out, mc_error *err)
{
	g_autofree char *durl = mc_url_join(url, "hosts/");
	g_autofree char *shown = mc_url_for_humans(durl);
	g_autofree char *body = NULL, *dir = NULL;
	char *path = NULL;
	size_t len = 0;
	mc_error sub = { 0 };
	CURLU *u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, durl, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		curl_url_cleanup(u);
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "%s: not a usable URL", shown);
	}
	dir = g_strdup(path);
	curl_free(path);
	curl_url_cleanup(u);
	int r =
	    mc_http_propfind(h, durl, propfind_body, sizeof(propfind_body) - 1, &body, &len, &sub);
	if (r == -ENOENT)
		return 0; /* nothing pushed in the new layout */
	if (r < 0) {
		*err = sub;
		return r;
	}
	return mc_fleet_parse_propfind(body, len, shown, dir, out, err);
}

int mc_fleet_list_hosts(mc_http *h, const char *url, bool s3, int max_keys, mc_fleet_names *out,
			mc_error *err)
{
	return s3 ? list_s3(h, url, max_keys, out, err) : list_dav(h, url, out, err);
}
