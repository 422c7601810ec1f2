/* Parsing libvirt's capabilities and domain-capabilities XML into qemu.*
 * facts. Pure functions: the unit tests feed them documents captured from
 * real libvirt daemons (tests/data/libvirt). */
#include "probes/qemu_caps.h"

#include <errno.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/base/xml.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_XML_BYTES (16u << 20)

static bool attr_is(const xmlNode *n, const char *name, const char *want)
{
	g_autofree char *a = mc_xml_attr(n, name);
	return a && strcmp(a, want) == 0;
}

static xmlDoc *parse_doc(const char *xml, size_t len, const char *name, mc_error *err)
{
	if (len > MAX_XML_BYTES) {
		mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: document larger than %u bytes", name,
			     MAX_XML_BYTES);
		return NULL;
	}
	xmlDoc *doc = mc_xml_parse(xml, len, name, NULL, NULL, err);
	if (!doc)
		return NULL;
	return doc;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, de-duplicated, comma-joined values of an <enum> (or of the
 * <value> children of any element); NULL when there are none. */
static char *values_of(const xmlNode *n)
{
	g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
	for (xmlNode *c = n->children; c; c = c->next) {
		if (!mc_xml_is(c, "value"))
			continue;
		char *t = mc_xml_text(c);
		if (*t && !strchr(t, ','))
			g_ptr_array_add(v, t);
		else
			g_free(t);
	}
	if (!v->len)
		return NULL;
	g_ptr_array_sort(v, cmp_str);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < v->len; i++) {
		if (i && strcmp(v->pdata[i], v->pdata[i - 1]) == 0)
			continue;
		g_string_append_printf(s, "%s%s", s->len ? "," : "", (char *)v->pdata[i]);
	}
	return g_string_free(s, FALSE);
}

static int set(mc_facts *out, const char *domain, const char *key, const char *value,
	       const char *name, mc_error *err)
{
	mc_error sub = { 0 };
	if (mc_facts_set(out, domain, key, value, &sub) < 0)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: %s", name, sub.msg);
	return 0;
}

/* An element of the <supported='yes|no'> kind: when supported, PREFIX = 1,
 * PREFIX.ENUM = values for each non-empty <enum>, PREFIX.CHILD = text for
 * each simple child (sev's cbitpos, ...), PREFIX.value = <value> children.
 * A NULL prefix (the <os> element) drops the "PREFIX = 1" fact and the
 * "PREFIX." of the keys. */
static int supported_el(const xmlNode *n, const char *domain, const char *prefix, mc_facts *out,
			const char *name, mc_error *err)
{
	if (!attr_is(n, "supported", "yes"))
		return 0;
	int r = prefix ? set(out, domain, prefix, "1", name, err) : 0;
#define SUBKEY(k) (prefix ? g_strdup_printf("%s.%s", prefix, (k)) : g_strdup(k))
	for (xmlNode *c = n->children; c && r == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || mc_xml_is(c, "value"))
			continue;
		if (mc_xml_is(c, "enum")) {
			g_autofree char *en = mc_xml_attr(c, "name");
			g_autofree char *vals = values_of(c);
			if (!en || !vals)
				continue;
			g_autofree char *key = SUBKEY(en);
			r = set(out, domain, key, vals, name, err);
		} else if (mc_xml_child(c, "enum") || mc_xml_child(c, "value")) {
			/* a nested capability (os/loader) */
			g_autofree char *p2 = SUBKEY((const char *)c->name);
			r = supported_el(c, domain, p2, out, name, err);
		} else if (!c->children ||
			   (c->children->type == XML_TEXT_NODE && !c->children->next)) {
			g_autofree char *t = mc_xml_text(c);
			if (!*t)
				continue;
			g_autofree char *key = SUBKEY((const char *)c->name);
			r = set(out, domain, key, t, name, err);
		}
	}
	if (r == 0) {
		g_autofree char *vals = values_of(n);
		if (vals) {
			g_autofree char *key = SUBKEY("value");
			r = set(out, domain, key, vals, name, err);
		}
	}
	return r;
