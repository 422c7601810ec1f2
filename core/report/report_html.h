/* migcheck — the fleet matrix as one self-contained HTML page: a heat map of
 * every (source class, destination class) pair of the fleet's entries
 * (migration classes, each shown as its first profile) coloured by the
 * plan's verdict, with the hosts of each class on the axes and the decisive
 * verdicts of every cell on hover and click.
 *
 * The page needs nothing outside itself: inline SVG, CSS and script, and a
 * Content-Security-Policy that allows no network access and only the page's
 * own script and style (by hash). Every string that comes from the fleet
 * (host names, facts, kernel releases) is escaped (libxml2's writer, or
 * '&', '<', '>' for the data below); invalid UTF-8 and characters XML
 * cannot carry are replaced first.
 *
 * Data. The cells are not written out: <div id="mc-data" hidden> holds one
 * JSON document (profiles in display order; each distinct verdict once;
 * each distinct cell content, a "set": its kind and verdict ids, once; and
 * the set id of every cell, row by row), and the page's script draws the
 * cells from it and builds a cell's details when it is shown. The page grows
 * by a few bytes per cell (1.2 MB for 266 classes, 70,756 cells).
 *
 * Cap. The matrix shows at most `max_profiles` entries (default
 * MC_HTML_MAX_PROFILES, at most MC_HTML_MAX_PROFILES_LIMIT): those with the
 * most hosts (ties: the smaller id); the page says how many entries and
 * hosts were left out. Each cell lists at most MC_HTML_MAX_VERDICTS non-ok
 * verdicts (blocked first) and counts the rest, and names the `migcheck
 * plan` command that shows them all.
 *
 * Geometry (fixed, so tools can find cells): the <svg id="matrix"> carries
 * data-cell (cell pitch, px), data-x0 and data-y0 (the top-left of cell 0,0
 * in SVG coordinates), data-n (entries shown). Cell (r, c) — r the source,
 * c the destination, both in display order — covers
 * [x0 + c*cell, x0 + (c+1)*cell) x [y0 + r*cell, y0 + (r+1)*cell) with a
 * 1 px gap on each side; the script draws it into <g id="cells"> as
 * <rect id="c-R-C" class="cell VERDICT"> with data-r, data-c, data-src and
 * data-dst (profile ids), inside <a href="#d-R-C"> when not ok, and the
 * cells' glyphs as one <path class="g" data-kind=VERDICT data-n=CELLS> per
 * verdict (drawn from the <symbol id="g-VERDICT"> paths);
 * page.html#d-R-C opens with that cell selected and its details (a
 * <section class="detail VERDICT">) in the side panel. The page's script,
 * once it ran, sets data-ready="1" on <html> and data-page-x/-y (the SVG's
 * page offset) on the <svg>. */
#ifndef MC_REPORT_HTML_H
#define MC_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/base/error.h"
#include "core/fleet/gate.h"

#define MC_HTML_MAX_PROFILES 500
#define MC_HTML_MAX_PROFILES_LIMIT 2000
#define MC_HTML_MAX_VERDICTS 8

typedef struct mc_html_opts {
	const char *source;     /* what the fleet is (e.g. the inventory path), shown */
	const char *arch;       /* only profiles of this kernel/arch; NULL: all */
	size_t max_profiles;    /* 0: MC_HTML_MAX_PROFILES; > LIMIT is an error */
	time_t generated;       /* shown when non-zero */
	const mc_plan_env *env; /* the planner's environment (CPU models); NULL: none */
} mc_html_opts;

/* Cell classes, as the page names them. */
typedef enum {
	MC_CELL_OK,      /* "ok" */
	MC_CELL_ACTION,  /* "action" */
	MC_CELL_BLOCKED, /* "blocked" */
	MC_CELL_NA,      /* "na": different architectures, nothing to plan */
	MC_CELL_ERROR,   /* "error": the planner refused the pair (message shown) */
	MC_CELL_KINDS
} mc_cell_kind;

const char *mc_cell_kind_name(mc_cell_kind k);

typedef struct mc_html_stats {
	size_t profiles;    /* entries (migration classes) of the fleet (after --arch) */
	size_t members;     /* the profiles they stand for */
	size_t shown;       /* entries in the matrix */
	size_t hosts;       /* hosts of all those entries */
	size_t hosts_shown; /* hosts of the shown entries */
	size_t cells[MC_CELL_KINDS];
	size_t verdicts; /* distinct verdicts in the page's data */
	size_t sets;     /* distinct cell contents (verdict sets) */
} mc_html_stats;

/* Plan every pair of the fleet's (shown) profiles and write the page to
 * `out`. `st` (optional) gets the counts. Errors: -ERANGE (64) max_profiles
 * above the limit, -ENOENT (66) no profile in the fleet (or none of `arch`),
 * -EIO (74) when writing fails. */
int mc_report_html(FILE *out, const mc_gate_fleet *fleet, const mc_html_opts *opts,
		   mc_html_stats *st, mc_error *err);

/* The page's own script and style, for tests: they must contain no '<',
 * '>', '&' or '"', which the writer would escape (and the page is also
 * well-formed XML). */
extern const char mc_html_script[], mc_html_style[];

#endif
