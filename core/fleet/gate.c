#include "core/fleet/gate.h"
#include "core/base/xml.h"

#include <errno.h>
#include <glib.h>
#include <libxml/xmlwriter.h>
#include <string.h>

#include "core/model/profile.h"

#define HOSTS_NAMED 5

typedef struct {
	char id[MC_PROFILE_ID_LEN + 1];
	mc_facts *facts;
	const char *arch;     /* into facts */
	GPtrArray *hosts;     /* char *, in the fleet's names */
	GPtrArray *host_pids; /* char *: each host's profile id (a class: the
			       * entry's id or one of the fleet's keys); NULL: id */
	size_t nprofiles;     /* profiles in the class (1 for a profile) */
	char *hosts_text;     /* built lazily */
} fprofile;

struct mc_gate_fleet {
	GPtrArray *profiles; /* fprofile *, in first-seen order */
	GHashTable *byid;    /* id (every profile of a class) -> fprofile * */
	GPtrArray *keys;     /* owned ids of byid beyond the entries' own */
	GStringChunk *names; /* the host names the entries point to */
};

struct mc_gate {
	char cand_id[MC_PROFILE_ID_LEN + 1];
	char base_id[MC_PROFILE_ID_LEN + 1];
	char equal_id[MC_PROFILE_ID_LEN + 1];
	GArray *pairs;      /* mc_gate_pair */
	GPtrArray *strings; /* owned strings the pairs point to */
	GPtrArray *plans;   /* mc_plan * owned */
	size_t skipped;
	const mc_plan_env *env; /* borrowed for the run */
	mc_plan_cache *cache;   /* the run's profiles, each compiled once */
};

static void fprofile_free(gpointer p)
{
	fprofile *x = p;
	mc_facts_free(x->facts);
	g_ptr_array_free(x->hosts, TRUE);
	if (x->host_pids)
		g_ptr_array_free(x->host_pids, TRUE);
	g_free(x->hosts_text);
	g_free(x);
}

mc_gate_fleet *mc_gate_fleet_new(void)
{
	mc_gate_fleet *f = g_new0(mc_gate_fleet, 1);
	f->profiles = g_ptr_array_new_with_free_func(fprofile_free);
	f->byid = g_hash_table_new(g_str_hash, g_str_equal);
	f->keys = g_ptr_array_new_with_free_func(g_free);
	f->names = g_string_chunk_new(65536);
	return f;
}

void mc_gate_fleet_free(mc_gate_fleet *f)
{
	if (!f)
		return;
	g_hash_table_destroy(f->byid);
	g_ptr_array_free(f->profiles, TRUE);
	g_ptr_array_free(f->keys, TRUE);
	g_string_chunk_free(f->names);
	g_free(f);
}

size_t mc_gate_fleet_count(const mc_gate_fleet *f)
{
	return f->profiles->len;
}

static const fprofile *fleet_at(const mc_gate_fleet *f, size_t i)
{
	return i < f->profiles->len ? f->profiles->pdata[i] : NULL;
}

const char *mc_gate_fleet_id(const mc_gate_fleet *f, size_t i)
{
	const fprofile *p = fleet_at(f, i);
	return p ? p->id : NULL;
}

const mc_facts *mc_gate_fleet_facts(const mc_gate_fleet *f, size_t i)
{
	const fprofile *p = fleet_at(f, i);
	return p ? p->facts : NULL;
}

size_t mc_gate_fleet_nhosts(const mc_gate_fleet *f, size_t i)
{
	const fprofile *p = fleet_at(f, i);
	return p ? p->hosts->len : 0;
}

const char *mc_gate_fleet_host(const mc_gate_fleet *f, size_t i, size_t j)
{
	const fprofile *p = fleet_at(f, i);
	return p && j < p->hosts->len ? p->hosts->pdata[j] : NULL;
}

size_t mc_gate_fleet_nprofiles(const mc_gate_fleet *f, size_t i)
{
	const fprofile *p = fleet_at(f, i);
	return p ? p->nprofiles : 0;
}

const char *mc_gate_fleet_host_profile(const mc_gate_fleet *f, size_t i, size_t j)
{
	const fprofile *p = fleet_at(f, i);
	if (!p || j >= p->hosts->len)
		return NULL;
	return p->host_pids ? p->host_pids->pdata[j] : p->id;
}

