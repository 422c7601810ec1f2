/* The rollout gate, data-driven: tests/data/gate/NAME.fleet ("HOST FILE"
 * lines, FILE relative to tests/data), NAME.candidate (one FILE), optional
 * NAME.base (one FILE), and NAME.expect:
 *   status N                      exit status per the contract
 *   base FILE | equal FILE        the replaced profile / the equal one
 *   forward|backward FILE today LEVEL candidate LEVEL[ regression]
 *   skipped N                     fleet profiles of another architecture
 *   error EXIT TEXT               (instead of all the above) gate refused
 * Pairs are listed in fleet order (first host line naming a profile). */
#include <stdio.h>
#include <string.h>

#include "core/fleet/gate.h"
#include "core/model/profile.h"
#include "tests/lib/testutil.h"

static GPtrArray *names;

static mc_facts *load(const char *rel)
{
	g_autofree char *p = g_build_filename(tu_datadir(), rel, NULL);
	mc_error err = { 0 };
	mc_facts *f = mc_profile_load_file(p, NULL, &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	return f;
}

static char *first_line(const char *name, const char *ext)
{
	g_autofree char *p = tu_path("gate", name, ext);
	g_autofree char *t = tu_read(p, NULL);
	if (!t)
		return NULL;
	return g_strstrip(g_strndup(t, strcspn(t, "\n")));
}

START_TEST(gate_case)
{
	const char *name = names->pdata[_i];
	g_autofree char *fp = tu_path("gate", name, ".fleet");
	g_autofree char *ft = tu_read(fp, NULL);
	ck_assert_msg(ft != NULL, "missing %s", fp);
	g_autoptr(GHashTable) file_of =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	mc_gate_fleet *fleet = mc_gate_fleet_new();
	mc_error err = { 0 };
	g_auto(GStrv) lines = g_strsplit(ft, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l || **l == '#')
			continue;
		g_auto(GStrv) w = g_strsplit(*l, " ", 2);
		ck_assert_msg(w[0] && w[1], "%s: bad line '%s'", fp, *l);
		mc_facts *f = load(w[1]);
		char id[MC_PROFILE_ID_LEN + 1];
		ck_assert_int_eq(mc_profile_id(f, id, &err), 0);
		g_hash_table_replace(file_of, g_strdup(id), g_strdup(w[1]));
		ck_assert_msg(mc_gate_fleet_add(fleet, w[0], f, &err) == 0, "%s", err.msg);
		mc_facts_free(f);
	}
	g_autofree char *cfile = first_line(name, ".candidate");
	ck_assert_msg(cfile != NULL, "%s: no .candidate", name);
	mc_facts *cand = load(cfile);
	g_autofree char *bfile = first_line(name, ".base");
	char bid[MC_PROFILE_ID_LEN + 1] = "";
	if (bfile) {
		mc_facts *b = load(bfile);
		ck_assert_int_eq(mc_profile_id(b, bid, &err), 0);
		mc_facts_free(b);
	}
	g_autofree char *ep = tu_path("gate", name, ".expect");
	g_autofree char *et = tu_read(ep, NULL);
	ck_assert_msg(et != NULL, "missing %s", ep);
	GString *want = g_string_new(NULL);
	g_auto(GStrv) el = g_strsplit(et, "\n", -1);
	for (char **l = el; *l; l++)
		if (**l && **l != '#')
			g_string_append_printf(want, "%s\n", *l);

	mc_gate *g = mc_gate_run(fleet, tu_plan_env(), cand, bfile ? bid : NULL, &err);
	GString *got = g_string_new(NULL);
	if (!g) {
		g_string_append_printf(got, "error %d %s\n", err.exit_code, err.msg);
		int code = 0;
		char text[256] = "";
		ck_assert_msg(sscanf(want->str, "error %d %255[^\n]", &code, text) == 2,
			      "%s: gate failed: %s", name, err.msg);
		ck_assert_msg(code == err.exit_code && strstr(err.msg, text), "%s: got %s", name,
			      got->str);
	} else {
		g_string_append_printf(got, "status %d\n", mc_gate_status(g));
		if (mc_gate_equal_id(g))
			g_string_append_printf(
			    got, "equal %s\n",
			    (char *)g_hash_table_lookup(file_of, mc_gate_equal_id(g)));
		else
			g_string_append_printf(
			    got, "base %s\n",
			    (char *)g_hash_table_lookup(file_of, mc_gate_base_id(g)));
		for (size_t i = 0; i < mc_gate_pair_count(g); i++) {
			const mc_gate_pair *p = mc_gate_pair_at(g, i);
			g_string_append_printf(got, "%s %s today %s candidate %s%s\n",
					       p->forward ? "forward" : "backward",
					       (char *)g_hash_table_lookup(file_of, p->other),
					       mc_level_name(p->today), mc_level_name(p->candidate),
					       p->regression ? " regression" : "");
			ck_assert_uint_gt(p->nhosts, 0);
		}
		g_string_append_printf(got, "skipped %zu\n", mc_gate_skipped(g));
		tu_expectation_update("gate", name, got->str);
		ck_assert_str_eq(got->str, want->str);
		/* Both renderings work and agree on the number of regressions. */
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		ck_assert_int_eq(mc_gate_write_junit(m, g, "file x", &err), 0);
		fclose(m);
		size_t regs = 0;
		for (size_t i = 0; i < mc_gate_pair_count(g); i++)
			regs += mc_gate_pair_at(g, i)->regression;
		size_t fails = 0;
		for (const char *s = buf; (s = strstr(s, "<failure ")); s++)
			fails++;
		ck_assert_uint_eq(fails, regs);
		free(buf);
		m = open_memstream(&buf, &len);
		ck_assert_int_eq(mc_gate_write_text(m, g, "file x", &err), 0);
		fclose(m);
		g_autofree char *tail = g_strdup_printf("%zu regressions", regs);
		ck_assert_msg(mc_gate_equal_id(g) || strstr(buf, tail), "%s", buf);
		free(buf);
	}
	g_string_free(got, TRUE);
	g_string_free(want, TRUE);
	mc_gate_free(g);
	mc_facts_free(cand);
	mc_gate_fleet_free(fleet);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate");
	names = tu_list("gate", ".fleet");
	tu_add_cases(s, "gate", names, gate_case, NULL, NULL);
	int rc = tu_run(s);
	g_ptr_array_free(names, TRUE);
	return rc;
}
