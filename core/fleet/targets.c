#include "core/fleet/targets.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* Decisive verdicts shown per destination in text (JSON has them all). */
#define TEXT_VERDICTS 3

struct mc_targets {
	GArray *dests;        /* mc_target */
	guint *order;         /* dests' indexes best first; NULL: dests is in order */
	GPtrArray *plans;     /* mc_plan *, owned, one per destination profile planned */
	GPtrArray *whys;      /* owned strings */
	GStringChunk *strs;   /* host names and profile ids (from a db) */
	mc_gate_fleet *fleet; /* owned, when read from a db through a fleet */
};

void mc_targets_free(mc_targets *t)
{
	if (!t)
		return;
	if (t->dests)
		g_array_free(t->dests, TRUE);
	g_free(t->order);
	if (t->plans)
		g_ptr_array_free(t->plans, TRUE);
	if (t->whys)
		g_ptr_array_free(t->whys, TRUE);
	if (t->strs)
		g_string_chunk_free(t->strs);
	mc_gate_fleet_free(t->fleet);
	g_free(t);
}

static void plan_free(gpointer p)
{
	mc_plan_free(p);
}

/* Best first, all but the host name, as one number: the level, another
 * architecture (not planned) last, the fewest actions, the fewest blocked
 * verdicts (counts beyond 2^27 - 1 tie). */
static guint64 dest_key(const mc_target *d)
{
	guint64 na = MIN(d->nactions, (1u << 27) - 1), nb = MIN(d->nblocked, (1u << 27) - 1);
	return ((guint64)d->level << 56) | ((guint64)!d->plan << 55) | (na << 27) | nb;
}

static gint best_first(gconstpointer pa, gconstpointer pb)
{
	const mc_target *a = pa, *b = pb;
	guint64 ka = dest_key(a), kb = dest_key(b);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return strcmp(a->host, b->host);
}

static mc_targets *targets_run(const mc_gate_fleet *fleet, const mc_plan_env *env,
			       const mc_facts *src, const char *src_host, const mc_pins *pins,
			       bool blocked, mc_error *err)
{
	mc_targets *t = g_new0(mc_targets, 1);
	t->dests = g_array_new(FALSE, TRUE, sizeof(mc_target));
	t->plans = g_ptr_array_new_with_free_func(plan_free);
	t->whys = g_ptr_array_new_with_free_func(g_free);
	const char *arch = mc_facts_get(src, "kernel", "arch");
	mc_autoplancache *cache = mc_plan_cache_new(); /* the source compiled once */
	for (size_t i = 0; i < mc_gate_fleet_count(fleet); i++) {
		const mc_facts *q = mc_gate_fleet_facts(fleet, i); /* NULL: another arch */
		const char *qarch = mc_gate_fleet_arch(fleet, i);
		mc_target d = { .profile = mc_gate_fleet_id(fleet, i), .level = MC_V_BLOCKED };
		size_t nh = mc_gate_fleet_nhosts(fleet, i), others = 0;
		for (size_t j = 0; j < nh; j++)
			others +=
			    !src_host || strcmp(mc_gate_fleet_host(fleet, i, j), src_host) != 0;
		if (!others)
			continue; /* the source host alone: nothing to plan */
		if (!arch || !qarch || strcmp(arch, qarch) != 0) {
			if (!blocked)
				continue;
			char *why =
			    g_strdup_printf("another architecture (%s; the source is %s)",
					    qarch ? qarch : "unknown", arch ? arch : "unknown");
			g_ptr_array_add(t->whys, why);
			d.why = why;
		} else if (!q) {
			mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL,
				     "targets: profile %.12s was not loaded", d.profile);
			mc_targets_free(t);
			return NULL;
		} else {
			mc_plan *p = mc_plan_compute_cached(cache, env, src, q, pins, err);
			if (!p) {
				mc_error_prefix(err, "targets: plan to profile %.12s", d.profile);
				mc_targets_free(t);
				return NULL;
			}
			g_ptr_array_add(t->plans, p);
			d.plan = p;
			d.level = mc_plan_worst(p);
			for (size_t k = 0; k < mc_plan_count(p); k++) {
				mc_level l = mc_plan_level_at(p, k);
				d.nactions += l == MC_V_ACTION;
				d.nblocked += l == MC_V_BLOCKED;
			}
		}
		if (!blocked && d.level == MC_V_BLOCKED)
			continue;
		for (size_t j = 0; j < nh; j++) {
			d.host = mc_gate_fleet_host(fleet, i, j);
			d.profile = mc_gate_fleet_host_profile(fleet, i, j);
			if (!src_host || strcmp(d.host, src_host) != 0)
				g_array_append_val(t->dests, d);
		}
	}
	g_array_sort(t->dests, best_first);
	return t;
}

