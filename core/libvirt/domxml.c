#include "core/libvirt/domxml.h"

#include <errno.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/base/xml.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_XML_BYTES (16u << 20)

void mc_guest_free(mc_guest *g)
{
	if (!g)
		return;
	g_free(g->name);
	g_free(g->uuid);
	g_free(g->virttype);
	g_free(g->arch);
	g_free(g->machine);
	mc_pins_free(g->pins);
	g_free(g->meta_host);
	mc_pins_free(g->meta_pins);
	mc_facts_free(g->meta_facts);
	for (size_t i = 0; i < g->n_hostdevs; i++) {
		g_free(g->hostdevs[i].id);
		g_free(g->hostdevs[i].alias);
		g_free(g->hostdevs[i].enable_migration);
	}
	g_free(g->hostdevs);
	g_free(g);
}

static bool is_hex_id(const char *s)
{
	if (!s || strlen(s) != MC_PROFILE_ID_LEN)
		return false;
	for (; *s; s++)
		if (!g_ascii_isxdigit(*s) || g_ascii_isupper(*s))
			return false;
	return true;
}

/* <migcheck:migration> inside <metadata>. */
/* Strict base64 (RFC 4648 alphabet, padding only at the end, a multiple of
 * four characters; white space between them allowed, as libvirt may indent):
 * anything else is refused, not decoded into something shorter. */
static bool is_base64(const char *s)
{
	size_t n = 0, pad = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (g_ascii_isspace(c))
			continue;
		if (c == '=') {
			pad++;
		} else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
			return false;
		}
		n++;
	}
	return n > 0 && n % 4 == 0 && pad <= 2;
}

static int parse_meta(xmlNode *m, mc_guest *g, const char *name, mc_error *err)
{
	mc_error sub = { 0 };
	g_autofree char *version = mc_xml_attr(m, "version");
	if (!version || strcmp(version, "1") != 0)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: migcheck metadata version '%s' is not 1", name,
				    version ? version : "(none)");
	xmlNode *src = mc_xml_child(m, "source");
	g_autofree char *host = mc_xml_attr(src, "host");
	g_autofree char *profile = mc_xml_attr(src, "profile");
	g_autofree char *t = mc_xml_attr(src, "time");
	if (!src || !host || !*host || !profile || !t)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: migcheck metadata lacks <source host= profile= time=>",
				    name);
	if (!is_hex_id(profile))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: migcheck metadata: '%s' is not a profile id", name,
				    profile);
	g->meta_time = mc_time_parse_iso(t);
	if (g->meta_time == (time_t)-1)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: migcheck metadata: bad time '%s'", name, t);
	g->meta_host = g_steal_pointer(&host);
	g_strlcpy(g->meta_profile, profile, sizeof(g->meta_profile));
	g->meta_pins = mc_pins_new();
	for (xmlNode *c = m->children; c; c = c->next) {
		if (mc_xml_is(c, "pin")) {
			g_autofree char *pn = mc_xml_attr(c, "name");
			g_autofree char *pv = mc_xml_attr(c, "value");
			if (!pn || !pv || mc_pins_set(g->meta_pins, pn, pv, &sub) < 0)
				return mc_error_set(
				    err, MC_EXIT_DATAERR, EINVAL, "%s: migcheck metadata: %s", name,
				    pn && pv ? sub.msg : "<pin> without name/value");
		} else if (mc_xml_is(c, "profile")) {
			g_autofree char *enc = mc_xml_attr(c, "encoding");
			g_autofree char *b64 = mc_xml_text(c);
			if (!enc || strcmp(enc, "base64") != 0)
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: migcheck metadata: <profile> encoding is "
						    "not base64",
						    name);
			gsize n = 0;
			/* g_base64_decode skips what is not base64: checked first */
			g_autofree guchar *raw = is_base64(b64) ? g_base64_decode(b64, &n) : NULL;
			char id[MC_PROFILE_ID_LEN + 1];
			g->meta_facts =
			    raw ? mc_facts_parse((const char *)raw, n, name, &sub) : NULL;
			if (!g->meta_facts)
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: migcheck metadata: embedded profile: %s",
						    name, raw ? sub.msg : "not base64");
			if (mc_profile_id(g->meta_facts, id, &sub) < 0 || strcmp(id, profile) != 0)
				return mc_error_set(
				    err, MC_EXIT_DATAERR, EINVAL,
				    "%s: migcheck metadata: the embedded profile is "
				    "%.12s, not the %.12s it claims",
				    name, id, profile);
		}
	}
	g->has_meta = true;
	return 0;
}

