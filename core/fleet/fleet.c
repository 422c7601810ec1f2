#include "core/fleet/fleet.h"
#include "core/base/xml.h"
#include "core/fleet/listing.h"

#include <errno.h>
#include <glib.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ---- */

void mc_fleet_conf_clear(mc_fleet_conf *c)
{
	if (!c)
		return;
	g_free(c->url);
	g_free(c->host);
	g_free(c->db);
	g_free(c->cacert);
	g_free(c->s3_region);
	g_free(c->credentials);
	memset(c, 0, sizeof(*c));
}

static int parse_bool(const char *v, bool *out)
{
	if (!g_ascii_strcasecmp(v, "yes") || !g_ascii_strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !g_ascii_strcasecmp(v, "on"))
		*out = true;
	else if (!g_ascii_strcasecmp(v, "no") || !g_ascii_strcasecmp(v, "false") ||
		 !strcmp(v, "0") || !g_ascii_strcasecmp(v, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* One setting, from either format: 0, or -EINVAL with the message's tail in
 * *why (unknown key, bad value). */
static int conf_set(mc_fleet_conf *c, const char *k, const char *v, char **why)
{
	char **slot = NULL;
	if (!strcmp(k, "url"))
		slot = &c->url;
	else if (!strcmp(k, "host"))
		slot = &c->host;
	else if (!strcmp(k, "db"))
		slot = &c->db;
	else if (!strcmp(k, "cacert"))
		slot = &c->cacert;
	else if (!strcmp(k, "s3-region"))
		slot = &c->s3_region;
	else if (!strcmp(k, "credentials"))
		slot = &c->credentials;
	if (!*v) {
		*why = g_strdup_printf("empty value for '%s'", k);
		return -EINVAL;
	}
	if (slot) {
		g_free(*slot);
		*slot = g_strdup(v);
	} else if (!strcmp(k, "insecure")) {
		if (parse_bool(v, &c->insecure) < 0) {
			*why = g_strdup_printf("insecure: expected yes or no, not '%s'", v);
			return -EINVAL;
		}
	} else if (!strcmp(k, "timeout")) {
		char *end;
		long t = strtol(v, &end, 10);
		if (*end || t <= 0 || t > 86400) {
			*why = g_strdup_printf("timeout: expected 1..86400 seconds, not '%s'", v);
			return -EINVAL;
		}
		c->timeout_s = t;
	} else {
		*why = g_strdup_printf("unknown key '%s' (known: url, host, db, cacert, "
				       "insecure, s3-region, credentials, timeout)",
				       k);
		return -EINVAL;
	}
	return 0;
}

/* The key file: [fleet] settings; [hook] is the hook's (cmd/hook.c), any
 * other group is a mistake. */
static int conf_load_keyfile(const char *path, const char *text, gsize len, mc_fleet_conf *c,
			     mc_error *err)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) gerr = NULL;
	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &gerr))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: %s", path, gerr->message);
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++)
		if (strcmp(*g, "fleet") != 0 && strcmp(*g, "hook") != 0)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					    "%s: unknown group [%s] (known: [fleet], [hook])", path,
					    *g);
	g_auto(GStrv) keys = g_key_file_get_keys(kf, "fleet", NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		g_autofree char *v = g_key_file_get_string(kf, "fleet", *k, &gerr);
		g_autofree char *why = NULL;
		if (!v)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: [fleet] %s: %s",
					    path, *k, gerr->message);
		if (conf_set(c, *k, g_strstrip(v), &why) < 0)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: [fleet] %s", path,
					    why);
	}
	return 0;
}

/* A key file starts (after comments and blank lines) with a [group] line;
 * the old format with a 'key = value' line. */
static bool is_keyfile(const char *text)
{
	for (const char *p = text; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[')
			return true;
		if (*p && *p != '#' && *p != '\n')
			return false;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return true; /* empty: either reading gives nothing */
}

int mc_fleet_conf_load(const char *path, bool missing_ok, mc_fleet_conf *c, mc_error *err)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) gerr = NULL;
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return missing_ok ? 0
					  : mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
							 "%s: no such configuration file", path);
		return mc_error_set(
		    err, 0, g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_ACCES) ? EACCES : EIO,
		    "%s: %s", path, gerr->message);
	}
	if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not UTF-8 text", path);
	c->loaded = true;
	if (is_keyfile(text))
		return conf_load_keyfile(path, text, len, c, err);
	c->legacy = true;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	int lineno = 0;
	for (char **l = lines; *l; l++) {
		lineno++;
		char *line = g_strstrip(*l);
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					    "%s:%d: expected 'key = value'", path, lineno);
		*eq = '\0';
		char *k = g_strstrip(line), *v = g_strstrip(eq + 1);
		g_autofree char *why = NULL;
		if (conf_set(c, k, v, &why) < 0)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s:%d: %s", path, lineno,
					    why);
	}
	return 0;
}

