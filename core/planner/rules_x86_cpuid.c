/* x86.cpuid — the gate of libvirt's CPU comparison: every CPUID feature bit
 * the guest sees on SRC must be in DST's KVM_GET_SUPPORTED_CPUID.
 *
 * The guest is SRC's profile plus pins:
 *   CPU=host-passthrough (default)  the guest sees every feature bit SRC's KVM
 *                                   supports (QEMU -cpu host,migratable=on)
 *   CPU=MODEL                       a libvirt/QEMU CPU model (EPYC, qemu64, ...)
 *   CPU_DISABLE=f1,f2,...           features the guest is started without
 *                                   (libvirt <feature policy='disable'/>)
 * Models and feature names come from libvirt's own CPU map, parsed at run
 * time (/usr/share/libvirt/cpu_map, or $MIGCHECK_CPU_MAP).
 *
 * Only feature-bearing registers are compared: the registers libvirt's
 * x86_features.xml defines features in (plus the KVM paravirtual leaf
 * 0x40000001.eax and a few bitmask registers newer maps use). Values that
 * are not features — family/model/stepping, APIC ids, cache and topology
 * leaves, XSAVE area sizes, vendor strings — are never compared: they differ
 * between good migration partners all the time. */
#include <errno.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"
#include "core/base/xml.h"

#define FAMILY "x86.cpuid"
#define DEFAULT_CPU_MAP "/usr/share/libvirt/cpu_map"

enum { EAX, EBX, ECX, EDX };
static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

typedef struct {
	uint32_t leaf, index;
	unsigned reg;
} x86_reg;

/* Feature-bearing registers: the set libvirt 9.0's x86_features.xml defines
 * features in, plus 0x40000001.eax (KVM PV features, linux/kvm_para.h).
 * Registers a newer map defines features in are added at run time (see
 * map_load); registers no map knows (e.g. 0x80000021.eax, which QEMU 7.2
 * does not pass to guests either) are not compared. */
static const x86_reg builtin_regs[] = {
	{ 0x1, 0, ECX },        { 0x1, 0, EDX },        { 0x6, 0, EAX },
	{ 0x7, 0, EBX },        { 0x7, 0, ECX },        { 0x7, 0, EDX },
	{ 0x7, 1, EAX },        { 0xd, 1, EAX },        { 0xf, 1, EDX },
	{ 0x12, 0, EAX },       { 0x12, 0, EBX },       { 0x12, 1, EAX },
	{ 0x14, 0, ECX },       { 0x40000001, 0, EAX }, { 0x80000001, 0, ECX },
	{ 0x80000001, 0, EDX }, { 0x80000007, 0, EDX }, { 0x80000008, 0, EBX },
	{ 0x8000000a, 0, EDX },
};

/* Bits never compared, whatever the guest configuration:
 *  - 1.ecx[27] OSXSAVE and 7.0.ecx[4] OSPKE mirror the guest's own CR4 bits;
 *    KVM computes them at run time, they are not host features.
 *  - 1.ecx[31] hypervisor: set by QEMU for every KVM guest, on every host.
 *  - 1.edx[9] APIC (and its AMD copy 0x80000001.edx[9]): KVM emulates the
 *    local APIC itself, and the bit follows the guest's APIC_BASE enable
 *    bit at run time; it says nothing about the host.
 *  - 0x80000001.edx bits that AMD CPUs mirror from 1.edx (fpu ... fxsr,
 *    QEMU's CPUID_EXT2_AMD_ALIASES): the 1.edx bit is compared already.
 *  - 0x40000001.eax bits QEMU (7.2) has no name for (10 ASYNC_PF_VMEXIT,
 *    16 HC_MAP_GPA_RANGE, 17 MIGRATION_CONTROL, ...): QEMU never shows them
 *    to a guest, even with host-passthrough, so they cannot be lost. */
#define AMD_ALIASES 0x0183f3ffu
#define KVM_PV_QEMU 0x01007afbu /* bits 0-7, 9, 11-15, 24 */
static uint32_t never_compared(uint32_t leaf, uint32_t index, unsigned reg)
{
	if (leaf == 0x1 && reg == ECX)
		return 1u << 27 | 1u << 31;
	if (leaf == 0x1 && reg == EDX)
		return 1u << 9;
	if (leaf == 0x7 && index == 0 && reg == ECX)
		return 1u << 4;
	if (leaf == 0x80000001 && reg == EDX)
		return AMD_ALIASES;
	if (leaf == 0x40000001 && reg == EAX)
		return ~KVM_PV_QEMU;
	return 0;
}

