#include "tests/lib/testutil.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tu_datadir(void)
{
	const char *d = g_getenv("MC_TESTDATA");
	return d && *d ? d : "tests/data";
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *tu_list(const char *subdir, const char *suffix)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *dir = g_build_filename(tu_datadir(), subdir, NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return names;
	const char *n;
	while ((n = g_dir_read_name(d))) {
		if (g_str_has_suffix(n, suffix))
			g_ptr_array_add(names, g_strndup(n, strlen(n) - strlen(suffix)));
	}
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_str);
	return names;
}

char *tu_path(const char *subdir, const char *name, const char *ext)
{
	g_autofree char *file = g_strconcat(name, ext, NULL);
	return g_build_filename(tu_datadir(), subdir, file, NULL);
}

char *tu_read(const char *path, gsize *len)
{
	char *s = NULL;
	gsize n = 0;
	if (!g_file_get_contents(path, &s, &n, NULL))
		return NULL;
	if (len)
		*len = n;
	return s;
}

mc_facts *tu_load_facts(const char *subdir, const char *name, const char *ext)
{
	g_autofree char *p = tu_path(subdir, name, ext);
	gsize len = 0;
	g_autofree char *t = tu_read(p, &len);
	ck_assert_msg(t != NULL, "missing %s", p);
	mc_error err = { 0 };
	mc_facts *f = mc_facts_parse(t, len, p, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	return f;
}

void tu_expectation_update(const char *subdir, const char *name, const char *got)
{
	if (!g_getenv("MC_UPDATE_EXPECT"))
		return;
	/* Rewrite the expectation with got, keeping its leading comment lines. */
	g_autofree char *p = tu_path(subdir, name, ".expect");
	g_autofree char *t = tu_read(p, NULL);
	GString *s = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(t ? t : "", "\n", -1);
	for (char **l = lines; *l && **l == '#'; l++)
		g_string_append_printf(s, "%s\n", *l);
	g_string_append(s, got);
	ck_assert(g_file_set_contents(p, s->str, (gssize)s->len, NULL));
	g_string_free(s, TRUE);
}

char *tu_expectation(const char *subdir, const char *name)
{
	g_autofree char *p = tu_path(subdir, name, ".expect");
	g_autofree char *t = tu_read(p, NULL);
	ck_assert_msg(t != NULL, "missing %s", p);
	GString *s = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
	for (char **l = lines; *l; l++)
		if (**l && **l != '#')
			g_string_append_printf(s, "%s\n", *l);
	return g_string_free(s, FALSE);
}

mc_pins *tu_load_pins(const char *subdir, const char *name)
{
	mc_pins *pins = mc_pins_new();
	g_autofree char *p = tu_path(subdir, name, ".pins");
	g_autofree char *t = tu_read(p, NULL);
	g_auto(GStrv) lines = t ? g_strsplit(t, "\n", -1) : NULL;
	for (char **l = lines; l && *l; l++) {
		mc_error err = { 0 };
		if (**l)
			ck_assert_msg(mc_pins_parse(pins, *l, &err) == 0, "%s: %s", p, err.msg);
	}
	return pins;
}

static mc_plan_env plan_env;
static bool plan_env_loaded;

const mc_plan_env *tu_plan_env(void)
{
	if (!plan_env_loaded) {
		g_autofree char *dir = g_build_filename(tu_datadir(), "cpu_map", NULL);
		mc_plan_env_load(&plan_env, dir);
		ck_assert_msg(plan_env.cpumodels != NULL, "%s", plan_env.cpumodels_err.msg);
		plan_env_loaded = true;
	}
	return &plan_env;
}

/* Folders with a CPU map of their own: SUBDIR -> mc_plan_env * (owned). */
static GHashTable *folder_envs;

static void folder_env_free(gpointer p)
{
	mc_plan_env_clear(p);
	g_free(p);
}

const mc_plan_env *tu_plan_env_for(const char *subdir)
{
	g_autofree char *dir = g_build_filename(tu_datadir(), subdir, "cpu_map", NULL);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return tu_plan_env();
	if (!folder_envs)
		folder_envs =
		    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, folder_env_free);
	mc_plan_env *e = g_hash_table_lookup(folder_envs, subdir);
	if (!e) {
		e = g_new0(mc_plan_env, 1);
		mc_plan_env_load(e, dir);
		ck_assert_msg(e->cpumodels != NULL, "%s", e->cpumodels_err.msg);
		g_hash_table_insert(folder_envs, g_strdup(subdir), e);
	}
	return e;
}

/* Check keeps TCase name pointers: they live until the runner is freed. */
static GPtrArray *case_names;

void tu_add_cases(Suite *s, const char *prefix, GPtrArray *names, const TTest *fn, SFun setup,
		  SFun teardown)
{
	if (!case_names)
		case_names = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < names->len; i++) {
		char *cname = g_strdup_printf("%s/%s", prefix, (char *)names->pdata[i]);
		g_ptr_array_add(case_names, cname);
		TCase *tc = tcase_create(cname);
		if (setup || teardown)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_loop_test(tc, fn, (int)i, (int)i + 1);
		suite_add_tcase(s, tc);
	}
}

static void (*run_end[8])(void);
static size_t nrun_end;

void tu_at_run_end(void (*fn)(void))
{
	if (nrun_end == G_N_ELEMENTS(run_end)) {
		fprintf(stderr, "tu_at_run_end: too many\n");
		exit(EXIT_FAILURE);
	}
	run_end[nrun_end++] = fn;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (case_names)
		g_ptr_array_unref(case_names);
	case_names = NULL;
	mc_plan_env_clear(&plan_env);
	plan_env_loaded = false;
	if (folder_envs)
		g_hash_table_unref(folder_envs);
	folder_envs = NULL;
	while (nrun_end)
		run_end[--nrun_end]();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *tu_tmpdir(void)
{
	return g_dir_make_tmp("migcheck-test-XXXXXX", NULL);
}

void tu_rmtree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d) {
		const char *n;
		while ((n = g_dir_read_name(d))) {
			g_autofree char *p = g_build_filename(dir, n, NULL);
			if (g_file_test(p, G_FILE_TEST_IS_DIR))
				tu_rmtree(p);
			else
				g_unlink(p);
		}
		g_dir_close(d);
	}
	g_rmdir(dir);
}

static char *fault_file(const char *group)
{
	const char *dir = g_getenv("MC_RELIABILITY_DIR");
	if (!dir || !*dir)
		return NULL;
	g_mkdir_with_parents(dir, 0755);
	g_autofree char *base = g_strconcat(group, ".tsv", NULL);
	return g_build_filename(dir, base, NULL);
}

void tu_fault_reset(const char *group)
{
	g_autofree char *path = fault_file(group);
	if (path && !g_file_set_contents(path, "", 0, NULL)) { /* outside a test: no ck_assert */
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

void tu_fault_record(const char *group, const char *fault, const char *outcome, int passed)
{
	g_autofree char *path = fault_file(group);
	if (!path)
		return;
	FILE *f = fopen(path, "a");
	ck_assert_msg(f != NULL, "cannot append to %s", path);
	fprintf(f, "%s\t%s\t%s\n", fault, outcome, passed ? "pass" : "FAIL");
	ck_assert_int_eq(fclose(f), 0);
}

int tu_tmpfile_fd(void)
{
	char path[] = "/tmp/mc-test.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}
