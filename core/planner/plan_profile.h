/* migcheck — a profile compiled for the planner: the x86 CPUID registers
 * and arm64 registers of one host parsed once, the architecture and kernel
 * release, and each domain's facts indexed by key when first looked up (a
 * hash per domain, kept), so that planning many pairs against the same
 * profiles (targets, gate, report, baseline) reads each profile's text once
 * instead of once per rule and pair. A compiled profile plans exactly as its
 * facts do (mc_plan_compute_compiled and mc_plan_compute give the same
 * verdicts). Lookups fill the index, so a compiled profile is not shared
 * between threads. */
#ifndef MC_PLAN_PROFILE_H
#define MC_PLAN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/facts.h"

typedef struct mc_plan_profile mc_plan_profile; /* opaque */

/* Compile f. f is borrowed: it must outlive the compiled profile and not
 * change meanwhile. Returns NULL only when out of memory. */
mc_plan_profile *mc_plan_profile_new(const mc_facts *f);
void mc_plan_profile_free(mc_plan_profile *p);
static inline void mc_plan_profile_freep(mc_plan_profile **p)
{
	mc_plan_profile_free(*p);
}
#define mc_autoplanprofile __attribute__((cleanup(mc_plan_profile_freep))) mc_plan_profile
/* The facts it was compiled from. */
const mc_facts *mc_plan_profile_facts(const mc_plan_profile *p);

/* Profiles compiled on first use, for a caller that plans many pairs of
 * the same mc_facts (mc_plan_compute_cached): each is compiled once per
 * cache. Keyed by the mc_facts pointer: every profile given to a cache must
 * outlive it and not change meanwhile. */
typedef struct mc_plan_cache mc_plan_cache; /* opaque */
mc_plan_cache *mc_plan_cache_new(void);
void mc_plan_cache_free(mc_plan_cache *c);
static inline void mc_plan_cache_freep(mc_plan_cache **c)
{
	mc_plan_cache_free(*c);
}
#define mc_autoplancache __attribute__((cleanup(mc_plan_cache_freep))) mc_plan_cache
/* f compiled (once; owned by the cache). */
const mc_plan_profile *mc_plan_cache_get(mc_plan_cache *c, const mc_facts *f);

/* ---- for the planner and its rule families (core/planner) ---- */

/* mc_facts_get, through the index. */
const char *mc_pp_get(const mc_plan_profile *p, const char *domain, const char *key);
/* mc_fact_u64 (core/planner/rule.h), through the index. */
bool mc_pp_u64(const mc_plan_profile *p, const char *domain, const char *key,
	       unsigned long long *out);
/* kernel/arch ("" when absent) and kernel/release (NULL when absent). */
const char *mc_pp_arch(const mc_plan_profile *p);
const char *mc_pp_release(const mc_plan_profile *p);
/* Does the profile hold a fact of domain? */
bool mc_pp_has_domain(const mc_plan_profile *p, const char *domain);

/* An x86.cpuid fact "0xLEAF.0xINDEX.REG" (the key mc_x86_host_reg formats,
 * REG 0-3 for eax..edx) and its value as mc_fact_u64 reads it: false when
 * absent or not a number (*out is then 0). */
bool mc_pp_x86_cpuid(const mc_plan_profile *p, uint32_t leaf, uint32_t index, unsigned reg,
		     uint32_t *out);
/* The same, the value as mc_fact_u64 reads it (*out unchanged when false). */
bool mc_pp_x86_cpuid_u64(const mc_plan_profile *p, uint32_t leaf, uint32_t index, unsigned reg,
			 unsigned long long *out);

/* One arm64.reg fact, in the profile's (key) order. */
typedef struct mc_pp_reg {
	const mc_fact *fact;
	uint64_t id;    /* strtoull(key, NULL, 16) */
	uint64_t value; /* when has_value */
	bool has_value; /* the value is "0x..." hex (not the `1` of an unvalued register) */
	bool canon;     /* the key is "0x%016" PRIx64 of id: such keys sort as their ids */
	bool fw;        /* mc_arm64_reg_is_fw(id) */
	bool checked;   /* mc_arm64_reg_value_checked(id) */
} mc_pp_reg;
size_t mc_pp_arm64_nregs(const mc_plan_profile *p);
const mc_pp_reg *mc_pp_arm64_reg_at(const mc_plan_profile *p, size_t i);
/* The register whose key is "0x%016" PRIx64 of id, or NULL. */
const mc_pp_reg *mc_pp_arm64_reg(const mc_plan_profile *p, uint64_t id);

#endif