/* ---- from the inventory ---- */

typedef struct {
	long long pid;
	const char *id, *arch, *cls; /* in the run's chunk */
} tprofile;

typedef struct {
	GArray *profiles;   /* tprofile */
	GHashTable *bycls;  /* class key -> GArray * of profile indexes */
	GPtrArray *classes; /* GArray * of profile indexes, first seen first */
	GStringChunk *strs;
	bool unkeyed; /* a profile without a stored class key */
} tkeys;

static int tkey(long long pid, const char *id, const char *arch, const char *cls, void *opaque)
{
	tkeys *k = opaque;
	if (!cls) {
		k->unkeyed = true;
		return 1;
	}
	gpointer key = NULL, members = NULL;
	if (!g_hash_table_lookup_extended(k->bycls, cls, &key, &members)) {
		key = g_string_chunk_insert(k->strs, cls);
		members = g_array_new(FALSE, FALSE, sizeof(guint));
		g_hash_table_insert(k->bycls, key, members);
		g_ptr_array_add(k->classes, members);
	}
	tprofile p = { pid, g_string_chunk_insert(k->strs, id),
		       g_string_chunk_insert_const(k->strs, arch ? arch : ""), key };
	guint idx = k->profiles->len;
	g_array_append_val(k->profiles, p);
	g_array_append_val(members, idx);
	return 0;
}

typedef struct {
	mc_targets *t;
	mc_target d;
	const char *src_host;
	size_t added; /* destinations of the class */
} tdest;

static int tdest_add(const char *name, void *opaque)
{
	tdest *x = opaque;
	if (x->src_host && strcmp(name, x->src_host) == 0)
		return 0;
	x->d.host = g_string_chunk_insert(x->t->strs, name);
	g_array_append_val(x->t->dests, x->d);
	x->added++;
	return 0;
}

/* A run of destinations: one profile's hosts, read by name, all with the
 * same plan. */
typedef struct {
	guint start, len, at; /* in dests; at: the next to take */
	guint64 key;          /* dest_key */
	guint64 p[2];         /* the next's host name: its first 16 bytes, big-endian */
} drun;

