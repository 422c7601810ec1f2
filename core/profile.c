#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mc_profile_id(const mc_facts *f, char id[MC_PROFILE_ID_LEN + 1], mc_error *err)
{
	size_t len = 0;
	char *canon = mc_facts_canonical(f, &len);
	if (!canon)
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "profile id: out of memory");
	g_autofree char *hex =
	    g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)canon, len);
	free(canon);
	memcpy(id, hex, MC_PROFILE_ID_LEN);
	id[MC_PROFILE_ID_LEN] = '\0';
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
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

time_t mc_time_parse_iso(const char *s)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, NULL);
	return dt ? (time_t)g_date_time_to_unix(dt) : 0;
}

char *mc_profile_to_xml(const mc_facts *f, const mc_host_info *host, size_t *len, mc_error *err)
{
	char id[MC_PROFILE_ID_LEN + 1];
	char *out = NULL;
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	int r = mc_profile_id(f, id, err);
	if (r < 0)
		return NULL;
	buf = xmlBufferCreate();
	if (!buf || !(w = xmlNewTextWriterMemory(buf, 0))) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "profile XML: out of memory");
		goto out;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(w, NULL, BAD_CAST "profile", BAD_CAST MC_PROFILE_NS) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST id) < 0)
		goto werr;
	if (host && host->name) {
		char ts[32];
		if (xmlTextWriterStartElement(w, BAD_CAST "host") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST host->name) < 0)
			goto werr;
		if (host->probed && xmlTextWriterWriteAttribute(
					w, BAD_CAST "probed",
					BAD_CAST mc_time_iso(host->probed, ts, sizeof(ts))) < 0)
			goto werr;
		if (host->uuid &&
		    xmlTextWriterWriteAttribute(w, BAD_CAST "uuid", BAD_CAST host->uuid) < 0)
			goto werr;
		if (xmlTextWriterEndElement(w) < 0)
			goto werr;
	}
	for (size_t i = 0; i < mc_facts_count(f); i++) {
		const mc_fact *x = mc_facts_at(f, i);
		if (xmlTextWriterStartElement(w, BAD_CAST "fact") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "domain", BAD_CAST x->domain) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "key", BAD_CAST x->key) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "value", BAD_CAST x->value) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			goto werr;
	}
	if (xmlTextWriterEndDocument(w) < 0)
		goto werr;
	xmlFreeTextWriter(w);
	w = NULL;
	out = g_strndup((const char *)xmlBufferContent(buf), (gsize)xmlBufferLength(buf));
	if (len)
		*len = (size_t)xmlBufferLength(buf);
	goto out;
werr:
	mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "profile XML: writer failed");
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return out;
}

/* libxml2 reports problems through callbacks; keep the first one as text. */
typedef struct {
	char msg[512];
} xml_diag;

static void xml_structured_error(void *ctx, const xmlError *e)
{
	xml_diag *d = ctx;
	if (d->msg[0] || !e || !e->message)
		return;
	snprintf(d->msg, sizeof(d->msg), "line %d: %s", e->line, e->message);
	g_strchomp(d->msg);
}

