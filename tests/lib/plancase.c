#include "tests/lib/plancase.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/planner.h"
#include "tests/lib/testutil.h"

/* ---- the registered cases ---- */

typedef struct {
	char *subdir, *name, *tcname;
} pc_entry;

static GPtrArray *entries; /* pc_entry *, until tu_run ends */

static void entry_free(gpointer p)
{
	pc_entry *e = p;
	g_free(e->subdir);
	g_free(e->name);
	g_free(e->tcname);
	g_free(e);
}

static void entries_clear(void)
{
	if (entries)
		g_ptr_array_unref(entries);
	entries = NULL;
}

/* ---- the expectation ---- */

typedef struct {
	char *path;
	GString *comments;   /* the leading '#' lines, verbatim */
	GPtrArray *families; /* char *; NULL: every family */
	bool notes;
	char *error;      /* "error TEXT": TEXT */
	GPtrArray *texts; /* "~ TEXT": TEXT */
	GString *lines;   /* everything else, one "\n"-terminated line each */
	GString *families_line;
} pc_expect;

static bool is_family(const char *name)
{
	const char *f;
	for (size_t k = 0; (f = mc_rule_family(k)); k++)
		if (strcmp(f, name) == 0)
			return true;
	return false;
}

static void expect_load(pc_expect *x, const char *subdir, const char *name)
{
	memset(x, 0, sizeof(*x));
	x->path = tu_path(subdir, name, ".expect");
	g_autofree char *t = tu_read(x->path, NULL);
	ck_assert_msg(t != NULL, "missing %s", x->path);
	x->comments = g_string_new(NULL);
	x->texts = g_ptr_array_new_with_free_func(g_free);
	x->lines = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
	bool leading = true;
	for (char **l = lines; *l; l++) {
		if (**l == '#') {
			if (leading)
				g_string_append_printf(x->comments, "%s\n", *l);
			continue;
		}
		if (!**l)
			continue;
		leading = false;
		if (g_str_has_prefix(*l, "families ")) {
			ck_assert_msg(!x->families, "%s: two families lines", x->path);
			x->families = g_ptr_array_new_with_free_func(g_free);
			g_auto(GStrv) f = g_strsplit(*l + strlen("families "), " ", -1);
			for (char **n = f; *n; n++) {
				if (!**n)
					continue;
				ck_assert_msg(is_family(*n), "%s: no family %s", x->path, *n);
				g_ptr_array_add(x->families, g_strdup(*n));
			}
			ck_assert_msg(x->families->len, "%s: families without a family", x->path);
			x->families_line = g_string_new(*l);
		} else if (strcmp(*l, "notes") == 0) {
			x->notes = true;
		} else if (g_str_has_prefix(*l, "~ ")) {
			g_ptr_array_add(x->texts, g_strdup(*l + 2));
		} else if (g_str_has_prefix(*l, "error ")) {
			ck_assert_msg(!x->error, "%s: two error lines", x->path);
			x->error = g_strdup(*l + strlen("error "));
		} else {
			g_string_append_printf(x->lines, "%s\n", *l);
		}
	}
	ck_assert_msg(!x->error || !x->lines->len, "%s: an error line and verdicts", x->path);
	ck_assert_msg(x->error || x->lines->len, "%s: empty expectation", x->path);
}

static void expect_clear(pc_expect *x)
{
	g_free(x->path);
	g_string_free(x->comments, TRUE);
	if (x->families)
		g_ptr_array_unref(x->families);
	if (x->families_line)
		g_string_free(x->families_line, TRUE);
	g_free(x->error);
	g_ptr_array_unref(x->texts);
	g_string_free(x->lines, TRUE);
}

/* MC_UPDATE_EXPECT: the expectation rewritten with what the planner said
 * (got_lines, or got_error when it failed). */
static void expect_update(const pc_expect *x, const char *got_lines, const char *got_error)
{
	if (!g_getenv("MC_UPDATE_EXPECT"))
		return;
	GString *s = g_string_new(x->comments->str);
	if (x->families_line)
		g_string_append_printf(s, "%s\n", x->families_line->str);
	if (x->notes)
		g_string_append(s, "notes\n");
	if (got_error)
		g_string_append_printf(s, "error %s\n",
				       x->error && strstr(got_error, x->error) ? x->error
									       : got_error);
	else
		g_string_append(s, got_lines);
	for (guint i = 0; i < x->texts->len; i++)
		g_string_append_printf(s, "~ %s\n", (const char *)x->texts->pdata[i]);
	ck_assert_msg(g_file_set_contents(x->path, s->str, (gssize)s->len, NULL), "cannot write %s",
		      x->path);
	g_string_free(s, TRUE);
}