/* ---- host records ---- */

struct mc_fleet_index {
	GPtrArray *hosts;   /* mc_fleet_host *, sorted by name when `sorted` */
	GHashTable *byname; /* name -> mc_fleet_host * (borrowed) */
	bool sorted;
};

static void host_free(gpointer p)
{
	mc_fleet_host *h = p;
	g_free(h->name);
	g_free(h->uuid);
	g_free(h);
}

mc_fleet_index *mc_fleet_index_new(void)
{
	mc_fleet_index *x = g_new0(mc_fleet_index, 1);
	x->hosts = g_ptr_array_new_with_free_func(host_free);
	x->byname = g_hash_table_new(g_str_hash, g_str_equal);
	x->sorted = true;
	return x;
}

void mc_fleet_index_free(mc_fleet_index *x)
{
	if (!x)
		return;
	g_hash_table_destroy(x->byname);
	g_ptr_array_free(x->hosts, TRUE);
	g_free(x);
}

bool mc_fleet_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 253 || !g_ascii_isalnum(name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

int mc_fleet_index_set(mc_fleet_index *x, const mc_fleet_host *h, mc_error *err)
{
	if (!mc_fleet_name_ok(h->name))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "host name '%s' is not usable in a fleet store "
				    "([A-Za-z0-9][A-Za-z0-9._-]*)",
				    h->name ? h->name : "");
	mc_fleet_host *old = g_hash_table_lookup(x->byname, h->name);
	mc_fleet_host *n = old ? old : g_new0(mc_fleet_host, 1);
	if (old) {
		g_free(old->uuid);
	} else {
		n->name = g_strdup(h->name);
		g_ptr_array_add(x->hosts, n);
		g_hash_table_insert(x->byname, n->name, n);
		x->sorted = false;
	}
	g_strlcpy(n->profile, h->profile, sizeof(n->profile));
	n->probed = h->probed;
	n->uuid = g_strdup(h->uuid);
	return 0;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	const mc_fleet_host *x = *(mc_fleet_host *const *)a, *y = *(mc_fleet_host *const *)b;
	return strcmp(x->name, y->name);
}

static void index_sort(const mc_fleet_index *cx)
{
	mc_fleet_index *x = (mc_fleet_index *)cx; /* sorting is not a visible change */
	if (!x->sorted) {
		g_ptr_array_sort(x->hosts, by_name);
		x->sorted = true;
	}
}

size_t mc_fleet_index_count(const mc_fleet_index *x)
{
	return x->hosts->len;
}

const mc_fleet_host *mc_fleet_index_at(const mc_fleet_index *x, size_t i)
{
	index_sort(x);
	return i < x->hosts->len ? x->hosts->pdata[i] : NULL;
}

const mc_fleet_host *mc_fleet_index_find(const mc_fleet_index *x, const char *name)
{
	return g_hash_table_lookup(x->byname, name);
}

/* `root`: the document element, which carries the namespace declaration. */
static int write_host(xmlTextWriterPtr w, const mc_fleet_host *h, bool root)
{
	char ts[32];
	int r = root ? xmlTextWriterStartElementNS(w, NULL, BAD_CAST "host", BAD_CAST MC_HOST_NS)
		     : xmlTextWriterStartElement(w, BAD_CAST "host");
	if (r < 0 || xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST h->name) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "profile", BAD_CAST h->profile) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "probed",
					BAD_CAST mc_time_iso(h->probed, ts, sizeof(ts))) < 0 ||
	    (h->uuid && xmlTextWriterWriteAttribute(w, BAD_CAST "uuid", BAD_CAST h->uuid) < 0) ||
	    xmlTextWriterEndElement(w) < 0)
		return -EIO;
	return 0;
}

