/* arm64 firmware pseudo-registers: the acceptance rules of the kernel's
 * KVM_SET_ONE_REG for the firmware classes (arch/arm64/kvm/hypercalls.c,
 * Documentation/virt/kvm/arm/fw-pseudo-registers.rst), applied to the value
 * the source guest would send:
 *
 *  PSCI_VERSION  accepted when it is 0.2, or 1.0 up to 1.3, and the destination
 *                implements it (its fresh-vCPU value is the highest version it
 *                implements); a destination without the register rejects it
 *                (ENOENT) even when the guest is pinned to 0.2.
 *  SMCCC_ARCH_WORKAROUND_1/_3  levels NOT_AVAIL=0, AVAIL=1, NOT_REQUIRED=2;
 *                accepted when the destination's level >= the value. The
 *                kernel does not store the value: a guest is never promised
 *                less than its host offers, and never loses a mitigation.
 *  SMCCC_ARCH_WORKAROUND_2  levels NOT_AVAIL=0, UNKNOWN=1, AVAIL=2,
 *                NOT_REQUIRED=3, plus bit 4 ENABLED (only with AVAIL); the
 *                incoming NOT_AVAIL/UNKNOWN map to NOT_AVAIL, AVAIL/NOT_REQUIRED
 *                to NOT_REQUIRED, and the destination's level must be >= that.
 *  STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP  bits outside the destination's
 *                supported mask (its fresh-vCPU value) are rejected; a guest
 *                can be started with a lower bitmap (pin).
 *  unknown ids   no rule known: equal values are fine, others need checking.
 */
#include "core/planner/rules_arm64_fwreg.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"

#define FAMILY "arm64.fwreg"

enum fw_kind { FW_PSCI, FW_WA13, FW_WA2, FW_BMAP, FW_UNKNOWN };

static enum fw_kind fw_kind(const char *name)
{
	if (strcmp(name, "PSCI_VERSION") == 0)
		return FW_PSCI;
	if (strcmp(name, "SMCCC_ARCH_WORKAROUND_1") == 0 ||
	    strcmp(name, "SMCCC_ARCH_WORKAROUND_3") == 0)
		return FW_WA13;
	if (strcmp(name, "SMCCC_ARCH_WORKAROUND_2") == 0)
		return FW_WA2;
	if (g_str_has_suffix(name, "_BMAP"))
		return FW_BMAP;
	return FW_UNKNOWN;
}

#define PSCI_0_1 0x1ull
#define PSCI_0_2 0x2ull
#define PSCI_1_0 0x10000ull
#define PSCI_1_1 0x10001ull
#define PSCI_1_2 0x10002ull
#define PSCI_1_3 0x10003ull
#define LEVEL_MASK 0xfull
#define WA2_ENABLED 0x10ull
#define WA2_NOT_AVAIL 0
#define WA2_UNKNOWN 1
#define WA2_AVAIL 2
#define WA2_NOT_REQUIRED 3

/* The kernel's decision for KVM_SET_ONE_REG(name, v) on a fresh vCPU whose
 * KVM_GET_ONE_REG(name) is `host` (the host's level, default or mask).
 * Returns 0, -EINVAL or -ENOENT. */
