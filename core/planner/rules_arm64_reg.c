/* arm64 registers: QEMU restores every register of the source vCPU's
 * KVM_GET_REG_LIST on the destination with KVM_SET_ONE_REG (core and SVE
 * registers by hand, the rest in ascending id order: cache-size demux, system
 * registers with the ID registers first, firmware registers), and one refused
 * write fails the migration (target/arm/machine.c cpu_post_load,
 * target/arm/kvm.c write_list_to_kvmstate). This family predicts every such
 * write:
 *
 *  - a register the destination does not list: ENOENT;
 *  - a register whose value the destination kernel checks (recorded with its
 *    value by the probe: the ID registers, MIDR/REVIDR/AIDR, MPIDR, CTR_EL0,
 *    CLIDR_EL1, the CCSIDR demux registers) is judged by the rules of the
 *    destination's kernel generation, from arch/arm64/kvm/sys_regs.c of
 *    Debian's sources:
 *      6.1   set_id_reg / set_invariant_sys_reg / demux_c15_set: every value
 *            must equal the destination's, except ID_AA64PFR0_EL1.CSV2/CSV3,
 *            which may be lowered (set_id_aa64pfr0_el1); AArch32 ID registers
 *            are ignored by a destination without AArch32 EL0;
 *      6.12, 7.3  set_id_reg + arm64_check_features: the fields inside the
 *            writable mask (the destination's KVM_ARM_GET_REG_WRITABLE_MASKS)
 *            may move in the direction cpufeature.c calls safe, all other bits
 *            must equal the destination's limit (its fresh vCPU's value), plus
 *            the per-register checks of set_id_aa64dfr0_el1, set_id_dfr0_el1,
 *            set_id_aa64pfr0_el1 (7.3), set_ctr_el0 (7.3); MIDR, REVIDR, AIDR
 *            must be equal; CLIDR_EL1 (set_clidr) and CCSIDR (set_ccsidr) only
 *            need to be consistent with the destination's CTR_EL0; registers
 *            whose visibility follows the guest's ID registers (TCR2_EL1,
 *            PIR(E0)_EL1, POR_EL0/1, SCTLR2_EL1) are hidden, and refused, when
 *            the source's ID_AA64MMFR3_EL1 lacks their feature;
 *      other kernels: equal values are fine; a difference is reported as
 *            unknown (action) rather than guessed.
 *  - firmware pseudo-registers are judged by the arm64.fwreg family.
 *
 * The probe's vCPU has every feature its kernel offers (SVE, pointer
 * authentication, the PMU: probes/arm64_regs.c). A guest started without
 * one (kvm.cap's pins SVE=off, PTRAUTH=off, PMU=off) has neither the
 * registers the kernel adds with it (hidden by sve_visibility,
 * ptrauth_visibility, pmu_visibility) nor the ID register fields that
 * announce it (read as 0: ID_AA64PFR0_EL1.SVE and ID_AA64ZFR0_EL1,
 * ID_AA64ISAR1_EL1.APA/API/GPA/GPI and ID_AA64ISAR2_EL1.APA3/GPA3,
 * ID_AA64DFR0_EL1.PMUVer and ID_DFR0_EL1.PerfMon), on the source and on
 * the destination alike (QEMU starts the vCPUs there with the same
 * features): both profiles are read that way (guest_view).
 *
 * A profile probed before register values were recorded (value `1`) cannot
 * show a difference: the plan says so (action) instead of ok. */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/arm64_regid.h"
#include "core/planner/arm64_idregs.h"
#include "core/planner/rule.h"

#define FAMILY "arm64.reg"

#define SYSREG(op0, op1, crn, crm, op2)                                                            \
	(0x6030000000130000ULL | (uint64_t)(op0) << 14 | (uint64_t)(op1) << 11 |                   \
	 (uint64_t)(crn) << 7 | (uint64_t)(crm) << 3 | (uint64_t)(op2))
#define R_MIDR SYSREG(3, 0, 0, 0, 0)
#define R_MPIDR SYSREG(3, 0, 0, 0, 5)
#define R_REVIDR SYSREG(3, 0, 0, 0, 6)
#define R_ID_DFR0 SYSREG(3, 0, 0, 1, 2)
#define R_ZCR SYSREG(3, 0, 1, 2, 0)
#define R_PFR0 SYSREG(3, 0, 0, 4, 0)
#define R_PFR1 SYSREG(3, 0, 0, 4, 1)
#define R_DFR0 SYSREG(3, 0, 0, 5, 0)
#define R_ZFR0 SYSREG(3, 0, 0, 4, 4)
#define R_ISAR1 SYSREG(3, 0, 0, 6, 1)
#define R_ISAR2 SYSREG(3, 0, 0, 6, 2)
#define R_MMFR2 SYSREG(3, 0, 0, 7, 2)
#define R_MMFR3 SYSREG(3, 0, 0, 7, 3)
#define R_CLIDR SYSREG(3, 1, 0, 0, 1)
#define R_AIDR SYSREG(3, 1, 0, 0, 7)
#define R_CTR SYSREG(3, 3, 0, 0, 1)
#define DEMUX_BASE 0x6020000000110000ULL

typedef enum { KM_UNKNOWN, KM_6_1, KM_6_12, KM_7_3 } kmodel;

static const char *kmodel_name(kmodel m)
{
	switch (m) {
	case KM_6_1:
		return "6.1";
	case KM_6_12:
		return "6.12";
	case KM_7_3:
		return "7.3";
	default:
		return "unmodelled";
	}
}

/* The destination kernel's generation, from kernel/release "A.B...". */
static kmodel dst_model(const mc_plan_profile *dst, unsigned *maj, unsigned *min)
{
	const char *rel = mc_pp_release(dst);
	*maj = *min = 0;
	if (!rel || sscanf(rel, "%u.%u", maj, min) != 2)
		return KM_UNKNOWN;
	if (*maj == 6 && *min == 1)
		return KM_6_1;
	if (*maj == 6 && *min == 12)
		return KM_6_12;
	if (*maj == 7 && *min == 3)
		return KM_7_3;
	return KM_UNKNOWN;
}

static uint64_t field(uint64_t v, unsigned shift, unsigned width)
{
	return (v >> shift) & ((width >= 64 ? 0 : 1ULL << width) - 1);
}

/* Append to why, when the caller wants the reason (NULL: the decision only,
 * the text is written later, from the same arguments). */
