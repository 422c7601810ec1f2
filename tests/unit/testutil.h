/* Helpers for data-driven Check tests: one TCase per input file. */
#ifndef MC_TESTUTIL_H
#define MC_TESTUTIL_H

#include <check.h>
#include <glib.h>

/* $MC_TESTDATA (set by `make check`), else "tests/data". */
const char *tu_datadir(void);
/* Sorted base names (without suffix) of DATADIR/SUBDIR/ *SUFFIX. */
GPtrArray *tu_list(const char *subdir, const char *suffix);
/* DATADIR/SUBDIR/NAME+EXT; caller g_free()s. */
char *tu_path(const char *subdir, const char *name, const char *ext);
/* File contents, or NULL when it does not exist. */
char *tu_read(const char *path, gsize *len);
/* Add one TCase per name to `s`, each running fn with _i = the name's index
 * (setup/teardown: an optional checked fixture). */
void tu_add_cases(Suite *s, const char *prefix, GPtrArray *names, const TTest *fn, SFun setup,
		  SFun teardown);
/* Run a suite; returns the process exit status. */
int tu_run(Suite *s);
/* A fresh temporary directory (removed by tu_rmtree). */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);

#endif
