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

#endif