static void say(GString *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(GString *why, const char *fmt, ...)
{
	if (!why)
		return;
	va_list ap;
	va_start(ap, fmt);
	g_string_append_vprintf(why, fmt, ap);
	va_end(ap);
}

static void say_s(GString *why, const char *text)
{
	if (why)
		mc_text_add(why, text);
}

/* "[HI:LO] source 0xS, destination 0xD" */
static void append_field(GString *out, unsigned hi, unsigned lo, uint64_t s, uint64_t d)
{
	mc_text_add_len(out, "[", 1);
	mc_text_u(out, hi);
	mc_text_add_len(out, ":", 1);
	mc_text_u(out, lo);
	mc_text_add(out, "] source 0x");
	mc_text_hex(out, s);
	mc_text_add(out, ", destination 0x");
	mc_text_hex(out, d);
}

/* A name for a register id: the ID register table's, a few others, or the
 * sys_reg(op0,op1,CRn,CRm,op2) encoding. */
static const char *reg_name(uint64_t id, char *buf, size_t n)
{
	static const struct {
		uint64_t id;
		const char *name;
	} names[] = {
		{ R_MIDR, "MIDR_EL1" },
		{ R_MPIDR, "MPIDR_EL1" },
		{ R_REVIDR, "REVIDR_EL1" },
		{ SYSREG(3, 1, 0, 0, 0), "CCSIDR_EL1" },
		{ R_CLIDR, "CLIDR_EL1" },
		{ SYSREG(3, 1, 0, 0, 2), "CCSIDR2_EL1" },
		{ R_AIDR, "AIDR_EL1" },
		{ SYSREG(3, 3, 0, 0, 7), "DCZID_EL0" },
		{ SYSREG(3, 0, 2, 0, 3), "TCR2_EL1" },
		{ SYSREG(3, 0, 10, 2, 2), "PIRE0_EL1" },
		{ SYSREG(3, 0, 10, 2, 3), "PIR_EL1" },
		{ SYSREG(3, 0, 10, 2, 4), "POR_EL1" },
		{ SYSREG(3, 3, 10, 2, 4), "POR_EL0" },
		{ SYSREG(3, 0, 1, 0, 3), "SCTLR2_EL1" },
		{ SYSREG(3, 0, 9, 14, 6), "PMMIR_EL1" },
		{ SYSREG(3, 0, 1, 2, 0), "ZCR_EL1" },
		{ 0x606000000015ffffULL, "SVE_VLS" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].id == id)
			return names[i].name;
	const mc_idreg *r = mc_idreg_find(MC_IDREGS_7_3, id);
	if (r)
		return r->name;
	if ((id & ~0xffffULL) == DEMUX_BASE)
		snprintf(buf, n, "CCSIDR(CSSELR %u)", (unsigned)(id & 0xff));
	else if ((id & 0xffff0000ULL) == 0x00130000ULL)
		snprintf(buf, n, "sys_reg(%u,%u,%u,%u,%u)", (unsigned)(id >> 14) & 3,
			 (unsigned)(id >> 11) & 7, (unsigned)(id >> 7) & 15,
			 (unsigned)(id >> 3) & 15, (unsigned)id & 7);
	else
		snprintf(buf, n, "0x%016" PRIx64, id);
	return buf;
}

/* Human name of a register class, from the id's coprocessor field. */
static const char *reg_class(uint64_t id)
{
	switch ((id >> 16) & 0xfff) {
	case 0x0010:
		return MC_KVM_REG_SIZE(id) == 16 ? "FP/SIMD (core)" : "core";
	case 0x0011:
		return "cache geometry (demux)";
	case 0x0013:
		return "system";
	case 0x0014:
		return "firmware";
	case 0x0015:
		return "SVE";
	case 0x0016:
		return "firmware bitmap";
	default:
		return "other";
	}
}

/* "ID_AA64ISAR1_EL1.APA [7:4] 0x1 -> 0x0, ..." for the fields (or nibbles)
 * where s and d differ; at most 6. */
static void describe_diff(uint64_t id, uint64_t s, uint64_t d, GString *out)
{
	if (!out)
		return;
	const mc_idreg *r = mc_idreg_find(MC_IDREGS_7_3, id);
	if (!r)
		r = mc_idreg_find(MC_IDREGS_6_12, id);
	uint64_t left = s ^ d;
	int shown = 0;
	for (size_t i = 0; r && i < r->n_fields && left; i++) {
		const mc_idreg_field *f = &r->fields[i];
		uint64_t m = (f->width >= 64 ? ~0ULL : ((1ULL << f->width) - 1)) << f->shift;
		if (!(left & m))
			continue;
		left &= ~m;
		if (shown++ < 6) {
			mc_text_add(out, shown > 1 ? "; " : "");
			mc_text_add(out, f->name);
			mc_text_add_len(out, " ", 1);
			append_field(out, f->shift + f->width - 1U, f->shift,
				     field(s, f->shift, f->width), field(d, f->shift, f->width));
		}
	}
	for (unsigned sh = 0; sh < 64 && left; sh += 4) {
		if (!((left >> sh) & 0xf))
			continue;
		left &= ~(0xfULL << sh);
		if (shown++ < 6) {
			mc_text_add(out, shown > 1 ? "; bits " : "bits ");
			append_field(out, sh + 3, sh, field(s, sh, 4), field(d, sh, 4));
		}
	}
	if (shown > 6)
		g_string_append_printf(out, "; %d more", shown - 6);
}

/* vCPU features the guest was started without (kvm.cap's FEATURE=off pins),
 * as far as they change its registers. */
enum { OFF_SVE = 1, OFF_PTRAUTH = 2, OFF_PMU = 4 };

static unsigned features_off(const mc_pins *pins)
{
	static const struct {
		const char *pin;
		unsigned bit;
	} f[] = { { "SVE", OFF_SVE }, { "PTRAUTH", OFF_PTRAUTH }, { "PMU", OFF_PMU } };
	unsigned off = 0;
	for (size_t i = 0; pins && mc_pins_count(pins) && i < G_N_ELEMENTS(f); i++) {
		const char *v = mc_pins_get(pins, f[i].pin);
		if (v && g_ascii_strcasecmp(v, "off") == 0)
			off |= f[i].bit;
	}
	return off;
}

/* Is register id one the kernel hides from a vCPU without the features
 * `off` (sve_visibility: the SVE registers and ZCR_EL1; ptrauth_visibility:
 * the APxxKEY registers, sys_reg(3,0,2,1..3,*); pmu_visibility: the PMU
 * registers, sys_reg(3,0,9,14,*), sys_reg(3,3,9,12..14,*) and
 * sys_reg(3,3,14,8..15,*))? */
static bool hidden_without(unsigned off, uint64_t id)
{
	if (!off)
		return false;
	if ((off & OFF_SVE) && (((id >> 16) & 0xfff) == 0x0015 || id == R_ZCR))
		return true;
	if ((id & ~0xffffULL) != 0x6030000000130000ULL)
		return false; /* not a 64-bit system register */
	unsigned op0 = (id >> 14) & 3, op1 = (id >> 11) & 7, crn = (id >> 7) & 15,
		 crm = (id >> 3) & 15;
	if (op0 != 3)
		return false;
	if ((off & OFF_PTRAUTH) && op1 == 0 && crn == 2 && crm >= 1 && crm <= 3)
		return true;
	return (off & OFF_PMU) && ((op1 == 0 && crn == 9 && crm == 14) ||
				   (op1 == 3 && crn == 9 && crm >= 12 && crm <= 14) ||
				   (op1 == 3 && crn == 14 && crm >= 8));
}

/* Value v of register id as a vCPU without the features `off` reads it:
 * the fields announcing them 0. */
static uint64_t guest_view(unsigned off, uint64_t id, uint64_t v)
{
	if (!off)
		return v;
	if (off & OFF_SVE) {
		if (id == R_PFR0)
			v &= ~(0xfULL << 32); /* SVE */
		if (id == R_ZFR0)
			v = 0;
	}
	if (off & OFF_PTRAUTH) {
		if (id == R_ISAR1) /* APA [7:4], API [11:8], GPA [27:24], GPI [31:28] */
			v &= ~(0xffULL << 4 | 0xffULL << 24);
		if (id == R_ISAR2) /* GPA3 [11:8], APA3 [15:12] */
			v &= ~(0xffULL << 8);
	}
	if (off & OFF_PMU) {
		if (id == R_DFR0)
			v &= ~(0xfULL << 8); /* PMUVer */
		if (id == R_ID_DFR0)
			v &= ~(0xfULL << 24); /* PerfMon */
	}
	return v;
}

typedef enum { J_OK, J_UNKNOWN, J_REFUSED } jlevel;

typedef struct reg_ctx reg_ctx;
static void ctx_init(reg_ctx *c, const mc_plan_profile *src, const mc_plan_profile *dst,
		     const mc_pins *pins, unsigned off);
static jlevel src_accepts_ctx(const reg_ctx *c, uint64_t id, uint64_t v, GString *why);
static uint64_t pin_reg_id(const char *name);

static bool is_aa32_idreg(uint64_t id)
{
	unsigned crm = (id >> 3) & 15;
	return (id & ~0x3fULL) == SYSREG(3, 0, 0, 0, 0) && crm >= 1 && crm <= 3;
}

/* A register's recorded value in profile f; false when it has none. */
static bool reg_value(const mc_plan_profile *f, uint64_t id, uint64_t *v)
{
	const mc_pp_reg *r = mc_pp_arm64_reg(f, id);
	if (!r || !r->has_value)
		return false;
	*v = r->value;
	return true;
}

/* The same as a guest without the features `off` sees it. */
static bool reg_value_off(const mc_plan_profile *f, unsigned off, uint64_t id, uint64_t *v)
{
	if (!reg_value(f, id, v))
		return false;
	*v = guest_view(off, id, *v);
	return true;
}

/* The destination lets AArch32 ID registers be written with anything (and
 * ignores them) when it has no AArch32 EL0 (aa32_id_visibility). */
static bool dst_has_aa32_el0(const mc_plan_profile *dst)
{
	uint64_t pfr0;
	return reg_value(dst, R_PFR0, &pfr0) && field(pfr0, 0, 4) == 2;
}

static int64_t sext(uint64_t v, unsigned width, bool sign)
{
	if (sign && width < 64 && (v >> (width - 1)) & 1)
		return (int64_t)(v | ~((1ULL << width) - 1));
	return (int64_t)v;
}

/* arm64_check_features() of Linux 6.7+ for one ID register. */
static jlevel check_features(const mc_idreg *r, uint64_t writable, uint64_t val, uint64_t limit,
			     GString *why)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < r->n_fields; i++) {
		const mc_idreg_field *f = &r->fields[i];
		uint64_t fm = (f->width >= 64 ? ~0ULL : ((1ULL << f->width) - 1)) << f->shift;
		if ((fm & writable) != fm)
			continue;
		mask |= fm;
		int64_t fv = sext(field(val, f->shift, f->width), f->width, f->sign);
		int64_t fl = sext(field(limit, f->shift, f->width), f->width, f->sign);
		if (fv == fl)
			continue;
		bool ok;
		const char *rule;
		switch (f->type) {
		case MC_FTR_LOWER:
			ok = fv <= fl;
			rule = "may only be lowered";
			break;
		case MC_FTR_HIGHER:
			ok = fv >= fl;
			rule = "may only be raised";
			break;
		case MC_FTR_HIGHER_OR_ZERO:
			ok = fv == 0 || (fl != 0 && fv >= fl);
			rule = "may only be raised or set to 0";
			break;
		default:
			ok = fv == sext(f->safe, f->width, f->sign);
			rule = "must be equal or the safe value";
			break;
		}
		if (!ok) {
			say(why,
			    "%s.%s [%u:%u] source 0x%" PRIx64 ", destination 0x%" PRIx64
			    " (a writable field that %s)",
			    r->name, f->name, f->shift + f->width - 1, f->shift,
			    field(val, f->shift, f->width), field(limit, f->shift, f->width), rule);
			return J_REFUSED;
		}
	}
	if ((val & ~mask) != (limit & ~mask)) {
		say_s(why, r->name);
		say_s(why, ": ");
		describe_diff(r->id, val & ~mask, limit & ~mask, why);
		say_s(why, " (fields the kernel does not let userspace change)");
		return J_REFUSED;
	}
	return J_OK;
}