/* KVM paravirtual features (linux/kvm_para.h KVM_FEATURE_*), QEMU's names. */
static const struct {
	const char *name;
	unsigned bit;
} kvm_pv[] = {
	{ "kvmclock", 0 },
	{ "kvm-nopiodelay", 1 },
	{ "kvm-mmu", 2 },
	{ "kvmclock", 3 }, /* KVM_FEATURE_CLOCKSOURCE2: QEMU names both "kvmclock" */
	{ "kvm-asyncpf", 4 },
	{ "kvm-steal-time", 5 },
	{ "kvm-pv-eoi", 6 },
	{ "kvm-pv-unhalt", 7 },
	{ "kvm-pv-tlb-flush", 9 },
	{ "kvm-asyncpf-vmexit", 10 },
	{ "kvm-pv-ipi", 11 },
	{ "kvm-poll-control", 12 },
	{ "kvm-pv-sched-yield", 13 },
	{ "kvm-asyncpf-int", 14 },
	{ "kvm-msi-ext-dest-id", 15 },
	{ "kvm-hc-map-gpa-range", 16 },
	{ "kvm-migration-control", 17 },
	{ "kvmclock-stable-bit", 24 },
};
/* QEMU (>= 5.2) turns these on for every CPU model under KVM when the host
 * supports them (kvm_default_props; poll-control in x86_cpu_expand_features). */
#define KVM_PV_MODEL_DEFAULT                                                                       \
	(1u << 0 | 1u << 1 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 12 | 1u << 14 | 1u << 24)

/* ---- libvirt's CPU map ---- */

typedef struct {
	bool is_msr;
	uint32_t leaf, index; /* cpuid: eax_in, ecx_in; msr: index */
	unsigned reg;
	uint64_t mask;
} map_item;

typedef struct {
	char *name;
	GArray *items; /* map_item */
} map_feature;

typedef struct {
	char *name;
	char *parent;        /* <model name=.../> inside a model, or NULL */
	GPtrArray *features; /* char *, present */
	GPtrArray *removed;  /* char *, removed='yes' (QEMU dropped them) */
} map_model;

typedef struct {
	char *dir;
	GPtrArray *features; /* map_feature * */
	GHashTable *by_name; /* name or alias -> map_feature * (borrowed) */
	GHashTable *models;  /* name -> map_model * */
	GArray *regs;        /* x86_reg: builtin + those the map uses */
} cpu_map;

static void feature_free(gpointer p)
{
	map_feature *f = p;
	g_free(f->name);
	g_array_unref(f->items);
	g_free(f);
}

static void model_free(gpointer p)
{
	map_model *m = p;
	g_free(m->name);
	g_free(m->parent);
	g_ptr_array_unref(m->features);
	g_ptr_array_unref(m->removed);
	g_free(m);
}

static void map_free(cpu_map *m)
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

static char *xml_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v ? g_strdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static bool xml_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
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
		const x86_reg *r = &g_array_index(regs, x86_reg, i);
		if (r->leaf == leaf && r->index == index && r->reg == reg)
			return;
	}
	x86_reg r = { leaf, index, reg };
	g_array_append_val(regs, r);
}

static int parse_feature(cpu_map *m, xmlNodePtr n, const char *file, mc_error *err)
{
	g_autofree char *name = xml_attr(n, "name");
	if (!name)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: <feature> without a name",
				    file);
	map_feature *f = g_new0(map_feature, 1);
	f->name = g_strdup(name);
	f->items = g_array_new(FALSE, TRUE, sizeof(map_item));
	g_ptr_array_add(m->features, f);
	g_hash_table_replace(m->by_name, g_strdup(name), f);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (xml_is(c, "alias")) {
			g_autofree char *a = xml_attr(c, "name");
			if (a && !g_hash_table_contains(m->by_name, a))
				g_hash_table_replace(m->by_name, g_strdup(a), f);
		} else if (xml_is(c, "cpuid")) {
			g_autofree char *ein = xml_attr(c, "eax_in");
			g_autofree char *ecin = xml_attr(c, "ecx_in");
			uint64_t leaf = 0, index = 0;
			if (!parse_hex(ein, &leaf) || (ecin && !parse_hex(ecin, &index)))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: feature %s: bad eax_in/ecx_in", file,
						    name);
			for (unsigned r = EAX; r <= EDX; r++) {
				g_autofree char *v = xml_attr(c, reg_names[r]);
				uint64_t mask = 0;
				if (!v)
					continue;
				if (!parse_hex(v, &mask) || mask > 0xffffffffu)
					return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
							    "%s: feature %s: bad %s", file, name,
							    reg_names[r]);
				if (!mask)
					continue;
				map_item it = { false, (uint32_t)leaf, (uint32_t)index, r, mask };
				g_array_append_val(f->items, it);
				add_reg(m->regs, it.leaf, it.index, r);
			}
		} else if (xml_is(c, "msr")) {
			g_autofree char *idx = xml_attr(c, "index");
			g_autofree char *eax = xml_attr(c, "eax");
			g_autofree char *edx = xml_attr(c, "edx");
			uint64_t index = 0, lo = 0, hi = 0;
			if (!parse_hex(idx, &index) || (eax && !parse_hex(eax, &lo)) ||
			    (edx && !parse_hex(edx, &hi)))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: feature %s: bad <msr>", file, name);
			map_item it = { true, (uint32_t)index, 0, 0,
					(hi << 32) | (lo & 0xffffffffu) };
			g_array_append_val(f->items, it);
		}
	}
	return 0;
}

