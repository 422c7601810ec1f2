#include "core/planner/cpumodels.h"

#include <errno.h>
#include <glib.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/xml.h"

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

typedef struct {
	char *name;
	GArray *bits; /* mc_cpu_bits */
} feature;

typedef struct {
	char *name;
	char *parent;        /* <model name=.../> inside a model, or NULL */
	GPtrArray *features; /* char *, present */
	GPtrArray *removed;  /* char *, removed='yes' (QEMU dropped them) */
} model;

typedef struct {
	uint32_t leaf, index;
	unsigned reg;
} cpuid_reg;

struct mc_cpumodels {
	char *dir;
	GPtrArray *features; /* feature *, in map order */
	GHashTable *by_name; /* name or alias -> feature * (borrowed) */
	GHashTable *models;  /* name -> model * */
	GArray *regs;        /* cpuid_reg: those the features use, in map order */
};

static void feature_free(gpointer p)
{
	feature *f = p;
	g_free(f->name);
	g_array_unref(f->bits);
	g_free(f);
}

static void model_free(gpointer p)
{
	model *m = p;
	g_free(m->name);
	g_free(m->parent);
	g_ptr_array_unref(m->features);
	g_ptr_array_unref(m->removed);
	g_free(m);
}

void mc_cpumodels_free(mc_cpumodels *m)
{
	if (!m)
		return;
	g_free(m->dir);
	g_hash_table_unref(m->by_name);
	g_hash_table_unref(m->models);
	g_ptr_array_unref(m->features);
	g_array_unref(m->regs);
	g_free(m);
}

const char *mc_cpumodels_dir(const mc_cpumodels *m)
{
	return m->dir;
}

static bool parse_hex(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end && !*end;
}

static void add_reg(GArray *regs, uint32_t leaf, uint32_t index, unsigned reg)
{
	for (guint i = 0; i < regs->len; i++) {
		const cpuid_reg *r = &g_array_index(regs, cpuid_reg, i);
		if (r->leaf == leaf && r->index == index && r->reg == reg)
			return;
	}
	cpuid_reg r = { leaf, index, reg };
	g_array_append_val(regs, r);
}

static int parse_feature(mc_cpumodels *m, xmlNodePtr n, const char *file, mc_error *err)
{
	g_autofree char *name = mc_xml_attr(n, "name");
	if (!name)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: <feature> without a name",
				    file);
	feature *f = g_new0(feature, 1);
	f->name = g_strdup(name);
	f->bits = g_array_new(FALSE, TRUE, sizeof(mc_cpu_bits));
	g_ptr_array_add(m->features, f);
	g_hash_table_replace(m->by_name, g_strdup(name), f);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (mc_xml_is(c, "alias")) {
			g_autofree char *a = mc_xml_attr(c, "name");
			if (a && !g_hash_table_contains(m->by_name, a))
				g_hash_table_replace(m->by_name, g_strdup(a), f);
		} else if (mc_xml_is(c, "cpuid")) {
			g_autofree char *ein = mc_xml_attr(c, "eax_in");
			g_autofree char *ecin = mc_xml_attr(c, "ecx_in");
			uint64_t leaf = 0, index = 0;
			if (!parse_hex(ein, &leaf) || (ecin && !parse_hex(ecin, &index)))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: feature %s: bad eax_in/ecx_in", file,
						    name);
			for (unsigned r = 0; r < G_N_ELEMENTS(reg_names); r++) {
				g_autofree char *v = mc_xml_attr(c, reg_names[r]);
				uint64_t mask = 0;
				if (!v)
					continue;
				if (!parse_hex(v, &mask) || mask > 0xffffffffu)
					return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
							    "%s: feature %s: bad %s", file, name,
							    reg_names[r]);
				if (!mask)
					continue;
				mc_cpu_bits b = { false, (uint32_t)leaf, (uint32_t)index, r, mask };
				g_array_append_val(f->bits, b);
				add_reg(m->regs, b.leaf, b.index, r);
			}
		} else if (mc_xml_is(c, "msr")) {
			g_autofree char *idx = mc_xml_attr(c, "index");
			g_autofree char *eax = mc_xml_attr(c, "eax");
			g_autofree char *edx = mc_xml_attr(c, "edx");
			uint64_t index = 0, lo = 0, hi = 0;
			if (!parse_hex(idx, &index) || (eax && !parse_hex(eax, &lo)) ||
			    (edx && !parse_hex(edx, &hi)))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: feature %s: bad <msr>", file, name);
			mc_cpu_bits b = { true, (uint32_t)index, 0, 0,
					  (hi << 32) | (lo & 0xffffffffu) };
			g_array_append_val(f->bits, b);
		}
	}
	return 0;
}