char *mc_fleet_index_to_xml(const mc_fleet_index *x, bool single, size_t *len, mc_error *err)
{
	mc_xml_out o = { 0 };
	char ts[32];
	if (single && mc_fleet_index_count(x) != 1) {
		mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL, "host record: expected one host");
		return NULL;
	}
	index_sort(x);
	if (mc_xml_out_open(&o, err) < 0)
		return mc_xml_out_close(&o, false, NULL, "host records", NULL);
	bool ok;
	if (single) {
		ok = write_host(o.w, x->hosts->pdata[0], true) == 0;
	} else {
		ok =
		    xmlTextWriterStartElementNS(o.w, NULL, BAD_CAST "hosts", BAD_CAST MC_HOST_NS) >=
			0 &&
		    xmlTextWriterWriteAttribute(o.w, BAD_CAST "updated",
						BAD_CAST mc_time_iso(time(NULL), ts, sizeof(ts))) >=
			0;
		for (guint i = 0; ok && i < x->hosts->len; i++)
			ok = write_host(o.w, x->hosts->pdata[i], false) == 0;
		ok = ok && xmlTextWriterEndElement(o.w) >= 0;
	}
	return mc_xml_out_close(&o, ok, len, "host records", err);
}

static int host_from_node(xmlNodePtr n, mc_fleet_index *x, const char *name, mc_error *err)
{
	g_autofree char *hn = mc_xml_attr(n, "name");
	g_autofree char *prof = mc_xml_attr(n, "profile");
	g_autofree char *probed = mc_xml_attr(n, "probed");
	g_autofree char *uuid = mc_xml_attr(n, "uuid");
	mc_fleet_host h = { .name = hn, .uuid = uuid };
	g_strlcpy(h.profile, prof ? prof : "", sizeof(h.profile));
	h.probed = probed ? mc_time_parse_iso(probed) : 0;
	if (mc_fleet_index_find(x, hn))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: line %ld: host '%s' twice",
				    name, xmlGetLineNo(n), hn);
	return mc_fleet_index_set(x, &h, err);
}

mc_fleet_index *mc_fleet_index_parse(const char *buf, size_t len, const char *name, bool single,
				     mc_error *err)
{
	mc_fleet_index *x = NULL, *result = NULL;
	xmlDocPtr doc =
	    mc_xml_parse(buf, len, name, mc_schema_host_rng, "migcheck host record", err);
	if (!doc)
		goto out;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	bool is_single = xmlStrEqual(root->name, BAD_CAST "host");
	if (is_single != single) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: expected a <%s> document, not <%s>",
			     name, single ? "host" : "hosts", (const char *)root->name);
		goto out;
	}
	x = mc_fleet_index_new();
	if (is_single) {
		if (host_from_node(root, x, name, err) < 0)
			goto out;
	} else {
		for (xmlNodePtr n = root->children; n; n = n->next)
			if (n->type == XML_ELEMENT_NODE && host_from_node(n, x, name, err) < 0)
				goto out;
	}
	result = x;
	x = NULL;
out:
	if (doc)
		xmlFreeDoc(doc);
	mc_fleet_index_free(x);
	return result;
}

/* ---- push ---- */

static char *profile_url(const char *url, const char *id)
{
	g_autofree char *p = g_strdup_printf("profiles/%s.xml", id);
	return mc_url_join(url, p);
}

int mc_fleet_push(mc_http *h, const char *url, mc_db *db, const char *name, mc_fleet_stats *st,
		  mc_error *err)
{
	mc_db_host_copy hc = { 0 };
	mc_fleet_index *one = NULL;
	mc_facts *f = NULL;
	g_autofree char *pxml = NULL, *purl = NULL, *hxml = NULL, *hurl = NULL, *hpath = NULL;
	size_t plen = 0, hlen = 0;
	bool exists = false;
	int r;
	mc_fleet_stats dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!mc_fleet_name_ok(name))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "host name '%s' is not usable in a fleet store "
				    "([A-Za-z0-9][A-Za-z0-9._-]*, give --host NAME)",
				    name);
	if ((r = mc_db_get_host(db, name, &hc, err)) < 0)
		goto out;
	mc_fleet_host me = { .name = (char *)hc.h.name, .uuid = (char *)hc.h.uuid };
	g_strlcpy(me.profile, hc.h.profile_id, sizeof(me.profile));
	me.probed = mc_time_parse_iso(hc.h.probed_at);
	if (!(f = mc_db_load_profile(db, me.profile, err))) {
		r = -(err->errnum ? err->errnum : EIO);
		goto out;
	}
	/* No host inside: the bytes depend on the profile only. */
	if (!(pxml = mc_profile_to_xml(f, NULL, &plen, err))) {
		r = -EIO;
		goto out;
	}
	st->profiles = 1;
	memcpy(st->profile, me.profile, sizeof(st->profile));
	purl = profile_url(url, me.profile);
	if ((r = mc_http_head(h, purl, &exists, err)) < 0)
		goto out;
	if (exists) {
		st->profiles_present = 1;
	} else {
		if ((r = mc_http_put(h, purl, pxml, plen, "application/xml", NULL, err)) < 0)
			goto out;
		st->profiles_fetched = 1;
	}
	one = mc_fleet_index_new();
	if ((r = mc_fleet_index_set(one, &me, err)) < 0 ||
	    !(hxml = mc_fleet_index_to_xml(one, true, &hlen, err))) {
		r = r < 0 ? r : -EIO;
		goto out;
	}
	hpath = g_strdup_printf("hosts/%s.xml", name);
	hurl = mc_url_join(url, hpath);
	if ((r = mc_http_put(h, hurl, hxml, hlen, "application/xml", NULL, err)) < 0)
		goto out;
	r = 0;
