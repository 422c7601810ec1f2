#include "core/planner/planner.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/sha256.h"
#include "core/planner/rule.h"
#include "core/planner/x86_guest.h"

/* The rule table. Evaluation order = report order. */
static const mc_rule *const rules[] = {
	&mc_rule_kernel,    &mc_rule_kvm_cap, &mc_rule_arm64_reg, &mc_rule_arm64_fwreg,
	&mc_rule_x86_cpuid, &mc_rule_x86_msr, &mc_rule_qemu,      &mc_rule_vfio,
};

const char *mc_rule_family(size_t i)
{
	return i < G_N_ELEMENTS(rules) ? rules[i]->family : NULL;
}

const char *mc_level_name(mc_level l)
{
	switch (l) {
	case MC_V_OK:
		return "ok";
	case MC_V_ACTION:
		return "action";
	case MC_V_BLOCKED:
		return "blocked";
	}
	return "?";
}

/* ---- the environment ---- */

void mc_plan_env_load(mc_plan_env *env, const char *cpu_map_dir)
{
	memset(env, 0, sizeof(*env));
	env->cpumodels = mc_cpumodels_load(cpu_map_dir, &env->cpumodels_err);
}

int mc_plan_env_load_cached(mc_plan_env *env, const char *cpu_map_dir, const char *cache,
			    mc_error *cache_err)
{
	memset(env, 0, sizeof(*env));
	env->cpumodels = mc_cpumodels_load_cache(cpu_map_dir, cache, cache_err);
	if (env->cpumodels)
		return 1;
	env->cpumodels = mc_cpumodels_load(cpu_map_dir, &env->cpumodels_err);
	if (env->cpumodels)
		mc_cpumodels_save(env->cpumodels, cache, cache_err);
	return 0;
}

void mc_plan_env_clear(mc_plan_env *env)
{
	mc_cpumodels_free(env->cpumodels);
	memset(env, 0, sizeof(*env));
}

/* What a NULL env stands for. */
static const mc_plan_env no_env = {
	.cpumodels = NULL,
	.cpumodels_err = { .errnum = ENOENT,
			   .exit_code = MC_EXIT_UNAVAILABLE,
			   .msg = "no libvirt CPU map loaded" },
};

bool mc_plan_needs_cpumodels(const mc_facts *src, const mc_facts *dst, const mc_pins *pins)
{
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++)
		if (rules[r]->needs_env && rules[r]->needs_env(src, dst, pins))
			return true;
	return false;
}

/* ---- pins ---- */

static const mc_rule *rule_for_pin(const char *upper)
{
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++)
		for (const char *const *n = rules[r]->pin_names; n && *n; n++)
			if (strcmp(*n, upper) == 0)
				return rules[r];
	return NULL;
}

int mc_rule_check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	g_autofree char *upper = g_ascii_strup(name, -1);
	const mc_rule *r = rule_for_pin(upper);
	if (!r) {
		GString *known = g_string_new(NULL);
		for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
			for (const char *const *n = rules[i]->pin_names; n && *n; n++)
				g_string_append_printf(known, "%s%s", known->len ? ", " : "", *n);
		mc_error_set(err, MC_EXIT_USAGE, EINVAL,
			     "malformed pin '%s=%s': unknown name (known: %s)", name, value,
			     known->str);
		g_string_free(known, TRUE);
		return -EINVAL;
	}
	if (!*value)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "malformed pin '%s=': empty value",
				    name);
	if (r->check_pin) {
		mc_error sub = { 0 };
		int rc = r->check_pin(env, upper, value, &sub);
		if (rc < 0 && sub.exit_code != MC_EXIT_USAGE) {
			*err = sub; /* e.g. libvirt's CPU map is missing: not the pin */
			return rc;
		}
		if (rc < 0)
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "malformed pin '%s=%s': %s",
					    name, value, sub.msg);
	}
	return 0;
}