int mc_arm64_fw_accepts(const char *name, bool host_has, unsigned long long host,
			unsigned long long v)
{
	if (!host_has)
		return -ENOENT;
	switch (fw_kind(name)) {
	case FW_PSCI:
		/* With KVM_ARM_VCPU_PSCI_0_2 (as QEMU starts vCPUs), 0.1 is
		 * refused; 0.2 and up must be a version this kernel knows: up
		 * to its default, KVM_ARM_PSCI_LATEST (1.1 up to 6.12, 1.3 in
		 * 7.3). */
		if (v != PSCI_0_2 && (v < PSCI_1_0 || v > PSCI_1_3))
			return -EINVAL;
		return v <= host ? 0 : -EINVAL;
	case FW_WA13:
		if (v & ~LEVEL_MASK)
			return -EINVAL;
		return (host & LEVEL_MASK) >= v ? 0 : -EINVAL;
	case FW_WA2: {
		if (v & ~(LEVEL_MASK | WA2_ENABLED))
			return -EINVAL;
		if ((v & WA2_ENABLED) && (v & LEVEL_MASK) != WA2_AVAIL)
			return -EINVAL;
		unsigned long long want;
		switch (v & LEVEL_MASK) {
		case WA2_NOT_AVAIL:
		case WA2_UNKNOWN:
			want = WA2_NOT_AVAIL;
			break;
		case WA2_AVAIL:
		case WA2_NOT_REQUIRED:
			want = WA2_NOT_REQUIRED;
			break;
		default:
			return -EINVAL;
		}
		return (host & LEVEL_MASK) >= want ? 0 : -EINVAL;
	}
	case FW_BMAP:
		return (v & ~host) ? -EINVAL : 0;
	case FW_UNKNOWN:
		return v == host ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static const char *level_name(enum fw_kind k, unsigned long long v)
{
	static const char *const wa13[] = { "NOT_AVAIL", "AVAIL", "NOT_REQUIRED" };
	static const char *const wa2[] = { "NOT_AVAIL", "UNKNOWN", "AVAIL", "NOT_REQUIRED" };
	unsigned long long l = v & LEVEL_MASK;
	if (k == FW_WA13 && l < 3)
		return wa13[l];
	if (k == FW_WA2 && l < 4)
		return wa2[l];
	return "unknown level";
}

/* "MAJOR.MINOR (0xV)" */
static void add_psci(GString *t, unsigned long long v)
{
	mc_text_u(t, v >> 16);
	mc_text_add_len(t, ".", 1);
	mc_text_u(t, v & 0xffff);
	mc_text_add(t, " (0x");
	mc_text_hex(t, v);
	mc_text_add_len(t, ")", 1);
}

static char *psci_str(unsigned long long v)
{
	GString *t = g_string_sized_new(24);
	add_psci(t, v);
	return g_string_free(t, FALSE);
}

static const char *const pin_names[] = { "PSCI_VERSION",    "STD_BMAP",          "STD_HYP_BMAP",
					 "VENDOR_HYP_BMAP", "VENDOR_HYP_BMAP_2", NULL };

static int check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	(void)env; /* the form is all there is */
	unsigned long long v;
	bool psci = strcmp(name, "PSCI_VERSION") == 0;
	if (mc_parse_u64(value, &v) < 0)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "not a %s",
				    psci ? "PSCI version (e.g. 1.0 or 0x10000)"
					 : "number (e.g. 0x1)");
	if (psci && v != PSCI_0_2 && (v < PSCI_1_0 || v > PSCI_1_3))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "PSCI version must be 0.2, 1.0, 1.1, 1.2 or 1.3 (0x2, 0x10000 "
				    "... 0x10003)");
	return 0;
}

static int check_pins_on_src(const mc_plan_env *env, const mc_plan_profile *srcp,
			     const mc_pins *pins, mc_error *err)
{
	const mc_facts *src = mc_plan_profile_facts(srcp);
	(void)env;
	for (const char *const *n = pin_names; *n; n++) {
		unsigned long long v, have;
		if (mc_pins_get_u64(pins, *n, &v) < 0)
			continue;
		if (strcmp(mc_arch_of(src), "aarch64") != 0)
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "pin %s applies to arm64 guests only", *n);
		if (!mc_fact_u64(src, "arm64.fwreg", *n, &have))
			return mc_error_set(
			    err, MC_EXIT_USAGE, EINVAL,
			    "pin %s: the source kernel has no such firmware register "
			    "(its guests cannot be pinned)",
			    *n);
		if (mc_arm64_fw_accepts(*n, true, have, v) < 0)
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "pin %s=0x%llx: the source kernel would refuse it "
					    "(it offers 0x%llx)",
					    *n, v, have);
	}
	return 0;
}

/* One register's verdict, its text written when read (mc_plan_add_lazy). */
typedef struct fw_text {
	unsigned long long sv, dv; /* the guest's value (pinned or the source's), DST's */
	int r;                     /* mc_arm64_fw_accepts */
	bool src_has, dst_has, pinned;
	char name[]; /* the register's name (key) */
} fw_text;