out:
	mc_fleet_index_free(one);
	mc_facts_free(f);
	mc_db_host_free(&hc);
	return r;
}

/* ---- pull ---- */

typedef struct {
	char id[MC_PROFILE_ID_LEN + 1];
	mc_facts *facts;
} pulled;

static void pulled_free(gpointer p)
{
	pulled *x = p;
	mc_facts_free(x->facts);
	g_free(x);
}

/* Download and verify one profile document. */
static mc_facts *fetch_profile(mc_http *h, const char *url, const char *id, mc_error *err)
{
	g_autofree char *purl = profile_url(url, id);
	g_autofree char *shown = mc_url_for_humans(purl);
	g_autofree char *body = NULL;
	size_t len = 0;
	mc_error sub = { 0 };
	int r = mc_http_get(h, purl, &body, &len, NULL, &sub);
	if (r == -ENOENT) {
		mc_error_set(err, MC_EXIT_DATAERR, ENOENT,
			     "%s: a host record names this profile but the store does not have "
			     "it (HTTP 404)",
			     shown);
		return NULL;
	}
	if (r < 0) {
		*err = sub;
		return NULL;
	}
	mc_facts *f = mc_profile_from_xml(body, len, shown, NULL, err);
	if (!f)
		return NULL;
	char got[MC_PROFILE_ID_LEN + 1];
	if (mc_profile_id(f, got, err) < 0) {
		mc_facts_free(f);
		return NULL;
	}
	if (strcmp(got, id) != 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			     "%s: content hashes to %.12s, not to the id %.12s it is stored under",
			     shown, got, id);
		mc_facts_free(f);
		return NULL;
	}
	return f;
}

/* Host record hosts/NAME.xml (body) into x. */
static int add_record(const char *rurl, const char *name, const char *body, size_t len,
		      mc_fleet_index *x, mc_error *err)
{
	g_autofree char *shown = mc_url_for_humans(rurl);
	int r;
	mc_fleet_index *one = mc_fleet_index_parse(body, len, shown, true, err);
	if (!one)
		return -EBADMSG;
	const mc_fleet_host *e = mc_fleet_index_at(one, 0);
	if (strcmp(e->name, name) != 0)
		r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				 "%s: the record is of host '%s', not of '%s'", shown, e->name,
				 name);
	else
		r = mc_fleet_index_set(x, e, err);
	mc_fleet_index_free(one);
	return r;
}

/* Download host record hosts/NAME.xml (at rurl) and add it to x. */
static int fetch_record(mc_http *h, const char *rurl, const char *name, mc_fleet_index *x,
			mc_error *err)
{
	g_autofree char *body = NULL;
	size_t len = 0;
	mc_error sub = { 0 };
	int r = mc_http_get(h, rurl, &body, &len, NULL, &sub);
	if (r == -ENOENT) {
		g_autofree char *shown = mc_url_for_humans(rurl);
		return mc_error_set(err, MC_EXIT_DATAERR, ENOENT,
				    "%s: listed in hosts/ but not there (HTTP 404)", shown);
	}
	if (r < 0) {
		*err = sub;
		return r;
	}
	return add_record(rurl, name, body, len, x, err);
}

typedef struct {
	char **urls;
	const mc_fleet_names *names;
	mc_fleet_index *x;
	mc_fleet_progress cb;
	void *opaque;
	size_t done, n;
} records;