/* The class entry of profile p in the class fleet c: a new one (its id p's,
 * facts and arch left to the caller) when `e` is NULL, else e, which now also
 * answers for p's id; p's hosts join it. Returns the entry. */
static fprofile *class_join_hosts(mc_gate_fleet *c, fprofile *e, const char *id,
				  const GPtrArray *hosts)
{
	const char *pid; /* the profile's id, owned by c */
	if (!e) {
		e = g_new0(fprofile, 1);
		g_strlcpy(e->id, id, sizeof(e->id));
		e->hosts = g_ptr_array_new();
		e->host_pids = g_ptr_array_new();
		g_ptr_array_add(c->profiles, e);
		g_hash_table_insert(c->byid, e->id, e);
		pid = e->id;
	} else {
		char *k = g_strdup(id);
		g_ptr_array_add(c->keys, k);
		g_hash_table_insert(c->byid, k, e);
		pid = k;
	}
	e->nprofiles++;
	for (guint j = 0; j < hosts->len; j++) {
		g_ptr_array_add(e->hosts, g_string_chunk_insert(c->names, hosts->pdata[j]));
		g_ptr_array_add(e->host_pids, (gpointer)pid);
	}
	return e;
}

static fprofile *class_join(mc_gate_fleet *c, fprofile *e, const fprofile *p)
{
	return class_join_hosts(c, e, p->id, p->hosts);
}

mc_gate_fleet *mc_gate_fleet_by_class(const mc_gate_fleet *f)
{
	mc_gate_fleet *c = mc_gate_fleet_new();
	GHashTable *bycls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < f->profiles->len; i++) {
		const fprofile *p = f->profiles->pdata[i];
		char cls[MC_CLASS_ID_LEN + 1];
		mc_plan_class_id(p->facts, cls);
		fprofile *e = g_hash_table_lookup(bycls, cls);
		if (!e) {
			e = class_join(c, NULL, p);
			e->facts = mc_facts_dup(p->facts);
			e->arch = mc_facts_get(e->facts, "kernel", "arch");
			g_hash_table_insert(bycls, g_strdup(cls), e);
		} else {
			class_join(c, e, p);
		}
	}
	g_hash_table_destroy(bycls);
	return c;
}

static fprofile *fleet_add_id(mc_gate_fleet *f, const char *id, const char *host)
{
	fprofile *p = g_hash_table_lookup(f->byid, id);
	if (!p) {
		p = g_new0(fprofile, 1);
		g_strlcpy(p->id, id, sizeof(p->id));
		p->hosts = g_ptr_array_new();
		p->nprofiles = 1;
		g_ptr_array_add(f->profiles, p);
		g_hash_table_insert(f->byid, p->id, p);
	}
	g_ptr_array_add(p->hosts, g_string_chunk_insert(f->names, host));
	g_clear_pointer(&p->hosts_text, g_free);
	return p;
}

int mc_gate_fleet_add(mc_gate_fleet *f, const char *host, const mc_facts *facts, mc_error *err)
{
	char id[MC_PROFILE_ID_LEN + 1];
	int r = mc_profile_id(facts, id, err);
	if (r < 0)
		return r;
	fprofile *p = fleet_add_id(f, id, host);
	if (!p->facts) {
		p->facts = mc_facts_dup(facts);
		p->arch = mc_facts_get(p->facts, "kernel", "arch");
	}
	return 0;
}

static int collect_host(const mc_db_host *h, void *opaque)
{
	fleet_add_id(opaque, h->profile_id, h->name);
	return 0;
}

mc_gate_fleet *mc_gate_fleet_load(mc_db *db, mc_error *err)
{
	mc_gate_fleet *f = mc_gate_fleet_new();
	if (mc_db_each_host(db, NULL, collect_host, f, err) < 0)
		goto fail;
	for (guint i = 0; i < f->profiles->len; i++) {
		fprofile *p = f->profiles->pdata[i];
		if (!(p->facts = mc_db_load_profile(db, p->id, err)))
			goto fail;
		p->arch = mc_facts_get(p->facts, "kernel", "arch");
	}
	return f;
fail:
	mc_gate_fleet_free(f);
	return NULL;
}

