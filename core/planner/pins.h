/* migcheck — guest configuration pins: NAME=VALUE pairs given with --pin,
 * read from a domain's XML and metadata, or computed for the compat
 * direction. Names are case-insensitive (kept upper case) and belong to one
 * rule family each; setting a pin checks that the name is known and the
 * value well-formed. What needs the planner's environment (a CPU model the
 * CPU-model database defines) is checked by mc_plan_check_pins. */
#ifndef MC_PINS_H
#define MC_PINS_H

#include <stddef.h>

#include "core/base/error.h"

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
/* Meet pin NAME=VALUE into acc: the lower of the two when acc has NAME
 * (PSCI_VERSION the lowest, hypercall bitmaps *_BMAP/_BMAP_2 ANDed,
 * CPU_DISABLE the sorted union of the features, an ID register the lowest
 * value of each 4-bit field, MACHINE the older of two types of one family
 * (pc-q35-7.2 of pc-q35-7.2 and pc-q35-8.0), "off" once either is off;
 * otherwise, or when a value is not a number where numbers are met, or two
 * machine types of two families, acc's stands), VALUE when it has not. A
 * pure function of (NAME, acc's value, VALUE). -EINVAL when the result is
 * not a valid pin (mc_pins_set). */
int mc_pins_meet(mc_pins *acc, const char *name, const char *value, mc_error *err);
/* Add the pins of a pins file (what `migcheck baseline` prints): one
 * NAME=VALUE a line, blank lines and `#` comments ignored, white space
 * around a line trimmed; later lines override earlier ones. A file that
 * cannot be read: -errno, exit 66 (missing) or 74; a malformed line:
 * -EINVAL, exit 65, "pins file PATH line N: ...". Nothing is added on an
 * error. */
int mc_pins_load_file(mc_pins *p, const char *path, mc_error *err);
/* Numeric value of a pin (accepts 0x hex, decimal, and "M.N" versions for
 * PSCI_VERSION); -ENOENT when absent, -EINVAL when not numeric. */
int mc_pins_get_u64(const mc_pins *p, const char *name, unsigned long long *out);
/* "0x10001", "65537", or a version "1.0" (major << 16 | minor): -EINVAL
 * when malformed. */
int mc_parse_u64(const char *s, unsigned long long *out);

#endif
