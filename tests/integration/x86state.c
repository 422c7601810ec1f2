/* x86state: the truth for the x86 agreement test. Independent of migcheck's
 * code (no migcheck header): it asks the running kernel, through raw KVM
 * ioctls, what a QEMU guest on this host has, and whether this host accepts a
 * guest from another one. Built static like kvmraw, run inside emulated hosts.
 *
 *   x86state dump [--cpuid-from FILE]
 *       Create a VM and vCPU as QEMU 7.2 does for `-cpu host,migratable=on`
 *       (KVM_CREATE_VM, KVM_CREATE_IRQCHIP, KVM_CREATE_VCPU, KVM_SET_CPUID2
 *       with the host-passthrough CPUID, the guest's ARCH_CAPABILITIES), then
 *       print the guest CPUID, the guest's feature-MSR values, and every MSR of
 *       KVM_GET_MSR_INDEX_LIST read one at a time with KVM_GET_MSRS. For each
 *       MSR, a real guest instruction sequence (wrmsr then rdmsr, real mode)
 *       tells whether the guest can keep state in it ("guest" lines).
 *       --cpuid-from: the guest CPUID is FILE's "cpuid" lines (a CPU model's,
 *       or another dump's) instead of host-passthrough.
 *   x86state restore FILE
 *       On this (destination) host: QEMU's `enforce` check of the dumped
 *       guest CPUID against this host's KVM_GET_SUPPORTED_CPUID, then
 *       KVM_SET_CPUID2 with the source's CPUID on a fresh vCPU and
 *       KVM_SET_MSRS of the source's MSRs as QEMU does it (one batch of the
 *       MSRs this host lists; QEMU aborts unless all are processed), then one
 *       at a time on another fresh vCPU to name each refused MSR. MSRs this
 *       host does not list are "dropped" (QEMU skips them).
 *
 * Output: one finding per line, `KIND ARGS...`, hex numbers with 0x. The last
 * line of restore is `verdict ok|lost|blocked`:
 *   blocked  a CPUID feature is missing (QEMU enforce), KVM_SET_CPUID2 fails,
 *            or KVM_SET_MSRS processes fewer MSRs than given
 *   lost     restore succeeds, but an MSR the guest keeps state in on the
 *            source ("guest ... stateful") is dropped
 *   ok       everything restored; dropped MSRs hold no guest state
 *
 * The CPUID rules follow QEMU 7.2 (Debian 12's qemu-system-x86):
 * target/i386/cpu.c feature_word_info (feature names, unmigratable and
 * no_autoenable flags; the bit names below are the ones `qemu-system-x86_64
 * -cpu help` of 7.2 recognizes), x86_cpu_filter_features (enforce),
 * target/i386/kvm/kvm.c kvm_arch_get_supported_cpuid (its fix-ups).
 * SGX, Intel PT and VMX feature words are left out (no such hosts here). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__)
int main(void)
{
	fputs("x86state: x86_64 only\n", stderr);
	return 2;
}
#else

enum { EAX, EBX, ECX, EDX, MSRW };
static const char *const regname[] = { "eax", "ebx", "ecx", "edx", "msr" };

typedef struct {
	uint32_t leaf;
	int index; /* -1: MSR feature word (leaf = MSR index) */
	int reg;
	uint32_t migratable; /* named, migratable, auto-enabled bits */
	const char *names[32];
} word;

/* QEMU 7.2 feature words (generated from feature_word_info, restricted to
 * the names QEMU 7.2 recognizes; HT, topoext and invtsc are not part of
 * -cpu host,migratable=on). */