struct reg_ctx {
	const mc_plan_profile *src, *dst;
	const mc_pins *pins;
	unsigned off; /* features_off(pins) */
	kmodel model;
	bool dst_aa32;
	uint64_t dst_ctr;
	bool have_dst_ctr;
	/* dst NULL (a verdict's text, written after the plan): the one
	 * register's writable mask from the destination's arm64.reg_mask */
	bool have_mask;
	uint64_t mask;
};

/* "0x%016" PRIx64 of v, the key of a register id. */
static void reg_key(uint64_t v, char out[19])
{
	static const char hex[] = "0123456789abcdef";
	out[0] = '0', out[1] = 'x';
	for (int i = 0; i < 16; i++)
		out[2 + i] = hex[(v >> (60 - 4 * i)) & 0xf];
	out[18] = 0;
}

/* The destination's writable mask of register id (arm64.reg_mask), if it
 * recorded one. */
static bool reg_mask(const reg_ctx *c, uint64_t id, uint64_t *m)
{
	if (!c->dst) {
		*m = c->mask;
		return c->have_mask;
	}
	char key[19];
	unsigned long long x;
	reg_key(id, key);
	if (!mc_pp_u64(c->dst, "arm64.reg_mask", key, &x))
		return false;
	*m = x;
	return true;
}

