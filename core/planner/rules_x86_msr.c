/* x86.msr — MSR state the guest's CPU exposes must be restorable on DST.
 *
 * 1. x86.msr (KVM_GET_MSR_INDEX_LIST): an MSR in SRC's list that DST lacks is
 *    reported with the CPU feature it belongs to. QEMU on DST only writes the
 *    MSRs DST's KVM lists, so the guest's value is silently dropped there:
 *    blocked when the guest's CPU (core/planner/x86_guest.h's view: CPU=MODEL,
 *    CPU_DISABLE, host-passthrough) exposes that feature; informational (ok,
 *    with a note) when it does not — the guest cannot have used the MSR.
 *    MSRs not tied to a guest-visible feature (counters, platform MSRs KVM
 *    merely tolerates) and Hyper-V enlightenment MSRs (not modelled: only
 *    guests started with hv-* enlightenments see them) are informational.
 *    MSRs this table does not know are informational too (no false alarms).
 *    The AMD PMU's counters (K7, F15H) have no CPUID bit of their own: they
 *    hold guest state when SRC's KVM virtualises the PMU (kvm.enable_pmu=Y;
 *    svm/pmu.c). Without a vPMU the guest reads 0 from the K7 counters and
 *    its writes are ignored (x86.c kvm_{get,set}_msr_common), and the F15H
 *    ones raise #GP, on SRC as on a DST without the MSR: dropping them is
 *    invisible (ok, with a note). A 6.1 host lists them whatever enable_pmu
 *    says, 6.12+ only with a vPMU (kvm_init_msr_lists), so this is the usual
 *    case on moves from 6.1 to newer hosts without a PMU. With a vPMU on SRC
 *    a dropped counter, or a DST without a vPMU, is an action (QEMU restores
 *    the rest; the guest's counters reset or stop), unknown (no
 *    kvm.enable_pmu fact) also an action.
 *
 * 2. x86.msr_feature (KVM_GET_MSR_FEATURE_INDEX_LIST values): what the guest
 *    was told about the CPU in a feature MSR must stay true on DST.
 *    A pinned CPU model (CPU=MODEL) shows the guest exactly the feature-MSR
 *    bits its libvirt/QEMU definition lists (Cooperlake: rdctl-no, ibrs-all,
 *    skip-l1dfl-vmentry, mds-no, pschange-mc-no, taa-no; Snowridge:
 *    split-lock-detect), minus CPU_DISABLE, minus what QEMU's feature
 *    dependencies drop (x86_guest.c: e.g. every VMX capability bit, libvirt
 *    11's vmx-* features, when the guest has no vmx). QEMU 7.2 filters those bits like
 *    CPUID bits (target/i386/cpu.c x86_cpu_filter_features: requested &
 *    ~x86_cpu_get_supported_feature_word(), for MSR words the host's
 *    KVM_GET_MSRS value, kvm_arch_get_supported_msr_feature; `enforce`
 *    refuses to start, and libvirt reports the model unusable, naming the
 *    feature). So SRC must offer every one of them (a pin error, checked
 *    with the model's CPUID bits in core/planner/rules_x86_cpuid.c), and each
 *    one DST lacks is blocked, whatever kind of bit it is; bits only DST has
 *    are invisible to the guest.
 *    Host-passthrough (-cpu host,migratable=on, libvirt's default): QEMU 7.2
 *    passes the guest only the ARCH_CAPABILITIES bits it names, 0-8
 *    (feature_word_info[FEAT_ARCH_CAPABILITIES].feat_names; migratable=on
 *    masks the host's value with x86_cpu_get_migratable_flags, and
 *    kvm_init_msrs writes env->features[FEAT_ARCH_CAPABILITIES] as the
 *    guest's MSR; `qemu-system-x86_64 -cpu help` of Debian 12's 7.2 lists no
 *    other bit). Higher bits (FB_CLEAR, GDS_NO, RFDS_NO, ITS_NO, ...) are
 *    never seen by the guest and not compared. ARCH_CAPABILITIES (0x10a),
 *    only when the guest sees CPUID 7.0.edx[29]:
 *    - "not affected" bits (*_NO), "mitigation works" bits (IBRS_ALL,
 *      SKIP_L1DFL_VMENTRY) and control-MSR bits (TSX_CTRL) the guest sees on
 *      SRC but DST lacks: blocked — the guest would believe it is safe (or
 *      use an MSR) on a host where it is not.
 *    - "affected" bits (RSBA) work the other way round: losing it is
 *      harmless; DST setting it when SRC lacks it is reported as a note (ok):
 *      the guest chose its mitigations believing the RSB does not underflow.
 *    Other feature MSRs with bit semantics (PERF_CAPABILITIES, VMX
 *    capabilities) must offer every bit the guest's value uses: KVM_SET_MSRS
 *    rejects unsupported bits (blocked when the guest sees the feature).
 *    IA32_UCODE_REV (0x8b) is a revision, not bits: never compared.
 *
 * MSR numbers and bits: Linux arch/x86/include/asm/msr-index.h,
 * arch/x86/include/uapi/asm/kvm_para.h, Intel SDM vol. 4, AMD APM vol. 2. */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"