static void fw_verdict_text(const void *args, mc_verdict *v)
{
	const fw_text *a = args;
	const char *name = a->name;
	unsigned long long sv = a->sv, dv = a->dv;
	bool pinned = a->pinned;
	enum fw_kind k = fw_kind(name);
	v->subject = g_strdup(name);
	if (!a->src_has) { /* only the destination has it */
		if (k == FW_PSCI) {
			g_autofree char *ds = psci_str(dv);
			v->facts = g_strdup_printf(
			    "SRC: no PSCI_VERSION register; DST PSCI_VERSION=0x%llx", dv);
			v->reason = g_strdup_printf(
			    "the source kernel predates the PSCI_VERSION register, so nothing "
			    "is sent; the guest keeps working with PSCI %s on the destination "
			    "(backward compatible with 0.2)",
			    ds);
		} else {
			v->facts = g_strdup_printf("SRC: no %s; DST %s=0x%llx", name, name, dv);
			v->reason =
			    g_strdup_printf("only the destination has %s: nothing to restore, "
					    "the guest gets the destination's value",
					    name);
		}
		return;
	}
	/* "SRC NAME=0xS[ (pinned)]; DST NAME=0xD" or "...; DST: no such register" */
	GString *t = g_string_sized_new(96);
	mc_text_add(t, "SRC ");
	mc_text_add(t, name);
	mc_text_add(t, "=0x");
	mc_text_hex(t, sv);
	mc_text_add(t, pinned ? " (pinned)" : "");
	if (a->dst_has) {
		mc_text_add(t, "; DST ");
		mc_text_add(t, name);
		mc_text_add(t, "=0x");
		mc_text_hex(t, dv);
	} else {
		mc_text_add(t, "; DST: no such register");
	}
	v->facts = g_string_free(t, FALSE);
	int r = a->r;
	if (r == -ENOENT) {
		v->remedy = g_strdup("migrate to a destination whose kernel has the register "
				     "(a newer kernel); pinning the value does not help");
		v->reason = g_strdup_printf(
		    "the destination kernel does not know the %s firmware register: "
		    "KVM_SET_ONE_REG fails with ENOENT and QEMU aborts the migration%s",
		    name, pinned ? " (the register is sent even when pinned)" : "");
		return;
	}
	switch (k) {
	case FW_PSCI: {
		g_autofree char *ss = psci_str(sv);
		g_autofree char *ds = psci_str(dv);
		if (r == 0) {
			v->reason = g_strconcat("the guest's PSCI ", ss,
						" is one the destination implements (up to ", ds,
						")", NULL);
		} else {
			v->pin = g_strdup_printf("PSCI_VERSION=0x%llx", dv);
			v->remedy = g_strdup_printf(
			    "start the guest with --pin %s (before it boots), or migrate to a "
			    "destination that implements PSCI %s",
			    v->pin, ss);
			v->reason = g_strdup_printf(
			    "the guest runs PSCI %s but the destination implements only up "
			    "to %s: KVM_SET_ONE_REG fails with EINVAL",
			    ss, ds);
		}
		return;
	}
	case FW_WA13:
	case FW_WA2:
		if (r == 0) {
			v->reason = g_strconcat("destination level ", level_name(k, dv),
						" covers the guest's ", level_name(k, sv), NULL);
		} else {
			v->remedy = g_strdup("migrate to a host whose CPU and firmware offer the "
					     "mitigation (or that is not affected); the value "
					     "cannot be pinned lower");
			v->reason = g_strdup_printf(
			    "the guest was told %s (%s) on the source; the destination offers "
			    "only %s, so KVM refuses the value: a guest must not silently lose "
			    "a mitigation it was promised",
			    level_name(k, sv),
			    k == FW_WA2 ? "Spectre v4 / SSBD" : "Spectre v2 / BHB",
			    level_name(k, dv));
		}
		return;
	case FW_BMAP:
		if (r == 0) {
			t = g_string_sized_new(112);
			mc_text_add(t, "all hypercall services in the guest's bitmap 0x");
			mc_text_hex(t, sv);
			mc_text_add(t, " are supported by the destination (0x");
			mc_text_hex(t, dv);
			mc_text_add_len(t, ")", 1);
			v->reason = g_string_free(t, FALSE);
		} else {
			v->pin = g_strdup_printf("%s=0x%llx", name, sv & dv);
			v->remedy = g_strdup_printf("start the guest with --pin %s", v->pin);
			v->reason = g_strdup_printf(
			    "hypercall services 0x%llx of the guest's bitmap are not "
			    "supported by the destination: KVM_SET_ONE_REG fails with EINVAL",
			    sv & ~dv);
		}
		return;
	case FW_UNKNOWN:
		if (r == 0) {
			v->reason =
			    g_strdup_printf("firmware register %s (unknown to this migcheck) "
					    "has the same value on both sides",
					    name);
		} else {
			v->remedy = g_strdup("verify by restoring the value on the destination "
					     "(migrate --dry-run) or update migcheck");
			v->reason =
			    g_strdup_printf("firmware register %s is unknown to this migcheck "
					    "and differs: its acceptance rule cannot be "
					    "predicted",
					    name);
		}
		return;
	}
}