int mc_plan_check_pins(const mc_plan_env *env, const mc_pins *pins, mc_error *err)
{
	for (size_t i = 0; i < mc_pins_count(pins); i++) {
		const char *n, *v;
		mc_pins_at(pins, i, &n, &v);
		int rc = mc_rule_check_pin(env ? env : &no_env, n, v, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int mc_plan_parse_pin(const mc_plan_env *env, mc_pins *p, const char *spec, mc_error *err)
{
	const char *eq = strchr(spec, '=');
	if (eq && eq != spec) {
		/* the same check as mc_pins_parse's, and env's, before storing */
		g_autofree char *name = g_strndup(spec, (gsize)(eq - spec));
		int rc = mc_rule_check_pin(env ? env : &no_env, name, eq + 1, err);
		if (rc < 0)
			return rc;
	}
	return mc_pins_parse(p, spec, err);
}

/* ---- plans ---- */

struct mc_plan {
	GPtrArray *v; /* entry *, in the chunks */
	/* The entries, allocated in order from chunks (a plan is freed whole):
	 * one allocation per few dozen verdicts, not one per verdict. */
	GPtrArray *chunks;
	char *at;    /* free space in the last chunk */
	size_t left; /* its size */
};

#define CHUNK 4096

/* One verdict. Its text is either copied in by mc_plan_add (in the same
 * allocation) or written from args by text() when first read (mc_plan_at;
 * mc_plan_add_lazy), its strings then allocated one by one. */
typedef struct entry {
	mc_verdict v;
	mc_vtext_fn text;   /* NULL once the text is written */
	bool owned;         /* v's strings were written by text(): free them */
	max_align_t args[]; /* text()'s arguments (mc_plan_add_lazy) */
} entry;

static void entry_clear(entry *e)
{
	if (e->owned) {
		g_free(e->v.subject);
		g_free(e->v.facts);
		g_free(e->v.remedy);
		g_free(e->v.pin);
	}
	g_free(e->v.reason); /* the other strings of mc_plan_add's are in its chunk */
}

/* n bytes for an entry (aligned for any type), owned by the plan. */
static entry *entry_alloc(mc_plan *p, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	if (n > p->left) {
		size_t size = n > CHUNK ? n : CHUNK;
		p->at = g_malloc(size); /* aligned for any type */
		p->left = size;
		g_ptr_array_add(p->chunks, p->at);
	}
	entry *e = (entry *)(void *)p->at;
	p->at += n;
	p->left -= n;
	return e;
}

/* Copy s (n bytes with its NUL, or none when s is NULL) to *o. */
static char *put(char **o, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *at = memcpy(*o, s, n);
	*o += n;
	return at;
}

void mc_plan_add(mc_plan *p, const char *family, mc_level level, const char *subject,
		 const char *facts, const char *remedy, const char *pin, const char *reason_fmt,
		 ...)
{
	if (!subject)
		subject = "";
	size_t ls = strlen(subject) + 1, lf = facts ? strlen(facts) + 1 : 0,
	       lr = remedy ? strlen(remedy) + 1 : 0, lp = pin ? strlen(pin) + 1 : 0;
	/* the verdict and its fixed strings together */
	entry *e = entry_alloc(p, sizeof(*e) + ls + lf + lr + lp);
	char *o = (char *)(e + 1);
	mc_verdict *v = &e->v;
	if (!strchr(reason_fmt, '%')) { /* printf would copy it */
		v->reason = g_strdup(reason_fmt);
	} else {
		va_list ap;
		va_start(ap, reason_fmt);
		v->reason = g_strdup_vprintf(reason_fmt, ap);
		va_end(ap);
	}
	v->family = family;
	v->level = level;
	v->subject = put(&o, subject, ls);
	v->facts = put(&o, facts, lf);
	v->remedy = put(&o, remedy, lr);
	v->pin = put(&o, pin, lp);
	e->text = NULL;
	e->owned = false;
	g_ptr_array_add(p->v, e);
}

void *mc_plan_add_lazy(mc_plan *p, const char *family, mc_level level, mc_vtext_fn text,
		       size_t size)
{
	entry *e = entry_alloc(p, sizeof(*e) + size);
	e->v = (mc_verdict){ .family = family, .level = level };
	e->text = text;
	e->owned = true;
	g_ptr_array_add(p->v, e);
	return e->args;
}

const char *mc_arch_of(const mc_facts *f)
{
	const char *a = mc_facts_get(f, "kernel", "arch");
	return a ? a : "";
}

bool mc_fact_u64(const mc_facts *f, const char *domain, const char *key, unsigned long long *out)
{
	const char *v = mc_facts_get(f, domain, key);
	return v && mc_parse_u64(v, out) == 0;
}

const mc_x86_guest *mc_rule_x86_guest(mc_rule_ctx *ctx, mc_error *err)
{
	if (!ctx->x86_guest)
		ctx->x86_guest = mc_x86_guest_new(ctx->env, ctx->srcp, ctx->pins, err);
	return ctx->x86_guest;
}

bool mc_rule_have_domain(mc_rule_ctx *ctx, const char *family, const char *domain, const char *what)
{
	bool src_missing = !mc_pp_has_domain(ctx->srcp, domain);
	if (!src_missing && mc_pp_has_domain(ctx->dstp, domain))
		return true;
	const mc_facts *f = src_missing ? ctx->src : ctx->dst;
	/* Name the probe's own reason when it recorded one. */
	const char *why = NULL;
	g_autofree char *probe = g_strdelimit(g_strdup(domain), ".", '_'); /* x86.msr -> x86_msr */
	size_t pf, pl;
	mc_facts_domain_range(f, "probe.skip", &pf, &pl);
	for (size_t i = pf; i < pl && !why; i++)
		if (g_str_has_prefix(mc_facts_at(f, i)->key, probe))
			why = mc_facts_at(f, i)->value;
	g_autofree char *facts =
	    g_strdup_printf("%s: no %s facts%s%s%s", src_missing ? "SRC" : "DST", domain,
			    why ? " (probe skipped: " : "", why ? why : "", why ? ")" : "");
	mc_plan_add(ctx->plan, family, src_missing ? MC_V_ACTION : MC_V_BLOCKED, what, facts,
		    "probe the host again on a machine where /dev/kvm is available", NULL,
		    "the %s profile has no %s: %s", src_missing ? "source" : "destination", what,
		    src_missing ? "cannot tell what the guest's state holds"
				: "cannot tell whether the destination can restore the guest");
	return false;
}

void mc_plan_free(mc_plan *p)
{
	if (!p)
		return;
	for (guint i = 0; i < p->v->len; i++)
		entry_clear(p->v->pdata[i]);
	g_ptr_array_unref(p->v);
	g_ptr_array_unref(p->chunks);
	g_free(p);
}

size_t mc_plan_count(const mc_plan *p)
{
	return p->v->len;
}

const mc_verdict *mc_plan_at(const mc_plan *p, size_t i)
{
	if (i >= p->v->len)
		return NULL;
	entry *e = p->v->pdata[i];
	if (e->text) { /* written on first read (mc_plan_add_lazy) */
		e->text(e->args, &e->v);
		if (!e->v.subject)
			e->v.subject = g_strdup("");
		e->text = NULL;
	}
	return &e->v;
}

mc_level mc_plan_level_at(const mc_plan *p, size_t i)
{
	return ((const entry *)p->v->pdata[i])->v.level;
}

const char *mc_plan_family_at(const mc_plan *p, size_t i)
{
	return ((const entry *)p->v->pdata[i])->v.family;
}

mc_level mc_plan_worst(const mc_plan *p)
{
	mc_level w = MC_V_OK;
	for (guint i = 0; i < p->v->len; i++) {
		const mc_verdict *v = p->v->pdata[i];
		if (v->level > w)
			w = v->level;
	}
	return w;
}

mc_level mc_plan_family_worst(const mc_plan *p, const char *family)
{
	mc_level w = MC_V_OK;
	for (guint i = 0; i < p->v->len; i++) {
		const mc_verdict *v = p->v->pdata[i];
		if (strcmp(v->family, family) == 0 && v->level > w)
			w = v->level;
	}
	return w;
}

mc_plan *mc_plan_compute_compiled(const mc_plan_env *env, const mc_plan_profile *srcp,
				  const mc_plan_profile *dstp, const mc_pins *pins, mc_error *err)
{
	if (!env)
		env = &no_env;
	const mc_facts *src = mc_plan_profile_facts(srcp), *dst = mc_plan_profile_facts(dstp);
	const char *sa = mc_pp_arch(srcp), *da = mc_pp_arch(dstp);
	if (!*sa || !*da) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "the %s profile has no kernel/arch fact; probe it with migcheck",
			     !*sa ? "source" : "destination");
		return NULL;
	}
	if (strcmp(sa, da) != 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
			     "source is %s, destination is %s: a guest cannot migrate between "
			     "architectures",
			     sa, da);
		return NULL;
	}
	if (mc_plan_check_pins(env, pins, err) < 0)
		return NULL;
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++) {
		if (rules[r]->check_pins_on_src &&
		    rules[r]->check_pins_on_src(env, srcp, pins, err) < 0)
			return NULL;
	}
	mc_plan *p = g_new0(mc_plan, 1);
	p->v = g_ptr_array_sized_new(32);
	p->chunks = g_ptr_array_new_with_free_func(g_free);
	mc_rule_ctx ctx = { .env = env,
			    .src = src,
			    .dst = dst,
			    .srcp = srcp,
			    .dstp = dstp,
			    .pins = pins,
			    .plan = p };
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++) {
		if (rules[r]->run(&ctx, err) < 0) {
			mc_x86_guest_free(ctx.x86_guest);
			mc_plan_free(p);
			return NULL;
		}
	}
	mc_x86_guest_free(ctx.x86_guest);
	return p;
}

