/* The sqlite inventory: schema creation and migration, refusal of foreign,
 * newer and corrupt files (never modified), dedup, resolve, atomicity.
 * Data-driven: tests/data/inventory/NAME.sql or NAME.bytes builds a file;
 * NAME.err (exit code, message) or NAME.hosts (listing after opening) is
 * what must come out. */
#include "config.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "db/inventory.h"
#include "tests/lib/testutil.h"

static GPtrArray *sql_names, *bytes_names;
static char *tmp;

static void setup(void)
{
	tmp = tu_tmpdir();
}

static void teardown(void)
{
	tu_rmtree(tmp);
	g_free(tmp);
}

static char *db_file(const char *name)
{
	return g_build_filename(tmp, name, NULL);
}

static mc_facts *facts_of(const char *text)
{
	mc_error err = { 0 };
	mc_facts *f = mc_facts_parse(text, strlen(text), "test", &err);
	ck_assert_msg(f != NULL, "%s", err.msg);
	return f;
}

static int list_host(const mc_db_host *h, void *opaque)
{
	g_string_append_printf(opaque, "%s\t%s\t%s\n", h->name, h->profile_id, h->probed_at);
	return 0;
}

/* Open for writing; either the .err expectation (file untouched) or the
 * .hosts listing must hold. */
static void check_fixture(const char *subdir_name, const char *path)
{
	g_autofree char *err_path = tu_path("inventory", subdir_name, ".err");
	g_autofree char *hosts_path = tu_path("inventory", subdir_name, ".hosts");
	g_autofree char *want_err = tu_read(err_path, NULL);
	gsize before_len = 0;
	g_autofree char *before = tu_read(path, &before_len);
	mc_error err = { 0 };
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	if (want_err) {
		g_auto(GStrv) lines = g_strsplit(want_err, "\n", 3);
		ck_assert_msg(db == NULL, "%s opened; expected %s", subdir_name, lines[1]);
		ck_assert_int_eq(err.exit_code, atoi(lines[0]));
		ck_assert_msg(strstr(err.msg, lines[1]), "'%s' lacks '%s'", err.msg, lines[1]);
		ck_assert_msg(g_str_has_prefix(err.msg, path), "error names no file: %s", err.msg);
		gsize after_len = 0;
		g_autofree char *after = tu_read(path, &after_len);
		ck_assert_uint_eq(before_len, after_len);
		ck_assert_msg(memcmp(before, after, before_len) == 0, "refused file was modified");
		g_autofree char *wal = g_strconcat(path, "-wal", NULL);
		ck_assert(!g_file_test(wal, G_FILE_TEST_EXISTS));
		/* Read-only opening refuses it the same way: at open, or, for a
		 * host row of a current-schema file (checked as it is read, see
		 * db/inventory.c column_rules), when the hosts are listed. */
		mc_error_clear(&err);
		mc_db *rdb = mc_db_open(path, MC_DB_READ, &err);
		if (rdb) {
			GString *listed = g_string_new(NULL);
			ck_assert_int_lt(mc_db_each_host(rdb, NULL, list_host, listed, &err), 0);
			ck_assert_msg(strstr(err.msg, "inventory is corrupt: "), "%s", err.msg);
			g_string_free(listed, TRUE);
			mc_db_close(rdb);
		}
		ck_assert_int_eq(err.exit_code, atoi(lines[0]));
		g_free(after);
		after = tu_read(path, &after_len);
		ck_assert_msg(after_len == before_len && memcmp(before, after, before_len) == 0,
			      "refused file was modified by a reader");
		return;
	}
	ck_assert_msg(db != NULL, "%s: %s", subdir_name, err.msg);
	ck_assert_int_eq(mc_db_schema_version(db, &err), MC_DB_SCHEMA_VERSION);
	g_autofree char *want_hosts = tu_read(hosts_path, NULL);
	ck_assert_ptr_nonnull(want_hosts);
	GString *got = g_string_new(NULL);
	ck_assert_int_eq(mc_db_each_host(db, NULL, list_host, got, &err), 0);
	ck_assert_str_eq(got->str, want_hosts);
	g_string_free(got, TRUE);
	/* Every profile still loads and verifies after the migration. */
	g_auto(GStrv) lines = g_strsplit(want_hosts, "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		g_auto(GStrv) cols = g_strsplit(*l, "\t", 3);
		mc_facts *f = mc_db_load_profile(db, cols[1], &err);
		ck_assert_msg(f != NULL, "%s", err.msg);
		mc_facts_free(f);
	}
	mc_db_close(db);
}