static const word words[] = {
	{ 0x1, 0, EDX, 0xefeffbffu, { "fpu", "vme",  "de",   "pse",   "tsc", "msr",     "pae",
				      "mce", "cx8",  "apic", NULL,    "sep", "mtrr",    "pge",
				      "mca", "cmov", "pat",  "pse36", "pn",  "clflush", NULL,
				      "ds",  "acpi", "mmx",  "fxsr",  "sse", "sse2",    "ss",
				      "ht",  "tm",   "ia64", "pbe" } },
	{ 0x1, 0, ECX, 0xf7fef7ffu, { "pni",    "pclmulqdq", "dtes64", "monitor", "ds-cpl",
				      "vmx",    "smx",       "est",    "tm2",     "ssse3",
				      "cid",    NULL,        "fma",    "cx16",    "xtpr",
				      "pdcm",   NULL,        "pcid",   "dca",     "sse4.1",
				      "sse4.2", "x2apic",    "movbe",  "popcnt",  "tsc-deadline",
				      "aes",    "xsave",     NULL,     "avx",     "f16c",
				      "rdrand", "hypervisor" } },
	{ 0x80000001, 0, EDX, 0xee500800u, { NULL,       NULL,      NULL,     NULL, NULL,
					     NULL,       NULL,      NULL,     NULL, NULL,
					     NULL,       "syscall", NULL,     NULL, NULL,
					     NULL,       NULL,      NULL,     NULL, NULL,
					     "nx",       NULL,      "mmxext", NULL, NULL,
					     "fxsr-opt", "pdpe1gb", "rdtscp", NULL, "lm",
					     "3dnowext", "3dnow" } },
	{ 0x80000001, 0, ECX, 0x01abbfffu, { "lahf-lm",    "cmp-legacy",  "svm",
					     "extapic",    "cr8legacy",   "abm",
					     "sse4a",      "misalignsse", "3dnowprefetch",
					     "osvw",       "ibs",         "xop",
					     "skinit",     "wdt",         NULL,
					     "lwp",        "fma4",        "tce",
					     NULL,         "nodeid-msr",  NULL,
					     "tbm",        "topoext",     "perfctr-core",
					     "perfctr-nb", NULL,          NULL,
					     NULL,         NULL,          NULL,
					     NULL,         NULL } },
	{ 0xc0000001, 0, EDX, 0x00003fccu, { NULL,  NULL,     "xstore",    "xstore-en", NULL,
					     NULL,  "xcrypt", "xcrypt-en", "ace2",      "ace2-en",
					     "phe", "phe-en", "pmm",       "pmm-en",    NULL,
					     NULL,  NULL,     NULL,        NULL,        NULL,
					     NULL,  NULL,     NULL,        NULL,        NULL,
					     NULL,  NULL,     NULL,        NULL,        NULL,
					     NULL,  NULL } },
	{ 0x40000001,
	  0,
	  EAX,
	  0x0100faffu,
	  { "kvmclock",
	    "kvm-nopiodelay",
	    "kvm-mmu",
	    "kvmclock",
	    "kvm-asyncpf",
	    "kvm-steal-time",
	    "kvm-pv-eoi",
	    "kvm-pv-unhalt",
	    NULL,
	    "kvm-pv-tlb-flush",
	    NULL,
	    "kvm-pv-ipi",
	    "kvm-poll-control",
	    "kvm-pv-sched-yield",
	    "kvm-asyncpf-int",
	    "kvm-msi-ext-dest-id",
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    "kvmclock-stable-bit",
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL } },
	{ 0x8000000a,
	  0,
	  EDX,
	  0x1001b4ffu,
	  { "npt",
	    "lbrv",
	    "svm-lock",
	    "nrip-save",
	    "tsc-scale",
	    "vmcb-clean",
	    "flushbyasid",
	    "decodeassists",
	    NULL,
	    NULL,
	    "pause-filter",
	    NULL,
	    "pfthreshold",
	    "avic",
	    NULL,
	    "v-vmsave-vmload",
	    "vgif",
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    "svme-addr-chk",
	    NULL,
	    NULL,
	    NULL } },
	{ 0x7, 0, EBX, 0xffff4fbfu, { "fsgsbase", "tsc-adjust", "sgx",      "bmi1",       "hle",
				      "avx2",     NULL,         "smep",     "bmi2",       "erms",
				      "invpcid",  "rtm",        NULL,       NULL,         "mpx",
				      NULL,       "avx512f",    "avx512dq", "rdseed",     "adx",
				      "smap",     "avx512ifma", "pcommit",  "clflushopt", "clwb",
				      "intel-pt", "avx512pf",   "avx512er", "avx512cd",   "sha-ni",
				      "avx512bw", "avx512vl" } },
	{ 0x7,
	  0,
	  ECX,
	  0xdb415f6eu,
	  { NULL,         "avx512vbmi",  "umip",         "pku",       NULL,
	    "waitpkg",    "avx512vbmi2", NULL,           "gfni",      "vaes",
	    "vpclmulqdq", "avx512vnni",  "avx512bitalg", NULL,        "avx512-vpopcntdq",
	    NULL,         "la57",        NULL,           NULL,        NULL,
	    NULL,         NULL,          "rdpid",        NULL,        "bus-lock-detect",
	    "cldemote",   NULL,          "movdiri",      "movdir64b", NULL,
	    "sgxlc",      "pks" } },
	{ 0x7,
	  0,
	  EDX,
	  0xefc9451cu,
	  { NULL,
	    NULL,
	    "avx512-4vnniw",
	    "avx512-4fmaps",
	    "fsrm",
	    NULL,
	    NULL,
	    NULL,
	    "avx512-vp2intersect",
	    NULL,
	    "md-clear",
	    NULL,
	    NULL,
	    NULL,
	    "serialize",
	    NULL,
	    "tsx-ldtrk",
	    NULL,
	    NULL,
	    "arch-lbr",
	    NULL,
	    NULL,
	    "amx-bf16",
	    "avx512-fp16",
	    "amx-tile",
	    "amx-int8",
	    "spec-ctrl",
	    "stibp",
	    NULL,
	    "arch-capabilities",
	    "core-capability",
	    "ssbd" } },
	{ 0x7,
	  1,
	  EAX,
	  0x00000030u,
	  { NULL, NULL, NULL, NULL, "avx-vnni", "avx512-bf16", NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL,       NULL,          NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL,       NULL,          NULL, NULL, NULL, NULL } },
	{ 0x80000007, 0, EDX, 0x00000000u, { NULL,     NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					     "invtsc", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					     NULL,     NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					     NULL,     NULL, NULL, NULL, NULL, NULL, NULL, NULL } },
	{ 0x80000008,
	  0,
	  EBX,
	  0x0700d205u,
	  { "clzero",   NULL,        "xsaveerptr", NULL, NULL,   NULL, NULL,   NULL,
	    NULL,       "wbnoinvd",  NULL,         NULL, "ibpb", NULL, "ibrs", "amd-stibp",
	    NULL,       NULL,        NULL,         NULL, NULL,   NULL, NULL,   NULL,
	    "amd-ssbd", "virt-ssbd", "amd-no-ssb", NULL, NULL,   NULL, NULL,   NULL } },
	{ 0xd, 1, EAX, 0x0000001fu, { "xsaveopt", "xsavec", "xgetbv1", "xsaves", "xfd", NULL, NULL,
				      NULL,       NULL,     NULL,      NULL,     NULL,  NULL, NULL,
				      NULL,       NULL,     NULL,      NULL,     NULL,  NULL, NULL,
				      NULL,       NULL,     NULL,      NULL,     NULL,  NULL, NULL,
				      NULL,       NULL,     NULL,      NULL } },
	{ 0x6, 0, EAX, 0x00000004u, { NULL, NULL, "arat", NULL, NULL, NULL, NULL, NULL,
				      NULL, NULL, NULL,   NULL, NULL, NULL, NULL, NULL,
				      NULL, NULL, NULL,   NULL, NULL, NULL, NULL, NULL,
				      NULL, NULL, NULL,   NULL, NULL, NULL, NULL, NULL } },
	/* FEAT_XSAVE_XCR0_LO: migratable_flags, the state components */
	{ 0xd, 0, EAX, 0x000002ffu, { "x87",       "sse",      "avx", "bndregs", "bndcsr", "opmask",
				      "zmm_hi256", "hi16_zmm", NULL,  "pkru",    NULL,     NULL,
				      NULL,        NULL,       NULL,  NULL,      NULL,     NULL,
				      NULL,        NULL,       NULL,  NULL,      NULL,     NULL,
				      NULL,        NULL,       NULL,  NULL,      NULL,     NULL,
				      NULL,        NULL } },
	{ 0x10a,
	  -1,
	  MSRW,
	  0x000001ffu,
	  { "rdctl-no",
	    "ibrs-all",
	    "rsba",
	    "skip-l1dfl-vmentry",
	    "ssb-no",
	    "mds-no",
	    "pschange-mc-no",
	    "tsx-ctrl",
	    "taa-no",
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL,
	    NULL } },
	{ 0xcf, -1, MSRW, 0x00000020u, { NULL, NULL, NULL, NULL, NULL, "split-lock-detect",
					 NULL, NULL, NULL, NULL, NULL, NULL,
					 NULL, NULL, NULL, NULL, NULL, NULL,
					 NULL, NULL, NULL, NULL, NULL, NULL,
					 NULL, NULL, NULL, NULL, NULL, NULL,
					 NULL, NULL } },
	{ 0x345, -1, MSRW, 0x00002000u, { NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					  NULL, NULL, NULL, NULL, NULL, NULL, "full-width-write",
					  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					  NULL, NULL, NULL, NULL } },
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

#define MAXENT 512
#define MAXMSR 1024

static int kvm_fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "x86state: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- host queries ---- */

static struct kvm_cpuid2 *supported_cpuid(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAXENT * sizeof(c->entries[0]));
	if (!c)
		die("calloc");
	c->nent = MAXENT;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	return c;
}