/* ---- the fleet by class, in bulk ---- */

/* Migration classes without loading every profile: the inventory stores
 * each distinct fact once, so whether a planner family reads a fact is
 * decided once per fact (mc_plan_reads_fact), and a profile's class is the
 * set of its read facts plus the read domains it has facts in: exactly the
 * lines mc_plan_class_id hashes. Only one profile per class is loaded. */
typedef struct {
	guint dom;      /* index into bulk.domains */
	bool dom_read;  /* mc_plan_reads_fact(domain, NULL) */
	bool fact_read; /* and mc_plan_reads_fact(domain, key) */
} bfact;

typedef struct {
	GHashTable *facts;   /* long long * fid -> bfact * */
	GHashTable *domains; /* domain (owned) -> index + 1 */
	GHashTable *keys;    /* profile id (owned) -> GBytes *: its class key */
	const mc_gate_fleet *f;
	GByteArray *buf;
} bulk;

static int bulk_fact(long long fid, const char *domain, const char *key, const char *value,
		     void *opaque)
{
	bulk *b = opaque;
	(void)value;
	guint dom = GPOINTER_TO_UINT(g_hash_table_lookup(b->domains, domain));
	if (!dom) {
		dom = g_hash_table_size(b->domains) + 1;
		g_hash_table_insert(b->domains, g_strdup(domain), GUINT_TO_POINTER(dom));
	}
	bfact *x = g_new0(bfact, 1);
	x->dom = dom - 1;
	x->dom_read = mc_plan_reads_fact(domain, NULL);
	x->fact_read = x->dom_read && mc_plan_reads_fact(domain, key);
	long long *k = g_new(long long, 1);
	*k = fid;
	g_hash_table_insert(b->facts, k, x);
	return 0;
}

static int bulk_profile(const char *id, const long long *fids, size_t n, void *opaque)
{
	bulk *b = opaque;
	if (!g_hash_table_contains(b->f->byid, id))
		return 0; /* no host has it */
	guint ndom = g_hash_table_size(b->domains);
	g_byte_array_set_size(b->buf, (ndom + 7) / 8);
	memset(b->buf->data, 0, b->buf->len);
	for (size_t i = 0; i < n; i++) {
		const bfact *x = g_hash_table_lookup(b->facts, &fids[i]);
		if (!x || !x->dom_read)
			continue; /* an unknown fid: mc_db_load_profile reports it */
		b->buf->data[x->dom / 8] |= (guint8)(1u << (x->dom % 8));
		if (x->fact_read)
			g_byte_array_append(b->buf, (const guint8 *)&fids[i], sizeof(fids[i]));
	}
	g_hash_table_insert(b->keys, g_strdup(id), g_bytes_new(b->buf->data, b->buf->len));
	return 0;
}

static mc_gate_fleet *load_classes_bulk(mc_db *db, mc_error *err)
{
	mc_gate_fleet *f = mc_gate_fleet_new(), *c = NULL;
	bulk b = {
		.facts = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free),
		.domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)g_bytes_unref),
		.f = f,
		.buf = g_byte_array_new(),
	};
	GHashTable *bycls = g_hash_table_new(g_bytes_hash, g_bytes_equal);
	GBytes *none = g_bytes_new(NULL, 0); /* a profile without facts */
	if (mc_db_each_host(db, NULL, collect_host, f, err) < 0 ||
	    mc_db_each_fact(db, bulk_fact, &b, err) < 0 ||
	    mc_db_each_profile_fids(db, bulk_profile, &b, err) < 0)
		goto fail;
	c = mc_gate_fleet_new();
	for (guint i = 0; i < f->profiles->len; i++) {
		const fprofile *p = f->profiles->pdata[i];
		GBytes *key = g_hash_table_lookup(b.keys, p->id);
		if (!key)
			key = none;
		fprofile *e = g_hash_table_lookup(bycls, key);
		if (!e)
			g_hash_table_insert(bycls, key, class_join(c, NULL, p));
		else
			class_join(c, e, p);
	}
	for (guint i = 0; i < c->profiles->len; i++) {
		fprofile *e = c->profiles->pdata[i];
		if (!(e->facts = mc_db_load_profile(db, e->id, err)))
			goto fail;
		e->arch = mc_facts_get(e->facts, "kernel", "arch");
	}
	goto out;