static gint drun_cmp(gconstpointer a, gconstpointer b)
{
	const drun *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static const char *run_head(const GArray *dests, const drun *r)
{
	return g_array_index(dests, mc_target, r->start + r->at).host;
}

/* r->p from the host name run r takes next: numbers that order as strcmp
 * orders the names (unsigned bytes, NUL-padded) up to their 16th byte. */
static void run_prefix(const GArray *dests, drun *r)
{
	const char *s = run_head(dests, r);
	r->p[0] = r->p[1] = 0;
	for (int i = 0; i < 16 && s[i]; i++)
		r->p[i / 8] |= (guint64)(unsigned char)s[i] << (8 * (7 - i % 8));
}

static bool run_before(const GArray *dests, const drun *a, const drun *b)
{
	if (a->p[0] != b->p[0])
		return a->p[0] < b->p[0];
	if (a->p[1] != b->p[1])
		return a->p[1] < b->p[1];
	return strcmp(run_head(dests, a), run_head(dests, b)) < 0;
}

static void heap_down(const GArray *dests, drun **h, guint n, guint i)
{
	for (;;) {
		guint l = 2 * i + 1, m = i;
		if (l < n && run_before(dests, h[l], h[m]))
			m = l;
		if (l + 1 < n && run_before(dests, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		drun *x = h[i];
		h[i] = h[m], h[m] = x, i = m;
	}
}

/* t->order from the runs that make up t->dests: best_first, by merging the
 * runs of each key by host name (a heap of runs) rather than sorting every
 * destination: fewer comparisons, and no moves. */
static void order_runs(mc_targets *t, GArray *runs)
{
	guint n = t->dests->len, o = 0;
	t->order = g_new(guint, n ? n : 1);
	g_array_sort(runs, drun_cmp);
	drun **h = g_new(drun *, runs->len ? runs->len : 1);
	for (guint g = 0, e; g < runs->len; g = e) {
		guint hn = 0;
		for (e = g; e < runs->len &&
			    g_array_index(runs, drun, e).key == g_array_index(runs, drun, g).key;
		     e++) {
			h[hn] = &g_array_index(runs, drun, e);
			run_prefix(t->dests, h[hn++]);
		}
		for (guint i = hn / 2; i-- > 0;)
			heap_down(t->dests, h, hn, i);
		while (hn) {
			drun *r = h[0];
			t->order[o++] = r->start + r->at++;
			if (r->at == r->len)
				h[0] = h[--hn];
			else
				run_prefix(t->dests, r);
			heap_down(t->dests, h, hn, 0);
		}
	}
	g_free(h);
}

static const tprofile *class_rep(const tkeys *k, guint c)
{
	const GArray *members = k->classes->pdata[c];
	return &g_array_index(k->profiles, tprofile, g_array_index(members, guint, 0));
}

static bool same_arch(const char *arch, const tprofile *rep)
{
	return arch && *rep->arch && strcmp(arch, rep->arch) == 0;
}

/* Plan every class of the source's architecture into plans[] (per class),
 * from the facts of the class's first profile: the source compiled once,
 * each class's profile loaded, compiled, planned to and freed (a plan
 * needs neither once made), so the next one reuses its memory; 0, or
 * -errno with err. */
static int plan_classes(mc_db *db, const tkeys *k, const char *arch, const mc_plan_env *env,
			const mc_facts *src, const mc_pins *pins, mc_plan **plans, mc_error *err)
{
	mc_autoplanprofile *s = mc_plan_profile_new(src);
	int r = 0;
	for (guint c = 0; c < k->classes->len && r == 0; c++) {
		const tprofile *rep = class_rep(k, c);
		if (!same_arch(arch, rep))
			continue;
		mc_facts *q = mc_db_load_profile(db, rep->id, err);
		if (!q)
			return -(err && err->errnum ? err->errnum : EIO);
		const char *qarch = mc_facts_get(q, "kernel", "arch");
		mc_plan_profile *d = NULL;
		if (g_strcmp0(qarch, rep->arch) != 0) {
			r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					 "%s: inventory is corrupt: profile %.12s: profiles.arch "
					 "is '%s', its facts say '%s'",
					 mc_db_path(db), rep->id, rep->arch, qarch ? qarch : "");
		} else if (!(d = mc_plan_profile_new(q)) ||
			   !(plans[c] = mc_plan_compute_compiled(env, s, d, pins, err))) {
			if (!d)
				mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "out of memory");
			mc_error_prefix(err, "targets: plan to profile %.12s", rep->id);
			r = -(err && err->errnum ? err->errnum : EINVAL);
		}
		mc_plan_profile_free(d);
		mc_facts_free(q);
	}
	return r;
}

/* 1 and *out planned from the stored classes; 0 when they are not current
 * (the caller goes through a fleet); -errno. Each class of the source's
 * architecture is planned once, from the facts of one of its profiles
 * (plan_classes); its hosts are read only when listed (all of them, or
 * with !blocked only the usable classes'), by profile through an index,
 * all in one snapshot of the inventory. */
static int targets_stored(mc_db *db, const mc_plan_env *env, const mc_facts *src,
			  const char *src_host, const mc_pins *pins, bool blocked, mc_targets **out,
			  mc_error *err)
{
	int r = mc_db_read_begin(db, err);
	if (r < 0)
		return r;
	if ((r = mc_db_classes_stale(db, mc_gate_classifier(), err)) != 0) {
		mc_db_rollback(db);
		return r < 0 ? r : 0;
	}
	tkeys k = { g_array_new(FALSE, FALSE, sizeof(tprofile)),
		    g_hash_table_new(g_str_hash, g_str_equal),
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref),
		    g_string_chunk_new(65536), false };
	mc_targets *t = g_new0(mc_targets, 1);
	t->dests = g_array_new(FALSE, TRUE, sizeof(mc_target));
	t->plans = g_ptr_array_new_with_free_func(plan_free);
	t->whys = g_ptr_array_new_with_free_func(g_free);
	t->strs = g_string_chunk_new(65536);
	const char *arch = mc_facts_get(src, "kernel", "arch");
	mc_plan **plans = NULL;
	GArray *runs = g_array_new(FALSE, FALSE, sizeof(drun)); /* of t->dests */
	guint n = 0;
	if ((r = mc_db_each_profile_key(db, tkey, &k, err)) < 0)
		goto out;
	if (k.unkeyed) {
		r = 0;
		goto out;
	}
	n = k.classes->len;
	plans = g_new0(mc_plan *, n);
	if ((r = plan_classes(db, &k, arch, env, src, pins, plans, err)) < 0)
		goto out;
	for (guint c = 0; c < n; c++) {
		const GArray *members = k.classes->pdata[c];
		const tprofile *rep = class_rep(&k, c);
		tdest x = { t, { .profile = rep->id, .level = MC_V_BLOCKED }, src_host, 0 };
		if (!same_arch(arch, rep)) {
			if (!blocked)
				continue;
			char *why = g_strdup_printf("another architecture (%s; the source is %s)",
						    *rep->arch ? rep->arch : "unknown",
						    arch ? arch : "unknown");
			g_ptr_array_add(t->whys, why);
			x.d.why = why;
		} else {
			mc_plan *p = plans[c];
			g_ptr_array_add(t->plans, p);
			plans[c] = NULL; /* t's now */
			x.d.plan = p;
			x.d.level = mc_plan_worst(p);
			for (size_t i = 0; i < mc_plan_count(p); i++) {
				mc_level l = mc_plan_level_at(p, i);
				x.d.nactions += l == MC_V_ACTION;
				x.d.nblocked += l == MC_V_BLOCKED;
			}
			if (!blocked && x.d.level == MC_V_BLOCKED)
				continue;
		}
		for (guint m = 0; m < members->len; m++) {
			const tprofile *p =
			    &g_array_index(k.profiles, tprofile, g_array_index(members, guint, m));
			drun run = { t->dests->len, 0, 0, dest_key(&x.d), { 0, 0 } };
			x.d.profile = g_string_chunk_insert_const(t->strs, p->id);
			if ((r = mc_db_each_host_name_of(db, p->pid, tdest_add, &x, err)) < 0)
				goto out;
			if ((run.len = t->dests->len - run.start))
				g_array_append_val(runs, run);
		}
		if (x.d.plan && !x.added) /* no host but the source: not counted */
			g_ptr_array_remove_index(t->plans, t->plans->len - 1);
	}
	order_runs(t, runs);
	*out = t;
	t = NULL;
	r = 1;
out:
	mc_db_rollback(db); /* the snapshot's end */
	g_array_free(runs, TRUE);
	for (guint c = 0; c < n; c++) {
		mc_plan_free(plans ? plans[c] : NULL);
	}
	g_free(plans);
	mc_targets_free(t);
	g_hash_table_destroy(k.bycls);
	g_ptr_array_free(k.classes, TRUE);
	g_array_free(k.profiles, TRUE);
	g_string_chunk_free(k.strs);
	return r;
}

