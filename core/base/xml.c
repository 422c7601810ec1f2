#include "core/base/xml.h"

#include <errno.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* libxml2 reports problems through callbacks; keep the first one. */
typedef struct {
	char msg[512];
} xml_diag;

static void on_structured(void *ctx, const xmlError *e)
{
	xml_diag *d = ctx;
	if (d->msg[0] || !e || !e->message)
		return;
	snprintf(d->msg, sizeof(d->msg), "line %d: %s", e->line, e->message);
	g_strchomp(d->msg);
}

static void on_generic(void *ctx, const char *fmt, ...)
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

/* A DOCTYPE is where entities are declared; libvirt and migcheck never write
 * one. Stop at its start, before any declaration in it is read: no entity can
 * be defined, so none can be expanded (by the parser or later when text and
 * attributes are read), and nothing external is loaded. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	xmlStopParser((xmlParserCtxtPtr)ctx);
}

static bool has_dtd(const xmlDoc *doc)
{
	if (doc->intSubset || doc->extSubset)
		return true;
	for (const xmlNode *n = doc->children; n; n = n->next)
		if (n->type == XML_DTD_NODE)
			return true;
	return false;
}

/* Embedded grammars are parsed once and live for the process. */
static xmlRelaxNGPtr grammar(const char *rng)
{
	static GHashTable *cache; /* rng text pointer -> xmlRelaxNGPtr */
	if (!cache)
		cache = g_hash_table_new(g_direct_hash, g_direct_equal);
	xmlRelaxNGPtr s = g_hash_table_lookup(cache, rng);
	if (s)
		return s;
	xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(rng, (int)strlen(rng));
	if (!pc)
		return NULL;
	s = xmlRelaxNGParse(pc);
	xmlRelaxNGFreeParserCtxt(pc);
	if (s)
		g_hash_table_insert(cache, (gpointer)rng, s);
	return s;
}

xmlDocPtr mc_xml_parse(const char *buf, size_t len, const char *name, const char *rng,
		       const char *what, mc_error *err)
{
	xml_diag d = { { 0 } };
	xmlDocPtr doc = NULL;
	xmlRelaxNGValidCtxtPtr vc = NULL;
	if (len > INT_MAX) {
		mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: document too large", name);
		return NULL;
	}
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	if (!pc) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	pc->sax->internalSubset = on_doctype;
	xmlSetStructuredErrorFunc(&d, (xmlStructuredErrorFunc)on_structured);
	/* No network, no entity substitution, no DTD loading (never
	 * XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR or
	 * XML_PARSE_HUGE), and no DOCTYPE at all: untrusted input. */
	doc = xmlCtxtReadMemory(pc, buf, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	bool stopped = pc->errNo == XML_ERR_USER_STOP;
	xmlFreeParserCtxt(pc);
	if (stopped || (doc && has_dtd(doc))) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "%s: DOCTYPE not allowed (no entity declarations; libvirt and "
			     "migcheck never write one)",
			     name);
		goto fail;
	}
	if (!doc) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: malformed XML: %s", name,
			     d.msg[0] ? d.msg : "unparsable");
		goto fail;
	}
	if (!rng)
		goto out;
	xmlRelaxNGPtr schema = grammar(rng);
	if (!schema) {
		mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL,
			     "built-in grammar for %s does not parse", what);
		goto fail;
	}
	vc = xmlRelaxNGNewValidCtxt(schema);
	if (!vc) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	xmlRelaxNGSetValidErrors(vc, on_generic, on_generic, &d);
	xmlRelaxNGSetValidStructuredErrors(vc, (xmlStructuredErrorFunc)on_structured, &d);
	if (xmlRelaxNGValidateDoc(vc, doc) != 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not a %s: %s", name, what,
			     d.msg[0] ? d.msg : "schema validation failed");
		goto fail;
	}
	goto out;
fail:
	if (doc)
		xmlFreeDoc(doc);
	doc = NULL;
out:
	if (vc)
		xmlRelaxNGFreeValidCtxt(vc);
	xmlSetStructuredErrorFunc(NULL, NULL);
	return doc;
}

char *mc_xml_attr(const xmlNode *n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
	if (!v)
		return NULL;
	char *s = g_strdup((const char *)v);
	xmlFree(v);
	return s;
}

bool mc_xml_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

xmlNode *mc_xml_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (mc_xml_is(c, name))
			return c;
	return NULL;
}

char *mc_xml_text(const xmlNode *n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	char *s = g_strstrip(g_strdup(t ? (const char *)t : ""));
	xmlFree(t);
	return s;
}

int mc_xml_out_open(mc_xml_out *x, mc_error *err)
{
	x->buf = xmlBufferCreate();
	x->w = x->buf ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
	if (!x->w)
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "XML writer: out of memory");
	xmlTextWriterSetIndent(x->w, 1);
	xmlTextWriterSetIndentString(x->w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL) < 0)
		return mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "XML writer failed");
	return 0;
}

char *mc_xml_out_close(mc_xml_out *x, bool ok, size_t *len, const char *what, mc_error *err)
{
	char *out = NULL;
	if (x->w) {
		if (ok && xmlTextWriterEndDocument(x->w) < 0)
			ok = false;
		xmlFreeTextWriter(x->w); /* flushes into buf */
		x->w = NULL;
	}
	if (ok && x->buf) {
		out = g_strndup((const char *)xmlBufferContent(x->buf),
				(gsize)xmlBufferLength(x->buf));
		if (len)
			*len = (size_t)xmlBufferLength(x->buf);
	} else {
		mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "%s: XML writer failed", what);
	}
	if (x->buf)
		xmlBufferFree(x->buf);
	x->buf = NULL;
	return out;
}
