/* Independent witness for the probe tests: dumps what /dev/kvm answers, with
 * no migcheck code involved (only the uAPI headers and README's Facts table),
 * so the probe's facts can be compared with the raw ioctl results on this
 * machine and inside emulated hosts.
 *   cap N VALUE      every KVM_CHECK_EXTENSION N (0..1023) that is non-zero
 * then facts in the canonical text form, DOMAIN<TAB>KEY<TAB>VALUE:
 *   x86_64   x86.msr          KVM_GET_MSR_INDEX_LIST
 *            x86.msr_feature  KVM_GET_MSR_FEATURE_INDEX_LIST + KVM_GET_MSRS
 *                             on the /dev/kvm fd (with KVM_CAP_GET_MSR_FEATURES)
 *            x86.cpuid        KVM_GET_SUPPORTED_CPUID (APIC ids as 0)
 *   aarch64  arm64.reg, arm64.fwreg, arm64.vcpu, arm64.reg_mask of a vCPU
 *            created as QEMU creates it for `-cpu host`
 * in the order the ioctls return them (the test sorts). Built static with the
 * same compiler as the probe. Exit: 0, or 1 with a message on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "kvmraw: %s: %s\n", what, strerror(errno));
	return 1;
}

#if defined(__x86_64__)
/* KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST: the kernel
 * answers E2BIG with the number it needs in nmsrs. NULL on error. */
static struct kvm_msr_list *msr_list(int kvm, unsigned long req)
{
	struct kvm_msr_list *l = NULL;
	__u32 n = 0;
	for (;;) {
		free(l);
		if (!(l = calloc(1, sizeof(*l) + n * sizeof(__u32))))
			return NULL;
		l->nmsrs = n;
		if (ioctl(kvm, req, l) == 0)
			return l;
		if (errno != E2BIG || l->nmsrs <= n) {
			free(l);
			return NULL;
		}
		n = l->nmsrs;
	}
}

/* Every feature MSR in one KVM_GET_MSRS; the kernel reads them in order
 * and stops at the first it cannot read (returning how many it read): that
 * one is left out (KVM offers no value for it) and the rest is asked again. */
static int msr_features(int kvm)
{
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES) <= 0)
		return 0;
	struct kvm_msr_list *l = msr_list(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST);
	if (!l)
		return fail("KVM_GET_MSR_FEATURE_INDEX_LIST");
	struct kvm_msrs *m = calloc(1, sizeof(*m) + l->nmsrs * sizeof(m->entries[0]));
	if (!m) {
		free(l);
		return fail("calloc");
	}
	for (__u32 done = 0; done < l->nmsrs;) {
		m->nmsrs = l->nmsrs - done;
		for (__u32 i = 0; i < m->nmsrs; i++)
			m->entries[i] = (struct kvm_msr_entry){ .index = l->indices[done + i] };
		int got = ioctl(kvm, KVM_GET_MSRS, m);
		if (got < 0) {
			free(m);
			free(l);
			return fail("KVM_GET_MSRS (system)");
		}
		for (int i = 0; i < got; i++)
			printf("x86.msr_feature\t0x%08x\t0x%016llx\n", m->entries[i].index,
			       (unsigned long long)m->entries[i].data);
		done += (__u32)got + 1; /* skip the one it could not read */
	}
	free(m);
	free(l);
	return 0;
}

/* KVM_GET_SUPPORTED_CPUID answers E2BIG without saying how many entries it
 * has: grow until it fits. The values are recorded as README's Facts table
 * says: the APIC ID of the CPU the ioctl ran on reads as 0 (CPUID.01H:EBX
 * bits 31-24 initial APIC ID; 0BH and 1FH EDX x2APIC ID; 8000001EH EAX
 * extended APIC ID). */