static int parse_model(mc_cpumodels *m, xmlNodePtr n, const char *file, mc_error *err)
{
	g_autofree char *name = mc_xml_attr(n, "name");
	if (!name)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: <model> without a name",
				    file);
	model *md = g_new0(model, 1);
	md->name = g_strdup(name);
	md->features = g_ptr_array_new_with_free_func(g_free);
	md->removed = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_replace(m->models, g_strdup(name), md);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (mc_xml_is(c, "model")) {
			g_free(md->parent);
			md->parent = mc_xml_attr(c, "name");
		} else if (mc_xml_is(c, "feature")) {
			char *fname = mc_xml_attr(c, "name");
			g_autofree char *removed = mc_xml_attr(c, "removed");
			if (!fname)
				continue;
			if (removed && strcmp(removed, "yes") == 0)
				g_ptr_array_add(md->removed, fname);
			else
				g_ptr_array_add(md->features, fname);
		}
	}
	return 0;
}

static int parse_file(mc_cpumodels *m, const char *file, int depth, mc_error *err);

/* The children of <cpus> (a map file) or <arch name='x86'> (index.xml). */
static int parse_nodes(mc_cpumodels *m, xmlNodePtr first, const char *file, int depth,
		       mc_error *err)
{
	for (xmlNodePtr n = first; n; n = n->next) {
		int rc = 0;
		if (mc_xml_is(n, "arch")) {
			g_autofree char *a = mc_xml_attr(n, "name");
			if (a && strcmp(a, "x86") == 0)
				rc = parse_nodes(m, n->children, file, depth, err);
		} else if (mc_xml_is(n, "include")) {
			g_autofree char *inc = mc_xml_attr(n, "filename");
			if (!inc || strchr(inc, '/'))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: bad <include>", file);
			rc = parse_file(m, inc, depth + 1, err);
		} else if (mc_xml_is(n, "feature")) {
			rc = parse_feature(m, n, file, err);
		} else if (mc_xml_is(n, "model")) {
			rc = parse_model(m, n, file, err);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_file(mc_cpumodels *m, const char *file, int depth, mc_error *err)
{
	if (depth > 4)
		return mc_error_set(err, MC_EXIT_DATAERR, ELOOP, "%s: includes nested too deep",
				    file);
	g_autofree char *path = g_build_filename(m->dir, file, NULL);
	g_autofree char *buf = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &buf, &len, NULL))
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOENT,
				    "libvirt CPU map is missing: cannot read %s (install libvirt's "
				    "CPU map, or set MIGCHECK_CPU_MAP)",
				    path);
	/* the one parser of untrusted XML (no DOCTYPE, no entities), like every
	 * other document migcheck reads */
	xmlDocPtr doc = mc_xml_parse(buf, len, path, NULL, NULL, err);
	if (!doc)
		return err && err->errnum ? -err->errnum : -EINVAL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int rc = root ? parse_nodes(m, root->children, path, depth, err) : 0;
	xmlFreeDoc(doc);
	return rc;
}