#include "core/planner/x86_guest.h"

#define FAMILY "x86.msr"

enum { EAX, EBX, ECX, EDX };

typedef enum {
	G_CPUID,        /* any of the listed CPUID bits */
	G_ALWAYS,       /* architectural for every x86_64 guest */
	G_NONE,         /* not tied to a guest-visible feature: informational */
	G_HYPERV,       /* Hyper-V enlightenments (not modelled): informational */
	G_INTEL_PMU,    /* architectural PMU: CPUID 0xa.eax version != 0 */
	G_AMD_PMU,      /* AMD PMU: AMD host whose KVM virtualises the PMU */
	G_AMD_PMU_CORE, /* AMD core PMU (F15H): G_AMD_PMU and the guest sees perfctr_core */
	G_DEBUGCTL,     /* DEBUGCTL and the LBR MSRs: on AMD only with kvm_amd.lbrv */
} gate_kind;

typedef struct {
	uint32_t leaf, index;
	uint8_t reg, bit;
	const char *name;
} cpuid_bit;

typedef struct {
	uint32_t first, last;
	const char *name;
	gate_kind gate;
	cpuid_bit any[3];
} msr_entry;

#define B(l, i, r, b, n)                                                                           \
	{                                                                                          \
		l, i, r, b, n                                                                      \
	}
#define SEP B(0x1, 0, EDX, 11, "sep")
#define MCE B(0x1, 0, EDX, 7, "mce")
#define MCA B(0x1, 0, EDX, 14, "mca")
#define MTRR B(0x1, 0, EDX, 12, "mtrr")
#define PAT B(0x1, 0, EDX, 16, "pat")
#define DS B(0x1, 0, EDX, 21, "ds")
#define VMX B(0x1, 0, ECX, 5, "vmx")
#define SMX B(0x1, 0, ECX, 6, "smx")
#define PDCM B(0x1, 0, ECX, 15, "pdcm")
#define TSCDL B(0x1, 0, ECX, 24, "tsc-deadline")
#define TSC_ADJ B(0x7, 0, EBX, 1, "tsc_adjust")
#define SGX B(0x7, 0, EBX, 2, "sgx")
#define MPX B(0x7, 0, EBX, 14, "mpx")
#define PT B(0x7, 0, EBX, 25, "intel-pt")
#define WAITPKG B(0x7, 0, ECX, 5, "waitpkg")
#define RDPID B(0x7, 0, ECX, 22, "rdpid")
#define SGXLC B(0x7, 0, ECX, 30, "sgxlc")
#define PKS B(0x7, 0, ECX, 31, "pks")
#define ARCH_LBR B(0x7, 0, EDX, 19, "arch-lbr")
#define SPEC_CTRL B(0x7, 0, EDX, 26, "spec-ctrl")
#define STIBP B(0x7, 0, EDX, 27, "stibp")
#define FLUSH_L1D B(0x7, 0, EDX, 28, "flush-l1d")
#define ARCH_CAP B(0x7, 0, EDX, 29, "arch-capabilities")
#define CORE_CAP B(0x7, 0, EDX, 30, "core-capability")
#define SSBD B(0x7, 0, EDX, 31, "ssbd")
#define XSAVES B(0xd, 1, EAX, 3, "xsaves")
#define XFD B(0xd, 1, EAX, 4, "xfd")
#define SYSCALL B(0x80000001, 0, EDX, 11, "syscall")
#define RDTSCP B(0x80000001, 0, EDX, 27, "rdtscp")
#define LM B(0x80000001, 0, EDX, 29, "lm")
#define SVM B(0x80000001, 0, ECX, 2, "svm")
#define PERFCTR_CORE B(0x80000001, 0, ECX, 23, "perfctr_core")
#define PERFCTR_NB B(0x80000001, 0, ECX, 24, "perfctr_nb")
#define AMD_IBPB B(0x80000008, 0, EBX, 12, "ibpb")
#define AMD_IBRS B(0x80000008, 0, EBX, 14, "ibrs")
#define AMD_STIBP B(0x80000008, 0, EBX, 15, "amd-stibp")
#define AMD_SSBD B(0x80000008, 0, EBX, 24, "amd-ssbd")
#define VIRT_SSBD B(0x80000008, 0, EBX, 25, "virt-ssbd")
#define TSC_SCALE B(0x8000000a, 0, EDX, 4, "tsc-scale")
#define PV(b, n) B(0x40000001, 0, EAX, b, n)