/* The ID registers a guest can be started with (pins NAME=VALUE): those the
 * 6.12 and 7.3 tables know. */
static const char *const pin_names[] = {
	"ID_PFR0_EL1",
	"ID_PFR1_EL1",
	"ID_DFR0_EL1",
	"ID_MMFR0_EL1",
	"ID_MMFR1_EL1",
	"ID_MMFR2_EL1",
	"ID_MMFR3_EL1",
	"ID_ISAR0_EL1",
	"ID_ISAR1_EL1",
	"ID_ISAR2_EL1",
	"ID_ISAR3_EL1",
	"ID_ISAR4_EL1",
	"ID_ISAR5_EL1",
	"ID_MMFR4_EL1",
	"ID_ISAR6_EL1",
	"MVFR0_EL1",
	"MVFR1_EL1",
	"MVFR2_EL1",
	"ID_PFR2_EL1",
	"ID_MMFR5_EL1",
	"ID_AA64PFR0_EL1",
	"ID_AA64PFR1_EL1",
	"ID_AA64PFR2_EL1",
	"ID_AA64ZFR0_EL1",
	"ID_AA64FPFR0_EL1",
	"ID_AA64DFR0_EL1",
	"ID_AA64ISAR0_EL1",
	"ID_AA64ISAR1_EL1",
	"ID_AA64ISAR2_EL1",
	"ID_AA64ISAR3_EL1",
	"ID_AA64MMFR0_EL1",
	"ID_AA64MMFR1_EL1",
	"ID_AA64MMFR2_EL1",
	"ID_AA64MMFR3_EL1",
	"ID_AA64MMFR4_EL1",
	"CTR_EL0",
	NULL,
};

/* The register ids of pin_names (0: none) and whether reg_name names each
 * so, made once under a lock and never changed after: report plans on
 * threads (a pthread mutex, which helgrind and TSan follow; they do not
 * follow g_once or pthread_once). */
typedef struct {
	uint64_t id[G_N_ELEMENTS(pin_names)];
	bool named[G_N_ELEMENTS(pin_names)]; /* pin_reg_id(reg_name(id)) == id */
} pin_table;

static const pin_table *pins_table(void)
{
	static pin_table t;
	static bool done;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	for (size_t k = 0; !done && pin_names[k]; k++) {
		if (strcmp(pin_names[k], "CTR_EL0") == 0)
			t.id[k] = R_CTR;
		for (uint64_t id = SYSREG(3, 0, 0, 0, 0); !t.id[k] && id <= SYSREG(3, 0, 0, 7, 7);
		     id++) {
			const mc_idreg *r = mc_idreg_find(MC_IDREGS_7_3, id);
			if (r && strcmp(r->name, pin_names[k]) == 0)
				t.id[k] = id;
		}
		char nb[40];
		t.named[k] = t.id[k] && g_ascii_strcasecmp(pin_names[k],
							   reg_name(t.id[k], nb, sizeof(nb))) == 0;
	}
	done = true;
	pthread_mutex_unlock(&lock);
	return &t;
}

static uint64_t pin_reg_id(const char *name)
{
	const pin_table *t = pins_table();
	for (size_t i = 0; pin_names[i]; i++) /* a name of the table itself */
		if (pin_names[i] == name)
			return t->id[i];
	for (size_t i = 0; pin_names[i]; i++)
		if (g_ascii_strcasecmp(pin_names[i], name) == 0)
			return t->id[i];
	return 0;
}

/* pin_reg_id(reg_name(id)) == id: a guest can be started with a pin of
 * register id. */
static bool is_pin_reg(uint64_t id)
{
	const pin_table *t = pins_table();
	for (size_t k = 0; pin_names[k]; k++)
		if (t->named[k] && t->id[k] == id)
			return true;
	return false;
}

/* The source guest's value: a pin, else the source profile's (as a vCPU
 * without the features c->off reads it). */
static bool src_value(const reg_ctx *c, uint64_t id, uint64_t *v)
{
	char nb[40];
	unsigned long long x;
	if (c->pins && mc_pins_get_u64(c->pins, reg_name(id, nb, sizeof(nb)), &x) == 0) {
		*v = x;
		return true;
	}
	return reg_value_off(c->src, c->off, id, v);
}

/* The destination kernel's decision on the source's value s of a checked
 * register whose destination value is d. */