mc_plan *mc_plan_compute(const mc_plan_env *env, const mc_facts *src, const mc_facts *dst,
			 const mc_pins *pins, mc_error *err)
{
	mc_plan_profile *sp = mc_plan_profile_new(src);
	mc_plan_profile *dp = src == dst ? sp : mc_plan_profile_new(dst);
	mc_plan *p = mc_plan_compute_compiled(env, sp, dp, pins, err);
	if (dp != sp)
		mc_plan_profile_free(dp);
	mc_plan_profile_free(sp);
	return p;
}

mc_plan *mc_plan_compute_cached(mc_plan_cache *cache, const mc_plan_env *env, const mc_facts *src,
				const mc_facts *dst, const mc_pins *pins, mc_error *err)
{
	if (!cache)
		return mc_plan_compute(env, src, dst, pins, err);
	return mc_plan_compute_compiled(env, mc_plan_cache_get(cache, src),
					mc_plan_cache_get(cache, dst), pins, err);
}

/* Each family adds its pins to the same set, in the table's order: a later
 * family reads the earlier ones' (arm64.reg reads the features kvm.cap
 * turns off). */
static mc_pins *compat_pins(const mc_plan_env *env, const mc_plan_profile *newer,
			    const mc_plan_profile *older, mc_error *err)
{
	mc_pins *pins = mc_pins_new();
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++) {
		if (rules[r]->compat && rules[r]->compat(env, newer, older, pins, err) < 0) {
			mc_pins_free(pins);
			return NULL;
		}
	}
	return pins;
}