static int set_pin(mc_pins *p, const char *n, const char *v, const char *name, mc_error *err)
{
	mc_error sub = { 0 };
	if (mc_pins_set(p, n, v, &sub) < 0)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: %s", name, sub.msg);
	return 0;
}

/* x86 CPU: CPU=, CPU_DISABLE= and CPU_ENABLE= as libvirt would start it: a
 * named model's features with policy disable/forbid are off, require/force
 * on (a host-model guest's running XML is such a model plus the host's
 * extra features, each 'require'). 'optional' is resolved when the guest
 * starts: its running XML says require or disable instead. */
static int cpu_pins(xmlNode *cpu, mc_pins *p, const char *name, mc_error *err)
{
	g_autofree char *mode = mc_xml_attr(cpu, "mode");
	g_autofree char *model = mc_xml_text(mc_xml_child(cpu, "model"));
	if (!cpu || ((!mode || strcmp(mode, "custom") == 0) && !*model))
		return set_pin(p, "CPU", "qemu64", name, err); /* QEMU's default */
	if (mode && (strcmp(mode, "host-passthrough") == 0 || strcmp(mode, "maximum") == 0))
		return set_pin(p, "CPU", "host-passthrough", name, err);
	if (mode && strcmp(mode, "host-model") == 0)
		return 0; /* inactive XML only: the running XML has the expansion */
	int r = set_pin(p, "CPU", model, name, err);
	GString *dis = g_string_new(NULL), *en = g_string_new(NULL);
	for (xmlNode *f = cpu->children; f && r == 0; f = f->next) {
		g_autofree char *pol = mc_xml_is(f, "feature") ? mc_xml_attr(f, "policy") : NULL;
		g_autofree char *fn = pol ? mc_xml_attr(f, "name") : NULL;
		if (fn && (strcmp(pol, "disable") == 0 || strcmp(pol, "forbid") == 0))
			g_string_append_printf(dis, "%s%s", dis->len ? "," : "", fn);
		else if (fn && (strcmp(pol, "require") == 0 || strcmp(pol, "force") == 0))
			g_string_append_printf(en, "%s%s", en->len ? "," : "", fn);
	}
	if (r == 0 && dis->len)
		r = set_pin(p, "CPU_DISABLE", dis->str, name, err);
	if (r == 0 && en->len)
		r = set_pin(p, "CPU_ENABLE", en->str, name, err);
	g_string_free(dis, TRUE);
	g_string_free(en, TRUE);
	return r;
}

bool mc_mdev_uuid_ok(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-'
							      : !g_ascii_isxdigit(s[i]))
			return false;
	return true;
}

/* The PCI address of <source><address domain= bus= slot= function=/>, as
 * DDDD:BB:SS.F, or NULL. */
static char *pci_source(xmlNode *h)
{
	xmlNode *a = mc_xml_child(mc_xml_child(h, "source"), "address");
	g_autofree char *d = mc_xml_attr(a, "domain"), *b = mc_xml_attr(a, "bus"),
			*s = mc_xml_attr(a, "slot"), *f = mc_xml_attr(a, "function");
	unsigned long dv = d ? strtoul(d, NULL, 0) : 0, bv = b ? strtoul(b, NULL, 0) : 0,
		      sv = s ? strtoul(s, NULL, 0) : 0, fv = f ? strtoul(f, NULL, 0) : 0;
	if (!b || !s || !f || dv > 0xffff || bv > 0xff || sv > 0x1f || fv > 7)
		return NULL;
	return g_strdup_printf("%04lx:%02lx:%02lx.%lx", dv, bv, sv, fv);
}

/* A subsystem hostdev's kind ("pci", "mdev") or NULL for other host devices. */
static const char *hostdev_kind(const xmlNode *h)
{
	if (!mc_xml_is(h, "hostdev"))
		return NULL;
	g_autofree char *type = mc_xml_attr(h, "type");
	if (type && !strcmp(type, "pci"))
		return "pci";
	if (type && !strcmp(type, "mdev"))
		return "mdev";
	return NULL;
}

/* The value of QEMU property `prop` that <qemu:override> sets on the device
 * with alias `alias`, or NULL. */