static jlevel judge(const reg_ctx *c, uint64_t id, uint64_t s, uint64_t d, GString *why)
{
	if (s == d || id == R_MPIDR) /* MPIDR_EL1: stored as given */
		return J_OK;
	if (is_aa32_idreg(id) && !c->dst_aa32)
		return J_OK; /* RAZ/WI on a destination without AArch32 EL0 */
	char nb[40];
	const char *name = why ? reg_name(id, nb, sizeof(nb)) : ""; /* for the text */
	if (c->model == KM_UNKNOWN) {
		say_s(why, name);
		say_s(why, ": ");
		describe_diff(id, s, d, why);
		say_s(why, " (this kernel's rules for the value are not modelled)");
		return J_UNKNOWN;
	}
	if (c->model == KM_6_1) {
		if (id == R_PFR0) {
			/* set_id_aa64pfr0_el1: CSV2/CSV3 may be lowered (to 0, or 1 on an
			 * unaffected host); all other bits equal. */
			uint64_t csv = 0xffULL << 56;
			bool ok = (s & ~csv) == (d & ~csv);
			for (unsigned sh = 56; sh <= 60; sh += 4)
				if (field(s, sh, 4) > 1 || field(s, sh, 4) > field(d, sh, 4))
					ok = false;
			if (ok)
				return J_OK;
		}
		say_s(why, name);
		say_s(why, ": ");
		describe_diff(id, s, d, why);
		say_s(why, (id & ~0xffULL) == DEMUX_BASE
			       ? " (6.1 accepts only the destination host's own cache geometry)"
			       : " (6.1 accepts only the destination's own value)");
		return J_REFUSED;
	}
	/* 6.12 and 7.3 */
	if (id == R_MIDR || id == R_REVIDR || id == R_AIDR) {
		say(why,
		    "%s: source 0x%" PRIx64 ", destination 0x%" PRIx64
		    " (the implementation registers must be the destination's own)",
		    name, s, d);
		return J_REFUSED;
	}
	if ((id & ~0xffULL) == DEMUX_BASE) {
		/* set_ccsidr: LineSize + 4 >= the minimum line size of CTR_EL0. */
		if (!c->have_dst_ctr) {
			say(why, "%s: the destination's CTR_EL0 is unknown", name);
			return J_UNKNOWN;
		}
		unsigned min =
		    (unsigned)((id & 1) ? field(c->dst_ctr, 0, 4) : field(c->dst_ctr, 16, 4)) + 2;
		if (field(s, 0, 3) + 4 >= min)
			return J_OK;
		say(why,
		    "%s: line size 2^%u bytes is below the destination's minimum 2^%u (CTR_EL0)",
		    name, (unsigned)field(s, 0, 3) + 4, min);
		return J_REFUSED;
	}
	if (id == R_CLIDR) {
		/* set_clidr: no RES0 bits; with CTR_EL0.IDC clear, LoC and LoUIS/LoUU
		 * must say that cleaning to the PoU is needed. */
		bool idc = field(s, 24, 3) == 0 || (field(s, 21, 3) == 0 && field(s, 27, 3) == 0);
		if (s >> 47) {
			say(why, "%s: RES0 bits set in 0x%" PRIx64, name, s);
			return J_REFUSED;
		}
		if (!c->have_dst_ctr) {
			say(why, "%s: the destination's CTR_EL0 is unknown", name);
			return J_UNKNOWN;
		}
		if (idc && !field(c->dst_ctr, 28, 1)) {
			say(why,
			    "%s: 0x%" PRIx64 " describes no cache maintenance to the PoU, which "
			    "the destination's CTR_EL0.IDC 0 requires",
			    name, s);
			return J_REFUSED;
		}
		return J_OK;
	}
	const mc_idreg *r = mc_idreg_find(c->model == KM_7_3 ? MC_IDREGS_7_3 : MC_IDREGS_6_12, id);
	if (!r) {
		say_s(why, name);
		say_s(why, ": ");
		describe_diff(id, s, d, why);
		say(why, " (%s accepts only the destination's own value)", kmodel_name(c->model));
		return (id & ~0x3fULL) == SYSREG(3, 0, 0, 0, 0) ? J_REFUSED : J_UNKNOWN;
	}
	/* The per-register checks before set_id_reg. */
	if (id == R_DFR0) {
		if (field(s, 8, 4) == 0xf) /* PMUVer IMP_DEF reads as 0 */
			s &= ~(0xfULL << 8);
		if (field(s, 0, 4) < 6) {
			say(why, "%s.DebugVer 0x%" PRIx64 " is below Armv8 (6)", name,
			    field(s, 0, 4));
			return J_REFUSED;
		}
	}
	if (id == R_ID_DFR0) {
		if (field(s, 24, 4) == 0xf)
			s &= ~(0xfULL << 24);
		if ((field(s, 24, 4) && field(s, 24, 4) < 3) || field(s, 0, 4) < 6) {
			say(why,
			    "%s: PerfMon 0x%" PRIx64 ", CopDbg 0x%" PRIx64
			    " (the destination has AArch32 and needs an Armv8 debug architecture)",
			    name, field(s, 24, 4), field(s, 0, 4));
			return J_REFUSED;
		}
	}
	if (id == R_PFR0 && c->model == KM_7_3 && (!field(s, 0, 4) || !field(s, 4, 4))) {
		say(why,
		    "%s: EL0/EL1 0x%" PRIx64 "/0x%" PRIx64
		    " (7.3 refuses an EL0 or EL1 field of 0)",
		    name, field(s, 0, 4), field(s, 4, 4));
		return J_REFUSED;
	}
	if (id == R_CTR && c->model == KM_7_3 && field(s, 14, 2) < 2) {
		say(why, "%s.L1Ip 0x%" PRIx64 " (7.3 refuses VPIPT and AIVIVT)", name,
		    field(s, 14, 2));
		return J_REFUSED;
	}
	/* MPAM (PFR0), MPAM_frac (PFR1) and on 7.3 NV (MMFR2) are dropped when they
	 * equal the destination host's own value, which no profile shows. */
	struct {
		uint64_t id;
		unsigned shift;
		bool only73;
	} hostfields[] = { { R_PFR0, 40, false }, { R_PFR1, 16, false }, { R_MMFR2, 24, true } };
	for (size_t i = 0; i < sizeof(hostfields) / sizeof(hostfields[0]); i++) {
		if (hostfields[i].id != id || (hostfields[i].only73 && c->model != KM_7_3))
			continue;
		unsigned sh = hostfields[i].shift;
		if (field(s, sh, 4) != field(d, sh, 4)) {
			uint64_t s2 = (s & ~(0xfULL << sh)) | (d & (0xfULL << sh));
			jlevel l = judge(c, id, s2, d, NULL);
			if (l == J_REFUSED)
				break; /* refused for another reason: say that */
			say(why,
			    "%s bits [%u:%u] source 0x%" PRIx64
			    ": accepted only if the destination host's own value is the same",
			    name, sh + 3, sh, field(s, sh, 4));
			return J_UNKNOWN;
		}
	}
	uint64_t writable = r->writable, m;
	if (reg_mask(c, id, &m))
		writable = m;
	GString *w = why ? g_string_new(NULL) : NULL;
	jlevel l = check_features(r, writable, s, d, w);
	if (l == J_REFUSED && w)
		say(why, "%s (%s, arm64_check_features)", w->str, kmodel_name(c->model));
	if (w)
		g_string_free(w, TRUE);
	return l;
}

/* Registers the destination hides, at restore time, when the guest's (the
 * source's, already written) ID_AA64MMFR3_EL1 lacks their feature. */