mc_pins *mc_plan_compat_pins(const mc_plan_env *env, const mc_facts *newer, const mc_facts *older,
			     mc_error *err)
{
	if (!env)
		env = &no_env;
	mc_plan_profile *np = mc_plan_profile_new(newer);
	mc_plan_profile *op = older == newer ? np : mc_plan_profile_new(older);
	mc_pins *pins = compat_pins(env, np, op, err);
	if (op != np)
		mc_plan_profile_free(op);
	mc_plan_profile_free(np);
	return pins;
}

/* ---- migration classes ---- */

bool mc_plan_reads_fact(const char *domain, const char *key)
{
	/* the planner's own reads: the architecture, a probe's skip reason
	 * (mc_rule_have_domain, by prefix) */
	if (strcmp(domain, "probe.skip") == 0 ||
	    (strcmp(domain, "kernel") == 0 && (!key || strcmp(key, "arch") == 0)))
		return true;
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++)
		if (rules[r]->reads && rules[r]->reads(domain, key))
			return true;
	return false;
}

void mc_plan_class_id(const mc_facts *f, char out[MC_CLASS_ID_LEN + 1])
{
	mc_sha256_ctx *c = mc_sha256_new();
	const char *dom = NULL; /* the domain of the previous fact */
	bool dom_read = false;
	for (size_t i = 0; i < mc_facts_count(f); i++) {
		const mc_fact *x = mc_facts_at(f, i);
		if (!dom || strcmp(dom, x->domain) != 0) {
			dom = x->domain;
			dom_read = mc_plan_reads_fact(dom, NULL);
			if (dom_read) { /* present: mc_rule_have_domain looks */
				mc_sha256_update(c, dom, strlen(dom));
				mc_sha256_update(c, "\n", 1);
			}
		}
		if (!dom_read || !mc_plan_reads_fact(x->domain, x->key))
			continue;
		/* the canonical line "DOMAIN\tKEY\tVALUE\n", in pieces */
		mc_sha256_update(c, x->domain, strlen(x->domain));
		mc_sha256_update(c, "\t", 1);
		mc_sha256_update(c, x->key, strlen(x->key));
		mc_sha256_update(c, "\t", 1);
		mc_sha256_update(c, x->value, strlen(x->value));
		mc_sha256_update(c, "\n", 1);
	}
	_Static_assert(MC_CLASS_ID_LEN == MC_SHA256_HEX_LEN, "class id: hex SHA-256");
	mc_sha256_hex_final(c, out);
	mc_sha256_free(c);
}

