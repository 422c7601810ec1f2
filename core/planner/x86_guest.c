#include "core/planner/x86_guest.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"

enum { EAX = MC_X86_EAX, EBX = MC_X86_EBX, ECX = MC_X86_ECX, EDX = MC_X86_EDX };
static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

const char *mc_x86_reg_name(unsigned reg)
{
	return reg < G_N_ELEMENTS(reg_names) ? reg_names[reg] : "?";
}

/* Feature-bearing registers: the set libvirt 9.0's x86_features.xml defines
 * features in, plus 0x40000001.eax (KVM PV features, linux/kvm_para.h).
 * Registers a newer map defines features in are added from the map;
 * registers no map knows (e.g. 0x80000021.eax, which QEMU 7.2 does not pass
 * to guests either) are not compared. */
static const mc_x86_reg builtin_regs[] = {
	{ 0x1, 0, ECX },        { 0x1, 0, EDX },        { 0x6, 0, EAX },
	{ 0x7, 0, EBX },        { 0x7, 0, ECX },        { 0x7, 0, EDX },
	{ 0x7, 1, EAX },        { 0xd, 1, EAX },        { 0xf, 1, EDX },
	{ 0x12, 0, EAX },       { 0x12, 0, EBX },       { 0x12, 1, EAX },
	{ 0x14, 0, ECX },       { 0x40000001, 0, EAX }, { 0x80000001, 0, ECX },
	{ 0x80000001, 0, EDX }, { 0x80000007, 0, EDX }, { 0x80000008, 0, EBX },
	{ 0x8000000a, 0, EDX },
};

/* Bits never compared, whatever the guest configuration:
 *  - 1.ecx[27] OSXSAVE and 7.0.ecx[4] OSPKE mirror the guest's own CR4 bits;
 *    KVM computes them at run time, they are not host features.
 *  - 1.ecx[31] hypervisor: set by QEMU for every KVM guest, on every host.
 *  - 1.edx[9] APIC (and its AMD copy 0x80000001.edx[9]): KVM emulates the
 *    local APIC itself, and the bit follows the guest's APIC_BASE enable
 *    bit at run time; it says nothing about the host.
 *  - 0x80000001.edx bits that AMD CPUs mirror from 1.edx (fpu ... fxsr,
 *    QEMU's CPUID_EXT2_AMD_ALIASES): the 1.edx bit is compared already.
 *  - 0x40000001.eax bits QEMU (7.2) has no name for (10 ASYNC_PF_VMEXIT,
 *    16 HC_MAP_GPA_RANGE, 17 MIGRATION_CONTROL, ...): QEMU never shows them
 *    to a guest, even with host-passthrough, so they cannot be lost. */
#define AMD_ALIASES 0x0183f3ffu
#define KVM_PV_QEMU 0x01007afbu /* bits 0-7, 9, 11-15, 24 */
static uint32_t never_compared(uint32_t leaf, uint32_t index, unsigned reg)
{
	if (leaf == 0x1 && reg == ECX)
		return 1u << 27 | 1u << 31;
	if (leaf == 0x1 && reg == EDX)
		return 1u << 9;
	if (leaf == 0x7 && index == 0 && reg == ECX)
		return 1u << 4;
	if (leaf == 0x80000001 && reg == EDX)
		return AMD_ALIASES;
	if (leaf == 0x40000001 && reg == EAX)
		return ~KVM_PV_QEMU;
	return 0;
}