#undef SUBKEY
}

/* ---- <capabilities> ---- */

typedef struct {
	xmlNode *arch; /* <guest><arch> of the host architecture, hvm */
	xmlNode *dom;  /* its <domain> of the chosen virttype */
	char *arch_name;
	char *virttype;
} caps_guest;

static void caps_guest_clear(caps_guest *g)
{
	g_free(g->arch_name);
	g_free(g->virttype);
}

static int find_guest(xmlNode *root, const char *name, caps_guest *g, mc_error *err)
{
	memset(g, 0, sizeof(*g));
	g_autofree char *host_arch =
	    mc_xml_text(mc_xml_child(mc_xml_child(mc_xml_child(root, "host"), "cpu"), "arch"));
	if (!*host_arch)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: capabilities without <host><cpu><arch>", name);
	for (xmlNode *gn = root->children; gn; gn = gn->next) {
		if (!mc_xml_is(gn, "guest"))
			continue;
		g_autofree char *ostype = mc_xml_text(mc_xml_child(gn, "os_type"));
		xmlNode *a = mc_xml_child(gn, "arch");
		if (strcmp(ostype, "hvm") != 0 || !a || !attr_is(a, "name", host_arch))
			continue;
		xmlNode *best = NULL;
		for (xmlNode *d = a->children; d; d = d->next) {
			if (!mc_xml_is(d, "domain"))
				continue;
			if (attr_is(d, "type", "kvm")) {
				best = d;
				break;
			}
			if (!best && attr_is(d, "type", "qemu"))
				best = d;
		}
		if (!best)
			continue;
		g->arch = a;
		g->dom = best;
		g->arch_name = g_strdup(host_arch);
		g->virttype = mc_xml_attr(best, "type");
		return 0;
	}
	return mc_error_set(err, MC_EXIT_DATAERR, ENOENT,
			    "%s: libvirt offers no QEMU guest for the host architecture %s", name,
			    host_arch);
}

static int parse_caps(xmlNode *root, const char *name, mc_facts *out, mc_error *err)
{
	caps_guest g;
	int r = find_guest(root, name, &g, err);
	if (r < 0)
		return r;
	if ((r = set(out, "qemu", "arch", g.arch_name, name, err)) < 0 ||
	    (r = set(out, "qemu", "virttype", g.virttype, name, err)) < 0)
		goto out;
	/* A <domain> with its own machine list (older libvirt, separate KVM
	 * binaries) replaces the architecture's list. */
	xmlNode *list = mc_xml_child(g.dom, "machine") ? g.dom : g.arch;
	for (xmlNode *m = list->children; m && r == 0; m = m->next) {
		if (!mc_xml_is(m, "machine"))
			continue;
		g_autofree char *mname = mc_xml_text(m);
		g_autofree char *canon = mc_xml_attr(m, "canonical");
		if (!*mname)
			continue;
		g_autofree char *v =
		    canon ? g_strdup_printf("alias %s", canon)
			  : g_strdup(attr_is(m, "deprecated", "yes") ? "deprecated" : "1");
		r = set(out, "qemu.machine", mname, v, name, err);
	}
out:
	caps_guest_clear(&g);
	return r;
}

int mc_qemu_caps_guest(const char *xml, size_t len, const char *name, char **arch, char **virttype,
		       mc_error *err)
{
	xmlDoc *doc = parse_doc(xml, len, name, err);
	if (!doc)
		return -EINVAL;
	xmlNode *root = xmlDocGetRootElement(doc);
	caps_guest g = { 0 };
	int r = mc_xml_is(root, "capabilities")
		    ? find_guest(root, name, &g, err)
		    : mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not a capabilities document",
				   name);
	if (r == 0) {
		*arch = g_steal_pointer(&g.arch_name);
		*virttype = g_steal_pointer(&g.virttype);
	}
	caps_guest_clear(&g);
	xmlFreeDoc(doc);
	return r;
}