/* ---- what every plan holds ---- */

static bool family_applies(const char *family, const char *arch)
{
	if (g_str_has_prefix(family, "x86."))
		return strcmp(arch, "x86_64") == 0;
	if (g_str_has_prefix(family, "arm64."))
		return strcmp(arch, "aarch64") == 0;
	return true;
}

static void check_invariants(const mc_plan *p, const mc_facts *src, const char *what)
{
	const char *arch = mc_facts_get(src, "kernel", "arch");
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		ck_assert_msg(v->reason && *v->reason, "%s: %s %s: no reason", what, v->family,
			      v->subject);
		if (v->level != MC_V_OK)
			ck_assert_msg(v->facts && *v->facts && v->remedy && *v->remedy,
				      "%s: %s %s %s: no facts or no remedy", what,
				      mc_level_name(v->level), v->family, v->subject);
	}
	const char *f;
	for (size_t k = 0; (f = mc_rule_family(k)); k++) {
		size_t n = 0;
		for (size_t i = 0; i < mc_plan_count(p); i++)
			n += strcmp(mc_plan_at(p, i)->family, f) == 0;
		bool applies = family_applies(f, arch ? arch : "");
		ck_assert_msg(applies == (n > 0), "%s: family %s %s on a %s source", what, f,
			      n ? "said something" : "said nothing", arch ? arch : "?");
	}
}

/* ---- plan cases ---- */

static bool in_scope(const pc_expect *x, const mc_verdict *v)
{
	if (!x->families)
		return true;
	for (guint i = 0; i < x->families->len; i++)
		if (strcmp(x->families->pdata[i], v->family) == 0)
			return true;
	return false;
}

static void verdict_line(GString *s, const mc_verdict *v)
{
	g_string_append_printf(s, "%s %s %s", mc_level_name(v->level), v->family,
			       *v->subject ? v->subject : "-");
	if (v->pin)
		g_string_append_printf(s, " pin=%s", v->pin);
	g_string_append_c(s, '\n');
}