static int parse_model(cpu_map *m, xmlNodePtr n, const char *file, mc_error *err)
{
	g_autofree char *name = xml_attr(n, "name");
	if (!name)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: <model> without a name",
				    file);
	map_model *md = g_new0(map_model, 1);
	md->name = g_strdup(name);
	md->features = g_ptr_array_new_with_free_func(g_free);
	md->removed = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_replace(m->models, g_strdup(name), md);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (xml_is(c, "model")) {
			g_free(md->parent);
			md->parent = xml_attr(c, "name");
		} else if (xml_is(c, "feature")) {
			char *fname = xml_attr(c, "name");
			g_autofree char *removed = xml_attr(c, "removed");
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

static int parse_file(cpu_map *m, const char *file, int depth, mc_error *err);

/* The children of <cpus> (a map file) or <arch name='x86'> (index.xml). */
static int parse_nodes(cpu_map *m, xmlNodePtr first, const char *file, int depth, mc_error *err)
{
	for (xmlNodePtr n = first; n; n = n->next) {
		int rc = 0;
		if (xml_is(n, "arch")) {
			g_autofree char *a = xml_attr(n, "name");
			if (a && strcmp(a, "x86") == 0)
				rc = parse_nodes(m, n->children, file, depth, err);
		} else if (xml_is(n, "include")) {
			g_autofree char *inc = xml_attr(n, "filename");
			if (!inc || strchr(inc, '/'))
				return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
						    "%s: bad <include>", file);
			rc = parse_file(m, inc, depth + 1, err);
		} else if (xml_is(n, "feature")) {
			rc = parse_feature(m, n, file, err);
		} else if (xml_is(n, "model")) {
			rc = parse_model(m, n, file, err);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_file(cpu_map *m, const char *file, int depth, mc_error *err)
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

/* map_load: the map is parsed once per directory and kept (process lifetime). */
static cpu_map *cached_map;

static const cpu_map *map_get(mc_error *err)
{
	const char *dir = getenv("MIGCHECK_CPU_MAP");
	if (!dir || !*dir)
		dir = DEFAULT_CPU_MAP;
	if (cached_map && strcmp(cached_map->dir, dir) == 0)
		return cached_map;
	cpu_map *m = g_new0(cpu_map, 1);
	m->dir = g_strdup(dir);
	m->features = g_ptr_array_new_with_free_func(feature_free);
	m->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->models = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, model_free);
	m->regs = g_array_new(FALSE, TRUE, sizeof(x86_reg));
	for (size_t i = 0; i < G_N_ELEMENTS(builtin_regs); i++)
		add_reg(m->regs, builtin_regs[i].leaf, builtin_regs[i].index, builtin_regs[i].reg);
	if (parse_file(m, "index.xml", 0, err) < 0) {
		map_free(m);
		return NULL;
	}
	map_free(cached_map);
	cached_map = m;
	return m;
}

static const x86_reg *map_regs(const cpu_map *m, size_t *n)
{
	if (m) {
		*n = m->regs->len;
		return (const x86_reg *)(void *)m->regs->data;
	}
	*n = G_N_ELEMENTS(builtin_regs);
	return builtin_regs;
}

/* Name of one CPUID bit: the libvirt feature defined as exactly that bit,
 * a KVM PV feature name, or NULL. */
static const char *bit_name(const cpu_map *m, const x86_reg *r, unsigned bit)
{
	if (r->leaf == 0x40000001 && r->reg == EAX) {
		for (size_t i = 0; i < G_N_ELEMENTS(kvm_pv); i++)
			if (kvm_pv[i].bit == bit)
				return kvm_pv[i].name;
		return NULL;
	}
	for (guint i = 0; m && i < m->features->len; i++) {
		const map_feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->items->len; j++) {
			const map_item *it = &g_array_index(f->items, map_item, j);
			if (!it->is_msr && it->leaf == r->leaf && it->index == r->index &&
			    it->reg == r->reg && it->mask == (1ull << bit))
				return f->name;
		}
	}
	return NULL;
}

/* "0x7.0.ebx.16": a CPUID bit without a name, as CPU_DISABLE accepts it. */
static bool parse_raw_bit(const char *s, x86_reg *r, unsigned *bit)
{
	g_auto(GStrv) parts = g_strsplit(s, ".", -1);
	uint64_t leaf, index, b;
	if (g_strv_length(parts) != 4 || !parse_hex(parts[0], &leaf) ||
	    !parse_hex(parts[1], &index) || !parse_hex(parts[3], &b) || leaf > 0xffffffffu ||
	    index > 0xffffffffu || b > 31)
		return false;
	for (unsigned i = EAX; i <= EDX; i++) {
		if (strcmp(parts[2], reg_names[i]) == 0) {
			r->leaf = (uint32_t)leaf;
			r->index = (uint32_t)index;
			r->reg = i;
			*bit = (unsigned)b;
			return true;
		}
	}
	return false;
}

static char *bit_token(const cpu_map *m, const x86_reg *r, unsigned bit)
{
	const char *n = bit_name(m, r, bit);
	return n ? g_strdup(n)
		 : g_strdup_printf("0x%x.%u.%s.%u", r->leaf, r->index, reg_names[r->reg], bit);
}

static char *bit_label(const cpu_map *m, const x86_reg *r, unsigned bit)
{
	const char *n = bit_name(m, r, bit);
	return n ? g_strdup(n)
		 : g_strdup_printf("CPUID 0x%x.%u.%s bit %u", r->leaf, r->index, reg_names[r->reg],
				   bit);
}

/* ---- host profiles ---- */

static bool host_reg(const mc_facts *f, uint32_t leaf, uint32_t index, unsigned reg, uint32_t *out)
{
	char key[40];
	unsigned long long v = 0;
	snprintf(key, sizeof(key), "0x%08x.0x%08x.%s", leaf, index, reg_names[reg]);
	*out = 0;
	if (!mc_fact_u64(f, "x86.cpuid", key, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The feature bits a host's KVM offers in one register. TSC deadline is not
 * reported by KVM_GET_SUPPORTED_CPUID but through KVM_CAP_TSC_DEADLINE_TIMER
 * (Documentation/virt/kvm/api.rst); QEMU sets the bit from the capability. */
static uint32_t host_bits(const mc_facts *f, const x86_reg *r)
{
	uint32_t v;
	host_reg(f, r->leaf, r->index, r->reg, &v);
	if (r->leaf == 0x1 && r->reg == ECX &&
	    mc_facts_get(f, "kvm.cap", "KVM_CAP_TSC_DEADLINE_TIMER"))
		v |= 1u << 24;
	return v & ~never_compared(r->leaf, r->index, r->reg);
}

static bool is_x86(const mc_facts *f)
{
	return strcmp(mc_arch_of(f), "x86_64") == 0;
}

/* ---- the guest's view ---- */

typedef struct {
	x86_reg r;
	uint32_t bits;
} reg_bits;

struct mc_x86_guest {
	const cpu_map *map; /* NULL when the map is unavailable (passthrough) */
	char *describe;
	char *model;           /* NULL: host-passthrough */
	GArray *regs;          /* reg_bits, one per compared register */
	GArray *msrs;          /* map_item (is_msr): the model's feature-MSR bits */
	GArray *model_missing; /* reg_bits: model bits SRC lacks (check_pins_on_src) */
};

void mc_x86_guest_free(mc_x86_guest *g)
{
	if (!g)
		return;
	g_free(g->describe);
	g_free(g->model);
	g_array_unref(g->regs);
	g_array_unref(g->msrs);
	g_array_unref(g->model_missing);
	g_free(g);
}

const char *mc_x86_guest_describe(const mc_x86_guest *g)
{
	return g->describe;
}

static reg_bits *guest_reg(GArray *a, uint32_t leaf, uint32_t index, unsigned reg)
{
	for (guint i = 0; i < a->len; i++) {
		reg_bits *rb = &g_array_index(a, reg_bits, i);
		if (rb->r.leaf == leaf && rb->r.index == index && rb->r.reg == reg)
			return rb;
	}
	return NULL;
}

static bool is_passthrough(const char *cpu)
{
	return !cpu || strcmp(cpu, "host-passthrough") == 0 || strcmp(cpu, "host") == 0;
}

/* Apply one CPU_DISABLE token to the register set (and MSR bits). */
static int disable_token(const cpu_map *m, mc_x86_guest *g, const char *tok, mc_error *err)
{
	x86_reg r;
	unsigned bit;
	bool found = false;
	if (parse_raw_bit(tok, &r, &bit)) {
		reg_bits *rb = guest_reg(g->regs, r.leaf, r.index, r.reg);
		if (rb)
			rb->bits &= ~(1u << bit);
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(kvm_pv); i++) {
		if (strcmp(kvm_pv[i].name, tok) == 0) {
			reg_bits *rb = guest_reg(g->regs, 0x40000001, 0, EAX);
			if (rb)
				rb->bits &= ~(1u << kvm_pv[i].bit);
			found = true;
		}
	}
	const map_feature *f = m ? g_hash_table_lookup(m->by_name, tok) : NULL;
	for (guint j = 0; f && j < f->items->len; j++) {
		const map_item *it = &g_array_index(f->items, map_item, j);
		if (it->is_msr) {
			for (guint k = 0; g->msrs && k < g->msrs->len; k++) {
				map_item *gm = &g_array_index(g->msrs, map_item, k);
				if (gm->leaf == it->leaf)
					gm->mask &= ~it->mask;
			}
			continue;
		}
		reg_bits *rb = guest_reg(g->regs, it->leaf, it->index, it->reg);
		if (rb)
			rb->bits &= ~(uint32_t)it->mask;
	}
	if (!f && !found)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "unknown CPU feature '%s' (a libvirt feature name, a KVM PV "
				    "feature, or LEAF.INDEX.REG.BIT)",
				    tok);
	return 0;
}

/* Add a model's features (parents first) to g->regs / g->msrs. */
static int add_model(const cpu_map *m, mc_x86_guest *g, const char *name, int depth, mc_error *err)
{
	const map_model *md = g_hash_table_lookup(m->models, name);
	if (!md)
		return mc_error_set(err, MC_EXIT_USAGE, ENOENT,
				    "unknown CPU model '%s' (not in libvirt's CPU map %s)", name,
				    m->dir);
	if (md->parent) {
		if (depth > 8)
			return mc_error_set(err, MC_EXIT_DATAERR, ELOOP,
					    "CPU model %s: inheritance loop", name);
		int rc = add_model(m, g, md->parent, depth + 1, err);
		if (rc < 0)
			return rc;
	}
	for (guint i = 0; i < md->features->len; i++) {
		const map_feature *f = g_hash_table_lookup(m->by_name, md->features->pdata[i]);
		if (!f)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					    "CPU model %s: unknown feature %s", name,
					    (const char *)md->features->pdata[i]);
		for (guint j = 0; j < f->items->len; j++) {
			const map_item *it = &g_array_index(f->items, map_item, j);
			if (it->is_msr) {
				g_array_append_val(g->msrs, *it);
				continue;
			}
			reg_bits *rb = guest_reg(g->regs, it->leaf, it->index, it->reg);
			if (rb)
				rb->bits |= (uint32_t)it->mask;
		}
	}
	return 0;
}

mc_x86_guest *mc_x86_guest_new(const mc_facts *src, const mc_pins *pins, mc_error *err)
{
	const char *cpu = mc_pins_get(pins, "CPU");
	const char *disable = mc_pins_get(pins, "CPU_DISABLE");
	mc_error sub = { 0 };
	/* Host-passthrough works without the map (raw bit names); a model or a
	 * feature name needs it. */
	const cpu_map *m = map_get(&sub);
	if (!m && (!is_passthrough(cpu) || disable)) {
		mc_error_set(err, sub.exit_code, sub.errnum, "%s", sub.msg);
		return NULL;
	}
	mc_x86_guest *g = g_new0(mc_x86_guest, 1);
	g->map = m;
	g->regs = g_array_new(FALSE, TRUE, sizeof(reg_bits));
	g->msrs = g_array_new(FALSE, TRUE, sizeof(map_item));
	g->model_missing = g_array_new(FALSE, TRUE, sizeof(reg_bits));
	size_t nregs;
	const x86_reg *regs = map_regs(m, &nregs);
	for (size_t i = 0; i < nregs; i++) {
		reg_bits rb = { regs[i], 0 };
		g_array_append_val(g->regs, rb);
	}
	if (is_passthrough(cpu)) {
		g->describe = g_strdup("host-passthrough");
		for (guint i = 0; i < g->regs->len; i++) {
			reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
			rb->bits = host_bits(src, &rb->r);
			/* invtsc: QEMU's only unmigratable flag; -cpu host,migratable=on
			 * (libvirt's default) never shows it. */
			if (rb->r.leaf == 0x80000007 && rb->r.reg == EDX)
				rb->bits &= ~(1u << 8);
		}
	} else {
		g->model = g_strdup(cpu);
		g->describe = g_strdup_printf("CPU model %s", cpu);
		if (add_model(m, g, cpu, 0, err) < 0) {
			mc_x86_guest_free(g);
			return NULL;
		}
		for (guint i = 0; i < g->regs->len; i++) {
			reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
			rb->bits &= ~never_compared(rb->r.leaf, rb->r.index, rb->r.reg);
			uint32_t have = host_bits(src, &rb->r);
			if (rb->r.leaf == 0x1 && rb->r.reg == ECX) {
				/* QEMU's KVM defaults for every model: x2apic on
				 * (KVM emulates it everywhere), monitor off. */
				rb->bits = (rb->bits | 1u << 21) & ~(1u << 3);
			} else if (rb->r.leaf == 0x1 && rb->r.reg == EDX) {
				rb->bits &= ~(1u << 22); /* acpi off */
			} else if (rb->r.leaf == 0x80000001 && rb->r.reg == ECX) {
				/* svm off unless asked for: nested is not modelled. */
				rb->bits &= ~(1u << 2);
			} else if (rb->r.leaf == 0x40000001 && rb->r.reg == EAX) {
				/* PV defaults are filtered by what SRC offers. */
				rb->bits = KVM_PV_MODEL_DEFAULT & have;
			}
			if (rb->bits & ~have) {
				reg_bits miss = { rb->r, rb->bits & ~have };
				g_array_append_val(g->model_missing, miss);
			}
		}
	}
	if (disable) {
		g_auto(GStrv) toks = g_strsplit(disable, ",", -1);
		for (char **t = toks; *t; t++) {
			g_strstrip(*t);
			if (!**t)
				continue;
			if (disable_token(m, g, *t, err) < 0) {
				mc_x86_guest_free(g);
				return NULL;
			}
		}
		/* Disabled features are no longer needed from SRC. */
		for (guint i = 0; i < g->model_missing->len; i++) {
			reg_bits *mm = &g_array_index(g->model_missing, reg_bits, i);
			const reg_bits *rb = guest_reg(g->regs, mm->r.leaf, mm->r.index, mm->r.reg);
			mm->bits &= rb ? rb->bits : 0;
		}
	}
	/* QEMU 7.2 feature_dependencies (target/i386/cpu.c): a feature MSR's
	 * bits are cleared when the guest does not see the CPUID bit that
	 * announces the MSR. */
	static const struct {
		uint32_t msr, leaf;
		unsigned reg, bit;
	} announced_by[] = {
		{ 0x10a, 0x7, EDX, 29 }, /* ARCH_CAPABILITIES: arch-capabilities */
		{ 0xcf, 0x7, EDX, 30 },  /* CORE_CAPABILITY: core-capability */
		{ 0x345, 0x1, ECX, 15 }, /* PERF_CAPABILITIES: pdcm */
	};
	for (guint i = 0; i < g->msrs->len; i++) {
		map_item *it = &g_array_index(g->msrs, map_item, i);
		for (size_t k = 0; k < G_N_ELEMENTS(announced_by); k++)
			if (it->leaf == announced_by[k].msr &&
			    !mc_x86_guest_has(g, announced_by[k].leaf, 0, announced_by[k].reg,
					      announced_by[k].bit))
				it->mask = 0;
	}
	return g;
}

bool mc_x86_guest_has(const mc_x86_guest *g, unsigned leaf, unsigned index, unsigned reg,
		      unsigned bit)
{
	const reg_bits *rb = guest_reg(g->regs, leaf, index, reg);
	return rb && bit < 32 && (rb->bits >> bit & 1);
}

/* The CPU map's name of bit `bit` of feature MSR `index` (ibrs-all, ...), or
 * NULL when the map has none. */
static char *msr_token(const cpu_map *m, uint32_t index, unsigned bit)
{
	for (guint i = 0; m && i < m->features->len; i++) {
		const map_feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->items->len; j++) {
			const map_item *it = &g_array_index(f->items, map_item, j);
			if (it->is_msr && it->leaf == index && (it->mask >> bit & 1))
				return g_strdup(f->name);
		}
	}
	return NULL;
}

char *mc_x86_guest_msr_token(const mc_x86_guest *g, unsigned index, unsigned bit)
{
	return msr_token(g->map, index, bit);
}

/* Append (comma-separated) the CPU model's feature-MSR bits `host` does not
 * offer: QEMU 7.2 x86_cpu_filter_features filters a model's MSR feature
 * words like its CPUID words (host value: kvm_arch_get_supported_msr_feature,
 * 0 for an MSR KVM does not list), so the model cannot start with enforce,
 * and libvirt reports it unusable. A profile without MSR facts (probe not
 * run) requires nothing: unknown is not missing. */
static void msr_missing(const mc_x86_guest *g, const mc_facts *host, GString *out)
{
	size_t first, last;
	mc_facts_domain_range(host, "x86.msr", &first, &last);
	if (!g->model || first == last)
		return;
	for (guint i = 0; i < g->msrs->len; i++) {
		const map_item *it = &g_array_index(g->msrs, map_item, i);
		bool seen = false;
		for (guint k = 0; k < i && !seen; k++)
			seen = g_array_index(g->msrs, map_item, k).leaf == it->leaf;
		if (seen)
			continue; /* this MSR's bits were gathered at its first item */
		uint64_t need = 0;
		for (guint k = i; k < g->msrs->len; k++) {
			const map_item *o = &g_array_index(g->msrs, map_item, k);
			if (o->leaf == it->leaf)
				need |= o->mask;
		}
		char key[16];
		unsigned long long have = 0;
		snprintf(key, sizeof(key), "0x%08x", it->leaf);
		if (!mc_fact_u64(host, "x86.msr_feature", key, &have))
			have = 0;
		for (unsigned b = 0; b < 64; b++) {
			if (!(need >> b & 1) || (have >> b & 1))
				continue;
			g_autofree char *t = msr_token(g->map, it->leaf, b);
			if (t)
				g_string_append_printf(out, "%s%s", out->len ? "," : "", t);
			else
				g_string_append_printf(out, "%sMSR 0x%x bit %u",
						       out->len ? "," : "", it->leaf, b);
		}
	}
}

unsigned long long mc_x86_guest_msr_feature(const mc_x86_guest *g, const mc_facts *src,
					    unsigned index)
{
	char key[16];
	unsigned long long v = 0;
	snprintf(key, sizeof(key), "0x%08x", index);
	if (!mc_fact_u64(src, "x86.msr_feature", key, &v))
		return 0;
	if (!g->model)
		return v;
	/* A model shows the feature-MSR bits it lists; for an MSR the map
	 * defines no bit of (e.g. PERF_CAPABILITIES), QEMU passes the host's. */
	const cpu_map *m = g->map;
	bool defined = false;
	for (guint i = 0; m && i < m->features->len; i++) {
		const map_feature *f = m->features->pdata[i];
		for (guint j = 0; j < f->items->len; j++) {
			const map_item *it = &g_array_index(f->items, map_item, j);
			if (it->is_msr && it->leaf == index)
				defined = true;
		}
	}
	if (!defined)
		return v;
	unsigned long long mask = 0;
	for (guint k = 0; k < g->msrs->len; k++) {
		const map_item *it = &g_array_index(g->msrs, map_item, k);
		if (it->leaf == index)
			mask |= it->mask;
	}
	return v & mask;
}

/* ---- pins ---- */

static const char *const pin_names[] = { "CPU", "CPU_DISABLE", NULL };

static int check_pin(const char *name, const char *value, mc_error *err)
{
	mc_error sub = { 0 };
	if (strcmp(name, "CPU") == 0) {
		if (is_passthrough(value))
			return 0;
		const cpu_map *m = map_get(&sub);
		if (!m) { /* not the pin's fault: reported as it is */
			*err = sub;
			return -(sub.errnum ? sub.errnum : EIO);
		}
		if (!g_hash_table_contains(m->models, value))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "unknown CPU model (not in libvirt's CPU map %s)",
					    m->dir);
		return 0;
	}
	/* CPU_DISABLE: a comma-separated list of features. */
	const cpu_map *m = map_get(&sub);
	g_auto(GStrv) toks = g_strsplit(value, ",", -1);
	for (char **t = toks; *t; t++) {
		x86_reg r;
		unsigned bit;
		bool ok = parse_raw_bit(*t, &r, &bit);
		for (size_t i = 0; !ok && i < G_N_ELEMENTS(kvm_pv); i++)
			ok = strcmp(kvm_pv[i].name, *t) == 0;
		if (!ok && m)
			ok = g_hash_table_contains(m->by_name, *t);
		if (!ok)
			return mc_error_set(
			    err, MC_EXIT_USAGE, EINVAL, "unknown CPU feature '%s'%s%s", *t,
			    m ? "" : " (libvirt CPU map unavailable: ", m ? "" : sub.msg);
	}
	return 0;
}