static char *override_prop(xmlNode *root, const char *alias, const char *prop)
{
	for (xmlNode *o = root->children; o && alias; o = o->next) {
		if (!mc_xml_is(o, "override") || !o->ns || !o->ns->href ||
		    strcmp((const char *)o->ns->href, MC_QEMU_NS) != 0)
			continue;
		for (xmlNode *d = o->children; d; d = d->next) {
			g_autofree char *a =
			    mc_xml_is(d, "device") ? mc_xml_attr(d, "alias") : NULL;
			if (!a || strcmp(a, alias) != 0)
				continue;
			xmlNode *fe = mc_xml_child(d, "frontend");
			for (xmlNode *p = fe ? fe->children : NULL; p; p = p->next) {
				g_autofree char *pn =
				    mc_xml_is(p, "property") ? mc_xml_attr(p, "name") : NULL;
				if (pn && !strcmp(pn, prop))
					return mc_xml_attr(p, "value");
			}
		}
	}
	return NULL;
}

static int hostdevs_read(xmlNode *root, mc_guest *g, const char *name, mc_error *err)
{
	xmlNode *devices = mc_xml_child(root, "devices");
	GString *list = g_string_new(NULL);
	GArray *arr = g_array_new(FALSE, TRUE, sizeof(mc_hostdev));
	int r = 0;
	for (xmlNode *h = devices ? devices->children : NULL; h && r == 0; h = h->next) {
		const char *kind = hostdev_kind(h);
		if (!kind)
			continue;
		mc_hostdev hd = { .mdev = !strcmp(kind, "mdev") };
		if (hd.mdev) {
			g_autofree char *u =
			    mc_xml_attr(mc_xml_child(mc_xml_child(h, "source"), "address"), "uuid");
			if (!mc_mdev_uuid_ok(u)) {
				r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						 "%s: <hostdev type='mdev'> without a valid source "
						 "address uuid (%s)",
						 name, u ? u : "none");
				break;
			}
			hd.id = g_ascii_strdown(u, -1);
		} else if (!(hd.id = pci_source(h))) {
			r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					 "%s: <hostdev type='pci'> without a valid source address",
					 name);
			break;
		}
		for (guint i = 0; i < arr->len && r == 0; i++)
			if (!strcmp(g_array_index(arr, mc_hostdev, i).id, hd.id))
				r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						 "%s: host device %s is assigned twice", name,
						 hd.id);
		if (r < 0) {
			g_free(hd.id);
			break;
		}
		hd.alias = mc_xml_attr(mc_xml_child(h, "alias"), "name");
		hd.enable_migration = override_prop(root, hd.alias, "enable-migration");
		g_string_append_printf(list, "%s%s", list->len ? "," : "", hd.id);
		g_array_append_val(arr, hd);
	}
	g->n_hostdevs = arr->len;
	g->hostdevs = (mc_hostdev *)(void *)g_array_free(arr, FALSE);
	if (r == 0 && list->len)
		r = set_pin(g->pins, "HOSTDEV", list->str, name, err);
	g_string_free(list, TRUE);
	return r;
}

