/* migcheck — XML plumbing shared by every module that reads or writes XML:
 * safe parsing of untrusted documents with RelaxNG validation, and a memory
 * writer. */
#ifndef MC_XML_H
#define MC_XML_H

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"

/* Parse an untrusted document (no network, no entity expansion, no DTD
 * loading, size-checked; a document with a DOCTYPE is refused before any of
 * its declarations is read: "NAME: DOCTYPE not allowed ...", exit 65) and,
 * when `rng` (an embedded RelaxNG grammar) is given, validate it. Errors
 * name the input: "NAME: malformed XML: line N: ..." or "NAME: not a WHAT:
 * ..." (exit 65). Caller frees with xmlFreeDoc. */
xmlDocPtr mc_xml_parse(const char *buf, size_t len, const char *name, const char *rng,
		       const char *what, mc_error *err);

/* Attribute value as a g_malloc'd string, or NULL (also for a NULL node). */
char *mc_xml_attr(const xmlNode *n, const char *name);
/* Element test, first child element of that name (or NULL), and stripped
 * text content (g_malloc'd, "" when none). All accept a NULL node. */
bool mc_xml_is(const xmlNode *n, const char *name);
xmlNode *mc_xml_child(const xmlNode *n, const char *name);
char *mc_xml_text(const xmlNode *n);

/* A text writer on a memory buffer, indented, with the XML declaration
 * written. */
typedef struct mc_xml_out {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
} mc_xml_out;

int mc_xml_out_open(mc_xml_out *x, mc_error *err);
/* End the document and return it (g_free) when `ok`; always releases the
 * writer. `what` names the document in errors. */
char *mc_xml_out_close(mc_xml_out *x, bool ok, size_t *len, const char *what, mc_error *err);

#endif
