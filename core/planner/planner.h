/* migcheck — the planner: can a guest started on SRC be restored on DST and
 * stay the same for the guest? Rules per family follow the kernel's own
 * acceptance rules (KVM_SET_ONE_REG, KVM_SET_MSRS, CPUID). */
#ifndef MC_PLANNER_H
#define MC_PLANNER_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/planner/cpumodels.h"
#include "core/planner/pins.h"
#include "core/planner/plan_profile.h"

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

/* What the planner is given besides two profiles and the pins: the x86
 * CPU-model database. Loaded by the caller (mc_plan_env_load); a NULL env
 * is an environment without a database. */
typedef struct mc_plan_env {
	/* libvirt's CPU map, or NULL: host-passthrough guests are then planned
	 * with raw CPUID bit names, and a pin that needs a model or a feature
	 * name fails with cpumodels_err. Owned (mc_plan_env_clear). */
	mc_cpumodels *cpumodels;
	mc_error cpumodels_err; /* why cpumodels is NULL */
} mc_plan_env;
/* Load the CPU map in DIR into env. Never fails: a map that cannot be
 * loaded leaves env->cpumodels NULL and the reason in env->cpumodels_err. */
void mc_plan_env_load(mc_plan_env *env, const char *cpu_map_dir);
/* The same, through the cache file CACHE (mc_cpumodels_load_cache and
 * _save): 1 when the map came from the cache, else 0 with the map parsed
 * (or its error in env) and the cache written when it could be; cache_err
 * says why the cache was not read, or not written. */
int mc_plan_env_load_cached(mc_plan_env *env, const char *cpu_map_dir, const char *cache,
			    mc_error *cache_err);
void mc_plan_env_clear(mc_plan_env *env);
/* Does planning src -> dst with pins use the CPU-model database (an x86
 * profile, a CPU model or CPU_DISABLE pin)? Callers that plan other pairs
 * only may skip loading it. */
bool mc_plan_needs_cpumodels(const mc_facts *src, const mc_facts *dst, const mc_pins *pins);

/* Check pins against env as well as their form (a CPU model the database
 * lacks, a feature name it does not define): -EINVAL, exit 64, "malformed
 * pin 'NAME=VALUE': ..." otherwise. mc_plan_compute does it too;
 * mc_plan_parse_pin is mc_pins_parse plus this check, naming the pin as
 * written. */
int mc_plan_check_pins(const mc_plan_env *env, const mc_pins *pins, mc_error *err);
int mc_plan_parse_pin(const mc_plan_env *env, mc_pins *p, const char *spec, mc_error *err);

typedef struct mc_plan mc_plan; /* opaque */

/* Plan a guest started on `src` with `pins` moving to `dst`, in `env`. A
 * pure function of its arguments. Profiles of different architectures are
 * an error (-EINVAL, exit 65); so is a pin that the source could not have
 * applied (exit 64). */
mc_plan *mc_plan_compute(const mc_plan_env *env, const mc_facts *src, const mc_facts *dst,
			 const mc_pins *pins, mc_error *err);
/* The same, for profiles compiled once (mc_plan_profile_new) and planned
 * against many others: the same plan as mc_plan_compute on their facts,
 * without reading each profile again for every pair. */
mc_plan *mc_plan_compute_compiled(const mc_plan_env *env, const mc_plan_profile *src,
				  const mc_plan_profile *dst, const mc_pins *pins, mc_error *err);
/* mc_plan_compute through a cache of compiled profiles (cache NULL: none). */
mc_plan *mc_plan_compute_cached(mc_plan_cache *cache, const mc_plan_env *env, const mc_facts *src,
				const mc_facts *dst, const mc_pins *pins, mc_error *err);
void mc_plan_free(mc_plan *p);
size_t mc_plan_count(const mc_plan *p);
/* The i-th verdict, or NULL past the last. Its text is written when it is
 * first read here (a plan computed for its levels formats none), so a plan
 * is not read from two threads at once. */
const mc_verdict *mc_plan_at(const mc_plan *p, size_t i);
/* The i-th verdict's level and family (i < mc_plan_count), without writing
 * its text: for callers that count or rank verdicts. */
mc_level mc_plan_level_at(const mc_plan *p, size_t i);
const char *mc_plan_family_at(const mc_plan *p, size_t i);
mc_level mc_plan_worst(const mc_plan *p);
/* Worst level of one family (MC_V_OK when it has no verdicts). */
mc_level mc_plan_family_worst(const mc_plan *p, const char *family);
/* The i-th rule family, in evaluation order; NULL past the last. */
const char *mc_rule_family(size_t i);

/* The pins that make a guest on `newer` look like one on `older` as far as
 * the kernel lets userspace choose (e.g. PSCI_VERSION, hypercall bitmaps). */
mc_pins *mc_plan_compat_pins(const mc_plan_env *env, const mc_facts *newer, const mc_facts *older,
			     mc_error *err);

/* The pins of one guest configuration for all `n` hosts (of one
 * architecture): the pairwise compat pins of every ordered pair (as
 * mc_plan_compat_pins computes them), met per pin (PSCI_VERSION the lowest,
 * hypercall bitmaps ANDed, CPU_DISABLE the union, an ID register the lowest
 * value of each 4-bit field, a feature off once any pair turns it off), plus
 * what only the whole set decides (a feature some host lacks turned off, the
 * newest machine type every host's QEMU knows). A starting point: whether
 * every pair is then compatible is for plans to prove (mc_baseline). */
mc_pins *mc_plan_baseline_pins(const mc_plan_env *env, const mc_facts *const *hosts, size_t n,
			       mc_error *err);
/* Its two parts, for a caller that meets them itself (mc_baseline: each
 * pair's compat pins computed once for many subsets). The compat pins of one
 * ordered pair through a cache of compiled profiles (as
 * mc_plan_compat_pins; cache NULL: none); and what only the whole set
 * decides: one mc_pins per rule family that decides some, in the families'
 * order, appended to `out` (a GPtrArray owning them: free with
 * mc_pins_free), to be met in that order after the pairs'. */
mc_pins *mc_plan_compat_pins_cached(mc_plan_cache *cache, const mc_plan_env *env,
				    const mc_facts *newer, const mc_facts *older, mc_error *err);
int mc_plan_baseline_set_pins(const mc_plan_env *env, const mc_facts *const *hosts, size_t n,
			      GPtrArray *out, mc_error *err);

/* Migration classes. A rule family reads some facts of a profile; the
 * others (e.g. KVM_CAP_NR_VCPUS, which follows the host's CPU count) can
 * change no plan. Does some family (or the planner itself: the
 * architecture, why a probe was skipped) read fact (domain, key)? key
 * NULL: does any look at the domain (its presence, any key of it)? */
bool mc_plan_reads_fact(const char *domain, const char *key);
/* The migration class of a profile: the lowercase hex SHA-256 of the
 * canonical lines of the facts some family reads, plus one "DOMAIN" line
 * per domain that is read and present. Profiles of one class plan alike to
 * and from any profile: every plan's verdicts are the same. */
#define MC_CLASS_ID_LEN 64
void mc_plan_class_id(const mc_facts *f, char out[MC_CLASS_ID_LEN + 1]);

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
int mc_plan_matrix(const mc_plan_env *env, const mc_facts *a_new, const mc_facts *b_old,
		   const mc_pins *pins, mc_matrix *out, mc_error *err);
void mc_matrix_clear(mc_matrix *m);

#endif