static bool hidden_by_src_idregs(const reg_ctx *c, uint64_t id, const char **feat)
{
	static const struct {
		uint64_t id;
		unsigned shift;
		const char *feat;
		bool in612;
	} vis[] = {
		{ SYSREG(3, 0, 2, 0, 3), 0, "TCRX", false },
		{ SYSREG(3, 0, 1, 0, 3), 4, "SCTLRX", false },
		{ SYSREG(3, 0, 10, 2, 2), 8, "S1PIE", false },
		{ SYSREG(3, 0, 10, 2, 3), 8, "S1PIE", false },
		{ SYSREG(3, 0, 10, 2, 4), 16, "S1POE", true },
		{ SYSREG(3, 3, 10, 2, 4), 16, "S1POE", true },
	};
	if (c->model != KM_7_3 && c->model != KM_6_12)
		return false;
	for (size_t i = 0; i < sizeof(vis) / sizeof(vis[0]); i++) {
		if (vis[i].id != id || (c->model == KM_6_12 && !vis[i].in612))
			continue;
		uint64_t mmfr3;
		if (!src_value(c, R_MMFR3, &mmfr3))
			mmfr3 = 0; /* a source without the register has no such feature */
		*feat = vis[i].feat;
		return field(mmfr3, vis[i].shift, 4) == 0;
	}
	return false;
}

/* The order of two registers' keys (strcmp's; canonical keys by id). */
static int key_cmp(const mc_pp_reg *a, const mc_pp_reg *b)
{
	if (a->canon && b->canon)
		return a->id < b->id ? -1 : a->id > b->id;
	return strcmp(a->fact->key, b->fact->key);
}

/* ---- verdicts, their text written when read (mc_plan_add_lazy) ---- */

/* A checked register's value refused (or not modelled) by the destination. */
typedef struct value_text {
	reg_ctx c; /* the judge's context; src, dst and pins NULL */
	uint64_t id, s, d;
	jlevel l;
	bool pin;          /* the remedy is a pin of the destination's value */
	bool have_release; /* the destination's kernel/release follows the key */
	char strs[];       /* the register's key, the release */
} value_text;

static void value_verdict_text(const void *args, mc_verdict *v)
{
	const value_text *a = args;
	const char *key = a->strs, *rel = a->have_release ? key + strlen(key) + 1 : "(null)";
	char nb[40];
	const char *name = reg_name(a->id, nb, sizeof(nb));
	GString *t = g_string_sized_new(256);
	mc_text_add(t, a->l == J_REFUSED ? "KVM_SET_ONE_REG refuses it: " : "unknown: ");
	judge(&a->c, a->id, a->s, a->d, t);
	v->reason = g_string_free(t, FALSE);
	v->subject = g_strdup(name);
	/* "SRC arm64.reg KEY = 0xS; DST arm64.reg KEY = 0xD; DST kernel REL" */
	t = g_string_sized_new(128);
	mc_text_add(t, "SRC arm64.reg ");
	mc_text_add(t, key);
	mc_text_add(t, " = 0x");
	mc_text_hex(t, a->s);
	mc_text_add(t, "; DST arm64.reg ");
	mc_text_add(t, key);
	mc_text_add(t, " = 0x");
	mc_text_hex(t, a->d);
	mc_text_add(t, "; DST kernel ");
	mc_text_add(t, rel);
	v->facts = g_string_free(t, FALSE);
	if (a->pin) {
		t = g_string_new(name);
		mc_text_add(t, "=0x");
		mc_text_hex(t, a->d);
		v->pin = g_string_free(t, FALSE);
		v->remedy = g_strconcat("start the guest with --pin ", v->pin,
					" (the source kernel accepts it), or choose a destination "
					"whose CPU and kernel present the same value",
					NULL);
	} else {
		v->remedy = g_strdup(a->l == J_REFUSED
					 ? "choose a destination whose CPU and kernel present "
					   "the same value (a source kernel of Linux 6.7 or later "
					   "can start the guest with a lower value)"
					 : "verify with a test migration to this kernel");
	}
}

/* rel: the destination's kernel/release, or NULL */
static void add_value_verdict(mc_rule_ctx *ctx, const reg_ctx *c, const char *rel, const char *key,
			      uint64_t id, uint64_t s, uint64_t d, jlevel l, bool pin)
{
	size_t lk = strlen(key) + 1, lr = rel ? strlen(rel) + 1 : 0;
	value_text *a =
	    mc_plan_add_lazy(ctx->plan, FAMILY, l == J_REFUSED ? MC_V_BLOCKED : MC_V_ACTION,
			     value_verdict_text, sizeof(*a) + lk + lr);
	a->c = *c;
	/* judge reads the mask on the kernels it models the writable fields of */
	a->c.mask = 0;
	a->c.have_mask = (c->model == KM_6_12 || c->model == KM_7_3) && reg_mask(c, id, &a->c.mask);
	a->c.src = a->c.dst = NULL;
	a->c.pins = NULL;
	a->id = id, a->s = s, a->d = d, a->l = l, a->pin = pin, a->have_release = rel != NULL;
	memcpy(a->strs, key, lk);
	if (rel)
		memcpy(a->strs + lk, rel, lr);
}

/* The source's registers of one class that the destination does not list. */
typedef struct missing_text {
	const char *cls; /* reg_class's (static) */
	unsigned n;
	char keys[]; /* the n registers' keys, each with its NUL */
} missing_text;

static void missing_verdict_text(const void *args, mc_verdict *v)
{
	const missing_text *a = args;
	GString *ids = g_string_sized_new(16 + 20 * a->n);
	mc_text_add(ids, "SRC arm64.reg");
	GString *names = g_string_new(NULL);
	char nb[40];
	const char *k = a->keys;
	for (unsigned j = 0; j < a->n; j++) {
		size_t kl = strlen(k);
		mc_text_add_len(ids, " ", 1);
		mc_text_add_len(ids, k, kl);
		if (j < 4) {
			uint64_t rid = strtoull(k, NULL, 16);
			mc_text_add(names, j ? ", " : "");
			mc_text_add(names, reg_name(rid, nb, sizeof(nb)));
		}
		k += kl + 1;
	}
	mc_text_add(ids, "; DST: not in KVM_GET_REG_LIST");
	if (a->n > 4)
		mc_text_add(names, ", ...");
	uint64_t first = strtoull(a->keys, NULL, 16);
	v->subject = a->n == 1 ? g_strdup(reg_name(first, nb, sizeof(nb)))
			       : g_strdup_printf("%u %s registers", a->n, a->cls);
	v->facts = g_string_free(ids, FALSE);
	v->remedy = g_strdup("upgrade the destination kernel, or start the guest with a vCPU "
			     "configuration that does not expose these registers");
	v->reason = g_strdup_printf("%u %s register%s of the source guest (%s) %s not in the "
				    "destination's KVM_GET_REG_LIST: KVM_SET_ONE_REG fails there "
				    "and QEMU aborts the migration",
				    a->n, a->cls, a->n == 1 ? "" : "s", names->str,
				    a->n == 1 ? "is" : "are");
	g_string_free(names, TRUE);
}