mc_targets *mc_targets_run_db(mc_db *db, const mc_plan_env *env, const mc_facts *src,
			      const char *src_host, const mc_pins *pins, bool usable_only,
			      mc_error *err)
{
	mc_targets *t = NULL;
	int r = mc_db_has_hosts(db, err);
	if (r == 0)
		mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "targets: inventory %s has no hosts",
			     mc_db_path(db));
	if (r <= 0 ||
	    (r = targets_stored(db, env, src, src_host, pins, !usable_only, &t, err)) != 0)
		return r > 0 ? t : NULL;
	mc_gate_fleet *fleet =
	    mc_gate_fleet_load_classes_of(db, mc_facts_get(src, "kernel", "arch"), err);
	if (!fleet)
		return NULL;
	if ((t = targets_run(fleet, env, src, src_host, pins, !usable_only, err)))
		t->fleet = fleet;
	else
		mc_gate_fleet_free(fleet);
	return t;
}

mc_targets *mc_targets_run(const mc_gate_fleet *fleet, const mc_plan_env *env, const mc_facts *src,
			   const char *src_host, const mc_pins *pins, mc_error *err)
{
	return targets_run(fleet, env, src, src_host, pins, true, err);
}

mc_targets *mc_targets_run_usable(const mc_gate_fleet *fleet, const mc_plan_env *env,
				  const mc_facts *src, const char *src_host, const mc_pins *pins,
				  mc_error *err)
{
	return targets_run(fleet, env, src, src_host, pins, false, err);
}