fail:
	mc_gate_fleet_free(c);
	c = NULL;
out:
	g_hash_table_destroy(bycls);
	g_bytes_unref(none);
	g_hash_table_destroy(b.facts);
	g_hash_table_destroy(b.domains);
	g_hash_table_destroy(b.keys);
	g_byte_array_free(b.buf, TRUE);
	mc_gate_fleet_free(f);
	return c;
}

/* ---- the fleet by class, from the stored class keys ---- */

static void classifier_class_of(const mc_facts *f, char out[MC_DB_CLASS_LEN + 1])
{
	G_STATIC_ASSERT(MC_DB_CLASS_LEN == MC_CLASS_ID_LEN);
	mc_plan_class_id(f, out);
}

static int classifier_reads(const char *domain, const char *key)
{
	if (!mc_plan_reads_fact(domain, NULL))
		return 0;
	return 1 | (mc_plan_reads_fact(domain, key) ? 2 : 0);
}

static const mc_db_classifier classifier = { classifier_class_of, classifier_reads };

const mc_db_classifier *mc_gate_classifier(void)
{
	return &classifier;
}

/* A profile of the inventory, with its stored key. */
typedef struct {
	char id[MC_PROFILE_ID_LEN + 1];
	const char *arch, *cls; /* in keyed.strs; cls NULL: no key */
	GPtrArray *hosts;       /* names (in keyed.strs), by name; NULL: none yet */
} kprof;

typedef struct {
	const char *name; /* in keyed.strs */
	kprof *p;
} khost;

typedef struct {
	GHashTable *bypid; /* long long * -> kprof * (both owned) */
	GStringChunk *strs;
	GArray *hosts; /* khost */
	mc_db *db;
	mc_error *err;
	int r; /* a host pointing nowhere */
} keyed;

static void kprof_free(gpointer p)
{
	kprof *x = p;
	if (x->hosts)
		g_ptr_array_free(x->hosts, TRUE);
	g_free(x);
}

static int keyed_profile(long long pid, const char *id, const char *arch, const char *cls,
			 void *opaque)
{
	keyed *k = opaque;
	kprof *p = g_new0(kprof, 1);
	g_strlcpy(p->id, id, sizeof(p->id));
	p->arch = g_string_chunk_insert_const(k->strs, arch);
	p->cls = cls ? g_string_chunk_insert_const(k->strs, cls) : NULL;
	long long *key = g_new(long long, 1);
	*key = pid;
	g_hash_table_insert(k->bypid, key, p);
	return 0;
}

static int keyed_host(const char *name, long long pid, void *opaque)
{
	keyed *k = opaque;
	khost h = { g_string_chunk_insert(k->strs, name), g_hash_table_lookup(k->bypid, &pid) };
	if (!h.p) {
		k->r = mc_error_set(k->err, MC_EXIT_DATAERR, EBADMSG,
				    "%s: inventory is corrupt: hosts.pid in a row: refers to no "
				    "profile (integer)",
				    mc_db_path(k->db));
		return 1;
	}
	g_array_append_val(k->hosts, h);
	return 0;
}

static gint khost_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(((const khost *)a)->name, ((const khost *)b)->name);
}

/* 1 and *out the fleet; 0 when a host's profile has no stored key (the
 * caller computes the classes); -errno. The profiles and the hosts are read
 * once each, in table order; the hosts are sorted by name here. Only one
 * profile per class is loaded, and with `arch` only those of classes of
 * that architecture (NULL: none); other entries keep the inventory's arch. */
