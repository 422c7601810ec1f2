/* migcheck — the arm64 ID registers' feature fields and writable masks of the
 * destination kernels the arm64.reg rules model (data in arm64_idregs.c). */
#ifndef MC_ARM64_IDREGS_H
#define MC_ARM64_IDREGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* arm64_ftr_safe_value() types. */
typedef enum {
	MC_FTR_EXACT,          /* only the destination's value or the safe value */
	MC_FTR_LOWER,          /* any value up to the destination's */
	MC_FTR_HIGHER,         /* any value from the destination's up */
	MC_FTR_HIGHER_OR_ZERO, /* 0, or from the destination's up (when it is not 0) */
} mc_ftr_type;

typedef struct mc_idreg_field {
	const char *name;
	uint8_t shift, width;
	bool sign;
	mc_ftr_type type;
	uint8_t safe; /* raw field value */
} mc_idreg_field;

typedef struct mc_idreg {
	uint64_t id; /* KVM_{GET,SET}_ONE_REG id */
	const char *name;
	uint64_t writable; /* the kernel's writable mask */
	const mc_idreg_field *fields;
	size_t n_fields;
} mc_idreg;

typedef enum { MC_IDREGS_6_12, MC_IDREGS_7_3 } mc_idreg_table;

/* The register's entry, or NULL when the table has none (then the kernel
 * refuses any value but the destination's own). */
const mc_idreg *mc_idreg_find(mc_idreg_table table, uint64_t id);

#endif
