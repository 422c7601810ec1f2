/* migcheck — the pure parts of the probes: text/tree parsers and the
 * formatting of ioctl results into facts. Everything here compiles and is
 * unit-tested on every architecture; only the ioctl calls themselves are
 * architecture specific. Plain C (libc only). */
#ifndef MC_PROBES_PARSERS_H
#define MC_PROBES_PARSERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/facts.h"

/* ---- kernel (kernel.c) ---------------------------------------------------- */

/* Parse a kernel command line (the text of /proc/cmdline; its one trailing LF
 * is ignored) the way the kernel splits it (lib/cmdline.c next_arg: white
 * space separates, double quotes group, a leading quote of a value is dropped,
 * "--" ends the kernel's part) and add `kernel / cmdline.NAME / VALUE` for each
 * migration-relevant parameter: VALUE is the value, or "1" for a bare flag; a
 * repeated parameter keeps its last value. Names are matched case-sensitively
 * with '-' and '_' equivalent and recorded in one spelling ('_', except the
 * "kvm-arm." prefix). Bytes a fact cannot hold or that would be ambiguous
 * (control characters incl. TAB inside quotes, bytes >= 0x80, '\', trailing
 * spaces) are escaped as \xNN: values stay lossless and one line. Fails only on
 * out of memory / an internal error. */
int mc_probe_parse_cmdline(const char *text, mc_facts *out, mc_error *err);

/* Whether a command line parameter (as written) is migration relevant; on
 * true, writes the fact key ("cmdline.NAME", escaped as above) into key. */
bool mc_cmdline_relevant(const char *name, char *key, size_t key_size);

/* ---- KVM module parameters (kvm_params.c) --------------------------------- */

/* Read SYS_MODULE/kvm* /parameters/ * into `kvm.param / MODULE.PARAM / TEXT`
 * (trailing white space trimmed, control bytes escaped as \xNN). Files that
 * cannot be read (write-only, directories, I/O errors) are skipped. -ENOENT
 * ("no kvm module in DIR") when there is no kvm* module directory at all. */
int mc_probe_read_kvm_params(const char *sys_module, mc_facts *out, mc_error *err);

/* ---- KVM capabilities (kvm_caps.c, table in kvm_cap_names.h) --------------- */

/* Name of a capability number ("KVM_CAP_ARM_PSCI_0_2") or NULL. */
const char *mc_kvm_cap_name(unsigned nr);
/* Number of a "KVM_CAP_NAME" or "KVM_CAP_N" key, or -ENOENT. */
int mc_kvm_cap_number(const char *name);
/* The whole table, sorted by number. */
size_t mc_kvm_cap_count(void);
void mc_kvm_cap_at(size_t i, unsigned *nr, const char **name);
/* Add `kvm.cap / KVM_CAP_NAME|KVM_CAP_N / VALUE` when value != 0. */
int mc_kvm_cap_fact(mc_facts *out, unsigned nr, int value, mc_error *err);

/* ---- x86 (x86_msr.c, x86_cpuid.c) ------------------------------------------ */

/* `x86.msr / 0x%08x / 1` for each index. */
int mc_x86_msr_facts(const uint32_t *idx, size_t n, mc_facts *out, mc_error *err);
/* `x86.msr_feature / 0x%08x / 0x%016llx`. */
int mc_x86_msr_feature_fact(mc_facts *out, uint32_t idx, uint64_t value, mc_error *err);

typedef struct mc_x86_cpuid_entry {
	uint32_t function, index;
	uint32_t eax, ebx, ecx, edx;
} mc_x86_cpuid_entry;

/* `x86.cpuid / 0x%08x.0x%08x.REG / 0x%08x` for eax, ebx, ecx, edx. */
int mc_x86_cpuid_facts(const mc_x86_cpuid_entry *e, size_t n, mc_facts *out, mc_error *err);

/* ---- arm64 (arm64_regs.c) --------------------------------------------------- */

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

/* Reads one register's value (KVM_GET_ONE_REG, or a fixture in tests). */
typedef int (*mc_arm64_get_reg_fn)(void *opaque, uint64_t id, uint64_t *value, mc_error *err);

/* `arm64.reg / 0x%016llx / VALUE` for every id: VALUE is `0x%llx` of the
 * value `get` returns for a register mc_arm64_reg_value_checked() accepts,
 * `1` for the others; and for each firmware-class id
 * `arm64.fwreg / NAME / 0x%llx` with the value `get` returns. */
int mc_arm64_regs_facts(const uint64_t *ids, size_t n, mc_arm64_get_reg_fn get, void *opaque,
			mc_facts *out, mc_error *err);

/* The register id of sys_reg(op0, op1, crn, crm, op2) (64 bits). */
uint64_t mc_arm64_sysreg_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2);
/* Index of a register in the kernel's feature-ID range
 * (KVM_ARM_GET_REG_WRITABLE_MASKS, range 0: op0 3, op1 0/1/3, CRn 0,
 * CRm 0..7, op2 0..7; 192 entries), or -1 for any other register. */
int mc_arm64_feature_id_index(uint64_t id);

/* ---- misc ------------------------------------------------------------------- */

#define MC_ERRNO_NAME_MAX 16
/* "EINVAL" etc. for an errno value; "errno N" when unknown. */
const char *mc_errno_name(int errnum, char buf[MC_ERRNO_NAME_MAX]);

#endif