/* MSR -> the CPU feature it belongs to. Sorted by first index. */
static const msr_entry msr_table[] = {
	{ 0x10, 0x10, "TSC", G_CPUID, { B(0x1, 0, EDX, 4, "tsc") } },
	{ 0x11, 0x11, "KVM_WALL_CLOCK", G_CPUID, { PV(0, "kvmclock") } },
	{ 0x12, 0x12, "KVM_SYSTEM_TIME", G_CPUID, { PV(0, "kvmclock") } },
	{ 0x1b, 0x1b, "APIC_BASE", G_ALWAYS, { { 0 } } },
	{ 0x33, 0x33, "TEST_CTRL", G_CPUID, { CORE_CAP } },
	{ 0x34, 0x34, "SMI_COUNT", G_NONE, { { 0 } } },
	{ 0x3a, 0x3a, "FEATURE_CONTROL", G_CPUID, { VMX, SMX, SGX } },
	{ 0x3b, 0x3b, "TSC_ADJUST", G_CPUID, { TSC_ADJ } },
	{ 0x48, 0x48, "SPEC_CTRL", G_CPUID, { SPEC_CTRL, AMD_IBRS, AMD_SSBD } },
	{ 0x49, 0x49, "PRED_CMD", G_CPUID, { SPEC_CTRL, AMD_IBPB } },
	{ 0x8b, 0x8b, "UCODE_REV", G_NONE, { { 0 } } },
	{ 0x8c, 0x8f, "SGXLEPUBKEYHASH", G_CPUID, { SGXLC } },
	{ 0x9e, 0x9e, "SMBASE", G_NONE, { { 0 } } },
	{ 0xc1, 0xc8, "PERFCTR", G_INTEL_PMU, { { 0 } } },
	{ 0xce, 0xce, "PLATFORM_INFO", G_NONE, { { 0 } } },
	{ 0xcf, 0xcf, "CORE_CAPABILITIES", G_CPUID, { CORE_CAP } },
	{ 0xe1, 0xe1, "UMWAIT_CONTROL", G_CPUID, { WAITPKG } },
	{ 0x10a, 0x10a, "ARCH_CAPABILITIES", G_CPUID, { ARCH_CAP } },
	{ 0x10b, 0x10b, "FLUSH_CMD", G_CPUID, { FLUSH_L1D } },
	{ 0x122, 0x122, "TSX_CTRL", G_CPUID, { ARCH_CAP } },
	{ 0x140, 0x140, "MISC_FEATURES_ENABLES", G_ALWAYS, { { 0 } } },
	{ 0x174, 0x176, "SYSENTER", G_CPUID, { SEP } },
	{ 0x179, 0x17b, "MCG", G_CPUID, { MCE, MCA } },
	{ 0x186, 0x18d, "EVNTSEL", G_INTEL_PMU, { { 0 } } },
	{ 0x1a0, 0x1a0, "MISC_ENABLE", G_ALWAYS, { { 0 } } },
	{ 0x1c4, 0x1c4, "XFD", G_CPUID, { XFD } },
	{ 0x1c5, 0x1c5, "XFD_ERR", G_CPUID, { XFD } },
	{ 0x1d9, 0x1d9, "DEBUGCTL", G_DEBUGCTL, { { 0 } } },
	{ 0x1db, 0x1de, "LBR_FROM/TO_IP", G_DEBUGCTL, { { 0 } } },
	{ 0x1fc, 0x1fc, "POWER_CTL", G_NONE, { { 0 } } },
	{ 0x200, 0x21f, "MTRR_PHYS", G_CPUID, { MTRR } },
	{ 0x250, 0x26f, "MTRR_FIX", G_CPUID, { MTRR } },
	{ 0x277, 0x277, "PAT", G_CPUID, { PAT } },
	{ 0x280, 0x29f, "MC_CTL2", G_CPUID, { MCA } },
	{ 0x2ff, 0x2ff, "MTRR_DEF_TYPE", G_CPUID, { MTRR } },
	{ 0x309, 0x30b, "FIXED_CTR", G_INTEL_PMU, { { 0 } } },
	{ 0x345, 0x345, "PERF_CAPABILITIES", G_CPUID, { PDCM } },
	{ 0x38d, 0x390, "PERF_GLOBAL", G_INTEL_PMU, { { 0 } } },
	{ 0x3f1, 0x3f2, "PEBS", G_CPUID, { PDCM } },
	{ 0x3f6, 0x3f6, "PEBS_LD_LAT", G_CPUID, { PDCM } },
	{ 0x400, 0x47f, "MC_BANK", G_CPUID, { MCA } },
	{ 0x480, 0x491, "VMX_CAPABILITIES", G_CPUID, { VMX } },
	{ 0x4c1, 0x4c8, "PMC", G_INTEL_PMU, { { 0 } } },
	{ 0x4d0, 0x4d0, "MCG_EXT_CTL", G_CPUID, { MCA } },
	{ 0x560, 0x561, "RTIT_OUTPUT", G_CPUID, { PT } },
	{ 0x570, 0x572, "RTIT_CTL", G_CPUID, { PT } },
	{ 0x580, 0x587, "RTIT_ADDR", G_CPUID, { PT } },
	{ 0x600, 0x600, "DS_AREA", G_CPUID, { DS } },
	{ 0x6e0, 0x6e0, "TSC_DEADLINE", G_CPUID, { TSCDL } },
	{ 0x6e1, 0x6e1, "PKRS", G_CPUID, { PKS } },
	{ 0xd90, 0xd90, "BNDCFGS", G_CPUID, { MPX } },
	{ 0xda0, 0xda0, "XSS", G_CPUID, { XSAVES } },
	{ 0x14ce, 0x14cf, "ARCH_LBR", G_CPUID, { ARCH_LBR } },
	{ 0x40000000, 0x400000ff, "HV", G_HYPERV, { { 0 } } },
	{ 0x40000100, 0x400001ff, "HV_SYNIC", G_HYPERV, { { 0 } } },
	{ 0x4b564d00, 0x4b564d00, "KVM_SYSTEM_TIME_NEW", G_CPUID, { PV(3, "kvmclock") } },
	{ 0x4b564d01, 0x4b564d01, "KVM_WALL_CLOCK_NEW", G_CPUID, { PV(3, "kvmclock") } },
	{ 0x4b564d02, 0x4b564d02, "KVM_ASYNC_PF_EN", G_CPUID, { PV(4, "kvm-asyncpf") } },
	{ 0x4b564d03, 0x4b564d03, "KVM_STEAL_TIME", G_CPUID, { PV(5, "kvm-steal-time") } },
	{ 0x4b564d04, 0x4b564d04, "KVM_PV_EOI_EN", G_CPUID, { PV(6, "kvm-pv-eoi") } },
	{ 0x4b564d05, 0x4b564d05, "KVM_POLL_CONTROL", G_CPUID, { PV(12, "kvm-poll-control") } },
	{ 0x4b564d06, 0x4b564d06, "KVM_ASYNC_PF_INT", G_CPUID, { PV(14, "kvm-asyncpf-int") } },
	{ 0x4b564d07, 0x4b564d07, "KVM_ASYNC_PF_ACK", G_CPUID, { PV(14, "kvm-asyncpf-int") } },
	{ 0x4b564d08,
	  0x4b564d08,
	  "KVM_MIGRATION_CONTROL",
	  G_CPUID,
	  { PV(17, "kvm-migration-control") } },
	{ 0xc0000080, 0xc0000080, "EFER", G_ALWAYS, { { 0 } } },
	{ 0xc0000081, 0xc0000081, "STAR", G_CPUID, { SYSCALL } },
	{ 0xc0000082, 0xc0000084, "LSTAR/CSTAR/SYSCALL_MASK", G_CPUID, { LM } },
	{ 0xc0000100, 0xc0000102, "FS/GS/KERNEL_GS_BASE", G_CPUID, { LM } },
	{ 0xc0000103, 0xc0000103, "TSC_AUX", G_CPUID, { RDTSCP, RDPID } },
	{ 0xc0000104, 0xc0000104, "AMD64_TSC_RATIO", G_CPUID, { TSC_SCALE } },
	{ 0xc0010000, 0xc0010007, "K7_PERF", G_AMD_PMU, { { 0 } } },
	{ 0xc0010010, 0xc0010010, "SYSCFG", G_NONE, { { 0 } } },
	{ 0xc0010015, 0xc0010015, "HWCR", G_NONE, { { 0 } } },
	{ 0xc0010114, 0xc0010114, "VM_CR", G_CPUID, { SVM } },
	{ 0xc0010117, 0xc0010117, "VM_HSAVE_PA", G_CPUID, { SVM } },
	{ 0xc001011f, 0xc001011f, "VIRT_SPEC_CTRL", G_CPUID, { VIRT_SSBD } },
	{ 0xc0010200, 0xc001020b, "F15H_PERF", G_AMD_PMU_CORE, { PERFCTR_CORE } },
	{ 0xc0010240, 0xc0010247, "F15H_NB_PERF", G_CPUID, { PERFCTR_NB } },
	{ 0xc0011029, 0xc0011029, "DE_CFG", G_NONE, { { 0 } } },
};