/* KVM paravirtual features (linux/kvm_para.h KVM_FEATURE_*), QEMU's names. */
static const struct {
	const char *name;
	unsigned bit;
} kvm_pv[] = {
	{ "kvmclock", 0 },
	{ "kvm-nopiodelay", 1 },
	{ "kvm-mmu", 2 },
	{ "kvmclock", 3 }, /* KVM_FEATURE_CLOCKSOURCE2: QEMU names both "kvmclock" */
	{ "kvm-asyncpf", 4 },
	{ "kvm-steal-time", 5 },
	{ "kvm-pv-eoi", 6 },
	{ "kvm-pv-unhalt", 7 },
	{ "kvm-pv-tlb-flush", 9 },
	{ "kvm-asyncpf-vmexit", 10 },
	{ "kvm-pv-ipi", 11 },
	{ "kvm-poll-control", 12 },
	{ "kvm-pv-sched-yield", 13 },
	{ "kvm-asyncpf-int", 14 },
	{ "kvm-msi-ext-dest-id", 15 },
	{ "kvm-hc-map-gpa-range", 16 },
	{ "kvm-migration-control", 17 },
	{ "kvmclock-stable-bit", 24 },
};
/* QEMU (>= 5.2) turns these on for every CPU model under KVM when the host
 * supports them (kvm_default_props; poll-control in x86_cpu_expand_features). */
#define KVM_PV_MODEL_DEFAULT                                                                       \
	(1u << 0 | 1u << 1 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 12 | 1u << 14 | 1u << 24)

static bool parse_hex(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end && !*end;
}

/* Name of one CPUID bit: the libvirt feature defined as exactly that bit,
 * a KVM PV feature name, or NULL. */
static const char *bit_name(const mc_cpumodels *db, const mc_x86_reg *r, unsigned bit)
{
	if (r->leaf == 0x40000001 && r->reg == EAX) {
		for (size_t i = 0; i < G_N_ELEMENTS(kvm_pv); i++)
			if (kvm_pv[i].bit == bit)
				return kvm_pv[i].name;
		return NULL;
	}
	return db ? mc_cpumodels_bit_name(db, r->leaf, r->index, r->reg, bit) : NULL;
}

/* "0x7.0.ebx.16": a CPUID bit without a name, as CPU_DISABLE accepts it. */
/* The number of '.'-separated parts of s (g_strsplit's count, without
 * splitting: most tokens are feature names, without a dot). */
static size_t nparts(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == '.';
	return n;
}

static bool parse_raw_bit(const char *s, mc_x86_reg *r, unsigned *bit)
{
	if (nparts(s) != 4)
		return false;
	g_auto(GStrv) parts = g_strsplit(s, ".", -1);
	uint64_t leaf, index, b;
	if (g_strv_length(parts) != 4 || !parse_hex(parts[0], &leaf) ||
	    !parse_hex(parts[1], &index) || !parse_hex(parts[3], &b) || leaf > 0xffffffffu ||
	    index > 0xffffffffu || b > 31)
		return false;
	for (unsigned i = EAX; i <= EDX; i++) {
		if (strcmp(parts[2], reg_names[i]) == 0) {
			r->leaf = (uint32_t)leaf;
			r->index = (uint32_t)index;
			r->reg = i;
			*bit = (unsigned)b;
			return true;
		}
	}
	return false;
}

char *mc_x86_bit_token(const mc_cpumodels *db, const mc_x86_reg *r, unsigned bit)
{
	const char *n = bit_name(db, r, bit);
	return n ? g_strdup(n)
		 : g_strdup_printf("0x%x.%u.%s.%u", r->leaf, r->index, reg_names[r->reg], bit);
}

char *mc_x86_bit_label(const mc_cpumodels *db, const mc_x86_reg *r, unsigned bit)
{
	const char *n = bit_name(db, r, bit);
	return n ? g_strdup(n)
		 : g_strdup_printf("CPUID 0x%x.%u.%s bit %u", r->leaf, r->index, reg_names[r->reg],
				   bit);
}

bool mc_x86_is_passthrough(const char *cpu)
{
	return !cpu || strcmp(cpu, "host-passthrough") == 0 || strcmp(cpu, "host") == 0;
}

bool mc_x86_feature_known(const mc_cpumodels *db, bool form_only, const char *tok)
{
	mc_x86_reg r;
	unsigned bit;
	if (parse_raw_bit(tok, &r, &bit))
		return true;
	if (form_only) {
		/* a name, or something that is neither a name nor a raw bit */
		return *tok && nparts(tok) != 4;
	}
	size_t n;
	if (db && mc_cpumodels_feature(db, tok, &n)) /* the common case first */
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(kvm_pv); i++)
		if (strcmp(kvm_pv[i].name, tok) == 0)
			return true;
	return false;
}

