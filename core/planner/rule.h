/* migcheck — the rule interface: what one rule family (core/planner/rules_*.c)
 * implements, and the helpers the planner offers the families. Internal to
 * core/planner; not part of the public API. */
#ifndef MC_RULE_H
#define MC_RULE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/planner/plan_profile.h"
#include "core/planner/planner.h"

typedef struct mc_rule_ctx {
	const mc_plan_env *env; /* never NULL */
	const mc_facts *src;    /* the profile the guest was started on */
	const mc_facts *dst;
	/* the same two profiles compiled (core/planner/plan_profile.h): the
	 * families' lookups go through these */
	const mc_plan_profile *srcp, *dstp;
	const mc_pins *pins; /* the guest's configuration */
	mc_plan *plan;
	struct mc_x86_guest *x86_guest; /* NULL until mc_rule_x86_guest */
} mc_rule_ctx;

/* The x86 guest's view of its CPU (core/planner/x86_guest.h) for the pair's
 * source and pins, made once per plan for the families that share it; NULL
 * with err set when it cannot be made (mc_x86_guest_new). Owned by ctx. */
const struct mc_x86_guest *mc_rule_x86_guest(mc_rule_ctx *ctx, mc_error *err);

/* One rule family; each rules_*.c defines one with designated initialisers
 * (members it does not need stay NULL). */
typedef struct mc_rule {
	const char *family;
	/* Pins this family owns (NULL-terminated, upper case), and a validator
	 * for their values: env NULL checks the form only (when a pin is set),
	 * otherwise also what needs the environment (a CPU model the database
	 * defines; env->cpumodels may be NULL then). */
	const char *const *pin_names;
	int (*check_pin)(const mc_plan_env *env, const char *name, const char *value,
			 mc_error *err);
	/* Validate pins against the source profile (e.g. a PSCI version the
	 * source kernel could not have set). */
	int (*check_pins_on_src)(const mc_plan_env *env, const mc_plan_profile *srcp,
				 const mc_pins *pins, mc_error *err);
	/* Emit this family's verdicts (at least one, an ok summary when all is
	 * well). Returns 0 or -errno (internal errors only). */
	int (*run)(mc_rule_ctx *ctx, mc_error *err);
	/* Add the pins that make a guest on `newer` look like `older`. `out`
	 * holds the pins the families before this one added (rules table
	 * order): a family may read them (arm64.reg reads kvm.cap's
	 * FEATURE=off). */
	int (*compat)(const mc_plan_env *env, const mc_plan_profile *newerp,
		      const mc_plan_profile *olderp, mc_pins *out, mc_error *err);
	/* Add the pins a guest configuration common to all `n` hosts needs
	 * beyond the pairwise compat pins (mc_plan_baseline): choices that
	 * are not a pair's (a machine type every host knows) or that the
	 * compat row leaves to the operator (a feature some host lacks). */
	int (*baseline)(const mc_plan_env *env, const mc_facts *const *hosts, size_t n,
			mc_pins *out, mc_error *err);
	/* Does this family read fact (domain, key) of a profile? key NULL:
	 * does it look at the domain at all (its presence, any key)? The
	 * union over the families is the read set of migration classes
	 * (mc_plan_reads_fact): a fact no family reads cannot change a plan. */
	bool (*reads)(const char *domain, const char *key);
	/* Does this family use env for the pair (see mc_plan_needs_cpumodels)? */
	bool (*needs_env)(const mc_facts *src, const mc_facts *dst, const mc_pins *pins);
} mc_rule;

/* The rule families, each in its own file; the planner's table
 * (core/planner/planner.c) lists them in evaluation order. */
extern const mc_rule mc_rule_kernel, mc_rule_kvm_cap, mc_rule_arm64_reg, mc_rule_arm64_fwreg,
    mc_rule_x86_cpuid, mc_rule_x86_msr, mc_rule_qemu, mc_rule_vfio;

/* A pin's name and value checked by the family that owns it (see
 * mc_rule.check_pin for env): "malformed pin 'NAME=VALUE': ..." (exit 64),
 * NAME as given. */
int mc_rule_check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err);

/* Add a verdict. Takes ownership of nothing: strings are copied. `facts`,
 * `remedy` and `pin` may be NULL. The reason is printf-formatted. */
void mc_plan_add(mc_plan *p, const char *family, mc_level level, const char *subject,
		 const char *facts, const char *remedy, const char *pin, const char *reason_fmt,
		 ...) __attribute__((format(printf, 8, 9)));

/* A verdict whose text is written only when it is first read (mc_plan_at),
 * for plans computed for their levels (targets, gate, report, baseline) or
 * read in part. Returns `size` bytes (aligned for any type) that the caller
 * fills with text()'s arguments before the plan is read; text(args, v) then
 * sets v's subject (NULL: ""), reason, facts, remedy and pin, each
 * g_malloc'd or NULL (the reason must be set). The arguments are read after
 * the plan is computed, when the profiles, the facts and the pins may be
 * gone: they may point only at static data (copy strings into them). The
 * text must be what mc_plan_add would have been given at the time. */
typedef void (*mc_vtext_fn)(const void *args, mc_verdict *v);
void *mc_plan_add_lazy(mc_plan *p, const char *family, mc_level level, mc_vtext_fn text,
		       size_t size);

/* Appending to a verdict's text without printf (which costs a microsecond
 * a call through g_strdup_printf): n bytes of t; what %" PRIx64 " (%llx)
 * and %llu (%u) write. */
static inline void mc_text_add_len(GString *s, const char *t, size_t n)
{
	if (s->len + n < s->allocated_len) { /* room for it and the NUL */
		memcpy(s->str + s->len, t, n);
		s->len += n;
		s->str[s->len] = 0;
	} else {
		g_string_append_len(s, t, (gssize)n);
	}
}

static inline void mc_text_add(GString *s, const char *t)
{
	mc_text_add_len(s, t, strlen(t));
}

static inline void mc_text_hex(GString *s, uint64_t v)
{
	char b[16];
	size_t n = 0;
	do
		b[15 - n++] = "0123456789abcdef"[v & 0xf];
	while (v >>= 4);
	mc_text_add_len(s, b + 16 - n, n);
}

static inline void mc_text_u(GString *s, unsigned long long v)
{
	char b[20];
	size_t n = 0;
	do
		b[19 - n++] = (char)('0' + v % 10);
	while (v /= 10);
	mc_text_add_len(s, b + 20 - n, n);
}

/* Both profiles must hold facts of `domain` (a probe that did not run, e.g.
 * no /dev/kvm when probed, leaves none): otherwise add an action (source
 * missing: the guest's state is unknown) or blocked verdict (destination
 * missing) for `family` and return false. */
bool mc_rule_have_domain(mc_rule_ctx *ctx, const char *family, const char *domain,
			 const char *what);

/* Helpers for the rules. */
const char *mc_arch_of(const mc_facts *f); /* kernel/arch or "" */
/* Parse a fact value "0x..." or decimal; false when absent or malformed. */
bool mc_fact_u64(const mc_facts *f, const char *domain, const char *key, unsigned long long *out);

#endif
