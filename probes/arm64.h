/* migcheck — an arm64 KVM vCPU as a VMM creates it for `-cpu host`: a fresh VM
 * (type 0) with one vCPU initialised the way QEMU initialises its vCPUs
 * (target/arm/kvm64.c, kvm_arch_init_vcpu): the preferred target +
 * KVM_ARM_VCPU_PSCI_0_2, + PMU_V3, + SVE (then KVM_ARM_VCPU_FINALIZE), +
 * PTRAUTH_ADDRESS and PTRAUTH_GENERIC, each where its capability exists; then
 * an in-kernel GICv3 is created, as QEMU's virt machine does after its vCPUs.
 * Shared by the arm64_regs probe and `migcheck-probe --set-fwreg`. On other
 * architectures every function fails with -ENOTSUP ("not aarch64"). */
#ifndef MC_PROBES_ARM64_H
#define MC_PROBES_ARM64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

typedef struct mc_arm64_vcpu {
	int kvm_fd, vm_fd, vcpu_fd;
	const char *kvm_dev; /* for messages */
	/* The features the vCPU was created with. */
	bool psci_0_2, pmu_v3, sve, ptrauth, vgic_v3;
} mc_arm64_vcpu;

/* Open kvm_dev, create the VM and vCPU and initialise it. On failure
 * everything opened is closed again. */
int mc_arm64_vcpu_open(const char *kvm_dev, mc_arm64_vcpu *v, mc_error *err);
void mc_arm64_vcpu_close(mc_arm64_vcpu *v);

/* KVM_GET_REG_LIST (size query via E2BIG). Caller frees *ids. */
int mc_arm64_vcpu_reg_list(const mc_arm64_vcpu *v, uint64_t **ids, size_t *n, mc_error *err);
/* KVM_GET_ONE_REG / KVM_SET_ONE_REG of a register of at most 64 bits. The
 * returned -errno is the ioctl's. */
int mc_arm64_vcpu_get_reg(const mc_arm64_vcpu *v, uint64_t id, uint64_t *value, mc_error *err);
int mc_arm64_vcpu_set_reg(const mc_arm64_vcpu *v, uint64_t id, uint64_t value, mc_error *err);
/* KVM_GET_ONE_REG of a register of any size into buf (size bytes, at least
 * the register's size). */
int mc_arm64_vcpu_get_reg_bytes(const mc_arm64_vcpu *v, uint64_t id, void *buf, size_t size,
				mc_error *err);
/* KVM_ARM_GET_REG_WRITABLE_MASKS (KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES,
 * Linux 6.8+): the 192 masks of the feature-ID range. -ENOTSUP when the
 * kernel does not offer them. */
int mc_arm64_vcpu_writable_masks(const mc_arm64_vcpu *v, uint64_t masks[192], mc_error *err);

#endif