static int load_classes_stored(mc_db *db, bool all, const char *arch, mc_gate_fleet **out,
			       mc_error *err)
{
	keyed k = { g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, kprof_free),
		    g_string_chunk_new(65536),
		    g_array_new(FALSE, FALSE, sizeof(khost)),
		    db,
		    err,
		    0 };
	GHashTable *bycls = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *order = g_ptr_array_new(); /* kprof *, first seen by host name */
	mc_gate_fleet *c = NULL;
	int r;
	if ((r = mc_db_each_profile_key(db, keyed_profile, &k, err)) < 0 ||
	    (r = mc_db_each_host_pid(db, keyed_host, &k, err)) < 0 || (r = k.r) < 0)
		goto out;
	g_array_sort(k.hosts, khost_cmp);
	for (guint i = 0; i < k.hosts->len; i++) {
		const khost *h = &g_array_index(k.hosts, khost, i);
		if (!h->p->cls)
			goto out; /* r == 0: computed by the caller */
		if (!h->p->hosts) {
			h->p->hosts = g_ptr_array_new();
			g_ptr_array_add(order, h->p);
		}
		g_ptr_array_add(h->p->hosts, (gpointer)h->name);
	}
	c = mc_gate_fleet_new();
	for (guint i = 0; i < order->len; i++) {
		const kprof *p = order->pdata[i];
		fprofile *e = g_hash_table_lookup(bycls, p->cls);
		if (!e) {
			e = class_join_hosts(c, NULL, p->id, p->hosts);
			e->arch = *p->arch ? g_string_chunk_insert_const(c->names, p->arch) : NULL;
			g_hash_table_insert(bycls, (gpointer)p->cls, e);
		} else {
			class_join_hosts(c, e, p->id, p->hosts);
		}
	}
	for (guint i = 0; i < c->profiles->len; i++) {
		fprofile *e = c->profiles->pdata[i];
		if (!all && (!arch || g_strcmp0(e->arch, arch) != 0))
			continue;
		const char *stored = e->arch;
		if (!(e->facts = mc_db_load_profile(db, e->id, err))) {
			r = -(err && err->errnum ? err->errnum : EIO);
			goto out;
		}
		e->arch = mc_facts_get(e->facts, "kernel", "arch");
		if (g_strcmp0(e->arch, stored) != 0) {
			r = mc_error_set(
			    err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: profile %.12s: profiles.arch is "
			    "'%s', its facts say '%s'",
			    mc_db_path(db), e->id, stored ? stored : "", e->arch ? e->arch : "");
			goto out;
		}
	}
	*out = c;
	c = NULL;
	r = 1;
out:
	mc_gate_fleet_free(c);
	g_ptr_array_free(order, TRUE);
	g_hash_table_destroy(bycls);
	g_hash_table_destroy(k.bypid);
	g_array_free(k.hosts, TRUE);
	g_string_chunk_free(k.strs);
	return r;
}

static mc_gate_fleet *load_classes(mc_db *db, bool all, const char *arch, mc_error *err)
{
	mc_gate_fleet *c = NULL;
	int r = mc_db_classes_stale(db, &classifier, err);
	if (r == 0)
		r = load_classes_stored(db, all, arch, &c, err);
	else if (r > 0)
		r = 0;
	if (r < 0)
		return NULL;
	return r ? c : load_classes_bulk(db, err);
}

mc_gate_fleet *mc_gate_fleet_load_classes_of(mc_db *db, const char *arch, mc_error *err)
{
	return load_classes(db, false, arch, err);
}

const char *mc_gate_fleet_arch(const mc_gate_fleet *f, size_t i)
{
	const fprofile *p = fleet_at(f, i);
	return p ? p->arch : NULL;
}

mc_gate_fleet *mc_gate_fleet_load_classes(mc_db *db, mc_error *err)
{
	return load_classes(db, true, NULL, err);
}

static const char *hosts_text(fprofile *p)
{
	if (p->hosts_text)
		return p->hosts_text;
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < p->hosts->len && i < HOSTS_NAMED; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)p->hosts->pdata[i]);
	if (p->hosts->len > HOSTS_NAMED)
		g_string_append_printf(s, " +%u", p->hosts->len - HOSTS_NAMED);
	p->hosts_text = g_string_free(s, FALSE);
	return p->hosts_text;
}

static void count_diff(const char *d, const char *k, const char *a, const char *b, void *o)
{
	(void)d, (void)k, (void)a, (void)b, (void)o;
}

static const fprofile *choose_base(const mc_gate_fleet *f, const mc_facts *cand, const char *arch)
{
	const fprofile *best = NULL;
	size_t best_diff = 0;
	for (guint i = 0; i < f->profiles->len; i++) {
		const fprofile *p = f->profiles->pdata[i];
		if (g_strcmp0(p->arch, arch) != 0)
			continue;
		size_t d = mc_facts_diff(cand, p->facts, count_diff, NULL);
		if (!best || d < best_diff ||
		    (d == best_diff &&
		     (p->hosts->len > best->hosts->len ||
		      (p->hosts->len == best->hosts->len && strcmp(p->id, best->id) < 0)))) {
			best = p;
			best_diff = d;
		}
	}
	return best;
}

