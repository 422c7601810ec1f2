/* migcheck — the rollout gate: is a candidate profile (a new kernel, new
 * firmware) safe to roll out into today's fleet?
 *
 * Definition. The fleet is the set of distinct profiles the inventory's
 * hosts have today. The candidate C replaces one base profile B on the hosts
 * being upgraded: B is given (--base), or else it is the fleet profile of
 * C's architecture with the fewest differing facts (ties: more hosts, then
 * the smaller id). A rollout runs for weeks with upgraded and not yet
 * upgraded hosts side by side, so for every fleet profile Q of C's
 * architecture (B included) both directions are checked against what the
 * fleet does today:
 *   forward   C -> Q   compared with   B -> Q
 *   backward  Q -> C   compared with   Q -> B
 * A pair is a regression when the candidate's plan is worse (ok < action <
 * blocked) than today's. A candidate equal to a fleet profile changes
 * nothing and passes trivially. */
#ifndef MC_GATE_H
#define MC_GATE_H

#include <stdbool.h>
#include <stdio.h>

#include "db/inventory.h"
#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/planner/planner.h"

typedef struct mc_gate_fleet mc_gate_fleet; /* distinct profiles + their hosts */

mc_gate_fleet *mc_gate_fleet_new(void);
void mc_gate_fleet_free(mc_gate_fleet *f);
/* Add host `host` having profile `facts` (copied when new). */
int mc_gate_fleet_add(mc_gate_fleet *f, const char *host, const mc_facts *facts, mc_error *err);
/* Every host of the inventory. */
mc_gate_fleet *mc_gate_fleet_load(mc_db *db, mc_error *err);
size_t mc_gate_fleet_count(const mc_gate_fleet *f);
/* The i-th distinct profile (first-seen order): its id, facts, and hosts
 * (the j-th of nhosts, in the order added: by name when loaded). */
const char *mc_gate_fleet_id(const mc_gate_fleet *f, size_t i);
const mc_facts *mc_gate_fleet_facts(const mc_gate_fleet *f, size_t i);
size_t mc_gate_fleet_nhosts(const mc_gate_fleet *f, size_t i);
const char *mc_gate_fleet_host(const mc_gate_fleet *f, size_t i, size_t j);

/* The fleet grouped by migration class (mc_plan_class_id): one entry per
 * class, in first-seen order, named by its first profile (id, facts), with
 * the hosts of all its profiles (by profile, in the order of `f`). Planning
 * the entry plans every profile of the class. mc_gate_fleet_add is not for
 * such a fleet. */
mc_gate_fleet *mc_gate_fleet_by_class(const mc_gate_fleet *f);
/* The same as mc_gate_fleet_by_class(mc_gate_fleet_load(db)), loading
 * only one profile per class. The classes are the inventory's stored class
 * keys when they are current (mc_db_classes_stale with
 * mc_gate_classifier(): one read of the hosts, by name); else a profile's
 * class is decided from the ids of its facts (mc_db_each_profile_fids),
 * each distinct fact looked at once. */
mc_gate_fleet *mc_gate_fleet_load_classes(mc_db *db, mc_error *err);
/* The same, loading the facts of the classes of architecture `arch` only
 * (NULL: none) when the stored keys are current: the other entries' facts
 * are NULL and their architecture the inventory's (profiles.arch). For
 * targets, which plans only to its source's architecture. */
mc_gate_fleet *mc_gate_fleet_load_classes_of(mc_db *db, const char *arch, mc_error *err);
/* The architecture of entry i (its facts' kernel arch), NULL when unknown. */
const char *mc_gate_fleet_arch(const mc_gate_fleet *f, size_t i);
/* The planner's migration classes for the inventory to store
 * (mc_db_set_classifier): mc_plan_class_id, mc_plan_reads_fact. */
const mc_db_classifier *mc_gate_classifier(void);
/* How many profiles an entry stands for (1 unless grouped by class). */
size_t mc_gate_fleet_nprofiles(const mc_gate_fleet *f, size_t i);
/* The profile id of host j of entry i (its own, in a class). */
const char *mc_gate_fleet_host_profile(const mc_gate_fleet *f, size_t i, size_t j);

typedef struct mc_gate_pair {
	bool forward;        /* C -> Q (else Q -> C) */
	const char *other;   /* Q's profile id */
	const char *hosts;   /* Q's hosts: "a, b, c" (at most 5 named, then "+N") */
	size_t nhosts;       /* Q's host count */
	mc_level today;      /* B -> Q (forward) or Q -> B */
	mc_level candidate;  /* C -> Q (forward) or Q -> C */
	bool regression;     /* candidate > today */
	const mc_plan *plan; /* the candidate's plan (decisive verdicts) */
	/* Forward pairs whose plain plan is blocked: the compat pins (as
	 * `plan --matrix` computes them) that make the candidate's guests
	 * movable to Q, "NAME=VALUE,..."; then candidate and plan are those of
	 * the pinned guest, at least action (the pins are the action). NULL
	 * otherwise. */
	const char *pins;
} mc_gate_pair;

typedef struct mc_gate mc_gate; /* a result */

/* Run the gate, planning in `env` (NULL: no CPU models). `base_id` names
 * the replaced fleet profile, or NULL to choose it as described above.
 * -ENOENT (66) when base_id is not a fleet profile, -EINVAL (65) when the
 * fleet has no profile of C's architecture. */
mc_gate *mc_gate_run(const mc_gate_fleet *fleet, const mc_plan_env *env, const mc_facts *candidate,
		     const char *base_id, mc_error *err);
/* The same for guests started with `pins` (NULL: none) on every side, e.g.
 * a pin set from `migcheck baseline`; the compat pins of a blocked forward
 * pair are added to them. */
mc_gate *mc_gate_run_pins(const mc_gate_fleet *fleet, const mc_plan_env *env,
			  const mc_facts *candidate, const char *base_id, const mc_pins *pins,
			  mc_error *err);
void mc_gate_free(mc_gate *g);

const char *mc_gate_candidate_id(const mc_gate *g);
const char *mc_gate_base_id(const mc_gate *g);
/* The fleet profile equal to the candidate, or NULL. */
const char *mc_gate_equal_id(const mc_gate *g);
size_t mc_gate_pair_count(const mc_gate *g);
const mc_gate_pair *mc_gate_pair_at(const mc_gate *g, size_t i);
/* Fleet profiles not compared (another architecture). */
size_t mc_gate_skipped(const mc_gate *g);
/* Exit status per the contract: 0 no regression, 1 only regressions to
 * "action", 2 a regression to "blocked". */
int mc_gate_status(const mc_gate *g);

/* Render: text for people, JUnit (one test case per pair) for CI. */
int mc_gate_write_text(FILE *out, const mc_gate *g, const char *candidate_label, mc_error *err);
int mc_gate_write_junit(FILE *out, const mc_gate *g, const char *candidate_label, mc_error *err);

#endif