static int check_pins_on_src(const mc_facts *src, const mc_pins *pins, mc_error *err)
{
	if (!is_x86(src) || (!mc_pins_get(pins, "CPU") && !mc_pins_get(pins, "CPU_DISABLE")))
		return 0;
	mc_x86_guest *g = mc_x86_guest_new(src, pins, err);
	if (!g)
		return -EINVAL;
	GString *miss = g_string_new(NULL);
	for (guint i = 0; i < g->model_missing->len; i++) {
		const reg_bits *mm = &g_array_index(g->model_missing, reg_bits, i);
		for (unsigned b = 0; b < 32; b++) {
			if (!(mm->bits >> b & 1))
				continue;
			g_autofree char *t = bit_token(g->map, &mm->r, b);
			g_string_append_printf(miss, "%s%s", miss->len ? "," : "", t);
		}
	}
	msr_missing(g, src, miss);
	int rc = 0;
	if (miss->len)
		rc = mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				  "%s needs CPU features the source's KVM does not offer (%s): "
				  "a guest could not start there with it; add them to CPU_DISABLE",
				  g->describe, miss->str);
	g_string_free(miss, TRUE);
	mc_x86_guest_free(g);
	return rc;
}

/* ---- the rule ---- */

static char *disable_pin(const mc_pins *pins, const char *tok)
{
	const char *cur = mc_pins_get(pins, "CPU_DISABLE");
	return cur ? g_strdup_printf("CPU_DISABLE=%s,%s", cur, tok)
		   : g_strdup_printf("CPU_DISABLE=%s", tok);
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	if (!is_x86(ctx->src))
		return 0;
	if (!mc_rule_have_domain(ctx, FAMILY, "x86.cpuid", "supported CPUID"))
		return 0;
	mc_x86_guest *g = mc_x86_guest_new(ctx->src, ctx->pins, err);
	if (!g)
		return -EINVAL;
	const cpu_map *m = g->map;
	unsigned nbits = 0, nregs = 0, nmissing = 0;
	for (guint i = 0; i < g->regs->len; i++) {
		const reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
		if (!rb->bits)
			continue;
		nregs++;
		uint32_t have = host_bits(ctx->dst, &rb->r);
		uint32_t miss = rb->bits & ~have;
		nbits += (unsigned)__builtin_popcount(rb->bits);
		for (unsigned b = 0; b < 32; b++) {
			if (!(miss >> b & 1))
				continue;
			nmissing++;
			g_autofree char *label = bit_label(m, &rb->r, b);
			g_autofree char *tok = bit_token(m, &rb->r, b);
			uint32_t sv, dv;
			bool sh = host_reg(ctx->src, rb->r.leaf, rb->r.index, rb->r.reg, &sv);
			bool dh = host_reg(ctx->dst, rb->r.leaf, rb->r.index, rb->r.reg, &dv);
			g_autofree char *svs =
			    sh ? g_strdup_printf("0x%08x", sv) : g_strdup("absent");
			g_autofree char *dvs =
			    dh ? g_strdup_printf("0x%08x", dv) : g_strdup("absent");
			g_autofree char *facts = g_strdup_printf(
			    "guest (%s) CPUID 0x%x.%u.%s bit %u; SRC x86.cpuid "
			    "0x%08x.0x%08x.%s=%s; DST value %s",
			    g->describe, rb->r.leaf, rb->r.index, reg_names[rb->r.reg], b,
			    rb->r.leaf, rb->r.index, reg_names[rb->r.reg], svs, dvs);
			g_autofree char *pin = disable_pin(ctx->pins, tok);
			g_autofree char *remedy = g_strdup_printf(
			    "start the guest with a CPU model without %s (--pin %s), or pick a "
			    "CPU model both hosts support",
			    label, pin);
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, label, facts, remedy, pin,
				    "the guest sees %s on the source but the destination's KVM "
				    "does not support it",
				    label);
		}
	}
	if (!nmissing)
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "summary", NULL, NULL, NULL,
			    "%u feature bits of %u registers present on DST (%s)", nbits, nregs,
			    g->describe);
	mc_x86_guest_free(g);
	return 0;
}

