/* KVM capabilities that change what the guest sees or what state must be
 * restored. The profiles record every non-zero KVM_CHECK_EXTENSION; most are
 * plumbing for the VMM and irrelevant to a migration. This family judges:
 *  - guest-visible features (arm64 SVE, PMU, pointer authentication, MTE,
 *    AArch32 EL1, PSCI 0.2, ...): on the source but not on the destination ->
 *    blocked, unless the guest was started without the feature (pin
 *    FEATURE=off); remedy: that pin. The compat pins turn off each such
 *    feature the newer host offers and the older lacks, the baseline each
 *    one some host lacks (features_off);
 *  - state the VMM saves when the kernel offers it (x86 vCPU events, debug
 *    registers, XSAVE/XCRS, SMM, nested state, kvmclock, ...): missing on the
 *    destination -> blocked (QEMU cannot restore what it saved);
 *  - optional enlightenments a guest may use (Hyper-V, PV features):
 *    missing -> action (blocked only for guests that use them);
 *  - limits (vCPU counts, memory slots, IPA size, XSAVE size): smaller on the
 *    destination -> action, naming the limit the guest must fit in.
 * KVM_CAP_NR_VCPUS (it follows the host's CPU count) and other capabilities
 * are not judged; a summary counts them. */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"

#define FAMILY "kvm.cap"

enum cap_kind { CAP_FEATURE, CAP_STATE, CAP_OPTIONAL, CAP_LIMIT };

typedef struct {
	const char *cap;
	const char *arch; /* NULL: any */
	enum cap_kind kind;
	const char *what; /* for messages */
	const char *pin;  /* FEATURE pin that turns it off, or NULL */
} cap_rule;

static const cap_rule cap_rules[] = {
	/* arm64 guest-visible vCPU features (KVM_ARM_VCPU_INIT feature bits) */
	{ "KVM_CAP_ARM_PSCI_0_2", "aarch64", CAP_FEATURE, "PSCI 0.2 firmware interface", NULL },
	{ "KVM_CAP_ARM_PMU_V3", "aarch64", CAP_FEATURE, "the PMUv3 performance monitors", "PMU" },
	{ "KVM_CAP_ARM_SVE", "aarch64", CAP_FEATURE, "SVE vector registers", "SVE" },
	{ "KVM_CAP_ARM_PTRAUTH_ADDRESS", "aarch64", CAP_FEATURE, "address pointer authentication",
	  "PTRAUTH" },
	{ "KVM_CAP_ARM_PTRAUTH_GENERIC", "aarch64", CAP_FEATURE, "generic pointer authentication",
	  "PTRAUTH" },
	{ "KVM_CAP_ARM_EL1_32BIT", "aarch64", CAP_FEATURE, "AArch32 at EL1", "AARCH32" },
	{ "KVM_CAP_ARM_MTE", "aarch64", CAP_FEATURE, "memory tagging (MTE)", "MTE" },
	{ "KVM_CAP_ARM_SYSTEM_SUSPEND", "aarch64", CAP_OPTIONAL, "PSCI SYSTEM_SUSPEND", NULL },
	{ "KVM_CAP_STEAL_TIME", "aarch64", CAP_OPTIONAL, "paravirtual steal time", NULL },
	{ "KVM_CAP_PTP_KVM", "aarch64", CAP_OPTIONAL, "the KVM PTP clock service", NULL },
	/* arm64 state */
	{ "KVM_CAP_ARM_IRQ_LINE_LAYOUT_2", "aarch64", CAP_STATE, "the extended IRQ line layout",
	  NULL },
	{ "KVM_CAP_ARM_INJECT_SERROR_ESR", "aarch64", CAP_OPTIONAL,
	  "restoring a pending SError with its syndrome (only matters when one is pending)", NULL },
	{ "KVM_CAP_VCPU_ATTRIBUTES", NULL, CAP_STATE, "vCPU attributes (timers, PMU state)", NULL },
	/* x86 state QEMU saves and restores when the kernel offers it */
	{ "KVM_CAP_VCPU_EVENTS", "x86_64", CAP_STATE, "pending vCPU events", NULL },
	{ "KVM_CAP_DEBUGREGS", "x86_64", CAP_STATE, "debug registers", NULL },
	{ "KVM_CAP_XSAVE", "x86_64", CAP_STATE, "XSAVE state", NULL },
	{ "KVM_CAP_XCRS", "x86_64", CAP_STATE, "extended control registers", NULL },
	{ "KVM_CAP_ADJUST_CLOCK", "x86_64", CAP_STATE, "the kvmclock offset", NULL },
	{ "KVM_CAP_X86_SMM", "x86_64", CAP_STATE, "System Management Mode state", NULL },
	{ "KVM_CAP_NESTED_STATE", "x86_64", CAP_STATE, "nested virtualization state", NULL },
	{ "KVM_CAP_PIT_STATE2", "x86_64", CAP_STATE, "the i8254 PIT state", NULL },
	{ "KVM_CAP_EXCEPTION_PAYLOAD", "x86_64", CAP_STATE, "exception payloads", NULL },
	{ "KVM_CAP_SREGS2", "x86_64", CAP_STATE, "PDPTRs in special registers", NULL },
	{ "KVM_CAP_MSR_PLATFORM_INFO", "x86_64", CAP_STATE, "MSR_PLATFORM_INFO", NULL },
	{ "KVM_CAP_X86_TRIPLE_FAULT_EVENT", "x86_64", CAP_STATE, "pending triple faults", NULL },
	/* x86 enlightenments a guest may or may not use */
	{ "KVM_CAP_HYPERV", "x86_64", CAP_OPTIONAL, "Hyper-V enlightenments", NULL },
	{ "KVM_CAP_HYPERV_TIME", "x86_64", CAP_OPTIONAL, "the Hyper-V reference TSC page", NULL },
	{ "KVM_CAP_HYPERV_SYNIC", "x86_64", CAP_OPTIONAL, "the Hyper-V SynIC", NULL },
	{ "KVM_CAP_HYPERV_SYNIC2", "x86_64", CAP_OPTIONAL, "the Hyper-V SynIC", NULL },
	{ "KVM_CAP_HYPERV_VP_INDEX", "x86_64", CAP_OPTIONAL, "the Hyper-V VP index", NULL },
	{ "KVM_CAP_HYPERV_TLBFLUSH", "x86_64", CAP_OPTIONAL, "Hyper-V TLB flush", NULL },
	{ "KVM_CAP_HYPERV_SEND_IPI", "x86_64", CAP_OPTIONAL, "Hyper-V IPIs", NULL },
	{ "KVM_CAP_HYPERV_ENLIGHTENED_VMCS", "x86_64", CAP_OPTIONAL, "the enlightened VMCS", NULL },
	{ "KVM_CAP_TSC_CONTROL", "x86_64", CAP_OPTIONAL,
	  "TSC scaling (needed when the guest's TSC frequency differs from the host's)", NULL },
	/* limits */
	{ "KVM_CAP_MAX_VCPUS", NULL, CAP_LIMIT, "vCPUs per guest", NULL },
	{ "KVM_CAP_MAX_VCPU_ID", NULL, CAP_LIMIT, "vCPU id", NULL },
	{ "KVM_CAP_NR_MEMSLOTS", NULL, CAP_LIMIT, "memory slots", NULL },
	{ "KVM_CAP_ARM_VM_IPA_SIZE", "aarch64", CAP_LIMIT, "bits of guest physical address space",
	  NULL },
	{ "KVM_CAP_XSAVE2", "x86_64", CAP_LIMIT, "bytes of XSAVE state", NULL },
};

