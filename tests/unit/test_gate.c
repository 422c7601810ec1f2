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
#include "core/fleet/targets.h"
#include "core/model/profile.h"
#include "db/identity.h"
#include "db/inventory.h"
#include "tests/lib/testutil.h"

#include <sqlite3.h>

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

static void equal_reference(mc_db *db, size_t nfiles);
static const mc_db_classifier nothing;

/* mc_gate_fleet_load_classes (the class of each profile from its stored
 * key, or else from its fact ids; one profile loaded per class) must give exactly the fleet of the
 * reference path, mc_gate_fleet_by_class(mc_gate_fleet_load()): the same
 * entries in the same order, named by the same profile, with the same
 * facts, hosts and host profiles. The inventory: real profiles of
 * tests/data (plan/README, fleet/profiles/README), each also with
 * KVM_CAP_NR_VCPUS changed (no rule reads it: same class, another profile)
 * and with the kernel release changed (read: another class); host names
 * chosen so that name order interleaves the profiles. */
START_TEST(bulk_classes_equal_reference)
{
	static const char *const files[] = {
		"plan/real61-a57-to-a72.src",    "plan/real61-a57-to-a72.dst",
		"plan/real612-to-73-a57.src",    "fleet/profiles/arm-n1.facts",
		"fleet/profiles/x86-epyc.facts", "plan-qemu/hostdev-no-pci.src",
	};
	mc_error err = { 0 };
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "inv.db", NULL);
	mc_db_set_classifier(_i == 1 ? mc_gate_classifier() : _i == 2 ? &nothing : NULL);
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	int h = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		mc_facts *base = load(files[i]);
		for (int v = 0; v < 3; v++) {
			mc_facts *f = mc_facts_dup(base);
			if (v == 1)
				ck_assert_int_eq(
				    mc_facts_set(f, "kvm.cap", "KVM_CAP_NR_VCPUS", "4093", &err),
				    0);
			if (v == 2)
				ck_assert_int_eq(
				    mc_facts_set(f, "kernel", "release", "9.9.9-test", &err), 0);
			for (int k = 0; k < 2; k++) {
				g_autofree char *name =
				    g_strdup_printf("h%02d-%zu-%d", (h * 7) % 36, i, v);
				mc_host_info hi = { .name = name };
				char id[MC_PROFILE_ID_LEN + 1];
				h++;
				ck_assert_msg(mc_db_store_host(db, &hi, f, "test", id, &err) == 0,
					      "%s", err.msg);
			}
			mc_facts_free(f);
		}
		mc_facts_free(base);
	}
	/* _i: 0 no classifier (no keys stored: computed from fact ids); 1 keys
	 * stored as profiles are; 2 keys stored by a classifier that reads
	 * nothing (one class for all), which the planner's finds stale, then a
	 * writer's open recomputes them */
	if (_i == 2) {
		mc_db_close(db);
		mc_db_set_classifier(mc_gate_classifier());
		ck_assert_int_eq(mc_db_classes_stale(db = mc_db_open(path, MC_DB_READ, &err),
						     mc_gate_classifier(), &err),
				 1);
		equal_reference(db, G_N_ELEMENTS(files)); /* stale keys: not used */
		mc_db_close(db);
		db = mc_db_open(path, MC_DB_WRITE, &err); /* recomputes them */
		ck_assert_msg(db != NULL, "%s", err.msg);
	}
	ck_assert_int_eq(mc_db_classes_stale(db, mc_gate_classifier(), &err), _i == 0);
	equal_reference(db, G_N_ELEMENTS(files));
	mc_db_set_classifier(NULL);
	mc_db_close(db);
	tu_rmtree(dir);
}
END_TEST

