/* migcheck — the pure parts of the probes: text/tree parsers and the
 * formatting of ioctl results into facts. Everything here compiles and is
 * unit-tested on every architecture; only the ioctl calls themselves are
 * architecture specific. Plain C (libc only). */
#ifndef MC_PROBES_PARSERS_H
#define MC_PROBES_PARSERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/base/arm64_regid.h"

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

/* Reads one register's value (KVM_GET_ONE_REG, or a fixture in tests). */
typedef int (*mc_arm64_get_reg_fn)(void *opaque, uint64_t id, uint64_t *value, mc_error *err);

/* `arm64.reg / 0x%016llx / VALUE` for every id: VALUE is `0x%llx` of the
 * value `get` returns for a register mc_arm64_reg_value_checked() accepts,
 * `1` for the others; and for each firmware-class id
 * `arm64.fwreg / NAME / 0x%llx` with the value `get` returns. */
int mc_arm64_regs_facts(const uint64_t *ids, size_t n, mc_arm64_get_reg_fn get, void *opaque,
			mc_facts *out, mc_error *err);

/* ---- misc ------------------------------------------------------------------- */

#define MC_ERRNO_NAME_MAX 16
/* "EINVAL" etc. for an errno value; "errno N" when unknown. */
const char *mc_errno_name(int errnum, char buf[MC_ERRNO_NAME_MAX]);

#endif
