/* migcheck — where can a guest go? Every other host of the fleet as the
 * destination of a guest started on SRC (with pins), grouped ok / action /
 * blocked, the best first: ok before action before blocked, then the fewest
 * action verdicts, then the fewest blocked ones, then the host name. Each
 * entry of the fleet (a migration class: mc_gate_fleet_by_class) is
 * planned once, whatever its host count. */
#ifndef MC_TARGETS_H
#define MC_TARGETS_H

#include <stdbool.h>
#include <stdio.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/fleet/gate.h"
#include "core/planner/planner.h"

typedef struct mc_target {
	const char *host;    /* the destination host */
	const char *profile; /* its profile id */
	mc_level level;      /* the plan's worst level (blocked: another architecture) */
	size_t nactions;     /* verdicts at action level */
	size_t nblocked;     /* verdicts at blocked level */
	const mc_plan *plan; /* NULL when not planned (another architecture) */
	const char *why;     /* NULL, or why it was not planned */
} mc_target;

typedef struct mc_targets mc_targets; /* a result */

/* Plan `src` with `pins` (NULL: none) to every host of `fleet` except
 * `src_host` (NULL: none left out), in `env`. Only the entries of src's
 * architecture need their facts (mc_gate_fleet_load_classes_of). An error
 * of a plan (a pin the source cannot apply: 64) is returned, prefixed. */
mc_targets *mc_targets_run(const mc_gate_fleet *fleet, const mc_plan_env *env, const mc_facts *src,
			   const char *src_host, const mc_pins *pins, mc_error *err);
/* The same keeping only the ok and action destinations (what --hosts-only
 * prints; the status is the same): blocked hosts are neither listed nor
 * sorted, and another architecture's are not looked at. */
mc_targets *mc_targets_run_usable(const mc_gate_fleet *fleet, const mc_plan_env *env,
				  const mc_facts *src, const char *src_host, const mc_pins *pins,
				  mc_error *err);
/* The same for the hosts of inventory `db` (`usable_only`: as
 * mc_targets_run_usable), read as the answer needs them: with current stored
 * classes (mc_db_classes_stale), a profile of each class of the source's
 * architecture, and the hosts of the classes listed only; else through
 * mc_gate_fleet_load_classes_of. -ENOENT (66) when the inventory has no
 * hosts. */
mc_targets *mc_targets_run_db(mc_db *db, const mc_plan_env *env, const mc_facts *src,
			      const char *src_host, const mc_pins *pins, bool usable_only,
			      mc_error *err);
void mc_targets_free(mc_targets *t);
size_t mc_targets_count(const mc_targets *t);
/* The i-th destination, best first. */
const mc_target *mc_targets_at(const mc_targets *t, size_t i);
/* How many plans were computed (one per distinct destination class). */
size_t mc_targets_plans(const mc_targets *t);
/* 0: at least one ok destination; 1: only destinations with actions; 2: none. */
int mc_targets_status(const mc_targets *t);

/* The decisive verdicts of a destination: those at its plan's worst level
 * when that is action or blocked; call with i = 0, 1, ... until NULL. */
const mc_verdict *mc_target_decisive(const mc_target *d, size_t i);

/* Text for people; `hosts_only`: the names of the ok and action
 * destinations, best first, one a line. */
int mc_targets_write_text(FILE *out, const mc_targets *t, const char *src_label, const char *src_id,
			  const mc_pins *pins, bool hosts_only, mc_error *err);

#endif