static const msr_entry *msr_lookup(uint32_t idx)
{
	for (size_t i = 0; i < G_N_ELEMENTS(msr_table); i++)
		if (idx >= msr_table[i].first && idx <= msr_table[i].last)
			return &msr_table[i];
	return NULL;
}

static bool src_vendor_amd(const mc_plan_profile *src)
{
	unsigned long long ebx = 0;
	/* "Auth" (AuthenticAMD) and "Hygo" (HygonGenuine) */
	return mc_pp_x86_cpuid_u64(src, 0x0, 0, MC_X86_EBX, &ebx) &&
	       (ebx == 0x68747541 || ebx == 0x6f677948);
}

/* Does the source's KVM virtualise the PMU for its guests? kvm.enable_pmu
 * (5.17+; every VM gets kvm->arch.enable_pmu = enable_pmu, QEMU 7.2 does not
 * change it per VM). Off also when the host has no PMU: the kernel clears the
 * parameter then (kvm_init_pmu_capability, arch/x86/kvm/pmu.h). Absent on
 * older kernels or profiles: unknown. */
typedef enum { PMU_OFF, PMU_ON, PMU_UNKNOWN } pmu_state;
static pmu_state host_pmu(const mc_plan_profile *f)
{
	const char *v = mc_pp_get(f, "kvm.param", "kvm.enable_pmu");
	if (!v)
		return PMU_UNKNOWN;
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1' ? PMU_ON : PMU_OFF;
}

/* Does the guest see the feature an MSR belongs to? 1 yes, 0 no, -1 unknown
 * (facts missing); *why names it. */
