/* migcheck — arm64.fwreg (core/planner/rules_arm64_fwreg.c): the kernel's
 * KVM_SET_ONE_REG decision for the arm64 firmware pseudo-registers, which
 * the rule family and the compat pins are built on. */
#ifndef MC_RULES_ARM64_FWREG_H
#define MC_RULES_ARM64_FWREG_H

#include <stdbool.h>

/* Would a host whose register `name` holds `host` (host_has false: no such
 * register) accept value v? 0, -EINVAL or -ENOENT. */
int mc_arm64_fw_accepts(const char *name, bool host_has, unsigned long long host,
			unsigned long long v);

#endif