static const char *const pin_names[] = { "PMU", "SVE", "PTRAUTH", "AARCH32", "MTE", NULL };

static int check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	(void)env; /* the form is all there is */
	(void)name;
	if (g_ascii_strcasecmp(value, "off") != 0 && g_ascii_strcasecmp(value, "on") != 0)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "expected on or off");
	return 0;
}

static bool pinned_off(const mc_pins *pins, const char *pin)
{
	const char *v = pin ? mc_pins_get(pins, pin) : NULL;
	return v && g_ascii_strcasecmp(v, "off") == 0;
}

/* A verdict, its text written when read (mc_plan_add_lazy): the rule (c
 * NULL: the summary, all is well), the values, whether the destination has
 * the capability and whether the guest was started without it. */
typedef struct cap_text {
	const cap_rule *c;
	unsigned long long sv, dv;
	size_t judged; /* the summary's count */
	bool d, off;
} cap_text;

static void cap_verdict_text(const void *args, mc_verdict *v)
{
	const cap_text *a = args;
	const cap_rule *c = a->c;
	if (!c) {
		v->reason = g_strdup_printf("the destination offers all %zu guest-relevant "
					    "capabilities the source has",
					    a->judged);
		return;
	}
	v->subject = g_strdup(c->cap);
	/* "SRC CAP=S; DST CAP=D" or "SRC CAP=S; DST: absent" */
	GString *t = g_string_sized_new(80);
	mc_text_add(t, "SRC ");
	mc_text_add(t, c->cap);
	mc_text_add_len(t, "=", 1);
	mc_text_u(t, a->sv);
	if (a->d) {
		mc_text_add(t, "; DST ");
		mc_text_add(t, c->cap);
		mc_text_add_len(t, "=", 1);
		mc_text_u(t, a->dv);
	} else {
		mc_text_add(t, "; DST: absent");
	}
	v->facts = g_string_free(t, FALSE);
	if (c->kind == CAP_LIMIT) {
		v->remedy =
		    a->d ? g_strdup_printf("make sure the guest needs no more than %llu %s", a->dv,
					   c->what)
			 : g_strdup("check the guest's configuration against the destination");
		v->reason =
		    g_strdup_printf("the destination allows fewer %s than the source (%llu < %llu)",
				    c->what, a->dv, a->sv);
		return;
	}
	if (a->off) {
		v->reason = g_strdup_printf("the destination lacks %s, but the guest was started "
					    "without it (%s=off)",
					    c->what, c->pin);
		return;
	}
	switch (c->kind) {
	case CAP_FEATURE:
		v->pin = c->pin ? g_strconcat(c->pin, "=off", NULL) : NULL;
		v->remedy =
		    v->pin ? g_strconcat("start the guest without it (--pin ", v->pin, ")", NULL)
			   : g_strdup("migrate to a destination whose kernel offers it");
		v->reason =
		    g_strconcat("the guest can see ", c->what,
				" on the source; the destination kernel does not offer it", NULL);
		break;
	case CAP_STATE:
		v->remedy = g_strdup("migrate to a destination with a newer kernel");
		v->reason = g_strconcat("the source VMM saves ", c->what,
					", which the destination kernel cannot restore", NULL);
		break;
	case CAP_OPTIONAL:
		v->remedy = g_strdup("make sure the guest does not use it (e.g. no such "
				     "enlightenment in the domain XML)");
		v->reason = g_strconcat("the destination lacks ", c->what,
					": fine unless the guest uses it", NULL);
		break;
	case CAP_LIMIT:
		break;
	}
}