static int exposed(const msr_entry *e, const mc_x86_guest *g, const mc_plan_profile *src, bool pt,
		   char **why)
{
	switch (e->gate) {
	case G_ALWAYS:
		*why = g_strdup("architectural");
		return true;
	case G_NONE:
		*why = g_strdup("not tied to a guest-visible CPU feature");
		return false;
	case G_HYPERV:
		*why = g_strdup("Hyper-V enlightenments, which migcheck does not model");
		return false;
	case G_INTEL_PMU: {
		unsigned long long eax = 0;
		bool on = pt && mc_pp_x86_cpuid_u64(src, 0xa, 0, MC_X86_EAX, &eax) && (eax & 0xff);
		*why = g_strdup(on ? "architectural PMU (CPUID 0xa)"
				   : "architectural PMU (CPUID 0xa), which the guest does not see");
		return on;
	}
	case G_DEBUGCTL: {
		/* AMD: without LBR virtualisation (kvm_amd.lbrv=0) KVM ignores
		 * the guest's writes and reads back 0 (svm.c svm_set_msr /
		 * svm_get_msr, 6.1 and 6.12): nothing to lose. Elsewhere
		 * DEBUGCTL is architectural; the LBR MSRs are not modelled. */
		const char *lbrv = mc_pp_get(src, "kvm.param", "kvm_amd.lbrv");
		bool dbg = e->first == 0x1d9;
		if (src_vendor_amd(src) && lbrv && (lbrv[0] == '0' || lbrv[0] == 'N')) {
			*why = g_strdup(
			    "AMD LBR virtualisation, which SRC's KVM does not offer "
			    "(kvm_amd.lbrv=0): the guest reads 0 from it and its writes are "
			    "ignored, on SRC as on DST");
			return false;
		}
		if (src_vendor_amd(src) && lbrv) {
			*why = g_strdup("AMD LBR virtualisation (kvm_amd.lbrv=1)");
			return true;
		}
		*why = g_strdup(dbg ? "architectural" : "last-branch records, not modelled");
		return dbg;
	}
	case G_AMD_PMU:
	case G_AMD_PMU_CORE: {
		/* AMD has no CPUID bit for the legacy (K7) counters: KVM's vPMU
		 * serves them to every guest when enabled (svm/pmu.c
		 * get_gp_pmc_amd). Without a vPMU the guest reads 0 and its
		 * writes are ignored (kvm_{get,set}_msr_common, K7 counters) or
		 * get #GP (F15H counters): no state to lose. The F15H counters
		 * also need perfctr_core in the guest's CPUID. */
		bool core = e->gate == G_AMD_PMU_CORE;
		if (!src_vendor_amd(src)) {
			*why = g_strdup("AMD PMU, which a guest on a non-AMD host does not see");
			return false;
		}
		if (core && !mc_x86_guest_has(g, 0x80000001, 0, ECX, 23)) {
			*why =
			    g_strdup("AMD core PMU (perfctr_core), which the guest does not see");
			return false;
		}
		switch (host_pmu(src)) {
		case PMU_OFF:
			*why = g_strdup_printf(
			    "the AMD PMU, which SRC's KVM does not virtualise (kvm.enable_pmu=N): "
			    "the guest %s on SRC, and the same on DST without the MSR",
			    core ? "gets #GP from it"
				 : "reads 0 from it and its writes are ignored");
			return false;
		case PMU_ON:
			*why = g_strdup_printf("the AMD %sPMU, which SRC's KVM virtualises "
					       "(kvm.enable_pmu=Y)",
					       core ? "core " : "");
			return true;
		case PMU_UNKNOWN:
			break;
		}
		*why = g_strdup("the AMD PMU; whether SRC's KVM virtualises it is unknown (no "
				"kvm.param kvm.enable_pmu fact: a new probe of SRC settles it)");
		return -1;
	}
	case G_CPUID:
		break;
	}
	GString *names = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(e->any) && e->any[i].name; i++) {
		const cpuid_bit *b = &e->any[i];
		if (mc_x86_guest_has(g, b->leaf, b->index, b->reg, b->bit)) {
			*why = g_strdup(b->name);
			g_string_free(names, TRUE);
			return true;
		}
		g_string_append_printf(names, "%s%s", names->len ? "/" : "", b->name);
	}
	*why = g_strdup_printf("%s, which the guest does not see", names->str);
	g_string_free(names, TRUE);
	return false;
}

/* ---- ARCH_CAPABILITIES bits (msr-index.h ARCH_CAP_*) ---- */