/* ---- <domainCapabilities> ---- */

/* <mode name='custom'>: each <model> as DOMAIN MODEL usable|unusable|unknown
 * [deprecated], libvirt's own answer for the document's virttype. */
static int custom_models(xmlNode *mode, const char *domain, const char *name, mc_facts *out,
			 mc_error *err)
{
	int r = 0;
	for (xmlNode *m = mode->children; m && r == 0; m = m->next) {
		if (!mc_xml_is(m, "model"))
			continue;
		g_autofree char *model = mc_xml_text(m);
		g_autofree char *usable = mc_xml_attr(m, "usable");
		if (!*model)
			continue;
		const char *u = !usable                      ? "unknown"
				: strcmp(usable, "yes") == 0 ? "usable"
				: strcmp(usable, "no") == 0  ? "unusable"
							     : "unknown";
		g_autofree char *v = g_strdup_printf(
		    "%s%s", u, attr_is(m, "deprecated", "yes") ? " deprecated" : "");
		r = set(out, domain, model, v, name, err);
	}
	return r;
}

static int parse_cpu(xmlNode *cpu, const char *name, mc_facts *out, mc_error *err)
{
	int r = 0;
	for (xmlNode *mode = cpu ? cpu->children : NULL; mode && r == 0; mode = mode->next) {
		if (!mc_xml_is(mode, "mode"))
			continue;
		g_autofree char *mname = mc_xml_attr(mode, "name");
		if (!mname || !attr_is(mode, "supported", "yes"))
			continue;
		if ((r = set(out, "qemu.cpu_mode", mname, "1", name, err)) < 0)
			break;
		if (strcmp(mname, "host-model") == 0) {
			g_autofree char *model = mc_xml_text(mc_xml_child(mode, "model"));
			g_autofree char *vendor = mc_xml_text(mc_xml_child(mode, "vendor"));
			if (*model &&
			    (r = set(out, "qemu.host_model", "model", model, name, err)) < 0)
				break;
			if (*vendor &&
			    (r = set(out, "qemu.host_model", "vendor", vendor, name, err)) < 0)
				break;
			for (xmlNode *f = mode->children; f && r == 0; f = f->next) {
				g_autofree char *fn =
				    mc_xml_is(f, "feature") ? mc_xml_attr(f, "name") : NULL;
				g_autofree char *pol = fn ? mc_xml_attr(f, "policy") : NULL;
				if (!fn || !pol)
					continue;
				g_autofree char *key = g_strdup_printf("feature.%s", fn);
				r = set(out, "qemu.host_model", key, pol, name, err);
			}
		} else if (strcmp(mname, "custom") == 0) {
			r = custom_models(mode, "qemu.cpu", name, out, err);
		}
	}
	return r;
}