static int cpuid(int kvm)
{
	struct kvm_cpuid2 *c = NULL;
	for (__u32 n = 128;; n *= 2) {
		free(c);
		if (!(c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]))))
			return fail("calloc");
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG || n >= 1U << 16) {
			free(c);
			return fail("KVM_GET_SUPPORTED_CPUID");
		}
	}
	for (__u32 i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		if (e.function == 0x1)
			e.ebx &= ~(0xffU << 24);
		if (e.function == 0xb || e.function == 0x1f)
			e.edx = 0;
		if (e.function == 0x8000001e)
			e.eax = 0;
		const __u32 v[4] = { e.eax, e.ebx, e.ecx, e.edx };
		const char *const name[4] = { "eax", "ebx", "ecx", "edx" };
		for (int r = 0; r < 4; r++)
			printf("x86.cpuid\t0x%08x.0x%08x.%s\t0x%08x\n", e.function, e.index,
			       name[r], v[r]);
	}
	free(c);
	return 0;
}

static int arch_dump(int kvm)
{
	struct kvm_msr_list *l = msr_list(kvm, KVM_GET_MSR_INDEX_LIST);
	if (!l)
		return fail("KVM_GET_MSR_INDEX_LIST");
	for (__u32 i = 0; i < l->nmsrs; i++)
		printf("x86.msr\t0x%08x\t1\n", l->indices[i]);
	free(l);
	return msr_features(kvm) || cpuid(kvm);
}

#elif defined(__aarch64__)

/* Newer than Debian 12's uAPI headers (Linux 6.1): from Linux 6.8's. */
#ifndef KVM_REG_ARM_VENDOR_HYP_BMAP_2
#define KVM_REG_ARM_VENDOR_HYP_BMAP_2 KVM_REG_ARM_FW_FEAT_BMAP_REG(3)
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230
struct reg_mask_range {
	__u64 addr;
	__u32 range;
	__u32 reserved[13];
};
#define KVM_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct reg_mask_range)
#endif
#define FEATURE_ID_RANGE_SIZE (3 * 8 * 8) /* op1 0, 1, 3; CRm 0..7; op2 0..7 */

static int vm = -1, vcpu = -1;
static int has_psci, has_pmu, has_sve, has_ptrauth, has_vgic;

static int cap(int kvm, int c)
{
	return ioctl(kvm, KVM_CHECK_EXTENSION, c) > 0;
}

/* As QEMU's virt machine with `-cpu host`: a VM, one vCPU initialised with
 * the preferred target and each of PSCI 0.2, PMUv3, SVE and both pointer
 * authentications whose capability exists, SVE finalized, then the
 * in-kernel GICv3, created after the vCPUs (its absence is a fact). */
static int vcpu_create(int kvm)
{
	struct kvm_vcpu_init init;
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0UL)) < 0)
		return fail("KVM_CREATE_VM");
	if ((vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL)) < 0)
		return fail("KVM_CREATE_VCPU");
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail("KVM_ARM_PREFERRED_TARGET");
	memset(init.features, 0, sizeof(init.features));
	has_psci = cap(kvm, KVM_CAP_ARM_PSCI_0_2);
	has_pmu = cap(kvm, KVM_CAP_ARM_PMU_V3);
	has_sve = cap(kvm, KVM_CAP_ARM_SVE);
	has_ptrauth =
	    cap(kvm, KVM_CAP_ARM_PTRAUTH_ADDRESS) && cap(kvm, KVM_CAP_ARM_PTRAUTH_GENERIC);
	init.features[0] = (__u32)has_psci << KVM_ARM_VCPU_PSCI_0_2 |
			   (__u32)has_pmu << KVM_ARM_VCPU_PMU_V3 |
			   (__u32)has_sve << KVM_ARM_VCPU_SVE |
			   (__u32)has_ptrauth << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
			   (__u32)has_ptrauth << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail("KVM_ARM_VCPU_INIT");
	int what = KVM_ARM_VCPU_SVE;
	if (has_sve && ioctl(vcpu, KVM_ARM_VCPU_FINALIZE, &what) < 0)
		return fail("KVM_ARM_VCPU_FINALIZE");
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	has_vgic = ioctl(vm, KVM_CREATE_DEVICE, &gic) == 0;
	return 0;
}

/* KVM_GET_REG_LIST: E2BIG with the number it has in n. NULL on error. */
static struct kvm_reg_list *reg_list(void)
{
	struct kvm_reg_list *l = NULL;
	__u64 n = 0;
	for (;;) {
		free(l);
		if (!(l = calloc(1, sizeof(*l) + n * sizeof(__u64))))
			return NULL;
		l->n = n;
		if (ioctl(vcpu, KVM_GET_REG_LIST, l) == 0)
			return l;
		if (errno != E2BIG || l->n <= n) {
			free(l);
			return NULL;
		}
		n = l->n;
	}
}