typedef enum { AC_PROMISE, AC_AFFECTED } ac_kind;
static const struct {
	unsigned bit;
	const char *name;
	ac_kind kind;
} arch_cap_bits[] = {
	{ 0, "RDCL_NO", AC_PROMISE },
	{ 1, "IBRS_ALL", AC_PROMISE },
	{ 2, "RSBA", AC_AFFECTED },
	{ 3, "SKIP_L1DFL_VMENTRY", AC_PROMISE },
	{ 4, "SSB_NO", AC_PROMISE },
	{ 5, "MDS_NO", AC_PROMISE },
	{ 6, "PSCHANGE_MC_NO", AC_PROMISE },
	{ 7, "TSX_CTRL", AC_PROMISE },
	{ 8, "TAA_NO", AC_PROMISE },
	{ 9, "MCU_CONTROL", AC_PROMISE },
	{ 10, "MISC_PACKAGE_CTRLS", AC_PROMISE },
	{ 11, "ENERGY_FILTERING_CTL", AC_PROMISE },
	{ 12, "DOITM", AC_PROMISE },
	{ 13, "SBDR_SSDP_NO", AC_PROMISE },
	{ 14, "FBSDP_NO", AC_PROMISE },
	{ 15, "PSDP_NO", AC_PROMISE },
	{ 17, "FB_CLEAR", AC_PROMISE },
	{ 18, "FB_CLEAR_CTRL", AC_PROMISE },
	{ 19, "RRSBA", AC_AFFECTED },
	{ 20, "BHI_NO", AC_PROMISE },
	{ 21, "XAPIC_DISABLE", AC_PROMISE },
	{ 23, "OVERCLOCKING_STATUS", AC_PROMISE },
	{ 24, "PBRSB_NO", AC_PROMISE },
	{ 25, "GDS_CTRL", AC_PROMISE },
	{ 26, "GDS_NO", AC_PROMISE },
	{ 27, "RFDS_NO", AC_PROMISE },
	{ 28, "RFDS_CLEAR", AC_PROMISE },
	{ 62, "ITS_NO", AC_PROMISE },
};

/* The ARCH_CAPABILITIES bits QEMU 7.2 names (rdctl-no ... taa-no): the only
 * ones -cpu host,migratable=on passes to the guest (see the top comment). */
#define QEMU_ARCH_CAP_NAMED 0x1ffull

static char *arch_cap_name(unsigned bit, ac_kind *kind)
{
	for (size_t i = 0; i < G_N_ELEMENTS(arch_cap_bits); i++) {
		if (arch_cap_bits[i].bit == bit) {
			*kind = arch_cap_bits[i].kind;
			return g_strdup_printf("ARCH_CAPABILITIES.%s", arch_cap_bits[i].name);
		}
	}
	*kind = AC_PROMISE; /* unknown bits: most new ones are *_NO or controls */
	return g_strdup_printf("ARCH_CAPABILITIES bit %u", bit);
}

/* The CPU model's feature `tok` (bit `bit` of feature MSR `idx`, the guest's
 * value gv) is not offered by DST: QEMU cannot give it to the guest there. */
static void model_bit_missing(mc_rule_ctx *ctx, const mc_x86_guest *g, const msr_entry *e,
			      unsigned long long idx, unsigned bit, const char *tok,
			      unsigned long long gv, const mc_fact *f, bool dh)
{
	ac_kind kind;
	g_autofree char *subject = idx == 0x10a ? arch_cap_name(bit, &kind)
				   : e          ? g_strdup_printf("%s bit %u", e->name, bit)
						: g_strdup_printf("MSR 0x%llx bit %u", idx, bit);
	const char *cur = mc_pins_get(ctx->pins, "CPU_DISABLE");
	g_autofree char *pin = cur ? g_strdup_printf("CPU_DISABLE=%s,%s", cur, tok)
				   : g_strdup_printf("CPU_DISABLE=%s", tok);
	g_autofree char *facts = g_strdup_printf(
	    "guest (%s) MSR 0x%llx=0x%016llx, bit %u (%s); SRC x86.msr_feature %s=%s; DST %s",
	    mc_x86_guest_describe(g), idx, gv, bit, tok, f->key, f->value,
	    dh ? mc_pp_get(ctx->dstp, "x86.msr_feature", f->key) : "absent");
	g_autofree char *remedy = g_strdup_printf(
	    "start the guest without %s (--pin %s), or migrate to a host whose CPU and "
	    "microcode offer it",
	    tok, pin);
	mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, subject, facts, remedy, pin,
		    "%s needs %s (%s), which the destination's KVM does not offer: QEMU "
		    "cannot give the guest this feature of its CPU model there",
		    mc_x86_guest_describe(g), tok, subject);
}