/* l: the source's facts (mc_fact *) of class cls */
static void add_missing_verdict(mc_rule_ctx *ctx, const char *cls, const GPtrArray *l)
{
	size_t len = 0;
	for (guint j = 0; j < l->len; j++)
		len += strlen(((const mc_fact *)l->pdata[j])->key) + 1;
	missing_text *a = mc_plan_add_lazy(ctx->plan, FAMILY, MC_V_BLOCKED, missing_verdict_text,
					   sizeof(*a) + len);
	a->cls = cls;
	a->n = l->len;
	char *o = a->keys;
	for (guint j = 0; j < l->len; j++) {
		const char *k = ((const mc_fact *)l->pdata[j])->key;
		size_t n = strlen(k) + 1;
		memcpy(o, k, n);
		o += n;
	}
}

/* All is well. */
typedef struct ok_text {
	size_t nsrc, nchecked;
	kmodel model;
	bool dst_only; /* the destination lists more registers */
} ok_text;

static void ok_verdict_text(const void *args, mc_verdict *v)
{
	const ok_text *a = args;
	v->subject = g_strdup("register list");
	v->reason = g_strdup_printf(
	    "all %zu registers of the source guest exist on the destination, and the "
	    "%s kernel accepts the values of all %zu it checks%s",
	    a->nsrc, kmodel_name(a->model), a->nchecked,
	    a->dst_only ? " (it has more; they keep their reset values)" : "");
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	if (strcmp(mc_pp_arch(ctx->srcp), "aarch64") != 0)
		return 0;
	size_t sl = mc_pp_arm64_nregs(ctx->srcp), dl = mc_pp_arm64_nregs(ctx->dstp);
	if (!mc_rule_have_domain(ctx, FAMILY, "arm64.reg", "register list"))
		return 0;
	reg_ctx c;
	ctx_init(&c, ctx->srcp, ctx->dstp, ctx->pins, features_off(ctx->pins));
	const char *rel = mc_pp_get(ctx->dstp, "kernel", "release");

	/* Missing registers, one verdict per register class. */
	GPtrArray *classes = g_ptr_array_new();
	GPtrArray *lists = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	reg_ctx self;
	bool have_self = false;
	size_t nsrc = 0, nchecked = 0, refused = 0, unknown = 0, legacy = 0, dst_only = 0;
	/* Both ranges are sorted by key: walk them side by side. */
	size_t dj = 0;
	for (size_t i = 0; i < sl; i++) {
		const mc_pp_reg *sr = mc_pp_arm64_reg_at(ctx->srcp, i), *dr = NULL;
		const mc_fact *x = sr->fact;
		int cmp = 1;
		while (dj < dl && (cmp = key_cmp(mc_pp_arm64_reg_at(ctx->dstp, dj), sr)) < 0) {
			const mc_pp_reg *o = mc_pp_arm64_reg_at(ctx->dstp, dj);
			if (!o->fw && !hidden_without(c.off, o->id))
				dst_only++;
			dj++;
		}
		if (dj < dl && cmp == 0)
			dr = mc_pp_arm64_reg_at(ctx->dstp, dj++);
		const char *dv = dr ? dr->fact->value : NULL;
		uint64_t id = sr->id;
		if (sr->fw || hidden_without(c.off, id))
			continue; /* not in the guest's state (a feature it lacks) */
		nsrc++;
		const char *feat = NULL;
		if (dv && hidden_by_src_idregs(&c, id, &feat)) {
			char nb[40];
			g_autofree char *facts =
			    g_strdup_printf("SRC arm64.reg %s, ID_AA64MMFR3_EL1.%s 0; DST: listed "
					    "only while the guest has %s",
					    x->key, feat, feat);
			mc_plan_add(
			    ctx->plan, FAMILY, MC_V_BLOCKED, reg_name(id, nb, sizeof(nb)), facts,
			    "choose a destination kernel that keeps the register visible whatever "
			    "the guest's ID registers say",
			    NULL,
			    "%s is in the source guest's state, but the %s destination hides it "
			    "once the guest's ID_AA64MMFR3_EL1 (%s 0) is restored: "
			    "KVM_SET_ONE_REG fails with ENOENT",
			    x->key, kmodel_name(c.model), feat);
			refused++;
			continue;
		}
		if (!dv) {
			/* a handful of classes: found by a look at each */
			const char *cls = reg_class(id);
			GPtrArray *l = NULL;
			for (guint k = 0; k < classes->len && !l; k++)
				if (classes->pdata[k] == cls || strcmp(classes->pdata[k], cls) == 0)
					l = lists->pdata[k];
			if (!l) {
				l = g_ptr_array_sized_new(16);
				g_ptr_array_add(classes, (gpointer)cls);
				g_ptr_array_add(lists, l);
			}
			g_ptr_array_add(l, (gpointer)x);
			continue;
		}
		if (!sr->checked)
			continue;
		nchecked++;
		uint64_t s = sr->value, d = guest_view(c.off, id, dr->value);
		bool hs = mc_pins_count(ctx->pins) ? src_value(&c, id, &s) : sr->has_value,
		     hd = dr->has_value;
		if (!hs || !hd) {
			legacy++;
			continue;
		}
		jlevel l = judge(&c, id, s, d, NULL);
		if (l != J_OK) {
			/* A remedy: the guest started with DST's value, where the
			 * source kernel lets userspace set it. */
			if (l == J_REFUSED && !have_self) {
				ctx_init(&self, ctx->srcp, ctx->srcp, NULL, c.off);
				have_self = true;
			}
			bool pin = l == J_REFUSED && is_pin_reg(id) &&
				   src_accepts_ctx(&self, id, d, NULL) == J_OK;
			add_value_verdict(ctx, &c, rel, x->key, id, s, d, l, pin);
			if (l == J_REFUSED)
				refused++;
			else
				unknown++;
		}
	}
	for (size_t k = 0; k < classes->len; k++) {
		GPtrArray *l = lists->pdata[k];
		add_missing_verdict(ctx, classes->pdata[k], l);
		refused += l->len;
	}
	g_ptr_array_unref(lists);
	g_ptr_array_free(classes, TRUE);
	if (legacy)
		mc_plan_add(
		    ctx->plan, FAMILY, MC_V_ACTION, "register values",
		    "SRC or DST: arm64.reg values not recorded (profile probed by an older "
		    "migcheck)",
		    "probe both hosts again (migcheck probe) to record the values", NULL,
		    "%zu registers whose value the destination kernel checks have no recorded "
		    "value: two hosts with the same register list can still refuse each "
		    "other's values",
		    legacy);
	for (; dj < dl; dj++)
		if (!mc_pp_arm64_reg_at(ctx->dstp, dj)->fw &&
		    !hidden_without(c.off, mc_pp_arm64_reg_at(ctx->dstp, dj)->id))
			dst_only++;
	if (!refused && !unknown && !legacy) {
		ok_text *a =
		    mc_plan_add_lazy(ctx->plan, FAMILY, MC_V_OK, ok_verdict_text, sizeof(*a));
		*a = (ok_text){ .nsrc = nsrc,
				.nchecked = nchecked,
				.model = c.model,
				.dst_only = dst_only != 0 };
	}
	return 0;
}