static void progressed(records *rs)
{
	if (rs->cb && (++rs->done % 500 == 0 || rs->done == rs->n))
		rs->cb("records", rs->done, rs->n, rs->opaque);
}

static int got_record(void *opaque, size_t i, const char *body, size_t len, mc_error *err)
{
	records *rs = opaque;
	int r = add_record(rs->urls[i], mc_fleet_names_at(rs->names, i), body, len, rs->x, err);
	if (r == 0)
		progressed(rs);
	return r;
}

/* Every listed record: MC_FLEET_PARALLEL GETs at once; those that did not
 * come back whole are asked again one by one, with retries and the usual
 * messages. */
static int fetch_records(mc_http *h, const char *url, const mc_fleet_names *names,
			 mc_fleet_index *x, mc_fleet_progress cb, void *opaque, mc_error *err)
{
	size_t n = mc_fleet_names_count(names), nfailed = 0, *failed = NULL;
	records rs = { .urls = g_new0(char *, n + 1),
		       .names = names,
		       .x = x,
		       .cb = cb,
		       .opaque = opaque,
		       .n = n };
	for (size_t i = 0; i < n; i++) {
		g_autofree char *path =
		    g_strdup_printf("hosts/%s.xml", mc_fleet_names_at(names, i));
		rs.urls[i] = mc_url_join(url, path);
	}
	int r = mc_http_get_many(h, (const char *const *)rs.urls, n, MC_FLEET_PARALLEL, got_record,
				 &rs, &failed, &nfailed, err);
	for (size_t k = 0; r == 0 && k < nfailed; k++) {
		size_t i = failed[k];
		if ((r = fetch_record(h, rs.urls[i], mc_fleet_names_at(names, i), x, err)) == 0)
			progressed(&rs);
	}
	g_free(failed);
	g_strfreev(rs.urls);
	return r;
}

/* The store's host records: every hosts/NAME.xml the listing names, merged
 * with the index.xml of the old layout when there is one (per host, the
 * record with the latest probe time; the hosts/ record on a tie). */
static mc_fleet_index *gather_hosts(mc_http *h, const char *url, const mc_fleet_pull_opts *o,
				    mc_fleet_progress cb, void *opaque, mc_fleet_stats *st,
				    mc_error *err)
{
	g_autofree char *iurl = mc_url_join(url, "index.xml");
	g_autofree char *ishown = mc_url_for_humans(iurl);
	g_autofree char *body = NULL;
	size_t len = 0;
	mc_error lerr = { 0 }, sub = { 0 };
	mc_fleet_index *x = NULL, *old = NULL;
	mc_fleet_names *names = mc_fleet_names_new();
	int lr = mc_fleet_list_hosts(h, url, o && o->s3, o ? o->max_keys : 0, names, &lerr);
	if (lr < 0 && lr != -EOPNOTSUPP) {
		*err = lerr;
		goto fail;
	}
	int r = mc_http_get(h, iurl, &body, &len, NULL, &sub);
	if (r == 0) {
		if (!(old = mc_fleet_index_parse(body, len, ishown, false, err)))
			goto fail;
		g_clear_pointer(&body, g_free);
	} else if (r != -ENOENT) {
		*err = sub;
		goto fail;
	}
	if (lr == -EOPNOTSUPP) {
		if (!old) {
			*err = lerr;
			goto fail;
		}
		st->index_only = true; /* an old store on a server that cannot list */
	}
	if (mc_fleet_names_count(names) == 0 && !old) {
		g_autofree char *shown = mc_url_for_humans(url);
		mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
			     "%s: no fleet store here (no host record in hosts/, no index.xml; "
			     "nothing pushed yet?)",
			     shown);
		goto fail;
	}
	x = mc_fleet_index_new();
	size_t n = mc_fleet_names_count(names);
	st->hosts_listed = (long)n;
	if (fetch_records(h, url, names, x, cb, opaque, err) < 0)
		goto fail;
	for (size_t i = 0; old && i < mc_fleet_index_count(old); i++) {
		const mc_fleet_host *e = mc_fleet_index_at(old, i);
		const mc_fleet_host *cur = mc_fleet_index_find(x, e->name);
		st->hosts_index++;
		if ((!cur || e->probed > cur->probed) && mc_fleet_index_set(x, e, err) < 0)
			goto fail;
	}
	mc_fleet_index_free(old);
	mc_fleet_names_free(names);
	return x;
fail:
	mc_fleet_index_free(x);
	mc_fleet_index_free(old);
	mc_fleet_names_free(names);
	return NULL;
}

