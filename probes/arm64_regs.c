/* Probe "arm64_regs": the register list of a fresh vCPU (KVM_GET_REG_LIST)
 * and the values of its firmware pseudo-registers (KVM_GET_ONE_REG): PSCI
 * version, SMCCC workaround state, hypercall feature bitmaps. */
#include "arm64.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"
#include "probe.h"
#include "util.h"

#if defined(__aarch64__)
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#endif

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
	return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
			    "firmware register \"%.64s\": unknown (expected PSCI_VERSION, "
			    "SMCCC_ARCH_WORKAROUND_1..3, STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP "
			    "or a 0x register id)",
			    name);
}

int mc_arm64_regs_facts(const uint64_t *ids, size_t n, mc_arm64_get_reg_fn get, void *opaque,
			mc_facts *out, mc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char key[MC_ARM64_REG_NAME_MAX];
		int r;
		snprintf(key, sizeof(key), "0x%016" PRIx64, ids[i]);
		if ((r = mc_probe_fact(out, "arm64.reg", key, "1", err)) < 0)
			return r;
		if (!mc_arm64_reg_is_fw(ids[i]))
			continue;
		uint64_t value = 0;
		if ((r = get(opaque, ids[i], &value, err)) < 0)
			return r;
		const char *name = mc_arm64_fwreg_name(ids[i], key);
		if ((r = mc_probe_factf(out, "arm64.fwreg", name, err, "0x%" PRIx64, value)) < 0)
			return r;
	}
	return 0;
}

#if defined(__aarch64__)

#ifdef KVM_REG_ARM_FW
_Static_assert(KVM_REG_ARM_FW == MC_KVM_REG_ARM_FW, "KVM_REG_ARM_FW");
#endif
#ifdef KVM_REG_ARM_FW_FEAT_BMAP
_Static_assert(KVM_REG_ARM_FW_FEAT_BMAP == MC_KVM_REG_ARM_FW_FEAT_BMAP, "FW_FEAT_BMAP");
#endif
_Static_assert(KVM_REG_ARM64 == MC_KVM_REG_ARM64, "KVM_REG_ARM64");
_Static_assert(KVM_REG_SIZE_U64 == MC_KVM_REG_SIZE_U64, "KVM_REG_SIZE_U64");

void mc_arm64_vcpu_close(mc_arm64_vcpu *v)
{
	if (v->vcpu_fd >= 0)
		close(v->vcpu_fd);
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
	v->vcpu_fd = v->vm_fd = v->kvm_fd = -1;
}

