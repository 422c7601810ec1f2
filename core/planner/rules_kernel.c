/* Kernel command line and release. The host kernel's own side-channel
 * mitigations protect guests from each other and from the host; a
 * destination booted with them switched off silently weakens a guest that
 * had them on the source, so that is an action for the operator to accept or
 * avoid. The release is reported for context. */
#include <glib.h>
#include <string.h>

#include "core/planner/rule.h"

#define FAMILY "kernel"

/* cmdline.NAME values that switch a mitigation off. */
static const struct {
	const char *key;
	const char *off; /* value meaning "off"; "1" for bare flags */
	const char *what;
} weakening[] = {
	{ "cmdline.mitigations", "off", "all CPU vulnerability mitigations" },
	{ "cmdline.spectre_v2", "off", "Spectre v2 mitigations" },
	{ "cmdline.nospectre_v2", "1", "Spectre v2 mitigations" },
	{ "cmdline.spectre_v2_user", "off", "Spectre v2 user-space mitigations" },
	{ "cmdline.spec_store_bypass_disable", "off", "Speculative Store Bypass mitigation" },
	{ "cmdline.nospec_store_bypass_disable", "1", "Speculative Store Bypass mitigation" },
	{ "cmdline.ssbd", "force-off", "the SSBD (Spectre v4) mitigation" },
	{ "cmdline.pti", "off", "page table isolation" },
	{ "cmdline.nopti", "1", "page table isolation" },
	{ "cmdline.l1tf", "off", "L1TF mitigations" },
	{ "cmdline.mds", "off", "MDS mitigations" },
	{ "cmdline.tsx_async_abort", "off", "TAA mitigations" },
	{ "cmdline.retbleed", "off", "Retbleed mitigations" },
	{ "cmdline.srbds", "off", "SRBDS mitigations" },
	{ "cmdline.gather_data_sampling", "off", "GDS mitigations" },
	{ "cmdline.kvm.nx_huge_pages", "off", "the iTLB multihit mitigation" },
};

static bool is_off(const mc_plan_profile *f, size_t i)
{
	const char *v = mc_pp_get(f, FAMILY, weakening[i].key);
	return v && strcmp(v, weakening[i].off) == 0;
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	const char *sr = mc_pp_get(ctx->srcp, FAMILY, "release");
	const char *dr = mc_pp_get(ctx->dstp, FAMILY, "release");
	size_t weaker = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(weakening); i++) {
		if (!is_off(ctx->dstp, i) || is_off(ctx->srcp, i))
			continue;
		weaker++;
		const char *sv = mc_pp_get(ctx->srcp, FAMILY, weakening[i].key);
		g_autofree char *facts = g_strdup_printf(
		    "SRC %s=%s; DST %s=%s", weakening[i].key, sv ? sv : "(unset)", weakening[i].key,
		    mc_pp_get(ctx->dstp, FAMILY, weakening[i].key));
		mc_plan_add(
		    ctx->plan, FAMILY, MC_V_ACTION, weakening[i].key, facts,
		    "accept the weaker isolation for this guest, or pick a destination "
		    "that runs with the mitigations on",
		    NULL,
		    "the destination kernel runs with %s switched off; the guest had them on "
		    "the source",
		    weakening[i].what);
	}
	if (!weaker) {
		g_autofree char *facts =
		    g_strconcat("SRC kernel ", sr ? sr : "?", "; DST kernel ", dr ? dr : "?", NULL);
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "release", facts, NULL, NULL,
			    "the destination kernel keeps the source's mitigation settings");
	}
	return 0;
}

/* The release and the mitigation switches of the table. */
static bool reads(const char *domain, const char *key)
{
	if (strcmp(domain, FAMILY) != 0)
		return false;
	if (!key || strcmp(key, "release") == 0)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(weakening); i++)
		if (strcmp(key, weakening[i].key) == 0)
			return true;
	return false;
}

const mc_rule mc_rule_kernel = {
	.family = FAMILY,
	.run = run,
	.reads = reads,
};