void mc_gate_free(mc_gate *g)
{
	if (!g)
		return;
	if (g->pairs)
		g_array_free(g->pairs, TRUE);
	if (g->strings)
		g_ptr_array_free(g->strings, TRUE);
	if (g->plans)
		g_ptr_array_free(g->plans, TRUE);
	mc_plan_cache_free(g->cache);
	g_free(g);
}

static void plan_free(gpointer p)
{
	mc_plan_free(p);
}

static mc_plan *plan(mc_gate *g, const mc_facts *src, const mc_facts *dst, const mc_pins *pins,
		     const char *sid, const char *did, mc_error *err)
{
	mc_plan *p = mc_plan_compute_cached(g->cache, g->env, src, dst, pins, err);
	if (!p) {
		mc_error_prefix(err, "gate: plan %.12s -> %.12s", sid, did);
		return NULL;
	}
	g_ptr_array_add(g->plans, p);
	return p;
}

mc_gate *mc_gate_run(const mc_gate_fleet *fleet, const mc_plan_env *env, const mc_facts *cand,
		     const char *base_id, mc_error *err)
{
	return mc_gate_run_pins(fleet, env, cand, base_id, NULL, err);
}

mc_gate *mc_gate_run_pins(const mc_gate_fleet *fleet, const mc_plan_env *env, const mc_facts *cand,
			  const char *base_id, const mc_pins *guest, mc_error *err)
{
	mc_gate *g = g_new0(mc_gate, 1);
	g->cache = mc_plan_cache_new();
	g->env = env;
	mc_pins *pins = mc_pins_dup(guest);
	g->pairs = g_array_new(FALSE, TRUE, sizeof(mc_gate_pair));
	g->strings = g_ptr_array_new_with_free_func(g_free);
	g->plans = g_ptr_array_new_with_free_func(plan_free);
	const char *arch = mc_facts_get(cand, "kernel", "arch");
	if (mc_profile_id(cand, g->cand_id, err) < 0)
		goto fail;
	const fprofile *equal = g_hash_table_lookup(fleet->byid, g->cand_id);
	if (equal) {
		/* Nothing changes for any pair: trivially no regression. */
		g_strlcpy(g->equal_id, g->cand_id,
			  sizeof(g->equal_id)); /* in a class: its own id */
		g_strlcpy(g->base_id, equal->id, sizeof(g->base_id));
		goto done;
	}
	const fprofile *base;
	if (base_id) {
		base = g_hash_table_lookup(fleet->byid, base_id);
		if (!base) {
			mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
				     "gate: base profile %.12s is not a profile of the fleet",
				     base_id);
			goto fail;
		}
		if (g_strcmp0(base->arch, arch) != 0) {
			mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				     "gate: base profile %.12s is %s, the candidate is %s", base_id,
				     base->arch ? base->arch : "of unknown architecture",
				     arch ? arch : "of unknown architecture");
			goto fail;
		}
	} else if (!(base = choose_base(fleet, cand, arch))) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "gate: the fleet has no %s profile to compare the candidate with",
			     arch ? arch : "same-architecture");
		goto fail;
	}
	g_strlcpy(g->base_id, base->id, sizeof(g->base_id));
	for (guint i = 0; i < fleet->profiles->len; i++) {
		fprofile *q = fleet->profiles->pdata[i];
		if (g_strcmp0(q->arch, arch) != 0) {
			g->skipped++;
			continue;
		}
		for (int dir = 0; dir < 2; dir++) {
			bool fwd = dir == 0;
			mc_plan *today =
			    fwd ? plan(g, base->facts, q->facts, pins, base->id, q->id, err)
				: plan(g, q->facts, base->facts, pins, q->id, base->id, err);
			mc_plan *now = fwd ? plan(g, cand, q->facts, pins, g->cand_id, q->id, err)
					   : plan(g, q->facts, cand, pins, q->id, g->cand_id, err);
			if (!today || !now)
				goto fail;
			char *cpins = NULL;
			if (fwd && mc_plan_worst(now) == MC_V_BLOCKED) {
				/* The compat row: the candidate's guests started with
				 * the pins that make them look like Q's. */
				mc_pins *cp = mc_plan_compat_pins(g->env, cand, q->facts, err);
				if (!cp)
					goto fail;
				for (size_t k = 0; k < mc_pins_count(pins); k++) {
					const char *n, *v;
					mc_pins_at(pins, k, &n, &v);
					if (!mc_pins_get(cp, n))
						mc_pins_set(cp, n, v, NULL);
				}
				if (mc_pins_count(cp) > mc_pins_count(pins)) {
					mc_plan *pinned =
					    plan(g, cand, q->facts, cp, g->cand_id, q->id, err);
					if (!pinned) {
						mc_pins_free(cp);
						goto fail;
					}
					if (mc_plan_worst(pinned) < MC_V_BLOCKED) {
						now = pinned;
						cpins = mc_pins_format(cp);
						g_ptr_array_add(g->strings, cpins);
					}
				}
				mc_pins_free(cp);
			}
			mc_gate_pair pr = {
				.forward = fwd,
				.other = q->id,
				.hosts = hosts_text(q),
				.nhosts = q->hosts->len,
				.today = mc_plan_worst(today),
				.candidate = mc_plan_worst(now),
				.plan = now,
				.pins = cpins,
			};
			if (cpins && pr.candidate < MC_V_ACTION)
				pr.candidate = MC_V_ACTION;
			pr.regression = pr.candidate > pr.today;
			g_array_append_val(g->pairs, pr);
		}
	}