/* A register's value as a hex number ("0x%x" of the little-endian bytes,
 * any size up to 2048 bits) in out (at least 2 + 512 + 1 bytes). */
static int get_reg_hex(__u64 id, char *out)
{
	unsigned char b[256] = { 0 };
	unsigned size = 1U << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
	struct kvm_one_reg r = { .id = id, .addr = (__u64)(uintptr_t)b };
	if (size > sizeof(b)) {
		errno = E2BIG;
		return -1;
	}
	if (ioctl(vcpu, KVM_GET_ONE_REG, &r) < 0)
		return -1;
	int top = (int)size - 1;
	while (top > 0 && b[top] == 0)
		top--;
	char *p = out + sprintf(out, "0x%x", b[top]);
	for (int i = top - 1; i >= 0; i--)
		p += sprintf(p, "%02x", b[i]);
	return 0;
}

/* sys_reg(op0, op1, CRn, CRm, op2) of a 64-bit system register id, or -1. */
static int sysreg(__u64 id, unsigned *op0, unsigned *op1, unsigned *crn, unsigned *crm,
		  unsigned *op2)
{
	if ((id & ~(__u64)KVM_REG_ARM64_SYSREG_OP0_MASK & ~(__u64)KVM_REG_ARM64_SYSREG_OP1_MASK &
	     ~(__u64)KVM_REG_ARM64_SYSREG_CRN_MASK & ~(__u64)KVM_REG_ARM64_SYSREG_CRM_MASK &
	     ~(__u64)KVM_REG_ARM64_SYSREG_OP2_MASK) !=
	    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG))
		return -1;
	*op0 = (id & KVM_REG_ARM64_SYSREG_OP0_MASK) >> KVM_REG_ARM64_SYSREG_OP0_SHIFT;
	*op1 = (id & KVM_REG_ARM64_SYSREG_OP1_MASK) >> KVM_REG_ARM64_SYSREG_OP1_SHIFT;
	*crn = (id & KVM_REG_ARM64_SYSREG_CRN_MASK) >> KVM_REG_ARM64_SYSREG_CRN_SHIFT;
	*crm = (id & KVM_REG_ARM64_SYSREG_CRM_MASK) >> KVM_REG_ARM64_SYSREG_CRM_SHIFT;
	*op2 = (id & KVM_REG_ARM64_SYSREG_OP2_MASK) >> KVM_REG_ARM64_SYSREG_OP2_SHIFT;
	return 0;
}

/* README's arm64.reg row: recorded with its value are sys_reg(3,0,0,0..7,
 * 0..7), sys_reg(3,1,0,0,*), sys_reg(3,3,0,0,*) and the CCSIDR demux
 * registers; every other register with 1. */
