#include "core/planner/baseline.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

struct mc_baseline {
	size_t n;
	mc_pins *pins;
	bool *joined;
	char **reason;
	mc_level level;
	size_t plans, proof_plans;
	bool x86;
	GPtrArray *actions;  /* mc_plan *, owned: the final proof's action plans */
	GArray *action_ends; /* size_t pairs: src, dst */
	/* The outcome of each ordered pair planned with the pins `memo_pins`
	 * (mc_pins_format): a round whose pins are those of an earlier one
	 * (removing a host often leaves the common configuration as it was)
	 * plans only the pairs not yet planned with them. */
	struct outcome *memo; /* n * n, [s * n + d] */
	char *memo_pins;
	mc_plan_cache *cache; /* each profile compiled once per computation */
	struct meet *meet;
};

/* A pair's plan as prove() uses it. */
struct outcome {
	bool have;
	bool refused; /* the pins cannot be applied on the source: msg */
	mc_level level;
	char *msg;     /* refused: the error; blocked: its first blocked verdict */
	mc_plan *plan; /* an action plan, owned */
};

/* ---- the configuration of a set, met from interned pins ----
 *
 * mc_plan_baseline_pins of a subset meets the compat pins of its every
 * ordered pair, and each round asks it again of a smaller subset. A pair's
 * compat pins do not depend on the subset: here each is computed once per
 * computation and kept as a set id (pair sets with the same pins share
 * one), its pins as interned (name, value) ids. A round meets each distinct
 * set once, in the order of its first pair (meeting the same pins again
 * changes nothing: every meet is the lower of two values, or the first
 * stands), through a memo of mc_pins_meet by (name, value, value) ids: the
 * pins it gives are those of mc_plan_baseline_pins, text for text. */
struct ipin {
	guint name, value; /* interned */
};

struct meet_key {
	guint name, have, value;
};

struct meet {
	GHashTable *ids;  /* char * (owned by strs) -> id + 1 */
	GPtrArray *strs;  /* id -> char *, owned */
	GArray *pins;     /* struct ipin: the distinct sets' pins, one after another */
	GArray *off;      /* guint: set k's pins are pins[off[k] .. off[k + 1]) */
	GHashTable *sets; /* a set's pins as text -> set id + 1 */
	guint *pair;      /* n * n: [s * n + d] set id + 1 of the pair's compat pins; 0 not yet */
	GHashTable *memo; /* struct meet_key * -> met value id + 1 */
};

static guint meet_key_hash(gconstpointer p)
{
	const struct meet_key *k = p;
	return (k->name * 31u + k->have) * 1000003u + k->value;
}

static gboolean meet_key_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(struct meet_key)) == 0;
}

static struct meet *meet_new(size_t n)
{
	struct meet *m = g_new0(struct meet, 1);
	m->ids = g_hash_table_new(g_str_hash, g_str_equal);
	m->strs = g_ptr_array_new_with_free_func(g_free);
	m->pins = g_array_new(FALSE, FALSE, sizeof(struct ipin));
	m->off = g_array_new(FALSE, FALSE, sizeof(guint));
	guint zero = 0;
	g_array_append_val(m->off, zero);
	m->sets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->pair = g_new0(guint, n > 0 ? n * n : 1);
	m->memo = g_hash_table_new_full(meet_key_hash, meet_key_equal, g_free, NULL);
	return m;
}

static void meet_free(struct meet *m)
{
	if (!m)
		return;
	g_hash_table_destroy(m->ids);
	g_ptr_array_unref(m->strs);
	g_array_free(m->pins, TRUE);
	g_array_free(m->off, TRUE);
	g_hash_table_destroy(m->sets);
	g_free(m->pair);
	g_hash_table_destroy(m->memo);
	g_free(m);
}

static guint intern(struct meet *m, const char *s)
{
	gpointer id = g_hash_table_lookup(m->ids, s);
	if (id)
		return GPOINTER_TO_UINT(id) - 1;
	char *own = g_strdup(s);
	g_ptr_array_add(m->strs, own);
	g_hash_table_insert(m->ids, own, GUINT_TO_POINTER(m->strs->len));
	return m->strs->len - 1;
}