static int feature_msrs(mc_rule_ctx *ctx, const mc_x86_guest *g, bool pt, unsigned *nblocked)
{
	size_t first, last;
	mc_facts_domain_range(ctx->src, "x86.msr_feature", &first, &last);
	for (size_t i = first; i < last; i++) {
		const mc_fact *f = mc_facts_at(ctx->src, i);
		unsigned long long idx = 0, dv = 0;
		char *end = NULL;
		idx = strtoull(f->key, &end, 16);
		if (!end || *end || idx > 0xffffffffu)
			continue;
		if (idx == 0x8b) /* UCODE_REV: a revision, never compared */
			continue;
		const msr_entry *e = msr_lookup((uint32_t)idx);
		g_autofree char *why = NULL;
		bool vis = e ? exposed(e, g, ctx->srcp, pt, &why) != 0 : false;
		if (!e)
			why = g_strdup("not tied to a known CPU feature");
		unsigned long long gv = mc_x86_guest_msr_feature(g, ctx->srcp, (unsigned)idx);
		bool dh = mc_pp_u64(ctx->dstp, "x86.msr_feature", f->key, &dv);
		if (!dh)
			dv = 0;
		dv = mc_x86_msr_offered((unsigned)idx, dv); /* what DST offers, as gv SRC's */
		if (!pt && vis) {
			/* A CPU model's bits (the map's features of this MSR) DST
			 * lacks; the rest of the MSR is judged below. */
			unsigned long long model_lost = 0;
			for (unsigned b = 0; b < 64; b++) {
				if (!(gv >> b & 1) || (dv >> b & 1))
					continue;
				g_autofree char *tok = mc_x86_guest_msr_token(g, (unsigned)idx, b);
				if (!tok)
					continue; /* not a CPU model feature */
				model_lost |= 1ull << b;
				(*nblocked)++;
				model_bit_missing(ctx, g, e, idx, b, tok, gv, f, dh);
			}
			gv &= ~model_lost;
		}
		if (idx == 0x10a) {
			if (!vis)
				continue; /* the guest cannot read ARCH_CAPABILITIES */
			if (pt) {
				gv &= QEMU_ARCH_CAP_NAMED;
				dv &= QEMU_ARCH_CAP_NAMED;
			} else {
				dv &= gv; /* the guest sees the model's bits only */
			}
			for (unsigned b = 0; b < 64; b++) {
				ac_kind kind;
				bool in_g = gv >> b & 1, in_d = dh && (dv >> b & 1);
				if (in_g == in_d)
					continue;
				g_autofree char *name = arch_cap_name(b, &kind);
				g_autofree char *facts = g_strdup_printf(
				    "guest (%s) ARCH_CAPABILITIES=0x%016llx; SRC x86.msr_feature "
				    "%s=%s; DST %s",
				    mc_x86_guest_describe(g), gv, f->key, f->value,
				    dh ? mc_pp_get(ctx->dstp, "x86.msr_feature", f->key)
				       : "absent");
				if (kind == AC_PROMISE && in_g) {
					(*nblocked)++;
					mc_plan_add(
					    ctx->plan, FAMILY, MC_V_BLOCKED, name, facts,
					    "migrate to a host whose CPU and microcode offer the "
					    "same ARCH_CAPABILITIES bits, or start the guest "
					    "with a CPU model that does not claim them",
					    NULL,
					    "the guest was told %s on the source; the "
					    "destination does not offer it, so the guest would "
					    "rely on a guarantee the destination does not give",
					    name);
				} else if (kind == AC_AFFECTED && in_d) {
					mc_plan_add(
					    ctx->plan, FAMILY, MC_V_OK, name, facts, NULL, NULL,
					    "note: the destination reports %s, which the guest "
					    "did not see on the source; it keeps the "
					    "mitigations it chose there",
					    name);
				}
			}
			continue;
		}
		unsigned long long lost = gv & ~dv;
		if (!lost)
			continue;
		g_autofree char *subject =
		    e ? g_strdup(e->name) : g_strdup_printf("MSR 0x%llx", idx);
		g_autofree char *facts = g_strdup_printf(
		    "guest (%s) value 0x%016llx; SRC x86.msr_feature %s=%s; DST %s; bits "
		    "0x%016llx missing",
		    mc_x86_guest_describe(g), gv, f->key, f->value,
		    dh ? mc_pp_get(ctx->dstp, "x86.msr_feature", f->key) : "absent", lost);
		if (vis) {
			(*nblocked)++;
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, subject, facts,
				    "start the guest without the feature it belongs to, or migrate "
				    "to a host that supports these bits",
				    NULL,
				    "feature MSR %s (%s): the destination's KVM rejects the "
				    "guest's value (KVM_SET_MSRS accepts only supported bits)",
				    subject, why);
		} else {
			mc_plan_add(ctx->plan, FAMILY, MC_V_OK, subject, facts, NULL, NULL,
				    "note: feature MSR %s differs on the destination, but it "
				    "belongs to %s",
				    subject, why);
		}
	}
	return 0;
}

/* All is well, its text written when read (mc_plan_add_lazy). */
typedef struct summary_text {
	unsigned present, nmsr;
	char describe[]; /* mc_x86_guest_describe */
} summary_text;

