/* migcheck — the x86 CPU-model database: libvirt's own CPU map (index.xml
 * and the files it includes; /usr/share/libvirt/cpu_map), parsed at run
 * time: the CPU features (CPUID bits and feature-MSR bits, with their
 * aliases) and the CPU models (their features, parents first).
 *
 * Loaded by whoever plans x86 pairs (the command line verbs read
 * $MIGCHECK_CPU_MAP) and handed to the planner in its mc_plan_env; nothing
 * here reads the environment or keeps state between calls (the cache file
 * is the caller's to name). */
#ifndef MC_CPUMODELS_H
#define MC_CPUMODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "core/base/error.h"

#define MC_CPUMODELS_DEFAULT_DIR "/usr/share/libvirt/cpu_map"

typedef struct mc_cpumodels mc_cpumodels; /* opaque */

/* One piece of a feature: CPUID bits (leaf = eax_in, index = ecx_in, reg
 * 0..3 = eax, ebx, ecx, edx; mask of 32 bits) or feature-MSR bits (is_msr,
 * leaf = the MSR's index, mask of 64 bits). */
typedef struct mc_cpu_bits {
	bool is_msr;
	uint32_t leaf, index;
	unsigned reg;
	uint64_t mask;
} mc_cpu_bits;

/* Parse the map in DIR (its x86 part). NULL on failure: a file that cannot
 * be read is exit 69 ("libvirt CPU map is missing: cannot read PATH ..."), a malformed one
 * exit 65, both naming the file. */
mc_cpumodels *mc_cpumodels_load(const char *dir, mc_error *err);
void mc_cpumodels_free(mc_cpumodels *m);

/* The cache of a parsed map (a process start-up costs less than parsing
 * the XML: README "Two programs"). mc_cpumodels_save writes m to PATH (a
 * text file, replaced atomically; refused for anything but a regular file
 * or a missing one). mc_cpumodels_load_cache reads it back for DIR: NULL,
 * with the reason in err, when it is missing, not this user's own, writable
 * by others, malformed, of another directory or version, or stale (a file
 * the map was read from has another size, inode or mtime). A map loaded
 * from the cache answers every question below as the parsed one did. */
int mc_cpumodels_save(const mc_cpumodels *m, const char *path, mc_error *err);
mc_cpumodels *mc_cpumodels_load_cache(const char *dir, const char *path, mc_error *err);
/* The directory it was loaded from (for messages). */
const char *mc_cpumodels_dir(const mc_cpumodels *m);

bool mc_cpumodels_has_model(const mc_cpumodels *m, const char *model);
/* A feature by name or alias: its bits (*n of them), or NULL when the map
 * does not define it. */
const mc_cpu_bits *mc_cpumodels_feature(const mc_cpumodels *m, const char *name, size_t *n);
/* Call fn for every bit of MODEL's features, its parents' first.
 * -ENOENT (exit 64, "unknown CPU model ...") when the map lacks the model;
 * exit 65 for a model naming an unknown feature or an inheritance loop. */
int mc_cpumodels_model_bits(const mc_cpumodels *m, const char *model,
			    void (*fn)(const mc_cpu_bits *b, void *opaque), void *opaque,
			    mc_error *err);
/* The feature defined as exactly this one CPUID bit, or NULL. */
const char *mc_cpumodels_bit_name(const mc_cpumodels *m, uint32_t leaf, uint32_t index,
				  unsigned reg, unsigned bit);
/* The feature that defines bit `bit` of feature MSR `index` (e.g.
 * "ibrs-all" for 0x10a bit 1), or NULL (also for a NULL map). */
const char *mc_cpumodels_msr_bit_name(const mc_cpumodels *m, uint32_t index, unsigned bit);
/* Does any feature define bits of feature MSR `index`? */
bool mc_cpumodels_msr_defined(const mc_cpumodels *m, uint32_t index);
/* A memo for x86_guest: arrays it derives from the map alone (what a
 * CPU_DISABLE value clears, the registers a guest compares), by keys of its
 * own, kept with the map so that planning many pairs with the same pins
 * derives them once. get: NULL when not kept, else valid until the next put;
 * put takes `bits` (the memo is bounded: a put may drop what earlier ones
 * kept). Like a compiled profile, the memo makes a map unfit for sharing
 * between threads. */
const GArray *mc_cpumodels_memo_get(const mc_cpumodels *m, const char *key);
void mc_cpumodels_memo_put(const mc_cpumodels *m, const char *key, GArray *bits);
/* The CPUID registers the map defines features in, in map order. */
size_t mc_cpumodels_nregs(const mc_cpumodels *m);
void mc_cpumodels_reg(const mc_cpumodels *m, size_t i, uint32_t *leaf, uint32_t *index,
		      unsigned *reg);

#endif