static struct kvm_msr_list *msr_list(unsigned long req)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + MAXMSR * sizeof(l->indices[0]));
	if (!l)
		die("calloc");
	l->nmsrs = MAXMSR;
	if (ioctl(kvm_fd, req, l) < 0)
		die("KVM_GET_MSR_(FEATURE_)INDEX_LIST");
	return l;
}

static int listed(const struct kvm_msr_list *l, uint32_t idx)
{
	for (uint32_t i = 0; i < l->nmsrs; i++)
		if (l->indices[i] == idx)
			return 1;
	return 0;
}

static struct kvm_cpuid_entry2 *find_ent(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == fn &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

static uint32_t *ent_reg(struct kvm_cpuid_entry2 *e, int reg)
{
	switch (reg) {
	case EAX:
		return &e->eax;
	case EBX:
		return &e->ebx;
	case ECX:
		return &e->ecx;
	default:
		return &e->edx;
	}
}

/* A feature MSR's host-supported value (KVM_GET_MSRS on /dev/kvm), 0 if the
 * MSR is not a feature MSR here. */
static uint64_t feature_msr(const struct kvm_msr_list *feat, uint32_t idx)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m;
	if (!listed(feat, idx))
		return 0;
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = idx;
	if (ioctl(kvm_fd, KVM_GET_MSRS, &m) != 1)
		return 0;
	return m.e.data;
}

