/* The ID registers of the destination kernels migcheck models: for each
 * register its name, the kernel's writable mask (sys_reg_descs[].val) and its
 * feature fields (arch/arm64/kernel/cpufeature.c ftr_* tables: shift, width,
 * signedness, the safe-value type after KVM's own overrides in
 * arch/arm64/kvm/sys_regs.c kvm_arm64_ftr_safe_value(), and the safe value).
 * Transcribed from Debian's linux-source-6.12 (6.12.118-1~deb12u1) and
 * linux-source-7.3 (7.3.4-1~bpo13+1). Only data: the rules that use it are in
 * rules_arm64_reg.c. A 7.3 register whose fields are those of 6.12 shares
 * 6.12's array. */
#include "core/planner/arm64_idregs.h"

#define SYSREG(op0, op1, crn, crm, op2)                                                            \
	(0x6030000000130000ULL | (op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
#define F(name, shift, width, sign, type, safe)                                                    \
	{                                                                                          \
		name, shift, width, sign, type, safe                                               \
	}
#define R(name, id, mask, fields)                                                                  \
	{                                                                                          \
		id, name, mask, fields, sizeof(fields) / sizeof(fields[0])                         \
	}

static const mc_idreg_field f612_ID_PFR0_EL1[] = {
	F("DIT", 24, 4, false, MC_FTR_LOWER, 0),    F("CSV2", 16, 4, false, MC_FTR_LOWER, 0),
	F("State3", 12, 4, false, MC_FTR_LOWER, 0), F("State2", 8, 4, false, MC_FTR_LOWER, 0),
	F("State1", 4, 4, false, MC_FTR_LOWER, 0),  F("State0", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_PFR1_EL1[] = {
	F("GIC", 28, 4, false, MC_FTR_LOWER, 0),
	F("Virt_frac", 24, 4, false, MC_FTR_LOWER, 0),
	F("Sec_frac", 20, 4, false, MC_FTR_LOWER, 0),
	F("GenTimer", 16, 4, false, MC_FTR_LOWER, 0),
	F("Virtualization", 12, 4, false, MC_FTR_LOWER, 0),
	F("MProgMod", 8, 4, false, MC_FTR_LOWER, 0),
	F("Security", 4, 4, false, MC_FTR_LOWER, 0),
	F("ProgMod", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_DFR0_EL1[] = {
	F("PerfMon", 24, 4, false, MC_FTR_LOWER, 0), F("MProfDbg", 20, 4, false, MC_FTR_LOWER, 0),
	F("MMapTrc", 16, 4, false, MC_FTR_LOWER, 0), F("CopTrc", 12, 4, false, MC_FTR_LOWER, 0),
	F("MMapDbg", 8, 4, false, MC_FTR_LOWER, 0),  F("CopSDbg", 4, 4, false, MC_FTR_LOWER, 0),
	F("CopDbg", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_MMFR0_EL1[] = {
	F("InnerShr", 28, 4, true, MC_FTR_LOWER, 15), F("FCSE", 24, 4, false, MC_FTR_LOWER, 0),
	F("AuxReg", 20, 4, false, MC_FTR_LOWER, 0),   F("TCM", 16, 4, false, MC_FTR_LOWER, 0),
	F("ShareLvl", 12, 4, false, MC_FTR_LOWER, 0), F("OuterShr", 8, 4, true, MC_FTR_LOWER, 15),
	F("PMSA", 4, 4, false, MC_FTR_LOWER, 0),      F("VMSA", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_MMFR1_EL1[] = {
	F("BPred", 28, 4, false, MC_FTR_LOWER, 0),   F("L1TstCln", 24, 4, false, MC_FTR_LOWER, 0),
	F("L1Uni", 20, 4, false, MC_FTR_LOWER, 0),   F("L1Hvd", 16, 4, false, MC_FTR_LOWER, 0),
	F("L1UniSW", 12, 4, false, MC_FTR_LOWER, 0), F("L1HvdSW", 8, 4, false, MC_FTR_LOWER, 0),
	F("L1UniVA", 4, 4, false, MC_FTR_LOWER, 0),  F("L1HvdVA", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_MMFR2_EL1[] = {
	F("HWAccFlg", 28, 4, false, MC_FTR_LOWER, 0), F("WFIStall", 24, 4, false, MC_FTR_LOWER, 0),
	F("MemBarr", 20, 4, false, MC_FTR_LOWER, 0),  F("UniTLB", 16, 4, false, MC_FTR_LOWER, 0),
	F("HvdTLB", 12, 4, false, MC_FTR_LOWER, 0),   F("L1HvdRng", 8, 4, false, MC_FTR_LOWER, 0),
	F("L1HvdBG", 4, 4, false, MC_FTR_LOWER, 0),   F("L1HvdFG", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_MMFR3_EL1[] = {
	F("Supersec", 28, 4, false, MC_FTR_LOWER, 0),  F("CMemSz", 24, 4, false, MC_FTR_LOWER, 0),
	F("CohWalk", 20, 4, false, MC_FTR_LOWER, 0),   F("PAN", 16, 4, false, MC_FTR_LOWER, 0),
	F("MaintBcst", 12, 4, false, MC_FTR_LOWER, 0), F("BPMaint", 8, 4, false, MC_FTR_LOWER, 0),
	F("CMaintSW", 4, 4, false, MC_FTR_LOWER, 0),   F("CMaintVA", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_ISAR0_EL1[] = {
	F("Divide", 24, 4, false, MC_FTR_LOWER, 0),  F("Debug", 20, 4, false, MC_FTR_LOWER, 0),
	F("Coproc", 16, 4, false, MC_FTR_LOWER, 0),  F("CmpBranch", 12, 4, false, MC_FTR_LOWER, 0),
	F("BitField", 8, 4, false, MC_FTR_LOWER, 0), F("BitCount", 4, 4, false, MC_FTR_LOWER, 0),
	F("Swap", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_ISAR1_EL1[] = {
	F("Jazelle", 28, 4, false, MC_FTR_LOWER, 0),
	F("Interwork", 24, 4, false, MC_FTR_LOWER, 0),
	F("Immediate", 20, 4, false, MC_FTR_LOWER, 0),
	F("IfThen", 16, 4, false, MC_FTR_LOWER, 0),
	F("Extend", 12, 4, false, MC_FTR_LOWER, 0),
	F("Except_AR", 8, 4, false, MC_FTR_LOWER, 0),
	F("Except", 4, 4, false, MC_FTR_LOWER, 0),
	F("Endian", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_ISAR2_EL1[] = {
	F("Reversal", 28, 4, false, MC_FTR_LOWER, 0),
	F("PSR_AR", 24, 4, false, MC_FTR_LOWER, 0),
	F("MultU", 20, 4, false, MC_FTR_LOWER, 0),
	F("MultS", 16, 4, false, MC_FTR_LOWER, 0),
	F("Mult", 12, 4, false, MC_FTR_LOWER, 0),
	F("MultiAccessInt", 8, 4, false, MC_FTR_LOWER, 0),
	F("MemHint", 4, 4, false, MC_FTR_LOWER, 0),
	F("LoadStore", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_ISAR3_EL1[] = {
	F("T32EE", 28, 4, false, MC_FTR_LOWER, 0),
	F("TrueNOP", 24, 4, false, MC_FTR_LOWER, 0),
	F("T32Copy", 20, 4, false, MC_FTR_LOWER, 0),
	F("TabBranch", 16, 4, false, MC_FTR_LOWER, 0),
	F("SynchPrim", 12, 4, false, MC_FTR_LOWER, 0),
	F("SVC", 8, 4, false, MC_FTR_LOWER, 0),
	F("SIMD", 4, 4, false, MC_FTR_LOWER, 0),
	F("Saturate", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_ISAR4_EL1[] = {
	F("SWP_frac", 28, 4, false, MC_FTR_LOWER, 0),
	F("PSR_M", 24, 4, false, MC_FTR_LOWER, 0),
	F("SynchPrim_frac", 20, 4, false, MC_FTR_LOWER, 0),
	F("Barrier", 16, 4, false, MC_FTR_LOWER, 0),
	F("SMC", 12, 4, false, MC_FTR_LOWER, 0),
	F("Writeback", 8, 4, false, MC_FTR_LOWER, 0),
	F("WithShifts", 4, 4, false, MC_FTR_LOWER, 0),
	F("Unpriv", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_ISAR5_EL1[] = {
	F("RDM", 24, 4, false, MC_FTR_LOWER, 0),  F("CRC32", 16, 4, false, MC_FTR_LOWER, 0),
	F("SHA2", 12, 4, false, MC_FTR_LOWER, 0), F("SHA1", 8, 4, false, MC_FTR_LOWER, 0),
	F("AES", 4, 4, false, MC_FTR_LOWER, 0),   F("SEVL", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_MMFR4_EL1[] = {
	F("EVT", 28, 4, false, MC_FTR_LOWER, 0), F("CCIDX", 24, 4, false, MC_FTR_LOWER, 0),
	F("LSM", 20, 4, false, MC_FTR_LOWER, 0), F("HPDS", 16, 4, false, MC_FTR_LOWER, 0),
	F("CnP", 12, 4, false, MC_FTR_LOWER, 0), F("XNX", 8, 4, false, MC_FTR_LOWER, 0),
	F("AC2", 4, 4, false, MC_FTR_LOWER, 0),  F("SpecSEI", 0, 4, false, MC_FTR_HIGHER, 0),
};
static const mc_idreg_field f612_ID_ISAR6_EL1[] = {
	F("I8MM", 24, 4, false, MC_FTR_LOWER, 0),    F("BF16", 20, 4, false, MC_FTR_LOWER, 0),
	F("SPECRES", 16, 4, false, MC_FTR_LOWER, 0), F("SB", 12, 4, false, MC_FTR_LOWER, 0),
	F("FHM", 8, 4, false, MC_FTR_LOWER, 0),      F("DP", 4, 4, false, MC_FTR_LOWER, 0),
	F("JSCVT", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_MVFR0_EL1[] = {
	F("FPRound", 28, 4, false, MC_FTR_LOWER, 0), F("FPShVec", 24, 4, false, MC_FTR_LOWER, 0),
	F("FPSqrt", 20, 4, false, MC_FTR_LOWER, 0),  F("FPDivide", 16, 4, false, MC_FTR_LOWER, 0),
	F("FPTrap", 12, 4, false, MC_FTR_LOWER, 0),  F("FPDP", 8, 4, false, MC_FTR_LOWER, 0),
	F("FPSP", 4, 4, false, MC_FTR_LOWER, 0),     F("SIMDReg", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_MVFR1_EL1[] = {
	F("SIMDFMAC", 28, 4, false, MC_FTR_LOWER, 0), F("FPHP", 24, 4, false, MC_FTR_LOWER, 0),
	F("SIMDHP", 20, 4, false, MC_FTR_LOWER, 0),   F("SIMDSP", 16, 4, false, MC_FTR_LOWER, 0),
	F("SIMDInt", 12, 4, false, MC_FTR_LOWER, 0),  F("SIMDLS", 8, 4, false, MC_FTR_LOWER, 0),
	F("FPDNaN", 4, 4, false, MC_FTR_LOWER, 0),    F("FPFtZ", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_MVFR2_EL1[] = {
	F("FPMisc", 4, 4, false, MC_FTR_LOWER, 0),
	F("SIMDMisc", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_PFR2_EL1[] = {
	F("SSBS", 4, 4, false, MC_FTR_LOWER, 0),
	F("CSV3", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_DFR1_EL1[] = {
	F("MTPMU", 0, 4, true, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_MMFR5_EL1[] = {
	F("ETS", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64PFR0_EL1[] = {
	F("CSV3", 60, 4, false, MC_FTR_LOWER, 0), F("CSV2", 56, 4, false, MC_FTR_LOWER, 0),
	F("DIT", 48, 4, false, MC_FTR_LOWER, 0),  F("AMU", 44, 4, false, MC_FTR_LOWER, 0),
	F("MPAM", 40, 4, false, MC_FTR_LOWER, 0), F("SEL2", 36, 4, false, MC_FTR_LOWER, 0),
	F("SVE", 32, 4, false, MC_FTR_LOWER, 0),  F("RAS", 28, 4, false, MC_FTR_LOWER, 0),
	F("GIC", 24, 4, false, MC_FTR_LOWER, 0),  F("AdvSIMD", 20, 4, true, MC_FTR_LOWER, 15),
	F("FP", 16, 4, true, MC_FTR_LOWER, 15),   F("EL3", 12, 4, false, MC_FTR_LOWER, 0),
	F("EL2", 8, 4, false, MC_FTR_LOWER, 0),   F("EL1", 4, 4, false, MC_FTR_LOWER, 1),
	F("EL0", 0, 4, false, MC_FTR_LOWER, 1),
};
static const mc_idreg_field f612_ID_AA64PFR1_EL1[] = {
	F("SME", 24, 4, false, MC_FTR_LOWER, 0),      F("MPAM_frac", 16, 4, false, MC_FTR_LOWER, 0),
	F("RAS_frac", 12, 4, false, MC_FTR_LOWER, 0), F("MTE", 8, 4, false, MC_FTR_LOWER, 0),
	F("SSBS", 4, 4, false, MC_FTR_LOWER, 0),      F("BT", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64PFR2_EL1[] = {
	F("FPMR", 32, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64ZFR0_EL1[] = {
	F("F64MM", 56, 4, false, MC_FTR_LOWER, 0), F("F32MM", 52, 4, false, MC_FTR_LOWER, 0),
	F("I8MM", 44, 4, false, MC_FTR_LOWER, 0),  F("SM4", 40, 4, false, MC_FTR_LOWER, 0),
	F("SHA3", 32, 4, false, MC_FTR_LOWER, 0),  F("B16B16", 24, 4, false, MC_FTR_LOWER, 0),
	F("BF16", 20, 4, false, MC_FTR_LOWER, 0),  F("BitPerm", 16, 4, false, MC_FTR_LOWER, 0),
	F("AES", 4, 4, false, MC_FTR_LOWER, 0),    F("SVEver", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64SMFR0_EL1[] = {
	F("FA64", 63, 1, false, MC_FTR_EXACT, 0),   F("LUTv2", 60, 1, false, MC_FTR_EXACT, 0),
	F("SMEver", 56, 4, false, MC_FTR_EXACT, 0), F("I16I64", 52, 4, false, MC_FTR_EXACT, 0),
	F("F64F64", 48, 1, false, MC_FTR_EXACT, 0), F("I16I32", 44, 4, false, MC_FTR_EXACT, 0),
	F("B16B16", 43, 1, false, MC_FTR_EXACT, 0), F("F16F16", 42, 1, false, MC_FTR_EXACT, 0),
	F("F8F16", 41, 1, false, MC_FTR_EXACT, 0),  F("F8F32", 40, 1, false, MC_FTR_EXACT, 0),
	F("I8I32", 36, 4, false, MC_FTR_EXACT, 0),  F("F16F32", 35, 1, false, MC_FTR_EXACT, 0),
	F("B16F32", 34, 1, false, MC_FTR_EXACT, 0), F("BI32I32", 33, 1, false, MC_FTR_EXACT, 0),
	F("F32F32", 32, 1, false, MC_FTR_EXACT, 0), F("SF8FMA", 30, 1, false, MC_FTR_EXACT, 0),
	F("SF8DP4", 29, 1, false, MC_FTR_EXACT, 0), F("SF8DP2", 28, 1, false, MC_FTR_EXACT, 0),
};
static const mc_idreg_field f612_ID_AA64FPFR0_EL1[] = {
	F("F8CVT", 31, 1, false, MC_FTR_EXACT, 0), F("F8FMA", 30, 1, false, MC_FTR_EXACT, 0),
	F("F8DP4", 29, 1, false, MC_FTR_EXACT, 0), F("F8DP2", 28, 1, false, MC_FTR_EXACT, 0),
	F("F8E4M3", 1, 1, false, MC_FTR_EXACT, 0), F("F8E5M2", 0, 1, false, MC_FTR_EXACT, 0),
};
static const mc_idreg_field f612_ID_AA64DFR0_EL1[] = {
	F("DoubleLock", 36, 4, true, MC_FTR_LOWER, 0), F("PMSVer", 32, 4, false, MC_FTR_LOWER, 0),
	F("CTX_CMPs", 28, 4, false, MC_FTR_LOWER, 0),  F("WRPs", 20, 4, false, MC_FTR_LOWER, 0),
	F("BRPs", 12, 4, false, MC_FTR_LOWER, 0),      F("PMUVer", 8, 4, false, MC_FTR_LOWER, 0),
	F("DebugVer", 0, 4, false, MC_FTR_LOWER, 6),
};
static const mc_idreg_field f612_ID_AA64ISAR0_EL1[] = {
	F("RNDR", 60, 4, false, MC_FTR_LOWER, 0),  F("TLB", 56, 4, false, MC_FTR_LOWER, 0),
	F("TS", 52, 4, false, MC_FTR_LOWER, 0),    F("FHM", 48, 4, false, MC_FTR_LOWER, 0),
	F("DP", 44, 4, false, MC_FTR_LOWER, 0),    F("SM4", 40, 4, false, MC_FTR_LOWER, 0),
	F("SM3", 36, 4, false, MC_FTR_LOWER, 0),   F("SHA3", 32, 4, false, MC_FTR_LOWER, 0),
	F("RDM", 28, 4, false, MC_FTR_LOWER, 0),   F("ATOMIC", 20, 4, false, MC_FTR_LOWER, 0),
	F("CRC32", 16, 4, false, MC_FTR_LOWER, 0), F("SHA2", 12, 4, false, MC_FTR_LOWER, 0),
	F("SHA1", 8, 4, false, MC_FTR_LOWER, 0),   F("AES", 4, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64ISAR1_EL1[] = {
	F("XS", 56, 4, false, MC_FTR_LOWER, 0),      F("I8MM", 52, 4, false, MC_FTR_LOWER, 0),
	F("DGH", 48, 4, false, MC_FTR_LOWER, 0),     F("BF16", 44, 4, false, MC_FTR_LOWER, 0),
	F("SPECRES", 40, 4, false, MC_FTR_LOWER, 0), F("SB", 36, 4, false, MC_FTR_LOWER, 0),
	F("FRINTTS", 32, 4, false, MC_FTR_LOWER, 0), F("GPI", 28, 4, false, MC_FTR_LOWER, 0),
	F("GPA", 24, 4, false, MC_FTR_LOWER, 0),     F("LRCPC", 20, 4, false, MC_FTR_LOWER, 0),
	F("FCMA", 16, 4, false, MC_FTR_LOWER, 0),    F("JSCVT", 12, 4, false, MC_FTR_LOWER, 0),
	F("API", 8, 4, false, MC_FTR_EXACT, 0),      F("APA", 4, 4, false, MC_FTR_EXACT, 0),
	F("DPB", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64ISAR2_EL1[] = {
	F("LUT", 56, 4, false, MC_FTR_LOWER, 0),   F("CSSC", 52, 4, false, MC_FTR_LOWER, 0),
	F("RPRFM", 48, 4, false, MC_FTR_LOWER, 0), F("CLRBHB", 28, 4, false, MC_FTR_LOWER, 0),
	F("BC", 20, 4, false, MC_FTR_LOWER, 0),    F("MOPS", 16, 4, false, MC_FTR_LOWER, 0),
	F("APA3", 12, 4, false, MC_FTR_EXACT, 0),  F("GPA3", 8, 4, false, MC_FTR_LOWER, 0),
	F("RPRES", 4, 4, false, MC_FTR_LOWER, 0),  F("WFxT", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64MMFR0_EL1[] = {
	F("ECV", 60, 4, false, MC_FTR_LOWER, 0),
	F("FGT", 56, 4, false, MC_FTR_LOWER, 0),
	F("EXS", 44, 4, false, MC_FTR_LOWER, 0),
	F("TGRAN4_2", 40, 4, false, MC_FTR_EXACT, 1),
	F("TGRAN64_2", 36, 4, false, MC_FTR_EXACT, 1),
	F("TGRAN16_2", 32, 4, false, MC_FTR_EXACT, 1),
	F("TGRAN4", 28, 4, true, MC_FTR_LOWER, 15),
	F("TGRAN64", 24, 4, true, MC_FTR_LOWER, 15),
	F("TGRAN16", 20, 4, false, MC_FTR_LOWER, 0),
	F("BIGENDEL0", 16, 4, false, MC_FTR_LOWER, 0),
	F("SNSMEM", 12, 4, false, MC_FTR_LOWER, 0),
	F("BIGEND", 8, 4, false, MC_FTR_LOWER, 0),
	F("ASIDBITS", 4, 4, false, MC_FTR_LOWER, 0),
	F("PARANGE", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64MMFR1_EL1[] = {
	F("ECBHB", 60, 4, false, MC_FTR_LOWER, 0),   F("TIDCP1", 52, 4, false, MC_FTR_LOWER, 0),
	F("AFP", 44, 4, false, MC_FTR_LOWER, 0),     F("HCX", 40, 4, false, MC_FTR_LOWER, 0),
	F("ETS", 36, 4, false, MC_FTR_LOWER, 0),     F("TWED", 32, 4, false, MC_FTR_LOWER, 0),
	F("XNX", 28, 4, false, MC_FTR_LOWER, 0),     F("SpecSEI", 24, 4, false, MC_FTR_HIGHER, 0),
	F("PAN", 20, 4, false, MC_FTR_LOWER, 0),     F("LO", 16, 4, false, MC_FTR_LOWER, 0),
	F("HPDS", 12, 4, false, MC_FTR_LOWER, 0),    F("VH", 8, 4, false, MC_FTR_LOWER, 0),
	F("VMIDBits", 4, 4, false, MC_FTR_LOWER, 0), F("HAFDBS", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64MMFR2_EL1[] = {
	F("E0PD", 60, 4, false, MC_FTR_LOWER, 0),    F("EVT", 56, 4, false, MC_FTR_LOWER, 0),
	F("BBM", 52, 4, false, MC_FTR_LOWER, 0),     F("TTL", 48, 4, false, MC_FTR_LOWER, 0),
	F("FWB", 40, 4, false, MC_FTR_LOWER, 0),     F("IDS", 36, 4, false, MC_FTR_LOWER, 0),
	F("AT", 32, 4, false, MC_FTR_LOWER, 0),      F("ST", 28, 4, false, MC_FTR_LOWER, 0),
	F("NV", 24, 4, false, MC_FTR_LOWER, 0),      F("CCIDX", 20, 4, false, MC_FTR_LOWER, 0),
	F("VARange", 16, 4, false, MC_FTR_LOWER, 0), F("IESB", 12, 4, false, MC_FTR_LOWER, 0),
	F("LSM", 8, 4, false, MC_FTR_LOWER, 0),      F("UAO", 4, 4, false, MC_FTR_LOWER, 0),
	F("CnP", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64MMFR3_EL1[] = {
	F("S1POE", 16, 4, false, MC_FTR_LOWER, 0),
	F("S1PIE", 8, 4, false, MC_FTR_LOWER, 0),
	F("TCRX", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_ID_AA64MMFR4_EL1[] = {
	F("E2H0", 24, 4, true, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f612_CTR_EL0[] = {
	F("31", 31, 1, false, MC_FTR_EXACT, 1),
	F("DIC", 29, 1, false, MC_FTR_LOWER, 1),
	F("IDC", 28, 1, false, MC_FTR_LOWER, 1),
	F("CWG", 24, 4, false, MC_FTR_HIGHER_OR_ZERO, 0),
	F("ERG", 20, 4, false, MC_FTR_HIGHER_OR_ZERO, 0),
	F("DminLine", 16, 4, false, MC_FTR_LOWER, 1),
	F("L1Ip", 14, 2, false, MC_FTR_EXACT, 2),
	F("IminLine", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg regs612[] = {
	R("ID_PFR0_EL1", SYSREG(3, 0, 0, 1, 0), 0x00000000ffffffffULL, f612_ID_PFR0_EL1),
	R("ID_PFR1_EL1", SYSREG(3, 0, 0, 1, 1), 0x00000000ffffffffULL, f612_ID_PFR1_EL1),
	R("ID_DFR0_EL1", SYSREG(3, 0, 0, 1, 2), 0x00000000ffffffffULL, f612_ID_DFR0_EL1),
	R("ID_MMFR0_EL1", SYSREG(3, 0, 0, 1, 4), 0x00000000ffffffffULL, f612_ID_MMFR0_EL1),
	R("ID_MMFR1_EL1", SYSREG(3, 0, 0, 1, 5), 0x00000000ffffffffULL, f612_ID_MMFR1_EL1),
	R("ID_MMFR2_EL1", SYSREG(3, 0, 0, 1, 6), 0x00000000ffffffffULL, f612_ID_MMFR2_EL1),
	R("ID_MMFR3_EL1", SYSREG(3, 0, 0, 1, 7), 0x00000000ffffffffULL, f612_ID_MMFR3_EL1),
	R("ID_ISAR0_EL1", SYSREG(3, 0, 0, 2, 0), 0x00000000ffffffffULL, f612_ID_ISAR0_EL1),
	R("ID_ISAR1_EL1", SYSREG(3, 0, 0, 2, 1), 0x00000000ffffffffULL, f612_ID_ISAR1_EL1),
	R("ID_ISAR2_EL1", SYSREG(3, 0, 0, 2, 2), 0x00000000ffffffffULL, f612_ID_ISAR2_EL1),
	R("ID_ISAR3_EL1", SYSREG(3, 0, 0, 2, 3), 0x00000000ffffffffULL, f612_ID_ISAR3_EL1),
	R("ID_ISAR4_EL1", SYSREG(3, 0, 0, 2, 4), 0x00000000ffffffffULL, f612_ID_ISAR4_EL1),
	R("ID_ISAR5_EL1", SYSREG(3, 0, 0, 2, 5), 0x00000000ffffffffULL, f612_ID_ISAR5_EL1),
	R("ID_MMFR4_EL1", SYSREG(3, 0, 0, 2, 6), 0x00000000ffffffffULL, f612_ID_MMFR4_EL1),
	R("ID_ISAR6_EL1", SYSREG(3, 0, 0, 2, 7), 0x00000000ffffffffULL, f612_ID_ISAR6_EL1),
	R("MVFR0_EL1", SYSREG(3, 0, 0, 3, 0), 0x00000000ffffffffULL, f612_MVFR0_EL1),
	R("MVFR1_EL1", SYSREG(3, 0, 0, 3, 1), 0x00000000ffffffffULL, f612_MVFR1_EL1),
	R("MVFR2_EL1", SYSREG(3, 0, 0, 3, 2), 0x00000000ffffffffULL, f612_MVFR2_EL1),
	R("ID_PFR2_EL1", SYSREG(3, 0, 0, 3, 4), 0x00000000ffffffffULL, f612_ID_PFR2_EL1),
	R("ID_DFR1_EL1", SYSREG(3, 0, 0, 3, 5), 0x0000000000000000ULL, f612_ID_DFR1_EL1),
	R("ID_MMFR5_EL1", SYSREG(3, 0, 0, 3, 6), 0x00000000ffffffffULL, f612_ID_MMFR5_EL1),
	R("ID_AA64PFR0_EL1", SYSREG(3, 0, 0, 4, 0), 0xffff00f00f00ffffULL, f612_ID_AA64PFR0_EL1),
	R("ID_AA64PFR1_EL1", SYSREG(3, 0, 0, 4, 1), 0x0000000f000000ffULL, f612_ID_AA64PFR1_EL1),
	R("ID_AA64PFR2_EL1", SYSREG(3, 0, 0, 4, 2), 0x0000000f00000000ULL, f612_ID_AA64PFR2_EL1),
	R("ID_AA64ZFR0_EL1", SYSREG(3, 0, 0, 4, 4), 0x0ff0ff0f0fff00ffULL, f612_ID_AA64ZFR0_EL1),
	R("ID_AA64SMFR0_EL1", SYSREG(3, 0, 0, 4, 5), 0x0000000000000000ULL, f612_ID_AA64SMFR0_EL1),
	R("ID_AA64FPFR0_EL1", SYSREG(3, 0, 0, 4, 7), 0x00000000f0000003ULL, f612_ID_AA64FPFR0_EL1),
	R("ID_AA64DFR0_EL1", SYSREG(3, 0, 0, 5, 0), 0x000000f000f00f0fULL, f612_ID_AA64DFR0_EL1),
	{ SYSREG(3, 0, 0, 5, 1), "ID_AA64DFR1_EL1", 0x0000000000000000ULL, NULL, 0 },
	R("ID_AA64ISAR0_EL1", SYSREG(3, 0, 0, 6, 0), 0xfffffffffffffff0ULL, f612_ID_AA64ISAR0_EL1),
	R("ID_AA64ISAR1_EL1", SYSREG(3, 0, 0, 6, 1), 0xffffffff00fff00fULL, f612_ID_AA64ISAR1_EL1),
	R("ID_AA64ISAR2_EL1", SYSREG(3, 0, 0, 6, 2), 0xffff0fffffff00ffULL, f612_ID_AA64ISAR2_EL1),
	R("ID_AA64MMFR0_EL1", SYSREG(3, 0, 0, 7, 0), 0xff00f000ffffff0fULL, f612_ID_AA64MMFR0_EL1),
	R("ID_AA64MMFR1_EL1", SYSREG(3, 0, 0, 7, 1), 0xfffff0f00ffff00fULL, f612_ID_AA64MMFR1_EL1),
	R("ID_AA64MMFR2_EL1", SYSREG(3, 0, 0, 7, 2), 0xf0ff000ff00fffffULL, f612_ID_AA64MMFR2_EL1),
	R("ID_AA64MMFR3_EL1", SYSREG(3, 0, 0, 7, 3), 0x00000000000f0f0fULL, f612_ID_AA64MMFR3_EL1),
	R("ID_AA64MMFR4_EL1", SYSREG(3, 0, 0, 7, 4), 0x0000000000000000ULL, f612_ID_AA64MMFR4_EL1),
	R("CTR_EL0", SYSREG(3, 3, 0, 0, 1), 0x00000000300f000fULL, f612_CTR_EL0),
};
static const mc_idreg_field f73_ID_AA64PFR1_EL1[] = {
	F("DF2", 56, 4, false, MC_FTR_LOWER, 0),       F("GCS", 44, 4, false, MC_FTR_LOWER, 0),
	F("MTE_frac", 40, 4, true, MC_FTR_LOWER, 0),   F("SME", 24, 4, false, MC_FTR_LOWER, 0),
	F("MPAM_frac", 16, 4, false, MC_FTR_LOWER, 0), F("RAS_frac", 12, 4, false, MC_FTR_LOWER, 0),
	F("MTE", 8, 4, false, MC_FTR_LOWER, 0),        F("SSBS", 4, 4, false, MC_FTR_LOWER, 0),
	F("BT", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64PFR2_EL1[] = {
	F("FPMR", 32, 4, false, MC_FTR_LOWER, 0),
	F("GCIE", 12, 4, false, MC_FTR_LOWER, 0),
	F("MTEFAR", 8, 4, false, MC_FTR_LOWER, 0),
	F("MTESTOREONLY", 4, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64ZFR0_EL1[] = {
	F("F64MM", 56, 4, false, MC_FTR_LOWER, 0),   F("F32MM", 52, 4, false, MC_FTR_LOWER, 0),
	F("F16MM", 48, 4, false, MC_FTR_LOWER, 0),   F("I8MM", 44, 4, false, MC_FTR_LOWER, 0),
	F("SM4", 40, 4, false, MC_FTR_LOWER, 0),     F("SHA3", 32, 4, false, MC_FTR_LOWER, 0),
	F("B16B16", 24, 4, false, MC_FTR_LOWER, 0),  F("BF16", 20, 4, false, MC_FTR_LOWER, 0),
	F("BitPerm", 16, 4, false, MC_FTR_LOWER, 0), F("EltPerm", 12, 4, false, MC_FTR_LOWER, 0),
	F("AES", 4, 4, false, MC_FTR_LOWER, 0),      F("SVEver", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64SMFR0_EL1[] = {
	F("FA64", 63, 1, false, MC_FTR_EXACT, 0),    F("LUT6", 61, 1, false, MC_FTR_EXACT, 0),
	F("LUTv2", 60, 1, false, MC_FTR_EXACT, 0),   F("SMEver", 56, 4, false, MC_FTR_EXACT, 0),
	F("I16I64", 52, 4, false, MC_FTR_EXACT, 0),  F("F64F64", 48, 1, false, MC_FTR_EXACT, 0),
	F("I16I32", 44, 4, false, MC_FTR_EXACT, 0),  F("B16B16", 43, 1, false, MC_FTR_EXACT, 0),
	F("F16F16", 42, 1, false, MC_FTR_EXACT, 0),  F("F8F16", 41, 1, false, MC_FTR_EXACT, 0),
	F("F8F32", 40, 1, false, MC_FTR_EXACT, 0),   F("I8I32", 36, 4, false, MC_FTR_EXACT, 0),
	F("F16F32", 35, 1, false, MC_FTR_EXACT, 0),  F("B16F32", 34, 1, false, MC_FTR_EXACT, 0),
	F("BI32I32", 33, 1, false, MC_FTR_EXACT, 0), F("F32F32", 32, 1, false, MC_FTR_EXACT, 0),
	F("SF8FMA", 30, 1, false, MC_FTR_EXACT, 0),  F("SF8DP4", 29, 1, false, MC_FTR_EXACT, 0),
	F("SF8DP2", 28, 1, false, MC_FTR_EXACT, 0),  F("SBitPerm", 25, 1, false, MC_FTR_EXACT, 0),
	F("AES", 24, 1, false, MC_FTR_EXACT, 0),     F("SFEXPA", 23, 1, false, MC_FTR_EXACT, 0),
	F("STMOP", 16, 1, false, MC_FTR_EXACT, 0),   F("SMOP4", 0, 1, false, MC_FTR_EXACT, 0),
};
static const mc_idreg_field f73_ID_AA64FPFR0_EL1[] = {
	F("F8CVT", 31, 1, false, MC_FTR_EXACT, 0),  F("F8FMA", 30, 1, false, MC_FTR_EXACT, 0),
	F("F8DP4", 29, 1, false, MC_FTR_EXACT, 0),  F("F8DP2", 28, 1, false, MC_FTR_EXACT, 0),
	F("F8MM8", 27, 1, false, MC_FTR_EXACT, 0),  F("F8MM4", 26, 1, false, MC_FTR_EXACT, 0),
	F("F16MM2", 15, 1, false, MC_FTR_EXACT, 0), F("F8E4M3", 1, 1, false, MC_FTR_EXACT, 0),
	F("F8E5M2", 0, 1, false, MC_FTR_EXACT, 0),
};
static const mc_idreg_field f73_ID_AA64ISAR1_EL1[] = {
	F("LS64", 60, 4, false, MC_FTR_LOWER, 0),  F("XS", 56, 4, false, MC_FTR_LOWER, 0),
	F("I8MM", 52, 4, false, MC_FTR_LOWER, 0),  F("DGH", 48, 4, false, MC_FTR_LOWER, 0),
	F("BF16", 44, 4, false, MC_FTR_LOWER, 0),  F("SPECRES", 40, 4, false, MC_FTR_LOWER, 0),
	F("SB", 36, 4, false, MC_FTR_LOWER, 0),    F("FRINTTS", 32, 4, false, MC_FTR_LOWER, 0),
	F("GPI", 28, 4, false, MC_FTR_LOWER, 0),   F("GPA", 24, 4, false, MC_FTR_LOWER, 0),
	F("LRCPC", 20, 4, false, MC_FTR_LOWER, 0), F("FCMA", 16, 4, false, MC_FTR_LOWER, 0),
	F("JSCVT", 12, 4, false, MC_FTR_LOWER, 0), F("API", 8, 4, false, MC_FTR_EXACT, 0),
	F("APA", 4, 4, false, MC_FTR_EXACT, 0),    F("DPB", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64ISAR2_EL1[] = {
	F("ATS1A", 60, 4, false, MC_FTR_LOWER, 0),  F("LUT", 56, 4, false, MC_FTR_LOWER, 0),
	F("CSSC", 52, 4, false, MC_FTR_LOWER, 0),   F("RPRFM", 48, 4, false, MC_FTR_LOWER, 0),
	F("CLRBHB", 28, 4, false, MC_FTR_LOWER, 0), F("BC", 20, 4, false, MC_FTR_LOWER, 0),
	F("MOPS", 16, 4, false, MC_FTR_LOWER, 0),   F("APA3", 12, 4, false, MC_FTR_EXACT, 0),
	F("GPA3", 8, 4, false, MC_FTR_LOWER, 0),    F("RPRES", 4, 4, false, MC_FTR_LOWER, 0),
	F("WFxT", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64ISAR3_EL1[] = {
	F("FPRCVT", 28, 4, false, MC_FTR_LOWER, 0),
	F("LSUI", 24, 4, false, MC_FTR_LOWER, 0),
	F("LSFE", 16, 4, false, MC_FTR_LOWER, 0),
	F("FAMINMAX", 4, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64MMFR3_EL1[] = {
	F("S1POE", 16, 4, false, MC_FTR_LOWER, 0),
	F("S1PIE", 8, 4, false, MC_FTR_LOWER, 0),
	F("SCTLRX", 4, 4, false, MC_FTR_LOWER, 0),
	F("TCRX", 0, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg_field f73_ID_AA64MMFR4_EL1[] = {
	F("E2H0", 24, 4, true, MC_FTR_LOWER, 0),
	F("NV_frac", 20, 4, false, MC_FTR_LOWER, 0),
};
static const mc_idreg regs73[] = {
	R("ID_PFR0_EL1", SYSREG(3, 0, 0, 1, 0), 0x00000000ffffffffULL, f612_ID_PFR0_EL1),
	R("ID_PFR1_EL1", SYSREG(3, 0, 0, 1, 1), 0x00000000ffffffffULL, f612_ID_PFR1_EL1),
	R("ID_DFR0_EL1", SYSREG(3, 0, 0, 1, 2), 0x00000000ffffffffULL, f612_ID_DFR0_EL1),
	R("ID_MMFR0_EL1", SYSREG(3, 0, 0, 1, 4), 0x00000000ffffffffULL, f612_ID_MMFR0_EL1),
	R("ID_MMFR1_EL1", SYSREG(3, 0, 0, 1, 5), 0x00000000ffffffffULL, f612_ID_MMFR1_EL1),
	R("ID_MMFR2_EL1", SYSREG(3, 0, 0, 1, 6), 0x00000000ffffffffULL, f612_ID_MMFR2_EL1),
	R("ID_MMFR3_EL1", SYSREG(3, 0, 0, 1, 7), 0x00000000ffffffffULL, f612_ID_MMFR3_EL1),
	R("ID_ISAR0_EL1", SYSREG(3, 0, 0, 2, 0), 0x00000000ffffffffULL, f612_ID_ISAR0_EL1),
	R("ID_ISAR1_EL1", SYSREG(3, 0, 0, 2, 1), 0x00000000ffffffffULL, f612_ID_ISAR1_EL1),
	R("ID_ISAR2_EL1", SYSREG(3, 0, 0, 2, 2), 0x00000000ffffffffULL, f612_ID_ISAR2_EL1),
	R("ID_ISAR3_EL1", SYSREG(3, 0, 0, 2, 3), 0x00000000ffffffffULL, f612_ID_ISAR3_EL1),
	R("ID_ISAR4_EL1", SYSREG(3, 0, 0, 2, 4), 0x00000000ffffffffULL, f612_ID_ISAR4_EL1),
	R("ID_ISAR5_EL1", SYSREG(3, 0, 0, 2, 5), 0x00000000ffffffffULL, f612_ID_ISAR5_EL1),
	R("ID_MMFR4_EL1", SYSREG(3, 0, 0, 2, 6), 0x00000000ffffffffULL, f612_ID_MMFR4_EL1),
	R("ID_ISAR6_EL1", SYSREG(3, 0, 0, 2, 7), 0x00000000ffffffffULL, f612_ID_ISAR6_EL1),
	R("MVFR0_EL1", SYSREG(3, 0, 0, 3, 0), 0x00000000ffffffffULL, f612_MVFR0_EL1),
	R("MVFR1_EL1", SYSREG(3, 0, 0, 3, 1), 0x00000000ffffffffULL, f612_MVFR1_EL1),
	R("MVFR2_EL1", SYSREG(3, 0, 0, 3, 2), 0x00000000ffffffffULL, f612_MVFR2_EL1),
	R("ID_PFR2_EL1", SYSREG(3, 0, 0, 3, 4), 0x00000000ffffffffULL, f612_ID_PFR2_EL1),
	R("ID_DFR1_EL1", SYSREG(3, 0, 0, 3, 5), 0x0000000000000000ULL, f612_ID_DFR1_EL1),
	R("ID_MMFR5_EL1", SYSREG(3, 0, 0, 3, 6), 0x00000000ffffffffULL, f612_ID_MMFR5_EL1),
	R("ID_AA64PFR0_EL1", SYSREG(3, 0, 0, 4, 0), 0xffff00f0ff00ffffULL, f612_ID_AA64PFR0_EL1),
	R("ID_AA64PFR1_EL1", SYSREG(3, 0, 0, 4, 1), 0x0f00000f0000f0ffULL, f73_ID_AA64PFR1_EL1),
	R("ID_AA64PFR2_EL1", SYSREG(3, 0, 0, 4, 2), 0x0000000f0000fff0ULL, f73_ID_AA64PFR2_EL1),
	R("ID_AA64ZFR0_EL1", SYSREG(3, 0, 0, 4, 4), 0x0fffff0f0ffff0ffULL, f73_ID_AA64ZFR0_EL1),
	R("ID_AA64SMFR0_EL1", SYSREG(3, 0, 0, 4, 5), 0x0000000000000000ULL, f73_ID_AA64SMFR0_EL1),
	R("ID_AA64FPFR0_EL1", SYSREG(3, 0, 0, 4, 7), 0x00000000fc0080ffULL, f73_ID_AA64FPFR0_EL1),
	R("ID_AA64DFR0_EL1", SYSREG(3, 0, 0, 5, 0), 0x000000f000f00f0fULL, f612_ID_AA64DFR0_EL1),
	{ SYSREG(3, 0, 0, 5, 1), "ID_AA64DFR1_EL1", 0x0000000000000000ULL, NULL, 0 },
	R("ID_AA64ISAR0_EL1", SYSREG(3, 0, 0, 6, 0), 0xfffffffff0fffff0ULL, f612_ID_AA64ISAR0_EL1),
	R("ID_AA64ISAR1_EL1", SYSREG(3, 0, 0, 6, 1), 0xffffffff00fff00fULL, f73_ID_AA64ISAR1_EL1),
	R("ID_AA64ISAR2_EL1", SYSREG(3, 0, 0, 6, 2), 0xffffffffffff00ffULL, f73_ID_AA64ISAR2_EL1),
	R("ID_AA64ISAR3_EL1", SYSREG(3, 0, 0, 6, 3), 0x00000000ff0f00f0ULL, f73_ID_AA64ISAR3_EL1),
	R("ID_AA64MMFR0_EL1", SYSREG(3, 0, 0, 7, 0), 0xff00ffffffffff0fULL, f612_ID_AA64MMFR0_EL1),
	R("ID_AA64MMFR1_EL1", SYSREG(3, 0, 0, 7, 1), 0xffffffff0ffff00fULL, f612_ID_AA64MMFR1_EL1),
	R("ID_AA64MMFR2_EL1", SYSREG(3, 0, 0, 7, 2), 0xf0ff000ff00fffffULL, f612_ID_AA64MMFR2_EL1),
	R("ID_AA64MMFR3_EL1", SYSREG(3, 0, 0, 7, 3), 0x00000000000f0fffULL, f73_ID_AA64MMFR3_EL1),
	R("ID_AA64MMFR4_EL1", SYSREG(3, 0, 0, 7, 4), 0x0000000000f00000ULL, f73_ID_AA64MMFR4_EL1),
	R("CTR_EL0", SYSREG(3, 3, 0, 0, 1), 0x00000000300fc00fULL, f612_CTR_EL0),
};

/* The tables are sorted by id. */
static const mc_idreg *find(const mc_idreg *t, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].id == id)
			return &t[mid];
		if (t[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const mc_idreg *mc_idreg_find(mc_idreg_table table, uint64_t id)
{
	switch (table) {
	case MC_IDREGS_6_12:
		return find(regs612, sizeof(regs612) / sizeof(regs612[0]), id);
	case MC_IDREGS_7_3:
		return find(regs73, sizeof(regs73) / sizeof(regs73[0]), id);
	}
	return NULL;
}