bool mc_x86_disable_unknown(const mc_cpumodels *db, const char *value, char **bad)
{
	g_autofree char *key = g_strconcat("known:", value, NULL);
	*bad = NULL;
	g_autoptr(GArray) known = mc_cpumodels_memo_get(db, key);
	if (known)
		return false;
	g_auto(GStrv) toks = g_strsplit(value, ",", -1);
	for (char **t = toks; *t; t++) {
		if (!mc_x86_feature_known(db, false, *t)) {
			*bad = g_strdup(*t);
			return true;
		}
	}
	mc_cpumodels_memo_put(db, key, g_array_new(FALSE, FALSE, 1));
	return false;
}

/* ---- host profiles ---- */

bool mc_x86_host_reg(const mc_plan_profile *f, const mc_x86_reg *r, uint32_t *out)
{
	return mc_pp_x86_cpuid(f, r->leaf, r->index, r->reg, out);
}

/* TSC deadline is not reported by KVM_GET_SUPPORTED_CPUID but through
 * KVM_CAP_TSC_DEADLINE_TIMER (Documentation/virt/kvm/api.rst); QEMU sets the
 * bit from the capability. */
uint32_t mc_x86_host_bits(const mc_plan_profile *f, const mc_x86_reg *r)
{
	uint32_t v;
	mc_x86_host_reg(f, r, &v);
	if (r->leaf == 0x1 && r->reg == ECX &&
	    mc_pp_get(f, "kvm.cap", "KVM_CAP_TSC_DEADLINE_TIMER"))
		v |= 1u << 24;
	return v & ~never_compared(r->leaf, r->index, r->reg);
}

/* ---- the guest's view ---- */

typedef struct {
	mc_x86_reg r;
	uint32_t bits;
} reg_bits;

struct mc_x86_guest {
	const mc_cpumodels *db; /* NULL when none was loaded (passthrough) */
	char *describe;
	char *model;           /* NULL: host-passthrough */
	GArray *regs;          /* reg_bits, one per compared register */
	GArray *msrs;          /* mc_cpu_bits (is_msr): the model's feature-MSR bits */
	GArray *model_missing; /* reg_bits: model bits SRC lacks (check_pins_on_src) */
};

void mc_x86_guest_free(mc_x86_guest *g)
{
	if (!g)
		return;
	g_free(g->describe);
	g_free(g->model);
	g_array_unref(g->regs);
	g_array_unref(g->msrs);
	g_array_unref(g->model_missing);
	g_free(g);
}

const char *mc_x86_guest_describe(const mc_x86_guest *g)
{
	return g->describe;
}

static reg_bits *guest_reg(GArray *a, uint32_t leaf, uint32_t index, unsigned reg)
{
	for (guint i = 0; i < a->len; i++) {
		reg_bits *rb = &g_array_index(a, reg_bits, i);
		if (rb->r.leaf == leaf && rb->r.index == index && rb->r.reg == reg)
			return rb;
	}
	return NULL;
}

static void add_reg(GArray *regs, uint32_t leaf, uint32_t index, unsigned reg)
{
	if (guest_reg(regs, leaf, index, reg))
		return;
	reg_bits rb = { { leaf, index, reg }, 0 };
	g_array_append_val(regs, rb);
}

/* The compared registers (reg_bits, no bits yet): the built-in ones, then
 * those the map defines features in; made once per map (its memo). */