static void equal_reference(mc_db *db, size_t nfiles)
{
	mc_error err = { 0 };
	mc_gate_fleet *all = mc_gate_fleet_load(db, &err);
	ck_assert_msg(all != NULL, "%s", err.msg);
	mc_gate_fleet *want = mc_gate_fleet_by_class(all);
	mc_gate_fleet *got = mc_gate_fleet_load_classes(db, &err);
	ck_assert_msg(got != NULL, "%s", err.msg);
	size_t n = mc_gate_fleet_count(want);
	ck_assert_uint_eq(mc_gate_fleet_count(got), n);
	ck_assert_uint_eq(n, 2 * nfiles); /* NR_VCPUS: no new class */
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(mc_gate_fleet_id(got, i), mc_gate_fleet_id(want, i));
		ck_assert_uint_eq(mc_gate_fleet_nprofiles(got, i),
				  mc_gate_fleet_nprofiles(want, i));
		size_t nh = mc_gate_fleet_nhosts(want, i);
		ck_assert_uint_eq(mc_gate_fleet_nhosts(got, i), nh);
		for (size_t j = 0; j < nh; j++) {
			ck_assert_str_eq(mc_gate_fleet_host(got, i, j),
					 mc_gate_fleet_host(want, i, j));
			ck_assert_str_eq(mc_gate_fleet_host_profile(got, i, j),
					 mc_gate_fleet_host_profile(want, i, j));
		}
		char a[MC_PROFILE_ID_LEN + 1], b[MC_PROFILE_ID_LEN + 1];
		ck_assert_int_eq(mc_profile_id(mc_gate_fleet_facts(got, i), a, &err), 0);
		ck_assert_int_eq(mc_profile_id(mc_gate_fleet_facts(want, i), b, &err), 0);
		ck_assert_str_eq(a, b);
	}
	/* targets from the inventory (mc_targets_run_db: stored classes, or
	 * the fleet when they are not current) against the reference fleet,
	 * from a host of each entry: the same destinations in the same order,
	 * with the same profiles, levels and counts, and the same plan count
	 * when every destination is listed. */
	for (size_t i = 0; i < n; i++) {
		const char *src_host = mc_gate_fleet_host(want, i, 0);
		const mc_facts *src = mc_gate_fleet_facts(want, i);
		for (int usable = 0; usable < 2; usable++) {
			mc_targets *tw = (usable ? mc_targets_run_usable : mc_targets_run)(
			    want, NULL, src, src_host, NULL, &err);
			ck_assert_msg(tw != NULL, "%s", err.msg);
			mc_targets *tg =
			    mc_targets_run_db(db, NULL, src, src_host, NULL, usable != 0, &err);
			ck_assert_msg(tg != NULL, "%s", err.msg);
			size_t nd = mc_targets_count(tw);
			ck_assert_uint_eq(mc_targets_count(tg), nd);
			ck_assert_uint_gt(nd, 0);
			for (size_t k = 0; k < nd; k++) {
				const mc_target *a = mc_targets_at(tg, k),
						*b = mc_targets_at(tw, k);
				ck_assert_str_eq(a->host, b->host);
				ck_assert_str_eq(a->profile, b->profile);
				ck_assert_int_eq(a->level, b->level);
				ck_assert_uint_eq(a->nactions, b->nactions);
				ck_assert_uint_eq(a->nblocked, b->nblocked);
				ck_assert_int_eq(!a->plan, !b->plan);
			}
			if (!usable)
				ck_assert_uint_eq(mc_targets_plans(tg), mc_targets_plans(tw));
			ck_assert_int_eq(mc_targets_status(tg), mc_targets_status(tw));
			mc_targets_free(tg);
			mc_targets_free(tw);
		}
	}
	mc_gate_fleet_free(got);
	mc_gate_fleet_free(want);
	mc_gate_fleet_free(all);
}

static void nothing_read(const mc_facts *f, char out[MC_DB_CLASS_LEN + 1])
{
	(void)f;
	memset(out, 'a', MC_DB_CLASS_LEN);
	out[MC_DB_CLASS_LEN] = '\0';
}

static int reads_nothing(const char *domain, const char *key)
{
	(void)domain, (void)key;
	return 0;
}

static const mc_db_classifier nothing = { nothing_read, reads_nothing };