done:
	mc_pins_free(pins);
	mc_plan_cache_free(g->cache); /* its profiles are the caller's */
	g->cache = NULL;
	return g;
fail:
	mc_pins_free(pins);
	mc_gate_free(g);
	return NULL;
}

const char *mc_gate_candidate_id(const mc_gate *g)
{
	return g->cand_id;
}

const char *mc_gate_base_id(const mc_gate *g)
{
	return g->base_id;
}

const char *mc_gate_equal_id(const mc_gate *g)
{
	return g->equal_id[0] ? g->equal_id : NULL;
}

size_t mc_gate_pair_count(const mc_gate *g)
{
	return g->pairs->len;
}

const mc_gate_pair *mc_gate_pair_at(const mc_gate *g, size_t i)
{
	return i < g->pairs->len ? &g_array_index(g->pairs, mc_gate_pair, i) : NULL;
}

size_t mc_gate_skipped(const mc_gate *g)
{
	return g->skipped;
}

int mc_gate_status(const mc_gate *g)
{
	int st = MC_EXIT_OK;
	for (guint i = 0; i < g->pairs->len; i++) {
		const mc_gate_pair *p = &g_array_index(g->pairs, mc_gate_pair, i);
		if (!p->regression)
			continue;
		if (p->candidate == MC_V_BLOCKED)
			return MC_EXIT_BLOCKED;
		st = MC_EXIT_ACTION;
	}
	return st;
}

/* The verdicts at the plan's worst level: what decided it. */
static void decisive(GString *s, const mc_plan *p, const char *sep)
{
	mc_level w = mc_plan_worst(p);
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		if (w == MC_V_OK || mc_plan_level_at(p, i) != w)
			continue;
		const mc_verdict *v = mc_plan_at(p, i);
		g_string_append_printf(s, "%s%s %s%s%s", s->len ? sep : "", v->family, v->subject,
				       *v->subject ? ": " : "", v->reason);
		if (v->facts)
			g_string_append_printf(s, " [%s]", v->facts);
		if (v->remedy)
			g_string_append_printf(s, " (remedy: %s)", v->remedy);
	}
}

static char *pair_name(const mc_gate_pair *p)
{
	return p->forward ? g_strdup_printf("candidate -> %.12s (%s)", p->other, p->hosts)
			  : g_strdup_printf("%.12s (%s) -> candidate", p->other, p->hosts);
}

