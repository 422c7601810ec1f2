/* The one runner of plan cases: every rule family's cases, one grammar.
 *
 * A case is DATADIR/SUBDIR/NAME.expect with NAME.src and NAME.dst (facts or
 * profile XML: a plan of a guest started on src moving to dst), or NAME.new
 * and NAME.old (the matrix of `plan --matrix`, new = A, old = B), and
 * optionally NAME.pins (one NAME=VALUE a line, '#' comments). The planner's
 * environment is tu_plan_env_for(SUBDIR): SUBDIR/cpu_map when the folder has
 * its own CPU map, else tu_plan_env() (tests/data/cpu_map).
 *
 * NAME.expect, line by line ('#' lines are comments; the leading ones say
 * where the expectation comes from; blank lines are ignored):
 *
 *   families FAMILY...   only these families' verdicts are compared
 *                        (default: every family)
 *   notes                ok verdicts are listed too, each family's "summary"
 *                        excepted (default: action and blocked ones only)
 *   LEVEL                the worst level of the compared verdicts (ok,
 *                        action, blocked; ok when there are none)
 *   LEVEL FAMILY SUBJECT[ pin=PIN]
 *                        one line per listed verdict, in plan order
 *                        (SUBJECT "-" when empty; PIN the pin it proposes)
 *   ~ TEXT               some compared verdict's reason, facts, remedy or
 *                        pin contains TEXT
 *   error TEXT           instead of LEVEL and the verdicts: the pins or the
 *                        planning fail with a message containing TEXT
 *   Matrix cases, instead of LEVEL and the verdicts:
 *   compat PINS          the computed compat pins, "-" when none
 *   DIR LEVEL[ FAMILY SUBJECT]
 *                        per direction (new->new, old->new, new->old,
 *                        compat->old, old->compat): the row's worst level
 *                        and the first verdict at that level
 *
 * Every plan (and every matrix row) also holds, whatever the expectation
 * says: each verdict has a reason; each action or blocked verdict names the
 * facts that decided it and a remedy; each rule family that applies to the
 * source's architecture (x86.* to x86_64, arm64.* to aarch64, the others to
 * all) says something, and no other family does.
 *
 * With MC_UPDATE_EXPECT set, the runner rewrites NAME.expect from what the
 * planner answers, keeping the leading comments, the families/notes lines,
 * the ~ lines, and an error line that still matches; review the diff
 * against the folder README's independent check before committing it. */
#ifndef MC_PLANCASE_H
#define MC_PLANCASE_H

#include <check.h>

/* Add one TCase per case of DATADIR/SUBDIR, named "SUBDIR/NAME". */
void pc_add_cases(Suite *s, const char *subdir);

#endif