/* QEMU's x86_cpu_get_supported_feature_word(w, false) under KVM:
 * kvm_arch_get_supported_cpuid with its fix-ups (7.2). */
static uint32_t supported_word(struct kvm_cpuid2 *sup, const struct kvm_msr_list *feat,
			       const word *w)
{
	if (w->reg == MSRW)
		return (uint32_t)feature_msr(feat, w->leaf);
	struct kvm_cpuid_entry2 *e = find_ent(sup, w->leaf, (uint32_t)w->index);
	uint32_t v = e ? *ent_reg(e, w->reg) : 0;
	if (w->leaf == 0x1 && w->reg == ECX) {
		v |= 1u << 31; /* hypervisor */
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
			v |= 1u << 24;
		v &= ~(1u << 27); /* osxsave: dynamic */
	} else if (w->leaf == 0x1 && w->reg == EDX) {
		v |= 1u << 12 | 1u << 16 | 1u << 7 | 1u << 14; /* mtrr pat mce mca */
	} else if (w->leaf == 0x7 && w->index == 0 && w->reg == ECX) {
		v &= ~(1u << 4); /* ospke: dynamic */
	}
	return v;
}

/* ---- VM and vCPU as QEMU creates them ---- */

typedef struct {
	int vm, cpu;
	struct kvm_run *run;
	uint8_t *mem;
} vcpu;

static int make_vcpu(vcpu *v, const struct kvm_cpuid2 *cpuid, int with_mem)
{
	memset(v, 0, sizeof(*v));
	v->vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(v->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		die("KVM_SET_TSS_ADDR");
	if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	if (with_mem) {
		v->mem =
		    mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (v->mem == MAP_FAILED)
			die("mmap");
		struct kvm_userspace_memory_region r = { .slot = 0,
							 .guest_phys_addr = 0,
							 .memory_size = 0x10000,
							 .userspace_addr = (uintptr_t)v->mem };
		if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			die("KVM_SET_USER_MEMORY_REGION");
	}
	v->cpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->cpu < 0)
		die("KVM_CREATE_VCPU");
	if (with_mem) {
		int sz = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
		v->run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->cpu, 0);
		if (v->run == MAP_FAILED)
			die("mmap kvm_run");
	}
	if (ioctl(v->cpu, KVM_SET_CPUID2, cpuid) < 0)
		return -errno;
	return 0;
}