mc_guest *mc_guest_from_xml(const char *xml, size_t len, const char *name, mc_error *err)
{
	if (len > MAX_XML_BYTES) {
		mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: domain XML larger than %u bytes",
			     name, MAX_XML_BYTES);
		return NULL;
	}
	xmlDoc *doc = mc_xml_parse(xml, len, name, NULL, NULL, err);
	if (!doc)
		return NULL;
	mc_guest *g = g_new0(mc_guest, 1);
	xmlNode *root = xmlDocGetRootElement(doc);
	int r = 0;
	if (!mc_xml_is(root, "domain")) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not a libvirt domain (<%s>)",
				 name, root ? (const char *)root->name : "");
		goto out;
	}
	g->name = mc_xml_text(mc_xml_child(root, "name"));
	g->uuid = mc_xml_text(mc_xml_child(root, "uuid"));
	g->virttype = mc_xml_attr(root, "type");
	xmlNode *type = mc_xml_child(mc_xml_child(root, "os"), "type");
	g->arch = mc_xml_attr(type, "arch");
	g->machine = mc_xml_attr(type, "machine");
	if (!*g->name) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: domain without a <name>", name);
		goto out;
	}
	xmlNode *md = mc_xml_child(root, "metadata");
	for (xmlNode *c = md ? md->children : NULL; c && r == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !c->ns || !c->ns->href ||
		    strcmp((const char *)c->ns->href, MC_METADATA_NS) != 0 ||
		    !mc_xml_is(c, "migration"))
			continue;
		if (g->has_meta)
			r = mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					 "%s: two migcheck metadata elements", name);
		else
			r = parse_meta(c, g, name, err);
	}
	if (r < 0)
		goto out;
	/* The XML is the truth about what it describes: recorded MACHINE, CPU,
	 * CPU_DISABLE, CPU_ENABLE, HOSTDEV and VIRTTYPE pins give way to it. */
	g->pins = mc_pins_new();
	for (size_t i = 0; i < mc_pins_count(g->meta_pins); i++) {
		static const char *const from_xml[] = { "MACHINE",     "CPU",     "CPU_DISABLE",
							"CPU_ENABLE",  "HOSTDEV", "VIRTTYPE",
							"HOSTDEV_DST", NULL };
		const char *pn, *pv;
		mc_pins_at(g->meta_pins, i, &pn, &pv);
		if (!g_strv_contains(from_xml, pn))
			mc_pins_set(g->pins, pn, pv, NULL);
	}
	if (g->machine && (r = set_pin(g->pins, "MACHINE", g->machine, name, err)) < 0)
		goto out;
	if (g->virttype && *g->virttype &&
	    (r = set_pin(g->pins, "VIRTTYPE", g->virttype, name, err)) < 0)
		goto out;
	if (g->arch && strcmp(g->arch, "x86_64") == 0 &&
	    (r = cpu_pins(mc_xml_child(root, "cpu"), g->pins, name, err)) < 0)
		goto out;
	r = hostdevs_read(root, g, name, err);
out:
	xmlFreeDoc(doc);
	if (r < 0) {
		mc_guest_free(g);
		return NULL;
	}
	return g;
}

int mc_guest_check_pins(const mc_guest *g, const mc_plan_env *env, const char *name, mc_error *err)
{
	mc_error sub = { 0 };
	if (g->meta_pins && mc_plan_check_pins(env, g->meta_pins, &sub) < 0)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: migcheck metadata: %s", name,
				    sub.msg);
	if (mc_plan_check_pins(env, g->pins, &sub) < 0)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: %s", name, sub.msg);
	return 0;
}

char *mc_metadata_build(const char *host, const mc_facts *profile, const mc_pins *pins, time_t t,
			mc_error *err)
{
	char id[MC_PROFILE_ID_LEN + 1], when[32];
	if (mc_profile_id(profile, id, err) < 0)
		return NULL;
	size_t n = 0;
	g_autofree char *canon = mc_facts_canonical(profile, &n);
	g_autofree char *b64 = g_base64_encode((const guchar *)canon, n);
	g_autofree char *h = g_markup_escape_text(host, -1);
	GString *s = g_string_new(NULL);
	g_string_append_printf(s,
			       "<migration version=\"1\">\n  <source host=\"%s\" profile=\"%s\" "
			       "time=\"%s\"/>\n",
			       h, id, mc_time_iso(t, when, sizeof(when)));
	for (size_t i = 0; i < mc_pins_count(pins); i++) {
		const char *pn, *pv;
		mc_pins_at(pins, i, &pn, &pv);
		g_autofree char *en = g_markup_escape_text(pn, -1);
		g_autofree char *ev = g_markup_escape_text(pv, -1);
		g_string_append_printf(s, "  <pin name=\"%s\" value=\"%s\"/>\n", en, ev);
	}
	g_string_append_printf(s, "  <profile encoding=\"base64\">%s</profile>\n</migration>\n",
			       b64);
	return g_string_free(s, FALSE);
}

char *mc_guest_describe(const mc_guest *g)
{
	g_autofree char *pins = mc_pins_format(g->pins);
	char when[32];
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "name=%s virttype=%s arch=%s pins=%s", g->name,
			       g->virttype ? g->virttype : "-", g->arch ? g->arch : "-",
			       *pins ? pins : "-");
	if (g->has_meta) {
		g_autofree char *mp = mc_pins_format(g->meta_pins);
		g_string_append_printf(s,
				       " meta.host=%s meta.profile=%.12s meta.time=%s meta.pins=%s "
				       "meta.embedded=%s",
				       g->meta_host, g->meta_profile,
				       mc_time_iso(g->meta_time, when, sizeof(when)),
				       *mp ? mp : "-", g->meta_facts ? "yes" : "no");
	}
	for (size_t i = 0; i < g->n_hostdevs; i++) {
		const mc_hostdev *h = &g->hostdevs[i];
		g_string_append_printf(s, "%s%s:%s/%s/enable-migration=%s",
				       i ? "," : " hostdevs=", h->mdev ? "mdev" : "pci", h->id,
				       h->alias ? h->alias : "-",
				       h->enable_migration ? h->enable_migration : "-");
	}
	return g_string_free(s, FALSE);
}