static const char *str_of(const struct meet *m, guint id)
{
	return m->strs->pdata[id];
}

/* The id of the set holding p's pins (interned on first sight). */
static guint set_of(struct meet *m, const mc_pins *p)
{
	GString *key = g_string_new(NULL);
	size_t np = mc_pins_count(p);
	struct ipin *ip = g_new(struct ipin, np ? np : 1);
	for (size_t i = 0; i < np; i++) {
		const char *n, *v;
		mc_pins_at(p, i, &n, &v);
		ip[i] = (struct ipin){ intern(m, n), intern(m, v) };
		g_string_append_printf(key, "%u=%u,", ip[i].name, ip[i].value);
	}
	gpointer have = g_hash_table_lookup(m->sets, key->str);
	guint id;
	if (have) {
		id = GPOINTER_TO_UINT(have) - 1;
	} else {
		id = m->off->len - 1;
		g_array_append_vals(m->pins, ip, (guint)np);
		g_array_append_val(m->off, m->pins->len);
		g_hash_table_insert(m->sets, g_strdup(key->str), GUINT_TO_POINTER(id + 1));
	}
	g_free(ip);
	g_string_free(key, TRUE);
	return id;
}

/* Meet pin (name, value) into acc (value id + 1 by name id, 0: unset). */
static int meet_one(struct meet *m, GArray *acc, guint name, guint value, mc_error *err)
{
	if (name >= acc->len)
		g_array_set_size(acc, name + 1);
	guint *have = &g_array_index(acc, guint, name);
	if (!*have || *have - 1 == value) { /* as it is: the value was checked when set */
		*have = value + 1;
		return 0;
	}
	struct meet_key k = { name, *have - 1, value };
	gpointer met = g_hash_table_lookup(m->memo, &k);
	if (!met) {
		mc_pins *one = mc_pins_new();
		int rc = mc_pins_set(one, str_of(m, name), str_of(m, k.have), err);
		if (rc == 0)
			rc = mc_pins_meet(one, str_of(m, name), str_of(m, value), err);
		if (rc < 0) {
			mc_pins_free(one);
			return rc;
		}
		met = GUINT_TO_POINTER(intern(m, mc_pins_get(one, str_of(m, name))) + 1);
		mc_pins_free(one);
		g_hash_table_insert(m->memo, g_memdup2(&k, sizeof(k)), met);
	}
	*have = GPOINTER_TO_UINT(met);
	return 0;
}

