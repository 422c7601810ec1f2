/* migcheck — JSON output (--format json) for plan, matrix, gate, hosts,
 * show and diff, through json-glib. One document per call, printed to
 * `out` with a trailing newline; the shapes are described by the schemas
 * schemas/{plan,matrix,gate,targets,baseline,hosts,show,diff}.schema.json. Every document
 * has "kind" naming its schema. */
#ifndef MC_REPORT_JSON_H
#define MC_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/fleet/gate.h"
#include "core/fleet/targets.h"
#include "core/planner/baseline.h"
#include "core/planner/planner.h"
#include "core/report/report.h"
#include "db/inventory.h"

/* A plan: its worst level, both sides, the pins and every verdict. */
int mc_json_plan(FILE *out, const mc_plan *p, const mc_report_side *src, const mc_report_side *dst,
		 const mc_pins *pins, mc_error *err);
/* A matrix: A is "new", B is "old"; the compat pins and the five rows. */
int mc_json_matrix(FILE *out, const mc_matrix *m, const mc_report_side *a, const mc_report_side *b,
		   const mc_pins *pins, mc_error *err);
/* A gate result: candidate, base, every pair with its candidate plan. */
int mc_json_gate(FILE *out, const mc_gate *g, const char *candidate_label, mc_error *err);
/* The destinations of a guest (`targets`), best first. */
int mc_json_targets(FILE *out, const mc_targets *t, const mc_report_side *src, const mc_pins *pins,
		    mc_error *err);
/* A baseline of n migration classes: their (first) profile ids, host
 * labels, host counts and profile counts. */
int mc_json_baseline(FILE *out, const mc_baseline *bl, const char *arch, size_t n,
		     const char *const *ids, const char *const *labels, const size_t *weights,
		     const size_t *nprofiles, mc_error *err);
/* Every host of the inventory. */
int mc_json_hosts(FILE *out, mc_db *db, mc_error *err);
/* A profile's summary (`show`): `db` NULL when the profile is not in the
 * inventory (no hosts listed); every fact too when `all`. */
int mc_json_show(FILE *out, mc_db *db, const char *id, const char *label, const mc_facts *f,
		 bool all, mc_error *err);
/* The fact-level difference of A and B, restricted to `domains` (NULL-
 * terminated, or NULL for all); *ndiff gets the number of differences. */
int mc_json_diff(FILE *out, const mc_report_side *a, const mc_facts *fa, const mc_report_side *b,
		 const mc_facts *fb, char *const *domains, size_t *ndiff, mc_error *err);

#endif
