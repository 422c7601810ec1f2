/* migcheck — arm64 KVM register ids: the uAPI constants, the firmware
 * pseudo-register names, and which registers carry values. Shared by the
 * arm64 probe (which records them) and the planner's arm64 rules (which
 * judge them). Plain C (libc only). */
#ifndef MC_BASE_ARM64_REGID_H
#define MC_BASE_ARM64_REGID_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/error.h"

/* uAPI constants (asm/kvm.h, linux/kvm.h), spelled out so this compiles on
 * any architecture. */
#define MC_KVM_REG_ARM64 0x6000000000000000ULL
#define MC_KVM_REG_ARCH_MASK 0xff00000000000000ULL
#define MC_KVM_REG_SIZE_MASK 0x00f0000000000000ULL
#define MC_KVM_REG_SIZE_SHIFT 52
#define MC_KVM_REG_SIZE_U64 0x0030000000000000ULL
#define MC_KVM_REG_ARM_COPROC_MASK 0x000000000FFF0000ULL
#define MC_KVM_REG_ARM_FW 0x0000000000140000ULL
#define MC_KVM_REG_ARM_FW_FEAT_BMAP 0x0000000000160000ULL
#define MC_KVM_REG_ARM_FW_REG(r)                                                                   \
	(MC_KVM_REG_ARM64 | MC_KVM_REG_SIZE_U64 | MC_KVM_REG_ARM_FW | ((r)&0xffff))
#define MC_KVM_REG_ARM_FW_FEAT_BMAP_REG(r)                                                         \
	(MC_KVM_REG_ARM64 | MC_KVM_REG_SIZE_U64 | MC_KVM_REG_ARM_FW_FEAT_BMAP | ((r)&0xffff))
#define MC_KVM_REG_SIZE(id) (1U << (((id)&MC_KVM_REG_SIZE_MASK) >> MC_KVM_REG_SIZE_SHIFT))

/* "0x" + 16 hex digits + NUL */
#define MC_ARM64_REG_NAME_MAX 19

/* True for an arm64 register in the firmware (0x0014) or firmware feature
 * bitmap (0x0016) class: the registers recorded as arm64.fwreg. */
bool mc_arm64_reg_is_fw(uint64_t id);
/* Name of a firmware register (PSCI_VERSION, SMCCC_ARCH_WORKAROUND_1..3,
 * STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP), else "0x%016llx" of the id in buf.
 * Returns a static string or buf. */
const char *mc_arm64_fwreg_name(uint64_t id, char buf[MC_ARM64_REG_NAME_MAX]);
/* Inverse: a name above, or a 0x-prefixed hex id (any register). -EINVAL. */
int mc_arm64_fwreg_parse(const char *name, uint64_t *id, mc_error *err);

/* True for a register whose value a destination kernel checks on
 * KVM_SET_ONE_REG, recorded with its value: the feature-ID space
 * sys_reg(3,0,0,0..7,0..7) (MIDR, MPIDR, REVIDR and the ID registers),
 * sys_reg(3,1,0,0,op2) (CCSIDR, CLIDR, CCSIDR2, AIDR), sys_reg(3,3,0,0,op2)
 * (CTR_EL0, DCZID_EL0) and the CCSIDR demux registers (class 0x0011). */
bool mc_arm64_reg_value_checked(uint64_t id);

/* The register id of sys_reg(op0, op1, crn, crm, op2) (64 bits). */
uint64_t mc_arm64_sysreg_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2);
/* Index of a register in the kernel's feature-ID range
 * (KVM_ARM_GET_REG_WRITABLE_MASKS, range 0: op0 3, op1 0/1/3, CRn 0,
 * CRm 0..7, op2 0..7; 192 entries), or -1 for any other register. */
int mc_arm64_feature_id_index(uint64_t id);

#endif