static void summary_verdict_text(const void *args, mc_verdict *v)
{
	const summary_text *a = args;
	v->subject = g_strdup("summary");
	v->reason = g_strdup_printf("%u of the source's %u MSRs present on DST, the others unused "
				    "by the guest (%s); feature MSRs compatible",
				    a->present, a->nmsr, a->describe);
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	if (strcmp(mc_pp_arch(ctx->srcp), "x86_64") != 0)
		return 0;
	if (!mc_rule_have_domain(ctx, FAMILY, "x86.msr", "MSR index list"))
		return 0;
	const mc_x86_guest *g = mc_rule_x86_guest(ctx, err);
	if (!g)
		return -EINVAL;
	const char *cpu = mc_pins_get(ctx->pins, "CPU");
	bool pt = !cpu || strcmp(cpu, "host-passthrough") == 0 || strcmp(cpu, "host") == 0;
	unsigned nblocked = 0, naction = 0, npmu = 0, nmsr = 0, nnote = 0;
	size_t first, last, dj, dl;
	mc_facts_domain_range(ctx->src, "x86.msr", &first, &last);
	mc_facts_domain_range(ctx->dst, "x86.msr", &dj, &dl);
	for (size_t i = first; i < last; i++) {
		const mc_fact *f = mc_facts_at(ctx->src, i);
		nmsr++;
		/* both lists are sorted by key: is f's key in DST's? */
		int cmp = 1;
		while (dj < dl && (cmp = strcmp(mc_facts_at(ctx->dst, dj)->key, f->key)) < 0)
			dj++;
		if (dj < dl && cmp == 0)
			continue;
		char *end = NULL;
		unsigned long long idx = strtoull(f->key, &end, 16);
		if (!end || *end || idx > 0xffffffffu)
			continue;
		const msr_entry *e = msr_lookup((uint32_t)idx);
		g_autofree char *subject =
		    e && e->first == e->last ? g_strdup_printf("MSR 0x%llx %s", idx, e->name)
		    : e ? g_strdup_printf("MSR 0x%llx %s[%llu]", idx, e->name, idx - e->first)
			: g_strdup_printf("MSR 0x%llx", idx);
		g_autofree char *why = NULL;
		int vis = e ? exposed(e, g, ctx->srcp, pt, &why) : 0;
		if (!e)
			why = g_strdup("not tied to a CPU feature migcheck knows");
		g_autofree char *facts = g_strdup_printf(
		    "SRC x86.msr %s=1; DST x86.msr %s absent; guest (%s); feature: %s", f->key,
		    f->key, mc_x86_guest_describe(g), why);
		bool pmu = e && (e->gate == G_AMD_PMU || e->gate == G_AMD_PMU_CORE);
		if (vis && pmu) {
			npmu++;
			/* QEMU restores only the MSRs DST lists: the PMU's counters
			 * and event selects are dropped, the migration succeeds. A
			 * loss for a guest that uses perf, not a failed move. */
			naction++;
			mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, subject, facts,
				    vis < 0
					? "probe SRC again (kvm.enable_pmu), or accept that the "
					  "guest's performance counters may reset or stop"
					: "start the guest without a PMU, or migrate to a host "
					  "whose KVM virtualises the PMU (kvm.enable_pmu=Y), or "
					  "accept that the guest's performance counters reset or "
					  "stop",
				    NULL,
				    "the guest may have programmed %s (%s), but the destination's "
				    "KVM does not save it: QEMU skips it on restore, so the "
				    "counter's value and event selection are silently lost",
				    subject, why);
		} else if (vis) {
			nblocked++;
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, subject, facts,
				    "start the guest without the feature this MSR belongs to "
				    "(CPU_DISABLE), or migrate to a host whose KVM saves this MSR",
				    NULL,
				    "the guest's CPU exposes %s, but the destination's KVM cannot "
				    "restore %s: the guest's value would be lost",
				    why, subject);
		} else {
			nnote++;
			mc_plan_add(ctx->plan, FAMILY, MC_V_OK, subject, facts, NULL, NULL,
				    "note: the destination's KVM lacks %s, but it belongs to %s, "
				    "so dropping it is invisible to the guest",
				    subject, why);
		}
	}
	/* A vPMU on SRC but none on DST: DST may still list the K7 counters
	 * (6.1 lists them whatever enable_pmu says), but it accepts and ignores
	 * the restored values (kvm_set_msr_common), and the guest's counters
	 * stop counting. */
	if (!npmu && src_vendor_amd(ctx->srcp) && host_pmu(ctx->srcp) == PMU_ON &&
	    host_pmu(ctx->dstp) == PMU_OFF) {
		naction++;
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, "AMD PMU",
			    "SRC kvm.param kvm.enable_pmu=Y; DST kvm.param kvm.enable_pmu=N",
			    "start the guest without a PMU, or migrate to a host whose KVM "
			    "virtualises the PMU, or accept that the guest's performance counters "
			    "stop",
			    NULL,
			    "the guest's PMU is virtualised on the source but not on the "
			    "destination: its counters and event selects are dropped there and "
			    "the counters stop counting");
	}
	feature_msrs(ctx, g, pt, &nblocked);
	if (!nblocked && !naction) {
		const char *d = mc_x86_guest_describe(g);
		size_t n = strlen(d) + 1;
		summary_text *a = mc_plan_add_lazy(ctx->plan, FAMILY, MC_V_OK, summary_verdict_text,
						   sizeof(*a) + n);
		a->present = nmsr - nnote, a->nmsr = nmsr;
		memcpy(a->describe, d, n);
	}
	return 0;
}

/* The MSR lists, the guest's CPUID, and the PMU and LBR module
 * parameters. */
static bool reads(const char *domain, const char *key)
{
	if (strcmp(domain, "kvm.param") == 0)
		return !key || strcmp(key, "kvm.enable_pmu") == 0 ||
		       strcmp(key, "kvm_amd.lbrv") == 0;
	return strcmp(domain, "x86.msr") == 0 || strcmp(domain, "x86.msr_feature") == 0 ||
	       strcmp(domain, "x86.cpuid") == 0;
}

const mc_rule mc_rule_x86_msr = { .family = FAMILY, .run = run, .reads = reads };
