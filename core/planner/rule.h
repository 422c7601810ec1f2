/* migcheck — planner internals shared by the rule families (core/rules_*.c).
 * Not part of the public API. */
#ifndef MC_RULES_H
#define MC_RULES_H

#include "core/planner/planner.h"

typedef struct mc_rule_ctx {
	const mc_facts *src; /* the profile the guest was started on */
	const mc_facts *dst;
	const mc_pins *pins; /* the guest's configuration */
	mc_plan *plan;
} mc_rule_ctx;

typedef struct mc_rule {
	const char *family;
	/* Pins this family owns (NULL-terminated, upper case), and a validator
	 * for their values; NULL when none. */
	const char *const *pin_names;
	int (*check_pin)(const char *name, const char *value, mc_error *err);
	/* Validate pins against the source profile (e.g. a PSCI version the
	 * source kernel could not have set). May be NULL. */
	int (*check_pins_on_src)(const mc_facts *src, const mc_pins *pins, mc_error *err);
	/* Emit this family's verdicts (at least one, an ok summary when all is
	 * well). Returns 0 or -errno (internal errors only). */
	int (*run)(mc_rule_ctx *ctx, mc_error *err);
	/* Add the pins that make a guest on `newer` look like `older`. May be NULL. */
	int (*compat)(const mc_facts *newer, const mc_facts *older, mc_pins *out, mc_error *err);
} mc_rule;

/* The rule families, each in its own file. */
extern const mc_rule mc_rule_kernel, mc_rule_kvm_cap, mc_rule_arm64_reg, mc_rule_arm64_fwreg,
    mc_rule_x86_cpuid, mc_rule_x86_msr, mc_rule_qemu, mc_rule_vfio;

/* Add a verdict. Takes ownership of nothing: strings are copied. `facts`,
 * `remedy` and `pin` may be NULL. The reason is printf-formatted. */
void mc_plan_add(mc_plan *p, const char *family, mc_level level, const char *subject,
		 const char *facts, const char *remedy, const char *pin, const char *reason_fmt,
		 ...) __attribute__((format(printf, 8, 9)));

/* Both profiles must hold facts of `domain` (a probe that did not run, e.g.
 * no /dev/kvm when probed, leaves none): otherwise add an action (source
 * missing: the guest's state is unknown) or blocked verdict (destination
 * missing) for `family` and return false. */
bool mc_rule_have_domain(mc_rule_ctx *ctx, const char *family, const char *domain,
			 const char *what);

/* Helpers for the rules. */
const char *mc_arch_of(const mc_facts *f); /* kernel/arch or "" */
/* "0x10001", "65537", or a version "1.0" (major << 16 | minor): -EINVAL
 * when malformed. */
int mc_parse_u64(const char *s, unsigned long long *out);
/* The kernel's KVM_SET_ONE_REG decision for an arm64 firmware register
 * (rules_arm64_fwreg.c): 0, -EINVAL or -ENOENT. */
int mc_arm64_fw_accepts(const char *name, bool host_has, unsigned long long host,
			unsigned long long v);
/* Parse a fact value "0x..." or decimal; false when absent or malformed. */
bool mc_fact_u64(const mc_facts *f, const char *domain, const char *key, unsigned long long *out);

/* x86 guest CPU view, shared by x86.cpuid and x86.msr (core/planner/rules_x86_cpuid.c):
 * the CPUID feature bits and feature-MSR bits a guest configured by `pins`
 * (CPU=MODEL, CPU_DISABLE=...) sees when started on `src`. */
typedef struct mc_x86_guest mc_x86_guest;
mc_x86_guest *mc_x86_guest_new(const mc_facts *src, const mc_pins *pins, mc_error *err);
void mc_x86_guest_free(mc_x86_guest *g);
/* reg: 0..3 = eax, ebx, ecx, edx. */
bool mc_x86_guest_has(const mc_x86_guest *g, unsigned leaf, unsigned index, unsigned reg,
		      unsigned bit);
/* The guest's value of a feature MSR (x86.msr_feature) as far as CPU models
 * define it: SRC's value for host-passthrough, the model's bits of SRC's value
 * otherwise (all of SRC's value when the map defines no bit of that MSR). */
unsigned long long mc_x86_guest_msr_feature(const mc_x86_guest *g, const mc_facts *src,
					    unsigned index);
/* The CPU map's feature name of bit `bit` of feature MSR `index` (e.g.
 * "ibrs-all" for 0x10a bit 1), as CPU_DISABLE takes it; NULL when the map
 * (or no map) has none. Caller frees. */
char *mc_x86_guest_msr_token(const mc_x86_guest *g, unsigned index, unsigned bit);
/* "host-passthrough" or "CPU model NAME". */
const char *mc_x86_guest_describe(const mc_x86_guest *g);

#endif