START_TEST(sql_fixture)
{
	const char *name = sql_names->pdata[_i];
	g_autofree char *sql_path = tu_path("inventory", name, ".sql");
	g_autofree char *sql = tu_read(sql_path, NULL);
	g_autofree char *path = db_file("inventory.db");
	sqlite3 *h = NULL;
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
	sqlite3_close(h);
	check_fixture(name, path);
}
END_TEST

START_TEST(bytes_fixture)
{
	const char *name = bytes_names->pdata[_i];
	g_autofree char *src = tu_path("inventory", name, ".bytes");
	gsize len = 0;
	g_autofree char *bytes = tu_read(src, &len);
	g_autofree char *path = db_file("inventory.db");
	ck_assert(g_file_set_contents(path, bytes, (gssize)len, NULL));
	check_fixture(name, path);
}
END_TEST

START_TEST(create_store_load)
{
	g_autofree char *path = db_file("sub/dir/inventory.db");
	mc_error err = { 0 };
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	mc_facts *a = facts_of("kernel\tarch\tx86_64\nkvm.cap\tKVM_CAP_IRQCHIP\t1\n");
	mc_facts *b = facts_of("kernel\tarch\tx86_64\nkvm.cap\tKVM_CAP_IRQCHIP\t2\n");
	char ida[MC_PROFILE_ID_LEN + 1], ida2[MC_PROFILE_ID_LEN + 1], idb[MC_PROFILE_ID_LEN + 1];
	mc_host_info h1 = { "h1", "uuid-1", 0 }, h2 = { "h2", NULL, 0 }, h3 = { "h3", NULL, 0 };
	ck_assert_int_eq(mc_db_store_host(db, &h1, a, "probe", ida, &err), 0);
	ck_assert_int_eq(mc_db_store_host(db, &h2, a, "probe", ida2, &err), 0);
	ck_assert_int_eq(mc_db_store_host(db, &h3, b, "probe", idb, &err), 0);
	ck_assert_str_eq(ida, ida2);
	ck_assert_str_ne(ida, idb);
	long nh, np, nf;
	ck_assert_int_eq(mc_db_counts(db, &nh, &np, &nf, &err), 0);
	ck_assert_int_eq(nh, 3);
	ck_assert_int_eq(np, 2); /* identical profiles stored once */
	ck_assert_int_eq(nf, 3); /* kernel/arch shared between the two profiles */

	/* Re-probing a host moves it to its new profile. */
	ck_assert_int_eq(mc_db_store_host(db, &h1, b, "probe", ida2, &err), 0);
	mc_db_host_copy hc;
	ck_assert_int_eq(mc_db_get_host(db, "h1", &hc, &err), 0);
	ck_assert_str_eq(hc.h.profile_id, idb);
	ck_assert_str_eq(hc.h.uuid, "uuid-1");
	mc_db_host_free(&hc);
	mc_db_close(db);

	db = mc_db_open(path, MC_DB_READ, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	mc_facts *back = mc_db_load_profile(db, ida, &err);
	ck_assert_msg(back != NULL, "%s", err.msg);
	char *x = mc_facts_canonical(back, NULL), *y = mc_facts_canonical(a, NULL);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	mc_facts_free(back);
	mc_db_close(db);
	mc_facts_free(a);
	mc_facts_free(b);
}
END_TEST

START_TEST(resolve)
{
	g_autofree char *path = db_file("inventory.db");
	mc_error err = { 0 };
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	ck_assert_ptr_nonnull(db);
	/* Find two profiles whose ids share 4 hex digits (birthday: a few
	 * hundred tries). */
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char *first = NULL, *second = NULL;
	for (int i = 0; i < 100000 && !second; i++) {
		g_autofree char *txt = g_strdup_printf("kernel\trelease\tv%d\n", i);
		mc_facts *f = facts_of(txt);
		char id[MC_PROFILE_ID_LEN + 1];
		ck_assert_int_eq(mc_profile_id(f, id, &err), 0);
		char *pfx = g_strndup(id, 4);
		char *other = g_hash_table_lookup(seen, pfx);
		if (other) {
			mc_facts *g = facts_of(other);
			char id1[MC_PROFILE_ID_LEN + 1], id2[MC_PROFILE_ID_LEN + 1];
			ck_assert_int_eq(mc_db_store_profile(db, g, id1, &err), 0);
			ck_assert_int_eq(mc_db_store_profile(db, f, id2, &err), 0);
			first = g_strdup(id1);
			second = g_strdup(id2);
			mc_facts_free(g);
			g_free(pfx);
		} else {
			g_hash_table_insert(seen, pfx, g_strdup(txt));
		}
		mc_facts_free(f);
	}
	g_hash_table_unref(seen);
	ck_assert_ptr_nonnull(second);
	mc_facts *hf = facts_of("kernel\trelease\thost\n");
	mc_host_info h = { "web-01", NULL, 0 };
	char hid[MC_PROFILE_ID_LEN + 1], id[MC_PROFILE_ID_LEN + 1];
	ck_assert_int_eq(mc_db_store_host(db, &h, hf, "test", hid, &err), 0);
	mc_facts_free(hf);

	char *host = NULL;
	ck_assert_int_eq(mc_db_resolve(db, "web-01", id, &host, &err), 0);
	ck_assert_str_eq(id, hid);
	ck_assert_str_eq(host, "web-01");
	g_free(host);
	ck_assert_int_eq(mc_db_resolve(db, first, id, &host, &err), 0);
	ck_assert_str_eq(id, first);
	ck_assert_ptr_null(host);
	g_autofree char *p6 = g_strndup(second, 6);
	if (strncmp(first, second, 6) != 0) {
		ck_assert_int_eq(mc_db_resolve(db, p6, id, NULL, &err), 0);
		ck_assert_str_eq(id, second);
	}
	g_autofree char *p4 = g_strndup(second, 4);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_db_resolve(db, p4, id, NULL, &err), -EEXIST);
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	ck_assert_msg(strstr(err.msg, "ambiguous"), "%s", err.msg);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_db_resolve(db, "no-such-host", id, NULL, &err), -ENOENT);
	ck_assert_int_eq(err.exit_code, MC_EXIT_NOINPUT);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_db_resolve(db, "abc", id, NULL, &err), -ENOENT); /* too short */
	g_free(first);
	g_free(second);
	mc_db_close(db);
}
END_TEST

