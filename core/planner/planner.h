/* migcheck — the planner: can a guest started on SRC be restored on DST and
 * stay the same for the guest? Rules per family follow the kernel's own
 * acceptance rules (KVM_SET_ONE_REG, KVM_SET_MSRS, CPUID). */
#ifndef MC_PLANNER_H
#define MC_PLANNER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"
#include "core/base/facts.h"

typedef enum {
	MC_V_OK = 0,      /* compatible */
	MC_V_ACTION = 1,  /* compatible if the listed action is taken */
	MC_V_BLOCKED = 2, /* the restore would fail or silently weaken the guest */
} mc_level;

const char *mc_level_name(mc_level l); /* "ok", "action", "blocked" */

typedef struct mc_verdict {
	const char *family; /* rule family, e.g. "arm64.fwreg" (static string) */
	char *subject;      /* what it is about: "PSCI_VERSION", "avx512f", ... */
	mc_level level;
	char *reason; /* one sentence */
	char *facts;  /* the facts that decided it, "SRC ...; DST ..." */
	char *remedy; /* NULL, or what to do */
	char *pin;    /* NULL, or "NAME=VALUE": start the guest (on SRC) with this pin */
} mc_verdict;

/* Guest configuration pins: NAME=VALUE pairs given with --pin, or computed
 * for the compat direction. Names are case-insensitive. */
typedef struct mc_pins mc_pins; /* opaque */
mc_pins *mc_pins_new(void);
void mc_pins_free(mc_pins *p);
mc_pins *mc_pins_dup(const mc_pins *p);
/* Parse and validate "NAME=VALUE" (known names, well-formed values): -EINVAL,
 * exit 64, "malformed pin ..." otherwise. */
int mc_pins_parse(mc_pins *p, const char *spec, mc_error *err);
int mc_pins_set(mc_pins *p, const char *name, const char *value, mc_error *err);
const char *mc_pins_get(const mc_pins *p, const char *name);
size_t mc_pins_count(const mc_pins *p);
/* i-th pin (sorted by name). */
void mc_pins_at(const mc_pins *p, size_t i, const char **name, const char **value);
/* "NAME=VALUE,NAME=VALUE" (caller frees), "" when empty. */
char *mc_pins_format(const mc_pins *p);
/* Numeric value of a pin (accepts 0x hex, decimal, and "M.N" versions for
 * PSCI_VERSION); -EINVAL when not numeric. */
int mc_pins_get_u64(const mc_pins *p, const char *name, unsigned long long *out);

typedef struct mc_plan mc_plan; /* opaque */

/* Plan a guest started on `src` with `pins` moving to `dst`. Profiles of
 * different architectures are an error (-EINVAL, exit 65); so is a pin that
 * the source could not have applied. */
mc_plan *mc_plan_compute(const mc_facts *src, const mc_facts *dst, const mc_pins *pins,
			 mc_error *err);
void mc_plan_free(mc_plan *p);
size_t mc_plan_count(const mc_plan *p);
const mc_verdict *mc_plan_at(const mc_plan *p, size_t i);
mc_level mc_plan_worst(const mc_plan *p);
/* Worst level of one family (MC_V_OK when it has no verdicts). */
mc_level mc_plan_family_worst(const mc_plan *p, const char *family);
/* The families, in evaluation order (NULL-terminated). */
extern const char *const mc_rule_families[];

/* The pins that make a guest on `newer` look like one on `older` as far as
 * the kernel lets userspace choose (e.g. PSCI_VERSION, hypercall bitmaps). */
mc_pins *mc_plan_compat_pins(const mc_facts *newer, const mc_facts *older, mc_error *err);

/* The five directions of the upstream discussion, A = "new", B = "old". */
typedef enum {
	MC_DIR_NEW_NEW,
	MC_DIR_OLD_NEW,
	MC_DIR_NEW_OLD,
	MC_DIR_COMPAT_OLD,
	MC_DIR_OLD_COMPAT,
	MC_DIR_COUNT
} mc_direction;
const char *mc_direction_name(mc_direction d); /* "new->new", ... */

typedef struct mc_matrix {
	mc_plan *row[MC_DIR_COUNT];
	mc_pins *compat; /* the computed compat pins */
} mc_matrix;
int mc_plan_matrix(const mc_facts *a_new, const mc_facts *b_old, const mc_pins *pins,
		   mc_matrix *out, mc_error *err);
void mc_matrix_clear(mc_matrix *m);

#endif
