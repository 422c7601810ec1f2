/* x86.cpuid — the gate of libvirt's CPU comparison: every CPUID feature bit
 * the guest sees on SRC must be in DST's KVM_GET_SUPPORTED_CPUID.
 *
 * The guest is SRC's profile plus pins (CPU=MODEL, CPU_DISABLE=...), as
 * core/planner/x86_guest.h describes; models and feature names come from the
 * CPU-model database in the planner's environment (core/planner/cpumodels.h,
 * libvirt's own CPU map). */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"
#include "core/planner/x86_guest.h"

#define FAMILY "x86.cpuid"

static bool is_x86(const mc_facts *f)
{
	return f && strcmp(mc_arch_of(f), "x86_64") == 0;
}

/* ---- pins ---- */

/* CPU_ENABLE: features a guest of a CPU model has besides the model's own
 * (libvirt's <feature policy='require'/> and 'force': a host-model guest's
 * running XML is its model plus such a list). */
static const char *const pin_names[] = { "CPU", "CPU_DISABLE", "CPU_ENABLE", NULL };

/* env NULL: the form only (a model name is any word; a raw bit must be
 * well-formed); otherwise the model and feature names must be in the
 * database. */
static int check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	const mc_cpumodels *m = env ? env->cpumodels : NULL;
	const char *why = env && !m ? env->cpumodels_err.msg : NULL;
	if (strcmp(name, "CPU") == 0) {
		if (!env || mc_x86_is_passthrough(value))
			return 0;
		if (!m) { /* not the pin's fault: the map's reason, as it is (exit 69) */
			*err = env->cpumodels_err;
			return -(err->errnum ? err->errnum : EIO);
		}
		if (!mc_cpumodels_has_model(m, value))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "unknown CPU model (not in libvirt's CPU map %s)",
					    mc_cpumodels_dir(m));
		return 0;
	}
	/* CPU_DISABLE, CPU_ENABLE: a comma-separated list of features. */
	if (m) { /* checked once per value and map */
		g_autofree char *bad = NULL;
		if (mc_x86_disable_unknown(m, value, &bad))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "unknown CPU feature '%s'",
					    bad);
		return 0;
	}
	g_auto(GStrv) toks = g_strsplit(value, ",", -1);
	for (char **t = toks; *t; t++) {
		if (!mc_x86_feature_known(m, !env, *t))
			return mc_error_set(
			    err, MC_EXIT_USAGE, EINVAL, "unknown CPU feature '%s'%s%s", *t,
			    why ? " (libvirt CPU map unavailable: " : "", why ? why : "");
	}
	return 0;
}

/* A pin error is one line of at most MC_ERROR_MSG_MAX bytes, prefixes
 * added on the way up included: a longer list of features (a recent model
 * on an old host) would be cut, with the features it names and the end of
 * the sentence. Keep the first ones that fit and say how many follow, so
 * that the error always names what is missing. */
#define PIN_LIST_MAX 480
static void shorten_list(GString *list)
{
	if (list->len <= PIN_LIST_MAX)
		return;
	size_t cut = PIN_LIST_MAX;
	while (cut > 0 && list->str[cut] != ',')
		cut--;
	unsigned more = 0;
	for (size_t i = cut; i < list->len; i++)
		more += list->str[i] == ',';
	g_string_truncate(list, cut);
	g_string_append_printf(list, " and %u more", more);
}

static int check_pins_on_src(const mc_plan_env *env, const mc_plan_profile *srcp,
			     const mc_pins *pins, mc_error *err)
{
	const mc_facts *src = mc_plan_profile_facts(srcp);
	if (!is_x86(src) || (!mc_pins_get(pins, "CPU") && !mc_pins_get(pins, "CPU_DISABLE") &&
			     !mc_pins_get(pins, "CPU_ENABLE")))
		return 0;
	mc_x86_guest *g = mc_x86_guest_new(env, srcp, pins, err);
	if (!g)
		return -EINVAL;
	GString *miss = g_string_new(NULL);
	for (size_t i = 0; i < mc_x86_guest_nmissing(g); i++) {
		mc_x86_reg r;
		uint32_t bits = mc_x86_guest_missing(g, i, &r);
		for (unsigned b = 0; b < 32; b++) {
			if (!(bits >> b & 1))
				continue;
			g_autofree char *t = mc_x86_bit_token(env->cpumodels, &r, b);
			g_string_append_printf(miss, "%s%s", miss->len ? "," : "", t);
		}
	}
	mc_x86_guest_msr_missing(g, src, miss);
	int rc = 0;
	if (miss->len) {
		shorten_list(miss);
		rc = mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				  "%s needs CPU features the source's KVM does not offer (%s): "
				  "a guest could not start there with it; add them to CPU_DISABLE",
				  mc_x86_guest_describe(g), miss->str);
	}
	g_string_free(miss, TRUE);
	mc_x86_guest_free(g);
	return rc;
}