static void free_vcpu(vcpu *v)
{
	if (v->run)
		munmap(v->run, (size_t)ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	if (v->mem)
		munmap(v->mem, 0x10000);
	close(v->cpu);
	close(v->vm);
}

static int get_msr(int cpu, uint32_t idx, uint64_t *val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m;
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = idx;
	int r = ioctl(cpu, KVM_GET_MSRS, &m);
	*val = m.e.data;
	return r;
}

static int set_msr(int cpu, uint32_t idx, uint64_t val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m;
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = idx;
	m.e.data = val;
	return ioctl(cpu, KVM_SET_MSRS, &m);
}

/* ---- the guest's own view of an MSR ----
 * Real mode at 0x1000: rdmsr; out 0x13; wrmsr; out 0x12; xor eax,eax;
 * xor edx,edx; rdmsr; out 0x10; hlt. At port 0x13 this program reads the
 * guest's first value and puts the value to write into eax:edx. #GP
 * (vector 13, IVT at 0x3000) runs out 0x11; hlt. */
static const uint8_t guest_code[] = { 0x0f, 0x32, 0xe6, 0x13, 0x0f, 0x30, 0xe6, 0x12, 0x66, 0x31,
				      0xc0, 0x66, 0x31, 0xd2, 0x0f, 0x32, 0xe6, 0x10, 0xf4 };
static const uint8_t gp_code[] = { 0xe6, 0x11, 0xf4 };

enum { G_HELD, G_CHANGED, G_GP_READ, G_GP_WRITE, G_ERROR };

/* Run the sequence once: *first is the value the guest read first; the
 * guest then writes val (or val ^ *first when xor_first) and reads back. */
static int guest_try(vcpu *v, uint32_t idx, uint64_t val, int xor_first, uint64_t *first)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t want = val;
	int wrote = 0;
	if (ioctl(v->cpu, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	s.idt.base = 0x3000;
	s.idt.limit = 0x3ff;
	if (ioctl(v->cpu, KVM_SET_SREGS, &s) < 0)
		die("KVM_SET_SREGS");
	memset(&r, 0, sizeof(r));
	r.rip = 0x1000;
	r.rflags = 2;
	r.rcx = idx;
	if (ioctl(v->cpu, KVM_SET_REGS, &r) < 0)
		die("KVM_SET_REGS");
	for (int n = 0; n < 5; n++) {
		if (ioctl(v->cpu, KVM_RUN, 0) < 0 || v->run->exit_reason != KVM_EXIT_IO)
			return G_ERROR;
		switch (v->run->io.port) {
		case 0x13:
			if (ioctl(v->cpu, KVM_GET_REGS, &r) < 0)
				die("KVM_GET_REGS");
			*first = (uint64_t)(uint32_t)r.rdx << 32 | (uint32_t)r.rax;
			if (xor_first)
				want = *first ^ val;
			r.rax = (uint32_t)want;
			r.rdx = want >> 32;
			if (ioctl(v->cpu, KVM_SET_REGS, &r) < 0)
				die("KVM_SET_REGS");
			continue;
		case 0x12:
			wrote = 1;
			continue;
		case 0x11:
			return wrote ? G_ERROR : *first == ~0ull ? G_GP_READ : G_GP_WRITE;
		case 0x10:
			if (ioctl(v->cpu, KVM_GET_REGS, &r) < 0)
				die("KVM_GET_REGS");
			return ((uint64_t)(uint32_t)r.rdx << 32 | (uint32_t)r.rax) == want
				   ? G_HELD
				   : G_CHANGED;
		default:
			return G_ERROR;
		}
	}
	return G_ERROR;
}

/* What the guest itself sees of MSR idx, on a fresh VM with this CPUID:
 *   absent          its rdmsr raises #GP
 *   stateful VALUE  it reads VALUE, and a value it writes is kept
 *   fixed VALUE     it reads VALUE, but no write of a few values is kept
 *   error           the guest run failed */
static void guest_view(const struct kvm_cpuid2 *cpuid, uint32_t idx, char *out, size_t len)
{
	static const struct {
		uint64_t val;
		int xor_first;
	} tries[] = { { 1, 1 }, { 0x100, 1 }, { 1, 0 }, { 0x10, 0 }, { 0x76, 0 }, { 0x100000, 0 } };
	vcpu v;
	uint64_t first = ~0ull, readv = ~0ull;
	int held = 0, absent = 0, err = 0;
	if (make_vcpu(&v, cpuid, 1) < 0) {
		snprintf(out, len, "error");
		return;
	}
	memcpy(v.mem + 0x1000, guest_code, sizeof(guest_code));
	memcpy(v.mem + 0x2000, gp_code, sizeof(gp_code));
	v.mem[0x3000 + 13 * 4] = 0x00; /* vector 13 -> 0000:2000 */
	v.mem[0x3000 + 13 * 4 + 1] = 0x20;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]) && !held && !absent && !err; i++) {
		first = ~0ull;
		int r = guest_try(&v, idx, tries[i].val, tries[i].xor_first, &first);
		if (i == 0)
			readv = first;
		if (r == G_HELD)
			held = 1;
		else if (r == G_GP_READ)
			absent = 1;
		else if (r == G_ERROR)
			err = 1;
	}
	free_vcpu(&v);
	if (err)
		snprintf(out, len, "error");
	else if (absent)
		snprintf(out, len, "absent");
	else
		snprintf(out, len, "%s 0x%016llx", held ? "stateful" : "fixed",
			 (unsigned long long)readv);
}