/* mc_plan_baseline_pins of the joined profiles (sub: them, m of them). */
static mc_pins *round_pins(mc_baseline *b, const mc_plan_env *env, const mc_facts *const *pr,
			   const mc_facts *const *sub, size_t m, mc_error *err)
{
	struct meet *mt = b->meet;
	size_t n = b->n;
	GArray *acc = g_array_new(FALSE, TRUE, sizeof(guint));
	GArray *seen = g_array_new(FALSE, TRUE, sizeof(bool)); /* by set id */
	GPtrArray *more = g_ptr_array_new_with_free_func((GDestroyNotify)mc_pins_free);
	mc_pins *out = NULL;
	int rc = 0;
	for (size_t s = 0; s < n && rc == 0; s++) {
		if (!b->joined[s])
			continue;
		for (size_t d = 0; d < n && rc == 0; d++) {
			if (d == s || !b->joined[d])
				continue;
			guint *k = &mt->pair[s * n + d];
			if (!*k) {
				mc_pins *cp =
				    mc_plan_compat_pins_cached(b->cache, env, pr[s], pr[d], err);
				if (!cp) {
					rc = -EINVAL;
					break;
				}
				*k = set_of(mt, cp) + 1;
				mc_pins_free(cp);
			}
			guint id = *k - 1;
			if (id >= seen->len)
				g_array_set_size(seen, id + 1);
			if (g_array_index(seen, bool, id))
				continue;
			g_array_index(seen, bool, id) = true;
			guint a = g_array_index(mt->off, guint, id),
			      z = g_array_index(mt->off, guint, id + 1);
			for (guint i = a; i < z && rc == 0; i++) {
				struct ipin p = g_array_index(mt->pins, struct ipin, i);
				rc = meet_one(mt, acc, p.name, p.value, err);
			}
		}
	}
	if (rc == 0)
		rc = mc_plan_baseline_set_pins(env, sub, m, more, err);
	for (guint r = 0; rc == 0 && r < more->len; r++) {
		for (size_t i = 0; rc == 0 && i < mc_pins_count(more->pdata[r]); i++) {
			const char *pn, *pv;
			mc_pins_at(more->pdata[r], i, &pn, &pv);
			rc = meet_one(mt, acc, intern(mt, pn), intern(mt, pv), err);
		}
	}
	if (rc == 0) {
		out = mc_pins_new();
		for (guint i = 0; i < acc->len && rc == 0; i++) {
			guint v = g_array_index(acc, guint, i);
			if (v)
				rc = mc_pins_set(out, str_of(mt, i), str_of(mt, v - 1), err);
		}
		if (rc < 0)
			g_clear_pointer(&out, mc_pins_free);
	}
	g_array_free(acc, TRUE);
	g_array_free(seen, TRUE);
	g_ptr_array_unref(more);
	return out;
}

static void memo_clear(mc_baseline *b)
{
	for (size_t i = 0; b->memo && i < b->n * b->n; i++) {
		g_free(b->memo[i].msg);
		mc_plan_free(b->memo[i].plan);
		memset(&b->memo[i], 0, sizeof(b->memo[i]));
	}
	g_clear_pointer(&b->memo_pins, g_free);
}

void mc_baseline_free(mc_baseline *b)
{
	if (!b)
		return;
	memo_clear(b);
	g_free(b->memo);
	meet_free(b->meet);
	mc_plan_cache_free(b->cache);
	mc_pins_free(b->pins);
	for (size_t i = 0; i < b->n; i++)
		g_free(b->reason[i]);
	g_free(b->reason);
	g_free(b->joined);
	if (b->actions)
		g_ptr_array_free(b->actions, TRUE); /* not the plans: the memo owns them */
	if (b->action_ends)
		g_array_free(b->action_ends, TRUE);
	g_free(b);
}

/* "family subject: reason" of a plan's first verdict at `level`. */
static char *first_verdict(const mc_plan *p, mc_level level)
{
	for (size_t k = 0; k < mc_plan_count(p); k++) {
		if (mc_plan_level_at(p, k) != level)
			continue;
		const mc_verdict *v = mc_plan_at(p, k);
		return g_strdup_printf("%s %s%s%s", v->family, v->subject, *v->subject ? ": " : "",
				       v->reason);
	}
	return g_strdup("?");
}

/* One round: plan every ordered pair of the joined profiles with b->pins.
 * fails/srcfails/why per profile; returns the number of failed pairs, or
 * -errno on an error that is not a pin the source cannot apply. */