/* ---- the rule ---- */

/* A feature bit the destination lacks, its text written when read
 * (mc_plan_add_lazy). */
typedef struct missing_text {
	mc_x86_reg r;
	unsigned bit;
	uint32_t sv, dv;
	bool sh, dh;   /* the hosts' values are known */
	bool have_cur; /* the guest was started with CPU_DISABLE (cur) */
	char strs[];   /* label, token, the guest's description, cur */
} missing_text;

static void missing_verdict_text(const void *args, mc_verdict *v)
{
	const missing_text *a = args;
	const char *label = a->strs, *tok = label + strlen(label) + 1;
	const char *describe = tok + strlen(tok) + 1;
	const char *cur = a->have_cur ? describe + strlen(describe) + 1 : NULL;
	g_autofree char *svs = a->sh ? g_strdup_printf("0x%08x", a->sv) : g_strdup("absent");
	g_autofree char *dvs = a->dh ? g_strdup_printf("0x%08x", a->dv) : g_strdup("absent");
	const char *rn = mc_x86_reg_name(a->r.reg);
	v->subject = g_strdup(label);
	v->facts = g_strdup_printf("guest (%s) CPUID 0x%x.%u.%s bit %u; SRC x86.cpuid "
				   "0x%08x.0x%08x.%s=%s; DST value %s",
				   describe, a->r.leaf, a->r.index, rn, a->bit, a->r.leaf,
				   a->r.index, rn, svs, dvs);
	v->pin = cur ? g_strdup_printf("CPU_DISABLE=%s,%s", cur, tok)
		     : g_strdup_printf("CPU_DISABLE=%s", tok);
	v->remedy = g_strdup_printf("start the guest with a CPU model without %s (--pin %s), or "
				    "pick a CPU model both hosts support",
				    label, v->pin);
	v->reason = g_strdup_printf("the guest sees %s on the source but the destination's KVM "
				    "does not support it",
				    label);
}

static void add_missing(mc_rule_ctx *ctx, const mc_x86_guest *g, const mc_cpumodels *m,
			const mc_x86_reg *r, unsigned b)
{
	g_autofree char *label = mc_x86_bit_label(m, r, b);
	g_autofree char *tok = mc_x86_bit_token(m, r, b);
	const char *describe = mc_x86_guest_describe(g);
	const char *cur = mc_pins_get(ctx->pins, "CPU_DISABLE");
	size_t ll = strlen(label) + 1, lt = strlen(tok) + 1, ld = strlen(describe) + 1,
	       lc = cur ? strlen(cur) + 1 : 0;
	missing_text *a = mc_plan_add_lazy(ctx->plan, FAMILY, MC_V_BLOCKED, missing_verdict_text,
					   sizeof(*a) + ll + lt + ld + lc);
	a->r = *r;
	a->bit = b;
	a->sv = a->dv = 0;
	a->sh = mc_x86_host_reg(ctx->srcp, r, &a->sv);
	a->dh = mc_x86_host_reg(ctx->dstp, r, &a->dv);
	a->have_cur = cur != NULL;
	char *o = a->strs;
	memcpy(o, label, ll);
	memcpy(o += ll, tok, lt);
	memcpy(o += lt, describe, ld);
	if (cur)
		memcpy(o + ld, cur, lc);
}

/* All is well, its text written when read (mc_plan_add_lazy). */
typedef struct summary_text {
	unsigned nbits, nregs;
	char describe[]; /* mc_x86_guest_describe */
} summary_text;