/* ---- one configuration for many hosts ---- */

static int meet_pins(mc_pins *acc, const mc_pins *more, mc_error *err)
{
	for (size_t i = 0; i < mc_pins_count(more); i++) {
		const char *n, *v;
		mc_pins_at(more, i, &n, &v);
		if (mc_pins_meet(acc, n, v, err) < 0)
			return -EINVAL;
	}
	return 0;
}

mc_pins *mc_plan_compat_pins_cached(mc_plan_cache *cache, const mc_plan_env *env,
				    const mc_facts *newer, const mc_facts *older, mc_error *err)
{
	if (!cache)
		return mc_plan_compat_pins(env, newer, older, err);
	return compat_pins(env ? env : &no_env, mc_plan_cache_get(cache, newer),
			   mc_plan_cache_get(cache, older), err);
}

int mc_plan_baseline_set_pins(const mc_plan_env *env, const mc_facts *const *hosts, size_t n,
			      GPtrArray *out, mc_error *err)
{
	if (!env)
		env = &no_env;
	for (size_t r = 0; r < G_N_ELEMENTS(rules); r++) {
		if (!rules[r]->baseline)
			continue;
		mc_pins *more = mc_pins_new();
		if (rules[r]->baseline(env, hosts, n, more, err) < 0) {
			mc_pins_free(more);
			return -EINVAL;
		}
		g_ptr_array_add(out, more);
	}
	return 0;
}

