/* migcheck — the x86 guest's view of its CPU, shared by the x86.cpuid and
 * x86.msr rule families: the CPUID feature bits and feature-MSR bits a guest
 * configured by its pins sees when started on a host, from the host's
 * profile and the CPU-model database the planner was given.
 *
 *   CPU=host-passthrough (default)  the guest sees every feature bit SRC's KVM
 *                                   supports (QEMU -cpu host,migratable=on)
 *   CPU=MODEL                       a libvirt/QEMU CPU model (EPYC, qemu64, ...)
 *   CPU_DISABLE=f1,f2,...           features the guest is started without
 *                                   (libvirt <feature policy='disable'/>)
 *   CPU_ENABLE=f1,f2,...            features it is started with besides its
 *                                   model's (libvirt policy='require' or
 *                                   'force'); CPU_DISABLE wins
 *
 * Only feature-bearing registers are compared: the registers libvirt's
 * x86_features.xml defines features in (plus the KVM paravirtual leaf
 * 0x40000001.eax and the registers a newer map defines features in). Values
 * that are not features — family/model/stepping, APIC ids, cache and
 * topology leaves, XSAVE area sizes, vendor strings — are never compared:
 * they differ between good migration partners all the time. */
#ifndef MC_X86_GUEST_H
#define MC_X86_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/planner/cpumodels.h"
#include "core/planner/plan_profile.h"
#include "core/planner/planner.h"

enum { MC_X86_EAX, MC_X86_EBX, MC_X86_ECX, MC_X86_EDX };

/* One CPUID output register: leaf (eax in), index (ecx in), reg. */
typedef struct mc_x86_reg {
	uint32_t leaf, index;
	unsigned reg;
} mc_x86_reg;

const char *mc_x86_reg_name(unsigned reg); /* "eax" ... "edx" */

/* CPU pin values meaning host-passthrough (also NULL: the default). */
bool mc_x86_is_passthrough(const char *cpu);
/* A CPU_DISABLE token: a raw bit "LEAF.INDEX.REG.BIT", a KVM paravirtual
 * feature, or (db non-NULL) a feature or alias of the map. With db NULL
 * only the form is checked: a raw bit must be well-formed, a name is
 * accepted. */
bool mc_x86_feature_known(const mc_cpumodels *db, bool form_only, const char *tok);
/* The first token of a CPU_DISABLE value (split at its commas, as it is)
 * that mc_x86_feature_known(db, false, token) rejects: true with a copy in
 * *bad (caller frees); false when every one is known (remembered with the
 * map: the same value is checked once). db non-NULL. */
bool mc_x86_disable_unknown(const mc_cpumodels *db, const char *value, char **bad);

/* The guest's view. Errors: a model the map lacks (exit 64), a pin that
 * needs the map when env has none (env's load error). */
typedef struct mc_x86_guest mc_x86_guest; /* opaque */
mc_x86_guest *mc_x86_guest_new(const mc_plan_env *env, const mc_plan_profile *src,
			       const mc_pins *pins, mc_error *err);
void mc_x86_guest_free(mc_x86_guest *g);
/* reg: MC_X86_EAX ... MC_X86_EDX. */
bool mc_x86_guest_has(const mc_x86_guest *g, unsigned leaf, unsigned index, unsigned reg,
		      unsigned bit);
/* The guest's value of a feature MSR (x86.msr_feature) as far as CPU models
 * define it: what SRC offers (mc_x86_msr_offered) for host-passthrough, the
 * model's bits of it otherwise (all of SRC's value when the map defines no
 * bit of that MSR). */
unsigned long long mc_x86_guest_msr_feature(const mc_x86_guest *g, const mc_plan_profile *src,
					    unsigned index);
/* "host-passthrough" or "CPU model NAME". */
const char *mc_x86_guest_describe(const mc_x86_guest *g);
/* The CPU map's feature name of bit `bit` of feature MSR `index` (e.g.
 * "ibrs-all" for 0x10a bit 1), as CPU_DISABLE takes it; NULL when the map
 * (or no map) has none. Caller frees. */
char *mc_x86_guest_msr_token(const mc_x86_guest *g, unsigned index, unsigned bit);
/* The bits of feature MSR `index` a host offers a guest's CPU model, from
 * its KVM_GET_MSRS value `raw`: for the VMX control MSRs (PROCBASED_CTLS2
 * 0x48b, TRUE_PINBASED/PROCBASED/EXIT/ENTRY_CTLS 0x48d-0x490: low half the
 * controls that must be 1, high half those that may be) the controls that
 * can be 1 without having to be, in the low half, where the CPU map's vmx-*
 * features name them (QEMU kvm_arch_get_supported_msr_feature); else raw. */
uint64_t mc_x86_msr_offered(unsigned index, uint64_t raw);
/* Append (comma-separated) the pinned CPU model's feature-MSR bits `host`
 * does not offer (QEMU 7.2 x86_cpu_filter_features filters a model's MSR
 * feature words like its CPUID words, so the model cannot start there with
 * enforce, and libvirt reports it unusable). The model's bits are those the
 * guest has after QEMU's feature dependencies (x86_guest.c msr_deps): no
 * VMX capability bit (libvirt 11's vmx-* features) without vmx, no
 * ARCH_CAPABILITIES bit without arch-capabilities, ... Nothing for
 * host-passthrough, or for a profile without MSR facts (unknown is not
 * missing). */
void mc_x86_guest_msr_missing(const mc_x86_guest *g, const mc_facts *host, GString *out);
/* The compared registers: the i-th one and the guest's feature bits in it. */
size_t mc_x86_guest_nregs(const mc_x86_guest *g);
uint32_t mc_x86_guest_reg(const mc_x86_guest *g, size_t i, mc_x86_reg *r);
/* Bits the guest's CPU model needs that SRC's KVM does not offer (CPU_DISABLE
 * applied): the i-th register with some. */
size_t mc_x86_guest_nmissing(const mc_x86_guest *g);
uint32_t mc_x86_guest_missing(const mc_x86_guest *g, size_t i, mc_x86_reg *r);

/* A host's raw CPUID register value (x86.cpuid fact); false when absent. */
bool mc_x86_host_reg(const mc_plan_profile *f, const mc_x86_reg *r, uint32_t *out);
/* The compared feature bits a host's KVM offers in one register. */
uint32_t mc_x86_host_bits(const mc_plan_profile *f, const mc_x86_reg *r);

/* Names of one CPUID bit (db may be NULL: raw names only). Token: the
 * feature name or "0x7.0.ebx.16", as CPU_DISABLE takes it; label: the feature
 * name or "CPUID 0x7.0.ebx bit 16". Caller g_free()s. */
char *mc_x86_bit_token(const mc_cpumodels *db, const mc_x86_reg *r, unsigned bit);
char *mc_x86_bit_label(const mc_cpumodels *db, const mc_x86_reg *r, unsigned bit);

#endif