size_t mc_targets_count(const mc_targets *t)
{
	return t->dests->len;
}

const mc_target *mc_targets_at(const mc_targets *t, size_t i)
{
	if (i >= t->dests->len)
		return NULL;
	return &g_array_index(t->dests, mc_target, t->order ? t->order[i] : i);
}

size_t mc_targets_plans(const mc_targets *t)
{
	return t->plans->len;
}

int mc_targets_status(const mc_targets *t)
{
	const mc_target *best = mc_targets_at(t, 0);
	if (!best || best->level == MC_V_BLOCKED)
		return MC_EXIT_BLOCKED;
	return best->level == MC_V_OK ? MC_EXIT_OK : MC_EXIT_ACTION;
}

const mc_verdict *mc_target_decisive(const mc_target *d, size_t i)
{
	if (!d->plan || d->level == MC_V_OK)
		return NULL;
	for (size_t k = 0; k < mc_plan_count(d->plan); k++) {
		if (mc_plan_level_at(d->plan, k) == d->level && i-- == 0)
			return mc_plan_at(d->plan, k);
	}
	return NULL;
}

int mc_targets_write_text(FILE *out, const mc_targets *t, const char *src_label, const char *src_id,
			  const mc_pins *pins, bool hosts_only, mc_error *err)
{
	if (hosts_only) {
		for (guint i = 0; i < t->dests->len; i++) {
			const mc_target *d = mc_targets_at(t, i);
			if (d->level != MC_V_BLOCKED)
				fprintf(out, "%s\n", d->host);
		}
	} else {
		g_autofree char *ptext = mc_pins_format(pins);
		fprintf(out, "targets of a guest on %s (profile %.12s)%s%s\n", src_label, src_id,
			*ptext ? " with pins " : "", ptext);
		size_t n[3] = { 0 };
		for (guint i = 0; i < t->dests->len; i++)
			n[g_array_index(t->dests, mc_target, i).level]++;
		int group = -1;
		for (guint i = 0; i < t->dests->len; i++) {
			const mc_target *d = mc_targets_at(t, i);
			if ((int)d->level != group) {
				group = (int)d->level;
				fprintf(out, "%s (%zu host%s)\n", mc_level_name(d->level),
					n[d->level], n[d->level] == 1 ? "" : "s");
			}
			fprintf(out, "  %-24s profile %.12s", d->host, d->profile);
			if (d->why)
				fprintf(out, "  %s", d->why);
			else if (d->level == MC_V_ACTION)
				fprintf(out, "  %zu action%s", d->nactions,
					d->nactions == 1 ? "" : "s");
			else if (d->level == MC_V_BLOCKED)
				fprintf(out, "  %zu blocked", d->nblocked);
			fputc('\n', out);
			const mc_verdict *v;
			const char *said = NULL; /* the remedy printed last */
			size_t k;
			for (k = 0; k < TEXT_VERDICTS && (v = mc_target_decisive(d, k)); k++) {
				fprintf(out, "      %s %s%s%s\n", v->family, v->subject,
					*v->subject ? ": " : "", v->reason);
				if (v->remedy && g_strcmp0(v->remedy, said) != 0)
					fprintf(out, "        remedy: %s\n", v->remedy);
				said = v->remedy;
			}
			size_t more = (d->level == MC_V_ACTION ? d->nactions : d->nblocked);
			if (d->plan && more > k)
				fprintf(out, "      ... %zu more (migcheck plan shows them all)\n",
					more - k);
		}
		fprintf(out,
			"%u destinations (%zu profiles planned): %zu ok, %zu action, %zu blocked\n",
			t->dests->len, (size_t)t->plans->len, n[MC_V_OK], n[MC_V_ACTION],
			n[MC_V_BLOCKED]);
	}
	if (fflush(out) != 0 || ferror(out))
		return mc_error_set(err, MC_EXIT_IOERR, EIO, "targets: write failed");
	return 0;
}