int mc_arm64_vcpu_open(const char *kvm_dev, mc_arm64_vcpu *v, mc_error *err)
{
	struct kvm_vcpu_init init;
	int r;
	*v = (mc_arm64_vcpu){ -1, -1, -1, kvm_dev };
	if ((v->kvm_fd = mc_probe_open_kvm(kvm_dev, err)) < 0)
		return v->kvm_fd;
	v->vm_fd = ioctl(v->kvm_fd, KVM_CREATE_VM, 0UL);
	if (v->vm_fd < 0) {
		r = mc_error_set(err, 0, errno, "%s: KVM_CREATE_VM: %s", kvm_dev, strerror(errno));
		goto fail;
	}
	v->vcpu_fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, 0UL);
	if (v->vcpu_fd < 0) {
		r = mc_error_set(err, 0, errno, "%s: KVM_CREATE_VCPU: %s", kvm_dev,
				 strerror(errno));
		goto fail;
	}
	memset(&init, 0, sizeof(init));
	if (ioctl(v->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		r = mc_error_set(err, 0, errno, "%s: KVM_ARM_PREFERRED_TARGET: %s", kvm_dev,
				 strerror(errno));
		goto fail;
	}
	memset(init.features, 0, sizeof(init.features));
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(v->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		r = mc_error_set(err, 0, errno, "%s: KVM_ARM_VCPU_INIT (target %u, PSCI 0.2): %s",
				 kvm_dev, init.target, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	mc_arm64_vcpu_close(v);
	return r;
}

int mc_arm64_vcpu_reg_list(const mc_arm64_vcpu *v, uint64_t **ids, size_t *n, mc_error *err)
{
	struct kvm_reg_list *list = NULL;
	uint64_t want = 0;
	int r;
	for (int attempt = 0; attempt < 8; attempt++) {
		free(list);
		list = calloc(1, sizeof(*list) + want * sizeof(list->reg[0]));
		if (!list)
			return mc_probe_nomem(err, "KVM_GET_REG_LIST");
		list->n = want;
		if (ioctl(v->vcpu_fd, KVM_GET_REG_LIST, list) == 0) {
			uint64_t *out = malloc((list->n ? list->n : 1) * sizeof(*out));
			if (!out) {
				r = mc_probe_nomem(err, "KVM_GET_REG_LIST");
				goto out;
			}
			memcpy(out, list->reg, list->n * sizeof(*out));
			*ids = out;
			*n = list->n;
			r = 0;
			goto out;
		}
		if (errno != E2BIG) {
			r = mc_error_set(err, 0, errno, "%s: KVM_GET_REG_LIST: %s", v->kvm_dev,
					 strerror(errno));
			goto out;
		}
		want = list->n; /* the kernel wrote the number it has */
	}
	r = mc_error_set(err, 0, E2BIG, "%s: KVM_GET_REG_LIST: list keeps growing", v->kvm_dev);
out:
	free(list);
	return r;
}

static int check_size(const mc_arm64_vcpu *v, uint64_t id, mc_error *err)
{
	if (MC_KVM_REG_SIZE(id) > sizeof(uint64_t))
		return mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL,
				    "%s: register 0x%016" PRIx64 " is %u bytes (more than 64 bits)",
				    v->kvm_dev, id, MC_KVM_REG_SIZE(id));
	return 0;
}

int mc_arm64_vcpu_get_reg(const mc_arm64_vcpu *v, uint64_t id, uint64_t *value, mc_error *err)
{
	uint64_t buf = 0; /* little-endian: a smaller register fills the low bytes */
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&buf };
	int r = check_size(v, id, err);
	if (r < 0)
		return r;
	if (ioctl(v->vcpu_fd, KVM_GET_ONE_REG, &reg) < 0)
		return mc_error_set(err, 0, errno, "%s: KVM_GET_ONE_REG 0x%016" PRIx64 ": %s",
				    v->kvm_dev, id, strerror(errno));
	*value = buf;
	return 0;
}

int mc_arm64_vcpu_set_reg(const mc_arm64_vcpu *v, uint64_t id, uint64_t value, mc_error *err)
{
	uint64_t buf = value;
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&buf };
	int r = check_size(v, id, err);
	if (r < 0)
		return r;
	if (ioctl(v->vcpu_fd, KVM_SET_ONE_REG, &reg) < 0)
		return mc_error_set(err, 0, errno, "%s: KVM_SET_ONE_REG 0x%016" PRIx64 ": %s",
				    v->kvm_dev, id, strerror(errno));
	return 0;
}

#else /* !__aarch64__ */

static int not_aarch64(mc_error *err)
{
	return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOTSUP, "not aarch64");
}

void mc_arm64_vcpu_close(mc_arm64_vcpu *v)
{
	(void)v;
}

int mc_arm64_vcpu_open(const char *kvm_dev, mc_arm64_vcpu *v, mc_error *err)
{
	*v = (mc_arm64_vcpu){ -1, -1, -1, kvm_dev };
	return not_aarch64(err);
}

int mc_arm64_vcpu_reg_list(const mc_arm64_vcpu *v, uint64_t **ids, size_t *n, mc_error *err)
{
	(void)v;
	(void)ids;
	(void)n;
	return not_aarch64(err);
}

int mc_arm64_vcpu_get_reg(const mc_arm64_vcpu *v, uint64_t id, uint64_t *value, mc_error *err)
{
	(void)v;
	(void)id;
	(void)value;
	return not_aarch64(err);
}

int mc_arm64_vcpu_set_reg(const mc_arm64_vcpu *v, uint64_t id, uint64_t value, mc_error *err)
{
	(void)v;
	(void)id;
	(void)value;
	return not_aarch64(err);
}

#endif

static int vcpu_getter(void *opaque, uint64_t id, uint64_t *value, mc_error *err)
{
	return mc_arm64_vcpu_get_reg(opaque, id, value, err);
}

int mc_probe_run_arm64_regs(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	mc_arm64_vcpu v;
	uint64_t *ids = NULL;
	size_t n = 0;
	int r = mc_arm64_vcpu_open(env->kvm_dev, &v, err);
	if (r < 0)
		return r;
	if ((r = mc_arm64_vcpu_reg_list(&v, &ids, &n, err)) < 0)
		goto out;
	r = mc_arm64_regs_facts(ids, n, vcpu_getter, &v, out, err);
out:
	free(ids);
	mc_arm64_vcpu_close(&v);
	return r;
}