mc_pins *mc_plan_baseline_pins(const mc_plan_env *env, const mc_facts *const *hosts, size_t n,
			       mc_error *err)
{
	mc_pins *acc = mc_pins_new();
	mc_autoplancache *cache = mc_plan_cache_new(); /* each host compiled once */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			if (i == j)
				continue;
			mc_pins *cp =
			    mc_plan_compat_pins_cached(cache, env, hosts[i], hosts[j], err);
			int rc = cp ? meet_pins(acc, cp, err) : -EINVAL;
			mc_pins_free(cp);
			if (rc < 0)
				goto fail;
		}
	}
	GPtrArray *more = g_ptr_array_new_with_free_func((GDestroyNotify)mc_pins_free);
	int rc = mc_plan_baseline_set_pins(env, hosts, n, more, err);
	for (guint r = 0; rc == 0 && r < more->len; r++)
		rc = meet_pins(acc, more->pdata[r], err);
	g_ptr_array_unref(more);
	if (rc < 0)
		goto fail;
	return acc;
fail:
	mc_pins_free(acc);
	return NULL;
}

const char *mc_direction_name(mc_direction d)
{
	static const char *const names[MC_DIR_COUNT] = {
		"new->new", "old->new", "new->old", "compat->old", "old->compat",
	};
	return d < MC_DIR_COUNT ? names[d] : "?";
}

void mc_matrix_clear(mc_matrix *m)
{
	for (int i = 0; i < MC_DIR_COUNT; i++)
		mc_plan_free(m->row[i]);
	mc_pins_free(m->compat);
	memset(m, 0, sizeof(*m));
}

/* A is "new", B is "old"; "compat" is A pinned down to what B offers. User
 * pins describe the guest started on A: they apply to the rows whose source
 * is A (on top of the compat pins in compat->old). */
int mc_plan_matrix(const mc_plan_env *env, const mc_facts *a_new, const mc_facts *b_old,
		   const mc_pins *pins, mc_matrix *out, mc_error *err)
{
	memset(out, 0, sizeof(*out));
	out->compat = mc_plan_compat_pins(env, a_new, b_old, err);
	if (!out->compat)
		return -(err && err->errnum ? err->errnum : EINVAL);
	mc_pins *compat = mc_pins_dup(out->compat);
	for (size_t i = 0; i < mc_pins_count(pins); i++) {
		const char *n, *v;
		mc_pins_at(pins, i, &n, &v);
		const char *have = mc_pins_get(compat, n);
		if (have && strcmp(n, "CPU_DISABLE") == 0) {
			/* A list pin: the user's features join the computed ones. */
			g_autofree char *both = g_strdup_printf("%s,%s", have, v);
			mc_pins_set(compat, n, both, NULL);
		} else {
			mc_pins_set(compat, n, v, NULL);
		}
	}
	struct {
		const mc_facts *src, *dst;
		const mc_pins *pins;
	} rows[MC_DIR_COUNT] = {
		[MC_DIR_NEW_NEW] = { a_new, a_new, pins },
		[MC_DIR_OLD_NEW] = { b_old, a_new, NULL },
		[MC_DIR_NEW_OLD] = { a_new, b_old, pins },
		[MC_DIR_COMPAT_OLD] = { a_new, b_old, compat },
		/* The compat host is the new kernel: a guest from the old one
		 * arrives there; destination pins do not change what it accepts. */
		[MC_DIR_OLD_COMPAT] = { b_old, a_new, NULL },
	};
	for (int d = 0; d < MC_DIR_COUNT; d++) {
		out->row[d] = mc_plan_compute(env, rows[d].src, rows[d].dst, rows[d].pins, err);
		if (!out->row[d]) {
			mc_pins_free(compat);
			mc_matrix_clear(out);
			return -(err && err->errnum ? err->errnum : EINVAL);
		}
	}
	mc_pins_free(compat);
	return 0;
}
