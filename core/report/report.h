/* migcheck — rendering plans and matrices: text for people, XML
 * (schemas/plan.rng), JSON (schemas/plan.schema.json, matrix.schema.json;
 * core/report/json.h) for scripts and JUnit for CI systems. */
#ifndef MC_REPORT_H
#define MC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/planner/planner.h"

typedef enum { MC_FMT_TEXT, MC_FMT_XML, MC_FMT_JUNIT, MC_FMT_JSON } mc_format;

#define MC_PLAN_NS "urn:x-migcheck:plan:1"

/* Labels of the two sides, e.g. "host arm-a57" and their profile ids. */
typedef struct mc_report_side {
	const char *label;
	const char *id;
} mc_report_side;

int mc_format_parse(const char *s, mc_format *out);

/* Write a plan. `color` only for text on a terminal. */
int mc_report_plan(FILE *out, mc_format fmt, const mc_plan *p, const mc_report_side *src,
		   const mc_report_side *dst, const mc_pins *pins, bool color, mc_error *err);
/* Write a matrix; A is "new", B is "old". */
int mc_report_matrix(FILE *out, mc_format fmt, const mc_matrix *m, const mc_report_side *a,
		     const mc_report_side *b, const mc_pins *pins, bool color, mc_error *err);

/* A fact diff's differences per domain (text and JSON output of `diff`):
 * only the domains in `domains` (NULL-terminated; NULL: every domain) are
 * counted, the domains in first-seen order. */
typedef struct mc_diff_tally mc_diff_tally; /* opaque */
mc_diff_tally *mc_diff_tally_new(char *const *domains);
void mc_diff_tally_free(mc_diff_tally *t);
/* Count one difference of `domain`; false (not counted) when the domain is
 * not one the tally shows. */
bool mc_diff_tally_add(mc_diff_tally *t, const char *domain);
size_t mc_diff_tally_total(const mc_diff_tally *t);
size_t mc_diff_tally_ndomains(const mc_diff_tally *t);
/* The i-th domain seen, and its count. */
const char *mc_diff_tally_at(const mc_diff_tally *t, size_t i, size_t *count);

#endif