/* The destination kernel's decision on one register; its verdict. */
static void judge(mc_rule_ctx *ctx, const char *name, bool src_has, unsigned long long sv,
		  bool pinned, bool dst_has, unsigned long long dv)
{
	if (!src_has && !dst_has)
		return;
	int r = src_has ? mc_arm64_fw_accepts(name, dst_has, dv, sv) : 0;
	mc_level l = r == 0                        ? MC_V_OK
		     : r == -ENOENT                ? MC_V_BLOCKED
		     : fw_kind(name) == FW_UNKNOWN ? MC_V_ACTION
						   : MC_V_BLOCKED;
	size_t n = strlen(name) + 1;
	fw_text *a = mc_plan_add_lazy(ctx->plan, FAMILY, l, fw_verdict_text, sizeof(*a) + n);
	a->sv = sv, a->dv = dv, a->r = r;
	a->src_has = src_has, a->dst_has = dst_has, a->pinned = pinned;
	memcpy(a->name, name, n);
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	if (strcmp(mc_pp_arch(ctx->srcp), "aarch64") != 0)
		return 0;
	/* The union of both sides' registers, in order. */
	GPtrArray *names = g_ptr_array_new();
	size_t sf, sl, df, dl;
	mc_facts_domain_range(ctx->src, FAMILY, &sf, &sl);
	mc_facts_domain_range(ctx->dst, FAMILY, &df, &dl);
	for (size_t i = sf; i < sl; i++)
		g_ptr_array_add(names, (gpointer)mc_facts_at(ctx->src, i)->key);
	for (size_t i = df; i < dl; i++) {
		const char *k = mc_facts_at(ctx->dst, i)->key;
		if (!mc_pp_get(ctx->srcp, FAMILY, k))
			g_ptr_array_add(names, (gpointer)k);
	}
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		unsigned long long sv = 0, dv = 0, pv;
		bool src_has = mc_pp_u64(ctx->srcp, FAMILY, n, &sv);
		bool dst_has = mc_pp_u64(ctx->dstp, FAMILY, n, &dv);
		bool pinned = mc_pins_get_u64(ctx->pins, n, &pv) == 0;
		if (pinned)
			sv = pv;
		judge(ctx, n, src_has, sv, pinned, dst_has, dv);
	}
	if (names->len == 0)
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "", NULL, NULL, NULL,
			    "neither kernel has firmware pseudo-registers: nothing to restore");
	g_ptr_array_unref(names);
	return 0;
}

/* Pins that make a guest on `newer` look like one on `older`. */
static int compat(const mc_plan_env *env, const mc_plan_profile *newerp,
		  const mc_plan_profile *olderp, mc_pins *out, mc_error *err)
{
	(void)env; /* the compiled profiles' facts (mc_pp_*) */
	if (strcmp(mc_pp_arch(newerp), "aarch64") != 0)
		return 0;
	unsigned long long nv, ov;
	if (mc_pp_u64(newerp, FAMILY, "PSCI_VERSION", &nv)) {
		if (mc_pp_u64(olderp, FAMILY, "PSCI_VERSION", &ov)) {
			if (ov < nv && mc_arm64_fw_accepts("PSCI_VERSION", true, nv, ov) == 0) {
				g_autofree char *v = g_strdup_printf("0x%llx", ov);
				if (mc_pins_set(out, "PSCI_VERSION", v, err) < 0)
					return -EINVAL;
			}
		} else if (mc_pp_get(olderp, "kvm.cap", "KVM_CAP_ARM_PSCI_0_2")) {
			/* A kernel without the register implements PSCI 0.2. */
			if (mc_pins_set(out, "PSCI_VERSION", "0x2", err) < 0)
				return -EINVAL;
		}
	}
	for (const char *const *n = pin_names + 1; *n; n++) {
		if (mc_pp_u64(newerp, FAMILY, *n, &nv) && mc_pp_u64(olderp, FAMILY, *n, &ov) &&
		    (nv & ~ov)) {
			g_autofree char *v = g_strdup_printf("0x%llx", nv & ov);
			if (mc_pins_set(out, *n, v, err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* Every firmware register; the PSCI 0.2 capability (a kernel without the
 * register). */
static bool reads(const char *domain, const char *key)
{
	return strcmp(domain, FAMILY) == 0 || (strcmp(domain, "kvm.cap") == 0 &&
					       (!key || strcmp(key, "KVM_CAP_ARM_PSCI_0_2") == 0));
}

const mc_rule mc_rule_arm64_fwreg = {
	.family = FAMILY,
	.pin_names = pin_names,
	.check_pin = check_pin,
	.check_pins_on_src = check_pins_on_src,
	.run = run,
	.compat = compat,
	.reads = reads,
};