START_TEST(store_is_atomic)
{
	g_autofree char *path = db_file("inventory.db");
	mc_error err = { 0 };
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	mc_facts *a = facts_of("kernel\tarch\tx86_64\n");
	mc_facts *b = facts_of("kernel\tarch\taarch64\nkvm.cap\tKVM_CAP_ARM_PSCI_0_2\t1\n");
	mc_host_info h = { "ok", NULL, 0 }, boom = { "boom", NULL, 0 };
	char id[MC_PROFILE_ID_LEN + 1];
	ck_assert_int_eq(mc_db_store_host(db, &h, a, "t", id, &err), 0);
	/* A failure after the profile rows were written must undo them. */
	sqlite3 *raw = NULL;
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(raw,
			 "CREATE TRIGGER fail_boom BEFORE INSERT ON hosts "
			 "WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(raw);
	mc_error_clear(&err);
	ck_assert_int_lt(mc_db_store_host(db, &boom, b, "t", id, &err), 0);
	ck_assert_msg(strstr(err.msg, "injected"), "%s", err.msg);
	long nh, np, nf;
	ck_assert_int_eq(mc_db_counts(db, &nh, &np, &nf, &err), 0);
	ck_assert_int_eq(nh, 1);
	ck_assert_int_eq(np, 1);
	ck_assert_int_eq(nf, 1);
	/* Batches nest: an outer rollback undoes inner stores. */
	ck_assert_int_eq(mc_db_begin(db, &err), 0);
	mc_host_info h2 = { "batch", NULL, 0 };
	ck_assert_int_eq(mc_db_store_host(db, &h2, b, "t", id, &err), 0);
	mc_db_rollback(db);
	ck_assert_int_eq(mc_db_counts(db, &nh, &np, &nf, &err), 0);
	ck_assert_int_eq(nh, 1);
	mc_db_close(db);
	mc_facts_free(a);
	mc_facts_free(b);
}
END_TEST

START_TEST(tamper_and_corruption)
{
	g_autofree char *path = db_file("inventory.db");
	mc_error err = { 0 };
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	GString *txt = g_string_new(NULL);
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(txt, "x86.msr\t0x%08x\t1\n", i);
	mc_facts *f = facts_of(txt->str);
	g_string_free(txt, TRUE);
	char id[MC_PROFILE_ID_LEN + 1];
	mc_host_info h = { "h", NULL, 0 };
	ck_assert_int_eq(mc_db_store_host(db, &h, f, "t", id, &err), 0);
	mc_facts_free(f);
	mc_db_close(db);

	/* The profile edited behind migcheck's back, each case on a copy of
	 * the file: in its one-value form (profile_canon), in its fact rows,
	 * in both. A load reads the one-value form when there is one (fact
	 * rows edited alone change nothing it reads), else the fact rows; what
	 * it reads must hash to the id and be canonical text, else 65. */
	static const struct {
		const char *sql, *err; /* err NULL: loads, the same facts */
	} edits[] = {
		{ "UPDATE profile_canon SET canon = CAST(replace(CAST(canon AS TEXT), "
		  "'0x00000007	1', '0x00000007	0') AS BLOB)",
		  "content hashes to" },
		{ "UPDATE facts SET value = '0' WHERE fid = 7", NULL },
		{ "UPDATE facts SET value = '0' WHERE fid = 7; DELETE FROM profile_canon",
		  "content hashes to" },
		{ "DELETE FROM profile_canon", NULL },
		/* text out of order under an id that is its SHA-256 */
		{ "UPDATE profile_canon SET canon = CAST('b	k	v' || char(10) || 'a	"
		  "k	v' || "
		  "char(10) AS BLOB); UPDATE profiles SET id = "
		  "'157d6a8e9c86cda3b8a87f4ce27270facacf7329bdb54c89836210e9221e2336'",
		  "profile_canon.canon:2: fact a k is out of order" },
		{ "UPDATE profile_canon SET canon = 'x'", "not a profile's facts" },
	};
	gsize pristine_len = 0;
	g_autofree char *pristine = NULL;
	ck_assert(g_file_get_contents(path, &pristine, &pristine_len, NULL));
	for (size_t e = 0; e < G_N_ELEMENTS(edits); e++) {
		ck_assert(g_file_set_contents(path, pristine, (gssize)pristine_len, NULL));
		g_autofree char *wal = g_strconcat(path, "-wal", NULL);
		g_unlink(wal);
		sqlite3 *raw = NULL;
		ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
		g_autofree char *sql =
		    g_strdup_printf("%s; PRAGMA wal_checkpoint(TRUNCATE);", edits[e].sql);
		ck_assert_msg(sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s",
			      edits[e].sql, sqlite3_errmsg(raw));
		sqlite3_close(raw);
		mc_error_clear(&err);
		db = mc_db_open(path, MC_DB_READ, &err);
		ck_assert_msg(db != NULL, "%s", err.msg);
		const char *load_id =
		    strstr(edits[e].sql, "SET id")
			? "157d6a8e9c86cda3b8a87f4ce27270facacf7329bdb54c89836210e9221e2336"
			: id;
		mc_facts *g = mc_db_load_profile(db, load_id, &err);
		if (edits[e].err) {
			ck_assert_msg(g == NULL, "%s: loaded", edits[e].sql);
			ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
			ck_assert_msg(strstr(err.msg, edits[e].err), "%s: %s", edits[e].sql,
				      err.msg);
			ck_assert_msg(strstr(err.msg, "inventory is corrupt"), "%s", err.msg);
			ck_assert_ptr_null(strchr(err.msg, '\n'));
		} else {
			ck_assert_msg(g != NULL, "%s: %s", edits[e].sql, err.msg);
			char again[MC_PROFILE_ID_LEN + 1];
			ck_assert_int_eq(mc_profile_id(g, again, &err), 0);
			ck_assert_str_eq(again, id);
			ck_assert_uint_eq(mc_facts_count(g), 3000);
		}
		mc_facts_free(g);
		mc_db_close(db);
	}

	/* Pages overwritten with garbage: a clear error, never a crash. */
	FILE *fp = fopen(path, "r+b");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	char junk[4096];
	memset(junk, 0xa5, sizeof(junk));
	for (long off = 4096; off + 4096 <= size; off += 8192) {
		fseek(fp, off, SEEK_SET);
		fwrite(junk, 1, sizeof(junk), fp);
	}
	fclose(fp);
	mc_error_clear(&err);
	db = mc_db_open(path, MC_DB_READ, &err);
	if (db) {
		mc_facts *g = mc_db_load_profile(db, id, &err);
		ck_assert_ptr_null(g);
		mc_db_close(db);
	}
	ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
	ck_assert_msg(strstr(err.msg, path), "%s", err.msg);
}
END_TEST

START_TEST(missing_and_empty)
{
	g_autofree char *path = db_file("none.db");
	mc_error err = { 0 };
	ck_assert_ptr_null(mc_db_open(path, MC_DB_READ, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_NOINPUT);
	ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
	/* An empty file is a new inventory for writers. */
	ck_assert(g_file_set_contents(path, "", 0, NULL));
	mc_error_clear(&err);
	ck_assert_ptr_null(mc_db_open(path, MC_DB_READ, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_NOINPUT);
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	ck_assert_msg(db != NULL, "%s", err.msg);
	mc_db_close(db);
	/* A directory is not an inventory. */
	mc_error_clear(&err);
	ck_assert_ptr_null(mc_db_open(tmp, MC_DB_WRITE, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
}
END_TEST

/* The inventory path is never followed or replaced: a symlink (to an
 * existing file or dangling) and a special file are refused for reading and
 * writing, and nothing is created or changed at either end (issue 12). */
static void refused(const char *path, const char *want, int mode)
{
	mc_error err = { 0 };
	mc_db *db = mc_db_open(path, mode, &err);
	ck_assert_msg(db == NULL, "%s opened (mode %d)", path, mode);
	ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
	ck_assert_msg(g_str_has_prefix(err.msg, path), "error names no file: %s", err.msg);
	ck_assert_msg(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
}

static void no_wal_beside(const char *path)
{
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	struct stat st;
	ck_assert_msg(lstat(wal, &st) < 0 && lstat(shm, &st) < 0, "-wal/-shm beside %s", path);
}

START_TEST(path_not_followed)
{
	/* a symlink to an existing empty file */
	g_autofree char *target = db_file("victim");
	g_autofree char *link = db_file("link.db");
	ck_assert(g_file_set_contents(target, "", 0, NULL));
	ck_assert_int_eq(chmod(target, 0604), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	refused(link, "symbolic link", MC_DB_WRITE);
	refused(link, "symbolic link", MC_DB_READ);
	struct stat st;
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(st.st_mode & 07777, 0604);
	no_wal_beside(target);
	no_wal_beside(link);
	/* a dangling symlink: its target is not created */
	g_autofree char *nowhere = db_file("nowhere/created.db");
	g_autofree char *dangling = db_file("dangling.db");
	ck_assert_int_eq(symlink(nowhere, dangling), 0);
	g_autofree char *nowhere_flat = db_file("created.db");
	g_autofree char *dangling2 = db_file("dangling2.db");
	ck_assert_int_eq(symlink(nowhere_flat, dangling2), 0);
	refused(dangling, "symbolic link", MC_DB_WRITE);
	refused(dangling2, "symbolic link", MC_DB_WRITE);
	refused(dangling2, "symbolic link", MC_DB_READ);
	ck_assert(lstat(nowhere, &st) < 0 && lstat(nowhere_flat, &st) < 0);
	no_wal_beside(nowhere_flat);
	no_wal_beside(dangling2);
	/* special files: a FIFO (opening it would block) and a directory */
	g_autofree char *fifo = db_file("fifo.db");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	refused(fifo, "not a regular file", MC_DB_WRITE);
	refused(fifo, "not a regular file", MC_DB_READ);
	ck_assert_int_eq(lstat(fifo, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	no_wal_beside(fifo);
	refused(tmp, "not a regular file", MC_DB_READ);
}
END_TEST

START_TEST(default_path)
{
	g_setenv("MIGCHECK_DB", "/tmp/x.db", TRUE);
	char *p = mc_db_default_path();
	ck_assert_str_eq(p, "/tmp/x.db");
	g_free(p);
	g_unsetenv("MIGCHECK_DB");
	p = mc_db_default_path();
	if (geteuid() == 0)
		ck_assert_str_eq(p, MC_LOCALSTATEDIR "/lib/migcheck/inventory.db");
	else
		ck_assert(g_str_has_suffix(p, "/migcheck/inventory.db"));
	g_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inventory");
	TCase *tc = tcase_create("db");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, create_store_load);
	tcase_add_test(tc, resolve);
	tcase_add_test(tc, store_is_atomic);
	tcase_add_test(tc, tamper_and_corruption);
	tcase_add_test(tc, missing_and_empty);
	tcase_add_test(tc, default_path);
	tcase_add_test(tc, path_not_followed);
	suite_add_tcase(s, tc);
	sql_names = tu_list("inventory", ".sql");
	bytes_names = tu_list("inventory", ".bytes");
	tu_add_cases(s, "sql", sql_names, sql_fixture, setup, teardown);
	tu_add_cases(s, "bytes", bytes_names, bytes_fixture, setup, teardown);
	int rc = tu_run(s);
	g_ptr_array_unref(sql_names);
	g_ptr_array_unref(bytes_names);
	return rc;
}