static GArray *compared_regs(const mc_cpumodels *db)
{
	g_autoptr(GArray) t = db ? mc_cpumodels_memo_get(db, "regs") : NULL;
	GArray *a = g_array_new(FALSE, TRUE, sizeof(reg_bits));
	if (t) {
		g_array_append_vals(a, t->data, t->len);
		return a;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(builtin_regs); i++)
		add_reg(a, builtin_regs[i].leaf, builtin_regs[i].index, builtin_regs[i].reg);
	for (size_t i = 0; db && i < mc_cpumodels_nregs(db); i++) {
		mc_x86_reg r;
		mc_cpumodels_reg(db, i, &r.leaf, &r.index, &r.reg);
		add_reg(a, r.leaf, r.index, r.reg);
	}
	if (db) {
		GArray *keep = g_array_new(FALSE, TRUE, sizeof(reg_bits));
		g_array_append_vals(keep, a->data, a->len);
		mc_cpumodels_memo_put(db, "regs", keep);
	}
	return a;
}

/* The bits of one CPU_DISABLE or CPU_ENABLE token, appended to ops
 * (mc_cpu_bits: CPUID bits by register, feature-MSR bits by MSR). */
static int feature_token(const mc_cpumodels *db, const char *tok, GArray *ops, mc_error *err)
{
	mc_x86_reg r;
	unsigned bit;
	bool found = false;
	if (parse_raw_bit(tok, &r, &bit)) {
		mc_cpu_bits op = { false, r.leaf, r.index, r.reg, 1u << bit };
		g_array_append_val(ops, op);
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(kvm_pv); i++) {
		if (strcmp(kvm_pv[i].name, tok) == 0) {
			mc_cpu_bits op = { false, 0x40000001, 0, EAX, 1u << kvm_pv[i].bit };
			g_array_append_val(ops, op);
			found = true;
		}
	}
	size_t n = 0;
	const mc_cpu_bits *f = db ? mc_cpumodels_feature(db, tok, &n) : NULL;
	if (f)
		g_array_append_vals(ops, f, (guint)n);
	if (!f && !found)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "unknown CPU feature '%s' (a libvirt feature name, a KVM PV "
				    "feature, or LEAF.INDEX.REG.BIT)",
				    tok);
	return 0;
}

/* The bits of the features a CPU_DISABLE or CPU_ENABLE value names (a
 * reference the caller drops; kept in db's memo too: the same value is
 * resolved once), or NULL with err set for an unknown feature. */
static GArray *feature_ops(const mc_cpumodels *db, const char *features, mc_error *err)
{
	g_autofree char *key = g_strconcat("features:", features, NULL);
	GArray *have = mc_cpumodels_memo_get(db, key);
	if (have)
		return have;
	GArray *ops = g_array_new(FALSE, TRUE, sizeof(mc_cpu_bits));
	g_auto(GStrv) toks = g_strsplit(features, ",", -1);
	for (char **t = toks; *t; t++) {
		g_strstrip(*t);
		if (!**t)
			continue;
		if (feature_token(db, *t, ops, err) < 0) {
			g_array_unref(ops);
			return NULL;
		}
	}
	mc_cpumodels_memo_put(db, key, g_array_ref(ops));
	return ops;
}

/* Clear the bits of ops from the guest's registers and MSR bits. */
static void disable_apply(mc_x86_guest *g, const GArray *ops)
{
	for (guint j = 0; j < ops->len; j++) {
		const mc_cpu_bits *it = &g_array_index(ops, mc_cpu_bits, j);
		if (it->is_msr) {
			for (guint k = 0; k < g->msrs->len; k++) {
				mc_cpu_bits *gm = &g_array_index(g->msrs, mc_cpu_bits, k);
				if (gm->leaf == it->leaf)
					gm->mask &= ~it->mask;
			}
			continue;
		}
		reg_bits *rb = guest_reg(g->regs, it->leaf, it->index, it->reg);
		if (rb)
			rb->bits &= ~(uint32_t)it->mask;
	}
}

/* Set the bits of ops (CPU_ENABLE: libvirt's <feature policy='require'/> and
 * 'force') in the guest's registers, and, for a CPU model, its MSR bits;
 * the CPUID bits SRC's KVM lacks are recorded as missing, as a model's are
 * (QEMU starts a model with its features enforced, libvirt its required
 * ones). Bits that are never compared stay out. */