static int check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	(void)env; /* the form is all there is */
	unsigned long long v;
	(void)name;
	if (mc_parse_u64(value, &v) < 0)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "not a register value (e.g. 0x1101001121110222)");
	return 0;
}

/* The judging context of a guest on src (pins, the features `off` turned
 * off) restored on dst: dst's kernel model, AArch32 EL0 and CTR_EL0. With
 * dst = src: what the source's kernel lets userspace set. */
static void ctx_init(reg_ctx *c, const mc_plan_profile *src, const mc_plan_profile *dst,
		     const mc_pins *pins, unsigned off)
{
	unsigned maj, min;
	*c = (reg_ctx){ .src = src, .dst = dst, .pins = pins, .off = off };
	c->model = dst_model(dst, &maj, &min);
	c->dst_aa32 = dst_has_aa32_el0(dst);
	c->have_dst_ctr = reg_value(dst, R_CTR, &c->dst_ctr);
}

static jlevel src_accepts_ctx(const reg_ctx *c, uint64_t id, uint64_t v, GString *why)
{
	uint64_t own;
	if (!reg_value_off(c->src, c->off, id, &own)) {
		say_s(why, "the source profile has no value for it");
		return J_REFUSED;
	}
	if (v != own && c->model != KM_6_12 && c->model != KM_7_3) {
		say(why,
		    "the source kernel (%s) lets userspace change ID registers "
		    "only from Linux 6.7 on (modelled: 6.12, 7.3)",
		    mc_pp_release(c->src));
		return J_REFUSED;
	}
	return judge(c, id, v, own, why);
}

/* Whether the source's kernel lets userspace start a guest with value v of
 * register id: the same rules, with the source as its own destination. */
static jlevel src_accepts(const mc_plan_profile *src, unsigned off, uint64_t id, uint64_t v,
			  GString *why)
{
	reg_ctx c;
	ctx_init(&c, src, src, NULL, off);
	return src_accepts_ctx(&c, id, v, why);
}

static int check_pins_on_src(const mc_plan_env *env, const mc_plan_profile *srcp,
			     const mc_pins *pins, mc_error *err)
{
	const mc_facts *src = mc_plan_profile_facts(srcp);
	(void)env;
	for (const char *const *n = pin_names; *n; n++) {
		unsigned long long v;
		if (mc_pins_get_u64(pins, *n, &v) < 0)
			continue;
		if (strcmp(mc_arch_of(src), "aarch64") != 0)
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "pin %s applies to arm64 guests only", *n);
		GString *why = g_string_new(NULL);
		jlevel l = src_accepts(srcp, features_off(pins), pin_reg_id(*n), v, why);
		if (l != J_OK) {
			mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				     "pin %s=0x%llx: the source kernel would refuse it: %s", *n, v,
				     why->str);
			g_string_free(why, TRUE);
			return -EINVAL;
		}
		g_string_free(why, TRUE);
	}
	return 0;
}

/* Compat pins: an ID register the older destination would refuse, set on the
 * newer source to the destination's own value where the source kernel lets
 * userspace lower it (Linux 6.7+). Both values are those of a guest without
 * the features `out` already turns off (kvm.cap's compat pins, computed
 * first: SVE=off leaves ID_AA64PFR0_EL1.SVE 0 on both hosts, so it is no
 * difference to pin). */
static int compat(const mc_plan_env *env, const mc_plan_profile *newerp,
		  const mc_plan_profile *olderp, mc_pins *out, mc_error *err)
{
	(void)env;
	if (strcmp(mc_pp_arch(newerp), "aarch64") != 0 ||
	    strcmp(mc_pp_arch(olderp), "aarch64") != 0)
		return 0;
	const mc_plan_profile *np = newerp, *op = olderp;
	unsigned maj, min;
	/* A pin is a value other than the source's own, which only a 6.7+
	 * source kernel lets userspace set (src_accepts_ctx): none elsewhere. */
	kmodel nm = dst_model(np, &maj, &min);
	if (nm != KM_6_12 && nm != KM_7_3)
		return 0;
	reg_ctx c;
	ctx_init(&c, np, op, NULL, features_off(out));
	for (const char *const *n = pin_names; *n; n++) {
		uint64_t id = pin_reg_id(*n), s, d;
		if (!reg_value_off(np, c.off, id, &s) || !reg_value_off(op, c.off, id, &d) ||
		    s == d)
			continue;
		GString *why = g_string_new(NULL);
		jlevel l = judge(&c, id, s, d, why);
		g_string_truncate(why, 0);
		if (l != J_OK && src_accepts(np, c.off, id, d, why) == J_OK) {
			g_autofree char *v = g_strdup_printf("0x%" PRIx64, d);
			if (mc_pins_set(out, *n, v, err) < 0) {
				g_string_free(why, TRUE);
				return -EINVAL;
			}
		}
		g_string_free(why, TRUE);
	}
	return 0;
}

/* Every register with its value, the writable masks, the kernel release
 * (the destination's generation). */
static bool reads(const char *domain, const char *key)
{
	return strcmp(domain, FAMILY) == 0 || strcmp(domain, "arm64.reg_mask") == 0 ||
	       (strcmp(domain, "kernel") == 0 && (!key || strcmp(key, "release") == 0));
}

const mc_rule mc_rule_arm64_reg = {
	.family = FAMILY,
	.pin_names = pin_names,
	.check_pin = check_pin,
	.check_pins_on_src = check_pins_on_src,
	.run = run,
	.compat = compat,
	.reads = reads,
};