bool mc_guest_incoming(mc_guest *g)
{
	const char *x = mc_pins_get(g->pins, "HOSTDEV");
	const char *ms = g->meta_pins ? mc_pins_get(g->meta_pins, "HOSTDEV") : NULL;
	const char *md = g->meta_pins ? mc_pins_get(g->meta_pins, "HOSTDEV_DST") : NULL;
	if (!x || !ms || !md || strcmp(x, md) != 0)
		return false;
	g_autofree char *dst = g_strdup(x);
	mc_pins_set(g->pins, "HOSTDEV", ms, NULL);
	mc_pins_set(g->pins, "HOSTDEV_DST", dst, NULL);
	return true;
}

char *mc_domxml_map_hostdevs(const char *xml, size_t len, const char *name, const char *const *from,
			     const char *const *to, size_t n, bool all, mc_error *err)
{
	xmlDoc *doc = mc_xml_parse(xml, len, name, NULL, NULL, err);
	if (!doc)
		return NULL;
	xmlNode *root = xmlDocGetRootElement(doc);
	xmlNode *devices = mc_xml_is(root, "domain") ? mc_xml_child(root, "devices") : NULL;
	size_t done = 0;
	int r = 0;
	for (xmlNode *h = devices ? devices->children : NULL; h && r == 0; h = h->next) {
		const char *kind = hostdev_kind(h);
		if (!kind)
			continue;
		bool mdev = !strcmp(kind, "mdev");
		xmlNode *a = mc_xml_child(mc_xml_child(h, "source"), "address");
		g_autofree char *u = mdev ? mc_xml_attr(a, "uuid") : NULL;
		g_autofree char *id = mdev ? (u ? g_ascii_strdown(u, -1) : NULL) : pci_source(h);
		size_t i = 0;
		while (id && i < n && strcmp(from[i], id) != 0)
			i++;
		if (!id || i == n)
			continue;
		if (mdev != mc_mdev_uuid_ok(to[i])) {
			r = mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					 "%s: host device %s is %s, %s is not", name, id,
					 mdev ? "an mdev" : "a PCI device", to[i]);
			break;
		}
		if (mdev) {
			xmlSetProp(a, BAD_CAST "uuid", BAD_CAST to[i]);
		} else {
			unsigned d = 0, b = 0, sl = 0, f = 0;
			char buf[4][8];
			if (sscanf(to[i], "%4x:%2x:%2x.%1x", &d, &b, &sl, &f) != 4) {
				r = mc_error_set(err, MC_EXIT_USAGE, EINVAL,
						 "%s: '%s' is not a PCI address", name, to[i]);
				break;
			}
			snprintf(buf[0], sizeof(buf[0]), "0x%04x", d);
			snprintf(buf[1], sizeof(buf[1]), "0x%02x", b);
			snprintf(buf[2], sizeof(buf[2]), "0x%02x", sl);
			snprintf(buf[3], sizeof(buf[3]), "0x%x", f);
			xmlSetProp(a, BAD_CAST "domain", BAD_CAST buf[0]);
			xmlSetProp(a, BAD_CAST "bus", BAD_CAST buf[1]);
			xmlSetProp(a, BAD_CAST "slot", BAD_CAST buf[2]);
			xmlSetProp(a, BAD_CAST "function", BAD_CAST buf[3]);
		}
		done++;
	}
	if (r == 0 && all && done != n)
		r = mc_error_set(err, MC_EXIT_USAGE, ENOENT,
				 "%s: %zu of the %zu host devices to map are not in the domain",
				 name, n - done, n);
	char *out = NULL;
	if (r == 0) {
		xmlBuffer *buf = xmlBufferCreate();
		if (buf && xmlNodeDump(buf, doc, root, 0, 0) >= 0)
			out = g_strdup((const char *)xmlBufferContent(buf));
		else
			mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: cannot write the XML",
				     name);
		if (buf)
			xmlBufferFree(buf);
	}
	xmlFreeDoc(doc);
	return out;
}