static mc_level cap_level(const cap_rule *c, bool off)
{
	if (c->kind == CAP_LIMIT || c->kind == CAP_OPTIONAL)
		return MC_V_ACTION;
	return off ? MC_V_OK : MC_V_BLOCKED;
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	const char *arch = mc_pp_arch(ctx->srcp);
	if (!mc_rule_have_domain(ctx, FAMILY, "kvm.cap", "KVM capabilities"))
		return 0;
	size_t judged = 0, issues = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(cap_rules); i++) {
		const cap_rule *c = &cap_rules[i];
		if (c->arch && strcmp(c->arch, arch) != 0)
			continue;
		unsigned long long sv = 0, dv = 0;
		bool s = mc_pp_u64(ctx->srcp, FAMILY, c->cap, &sv);
		bool d = mc_pp_u64(ctx->dstp, FAMILY, c->cap, &dv);
		if (!s)
			continue;
		judged++;
		if (c->kind == CAP_LIMIT ? d && dv >= sv : d)
			continue; /* fine: no verdict, nothing to format */
		issues++;
		bool off = c->kind == CAP_FEATURE && pinned_off(ctx->pins, c->pin);
		cap_text *a = mc_plan_add_lazy(ctx->plan, FAMILY, cap_level(c, off),
					       cap_verdict_text, sizeof(*a));
		*a = (cap_text){ .c = c, .sv = sv, .dv = dv, .d = d, .off = off };
	}
	if (!issues) {
		cap_text *a =
		    mc_plan_add_lazy(ctx->plan, FAMILY, MC_V_OK, cap_verdict_text, sizeof(*a));
		*a = (cap_text){ .judged = judged };
	}
	return 0;
}

/* Does host f offer the capability of rule c (of its architecture)? */
static bool offers(const cap_rule *c, const mc_facts *f)
{
	return (!c->arch || strcmp(c->arch, mc_arch_of(f)) == 0) && mc_facts_get(f, FAMILY, c->cap);
}

/* FEATURE=off for each guest-visible feature with a pin that some of the
 * first `nstart` hosts (where the guest may be started) offer and some of
 * all `n` lack: a guest started with the feature could not be restored
 * there (run() blocks it), started without it it can. */
static int features_off(const mc_facts *const *hosts, size_t nstart, size_t n, mc_pins *out,
			mc_error *err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cap_rules); i++) {
		const cap_rule *c = &cap_rules[i];
		if (c->kind != CAP_FEATURE || !c->pin)
			continue;
		bool started = false, lacking = false;
		for (size_t h = 0; h < n; h++) {
			bool has = offers(c, hosts[h]);
			started |= h < nstart && has;
			lacking |= !has;
		}
		if (started && lacking && mc_pins_set(out, c->pin, "off", err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Compat: the features the newer host offers and the older lacks, off. */
static int compat(const mc_plan_env *env, const mc_plan_profile *newerp,
		  const mc_plan_profile *olderp, mc_pins *out, mc_error *err)
{
	(void)env;
	const mc_facts *pair[2] = { mc_plan_profile_facts(newerp), mc_plan_profile_facts(olderp) };
	return features_off(pair, 1, 2, out, err);
}

/* Baseline: the features some host offers and another lacks, off. */
static int baseline(const mc_plan_env *env, const mc_facts *const *hosts, size_t n, mc_pins *out,
		    mc_error *err)
{
	(void)env;
	return features_off(hosts, n, n, out, err);
}

/* The capabilities of the table (any architecture); the others, such as
 * KVM_CAP_NR_VCPUS, are never read. */
static bool reads(const char *domain, const char *key)
{
	if (strcmp(domain, FAMILY) != 0)
		return false;
	for (size_t i = 0; key && i < G_N_ELEMENTS(cap_rules); i++)
		if (strcmp(key, cap_rules[i].cap) == 0)
			return true;
	return !key;
}

const mc_rule mc_rule_kvm_cap = {
	.family = FAMILY,
	.pin_names = pin_names,
	.check_pin = check_pin,
	.run = run,
	.compat = compat,
	.baseline = baseline,
	.reads = reads,
};
