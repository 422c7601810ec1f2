/* arm64 KVM register ids (core/base/arm64_regid.h). */
#include "core/base/arm64_regid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct fwreg {
	uint64_t id;
	const char *name;
} fwregs[] = {
	{ MC_KVM_REG_ARM_FW_REG(0), "PSCI_VERSION" },
	{ MC_KVM_REG_ARM_FW_REG(1), "SMCCC_ARCH_WORKAROUND_1" },
	{ MC_KVM_REG_ARM_FW_REG(2), "SMCCC_ARCH_WORKAROUND_2" },
	{ MC_KVM_REG_ARM_FW_REG(3), "SMCCC_ARCH_WORKAROUND_3" },
	{ MC_KVM_REG_ARM_FW_FEAT_BMAP_REG(0), "STD_BMAP" },
	{ MC_KVM_REG_ARM_FW_FEAT_BMAP_REG(1), "STD_HYP_BMAP" },
	{ MC_KVM_REG_ARM_FW_FEAT_BMAP_REG(2), "VENDOR_HYP_BMAP" },
	{ MC_KVM_REG_ARM_FW_FEAT_BMAP_REG(3), "VENDOR_HYP_BMAP_2" },
};

#define N_FWREGS (sizeof(fwregs) / sizeof(fwregs[0]))

bool mc_arm64_reg_is_fw(uint64_t id)
{
	uint64_t coproc = id & MC_KVM_REG_ARM_COPROC_MASK;
	return (id & MC_KVM_REG_ARCH_MASK) == MC_KVM_REG_ARM64 &&
	       (coproc == MC_KVM_REG_ARM_FW || coproc == MC_KVM_REG_ARM_FW_FEAT_BMAP);
}

const char *mc_arm64_fwreg_name(uint64_t id, char buf[MC_ARM64_REG_NAME_MAX])
{
	for (size_t i = 0; i < N_FWREGS; i++)
		if (fwregs[i].id == id)
			return fwregs[i].name;
	snprintf(buf, MC_ARM64_REG_NAME_MAX, "0x%016" PRIx64, id);
	return buf;
}

int mc_arm64_fwreg_parse(const char *name, uint64_t *id, mc_error *err)
{
	for (size_t i = 0; i < N_FWREGS; i++) {
		if (strcmp(fwregs[i].name, name) == 0) {
			*id = fwregs[i].id;
			return 0;
		}
	}
	if (name[0] == '0' && (name[1] == 'x' || name[1] == 'X')) {
		size_t nd = strspn(name + 2, "0123456789abcdefABCDEF");
		if (nd >= 1 && nd <= 16 && name[2 + nd] == '\0') {
			*id = strtoull(name + 2, NULL, 16);
			return 0;
		}
	}
	return mc_error_set(
	    err, MC_EXIT_USAGE, EINVAL,
	    "firmware register \"%.64s\": unknown (expected PSCI_VERSION, "
	    "SMCCC_ARCH_WORKAROUND_1..3, STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP(_2) "
	    "or a 0x register id)",
	    name);
}

uint64_t mc_arm64_sysreg_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
	return MC_KVM_REG_ARM64 | MC_KVM_REG_SIZE_U64 | 0x0000000000130000ULL |
	       ((uint64_t)(op0 & 3) << 14) | ((uint64_t)(op1 & 7) << 11) |
	       ((uint64_t)(crn & 15) << 7) | ((uint64_t)(crm & 15) << 3) | (op2 & 7);
}

int mc_arm64_feature_id_index(uint64_t id)
{
	if ((id & ~0xffffULL) != (MC_KVM_REG_ARM64 | MC_KVM_REG_SIZE_U64 | 0x0000000000130000ULL))
		return -1;
	unsigned op0 = (id >> 14) & 3, op1 = (id >> 11) & 7, crn = (id >> 7) & 15,
		 crm = (id >> 3) & 15, op2 = id & 7;
	if (op0 != 3 || crn != 0 || crm > 7 || (op1 != 0 && op1 != 1 && op1 != 3))
		return -1;
	unsigned o = op1 == 3 ? 2 : op1;
	return (int)(o << 6 | crm << 3 | op2);
}

bool mc_arm64_reg_value_checked(uint64_t id)
{
	if ((id & MC_KVM_REG_ARCH_MASK) != MC_KVM_REG_ARM64)
		return false;
	if ((id & MC_KVM_REG_ARM_COPROC_MASK) == 0x0000000000110000ULL) /* demux (CCSIDR) */
		return MC_KVM_REG_SIZE(id) <= 8;
	int idx = mc_arm64_feature_id_index(id);
	if (idx < 0)
		return false;
	/* op1 0: the whole ID space; op1 1 and 3: CRm 0 only (cache ids, AIDR,
	 * CTR_EL0, DCZID_EL0). */
	return idx < 64 || (idx & 0x38) == 0;
}
