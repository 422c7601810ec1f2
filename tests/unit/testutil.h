/* Helpers for data-driven Check tests: one TCase per input file. */
#ifndef MC_TESTUTIL_H
#define MC_TESTUTIL_H

#include <check.h>
#include <glib.h>

#include "core/facts.h"
#include "core/planner.h"

/* $MC_TESTDATA (set by `make check`), else "tests/data". */
const char *tu_datadir(void);
/* Sorted base names (without suffix) of DATADIR/SUBDIR/ *SUFFIX. */
GPtrArray *tu_list(const char *subdir, const char *suffix);
/* DATADIR/SUBDIR/NAME+EXT; caller g_free()s. */
char *tu_path(const char *subdir, const char *name, const char *ext);
/* File contents, or NULL when it does not exist. */
char *tu_read(const char *path, gsize *len);
/* DATADIR/SUBDIR/NAME+EXT parsed as facts; fails the test when missing or
 * malformed. */
mc_facts *tu_load_facts(const char *subdir, const char *name, const char *ext);
/* DATADIR/SUBDIR/NAME.expect without '#' comment and blank lines. */
char *tu_expectation(const char *subdir, const char *name);
/* Pins from DATADIR/SUBDIR/NAME.pins (one NAME=VALUE a line), empty when the
 * file does not exist; fails the test on a malformed pin. */
mc_pins *tu_load_pins(const char *subdir, const char *name);
/* Add one TCase per name to `s`, each running fn with _i = the name's index
 * (setup/teardown: an optional checked fixture). */
void tu_add_cases(Suite *s, const char *prefix, GPtrArray *names, const TTest *fn, SFun setup,
		  SFun teardown);
/* Run a suite; returns the process exit status. */
int tu_run(Suite *s);
/* A fresh temporary directory (removed by tu_rmtree). */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* An unlinked temporary file open read-write (fails the test otherwise). */
int tu_tmpfile_fd(void);

/* Rows of the README "Reliability" table from a Check program (the shell
 * tests use fault_begin/fault_end in tests/integration/lib.sh). Rows go to
 * $MC_RELIABILITY_DIR/GROUP.tsv (nothing when unset): tu_fault_reset empties
 * the file (call it from main, before the suite runs), tu_fault_record appends
 * one row. FAULT and OUTCOME are compared verbatim with README: no timings. */
void tu_fault_reset(const char *group);
void tu_fault_record(const char *group, const char *fault, const char *outcome, int passed);

#endif