/* Pins that make a guest started on `newer` see only what `older` offers:
 * CPU_DISABLE of every host-passthrough feature bit older lacks. */
static int compat(const mc_facts *newer, const mc_facts *older, mc_pins *out, mc_error *err)
{
	if (!is_x86(newer) || !is_x86(older))
		return 0;
	mc_x86_guest *g = mc_x86_guest_new(newer, NULL, err);
	if (!g)
		return -EINVAL;
	GPtrArray *toks = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < g->regs->len; i++) {
		const reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
		uint32_t miss = rb->bits & ~host_bits(older, &rb->r);
		for (unsigned b = 0; b < 32; b++) {
			if (!(miss >> b & 1))
				continue;
			char *t = bit_token(g->map, &rb->r, b);
			if (g_ptr_array_find_with_equal_func(toks, t, g_str_equal, NULL))
				g_free(t); /* kvmclock names two bits */
			else
				g_ptr_array_add(toks, t);
		}
	}
	int rc = 0;
	if (toks->len) {
		g_ptr_array_add(toks, NULL);
		g_autofree char *v = g_strjoinv(",", (char **)toks->pdata);
		rc = mc_pins_set(out, "CPU_DISABLE", v, err);
	}
	g_ptr_array_unref(toks);
	mc_x86_guest_free(g);
	return rc;
}

const mc_rule mc_rule_x86_cpuid = { FAMILY, pin_names, check_pin, check_pins_on_src, run, compat };