static int carries_value(__u64 id)
{
	unsigned op0, op1, crn, crm, op2;
	if ((id & KVM_REG_ARCH_MASK) == KVM_REG_ARM64 &&
	    (id & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM_DEMUX)
		return (id & KVM_REG_ARM_DEMUX_ID_MASK) == KVM_REG_ARM_DEMUX_ID_CCSIDR;
	if (sysreg(id, &op0, &op1, &crn, &crm, &op2) < 0 || op0 != 3 || crn != 0)
		return 0;
	return (op1 == 0 && crm <= 7) || ((op1 == 1 || op1 == 3) && crm == 0);
}

/* Index of an id register in KVM_ARM_GET_REG_WRITABLE_MASKS's range 0
 * (Documentation/virt/kvm/api.rst: op0 3, op1 0/1/3, CRn 0, CRm 0..7,
 * op2 0..7, KVM_ARM_FEATURE_ID_RANGE_IDX), or -1. */
static int feature_id_index(__u64 id)
{
	unsigned op0, op1, crn, crm, op2;
	if (sysreg(id, &op0, &op1, &crn, &crm, &op2) < 0 || op0 != 3 || crn != 0 || crm > 7)
		return -1;
	if (op1 != 0 && op1 != 1 && op1 != 3)
		return -1;
	return (int)((op1 == 3 ? 2 : op1) << 6 | crm << 3 | op2);
}

static const char *fwreg_name(__u64 id, char *buf)
{
	static const struct {
		__u64 id;
		const char *name;
	} t[] = {
		{ KVM_REG_ARM_PSCI_VERSION, "PSCI_VERSION" },
		{ KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1, "SMCCC_ARCH_WORKAROUND_1" },
		{ KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2, "SMCCC_ARCH_WORKAROUND_2" },
		{ KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3, "SMCCC_ARCH_WORKAROUND_3" },
		{ KVM_REG_ARM_STD_BMAP, "STD_BMAP" },
		{ KVM_REG_ARM_STD_HYP_BMAP, "STD_HYP_BMAP" },
		{ KVM_REG_ARM_VENDOR_HYP_BMAP, "VENDOR_HYP_BMAP" },
		{ KVM_REG_ARM_VENDOR_HYP_BMAP_2, "VENDOR_HYP_BMAP_2" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].id == id)
			return t[i].name;
	sprintf(buf, "0x%016llx", (unsigned long long)id);
	return buf;
}

static int arch_dump(int kvm)
{
	char hex[2 + 512 + 1], name[24];
	if (vcpu_create(kvm))
		return 1;
	struct kvm_reg_list *l = reg_list();
	if (!l)
		return fail("KVM_GET_REG_LIST");
	int rc = 0;
	for (__u64 i = 0; i < l->n && !rc; i++) {
		__u64 id = l->reg[i], coproc = id & KVM_REG_ARM_COPROC_MASK;
		int fw = (id & KVM_REG_ARCH_MASK) == KVM_REG_ARM64 &&
			 (coproc == KVM_REG_ARM_FW || coproc == KVM_REG_ARM_FW_FEAT_BMAP);
		if ((carries_value(id) || fw) && get_reg_hex(id, hex) < 0) {
			rc = fail("KVM_GET_ONE_REG");
			break;
		}
		printf("arm64.reg\t0x%016llx\t%s\n", (unsigned long long)id,
		       carries_value(id) ? hex : "1");
		if (fw)
			printf("arm64.fwreg\t%s\t%s\n", fwreg_name(id, name), hex);
		if (id == KVM_REG_ARM64_SVE_VLS) {
			if (get_reg_hex(id, hex) < 0)
				rc = fail("KVM_GET_ONE_REG (SVE_VLS)");
			else
				printf("arm64.vcpu\tsve_vls\t%s\n", hex);
		}
	}
	printf("arm64.vcpu\tfeature.psci_0_2\t%d\n", has_psci);
	printf("arm64.vcpu\tfeature.pmu_v3\t%d\n", has_pmu);
	printf("arm64.vcpu\tfeature.sve\t%d\n", has_sve);
	printf("arm64.vcpu\tfeature.ptrauth\t%d\n", has_ptrauth);
	printf("arm64.vcpu\tvgic_v3\t%d\n", has_vgic);
	if (!rc && cap(kvm, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES)) {
		static __u64 masks[FEATURE_ID_RANGE_SIZE];
		struct reg_mask_range range = { .addr = (__u64)(uintptr_t)masks, .range = 0 };
		if (ioctl(vm, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0)
			rc = fail("KVM_ARM_GET_REG_WRITABLE_MASKS");
		for (__u64 i = 0; i < l->n && !rc; i++) {
			int idx = feature_id_index(l->reg[i]);
			if (idx >= 0)
				printf("arm64.reg_mask\t0x%016llx\t0x%llx\n",
				       (unsigned long long)l->reg[i],
				       (unsigned long long)masks[idx]);
		}
	}
	free(l);
	return rc;
}

#else
static int arch_dump(int kvm)
{
	(void)kvm;
	return 0;
}
#endif

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	for (int n = 0; n < 1024; n++) {
		int v = ioctl(kvm, KVM_CHECK_EXTENSION, n);
		if (v > 0)
			printf("cap %d %d\n", n, v);
	}
	int rc = arch_dump(kvm);
	close(kvm);
	return rc;
}