static void xml_generic_error(void *ctx, const char *fmt, ...)
{
	xml_diag *d = ctx;
	if (d->msg[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	g_strchomp(d->msg);
}

static xmlRelaxNGPtr profile_schema(void)
{
	static xmlRelaxNGPtr schema; /* parsed once, lives for the process */
	if (schema)
		return schema;
	xmlRelaxNGParserCtxtPtr pc =
	    xmlRelaxNGNewMemParserCtxt(mc_schema_profile_rng, (int)strlen(mc_schema_profile_rng));
	if (!pc)
		return NULL;
	schema = xmlRelaxNGParse(pc);
	xmlRelaxNGFreeParserCtxt(pc);
	return schema;
}

static char *xml_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	if (!v)
		return NULL;
	char *s = g_strdup((const char *)v);
	xmlFree(v);
	return s;
}

mc_facts *mc_profile_from_xml(const char *buf, size_t len, const char *name, mc_host_info *host,
			      mc_error *err)
{
	xml_diag diag = { { 0 } };
	xmlDocPtr doc = NULL;
	xmlRelaxNGValidCtxtPtr vc = NULL;
	mc_facts *f = NULL;
	mc_facts *result = NULL;
	g_autofree char *want_id = NULL;

	if (len > MC_PROFILE_MAX_BYTES || len > INT_MAX) {
		mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: document larger than %u bytes", name,
			     MC_PROFILE_MAX_BYTES);
		goto out;
	}
	xmlParserCtxtPtr pctx = xmlNewParserCtxt();
	if (!pctx) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	xmlSetStructuredErrorFunc(&diag, (xmlStructuredErrorFunc)xml_structured_error);
	/* No network, no entity substitution, no DTD loading: untrusted input. */
	doc = xmlCtxtReadMemory(pctx, buf, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	xmlFreeParserCtxt(pctx);
	if (!doc) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: malformed XML: %s", name,
			     diag.msg[0] ? diag.msg : "unparsable");
		goto out;
	}
	xmlRelaxNGPtr schema = profile_schema();
	if (!schema) {
		mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL,
			     "built-in profile schema does not parse");
		goto out;
	}
	vc = xmlRelaxNGNewValidCtxt(schema);
	if (!vc) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	xmlRelaxNGSetValidErrors(vc, xml_generic_error, xml_generic_error, &diag);
	xmlRelaxNGSetValidStructuredErrors(vc, (xmlStructuredErrorFunc)xml_structured_error, &diag);
	if (xmlRelaxNGValidateDoc(vc, doc) != 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "%s: not a migcheck profile document: %s", name,
			     diag.msg[0] ? diag.msg : "schema validation failed");
		goto out;
	}
	f = mc_facts_new();
	if (!f) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		goto out;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	want_id = xml_attr(root, "id");
	bool have_host = false;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(n->name, BAD_CAST "host")) {
			if (host && !have_host) {
				host->name = xml_attr(n, "name");
				host->uuid = xml_attr(n, "uuid");
				g_autofree char *p = xml_attr(n, "probed");
				host->probed = p ? mc_time_parse_iso(p) : 0;
			}
			have_host = true;
			continue;
		}
		g_autofree char *d = xml_attr(n, "domain");
		g_autofree char *k = xml_attr(n, "key");
		g_autofree char *v = xml_attr(n, "value");
		mc_error sub = { 0 };
		if (mc_facts_add(f, d, k, v, &sub) < 0) {
			mc_error_set(err, sub.exit_code, sub.errnum, "%s: line %ld: %s", name,
				     xmlGetLineNo(n), sub.msg);
			goto out;
		}
	}
	if (want_id) {
		char id[MC_PROFILE_ID_LEN + 1];
		if (mc_profile_id(f, id, err) < 0)
			goto out;
		if (strcmp(id, want_id) != 0) {
			mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				     "%s: profile id %.12s does not match its content (%.12s)",
				     name, want_id, id);
			goto out;
		}
	}
	result = f;
	f = NULL;
out:
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (vc)
		xmlRelaxNGFreeValidCtxt(vc);
	if (doc)
		xmlFreeDoc(doc);
	mc_facts_free(f);
	if (!result && host)
		mc_host_info_clear(host);
	return result;
}

char *mc_read_file(const char *path, size_t *len, mc_error *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (mc_error_set(err, 0, errno, "%s: %s", path, g_strerror(errno)), NULL);
	GString *s = g_string_sized_new(65536);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mc_error_set(err, MC_EXIT_IOERR, errno, "%s: read: %s", path,
				     g_strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (s->len + (size_t)n > MC_PROFILE_MAX_BYTES) {
			mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: larger than %u bytes", path,
				     MC_PROFILE_MAX_BYTES);
			goto fail;
		}
		g_string_append_len(s, chunk, n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	*len = s->len;
	return g_string_free(s, FALSE);
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	g_string_free(s, TRUE);
	return NULL;
}

mc_facts *mc_profile_load_file(const char *path, mc_host_info *host, mc_error *err)
{
	size_t len = 0;
	g_autofree char *buf = mc_read_file(path, &len, err);
	if (!buf)
		return NULL;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	size_t i = 0;
	while (i < len && g_ascii_isspace(buf[i]))
		i++;
	if (i < len && buf[i] == '<')
		return mc_profile_from_xml(buf, len, name, host, err);
	if (len == 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: empty file", name);
		return NULL;
	}
	if (!g_utf8_validate(buf, (gssize)len, NULL)) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not UTF-8 text", name);
		return NULL;
	}
	return mc_facts_parse(buf, len, name, err);
}