mc_cpumodels *mc_cpumodels_load(const char *dir, mc_error *err)
{
	mc_cpumodels *m = g_new0(mc_cpumodels, 1);
	m->dir = g_strdup(dir);
	m->features = g_ptr_array_new_with_free_func(feature_free);
	m->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->models = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, model_free);
	m->regs = g_array_new(FALSE, TRUE, sizeof(cpuid_reg));
	if (parse_file(m, "index.xml", 0, err) < 0) {
		mc_cpumodels_free(m);
		return NULL;
	}
	return m;
}

bool mc_cpumodels_has_model(const mc_cpumodels *m, const char *name)
{
	return g_hash_table_contains(m->models, name);
}

const mc_cpu_bits *mc_cpumodels_feature(const mc_cpumodels *m, const char *name, size_t *n)
{
	static const mc_cpu_bits none;
	const feature *f = g_hash_table_lookup(m->by_name, name);
	*n = f ? f->bits->len : 0;
	if (!f)
		return NULL;
	return f->bits->len ? &g_array_index(f->bits, mc_cpu_bits, 0) : &none;
}

int mc_cpumodels_model_bits(const mc_cpumodels *m, const char *name,
			    void (*fn)(const mc_cpu_bits *b, void *opaque), void *opaque,
			    mc_error *err)
{
	/* The chain of parents, the model itself last. */
	const model *chain[10] = { 0 };
	size_t depth = 0;
	for (const char *n = name; n;) {
		const model *md = g_hash_table_lookup(m->models, n);
		if (!md)
			return mc_error_set(err, MC_EXIT_USAGE, ENOENT,
					    "unknown CPU model '%s' (not in libvirt's CPU map %s)",
					    n, m->dir);
		chain[depth++] = md;
		if (md->parent && depth == G_N_ELEMENTS(chain))
			return mc_error_set(err, MC_EXIT_DATAERR, ELOOP,
					    "CPU model %s: inheritance loop", md->name);
		n = md->parent;
	}
	while (depth--) {
		const model *md = chain[depth];
		for (guint i = 0; i < md->features->len; i++) {
			const feature *f = g_hash_table_lookup(m->by_name, md->features->pdata[i]);
			if (!f)
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "CPU model %s: unknown feature %s", md->name,
						    (const char *)md->features->pdata[i]);
			for (guint j = 0; j < f->bits->len; j++)
				fn(&g_array_index(f->bits, mc_cpu_bits, j), opaque);
		}
	}
	return 0;
}

const char *mc_cpumodels_bit_name(const mc_cpumodels *m, uint32_t leaf, uint32_t index,
				  unsigned reg, unsigned bit)
{
	for (guint i = 0; i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (!b->is_msr && b->leaf == leaf && b->index == index && b->reg == reg &&
			    b->mask == (1ull << bit))
				return f->name;
		}
	}
	return NULL;
}

const char *mc_cpumodels_msr_bit_name(const mc_cpumodels *m, uint32_t index, unsigned bit)
{
	for (guint i = 0; m && bit < 64 && i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (b->is_msr && b->leaf == index && (b->mask >> bit & 1))
				return f->name;
		}
	}
	return NULL;
}

bool mc_cpumodels_msr_defined(const mc_cpumodels *m, uint32_t index)
{
	for (guint i = 0; i < m->features->len; i++) {
		const feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->bits->len; j++) {
			const mc_cpu_bits *b = &g_array_index(f->bits, mc_cpu_bits, j);
			if (b->is_msr && b->leaf == index)
				return true;
		}
	}
	return false;
}

size_t mc_cpumodels_nregs(const mc_cpumodels *m)
{
	return m->regs->len;
}

void mc_cpumodels_reg(const mc_cpumodels *m, size_t i, uint32_t *leaf, uint32_t *index,
		      unsigned *reg)
{
	const cpuid_reg *r = &g_array_index(m->regs, cpuid_reg, i);
	*leaf = r->leaf;
	*index = r->index;
	*reg = r->reg;
}