/* An inventory of schema 2 (tests/data/inventory/v2.sql, as migcheck wrote
 * it before class keys were stored) opened by a reader: migrated, and the
 * keys computed once, each the planner's class of the profile (a and b one
 * class, c another: the data's README); the fleet from them. */
START_TEST(old_schema_keys_computed)
{
	mc_error err = { 0 };
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "v2.db", NULL);
	g_autofree char *sql_path = tu_path("inventory", "v2", ".sql");
	g_autofree char *sql = tu_read(sql_path, NULL);
	sqlite3 *h = NULL;
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
	sqlite3_close(h);
	mc_db_set_classifier(mc_gate_classifier());
	mc_db *db = mc_db_open(path, MC_DB_READ, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	ck_assert_int_eq(mc_db_schema_version(db, &err), MC_DB_SCHEMA_VERSION);
	ck_assert_int_eq(mc_db_classes_stale(db, mc_gate_classifier(), &err), 0);
	static const char *const hnames[] = { "a1", "a2", "b1", "b2" };
	char *keys[4];
	for (size_t i = 0; i < 4; i++) {
		mc_db_host_copy c;
		ck_assert_int_eq(mc_db_get_host(db, hnames[i], &c, &err), 0);
		ck_assert_ptr_nonnull(c.h.class_key);
		mc_facts *f = mc_db_load_profile(db, c.h.profile_id, &err);
		ck_assert_msg(f != NULL, "%s", err.msg);
		char want[MC_CLASS_ID_LEN + 1];
		mc_plan_class_id(f, want);
		ck_assert_str_eq(c.h.class_key, want);
		keys[i] = g_strdup(want);
		mc_facts_free(f);
		mc_db_host_free(&c);
	}
	ck_assert_str_eq(keys[0], keys[1]);
	ck_assert_str_eq(keys[0], keys[3]);
	ck_assert_str_ne(keys[0], keys[2]);
	mc_gate_fleet *c = mc_gate_fleet_load_classes(db, &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_uint_eq(mc_gate_fleet_count(c), 2);
	ck_assert_uint_eq(mc_gate_fleet_nhosts(c, 0), 3); /* a1, b2 (profile a), a2 */
	ck_assert_str_eq(mc_gate_fleet_host(c, 0, 1), "b2");
	ck_assert_str_eq(mc_gate_fleet_host(c, 0, 2), "a2");
	mc_gate_fleet_free(c);
	for (size_t i = 0; i < 4; i++)
		g_free(keys[i]);
	mc_db_set_classifier(NULL);
	mc_db_close(db);
	/* Schema 4 filled in by the migration: every profile's facts as one
	 * value whose SHA-256 is its id, and the hosts' (pid, name) index in
	 * place of the pid one. */
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(h,
					    "SELECT p.id, c.canon FROM profiles p "
					    "JOIN profile_canon c ON c.pid = p.pid",
					    -1, &st, NULL),
			 SQLITE_OK);
	int nrows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		g_autofree char *sum = g_compute_checksum_for_data(
		    G_CHECKSUM_SHA256, sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1));
		ck_assert_str_eq(sum, (const char *)sqlite3_column_text(st, 0));
		nrows++;
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(nrows, 3);
	ck_assert_int_eq(sqlite3_prepare_v2(h,
					    "SELECT group_concat(name, ' ') FROM (SELECT name FROM "
					    "sqlite_master WHERE type = 'index' AND tbl_name = "
					    "'hosts' AND sql IS NOT NULL ORDER BY name)",
					    -1, &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "hosts_pid_name hosts_uuid");
	sqlite3_finalize(st);
	sqlite3_close(h);
	tu_rmtree(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate");
	names = tu_list("gate", ".fleet");
	tu_add_cases(s, "gate", names, gate_case, NULL, NULL);
	TCase *tc = tcase_create("bulk");
	tcase_add_loop_test(tc, bulk_classes_equal_reference, 0, 3);
	tcase_add_test(tc, old_schema_keys_computed);
	suite_add_tcase(s, tc);
	int rc = tu_run(s);
	g_ptr_array_free(names, TRUE);
	return rc;
}