static void enable_apply(mc_x86_guest *g, const GArray *ops, const mc_plan_profile *src)
{
	for (guint j = 0; j < ops->len; j++) {
		const mc_cpu_bits *it = &g_array_index(ops, mc_cpu_bits, j);
		if (it->is_msr) {
			if (g->model)
				g_array_append_val(g->msrs, *it);
			continue;
		}
		reg_bits *rb = guest_reg(g->regs, it->leaf, it->index, it->reg);
		if (!rb)
			continue;
		uint32_t add = (uint32_t)it->mask & ~rb->bits &
			       ~never_compared(rb->r.leaf, rb->r.index, rb->r.reg);
		rb->bits |= add;
		uint32_t lack = add & ~mc_x86_host_bits(src, &rb->r);
		if (!lack)
			continue;
		reg_bits *mm = guest_reg(g->model_missing, rb->r.leaf, rb->r.index, rb->r.reg);
		if (mm) {
			mm->bits |= lack;
		} else {
			reg_bits miss = { rb->r, lack };
			g_array_append_val(g->model_missing, miss);
		}
	}
}

/* One bit of the model's features: into g->regs / g->msrs. */
static void model_bit(const mc_cpu_bits *b, void *opaque)
{
	mc_x86_guest *g = opaque;
	if (b->is_msr) {
		g_array_append_val(g->msrs, *b);
		return;
	}
	reg_bits *rb = guest_reg(g->regs, b->leaf, b->index, b->reg);
	if (rb)
		rb->bits |= (uint32_t)b->mask;
}

static void apply_model_defaults(mc_x86_guest *g, const mc_plan_profile *src)
{
	for (guint i = 0; i < g->regs->len; i++) {
		reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
		rb->bits &= ~never_compared(rb->r.leaf, rb->r.index, rb->r.reg);
		uint32_t have = mc_x86_host_bits(src, &rb->r);
		if (rb->r.leaf == 0x1 && rb->r.reg == ECX) {
			/* QEMU's KVM defaults for every model: x2apic on
			 * (KVM emulates it everywhere), monitor off. */
			rb->bits = (rb->bits | 1u << 21) & ~(1u << 3);
		} else if (rb->r.leaf == 0x1 && rb->r.reg == EDX) {
			rb->bits &= ~(1u << 22); /* acpi off */
		} else if (rb->r.leaf == 0x80000001 && rb->r.reg == ECX) {
			/* svm off unless asked for: nested is not modelled. */
			rb->bits &= ~(1u << 2);
		} else if (rb->r.leaf == 0x40000001 && rb->r.reg == EAX) {
			/* PV defaults are filtered by what SRC offers. */
			rb->bits = KVM_PV_MODEL_DEFAULT & have;
		}
		if (rb->bits & ~have) {
			reg_bits miss = { rb->r, rb->bits & ~have };
			g_array_append_val(g->model_missing, miss);
		}
	}
}

/* What QEMU (7.2 and 10.0 alike) gives a guest of feature-MSR bits it
 * asked for, by its feature_dependencies table (target/i386/cpu.c), applied
 * in x86_cpu_expand_features before the features are filtered against the
 * host (x86_cpu_filter_features): the `to` bits of an MSR are cleared when
 * the guest lacks the `from` feature, a CPUID bit or a bit of another
 * feature MSR. So a CPU model's feature-MSR bits the guest cannot have are
 * never asked of the host either. In table order: a chain (vmx, then the
 * secondary controls, then EPT/VPID) clears every link after a missing one.
 *
 * Most of it is the VMX capability MSRs (IA32_VMX_*, Intel SDM vol. 3
 * appendix A; the map's vmx-* features): libvirt 11's CPU map lists them in
 * most Intel models, none of which enables vmx itself, so a guest started
 * with such a model (or with CPU_DISABLE=vmx) sees none of them. The
 * VMX controls' bits are as the map writes them (its eax word: QEMU's
 * feature word, the controls that can be 1). */
