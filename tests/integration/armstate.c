/* Independent witness for the arm64 agreement test: the whole register state
 * of a vCPU, saved on one emulated host and restored on another the way QEMU
 * restores an incoming guest, with no migcheck code involved.
 *
 *   armstate [-pmu] [-sve] [-ptrauth] dump [ID=VALUE...]
 *       Create a vCPU as QEMU does for `-cpu host` (KVM_ARM_VCPU_INIT with
 *       the preferred target + PSCI_0_2, PMU_V3, SVE (+ FINALIZE) and
 *       PTRAUTH_ADDRESS/GENERIC where the host has them, less those turned
 *       off with -pmu/-sve/-ptrauth; then an in-kernel GICv3), write the
 *       given registers (a guest configured with pins: ID is a register id
 *       0x..., PSCI_VERSION, STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP(_2), or
 *       an ID register's name: ID_AA64PFR0_EL1, ..., CTR_EL0), then
 *       print every register of KVM_GET_REG_LIST with its value:
 *           reg 0xID HEXBYTES      (little-endian bytes, as the kernel has them)
 *       A register whose write is refused prints "pin 0xID ERRNO" and exits 3.
 *   armstate [-pmu] [-sve] [-ptrauth] restore FILE
 *       Create the destination vCPU the same way (SVE vector lengths set to
 *       the source's KVM_REG_ARM64_SVE_VLS before finalizing, as a VMM
 *       configured with the source's vector lengths does), then write every
 *       register of FILE (a dump) with KVM_SET_ONE_REG in the dump's order,
 *       QEMU's cpu_post_load/kvm_arch_put_registers: one line per register,
 *           set 0xID ok | set 0xID ENOENT|EINVAL|E2BIG|EPERM|EBUSY|errno N
 *       and a last line "restore N refused" (0 = the whole state restored).
 * Built static with the same compiler as the probe. Exit: 0 ok, 1 setup
 * failed (message on stderr), 2 usage, 3 a pin was refused. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#if defined(__aarch64__)

#define CAP_PSCI_0_2 102
#define CAP_PMU_V3 126
#define CAP_SVE 170
#define CAP_PTRAUTH_ADDRESS 171
#define CAP_PTRAUTH_GENERIC 172
#define VCPU_FINALIZE _IOW(KVMIO, 0xc2, int)
#define SVE_VLS 0x606000000015ffffULL
#define MAXREG 256 /* bytes: an SVE Z register is 2048 bits */

static int kvm = -1, vm = -1, cpu = -1;
static int want_pmu = 1, want_sve = 1, want_ptrauth = 1, has_sve;

static const char *ename(int e, char *buf, size_t n)
{
	static const struct {
		int e;
		const char *s;
	} t[] = { { ENOENT, "ENOENT" },  { EINVAL, "EINVAL" }, { E2BIG, "E2BIG" },
		  { EPERM, "EPERM" },    { EBUSY, "EBUSY" },   { EFAULT, "EFAULT" },
		  { ENOEXEC, "ENOEXEC" } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].s;
	snprintf(buf, n, "errno%d", e);
	return buf;
}

