/* arm64 register list: every register in the source guest's list must exist
 * on the destination, or QEMU cannot restore it (KVM_SET_ONE_REG -> ENOENT)
 * and the migration fails: new->old breaks. Registers only the destination
 * has are fine (it keeps its reset values). Firmware pseudo-registers
 * (coprocessor classes 0x0014 and 0x0016) are judged by the arm64.fwreg
 * family, which knows their acceptance rules. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../probes/parsers.h"
#include "rules.h"

#define FAMILY "arm64.reg"

/* Human name of a register class, from the id's coprocessor field. */
static const char *reg_class(uint64_t id)
{
	switch ((id >> 16) & 0xfff) {
	case 0x0010:
		return "core";
	case 0x0011:
		return "demux (cache geometry)";
	case 0x0013:
		return "system";
	case 0x0014:
		return "firmware";
	case 0x0015:
		return "SVE";
	case 0x0016:
		return "firmware bitmap";
	default:
		return "other";
	}
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	if (strcmp(mc_arch_of(ctx->src), "aarch64") != 0)
		return 0;
	size_t sf, sl, df, dl;
	mc_facts_domain_range(ctx->src, "arm64.reg", &sf, &sl);
	mc_facts_domain_range(ctx->dst, "arm64.reg", &df, &dl);
	if (!mc_rule_have_domain(ctx, FAMILY, "arm64.reg", "register list"))
		return 0;
	size_t nsrc = 0, missing = 0, dst_only = 0;
	for (size_t i = sf; i < sl; i++) {
		const mc_fact *x = mc_facts_at(ctx->src, i);
		uint64_t id = strtoull(x->key, NULL, 16);
		if (mc_arm64_reg_is_fw(id))
			continue;
		nsrc++;
		if (mc_facts_get(ctx->dst, "arm64.reg", x->key))
			continue;
		missing++;
		g_autofree char *facts =
		    g_strdup_printf("SRC arm64.reg %s; DST: not in KVM_GET_REG_LIST", x->key);
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, x->key, facts,
			    "upgrade the destination kernel, or start the guest with a vCPU "
			    "configuration that does not expose this register",
			    NULL,
			    "%s register %s exists on the source but not on the destination: "
			    "KVM_SET_ONE_REG fails there and QEMU aborts the migration",
			    reg_class(id), x->key);
	}
	for (size_t i = df; i < dl; i++) {
		const mc_fact *x = mc_facts_at(ctx->dst, i);
		if (!mc_arm64_reg_is_fw(strtoull(x->key, NULL, 16)) &&
		    !mc_facts_get(ctx->src, "arm64.reg", x->key))
			dst_only++;
	}
	if (!missing)
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "register list", NULL, NULL, NULL,
			    "all %zu registers of the source guest exist on the destination%s",
			    nsrc, dst_only ? " (it has more; they keep their reset values)" : "");
	return 0;
}

const mc_rule mc_rule_arm64_reg = { FAMILY, NULL, NULL, NULL, run, NULL };