typedef struct {
	bool from_msr;     /* from: bit `bit` of feature MSR `leaf`, or ... */
	uint32_t leaf;     /* ... CPUID bit leaf.0.reg[bit] (0xd: leaf 0xd.1) */
	unsigned reg, bit; /* reg unused for an MSR */
	uint32_t to_msr;
	uint64_t to_mask;
} msr_dep;
#define DEP_CPUID(l, r, b, m, mask)                                                                \
	{                                                                                          \
		false, l, r, b, m, mask                                                            \
	}
#define DEP_MSR(f, b, m, mask)                                                                     \
	{                                                                                          \
		true, f, 0, b, m, mask                                                             \
	}
static const msr_dep msr_deps[] = {
	DEP_CPUID(0x7, EDX, 29, 0x10a, ~0ull),            /* arch-capabilities: ARCH_CAPABILITIES */
	DEP_CPUID(0x7, EDX, 30, 0xcf, ~0ull),             /* core-capability: CORE_CAPABILITIES */
	DEP_CPUID(0x1, ECX, 15, 0x345, ~0ull),            /* pdcm: PERF_CAPABILITIES */
	DEP_CPUID(0x1, ECX, 5, 0x48e, ~0ull),             /* vmx: (TRUE_)PROCBASED_CTLS */
	DEP_CPUID(0x1, ECX, 5, 0x48d, ~0ull),             /* vmx: (TRUE_)PINBASED_CTLS */
	DEP_CPUID(0x1, ECX, 5, 0x48f, ~0ull),             /* vmx: (TRUE_)EXIT_CTLS */
	DEP_CPUID(0x1, ECX, 5, 0x490, ~0ull),             /* vmx: (TRUE_)ENTRY_CTLS */
	DEP_CPUID(0x1, ECX, 5, 0x485, ~0ull),             /* vmx: VMX_MISC */
	DEP_CPUID(0x1, ECX, 5, 0x480, ~0ull),             /* vmx: VMX_BASIC */
	DEP_CPUID(0x80000001, EDX, 29, 0x490, 1ull << 9), /* lm: vmx-entry-ia32e-mode */
	DEP_MSR(0x48e, 31, 0x48b, ~0ull),                 /* vmx-secondary-ctls: PROCBASED_CTLS2 */
	DEP_CPUID(0xd, EAX, 3, 0x48b, 1ull << 20),        /* xsaves (0xd.1): vmx-xsaves */
	DEP_CPUID(0x1, ECX, 30, 0x48b, 1ull << 11),       /* rdrand: vmx-rdrand-exit */
	DEP_CPUID(0x7, EBX, 10, 0x48b, 1ull << 12),       /* invpcid: vmx-invpcid-exit */
	DEP_CPUID(0x7, EBX, 18, 0x48b, 1ull << 16),       /* rdseed: vmx-rdseed-exit */
	DEP_CPUID(0x80000001, EDX, 27, 0x48b, 1ull << 3), /* rdtscp: vmx-rdtscp-exit */
	DEP_MSR(0x48b, 1, 0x48c, 0xffffffffull),          /* vmx-ept: EPT capabilities */
	DEP_MSR(0x48b, 1, 0x48b, 1ull << 7),              /* vmx-ept: vmx-unrestricted-guest */
	DEP_MSR(0x48b, 5, 0x48c, 0xffffffffull << 32),    /* vmx-vpid: VPID capabilities */
	DEP_MSR(0x48b, 13, 0x491, ~0ull),                 /* vmx-vmfunc: VMFUNC */
};

/* The guest's bits of feature MSR `index` as built so far (the model's and
 * CPU_ENABLE's, CPU_DISABLE applied, then QEMU's dependencies). */
static uint64_t guest_msr_bits(const mc_x86_guest *g, uint32_t index)
{
	uint64_t v = 0;
	for (guint i = 0; i < g->msrs->len; i++) {
		const mc_cpu_bits *it = &g_array_index(g->msrs, mc_cpu_bits, i);
		if (it->leaf == index)
			v |= it->mask;
	}
	return v;
}