/* NAME.pins into pins: 0, or -errno with err set (a pin the planner refuses). */
static int load_pins(const char *subdir, const char *name, mc_pins *pins, mc_error *err)
{
	g_autofree char *p = tu_path(subdir, name, ".pins");
	g_autofree char *t = tu_read(p, NULL);
	g_auto(GStrv) lines = t ? g_strsplit(t, "\n", -1) : NULL;
	for (char **l = lines; l && *l; l++) {
		g_strstrip(*l);
		if (!**l || **l == '#')
			continue;
		int rc = mc_plan_parse_pin(tu_plan_env_for(subdir), pins, *l, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void check_error(const pc_expect *x, const char *name, const char *got)
{
	expect_update(x, NULL, got);
	ck_assert_msg(x->error, "%s: %s", name, got);
	ck_assert_msg(strstr(got, x->error), "%s: error '%s' lacks '%s'", name, got, x->error);
}

static void compare_plan(const pc_entry *c, const pc_expect *x, const mc_plan *p,
			 const mc_facts *src)
{
	check_invariants(p, src, c->name);
	GString *got = g_string_new(NULL), *text = g_string_new(NULL);
	mc_level worst = MC_V_OK;
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		if (!in_scope(x, v))
			continue;
		worst = v->level > worst ? v->level : worst;
		g_string_append_printf(text, "%s|%s|%s|%s\n", v->reason, v->facts ? v->facts : "",
				       v->remedy ? v->remedy : "", v->pin ? v->pin : "");
		if (v->level != MC_V_OK || (x->notes && strcmp(v->subject, "summary") != 0))
			verdict_line(got, v);
	}
	g_string_prepend(got, "\n");
	g_string_prepend(got, mc_level_name(worst));
	expect_update(x, got->str, NULL);
	ck_assert_msg(!x->error, "%s: planned, expected error '%s'", c->name, x->error);
	ck_assert_msg(strcmp(got->str, x->lines->str) == 0, "%s: the plan says\n%s\nexpected\n%s",
		      c->name, got->str, x->lines->str);
	for (guint i = 0; i < x->texts->len; i++)
		ck_assert_msg(strstr(text->str, x->texts->pdata[i]),
			      "%s: no verdict's text contains '%s':\n%s", c->name,
			      (const char *)x->texts->pdata[i], text->str);
	g_string_free(got, TRUE);
	g_string_free(text, TRUE);
}

static void run_plan(const pc_entry *c, const pc_expect *x)
{
	mc_facts *src = tu_load_facts(c->subdir, c->name, ".src");
	mc_facts *dst = tu_load_facts(c->subdir, c->name, ".dst");
	mc_pins *pins = mc_pins_new();
	mc_error err = { 0 };
	mc_plan *p = NULL;
	if (load_pins(c->subdir, c->name, pins, &err) == 0)
		p = mc_plan_compute(tu_plan_env_for(c->subdir), src, dst, pins, &err);
	if (p)
		compare_plan(c, x, p, src);
	else
		check_error(x, c->name, err.msg);
	mc_plan_free(p);
	mc_pins_free(pins);
	mc_facts_free(src);
	mc_facts_free(dst);
}

/* ---- matrix cases ---- */

static void compare_matrix(const pc_entry *c, const pc_expect *x, const mc_matrix *m,
			   const mc_facts *a, const mc_facts *b)
{
	ck_assert_msg(!x->families && !x->notes && !x->texts->len,
		      "%s: families, notes and ~ lines are for plan cases", c->name);
	GString *got = g_string_new(NULL);
	char *compat = mc_pins_format(m->compat);
	g_string_append_printf(got, "compat %s\n", *compat ? compat : "-");
	g_free(compat);
	for (int d = 0; d < MC_DIR_COUNT; d++) {
		g_autofree char *what = g_strdup_printf("%s %s", c->name, mc_direction_name(d));
		check_invariants(m->row[d], d == MC_DIR_OLD_NEW || d == MC_DIR_OLD_COMPAT ? b : a,
				 what);
		mc_level w = mc_plan_worst(m->row[d]);
		g_string_append_printf(got, "%s %s", mc_direction_name(d), mc_level_name(w));
		for (size_t i = 0; i < mc_plan_count(m->row[d]) && w != MC_V_OK; i++) {
			const mc_verdict *v = mc_plan_at(m->row[d], i);
			if (v->level == w) {
				g_string_append_printf(got, " %s %s", v->family, v->subject);
				break;
			}
		}
		g_string_append_c(got, '\n');
	}
	expect_update(x, got->str, NULL);
	ck_assert_msg(!x->error, "%s: planned, expected error '%s'", c->name, x->error);
	ck_assert_msg(strcmp(got->str, x->lines->str) == 0, "%s: the matrix says\n%s\nexpected\n%s",
		      c->name, got->str, x->lines->str);
	g_string_free(got, TRUE);
}

static void run_matrix(const pc_entry *c, const pc_expect *x)
{
	mc_facts *a = tu_load_facts(c->subdir, c->name, ".new");
	mc_facts *b = tu_load_facts(c->subdir, c->name, ".old");
	mc_pins *pins = mc_pins_new();
	mc_error err = { 0 };
	mc_matrix m = { 0 };
	int rc = load_pins(c->subdir, c->name, pins, &err);
	if (rc == 0)
		rc = mc_plan_matrix(tu_plan_env_for(c->subdir), a, b, pins, &m, &err);
	if (rc == 0)
		compare_matrix(c, x, &m, a, b);
	else
		check_error(x, c->name, err.msg);
	mc_matrix_clear(&m);
	mc_pins_free(pins);
	mc_facts_free(a);
	mc_facts_free(b);
}

START_TEST(plan_case)
{
	const pc_entry *c = entries->pdata[_i];
	pc_expect x;
	expect_load(&x, c->subdir, c->name);
	g_autofree char *src = tu_path(c->subdir, c->name, ".src");
	if (g_file_test(src, G_FILE_TEST_EXISTS))
		run_plan(c, &x);
	else
		run_matrix(c, &x);
	expect_clear(&x);
}
END_TEST

void pc_add_cases(Suite *s, const char *subdir)
{
	if (!entries) {
		entries = g_ptr_array_new_with_free_func(entry_free);
		tu_at_run_end(entries_clear);
	}
	g_autoptr(GPtrArray) names = tu_list(subdir, ".expect");
	if (!names->len) {
		fprintf(stderr, "no plan cases in %s/%s\n", tu_datadir(), subdir);
		exit(EXIT_FAILURE);
	}
	for (guint i = 0; i < names->len; i++) {
		pc_entry *e = g_new0(pc_entry, 1);
		e->subdir = g_strdup(subdir);
		e->name = g_strdup(names->pdata[i]);
		e->tcname = g_strdup_printf("%s/%s", subdir, e->name);
		g_ptr_array_add(entries, e);
		TCase *tc = tcase_create(e->tcname);
		tcase_add_loop_test(tc, plan_case, (int)entries->len - 1, (int)entries->len);
		suite_add_tcase(s, tc);
	}
}