int mc_fleet_pull(mc_http *h, const char *url, mc_db *db, const mc_fleet_pull_opts *o,
		  mc_fleet_progress cb, void *opaque, mc_fleet_stats *st, mc_error *err)
{
	g_autofree char *source = NULL;
	mc_fleet_index *x = NULL;
	GHashTable *profiles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, pulled_free);
	GPtrArray *order = g_ptr_array_new(); /* pulled *, in index order */
	const time_t latest = time(NULL) + MC_FLEET_FUTURE_TOLERANCE_S;
	bool in_tx = false;
	int r;
	mc_fleet_stats dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));

	if (!(x = gather_hosts(h, url, o, cb, opaque, st, err))) {
		r = -(err->errnum ? err->errnum : EIO);
		goto out;
	}
	st->hosts = (long)mc_fleet_index_count(x);

	/* Profiles: from the inventory when it has them, else from the store. */
	for (size_t i = 0; i < mc_fleet_index_count(x); i++) {
		const mc_fleet_host *e = mc_fleet_index_at(x, i);
		if (g_hash_table_contains(profiles, e->profile))
			continue;
		pulled *p = g_new0(pulled, 1);
		memcpy(p->id, e->profile, sizeof(p->id));
		g_hash_table_insert(profiles, p->id, p);
		g_ptr_array_add(order, p);
	}
	st->profiles = (long)order->len;
	for (guint i = 0; i < order->len; i++) {
		pulled *p = order->pdata[i];
		mc_error le = { 0 };
		int have = mc_db_has_profile(db, p->id, &le);
		if (have < 0) {
			*err = le;
			r = have;
			goto out;
		}
		if (have) {
			st->profiles_present++;
			continue;
		}
		if (!(p->facts = fetch_profile(h, url, p->id, err))) {
			r = -(err->errnum ? err->errnum : EIO);
			goto out;
		}
		st->profiles_fetched++;
		if (cb)
			cb("profiles", (size_t)st->profiles_fetched,
			   (size_t)(st->profiles - st->profiles_present), opaque);
	}

	/* Everything is here and verified: one transaction. */
	{
		g_autofree char *base = mc_url_for_humans(url);
		source = g_strdup_printf("fleet %s", base);
	}
	if ((r = mc_db_begin(db, err)) < 0)
		goto out;
	in_tx = true;
	/* Each new profile is stored once; hosts then point at it by id. */
	for (guint i = 0; i < order->len; i++) {
		pulled *p = order->pdata[i];
		char id[MC_PROFILE_ID_LEN + 1];
		if (p->facts && (r = mc_db_store_profile(db, p->facts, id, err)) < 0)
			goto out;
	}
	for (size_t i = 0; i < mc_fleet_index_count(x); i++) {
		const mc_fleet_host *e = mc_fleet_index_at(x, i);
		mc_db_host_copy hc = { 0 };
		mc_error le = { 0 };
		char ts[32];
		mc_time_iso(e->probed, ts, sizeof(ts));
		if (e->probed > latest) {
			st->hosts_future++;
			continue;
		}
		if (mc_db_get_host(db, e->name, &hc, &le) == 0) {
			int cmp = g_strcmp0(hc.h.probed_at, ts);
			bool same = cmp == 0 && !strcmp(hc.h.profile_id, e->profile);
			mc_db_host_free(&hc);
			if (same) {
				st->hosts_unchanged++;
				continue;
			}
			if (cmp > 0) {
				st->hosts_newer_local++;
				continue;
			}
		} else if (le.errnum != ENOENT) {
			*err = le;
			r = -le.errnum;
			goto out;
		}
		mc_host_info hi = { .name = e->name, .uuid = e->uuid, .probed = e->probed };
		if ((r = mc_db_point_host(db, &hi, e->profile, source, err)) < 0)
			goto out;
		st->hosts_stored++;
		if (cb && (st->hosts_stored % 500 == 0))
			cb("hosts", i + 1, mc_fleet_index_count(x), opaque);
	}
	if ((r = mc_db_commit(db, err)) < 0)
		goto out;
	in_tx = false;
	if (cb)
		cb("hosts", mc_fleet_index_count(x), mc_fleet_index_count(x), opaque);
	r = 0;
out:
	if (in_tx)
		mc_db_rollback(db);
	g_ptr_array_free(order, TRUE);
	g_hash_table_destroy(profiles);
	mc_fleet_index_free(x);
	return r;
}