static unsigned reg_size(uint64_t id)
{
	return 1U << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

static int die(const char *what)
{
	fprintf(stderr, "armstate: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Create the VM and vCPU and KVM_ARM_VCPU_INIT it; SVE is finalized by
 * vcpu_finish() after the vector lengths were (optionally) set. */
static int vcpu_create(void)
{
	struct kvm_vcpu_init init;
	if ((kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
		return die("/dev/kvm");
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0UL)) < 0)
		return die("KVM_CREATE_VM");
	if ((cpu = ioctl(vm, KVM_CREATE_VCPU, 0UL)) < 0)
		return die("KVM_CREATE_VCPU");
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return die("KVM_ARM_PREFERRED_TARGET");
	memset(init.features, 0, sizeof(init.features));
	if (ioctl(kvm, KVM_CHECK_EXTENSION, CAP_PSCI_0_2) > 0)
		init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (want_pmu && ioctl(kvm, KVM_CHECK_EXTENSION, CAP_PMU_V3) > 0)
		init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (want_sve && ioctl(kvm, KVM_CHECK_EXTENSION, CAP_SVE) > 0) {
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
		has_sve = 1;
	}
	if (want_ptrauth && ioctl(kvm, KVM_CHECK_EXTENSION, CAP_PTRAUTH_ADDRESS) > 0 &&
	    ioctl(kvm, KVM_CHECK_EXTENSION, CAP_PTRAUTH_GENERIC) > 0)
		init.features[0] |=
		    1U << KVM_ARM_VCPU_PTRAUTH_ADDRESS | 1U << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (ioctl(cpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return die("KVM_ARM_VCPU_INIT");
	return 0;
}

static int vcpu_finish(void)
{
	if (has_sve) {
		int what = KVM_ARM_VCPU_SVE;
		if (ioctl(cpu, VCPU_FINALIZE, &what) < 0)
			return die("KVM_ARM_VCPU_FINALIZE");
	}
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	if (ioctl(vm, KVM_CREATE_DEVICE, &gic) < 0)
		return die("KVM_CREATE_DEVICE (GICv3)");
	return 0;
}

static int set_reg(uint64_t id, const void *buf)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)buf };
	return ioctl(cpu, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static struct kvm_reg_list *reg_list(void)
{
	struct kvm_reg_list probe = { .n = 0 }, *l;
	if (ioctl(cpu, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG)
		return NULL;
	if (!(l = calloc(1, sizeof(*l) + probe.n * sizeof(l->reg[0]))))
		return NULL;
	l->n = probe.n;
	if (ioctl(cpu, KVM_GET_REG_LIST, l) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static uint64_t fw_id(const char *name)
{
	static const struct {
		const char *n;
		uint64_t id;
	} t[] = { { "PSCI_VERSION", 0x6030000000140000ULL },
		  { "STD_BMAP", 0x6030000000160000ULL },
		  { "STD_HYP_BMAP", 0x6030000000160001ULL },
		  { "VENDOR_HYP_BMAP", 0x6030000000160002ULL },
		  { "VENDOR_HYP_BMAP_2", 0x6030000000160003ULL } };
	/* The ID registers by their architectural names: sys_reg(3,0,0,CRm,op2). */
	static const char *const idregs[8][8] = {
		[1] = { "ID_PFR0_EL1", "ID_PFR1_EL1", "ID_DFR0_EL1", "ID_AFR0_EL1", "ID_MMFR0_EL1",
			"ID_MMFR1_EL1", "ID_MMFR2_EL1", "ID_MMFR3_EL1" },
		[2] = { "ID_ISAR0_EL1", "ID_ISAR1_EL1", "ID_ISAR2_EL1", "ID_ISAR3_EL1",
			"ID_ISAR4_EL1", "ID_ISAR5_EL1", "ID_MMFR4_EL1", "ID_ISAR6_EL1" },
		[3] = { "MVFR0_EL1", "MVFR1_EL1", "MVFR2_EL1", NULL, "ID_PFR2_EL1", "ID_DFR1_EL1",
			"ID_MMFR5_EL1", NULL },
		[4] = { "ID_AA64PFR0_EL1", "ID_AA64PFR1_EL1", "ID_AA64PFR2_EL1", NULL,
			"ID_AA64ZFR0_EL1", "ID_AA64SMFR0_EL1", NULL, "ID_AA64FPFR0_EL1" },
		[5] = { "ID_AA64DFR0_EL1", "ID_AA64DFR1_EL1", NULL, NULL, "ID_AA64AFR0_EL1",
			"ID_AA64AFR1_EL1", NULL, NULL },
		[6] = { "ID_AA64ISAR0_EL1", "ID_AA64ISAR1_EL1", "ID_AA64ISAR2_EL1",
			"ID_AA64ISAR3_EL1" },
		[7] = { "ID_AA64MMFR0_EL1", "ID_AA64MMFR1_EL1", "ID_AA64MMFR2_EL1",
			"ID_AA64MMFR3_EL1", "ID_AA64MMFR4_EL1" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].n, name) == 0)
			return t[i].id;
	for (unsigned crm = 0; crm < 8; crm++)
		for (unsigned op2 = 0; op2 < 8; op2++)
			if (idregs[crm][op2] && strcmp(idregs[crm][op2], name) == 0)
				return 0x603000000013c000ULL | crm << 3 | op2;
	if (strcmp(name, "CTR_EL0") == 0)
		return 0x603000000013d801ULL;
	return strtoull(name, NULL, 16);
}

static int dump(int argc, char **argv)
{
	int rc = 0;
	if (vcpu_create() || vcpu_finish())
		return 1;
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return 2;
		*eq = '\0';
		uint64_t id = fw_id(argv[i]), v = strtoull(eq + 1, NULL, 0);
		char eb[24];
		int r = set_reg(id, &v);
		if (r < 0) {
			printf("pin 0x%016" PRIx64 " %s\n", id, ename(-r, eb, sizeof(eb)));
			rc = 3;
		}
	}
	struct kvm_reg_list *l = reg_list();
	if (!l)
		return die("KVM_GET_REG_LIST");
	for (uint64_t i = 0; i < l->n; i++) {
		unsigned char buf[MAXREG] = { 0 };
		unsigned sz = reg_size(l->reg[i]);
		struct kvm_one_reg r = { .id = l->reg[i], .addr = (uint64_t)(uintptr_t)buf };
		if (sz > MAXREG || ioctl(cpu, KVM_GET_ONE_REG, &r) < 0) {
			fprintf(stderr, "armstate: KVM_GET_ONE_REG 0x%016" PRIx64 ": %s\n",
				(uint64_t)l->reg[i], strerror(errno));
			return 1;
		}
		printf("reg 0x%016" PRIx64 " ", (uint64_t)l->reg[i]);
		for (unsigned b = 0; b < sz; b++)
			printf("%02x", buf[b]);
		putchar('\n');
	}
	free(l);
	return fflush(stdout) == 0 ? rc : 1;
}

static int hexbytes(const char *s, unsigned char *buf, unsigned n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		unsigned x;
		if (sscanf(s + 2 * i, "%2x", &x) != 1)
			return -1;
		buf[i] = (unsigned char)x;
	}
	return 0;
}

static struct reg {
	uint64_t id;
	unsigned char v[MAXREG];
} regs[1024];

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct reg *)a)->id, y = ((const struct reg *)b)->id;
	return x < y ? -1 : x > y;
}