static void msr_dependencies(mc_x86_guest *g)
{
	for (size_t k = 0; k < G_N_ELEMENTS(msr_deps); k++) {
		const msr_dep *d = &msr_deps[k];
		/* xsaves is CPUID 0xd.1.eax: the only `from` with an index */
		unsigned index = d->leaf == 0xd ? 1 : 0;
		bool have = d->from_msr ? (guest_msr_bits(g, d->leaf) >> d->bit & 1)
					: mc_x86_guest_has(g, d->leaf, index, d->reg, d->bit);
		if (have)
			continue;
		for (guint i = 0; i < g->msrs->len; i++) {
			mc_cpu_bits *it = &g_array_index(g->msrs, mc_cpu_bits, i);
			if (it->leaf == d->to_msr)
				it->mask &= ~d->to_mask;
		}
	}
}

mc_x86_guest *mc_x86_guest_new(const mc_plan_env *env, const mc_plan_profile *src,
			       const mc_pins *pins, mc_error *err)
{
	const char *cpu = mc_pins_get(pins, "CPU");
	const char *disable = mc_pins_get(pins, "CPU_DISABLE");
	const char *enable = mc_pins_get(pins, "CPU_ENABLE");
	const mc_cpumodels *db = env ? env->cpumodels : NULL;
	/* Host-passthrough works without the map (raw bit names); a model or a
	 * feature name needs it. */
	if (!db && (!mc_x86_is_passthrough(cpu) || disable || enable)) {
		if (env && env->cpumodels_err.msg[0])
			mc_error_set(err, env->cpumodels_err.exit_code, env->cpumodels_err.errnum,
				     "%s", env->cpumodels_err.msg);
		else
			mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOENT, "no libvirt CPU map loaded");
		return NULL;
	}
	mc_x86_guest *g = g_new0(mc_x86_guest, 1);
	g->db = db;
	g->regs = compared_regs(db);
	g->msrs = g_array_new(FALSE, TRUE, sizeof(mc_cpu_bits));
	g->model_missing = g_array_new(FALSE, TRUE, sizeof(reg_bits));
	if (mc_x86_is_passthrough(cpu)) {
		g->describe = g_strdup("host-passthrough");
		for (guint i = 0; i < g->regs->len; i++) {
			reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
			rb->bits = mc_x86_host_bits(src, &rb->r);
			/* invtsc: QEMU's only unmigratable flag; -cpu host,migratable=on
			 * (libvirt's default) never shows it. */
			if (rb->r.leaf == 0x80000007 && rb->r.reg == EDX)
				rb->bits &= ~(1u << 8);
		}
	} else {
		g->model = g_strdup(cpu);
		g->describe = g_strdup_printf("CPU model %s", cpu);
		if (mc_cpumodels_model_bits(db, cpu, model_bit, g, err) < 0) {
			mc_x86_guest_free(g);
			return NULL;
		}
		apply_model_defaults(g, src);
	}
	if (enable) {
		g_autoptr(GArray) ops = feature_ops(db, enable, err);
		if (!ops) {
			mc_x86_guest_free(g);
			return NULL;
		}
		enable_apply(g, ops, src);
	}
	if (disable) {
		g_autoptr(GArray) ops = feature_ops(db, disable, err);
		if (!ops) {
			mc_x86_guest_free(g);
			return NULL;
		}
		disable_apply(g, ops);
		/* Disabled features are no longer needed from SRC. */
		for (guint i = 0; i < g->model_missing->len; i++) {
			reg_bits *mm = &g_array_index(g->model_missing, reg_bits, i);
			const reg_bits *rb = guest_reg(g->regs, mm->r.leaf, mm->r.index, mm->r.reg);
			mm->bits &= rb ? rb->bits : 0;
		}
	}
	msr_dependencies(g);
	return g;
}

char *mc_x86_guest_msr_token(const mc_x86_guest *g, unsigned index, unsigned bit)
{
	return g_strdup(mc_cpumodels_msr_bit_name(g->db, index, bit));
}

