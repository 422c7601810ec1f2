#include "core/planner/plan_profile.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/arm64_regid.h"
#include "core/planner/pins.h"

typedef struct cpuid_reg {
	uint32_t leaf, index;
	unsigned reg;
	bool ok; /* the value parses (mc_parse_u64) */
	uint64_t value;
} cpuid_reg;

/* One domain of the profile, indexed when first looked up: the planner
 * reads a few small domains by key (kvm.cap, kernel, ...), and walks or
 * parses the large ones (x86.msr, x86.cpuid, arm64.reg) once. */
typedef struct pp_domain {
	char *name;
	size_t first, last; /* its facts: v[first, last) */
	uint32_t *slots;    /* NULL until looked up often by key in a large domain */
	uint32_t *hash;     /* per fact of the domain */
	size_t mask;
	size_t lookups; /* by binary search, before the hash is built */
} pp_domain;

#define PP_LINEAR 8 /* domains of at most this many facts: no hash */

struct mc_plan_profile {
	const mc_facts *f; /* borrowed */
	const mc_fact *v;  /* its facts, in order (mc_facts_at(f, 0) ...) */
	size_t n;
	/* Filled lazily by lookups; a compiled profile is not shared between
	 * threads. */
	GArray *domains; /* pp_domain */
	guint last;      /* the domain looked up last: most lookups follow one */
	const char *arch, *release;
	cpuid_reg *cpuid; /* canonical x86.cpuid keys, sorted */
	size_t ncpuid;
	mc_pp_reg *regs; /* arm64.reg, key order */
	size_t nregs;
	const mc_pp_reg **canon; /* the regs whose key is canonical, by id */
	size_t ncanon;
};

/* A hash of DOMAIN then KEY, eight bytes at a time. */
static uint64_t mix(uint64_t h, const char *s)
{
	size_t n = strlen(s);
	uint64_t w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w ^ (uint64_t)n << 56) * 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 32;
}

static uint32_t key_hash(const char *key)
{
	return (uint32_t)mix(0x243f6a8885a308d3ULL, key);
}