static int parse_domcaps(xmlNode *root, const char *name, mc_facts *out, mc_error *err)
{
	int r = 0;
	static const char *const simple[][2] = {
		{ "domain", "virttype" },
		{ "arch", "arch" },
		{ "machine", "default_machine" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(simple) && r == 0; i++) {
		g_autofree char *t = mc_xml_text(mc_xml_child(root, simple[i][0]));
		if (*t)
			r = set(out, "qemu", simple[i][1], t, name, err);
	}
	xmlNode *vcpu = mc_xml_child(root, "vcpu");
	g_autofree char *max = vcpu ? mc_xml_attr(vcpu, "max") : NULL;
	if (r == 0 && max)
		r = set(out, "qemu", "max_vcpus", max, name, err);
	for (xmlNode *c = root->children; c && r == 0; c = c->next) {
		if (mc_xml_is(c, "os"))
			r = supported_el(c, "qemu.os", NULL, out, name, err);
		else if (mc_xml_is(c, "cpu"))
			r = parse_cpu(c, name, out, err);
		else if (mc_xml_is(c, "iothreads") || mc_xml_is(c, "memoryBacking"))
			r = supported_el(c, "qemu.feature", (const char *)c->name, out, name, err);
		else if (mc_xml_is(c, "devices") || mc_xml_is(c, "features")) {
			const char *dom = mc_xml_is(c, "devices") ? "qemu.device" : "qemu.feature";
			for (xmlNode *d = c->children; d && r == 0; d = d->next)
				if (d->type == XML_ELEMENT_NODE)
					r = supported_el(d, dom, (const char *)d->name, out, name,
							 err);
		}
	}
	return r;
}

int mc_qemu_caps_parse(const char *xml, size_t len, const char *name, mc_facts *out, mc_error *err)
{
	xmlDoc *doc = parse_doc(xml, len, name, err);
	if (!doc)
		return -EINVAL;
	xmlNode *root = xmlDocGetRootElement(doc);
	int r;
	if (mc_xml_is(root, "capabilities"))
		r = parse_caps(root, name, out, err);
	else if (mc_xml_is(root, "domainCapabilities"))
		r = parse_domcaps(root, name, out, err);
	else
		r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				 "%s: root element <%s> is neither <capabilities> nor "
				 "<domainCapabilities>",
				 name, root ? (const char *)root->name : "");
	xmlFreeDoc(doc);
	return r;
}

const char *mc_qemu_version_str(unsigned long v, char *buf, size_t len)
{
	snprintf(buf, len, "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
	return buf;
}

int mc_qemu_version_cmp(const char *a, const char *b)
{
	while ((a && *a) || (b && *b)) {
		char *ea = NULL, *eb = NULL;
		unsigned long x = a && *a ? strtoul(a, &ea, 10) : 0;
		unsigned long y = b && *b ? strtoul(b, &eb, 10) : 0;
		if (x != y)
			return x < y ? -1 : 1;
		a = ea ? (*ea == '.' ? ea + 1 : (*ea ? ea + strlen(ea) : ea)) : NULL;
		b = eb ? (*eb == '.' ? eb + 1 : (*eb ? eb + strlen(eb) : eb)) : NULL;
	}
	return 0;
}

char *mc_qemu_caps_host_uuid(const char *xml, size_t len)
{
	xmlDoc *doc = parse_doc(xml, len, "capabilities", NULL);
	if (!doc)
		return NULL;
	xmlNode *root = xmlDocGetRootElement(doc);
	char *u = mc_xml_is(root, "capabilities")
		      ? mc_xml_text(mc_xml_child(mc_xml_child(root, "host"), "uuid"))
		      : NULL;
	xmlFreeDoc(doc);
	if (u && !*u) {
		g_free(u);
		u = NULL;
	}
	return u;
}

int mc_qemu_caps_cpu_models(const char *xml, size_t len, const char *name, const char *domain,
			    mc_facts *out, mc_error *err)
{
	xmlDoc *doc = parse_doc(xml, len, name, err);
	if (!doc)
		return -EINVAL;
	xmlNode *root = xmlDocGetRootElement(doc);
	int r = 0;
	if (!mc_xml_is(root, "domainCapabilities"))
		r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				 "%s: root element <%s> is not <domainCapabilities>", name,
				 root ? (const char *)root->name : "");
	xmlNode *cpu = r == 0 ? mc_xml_child(root, "cpu") : NULL;
	for (xmlNode *mode = cpu ? cpu->children : NULL; mode && r == 0; mode = mode->next)
		if (mc_xml_is(mode, "mode") && attr_is(mode, "name", "custom") &&
		    attr_is(mode, "supported", "yes"))
			r = custom_models(mode, domain, name, out, err);
	xmlFreeDoc(doc);
	return r;
}