int mc_gate_write_text(FILE *out, const mc_gate *g, const char *label, mc_error *err)
{
	(void)err;
	fprintf(out, "candidate %s (profile %.12s)\n", label, g->cand_id);
	if (mc_gate_equal_id(g)) {
		fprintf(out, "equal to fleet profile %.12s: nothing changes, no regression\n",
			g->equal_id);
		return 0;
	}
	size_t n = g->pairs->len, reg = 0;
	fprintf(out, "replaces %.12s; today = the fleet with %.12s\n", g->base_id, g->base_id);
	for (guint i = 0; i < n; i++) {
		const mc_gate_pair *p = &g_array_index(g->pairs, mc_gate_pair, i);
		g_autofree char *name = pair_name(p);
		reg += p->regression;
		fprintf(out, "%-10s %s: today %s, candidate %s%s%s\n",
			p->regression ? "REGRESSION" : "ok", name, mc_level_name(p->today),
			mc_level_name(p->candidate), p->pins ? " with pins " : "",
			p->pins ? p->pins : "");
		if (p->regression) {
			GString *s = g_string_new(NULL);
			decisive(s, p->plan, "\n           ");
			fprintf(out, "           %s\n", s->str);
			g_string_free(s, TRUE);
		}
	}
	fprintf(out, "%zu pairs, %zu regressions", n, reg);
	if (g->skipped)
		fprintf(out, "; %zu fleet profiles of another architecture not compared",
			g->skipped);
	fputc('\n', out);
	return 0;
}

int mc_gate_write_junit(FILE *out, const mc_gate *g, const char *label, mc_error *err)
{
	mc_xml_out x = { 0 };
	bool ok = false;
	size_t n = g->pairs->len, fails = 0;
	char num[2][24];
	g_autofree char *suite = g_strdup_printf("migcheck gate %s", label);
	if (mc_xml_out_open(&x, err) < 0)
		goto out;
	xmlTextWriterPtr w = x.w;
	for (guint i = 0; i < n; i++)
		fails += g_array_index(g->pairs, mc_gate_pair, i).regression;
	bool eq = mc_gate_equal_id(g) != NULL;
	snprintf(num[0], sizeof(num[0]), "%zu", eq ? (size_t)1 : n);
	snprintf(num[1], sizeof(num[1]), "%zu", fails);
	if (xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "migcheck") < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST suite) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST num[0]) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST num[1]) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "skipped", BAD_CAST "0") < 0)
		goto out;
	if (eq) {
		g_autofree char *nm =
		    g_strdup_printf("candidate equals fleet profile %.12s", g->equal_id);
		if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "gate") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST nm) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			goto out;
	}
	for (guint i = 0; i < n; i++) {
		const mc_gate_pair *p = &g_array_index(g->pairs, mc_gate_pair, i);
		g_autofree char *name = pair_name(p);
		if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
		    xmlTextWriterWriteAttribute(
			w, BAD_CAST "classname",
			BAD_CAST(p->forward ? "gate.forward" : "gate.backward")) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name) < 0)
			goto out;
		if (p->regression) {
			g_autofree char *msg =
			    g_strdup_printf("regression: today %s, candidate %s%s%s",
					    mc_level_name(p->today), mc_level_name(p->candidate),
					    p->pins ? " with pins " : "", p->pins ? p->pins : "");
			GString *s = g_string_new(NULL);
			decisive(s, p->plan, "\n");
			int wr =
			    xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
			    xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST msg) < 0 ||
			    xmlTextWriterWriteAttribute(
				w, BAD_CAST "type",
				BAD_CAST(p->candidate == MC_V_BLOCKED ? "blocked" : "action")) <
				0 ||
			    xmlTextWriterWriteString(w, BAD_CAST s->str) < 0 ||
			    xmlTextWriterEndElement(w) < 0;
			g_string_free(s, TRUE);
			if (wr)
				goto out;
		} else {
			g_autofree char *sys =
			    g_strdup_printf("today %s, candidate %s", mc_level_name(p->today),
					    mc_level_name(p->candidate));
			if (xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST sys) < 0)
				goto out;
		}
		if (xmlTextWriterEndElement(w) < 0)
			goto out;
	}
	ok = true;
out:;
	g_autofree char *doc = mc_xml_out_close(&x, ok, NULL, "gate report", err);
	if (!doc)
		return -(err && err->errnum ? err->errnum : EIO);
	fputs(doc, out);
	return 0;
}