uint64_t mc_x86_msr_offered(unsigned index, uint64_t raw)
{
	switch (index) {
	case 0x48b: /* IA32_VMX_PROCBASED_CTLS2 */
	case 0x48d: /* IA32_VMX_TRUE_PINBASED_CTLS */
	case 0x48e: /* IA32_VMX_TRUE_PROCBASED_CTLS */
	case 0x48f: /* IA32_VMX_TRUE_EXIT_CTLS */
	case 0x490: /* IA32_VMX_TRUE_ENTRY_CTLS */
		return (uint32_t)(raw >> 32) & ~(uint32_t)raw;
	default:
		return raw;
	}
}

void mc_x86_guest_msr_missing(const mc_x86_guest *g, const mc_facts *host, GString *out)
{
	size_t first, last;
	mc_facts_domain_range(host, "x86.msr", &first, &last);
	if (!g->model || first == last)
		return;
	for (guint i = 0; i < g->msrs->len; i++) {
		const mc_cpu_bits *it = &g_array_index(g->msrs, mc_cpu_bits, i);
		bool seen = false;
		for (guint k = 0; k < i && !seen; k++)
			seen = g_array_index(g->msrs, mc_cpu_bits, k).leaf == it->leaf;
		if (seen)
			continue; /* this MSR's bits were gathered at its first item */
		uint64_t need = guest_msr_bits(g, it->leaf);
		char key[16];
		unsigned long long have = 0;
		snprintf(key, sizeof(key), "0x%08x", it->leaf);
		if (!mc_fact_u64(host, "x86.msr_feature", key, &have))
			have = 0;
		have = mc_x86_msr_offered(it->leaf, have);
		for (unsigned b = 0; b < 64; b++) {
			if (!(need >> b & 1) || (have >> b & 1))
				continue;
			const char *t = mc_cpumodels_msr_bit_name(g->db, it->leaf, b);
			if (t)
				g_string_append_printf(out, "%s%s", out->len ? "," : "", t);
			else
				g_string_append_printf(out, "%sMSR 0x%x bit %u",
						       out->len ? "," : "", it->leaf, b);
		}
	}
}

bool mc_x86_guest_has(const mc_x86_guest *g, unsigned leaf, unsigned index, unsigned reg,
		      unsigned bit)
{
	const reg_bits *rb = guest_reg(g->regs, leaf, index, reg);
	return rb && bit < 32 && (rb->bits >> bit & 1);
}

size_t mc_x86_guest_nregs(const mc_x86_guest *g)
{
	return g->regs->len;
}

uint32_t mc_x86_guest_reg(const mc_x86_guest *g, size_t i, mc_x86_reg *r)
{
	const reg_bits *rb = &g_array_index(g->regs, reg_bits, i);
	*r = rb->r;
	return rb->bits;
}

size_t mc_x86_guest_nmissing(const mc_x86_guest *g)
{
	return g->model_missing->len;
}

uint32_t mc_x86_guest_missing(const mc_x86_guest *g, size_t i, mc_x86_reg *r)
{
	const reg_bits *rb = &g_array_index(g->model_missing, reg_bits, i);
	*r = rb->r;
	return rb->bits;
}

unsigned long long mc_x86_guest_msr_feature(const mc_x86_guest *g, const mc_plan_profile *src,
					    unsigned index)
{
	char key[16];
	unsigned long long v = 0;
	snprintf(key, sizeof(key), "0x%08x", index);
	if (!mc_pp_u64(src, "x86.msr_feature", key, &v))
		return 0;
	v = mc_x86_msr_offered(index, v); /* what SRC offers a guest */
	if (!g->model)
		return v;
	/* A model shows the feature-MSR bits it lists; for an MSR the map
	 * defines no bit of (e.g. PERF_CAPABILITIES), QEMU passes the host's. */
	if (!g->db || !mc_cpumodels_msr_defined(g->db, index))
		return v;
	return v & guest_msr_bits(g, index);
}