static long prove(mc_baseline *b, const mc_plan_env *env, const mc_facts *const *pr,
		  const char *const *labels, size_t *fails, size_t *srcfails, char **why,
		  mc_error *err)
{
	long failed = 0;
	mc_plan_cache *cache = b->cache;
	g_autofree char *ptext = mc_pins_format(b->pins);
	if (g_strcmp0(ptext, b->memo_pins) != 0) {
		memo_clear(b);
		b->memo_pins = g_steal_pointer(&ptext);
	}
	g_ptr_array_set_size(b->actions, 0);
	g_array_set_size(b->action_ends, 0);
	b->level = MC_V_OK;
	b->proof_plans = 0;
	for (size_t s = 0; s < b->n; s++) {
		if (!b->joined[s])
			continue;
		for (size_t d = 0; d < b->n; d++) {
			if (!b->joined[d])
				continue;
			struct outcome *o = &b->memo[s * b->n + d];
			b->proof_plans++;
			if (!o->have) {
				mc_error e = { 0 };
				mc_plan *p =
				    mc_plan_compute_cached(cache, env, pr[s], pr[d], b->pins, &e);
				b->plans++;
				if (!p && e.exit_code != MC_EXIT_USAGE) {
					*err = e;
					mc_error_prefix(err, "baseline: plan %s -> %s", labels[s],
							labels[d]);
					return -(e.errnum ? e.errnum : EINVAL);
				}
				o->have = true;
				if (!p) {
					o->refused = true;
					o->msg = g_strdup(e.msg);
				} else {
					o->level = mc_plan_worst(p);
					if (o->level == MC_V_BLOCKED)
						o->msg = first_verdict(p, MC_V_BLOCKED);
					if (o->level == MC_V_ACTION)
						o->plan = p;
					else
						mc_plan_free(p);
				}
			}
			if (o->refused) { /* the pins cannot be applied on s */
				fails[s] += 2 * b->n;
				srcfails[s] += b->n;
				failed++;
				if (!why[s])
					why[s] = g_strdup_printf(
					    "the pins cannot be applied there: %s", o->msg);
				break;
			}
			mc_level l = o->level;
			if (l == MC_V_BLOCKED) {
				failed++;
				fails[s]++;
				srcfails[s]++;
				if (d != s)
					fails[d]++;
				const char *v = o->msg;
				if (!why[s])
					why[s] =
					    s == d
						? g_strdup_printf("a guest started on it with the "
								  "pins cannot move to another "
								  "host of its own: %s",
								  v)
						: g_strdup_printf("a guest started on it cannot "
								  "be restored on %s: %s",
								  labels[d], v);
				if (!why[d])
					why[d] = g_strdup_printf(
					    "it cannot take a guest from %s: %s", labels[s], v);
				continue;
			}
			if (l > b->level)
				b->level = l;
			if (l == MC_V_ACTION) {
				size_t ends[2] = { s, d };
				g_ptr_array_add(b->actions, o->plan);
				g_array_append_vals(b->action_ends, ends, 2);
			}
		}
	}
	return failed;
}

mc_baseline *mc_baseline_compute(const mc_plan_env *env, const mc_facts *const *pr,
				 const size_t *weights, const char *const *labels, size_t n,
				 mc_error *err)
{
	mc_baseline *b = g_new0(mc_baseline, 1);
	b->n = n;
	b->joined = g_new(bool, n);
	b->reason = g_new0(char *, n);
	b->actions = g_ptr_array_new(); /* borrowed from the memo */
	b->memo = g_new0(struct outcome, n > 0 ? n * n : 1);
	b->action_ends = g_array_new(FALSE, FALSE, sizeof(size_t));
	b->cache = mc_plan_cache_new();
	b->meet = meet_new(n);
	b->x86 = n && g_strcmp0(mc_facts_get(pr[0], "kernel", "arch"), "x86_64") == 0;
	for (size_t i = 0; i < n; i++)
		b->joined[i] = true;
	size_t *fails = g_new(size_t, n), *srcfails = g_new(size_t, n);
	char **why = g_new0(char *, n);
	const mc_facts **sub = g_new(const mc_facts *, n ? n : 1);
	int rc = 0;
	for (size_t left = n; left > 0; left--) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (b->joined[i])
				sub[m++] = pr[i];
		mc_pins_free(b->pins);
		if (!(b->pins = round_pins(b, env, pr, sub, m, err))) {
			rc = -EINVAL;
			break;
		}
		memset(fails, 0, n * sizeof(*fails));
		memset(srcfails, 0, n * sizeof(*srcfails));
		for (size_t i = 0; i < n; i++)
			g_clear_pointer(&why[i], g_free);
		long failed = prove(b, env, pr, labels, fails, srcfails, why, err);
		if (failed < 0) {
			rc = (int)failed;
			break;
		}
		if (failed == 0)
			break;
		size_t v = n;
		for (size_t i = 0; i < n; i++) {
			if (!b->joined[i] || !fails[i])
				continue;
			size_t wi = weights ? weights[i] : 1,
			       wv = v < n && weights ? weights[v] : 1;
			if (v == n || fails[i] > fails[v] ||
			    (fails[i] == fails[v] &&
			     (wi < wv || (wi == wv && srcfails[i] >= srcfails[v]))))
				v = i;
		}
		b->joined[v] = false;
		b->reason[v] = g_steal_pointer(&why[v]);
		if (left == 1) { /* nobody left */
			b->level = MC_V_BLOCKED;
			g_ptr_array_set_size(b->actions, 0);
			g_array_set_size(b->action_ends, 0);
		}
	}
	for (size_t i = 0; i < n; i++)
		g_free(why[i]);
	g_free(why);
	g_free(fails);
	g_free(srcfails);
	g_free(sub);
	if (rc < 0) {
		mc_baseline_free(b);
		return NULL;
	}
	if (!b->pins)
		b->pins = mc_pins_new();
	return b;
}