/* ---- dump ---- */

static struct kvm_cpuid2 *guest_cpuid(struct kvm_cpuid2 *sup, const struct kvm_msr_list *feat)
{
	struct kvm_cpuid2 *g = calloc(1, sizeof(*g) + MAXENT * sizeof(g->entries[0]));
	if (!g)
		die("calloc");
	g->nent = sup->nent;
	memcpy(g->entries, sup->entries, sup->nent * sizeof(sup->entries[0]));
	for (size_t i = 0; i < NWORDS; i++) {
		const word *w = &words[i];
		if (w->reg == MSRW)
			continue;
		struct kvm_cpuid_entry2 *e = find_ent(g, w->leaf, (uint32_t)w->index);
		if (!e)
			continue;
		*ent_reg(e, w->reg) = supported_word(sup, feat, w) & w->migratable;
	}
	/* KVM_CPUID_FEATURES.edx: hints are never auto-enabled. */
	struct kvm_cpuid_entry2 *e = find_ent(g, 0x40000001, 0);
	if (e)
		e->edx = 0;
	return g;
}

/* The "cpuid" lines of a dump (or any file in that format), NULL if none. */
static struct kvm_cpuid2 *read_cpuid(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f)
		die(file);
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAXENT * sizeof(c->entries[0]));
	if (!c)
		die("calloc");
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		struct kvm_cpuid_entry2 e = { 0 };
		if (sscanf(line, "cpuid %x %x %x %x %x %x %x", &e.function, &e.index, &e.flags,
			   &e.eax, &e.ebx, &e.ecx, &e.edx) == 7 &&
		    c->nent < MAXENT)
			c->entries[c->nent++] = e;
	}
	fclose(f);
	if (!c->nent) {
		free(c);
		return NULL;
	}
	return c;
}

static int cmd_dump(const char *cpuid_from)
{
	struct kvm_cpuid2 *sup = supported_cpuid();
	struct kvm_msr_list *feat = msr_list(KVM_GET_MSR_FEATURE_INDEX_LIST);
	struct kvm_msr_list *list = msr_list(KVM_GET_MSR_INDEX_LIST);
	struct kvm_cpuid2 *g = cpuid_from ? read_cpuid(cpuid_from) : guest_cpuid(sup, feat);
	if (!g) {
		fprintf(stderr, "x86state: %s: no cpuid lines\n", cpuid_from);
		return 2;
	}
	printf("x86state 1\n");
	for (uint32_t i = 0; i < g->nent; i++) {
		struct kvm_cpuid_entry2 *e = &g->entries[i];
		printf("cpuid 0x%08x 0x%08x 0x%x 0x%08x 0x%08x 0x%08x 0x%08x\n", e->function,
		       e->index, e->flags, e->eax, e->ebx, e->ecx, e->edx);
	}
	/* QEMU's feature_dependencies: an MSR feature word is cleared when the
	 * CPUID bit that announces its MSR is not in the guest's CPUID
	 * (ARCH_CAPABILITIES: 7.0.edx[29], CORE_CAPABILITY: 7.0.edx[30],
	 * PERF_CAPABILITIES: 1.ecx[15] pdcm). */
	struct kvm_cpuid_entry2 *e1 = find_ent(g, 1, 0), *e7 = find_ent(g, 7, 0);
	uint32_t initidx[NWORDS + 1];
	uint64_t initval[NWORDS + 1];
	unsigned ninit = 0;
	for (size_t i = 0; i < NWORDS; i++) {
		if (words[i].reg != MSRW || !listed(feat, words[i].leaf))
			continue;
		uint64_t v = feature_msr(feat, words[i].leaf) & words[i].migratable;
		int dep = words[i].leaf == 0x10a   ? e7 && (e7->edx >> 29 & 1)
			  : words[i].leaf == 0xcf  ? e7 && (e7->edx >> 30 & 1)
			  : words[i].leaf == 0x345 ? e1 && (e1->ecx >> 15 & 1)
						   : 1;
		if (!dep)
			v = 0;
		printf("feat 0x%08x 0x%016llx\n", words[i].leaf, (unsigned long long)v);
		/* kvm_msr_entry_add_perf: PERF_CAPABILITIES only when KVM offers
		 * some (and -cpu host has pmu=on). */
		if (words[i].leaf == 0x345 && !feature_msr(feat, 0x345))
			continue;
		initidx[ninit] = words[i].leaf;
		initval[ninit++] = v;
	}
	if (listed(feat, 0x8b)) { /* UCODE_REV: cpu->ucode_rev, the supported value */
		initidx[ninit] = 0x8b;
		initval[ninit++] = feature_msr(feat, 0x8b);
	}
	vcpu v;
	int r = make_vcpu(&v, g, 0);
	if (r < 0) {
		errno = -r;
		die("KVM_SET_CPUID2 (own CPUID)");
	}
	/* QEMU's kvm_init_msrs (vCPU creation, on either host): the feature MSRs
	 * with the guest's values (0 when the CPUID bit announcing the MSR is
	 * off), and UCODE_REV. QEMU asserts that KVM takes them all. */
	for (unsigned i = 0; i < ninit; i++)
		if (set_msr(v.cpu, initidx[i], initval[i]) != 1)
			printf("setup-refused 0x%08x 0x%016llx\n", initidx[i],
			       (unsigned long long)initval[i]);
	for (uint32_t i = 0; i < list->nmsrs; i++) {
		uint64_t val;
		if (get_msr(v.cpu, list->indices[i], &val) == 1)
			printf("msr 0x%08x 0x%016llx\n", list->indices[i], (unsigned long long)val);
		else
			printf("msr-unreadable 0x%08x\n", list->indices[i]);
	}
	free_vcpu(&v);
	for (uint32_t i = 0; i < list->nmsrs; i++) {
		char view[64];
		guest_view(g, list->indices[i], view, sizeof(view));
		printf("guest 0x%08x %s\n", list->indices[i], view);
	}
	free(g);
	free(list);
	free(feat);
	free(sup);
	return 0;
}

