/* Probe "arm64_regs": the register list of a vCPU created as a VMM creates it
 * for `-cpu host` (KVM_GET_REG_LIST), the values of the registers whose value
 * a destination kernel checks on restore (ID registers, cache description,
 * firmware pseudo-registers: PSCI version, SMCCC workaround state, hypercall
 * feature bitmaps), the vCPU features used, and where the kernel offers them
 * the writable masks of the ID registers. */
#include "probes/arm64.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/parsers.h"
#include "probes/probe.h"
#include "probes/util.h"

#if defined(__aarch64__)
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#endif

int mc_arm64_regs_facts(const uint64_t *ids, size_t n, mc_arm64_get_reg_fn get, void *opaque,
			mc_facts *out, mc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char key[MC_ARM64_REG_NAME_MAX];
		int r;
		snprintf(key, sizeof(key), "0x%016" PRIx64, ids[i]);
		if (mc_arm64_reg_value_checked(ids[i])) {
			uint64_t value = 0;
			if ((r = get(opaque, ids[i], &value, err)) < 0)
				return r;
			if ((r = mc_probe_factf(out, "arm64.reg", key, err, "0x%" PRIx64, value)) <
			    0)
				return r;
			continue;
		}
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

/* Capabilities and ioctls newer than the build's uAPI headers. */
#define MC_CAP_ARM_PSCI_0_2 102
#define MC_CAP_ARM_PMU_V3 126
#define MC_CAP_ARM_SVE 170
#define MC_CAP_ARM_PTRAUTH_ADDRESS 171
#define MC_CAP_ARM_PTRAUTH_GENERIC 172
#define MC_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230
#define MC_VCPU_PMU_V3 3
#define MC_VCPU_SVE 4
#define MC_VCPU_PTRAUTH_ADDRESS 5
#define MC_VCPU_PTRAUTH_GENERIC 6
struct mc_reg_mask_range {
	uint64_t addr;
	uint32_t range;
	uint32_t reserved[13];
};
#define MC_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct mc_reg_mask_range)
#define MC_ARM_VCPU_FINALIZE _IOW(KVMIO, 0xc2, int)

static bool has_cap(int kvm_fd, int cap)
{
	return ioctl(kvm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

int mc_arm64_vcpu_open(const char *kvm_dev, mc_arm64_vcpu *v, mc_error *err)
{
	struct kvm_vcpu_init init;
	int r;
	*v = (mc_arm64_vcpu){ .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .kvm_dev = kvm_dev };
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
	v->psci_0_2 = has_cap(v->kvm_fd, MC_CAP_ARM_PSCI_0_2);
	v->pmu_v3 = has_cap(v->kvm_fd, MC_CAP_ARM_PMU_V3);
	v->sve = has_cap(v->kvm_fd, MC_CAP_ARM_SVE);
	v->ptrauth = has_cap(v->kvm_fd, MC_CAP_ARM_PTRAUTH_ADDRESS) &&
		     has_cap(v->kvm_fd, MC_CAP_ARM_PTRAUTH_GENERIC);
	if (v->psci_0_2)
		init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (v->pmu_v3)
		init.features[0] |= 1U << MC_VCPU_PMU_V3;
	if (v->sve)
		init.features[0] |= 1U << MC_VCPU_SVE;
	if (v->ptrauth)
		init.features[0] |= 1U << MC_VCPU_PTRAUTH_ADDRESS | 1U << MC_VCPU_PTRAUTH_GENERIC;
	if (ioctl(v->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		r = mc_error_set(err, 0, errno,
				 "%s: KVM_ARM_VCPU_INIT (target %u, features 0x%x): %s", kvm_dev,
				 init.target, init.features[0], strerror(errno));
		goto fail;
	}
	if (v->sve) {
		int what = MC_VCPU_SVE;
		if (ioctl(v->vcpu_fd, MC_ARM_VCPU_FINALIZE, &what) < 0) {
			r = mc_error_set(err, 0, errno, "%s: KVM_ARM_VCPU_FINALIZE (SVE): %s",
					 kvm_dev, strerror(errno));
			goto fail;
		}
	}
	/* QEMU's virt machine creates its in-kernel GICv3 after the vCPUs; some
	 * ID register fields (ID_AA64PFR0_EL1.GIC) follow it. */
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	if (ioctl(v->vm_fd, KVM_CREATE_DEVICE, &gic) == 0) {
		v->vgic_v3 = true;
		close((int)gic.fd);
	}
	return 0;
fail:
	mc_arm64_vcpu_close(v);
	return r;
}

int mc_arm64_vcpu_writable_masks(const mc_arm64_vcpu *v, uint64_t masks[192], mc_error *err)
{
	if (!has_cap(v->kvm_fd, MC_CAP_ARM_SUPPORTED_REG_MASK_RANGES))
		return mc_error_set(err, 0, ENOTSUP, "%s: no KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES",
				    v->kvm_dev);
	struct mc_reg_mask_range range = { .addr = (uint64_t)(uintptr_t)masks, .range = 0 };
	memset(masks, 0, 192 * sizeof(masks[0]));
	if (ioctl(v->vm_fd, MC_ARM_GET_REG_WRITABLE_MASKS, &range) < 0)
		return mc_error_set(err, 0, errno, "%s: KVM_ARM_GET_REG_WRITABLE_MASKS: %s",
				    v->kvm_dev, strerror(errno));
	return 0;
}

int mc_arm64_vcpu_get_reg_bytes(const mc_arm64_vcpu *v, uint64_t id, void *buf, size_t size,
				mc_error *err)
{
	if (MC_KVM_REG_SIZE(id) > size)
		return mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL,
				    "%s: register 0x%016" PRIx64 " is %u bytes (buffer %zu)",
				    v->kvm_dev, id, MC_KVM_REG_SIZE(id), size);
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)buf };
	if (ioctl(v->vcpu_fd, KVM_GET_ONE_REG, &reg) < 0)
		return mc_error_set(err, 0, errno, "%s: KVM_GET_ONE_REG 0x%016" PRIx64 ": %s",
				    v->kvm_dev, id, strerror(errno));
	return 0;
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
	*v = (mc_arm64_vcpu){ .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .kvm_dev = kvm_dev };
	return not_aarch64(err);
}

int mc_arm64_vcpu_writable_masks(const mc_arm64_vcpu *v, uint64_t masks[192], mc_error *err)
{
	(void)v;
	(void)masks;
	return not_aarch64(err);
}

int mc_arm64_vcpu_get_reg_bytes(const mc_arm64_vcpu *v, uint64_t id, void *buf, size_t size,
				mc_error *err)
{
	(void)v;
	(void)id;
	(void)buf;
	(void)size;
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

/* `arm64.vcpu` facts: the features the vCPU was created with, the SVE
 * vector lengths, and the writable masks of the ID registers it lists. */
static int vcpu_facts(const mc_arm64_vcpu *v, const uint64_t *ids, size_t n, mc_facts *out,
		      mc_error *err)
{
	static const struct {
		const char *name;
		size_t off;
	} feats[] = {
		{ "feature.psci_0_2", offsetof(mc_arm64_vcpu, psci_0_2) },
		{ "feature.pmu_v3", offsetof(mc_arm64_vcpu, pmu_v3) },
		{ "feature.sve", offsetof(mc_arm64_vcpu, sve) },
		{ "feature.ptrauth", offsetof(mc_arm64_vcpu, ptrauth) },
		{ "vgic_v3", offsetof(mc_arm64_vcpu, vgic_v3) },
	};
	int r;
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		bool on = *(const bool *)((const char *)v + feats[i].off);
		if ((r = mc_probe_fact(out, "arm64.vcpu", feats[i].name, on ? "1" : "0", err)) < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		if ((ids[i] & ~MC_KVM_REG_SIZE_MASK) != 0x600000000015ffffULL) /* SVE_VLS */
			continue;
		uint64_t vls[8] = { 0 };
		if ((r = mc_arm64_vcpu_get_reg_bytes(v, ids[i], vls, sizeof(vls), err)) < 0)
			return r;
		char hex[8 * 16 + 3] = "0x";
		size_t pos = 2;
		int top = 7;
		while (top > 0 && !vls[top])
			top--;
		pos += (size_t)snprintf(hex + pos, sizeof(hex) - pos, "%" PRIx64, vls[top]);
		for (int w = top - 1; w >= 0; w--)
			pos +=
			    (size_t)snprintf(hex + pos, sizeof(hex) - pos, "%016" PRIx64, vls[w]);
		if ((r = mc_probe_fact(out, "arm64.vcpu", "sve_vls", hex, err)) < 0)
			return r;
	}
	uint64_t masks[192];
	mc_error e = { 0 };
	if (mc_arm64_vcpu_writable_masks(v, masks, &e) < 0)
		return 0; /* before Linux 6.8: no masks */
	for (size_t i = 0; i < n; i++) {
		int idx = mc_arm64_feature_id_index(ids[i]);
		if (idx < 0)
			continue;
		char key[MC_ARM64_REG_NAME_MAX];
		snprintf(key, sizeof(key), "0x%016" PRIx64, ids[i]);
		if ((r = mc_probe_factf(out, "arm64.reg_mask", key, err, "0x%" PRIx64,
					masks[idx])) < 0)
			return r;
	}
	return 0;
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
	if ((r = mc_arm64_regs_facts(ids, n, vcpu_getter, &v, out, err)) < 0)
		goto out;
	r = vcpu_facts(&v, ids, n, out, err);
out:
	free(ids);
	mc_arm64_vcpu_close(&v);
	return r;
}