const mc_pins *mc_baseline_pins(const mc_baseline *b)
{
	return b->pins;
}

bool mc_baseline_joined(const mc_baseline *b, size_t i)
{
	return i < b->n && b->joined[i];
}

const char *mc_baseline_reason(const mc_baseline *b, size_t i)
{
	return i < b->n ? b->reason[i] : NULL;
}

mc_level mc_baseline_level(const mc_baseline *b)
{
	return b->level;
}

size_t mc_baseline_plans(const mc_baseline *b)
{
	return b->plans;
}

size_t mc_baseline_proof_plans(const mc_baseline *b)
{
	return b->proof_plans;
}

const mc_plan *mc_baseline_action(const mc_baseline *b, size_t i, size_t *src, size_t *dst)
{
	if (i >= b->actions->len)
		return NULL;
	*src = g_array_index(b->action_ends, size_t, 2 * i);
	*dst = g_array_index(b->action_ends, size_t, 2 * i + 1);
	return b->actions->pdata[i];
}

/* A CPU_DISABLE token that libvirt can name (not a raw CPUID bit). */
static bool libvirt_name(const char *t)
{
	if (!*t || g_str_has_prefix(t, "0x"))
		return false;
	for (const char *c = t; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
			return false;
	return true;
}

char *mc_baseline_libvirt_cpu(const mc_baseline *b)
{
	if (!b->x86)
		return NULL;
	const char *cpu = mc_pins_get(b->pins, "CPU");
	const char *dis = mc_pins_get(b->pins, "CPU_DISABLE");
	GString *s = g_string_new(NULL);
	if (!cpu || strcmp(cpu, "host-passthrough") == 0 || strcmp(cpu, "host") == 0)
		g_string_append(s, "<cpu mode='host-passthrough' check='none' migratable='on'>");
	else
		g_string_append_printf(s,
				       "<cpu mode='custom' match='exact' check='full'>\n"
				       "  <model fallback='forbid'>%s</model>",
				       cpu);
	g_auto(GStrv) toks = g_strsplit(dis ? dis : "", ",", -1);
	GString *raw = g_string_new(NULL);
	for (char **t = toks; *t; t++) {
		if (!**t)
			continue;
		if (libvirt_name(*t))
			g_string_append_printf(s, "\n  <feature policy='disable' name='%s'/>", *t);
		else
			g_string_append_printf(raw, "%s%s", raw->len ? " " : "", *t);
	}
	if (raw->len)
		g_string_append_printf(
		    s,
		    "\n  <!-- CPUID bits libvirt's CPU map does not name (disable "
		    "them with QEMU's -cpu options): %s -->",
		    raw->str);
	g_string_free(raw, TRUE);
	g_string_append(s, "\n</cpu>");
	return g_string_free(s, FALSE);
}