/* ---- restore ---- */

typedef struct {
	uint32_t idx;
	uint64_t val;
	char guest[64]; /* the source guest's view: "absent", "stateful 0x...", ... */
} src_msr;

static int cmd_restore(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f)
		die(file);
	struct kvm_cpuid2 *sc = calloc(1, sizeof(*sc) + MAXENT * sizeof(sc->entries[0]));
	src_msr *msrs = calloc(MAXMSR, sizeof(*msrs));
	uint32_t nmsr = 0;
	uint32_t featidx[8];
	uint64_t featval[8];
	unsigned nfeat = 0;
	if (!sc || !msrs)
		die("calloc");
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		struct kvm_cpuid_entry2 e = { 0 };
		unsigned a, b;
		unsigned long long v;
		char s[16];
		if (sscanf(line, "cpuid %x %x %x %x %x %x %x", &e.function, &e.index, &e.flags,
			   &e.eax, &e.ebx, &e.ecx, &e.edx) == 7 &&
		    sc->nent < MAXENT) {
			sc->entries[sc->nent++] = e;
		} else if (sscanf(line, "msr %x %llx", &a, &v) == 2 && nmsr < MAXMSR) {
			msrs[nmsr].idx = a;
			msrs[nmsr++].val = v;
		} else if (sscanf(line, "feat %x %llx", &a, &v) == 2 && nfeat < 8) {
			featidx[nfeat] = a;
			featval[nfeat++] = v;
		} else if (sscanf(line, "guest %x %15s %llx", &b, s, &v) >= 2) {
			line[strcspn(line, "\n")] = 0;
			for (uint32_t i = 0; i < nmsr; i++)
				if (msrs[i].idx == b)
					snprintf(msrs[i].guest, sizeof(msrs[i].guest), "%s",
						 strchr(line + 6, ' ') + 1);
		}
	}
	fclose(f);
	if (!sc->nent) {
		fprintf(stderr, "x86state: %s: no CPUID in the dump\n", file);
		return 2;
	}
	struct kvm_cpuid2 *sup = supported_cpuid();
	struct kvm_msr_list *feat = msr_list(KVM_GET_MSR_FEATURE_INDEX_LIST);
	struct kvm_msr_list *list = msr_list(KVM_GET_MSR_INDEX_LIST);
	int blocked = 0, lost = 0;

	/* QEMU enforce: x86_cpu_filter_features, every feature word. */
	for (size_t i = 0; i < NWORDS; i++) {
		const word *w = &words[i];
		uint32_t want = 0;
		if (w->reg == MSRW) {
			for (unsigned k = 0; k < nfeat; k++)
				if (featidx[k] == w->leaf)
					want = (uint32_t)featval[k];
		} else {
			struct kvm_cpuid_entry2 *e = find_ent(sc, w->leaf, (uint32_t)w->index);
			want = e ? *ent_reg(e, w->reg) & w->migratable : 0;
		}
		uint32_t miss = want & ~supported_word(sup, feat, w);
		for (int bit = 0; bit < 32; bit++) {
			if (!(miss >> bit & 1))
				continue;
			blocked = 1;
			if (w->reg == MSRW)
				printf("enforce-missing msr.0x%x bit %d %s\n", w->leaf, bit,
				       w->names[bit] ? w->names[bit] : "?");
			else
				printf("enforce-missing 0x%x.%d.%s bit %d %s\n", w->leaf, w->index,
				       regname[w->reg], bit, w->names[bit] ? w->names[bit] : "?");
		}
	}

	/* KVM_SET_CPUID2 with the source's CPUID, then QEMU's batch. */
	vcpu v;
	int r = make_vcpu(&v, sc, 0);
	if (r < 0) {
		printf("set-cpuid-refused %s\n", strerror(-r));
		blocked = 1;
	} else {
		struct kvm_msrs *b = calloc(1, sizeof(*b) + nmsr * sizeof(b->entries[0]));
		if (!b)
			die("calloc");
		for (uint32_t i = 0; i < nmsr; i++) {
			if (!listed(list, msrs[i].idx))
				continue;
			b->entries[b->nmsrs].index = msrs[i].idx;
			b->entries[b->nmsrs++].data = msrs[i].val;
		}
		int n = ioctl(v.cpu, KVM_SET_MSRS, b);
		printf("batch %d of %u\n", n, b->nmsrs);
		if (n != (int)b->nmsrs) {
			blocked = 1;
			if (n >= 0 && (uint32_t)n < b->nmsrs)
				printf("batch-stopped-at 0x%08x 0x%016llx\n", b->entries[n].index,
				       (unsigned long long)b->entries[n].data);
		}
		free(b);
		free_vcpu(&v);
		/* One at a time, each on a fresh vCPU's state. */
		if (make_vcpu(&v, sc, 0) < 0)
			die("KVM_SET_CPUID2 (second vCPU)");
		for (uint32_t i = 0; i < nmsr; i++) {
			if (!listed(list, msrs[i].idx))
				continue;
			if (set_msr(v.cpu, msrs[i].idx, msrs[i].val) != 1)
				printf("refused 0x%08x 0x%016llx\n", msrs[i].idx,
				       (unsigned long long)msrs[i].val);
		}
		free_vcpu(&v);
	}
	/* Dropped: QEMU skips an MSR this host does not list. The guest notices
	 * when it kept state there on the source, or when it reads another value
	 * here (the guest's own rdmsr on this host, with the source's CPUID). */
	for (uint32_t i = 0; i < nmsr; i++) {
		if (listed(list, msrs[i].idx))
			continue;
		const char *g = msrs[i].guest[0] ? msrs[i].guest : "unknown";
		char here[64];
		const char *why;
		if (strcmp(g, "absent") == 0) {
			why = "invisible";
		} else if (strncmp(g, "fixed ", 6) == 0) {
			guest_view(sc, msrs[i].idx, here, sizeof(here));
			why = strcmp(g, here) == 0 ? "invisible" : "visible";
		} else {
			why = "visible";
		}
		if (strcmp(why, "invisible") != 0)
			lost = 1;
		printf("dropped 0x%08x 0x%016llx %s (source guest: %s", msrs[i].idx,
		       (unsigned long long)msrs[i].val, why, g);
		if (strncmp(g, "fixed ", 6) == 0)
			printf("; here: %s", here);
		printf(")\n");
	}
	printf("verdict %s\n", blocked ? "blocked" : lost ? "lost" : "ok");
	free(list);
	free(feat);
	free(sup);
	free(msrs);
	free(sc);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cpuid_from = NULL;
	int dump = argc >= 2 && strcmp(argv[1], "dump") == 0;
	if (dump && argc == 4 && strcmp(argv[2], "--cpuid-from") == 0)
		cpuid_from = argv[3];
	if (!(dump && (argc == 2 || cpuid_from)) &&
	    !(argc == 3 && strcmp(argv[1], "restore") == 0)) {
		fputs("usage: x86state dump [--cpuid-from FILE] | x86state restore FILE\n", stderr);
		return 2;
	}
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("/dev/kvm");
	setvbuf(stdout, NULL, _IOLBF, 0);
	return dump ? cmd_dump(cpuid_from) : cmd_restore(argv[2]);
}
#endif
