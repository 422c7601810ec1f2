/* Placeholder until the x86.cpuid rules land. */
#include <string.h>

#include "rules.h"

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	if (strcmp(mc_arch_of(ctx->src), "x86_64") == 0)
		mc_plan_add(ctx->plan, "x86.cpuid", MC_V_ACTION, "", NULL, NULL, NULL,
			    "x86.cpuid rules are not implemented yet");
	return 0;
}

const mc_rule mc_rule_x86_cpuid = { "x86.cpuid", NULL, NULL, NULL, run, NULL };