static int restore(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return die(file);
	static char line[2 * MAXREG + 64];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		char hex[2 * MAXREG + 8];
		uint64_t id;
		if (sscanf(line, "reg %" SCNx64 " %520s", &id, hex) != 2)
			continue;
		if (n == sizeof(regs) / sizeof(regs[0]) || reg_size(id) > MAXREG ||
		    hexbytes(hex, regs[n].v, reg_size(id)) < 0) {
			fprintf(stderr, "armstate: %s: bad line %s", file, line);
			return 1;
		}
		regs[n++].id = id;
	}
	fclose(f);
	if (vcpu_create())
		return 1;
	size_t refused = 0;
	char eb[24];
	for (size_t i = 0; i < n; i++) {
		if (regs[i].id != SVE_VLS)
			continue;
		int r = has_sve ? set_reg(SVE_VLS, regs[i].v) : -ENOENT;
		printf("set 0x%016" PRIx64 " %s\n", regs[i].id,
		       r ? ename(-r, eb, sizeof(eb)) : "ok");
		refused += r != 0;
	}
	if (vcpu_finish())
		return 1;
	/* QEMU's order: core registers, then SVE (or FP/SIMD, a part of the
	 * core class), then its cpreg list, sorted by id. */
	qsort(regs, n, sizeof(regs[0]), by_id);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			uint64_t coproc = regs[i].id & KVM_REG_ARM_COPROC_MASK;
			int p = coproc == KVM_REG_ARM_CORE    ? 0
				: coproc == KVM_REG_ARM64_SVE ? 1
							      : 2;
			if (p != pass || regs[i].id == SVE_VLS)
				continue;
			int r = set_reg(regs[i].id, regs[i].v);
			printf("set 0x%016" PRIx64 " %s\n", regs[i].id,
			       r ? ename(-r, eb, sizeof(eb)) : "ok");
			refused += r != 0;
		}
	}
	printf("restore %zu refused\n", refused);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-pmu") == 0)
			want_pmu = 0;
		else if (strcmp(argv[i], "-sve") == 0)
			want_sve = 0;
		else if (strcmp(argv[i], "-ptrauth") == 0)
			want_ptrauth = 0;
		else
			return 2;
	}
	if (i < argc && strcmp(argv[i], "dump") == 0)
		return dump(argc - i - 1, argv + i + 1);
	if (i + 2 == argc && strcmp(argv[i], "restore") == 0)
		return restore(argv[i + 1]);
	fprintf(stderr,
		"usage: armstate [-pmu] [-sve] [-ptrauth] dump [ID=VALUE...] | restore FILE\n");
	return 2;
}

#else

int main(void)
{
	fprintf(stderr, "armstate: not aarch64\n");
	return 1;
}

#endif
