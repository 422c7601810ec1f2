/* migcheck — a baseline: one guest configuration (pins across every rule
 * family) that makes every ordered pair of a set of hosts compatible, and
 * the plans that prove it. The configuration starts as
 * mc_plan_baseline_pins of the set; then every ordered pair (a host with
 * itself too: the pins must apply there) is planned with it. While a pair
 * is blocked, or the pins cannot be applied on a host, one profile leaves
 * the set (the one in the most failed pairs; ties: fewer hosts, then more
 * failures as the source, then the later one), with the reason, and the
 * configuration is computed again for the rest. */
#ifndef MC_BASELINE_H
#define MC_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/planner/planner.h"

typedef struct mc_baseline mc_baseline; /* a result */

/* `profiles`: n distinct profiles of one architecture; `weights[i]` the
 * number of hosts having profile i (NULL: 1 each), `labels[i]` how
 * reasons name it. Borrowed for the call only. */
mc_baseline *mc_baseline_compute(const mc_plan_env *env, const mc_facts *const *profiles,
				 const size_t *weights, const char *const *labels, size_t n,
				 mc_error *err);
void mc_baseline_free(mc_baseline *b);

const mc_pins *mc_baseline_pins(const mc_baseline *b);
/* Did profile i join? If not, why (one line naming the other side). */
bool mc_baseline_joined(const mc_baseline *b, size_t i);
const char *mc_baseline_reason(const mc_baseline *b, size_t i);
/* The worst level of the final proof's plans (ok or action; blocked only
 * when no profile joined). */
mc_level mc_baseline_level(const mc_baseline *b);
/* Plans computed in all, and in the final proof. */
size_t mc_baseline_plans(const mc_baseline *b);
size_t mc_baseline_proof_plans(const mc_baseline *b);
/* The final proof's plans at action level: i-th such plan with the
 * indexes of its source and destination profiles; NULL past the last. */
const mc_plan *mc_baseline_action(const mc_baseline *b, size_t i, size_t *src, size_t *dst);
/* For x86_64: libvirt's <cpu> element of the configuration (multi-line,
 * no trailing newline; caller frees); NULL for other architectures. */
char *mc_baseline_libvirt_cpu(const mc_baseline *b);

#endif