static void summary_verdict_text(const void *args, mc_verdict *v)
{
	const summary_text *a = args;
	v->subject = g_strdup("summary");
	v->reason = g_strdup_printf("%u feature bits of %u registers present on DST (%s)", a->nbits,
				    a->nregs, a->describe);
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	if (!is_x86(ctx->src))
		return 0;
	if (!mc_rule_have_domain(ctx, FAMILY, "x86.cpuid", "supported CPUID"))
		return 0;
	const mc_x86_guest *g = mc_rule_x86_guest(ctx, err);
	if (!g)
		return -EINVAL;
	const mc_cpumodels *m = ctx->env->cpumodels;
	unsigned nbits = 0, nregs = 0, nmissing = 0;
	for (size_t i = 0; i < mc_x86_guest_nregs(g); i++) {
		mc_x86_reg r;
		uint32_t bits = mc_x86_guest_reg(g, i, &r);
		if (!bits)
			continue;
		nregs++;
		uint32_t have = mc_x86_host_bits(ctx->dstp, &r);
		uint32_t miss = bits & ~have;
		nbits += (unsigned)__builtin_popcount(bits);
		for (unsigned b = 0; b < 32; b++) {
			if (!(miss >> b & 1))
				continue;
			nmissing++;
			add_missing(ctx, g, m, &r, b);
		}
	}
	if (!nmissing) {
		const char *d = mc_x86_guest_describe(g);
		size_t n = strlen(d) + 1;
		summary_text *a = mc_plan_add_lazy(ctx->plan, FAMILY, MC_V_OK, summary_verdict_text,
						   sizeof(*a) + n);
		a->nbits = nbits, a->nregs = nregs;
		memcpy(a->describe, d, n);
	}
	return 0;
}

/* Pins that make a guest started on `newer` see only what `older` offers:
 * CPU_DISABLE of every host-passthrough feature bit older lacks. */
static int compat(const mc_plan_env *env, const mc_plan_profile *newerp,
		  const mc_plan_profile *olderp, mc_pins *out, mc_error *err)
{
	if (strcmp(mc_pp_arch(newerp), "x86_64") != 0 || strcmp(mc_pp_arch(olderp), "x86_64") != 0)
		return 0;
	const mc_plan_profile *np = newerp, *op = olderp;
	mc_x86_guest *g = mc_x86_guest_new(env, np, NULL, err);
	if (!g)
		return -EINVAL;
	GPtrArray *toks = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < mc_x86_guest_nregs(g); i++) {
		mc_x86_reg r;
		uint32_t miss = mc_x86_guest_reg(g, i, &r) & ~mc_x86_host_bits(op, &r);
		for (unsigned b = 0; b < 32; b++) {
			if (!(miss >> b & 1))
				continue;
			char *t = mc_x86_bit_token(env->cpumodels, &r, b);
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

/* An x86 profile (either may be NULL), or a pin naming a model or
 * features. */
static bool needs_env(const mc_facts *src, const mc_facts *dst, const mc_pins *pins)
{
	return is_x86(src) || is_x86(dst) || !mc_x86_is_passthrough(mc_pins_get(pins, "CPU")) ||
	       mc_pins_get(pins, "CPU_DISABLE") || mc_pins_get(pins, "CPU_ENABLE");
}

/* The guest view (x86_guest.c): supported CPUID, the MSR lists, and the
 * TSC deadline timer capability. */
static bool reads(const char *domain, const char *key)
{
	return strcmp(domain, "x86.cpuid") == 0 || strcmp(domain, "x86.msr") == 0 ||
	       strcmp(domain, "x86.msr_feature") == 0 ||
	       (strcmp(domain, "kvm.cap") == 0 &&
		(!key || strcmp(key, "KVM_CAP_TSC_DEADLINE_TIMER") == 0));
}

const mc_rule mc_rule_x86_cpuid = {
	.family = FAMILY,
	.pin_names = pin_names,
	.check_pin = check_pin,
	.check_pins_on_src = check_pins_on_src,
	.run = run,
	.compat = compat,
	.needs_env = needs_env,
	.reads = reads,
};