/* 1 + the value of each lowercase hex digit, 0 for any other byte. */
static const unsigned char hexval[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static int hexdigit(char c)
{
	return (int)hexval[(unsigned char)c] - 1;
}

/* Eight lowercase hex digits at s (which has at least eight bytes): their
 * value, or false. Eight at a time on little-endian hosts: a byte is a
 * digit when it lies in ('0' - 1, '9' + 1) or ('a' - 1, 'f' + 1) (Bit
 * Twiddling Hacks' hasbetween, exact per byte), and its value is its low
 * nibble, plus 9 for a letter. */
static bool hex8(const char *s, uint32_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 128;
	uint64_t x;
	memcpy(&x, s, 8);
	uint64_t lo7 = x & ones * 127;
	uint64_t digit =
	    (ones * (127 + '9' + 1) - lo7) & ~x & (lo7 + ones * (127 - '0' + 1)) & high;
	uint64_t alpha =
	    (ones * (127 + 'f' + 1) - lo7) & ~x & (lo7 + ones * (127 - 'a' + 1)) & high;
	if ((digit | alpha) != high)
		return false;
	uint64_t v = (x & ones * 0xf) + ((x >> 6) & ones) * 9; /* byte i: digit i */
	v = ((v & 0x00ff00ff00ff00ffULL) << 4) | ((v >> 8) & 0x00ff00ff00ff00ffULL);
	v = ((v & 0x0000ffff0000ffffULL) << 8) | ((v >> 16) & 0x0000ffff0000ffffULL);
	*out = (uint32_t)(((v & 0xffffffffULL) << 16) | (v >> 32));
	return true;
#else
	uint32_t v = 0;
	for (unsigned i = 0; i < 8; i++) {
		int d = hexdigit(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return true;
#endif
}

/* "0x" and exactly `digits` (8 or 16) lowercase hex digits (as printf's
 * %0Nx writes a value of that many digits); s has at least 2 + digits
 * bytes. */
static bool canon_hex(const char *s, unsigned digits, uint64_t *out)
{
	uint32_t hi, lo;
	if (s[0] != '0' || s[1] != 'x' || !hex8(s + 2, &hi))
		return false;
	if (digits == 8) {
		*out = hi;
		return true;
	}
	if (!hex8(s + 10, &lo))
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

/* The key mc_x86_host_reg looks up: "0x%08x.0x%08x.%s". */
static bool cpuid_key(const char *k, cpuid_reg *r)
{
	uint64_t leaf, index;
	/* ... ".eax", ".ebx", ".ecx" or ".edx" and the end */
	if (strlen(k) != 25 || !canon_hex(k, 8, &leaf) || k[10] != '.' ||
	    !canon_hex(k + 11, 8, &index) || k[21] != '.' || k[22] != 'e' || k[23] < 'a' ||
	    k[23] > 'd' || k[24] != 'x' || k[25])
		return false;
	r->leaf = (uint32_t)leaf;
	r->index = (uint32_t)index;
	r->reg = (unsigned)(k[23] - 'a');
	return true;
}

static int cpuid_cmp(const void *a, const void *b)
{
	const cpuid_reg *x = a, *y = b;
	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->reg < y->reg ? -1 : x->reg > y->reg;
}

/* "0x" and 1 to 16 hex digits, nothing else: the common form of values,
 * read without strtoull (which reads it the same way). */
static bool plain_hex(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	unsigned i = 0;
	if (s[0] != '0' || s[1] != 'x')
		return false;
	size_t n = strlen(s);
	if (n == 10 || n == 18) /* the printed forms "0x%08x" and "0x%016llx" */
		return canon_hex(s, (unsigned)n - 2, v);
	for (; s[2 + i]; i++) {
		int d = hexdigit(s[2 + i]);
		if (d < 0 || i == 16)
			return false; /* strtoull decides */
		x = x << 4 | (unsigned)d;
	}
	*v = x;
	return i > 0;
}

/* rules_arm64_reg.c's reading of a value: "0x" and hex digits, all of it. */
static bool hex_value(const char *s, uint64_t *v)
{
	char *end;
	if (s && plain_hex(s, v))
		return true;
	if (!s || strncmp(s, "0x", 2) != 0 || !s[2])
		return false;
	errno = 0;
	*v = strtoull(s + 2, &end, 16);
	return !errno && !*end;
}

mc_plan_profile *mc_plan_profile_new(const mc_facts *f)
{
	mc_plan_profile *p = g_new0(mc_plan_profile, 1);
	p->f = f;
	p->n = mc_facts_count(f);
	p->v = mc_facts_at(f, 0);
	p->domains = g_array_new(FALSE, TRUE, sizeof(pp_domain));
	size_t rf, rl, cf, cl;
	mc_facts_domain_range(f, "arm64.reg", &rf, &rl);
	mc_facts_domain_range(f, "x86.cpuid", &cf, &cl);
	p->regs = g_new(mc_pp_reg, rl - rf + 1);
	p->canon = g_new(const mc_pp_reg *, rl - rf + 1);
	p->cpuid = g_new(cpuid_reg, cl - cf + 1);
	p->arch = mc_pp_get(p, "kernel", "arch");
	if (!p->arch)
		p->arch = "";
	p->release = mc_pp_get(p, "kernel", "release");
	for (size_t i = cf; i < cl; i++) {
		const mc_fact *x = &p->v[i];
		cpuid_reg r = { 0 };
		unsigned long long v;
		if (!cpuid_key(x->key, &r))
			continue;
		uint64_t h;
		if (plain_hex(x->value, &h)) /* mc_parse_u64 reads it so */
			r.ok = true, v = h;
		else
			r.ok = mc_parse_u64(x->value, &v) == 0;
		r.value = r.ok ? v : 0;
		p->cpuid[p->ncpuid++] = r;
	}
	bool sorted = true; /* canonical keys sort as their registers */
	for (size_t i = 1; i < p->ncpuid && sorted; i++)
		sorted = cpuid_cmp(&p->cpuid[i - 1], &p->cpuid[i]) < 0;
	if (!sorted)
		qsort(p->cpuid, p->ncpuid, sizeof(*p->cpuid), cpuid_cmp);
	for (size_t i = rf; i < rl; i++) {
		const mc_fact *x = &p->v[i];
		mc_pp_reg *r = &p->regs[p->nregs++];
		uint64_t id;
		*r = (mc_pp_reg){ .fact = x };
		r->has_value = hex_value(x->value, &r->value);
		if (!r->has_value)
			r->value = 0;
		/* keys of one length in lowercase hex sort as their numbers */
		if (strlen(x->key) == 18 && canon_hex(x->key, 16, &id)) {
			r->id = id;
			r->canon = true;
			p->canon[p->ncanon++] = r;
		} else {
			r->id = strtoull(x->key, NULL, 16);
		}
		r->fw = mc_arm64_reg_is_fw(r->id);
		r->checked = mc_arm64_reg_value_checked(r->id);
	}
	return p;
}

void mc_plan_profile_free(mc_plan_profile *p)
{
	if (!p)
		return;
	for (guint i = 0; i < p->domains->len; i++) {
		pp_domain *d = &g_array_index(p->domains, pp_domain, i);
		g_free(d->name);
		g_free(d->slots);
		g_free(d->hash);
	}
	g_array_unref(p->domains);
	g_free(p->cpuid);
	g_free(p->regs);
	g_free(p->canon);
	g_free(p);
}

const mc_facts *mc_plan_profile_facts(const mc_plan_profile *p)
{
	return p->f;
}

/* The domain's entry, found (or added: its range) on first use. */
static pp_domain *domain_of(const mc_plan_profile *p, const char *domain)
{
	GArray *a = p->domains;
	if (p->last < a->len) {
		pp_domain *d = &g_array_index(a, pp_domain, p->last);
		if (strcmp(d->name, domain) == 0)
			return d;
	}
	for (guint i = 0; i < a->len; i++) {
		pp_domain *d = &g_array_index(a, pp_domain, i);
		if (d->name[0] == domain[0] && strcmp(d->name, domain) == 0) {
			((mc_plan_profile *)p)->last = i; /* p is never const-allocated */
			return d;
		}
	}
	pp_domain d = { .name = g_strdup(domain) };
	mc_facts_domain_range(p->f, domain, &d.first, &d.last);
	g_array_append_val(a, d);
	((mc_plan_profile *)p)->last = a->len - 1;
	return &g_array_index(a, pp_domain, a->len - 1);
}

/* The fact of key in the domain's facts (sorted by key, as strcmp orders
 * them, no key twice), by binary search. */
static const char *bsearch_key(const mc_plan_profile *p, const pp_domain *d, const char *key)
{
	size_t lo = d->first, hi = d->last;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->v[mid].key, key);
		if (c == 0)
			return p->v[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void build_hash(const mc_plan_profile *p, pp_domain *d)
{
	size_t n = d->last - d->first, cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	d->mask = cap - 1;
	d->slots = g_new0(uint32_t, cap);
	d->hash = g_new(uint32_t, n);
	for (size_t i = 0; i < n; i++) {
		uint32_t h = key_hash(p->v[d->first + i].key);
		size_t s = h & d->mask;
		d->hash[i] = h;
		while (d->slots[s])
			s = (s + 1) & d->mask;
		d->slots[s] = (uint32_t)i + 1;
	}
}

const char *mc_pp_get(const mc_plan_profile *p, const char *domain, const char *key)
{
	pp_domain *d = domain_of(p, domain);
	size_t n = d->last - d->first;
	if (n <= PP_LINEAR) {
		for (size_t i = d->first; i < d->last; i++)
			if (strcmp(p->v[i].key, key) == 0)
				return p->v[i].value;
		return NULL;
	}
	if (!d->slots) {
		/* A hash of every key costs about as much as n / 4 binary
		 * searches: a plan that looks up a few keys of a large domain
		 * (the feature MSRs of x86.msr) searches; a profile planned
		 * against many (compiled once) gets the hash. */
		if (d->lookups++ < n / 4 + 16)
			return bsearch_key(p, d, key);
		build_hash(p, d);
	}
	uint32_t h = key_hash(key);
	for (size_t s = h & d->mask; d->slots[s]; s = (s + 1) & d->mask) {
		size_t i = d->slots[s] - 1;
		if (d->hash[i] == h && strcmp(p->v[d->first + i].key, key) == 0)
			return p->v[d->first + i].value;
	}
	return NULL;
}

bool mc_pp_u64(const mc_plan_profile *p, const char *domain, const char *key,
	       unsigned long long *out)
{
	const char *v = mc_pp_get(p, domain, key);
	return v && mc_parse_u64(v, out) == 0;
}

const char *mc_pp_arch(const mc_plan_profile *p)
{
	return p->arch;
}

const char *mc_pp_release(const mc_plan_profile *p)
{
	return p->release;
}

bool mc_pp_has_domain(const mc_plan_profile *p, const char *domain)
{
	const pp_domain *d = domain_of(p, domain);
	return d->first < d->last;
}

bool mc_pp_x86_cpuid(const mc_plan_profile *p, uint32_t leaf, uint32_t index, unsigned reg,
		     uint32_t *out)
{
	cpuid_reg k = { .leaf = leaf, .index = index, .reg = reg };
	const cpuid_reg *r = bsearch(&k, p->cpuid, p->ncpuid, sizeof(*p->cpuid), cpuid_cmp);
	*out = r && r->ok ? (uint32_t)r->value : 0;
	return r && r->ok;
}

bool mc_pp_x86_cpuid_u64(const mc_plan_profile *p, uint32_t leaf, uint32_t index, unsigned reg,
			 unsigned long long *out)
{
	cpuid_reg k = { .leaf = leaf, .index = index, .reg = reg };
	const cpuid_reg *r = bsearch(&k, p->cpuid, p->ncpuid, sizeof(*p->cpuid), cpuid_cmp);
	if (r && r->ok)
		*out = r->value;
	return r && r->ok;
}

size_t mc_pp_arm64_nregs(const mc_plan_profile *p)
{
	return p->nregs;
}

const mc_pp_reg *mc_pp_arm64_reg_at(const mc_plan_profile *p, size_t i)
{
	return i < p->nregs ? &p->regs[i] : NULL;
}

const mc_pp_reg *mc_pp_arm64_reg(const mc_plan_profile *p, uint64_t id)
{
	size_t lo = 0, hi = p->ncanon;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t m = p->canon[mid]->id;
		if (m == id)
			return p->canon[mid];
		if (m < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct mc_plan_cache {
	GHashTable *by_facts; /* const mc_facts * -> mc_plan_profile * (owned) */
};

static void profile_free(gpointer p)
{
	mc_plan_profile_free(p);
}

mc_plan_cache *mc_plan_cache_new(void)
{
	mc_plan_cache *c = g_new0(mc_plan_cache, 1);
	c->by_facts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, profile_free);
	return c;
}

void mc_plan_cache_free(mc_plan_cache *c)
{
	if (!c)
		return;
	g_hash_table_destroy(c->by_facts);
	g_free(c);
}

const mc_plan_profile *mc_plan_cache_get(mc_plan_cache *c, const mc_facts *f)
{
	mc_plan_profile *p = g_hash_table_lookup(c->by_facts, f);
	if (!p) {
		p = mc_plan_profile_new(f);
		g_hash_table_insert(c->by_facts, (gpointer)f, p);
	}
	return p;
}
