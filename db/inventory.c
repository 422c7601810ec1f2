#include "db/inventory.h"
#include "config.h"
#include "core/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Forward migrations, embedded from schemas/inventory-NNN.sql: entry i takes
 * a database from user_version i to i + 1. */
extern const char mc_schema_inventory_001[];
extern const char mc_schema_inventory_002[];
extern const char mc_schema_inventory_003[];
extern const char mc_schema_inventory_004[];
static const char *const migrations[MC_DB_SCHEMA_VERSION] = {
	mc_schema_inventory_001,
	mc_schema_inventory_002,
	mc_schema_inventory_003,
	mc_schema_inventory_004,
};

static const mc_db_classifier *classifier; /* mc_db_set_classifier */

void mc_db_set_classifier(const mc_db_classifier *c)
{
	classifier = c;
}

struct mc_db {
	sqlite3 *h;
	char *path;
	int depth;         /* transaction nesting (savepoints) */
	int fd;            /* the file itself, held until sqlite has closed it */
	GHashTable *stmts; /* SQL text -> sqlite3_stmt *: prepared once per handle */
};

char *mc_db_default_path(void)
{
	const char *env = g_getenv("MIGCHECK_DB");
	if (env && *env)
		return g_strdup(env);
	if (geteuid() == 0)
		return g_strdup(MC_LOCALSTATEDIR "/lib/migcheck/inventory.db");
	return g_build_filename(g_get_user_data_dir(), "migcheck", "inventory.db", NULL);
}

const char *mc_db_path(const mc_db *db)
{
	return db->path;
}

/* Map a sqlite failure to the contract's exit codes. */
static int db_fail(mc_db *db, int rc, mc_error *err, const char *what)
{
	int prim = rc & 0xff;
	const char *msg = db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
	switch (prim) {
	case SQLITE_NOTADB:
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: not a migcheck inventory (not an SQLite database)",
				    db->path);
	case SQLITE_CORRUPT:
		return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				    "%s: inventory is corrupt (%s): %s", db->path, what, msg);
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return mc_error_set(err, MC_EXIT_NOPERM, EACCES, "%s: %s: %s", db->path, what, msg);
	case SQLITE_CANTOPEN:
		return mc_error_set(err, MC_EXIT_IOERR, errno ? errno : EIO, "%s: cannot open: %s",
				    db->path, msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EBUSY,
				    "%s: inventory is locked by another writer (%s)", db->path,
				    what);
	case SQLITE_FULL:
		return mc_error_set(err, MC_EXIT_IOERR, ENOSPC, "%s: disk full (%s)", db->path,
				    what);
	case SQLITE_NOMEM:
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", db->path);
	case SQLITE_IOERR:
		/* A failed write of the -wal or -shm file: disk full too. */
		if (db->h && sqlite3_system_errno(db->h) == ENOSPC)
			return mc_error_set(err, MC_EXIT_IOERR, ENOSPC, "%s: disk full (%s)",
					    db->path, what);
		return mc_error_set(err, MC_EXIT_IOERR, EIO, "%s: I/O error (%s): %s", db->path,
				    what, msg);
	default:
		return mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "%s: %s: %s", db->path, what, msg);
	}
}

static int db_exec(mc_db *db, const char *sql, mc_error *err, const char *what)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : db_fail(db, rc, err, what);
}

static int db_pragma_int(mc_db *db, const char *pragma, long *out, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	g_autofree char *sql = g_strdup_printf("PRAGMA %s", pragma);
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = (long)sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : db_fail(db, rc, err, pragma);
}

int mc_db_begin(mc_db *db, mc_error *err)
{
	g_autofree char *sql = g_strdup_printf("SAVEPOINT mc%d", db->depth);
	int r = db_exec(db, db->depth ? sql : "BEGIN IMMEDIATE", err, "begin");
	if (r == 0)
		db->depth++;
	return r;
}

int mc_db_read_begin(mc_db *db, mc_error *err)
{
	if (db->depth)
		return mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL, "%s: read inside a batch",
				    db->path);
	int r = db_exec(db, "BEGIN DEFERRED", err, "begin");
	if (r == 0)
		db->depth++;
	return r;
}

int mc_db_commit(mc_db *db, mc_error *err)
{
	if (db->depth <= 0)
		return mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL, "%s: commit without begin",
				    db->path);
	g_autofree char *sql = g_strdup_printf("RELEASE mc%d", db->depth - 1);
	int r = db_exec(db, db->depth > 1 ? sql : "COMMIT", err, "commit");
	if (r == 0)
		db->depth--;
	return r;
}

void mc_db_rollback(mc_db *db)
{
	if (db->depth <= 0)
		return;
	db->depth--;
	if (db->depth == 0) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	} else {
		g_autofree char *sql =
		    g_strdup_printf("ROLLBACK TO mc%d; RELEASE mc%d", db->depth, db->depth);
		sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	}
}

/* Bring the schema from `from` to MC_DB_SCHEMA_VERSION, all in one
 * transaction: an interrupted migration leaves the old inventory. */
static int db_check_columns(mc_db *db, long version, bool full, mc_error *err);
static int db_fill_canon(mc_db *db, mc_error *err);

static int db_migrate(mc_db *db, long from, mc_error *err)
{
	int r = mc_db_begin(db, err);
	if (r < 0)
		return r;
	/* The tables as they are, before anything changes them: a hostile or
	 * hand-made file is refused with what is wrong in it. */
	if (from > 0 && (r = db_check_columns(db, from, true, err)) < 0)
		goto fail;
	if (from == 0) {
		g_autofree char *sql =
		    g_strdup_printf("PRAGMA application_id = %d", MC_DB_APPLICATION_ID);
		if ((r = db_exec(db, sql, err, "set application id")) < 0)
			goto fail;
	}
	for (long v = from; v < MC_DB_SCHEMA_VERSION; v++) {
		g_autofree char *what = g_strdup_printf("schema migration %ld -> %ld", v, v + 1);
		g_autofree char *ver = g_strdup_printf("PRAGMA user_version = %ld", v + 1);
		int rc = sqlite3_exec(db->h, migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_ERROR) { /* e.g. "duplicate column": not what v says */
			r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					 "%s: inventory is corrupt: its tables do not match schema "
					 "version %ld (%s: %s)",
					 db->path, v, what, sqlite3_errmsg(db->h));
			goto fail;
		}
		if ((rc != SQLITE_OK && (r = db_fail(db, rc, err, what)) < 0) ||
		    (r = db_exec(db, ver, err, what)) < 0)
			goto fail;
	}
	if (from > 0 && from < 4 && (r = db_fill_canon(db, err)) < 0)
		goto fail;
	if ((r = mc_db_commit(db, err)) < 0)
		goto fail;
	return 0;
fail:
	mc_db_rollback(db);
	return r;
}

/* Check the file is ours and usable before anything writes to it. */
static int db_identify(mc_db *db, mc_db_mode mode, mc_error *err)
{
	long app = 0, ver = 0, ntables = 0;
	int r;
	if ((r = db_pragma_int(db, "application_id", &app, err)) < 0 ||
	    (r = db_pragma_int(db, "user_version", &ver, err)) < 0)
		return r;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ntables = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err, "read schema");

	if (app == 0 && ver == 0 && ntables == 0) { /* new, empty file */
		if (mode == MC_DB_READ)
			return mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
					    "%s: inventory is empty (run 'migcheck probe' or "
					    "'migcheck import' first)",
					    db->path);
		return db_migrate(db, 0, err);
	}
	if (app != MC_DB_APPLICATION_ID)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: not a migcheck inventory (SQLite application_id 0x%08lx)",
				    db->path, (unsigned long)app);
	if (ver > MC_DB_SCHEMA_VERSION)
		return mc_error_set(err, MC_EXIT_DATAERR, EPROTO,
				    "%s: inventory schema %ld is newer than this migcheck (%d); "
				    "upgrade migcheck",
				    db->path, ver, MC_DB_SCHEMA_VERSION);
	if (ver < 1)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "%s: inventory has no schema version", db->path);
	if (ver < MC_DB_SCHEMA_VERSION) {
		if (mode == MC_DB_READ)
			return 1; /* caller reopens read-write to migrate */
		return db_migrate(db, ver, err);
	}
	return 0;
}

/* Every column of hosts, profiles and the history is checked, so that no
 * reader meets a NULL, a value of the wrong type, a malformed profile id or
 * a host pointing nowhere (a hand-made or hostile file: sqlite enforces
 * neither types nor the schema's constraints on a file someone else wrote).
 * Where, by table:
 *  - profiles (one row per distinct profile: 2,000 in a 100,000-host
 *    fleet): every row at every open;
 *  - hosts and host_history (a row per host, and more): every row when a
 *    writer opens the file (and before a migration), so nothing is written
 *    into a bad inventory; a reader checks that the tables and columns
 *    exist, and then each host row as it reads it (host_row_check), with
 *    the same exit code; host_history has no reader.
 * Facts are checked as a profile is loaded (the value types here, the
 * content by its hash). `since`: the schema version that added the
 * column. */
static const struct column_rule {
	const char *table, *column, *bad, *why;
	int since;
} column_rules[] = {
	{ "hosts", "name", "typeof(name) != 'text' OR name = ''", "not a host name", 1 },
	{ "hosts", "pid", "typeof(pid) != 'integer'", "not a profile reference", 1 },
	{ "hosts", "pid", "pid NOT IN (SELECT pid FROM profiles)", "refers to no profile", 1 },
	{ "hosts", "probed_at", "typeof(probed_at) != 'text'", "not a time", 1 },
	{ "hosts", "source", "typeof(source) != 'text'", "not text", 1 },
	{ "hosts", "uuid", "typeof(uuid) NOT IN ('text', 'null')", "not text", 2 },
	{ "profiles", "pid", "typeof(pid) != 'integer'", "not an integer", 1 },
	{ "profiles", "id", "NOT mc_hex64(id)", "not a profile id", 1 },
	{ "profiles", "arch", "typeof(arch) != 'text'", "not text", 1 },
	{ "profiles", "kernel", "typeof(kernel) != 'text'", "not text", 1 },
	{ "profiles", "nfacts", "typeof(nfacts) != 'integer'", "not an integer", 1 },
	{ "profiles", "created", "typeof(created) != 'text'", "not a time", 1 },
	{ "profiles", "class", "class IS NOT NULL AND NOT mc_hex64(class)", "not a class key", 3 },
	{ "host_history", "name", "typeof(name) != 'text'", "not a host name", 2 },
	{ "host_history", "pid", "typeof(pid) != 'integer'", "not a profile reference", 2 },
	{ "host_history", "probed_at", "typeof(probed_at) != 'text'", "not a time", 2 },
	{ "profile_canon", "pid", "pid NOT IN (SELECT pid FROM profiles)", "refers to no profile",
	  4 },
	{ "profile_canon", "canon", "typeof(canon) != 'blob'", "not a profile's facts", 4 },
};

/* SQL mc_hex64(x): 1 when x is text of 64 lowercase hex digits (a profile
 * id, a class key), else 0. In C: sqlite's GLOB or ltrim took 15 ms over
 * 2,000 profiles, the most of a reader's open. */
static void sql_hex64(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *t = sqlite3_value_text(argv[0]);
	bool ok =
	    sqlite3_value_type(argv[0]) == SQLITE_TEXT && t && sqlite3_value_bytes(argv[0]) == 64;
	for (int i = 0; ok && i < 64; i++)
		ok = (t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f');
	sqlite3_result_int(ctx, ok);
}

/* 1 when some row of `table` breaks a rule of schema `version`, 0 when none
 * does, -errno: one scan for all its rules (the rule then found one by one,
 * for the message). Any error (a missing column) is left to the rules. */
static int table_bad(mc_db *db, const char *table, long version)
{
	GString *sql = g_string_new("SELECT EXISTS (SELECT 1 FROM ");
	g_string_append_printf(sql, "%s WHERE 0", table);
	for (size_t i = 0; i < G_N_ELEMENTS(column_rules); i++)
		if (column_rules[i].since <= version && strcmp(column_rules[i].table, table) == 0)
			g_string_append_printf(sql, " OR (%s)", column_rules[i].bad);
	g_string_append(sql, ")");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, sql->str, -1, &st, NULL), r = 1;
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	g_string_free(sql, TRUE);
	return r;
}

/* The rules of schema `version`: every row (`full`), or for a reader only
 * the profiles' rows and that the other tables and columns exist. */
static int db_check_columns(mc_db *db, long version, bool full, mc_error *err)
{
	/* The common case, a good file: one scan per table. */
	bool bad[4] = { !full || table_bad(db, "hosts", version),
			table_bad(db, "profiles", version),
			!full || version < 2 || table_bad(db, "host_history", version),
			!full || version < 4 || table_bad(db, "profile_canon", version) };
	for (size_t i = 0; i < G_N_ELEMENTS(column_rules); i++) {
		const struct column_rule *c = &column_rules[i];
		int t = strcmp(c->table, "hosts") == 0          ? 0
			: strcmp(c->table, "profiles") == 0     ? 1
			: strcmp(c->table, "host_history") == 0 ? 2
								: 3;
		if (!bad[t] || c->since > version)
			continue;
		bool rows = full || strcmp(c->table, "profiles") == 0;
		g_autofree char *sql =
		    rows ? g_strdup_printf("SELECT typeof(%s), count(*) FROM %s WHERE %s",
					   c->column, c->table, c->bad)
			 : g_strdup_printf("SELECT %s FROM %s LIMIT 0", c->column, c->table);
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
		if (rc == SQLITE_ERROR) { /* no such table or column: not our schema */
			g_autofree char *msg = g_strdup(sqlite3_errmsg(db->h));
			sqlite3_finalize(st);
			return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					    "%s: inventory is corrupt: %s.%s: %s", db->path,
					    c->table, c->column, msg);
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (!rows && rc == SQLITE_DONE) {
			sqlite3_finalize(st);
			continue;
		}
		if (rc != SQLITE_ROW) {
			sqlite3_finalize(st);
			return db_fail(db, rc, err, "check columns");
		}
		sqlite3_int64 n = sqlite3_column_int64(st, 1);
		g_autofree char *type = g_strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (n > 0)
			return mc_error_set(
			    err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: %s.%s in %lld row%s: %s (%s)", db->path,
			    c->table, c->column, (long long)n, n == 1 ? "" : "s", c->why,
			    type ? type : "?");
	}
	return 0;
}

static int ensure_parent_dir(const char *path, mc_error *err)
{
	g_autofree char *dir = g_path_get_dirname(path);
	if (g_mkdir_with_parents(dir, 0750) < 0)
		return mc_error_set(err, 0, errno, "%s: cannot create directory %s: %s", path, dir,
				    g_strerror(errno));
	return 0;
}

/* A WAL inventory on a read-only file system whose -shm file is gone (its
 * last writer closed it before the file system became read-only) cannot be
 * opened normally: sqlite would create the -shm. Nothing can write there, and
 * without a WAL holding data the file alone is the whole inventory, so it is
 * opened as immutable. NULL when the normal open applies. */
static char *readonly_media_uri(const char *path)
{
	struct statvfs vfs;
	struct stat st;
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	if (statvfs(path, &vfs) < 0 || !(vfs.f_flag & ST_RDONLY) || stat(shm, &st) == 0 ||
	    (stat(wal, &st) == 0 && st.st_size > 0))
		return NULL;
	g_autofree char *esc = g_uri_escape_string(path, "/", FALSE);
	return g_strconcat("file:", esc, "?immutable=1", NULL);
}

/* A WAL inventory's -shm file is missing and this user cannot create it
 * in the inventory's directory (sqlite then cannot read the file: it
 * answers "attempt to write a readonly database"). Writers keep the file
 * (SQLITE_FCNTL_PERSIST_WAL); another program's last connection removes it. */
static bool shm_missing_here(const char *path)
{
	struct stat st;
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_autofree char *dir = g_path_get_dirname(path);
	return stat(shm, &st) < 0 && errno == ENOENT && access(dir, W_OK) < 0;
}

/* Switch to WAL (a no-op once the file is WAL). Changing the journal mode
 * needs the exclusive lock, and sqlite answers BUSY at once, without its busy
 * handler, while another connection holds a lock (several first writers
 * right after the schema was created): retried for the busy timeout. */
static int set_wal(mc_db *db, mc_error *err)
{
	int rc = SQLITE_OK;
	for (int attempt = 0; attempt < 250; attempt++) { /* 250 x 20 ms = 5 s */
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		bool wal = rc == SQLITE_ROW &&
			   g_ascii_strcasecmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (wal)
			return 0;
		if (rc == SQLITE_ROW)
			rc = SQLITE_BUSY; /* still in another mode: someone held a lock */
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		g_usleep(20000);
	}
	return db_fail(db, rc, err, "enable WAL");
}

/* The file itself, opened without following a symlink and checked regular
 * before sqlite opens it (which it does with SQLITE_OPEN_NOFOLLOW). The
 * descriptor is kept until after sqlite3_close: closing any descriptor of a
 * file drops every POSIX lock the process holds on it, sqlite's included,
 * and another writer could then reset the WAL under this connection. */
static int open_file(mc_db *db, mc_error *err)
{
	struct stat st;
	db->fd = open(db->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (db->fd < 0 && errno == ELOOP)
		return mc_error_set(
		    err, MC_EXIT_DATAERR, ELOOP,
		    "%s: is a symbolic link (refused: give the inventory file itself)", db->path);
	if (db->fd < 0 || fstat(db->fd, &st) < 0)
		return mc_error_set(err, 0, errno, "%s: %s", db->path, g_strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not a regular file",
				    db->path);
	return 0;
}

/* 0640 whatever the umask it was created under, through the descriptor of
 * the file itself (never a path a symlink could redirect). */
static int fix_mode(mc_db *db, mc_error *err)
{
	struct stat st;
	if (fstat(db->fd, &st) < 0)
		return mc_error_set(err, 0, errno, "%s: %s", db->path, g_strerror(errno));
	if ((st.st_mode & 07777) != 0640 && fchmod(db->fd, 0640) < 0 && errno != EPERM)
		return mc_error_set(err, 0, errno, "%s: chmod: %s", db->path, g_strerror(errno));
	return 0;
}

static int db_classify(mc_db *db, mc_error *err);

static void handle_setup(sqlite3 *h)
{
	sqlite3_extended_result_codes(h, 1);
	sqlite3_create_function(h, "mc_hex64", 1,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
				sql_hex64, NULL, NULL);
	sqlite3_busy_timeout(h, 5000);
}

/* An inventory of an older schema opened by a reader who cannot write it (a
 * group reader, a read-only mount) before any writer has migrated it: the
 * reader gets a copy in memory, migrated and checked as a writer would, and
 * reads that. One snapshot of the file (sqlite's backup copies it under one
 * read lock); the file itself is left as it is, for its owner's next command
 * to migrate. */
/* Identify the file on db->h and check it; a writer creates or migrates the
 * schema and computes the class keys first, under the write lock, in one
 * transaction: of several first writers on a new (empty) file exactly one
 * creates the schema, the others wait (busy timeout) and then find it. The
 * columns are checked (and a file refused) before that transaction commits,
 * so a refused file is left as it was. 0, -errno (a writer's transaction
 * still open: mc_db_close rolls it back), or 1 for a reader that found an
 * older schema. */
static int db_settle(mc_db *db, mc_db_mode mode, mc_error *err)
{
	int r;
	if (mode == MC_DB_WRITE && (r = mc_db_begin(db, err)) < 0)
		return r;
	r = db_identify(db, mode, err);
	if (r == 0)
		r = db_check_columns(db, MC_DB_SCHEMA_VERSION, mode == MC_DB_WRITE, err);
	if (r == 0 && mode == MC_DB_WRITE && (r = db_classify(db, err)) == 0)
		r = mc_db_commit(db, err);
	return r;
}

static int read_migrated_copy(mc_db *db, mc_error *err)
{
	sqlite3 *mem = NULL;
	int rc =
	    sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(mem);
		return db_fail(db, rc, err, "open a copy in memory");
	}
	sqlite3_backup *b = sqlite3_backup_init(mem, "main", db->h, "main");
	rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(mem);
	if (b)
		sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		int r = db_fail(db, rc == SQLITE_OK ? SQLITE_ERROR : rc, err, "copy to memory");
		sqlite3_close(mem);
		return r;
	}
	sqlite3_close(db->h);
	db->h = mem;
	handle_setup(db->h);
	mc_log(MC_LOG_VERBOSE,
	       "%s: schema older than %d and not writable here: read through a "
	       "migrated copy in memory",
	       db->path, MC_DB_SCHEMA_VERSION);
	return db_settle(db, MC_DB_WRITE, err); /* a writer's: 0 or -errno */
}

mc_db *mc_db_open(const char *path, mc_db_mode mode, mc_error *err)
{
	mc_db *db = g_new0(mc_db, 1);
	db->path = g_strdup(path);
	db->fd = -1;
	int r, rc;
	struct stat stbuf;
	g_autofree char *uri = NULL; /* set for a read-only file system */

	/* lstat: the path itself, never what a symlink points to. A symlink
	 * (dangling or not) is refused before anything is created, opened or
	 * chmod-ed, and sqlite opens with SQLITE_OPEN_NOFOLLOW besides. */
	if (lstat(path, &stbuf) < 0) {
		if (errno != ENOENT || mode == MC_DB_READ) {
			mc_error_set(err, 0, errno, "%s: %s", path,
				     errno == ENOENT ? "no inventory (run 'migcheck probe' or "
						       "'migcheck import' first)"
						     : g_strerror(errno));
			goto fail;
		}
		if (ensure_parent_dir(path, err) < 0)
			goto fail;
		/* Created here, not by sqlite, so that it is 0640 whatever the
		 * umask (sqlite gives its -wal and -shm files the same mode). */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd < 0 && errno != EEXIST) {
			mc_error_set(err, 0, errno, "%s: cannot create: %s", path,
				     g_strerror(errno));
			goto fail;
		}
		db->fd = fd;
	} else if (S_ISLNK(stbuf.st_mode)) {
		mc_error_set(err, MC_EXIT_DATAERR, ELOOP,
			     "%s: is a symbolic link (refused: give the inventory file itself)",
			     path);
		goto fail;
	} else if (!S_ISREG(stbuf.st_mode)) {
		mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: not a regular file", path);
		goto fail;
	} else if (mode == MC_DB_WRITE && access(path, W_OK) < 0) {
		/* Refused before sqlite touches it (read-only mount, no write
		 * permission); reading it still works. */
		mc_error_set(err, MC_EXIT_NOPERM, errno, "%s: inventory is read-only (%s)", path,
			     g_strerror(errno));
		goto fail;
	}
	if (db->fd < 0 && open_file(db, err) < 0)
		goto fail;
	if (mode == MC_DB_READ)
		uri = readonly_media_uri(path);
	for (int attempt = 0; attempt < 2; attempt++) {
		int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW |
			    (mode == MC_DB_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
						 : SQLITE_OPEN_READONLY);
		if (uri && mode == MC_DB_READ)
			rc = sqlite3_open_v2(uri, &db->h, flags | SQLITE_OPEN_URI, NULL);
		else
			rc = sqlite3_open_v2(path, &db->h, flags, NULL);
		if (rc != SQLITE_OK) {
			db_fail(db, rc, err, "open");
			goto fail;
		}
		handle_setup(db->h);
		r = db_settle(db, mode, err);
		if (r < 0 && mode == MC_DB_READ && !uri && err &&
		    err->exit_code == MC_EXIT_NOPERM && shm_missing_here(path)) {
			mc_error_clear(err);
			r = mc_error_set(err, MC_EXIT_NOPERM, EACCES,
					 "%s: cannot be read by this user: its -shm file is gone "
					 "and this user cannot create it (any migcheck command run "
					 "by the inventory's owner puts it back)",
					 path);
		}
		if (r < 0)
			goto fail;
		if (r == 1 && access(path, W_OK) < 0) {
			/* older schema, and this user cannot migrate the file */
			if ((r = read_migrated_copy(db, err)) < 0)
				goto fail;
			break;
		}
		if (r == 1) { /* older schema: migrate through a read-write handle */
			sqlite3_close(db->h);
			db->h = NULL;
			mode = MC_DB_WRITE;
			continue;
		}
		break;
	}
	if (db_exec(db, "PRAGMA foreign_keys = ON", err, "enable foreign keys") < 0)
		goto fail;
	if (mode == MC_DB_WRITE) {
		/* WAL: readers (planner, hook) never wait for the nightly probe. */
		if (set_wal(db, err) < 0 ||
		    db_exec(db, "PRAGMA synchronous = NORMAL", err, "set synchronous") < 0 ||
		    db_exec(db, "PRAGMA journal_size_limit = 0", err, "set WAL size limit") < 0)
			goto fail;
		/* Keep -wal and -shm (emptied) after the last writer closes:
		 * readers that cannot create files next to the inventory (group
		 * readers of the 0750 directory, a read-only mount) need them. */
		int persist = 1;
		sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		if (fix_mode(db, err) < 0)
			goto fail;
	}
	return db;
fail:
	mc_db_close(db);
	return NULL;
}

void mc_db_close(mc_db *db)
{
	if (!db)
		return;
	if (db->h) {
		while (db->depth > 0)
			mc_db_rollback(db);
		if (db->stmts)
			g_hash_table_destroy(db->stmts); /* finalizes them */
		sqlite3_close(db->h);
	}
	if (db->fd >= 0)
		close(db->fd);
	g_free(db->path);
	g_free(db);
}

int mc_db_schema_version(mc_db *db, mc_error *err)
{
	long v = 0;
	int r = db_pragma_int(db, "user_version", &v, err);
	return r < 0 ? r : (int)v;
}

/* ---- statements ---- */

static int prep(mc_db *db, sqlite3_stmt **st, const char *sql, mc_error *err)
{
	int rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);
	return rc == SQLITE_OK ? 0 : db_fail(db, rc, err, "prepare");
}

static void stmt_finalize(gpointer st)
{
	sqlite3_finalize(st);
}

/* The statements of the per-host and per-profile paths (a fleet pull runs
 * them 100,000 times): prepared once per handle, kept in db->stmts (which
 * owns them; mc_db_close finalizes them), handed out reset and without
 * bindings. The caller gives it back with done(), which resets it so that
 * it holds no read transaction open. Not reentrant per SQL text: no caller
 * runs a statement while it holds the same one. */
static int prep_cached(mc_db *db, sqlite3_stmt **st, const char *sql, mc_error *err)
{
	if (!db->stmts)
		db->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, stmt_finalize);
	sqlite3_stmt *c = g_hash_table_lookup(db->stmts, sql);
	if (c) {
		sqlite3_reset(c);
		sqlite3_clear_bindings(c);
		*st = c;
		return 0;
	}
	int r = prep(db, st, sql, err);
	if (r == 0)
		g_hash_table_insert(db->stmts, g_strdup(sql), *st);
	return r;
}

static void done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

static int lookup_pid(mc_db *db, const char *id, sqlite3_int64 *pid, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep_cached(db, &st, "SELECT pid FROM profiles WHERE id = ?1", err);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pid = sqlite3_column_int64(st, 0);
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = db_fail(db, rc, err, "look up profile");
	}
	done(st);
	return r;
}

static char *now_iso(void)
{
	char buf[32];
	return g_strdup(mc_time_iso(time(NULL), buf, sizeof(buf)));
}

/* Profile pid's facts as one value (schema 4's profile_canon): its
 * canonical text, len bytes, which this takes (freed in every case). */
static int store_canon(mc_db *db, sqlite3_int64 pid, char *canon, size_t len, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep_cached(db, &st, "INSERT INTO profile_canon (pid, canon) VALUES (?1, ?2)", err),
	    rc;
	if (r < 0) {
		free(canon);
		return r;
	}
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_blob(st, 2, canon, (int)len, free);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		r = db_fail(db, rc, err, "store a profile's facts");
	done(st);
	return r;
}

/* Insert the profile if new; returns its pid through *pid_out. Must run
 * inside a transaction. */
static int store_profile_tx(mc_db *db, const mc_facts *f, char id[MC_PROFILE_ID_LEN + 1],
			    sqlite3_int64 *pid_out, mc_error *err)
{
	sqlite3_stmt *ins_fact = NULL, *get_fact = NULL, *link = NULL, *ins_prof = NULL;
	g_autofree char *created = now_iso();
	size_t clen = 0;
	char *canon = mc_profile_text(f, &clen, id, err); /* the id's, and profile_canon's */
	if (!canon)
		return -ENOMEM;
	int r = lookup_pid(db, id, pid_out, err), rc;
	if (r != 0) {
		free(canon);
		return r < 0 ? r : 0; /* already stored */
	}

	const char *arch = mc_facts_get(f, "kernel", "arch");
	const char *kernel = mc_facts_get(f, "kernel", "release");
	if ((r = prep_cached(db, &ins_prof,
			     "INSERT INTO profiles (id, arch, kernel, nfacts, created, class) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			     err)) < 0)
		goto out;
	char cls[MC_DB_CLASS_LEN + 1];
	if (classifier) {
		classifier->class_of(f, cls);
		sqlite3_bind_text(ins_prof, 6, cls, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(ins_prof, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins_prof, 2, arch ? arch : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins_prof, 3, kernel ? kernel : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins_prof, 4, (sqlite3_int64)mc_facts_count(f));
	sqlite3_bind_text(ins_prof, 5, created, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(ins_prof)) != SQLITE_DONE) {
		r = db_fail(db, rc, err, "insert profile");
		goto out;
	}
	sqlite3_int64 pid = sqlite3_last_insert_rowid(db->h);
	r = store_canon(db, pid, canon, clen, err);
	canon = NULL; /* store_canon's */
	if (r < 0)
		goto out;

	if ((r = prep_cached(db, &ins_fact,
			     "INSERT OR IGNORE INTO facts (domain, key, value, reads) "
			     "VALUES (?1, ?2, ?3, ?4)",
			     err)) < 0 ||
	    (r = prep_cached(db, &get_fact,
			     "SELECT fid FROM facts WHERE domain = ?1 AND key = ?2 AND value = ?3",
			     err)) < 0 ||
	    (r = prep_cached(db, &link, "INSERT INTO profile_facts (pid, fid) VALUES (?1, ?2)",
			     err)) < 0)
		goto out;
	for (size_t i = 0; i < mc_facts_count(f); i++) {
		const mc_fact *x = mc_facts_at(f, i);
		sqlite3_int64 fid;
		sqlite3_bind_text(ins_fact, 1, x->domain, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_fact, 2, x->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_fact, 3, x->value, -1, SQLITE_STATIC);
		if (classifier)
			sqlite3_bind_int(ins_fact, 4, classifier->reads(x->domain, x->key));
		else
			sqlite3_bind_null(ins_fact, 4);
		if ((rc = sqlite3_step(ins_fact)) != SQLITE_DONE) {
			r = db_fail(db, rc, err, "insert fact");
			goto out;
		}
		sqlite3_reset(ins_fact);
		if (sqlite3_changes(db->h) > 0) {
			fid = sqlite3_last_insert_rowid(db->h);
		} else {
			sqlite3_bind_text(get_fact, 1, x->domain, -1, SQLITE_STATIC);
			sqlite3_bind_text(get_fact, 2, x->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(get_fact, 3, x->value, -1, SQLITE_STATIC);
			if ((rc = sqlite3_step(get_fact)) != SQLITE_ROW) {
				r = db_fail(db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, err,
					    "find fact");
				goto out;
			}
			fid = sqlite3_column_int64(get_fact, 0);
			sqlite3_reset(get_fact);
		}
		sqlite3_bind_int64(link, 1, pid);
		sqlite3_bind_int64(link, 2, fid);
		if ((rc = sqlite3_step(link)) != SQLITE_DONE) {
			r = db_fail(db, rc, err, "link fact");
			goto out;
		}
		sqlite3_reset(link);
	}
	*pid_out = pid;
	r = 0;
out:
	free(canon);
	done(ins_fact);
	done(get_fact);
	done(link);
	done(ins_prof);
	return r;
}

int mc_db_store_profile(mc_db *db, const mc_facts *f, char id_out[MC_PROFILE_ID_LEN + 1],
			mc_error *err)
{
	sqlite3_int64 pid;
	int r = mc_db_begin(db, err);
	if (r < 0)
		return r;
	if ((r = store_profile_tx(db, f, id_out, &pid, err)) < 0 ||
	    (r = mc_db_commit(db, err)) < 0) {
		mc_db_rollback(db);
		return r;
	}
	return 0;
}

/* Point host->name at profile `pid` and record it in the history. Must run
 * inside a transaction. */
static int set_host_tx(mc_db *db, const mc_host_info *host, sqlite3_int64 pid, const char *source,
		       mc_error *err)
{
	sqlite3_stmt *up = NULL, *hist = NULL;
	char ts[32];
	int rc, r;
	mc_time_iso(host->probed ? host->probed : time(NULL), ts, sizeof(ts));
	if ((r = prep_cached(db, &up,
			     "INSERT INTO hosts (name, pid, probed_at, source, uuid) "
			     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
			     "pid = excluded.pid, probed_at = excluded.probed_at, "
			     "source = excluded.source, uuid = coalesce(excluded.uuid, uuid)",
			     err)) < 0)
		goto out;
	sqlite3_bind_text(up, 1, host->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 2, pid);
	sqlite3_bind_text(up, 3, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 4, source ? source : "", -1, SQLITE_STATIC);
	if (host->uuid)
		sqlite3_bind_text(up, 5, host->uuid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(up)) != SQLITE_DONE) {
		r = db_fail(db, rc, err, "store host");
		goto out;
	}
	if ((r = prep_cached(db, &hist,
			     "INSERT OR IGNORE INTO host_history (name, pid, probed_at) "
			     "VALUES (?1, ?2, ?3)",
			     err)) < 0)
		goto out;
	sqlite3_bind_text(hist, 1, host->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(hist, 2, pid);
	sqlite3_bind_text(hist, 3, ts, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(hist)) != SQLITE_DONE)
		r = db_fail(db, rc, err, "store host history");
out:
	done(up);
	done(hist);
	return r;
}

static int check_host_name(const mc_host_info *host, mc_error *err)
{
	if (!host || !host->name || !*host->name)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL, "a host name is required");
	return 0;
}

int mc_db_store_host(mc_db *db, const mc_host_info *host, const mc_facts *f, const char *source,
		     char id_out[MC_PROFILE_ID_LEN + 1], mc_error *err)
{
	sqlite3_int64 pid;
	int r;
	if ((r = check_host_name(host, err)) < 0 || (r = mc_db_begin(db, err)) < 0)
		return r;
	if ((r = store_profile_tx(db, f, id_out, &pid, err)) < 0 ||
	    (r = set_host_tx(db, host, pid, source, err)) < 0 || (r = mc_db_commit(db, err)) < 0) {
		mc_db_rollback(db);
		return r;
	}
	return 0;
}

int mc_db_has_profile(mc_db *db, const char *id, mc_error *err)
{
	sqlite3_int64 pid;
	return lookup_pid(db, id, &pid, err);
}

int mc_db_point_host(mc_db *db, const mc_host_info *host, const char *profile_id,
		     const char *source, mc_error *err)
{
	sqlite3_int64 pid;
	int r;
	if ((r = check_host_name(host, err)) < 0 || (r = lookup_pid(db, profile_id, &pid, err)) < 0)
		return r;
	if (r == 0)
		return mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "%s: no profile %s", db->path,
				    profile_id);
	if ((r = mc_db_begin(db, err)) < 0)
		return r;
	if ((r = set_host_tx(db, host, pid, source, err)) < 0 || (r = mc_db_commit(db, err)) < 0) {
		mc_db_rollback(db);
		return r;
	}
	return 0;
}

/* One fact row of a profile being loaded (its strings in the load's chunk). */
typedef struct {
	const char *d, *k, *v;
} fact_row;

static int fact_row_cmp(const void *a, const void *b)
{
	const fact_row *x = a, *y = b;
	int c = strcmp(x->d, y->d);
	return c ? c : strcmp(x->k, y->k);
}

/* Columns [from, to) of the row st is on are text, else exit 65 naming
 * the first that is not (and the profile read, if any). */
static int facts_text(const mc_db *db, sqlite3_stmt *st, int from, int to, const char *profile,
		      mc_error *err)
{
	for (int i = from; i < to; i++)
		if (sqlite3_column_type(st, i) != SQLITE_TEXT)
			return mc_error_set(
			    err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: %s%.12s%sfacts.%s is not text", db->path,
			    profile ? "profile " : "", profile ? profile : "", profile ? ": " : "",
			    sqlite3_column_name(st, i));
	return 0;
}

/* 0 when `canon` (len bytes), a profile's canonical text read back, has id
 * `id`; else exit 65, the inventory corrupt. */
static int content_check(const mc_db *db, const char *id, const char *canon, size_t len,
			 mc_error *err)
{
	char check[MC_PROFILE_ID_LEN + 1];
	mc_profile_id_of_text(canon, len, check);
	if (strcmp(check, id) == 0)
		return 0;
	return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: profile %.12s content hashes to %.12s",
			    db->path, id, check);
}

/* Profile `id` from its one-row form (profile_canon, schema 4): 1 and *out,
 * 0 and *pid when it has none (the caller reads profile_facts), -ENOENT
 * (66) when there is no such profile, -errno. The text is checked against the
 * id (its SHA-256) and then as canonical text (mc_facts_adopt_canonical). */
static int load_canon(mc_db *db, const char *id, sqlite3_int64 *pid, mc_facts **out, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep_cached(db, &st,
			    "SELECT p.pid, typeof(c.canon), c.rowid FROM profiles p "
			    "LEFT JOIN profile_canon c ON c.pid = p.pid WHERE p.id = ?1",
			    err);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "%s: no profile %s", db->path, id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = db_fail(db, rc, err, "load profile");
		goto out;
	}
	*pid = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
		r = 0;
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 1), "blob") != 0) { /* checked as read */
		r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				 "%s: inventory is corrupt: profile %.12s: profile_canon.canon is "
				 "not a profile's facts",
				 db->path, id);
		goto out;
	}
	/* Read straight into the facts' buffer (sqlite's column value would be
	 * a copy of its pages, copied again), in the statement's snapshot. */
	sqlite3_blob *b = NULL;
	if ((rc = sqlite3_blob_open(db->h, "main", "profile_canon", "canon",
				    sqlite3_column_int64(st, 2), 0, &b)) != SQLITE_OK) {
		sqlite3_blob_close(b);
		r = db_fail(db, rc, err, "load profile");
		goto out;
	}
	size_t len = (size_t)sqlite3_blob_bytes(b);
	char *text = malloc(len + 1);
	if (!text) {
		sqlite3_blob_close(b);
		r = mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "load profile: out of memory");
		goto out;
	}
	rc = len ? sqlite3_blob_read(b, text, (int)len, 0) : SQLITE_OK;
	sqlite3_blob_close(b);
	if (rc != SQLITE_OK) {
		free(text);
		r = db_fail(db, rc, err, "load profile");
		goto out;
	}
	text[len] = '\0';
	if ((r = content_check(db, id, text, len, err)) < 0) {
		free(text);
		goto out;
	}
	mc_error sub = { 0 };
	if (!(*out = mc_facts_adopt_canonical(text, len, "profile_canon.canon", &sub))) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				 "%s: inventory is corrupt: profile %.12s: %s", db->path, id,
				 sub.msg);
		goto out;
	}
	r = 1;
out:
	done(st);
	return r;
}

mc_facts *mc_db_load_profile(mc_db *db, const char *id, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	mc_facts *f = NULL;
	sqlite3_int64 pid = 0;
	int r = load_canon(db, id, &pid, &f, err), rc;
	if (r != 0)
		return r > 0 ? f : NULL;
	/* Read in key order (pid, fid) and sorted here: sqlite's ORDER BY
	 * (a temporary b-tree per profile) cost four times the read. */
	if (prep_cached(db, &st,
			"SELECT f.domain, f.key, f.value FROM profile_facts pf "
			"JOIN facts f ON f.fid = pf.fid WHERE pf.pid = ?1",
			err) < 0)
		return NULL;
	sqlite3_bind_int64(st, 1, pid);
	GStringChunk *chunk = g_string_chunk_new(16384);
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(fact_row));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (facts_text(db, st, 0, 3, id, err) < 0)
			goto fail;
		fact_row x;
		x.d = g_string_chunk_insert(chunk, (const char *)sqlite3_column_text(st, 0));
		x.k = g_string_chunk_insert(chunk, (const char *)sqlite3_column_text(st, 1));
		x.v = g_string_chunk_insert(chunk, (const char *)sqlite3_column_text(st, 2));
		g_array_append_val(rows, x);
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, err, "load profile");
		goto fail;
	}
	g_array_sort(rows, fact_row_cmp);
	f = mc_facts_new();
	for (guint i = 0; i < rows->len; i++) {
		const fact_row *x = &g_array_index(rows, fact_row, i);
		mc_error sub = { 0 };
		/* sorted: a duplicate key is the previous row's (what
		 * mc_facts_add would find, without its search per fact) */
		if (i > 0 && fact_row_cmp(x - 1, x) == 0) {
			mc_error_set(
			    err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: profile %.12s: duplicate fact %s %s",
			    db->path, id, x->d, x->k);
			goto fail;
		}
		if (mc_facts_set(f, x->d, x->k, x->v, &sub) < 0) {
			mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				     "%s: inventory is corrupt: profile %.12s: %s", db->path, id,
				     sub.msg);
			goto fail;
		}
	}
	size_t len = 0;
	char *canon = mc_facts_canonical(f, &len);
	if (!canon) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "load profile: out of memory");
		goto fail;
	}
	r = content_check(db, id, canon, len, err);
	free(canon);
	if (r < 0)
		goto fail;
	done(st);
	g_string_chunk_free(chunk);
	g_array_free(rows, TRUE);
	return f;
fail:
	done(st);
	g_string_chunk_free(chunk);
	g_array_free(rows, TRUE);
	mc_facts_free(f);
	return NULL;
}

/* Schema 4's profile_canon row of every profile without one, from its fact
 * rows (checked against its id as they load). Inside the migration's
 * transaction. */
static int db_fill_canon(mc_db *db, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(sqlite3_int64));
	int r = prep(db, &st,
		     "SELECT pid, id FROM profiles "
		     "WHERE pid NOT IN (SELECT pid FROM profile_canon)",
		     err),
	    rc;
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) { /* columns checked */
		sqlite3_int64 pid = sqlite3_column_int64(st, 0);
		g_array_append_val(pids, pid);
		g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 1)));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, err, "list profiles");
	for (guint i = 0; i < ids->len; i++) {
		mc_facts *f = mc_db_load_profile(db, ids->pdata[i], err);
		if (!f)
			return -(err && err->errnum ? err->errnum : EIO);
		size_t len = 0;
		char *canon = mc_facts_canonical(f, &len);
		mc_facts_free(f);
		if (!canon)
			return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "out of memory");
		if ((r = store_canon(db, g_array_index(pids, sqlite3_int64, i), canon, len, err)) <
		    0)
			return r;
	}
	return 0;
}

/* ---- migration classes ---- */

/* Calls cb for every fact with its stored read bits (-1: NULL or not an
 * integer) and the classifier's; cb returning non-zero stops the walk. */
static int each_fact_reads(mc_db *db, const mc_db_classifier *c,
			   int (*cb)(sqlite3_int64 fid, int stored, int want, void *opaque),
			   void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, &st, "SELECT fid, domain, key, reads FROM facts", err), rc;
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = facts_text(db, st, 1, 3, NULL, err)) < 0) {
			sqlite3_finalize(st);
			return r;
		}
		int stored = sqlite3_column_type(st, 3) == SQLITE_INTEGER
				 ? (int)sqlite3_column_int64(st, 3)
				 : -1;
		int want = c->reads((const char *)sqlite3_column_text(st, 1),
				    (const char *)sqlite3_column_text(st, 2));
		if ((r = cb(sqlite3_column_int64(st, 0), stored, want, opaque)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, err, "list facts");
	return r > 0 ? 1 : 0;
}

static int differs(sqlite3_int64 fid, int stored, int want, void *opaque)
{
	(void)fid, (void)opaque;
	return stored != want;
}

int mc_db_classes_stale(mc_db *db, const mc_db_classifier *c, mc_error *err)
{
	return each_fact_reads(db, c, differs, NULL, err);
}

typedef struct {
	GArray *fids; /* sqlite3_int64: facts whose read bits to store */
	GArray *bits; /* int: their bits */
	bool stale;   /* bits that were stored differ: every key is stale */
} reclass;

static int note_reads(sqlite3_int64 fid, int stored, int want, void *opaque)
{
	reclass *x = opaque;
	if (stored == want)
		return 0;
	x->stale |= stored != -1; /* a NULL is only "not computed yet" */
	g_array_append_val(x->fids, fid);
	g_array_append_val(x->bits, want);
	return 0;
}

/* Store the classifier's read bits where they are missing or differ, and
 * compute the class keys that are missing, or all of them when stored bits
 * differed (a planner that reads otherwise). Runs inside the writer's open
 * transaction. A profile that does not load (its content no longer hashes
 * to its id) keeps no key: readers then compute classes themselves and
 * report it as they load it. */
static int db_classify(mc_db *db, mc_error *err)
{
	if (!classifier)
		return 0;
	reclass x = { g_array_new(FALSE, FALSE, sizeof(sqlite3_int64)),
		      g_array_new(FALSE, FALSE, sizeof(int)), false };
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st = NULL;
	int r = each_fact_reads(db, classifier, note_reads, &x, err), rc;
	if (r < 0)
		goto out;
	if ((r = prep(db, &st, "UPDATE facts SET reads = ?2 WHERE fid = ?1", err)) < 0)
		goto out;
	for (guint i = 0; i < x.fids->len; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, g_array_index(x.fids, sqlite3_int64, i));
		sqlite3_bind_int(st, 2, g_array_index(x.bits, int, i));
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			r = db_fail(db, rc, err, "store read bits");
			goto out;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (x.stale &&
	    (r = db_exec(db, "UPDATE profiles SET class = NULL", err, "clear class keys")) < 0)
		goto out;
	if ((r = prep(db, &st, "SELECT id FROM profiles WHERE class IS NULL", err)) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		r = db_fail(db, rc, err, "list profiles");
		goto out;
	}
	if ((r = prep(db, &st, "UPDATE profiles SET class = ?2 WHERE id = ?1", err)) < 0)
		goto out;
	for (guint i = 0; i < ids->len; i++) {
		mc_error sub = { 0 };
		mc_facts *f = mc_db_load_profile(db, ids->pdata[i], &sub);
		mc_error_clear(&sub);
		if (!f)
			continue;
		char cls[MC_DB_CLASS_LEN + 1];
		classifier->class_of(f, cls);
		mc_facts_free(f);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ids->pdata[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cls, -1, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			r = db_fail(db, rc, err, "store class key");
			goto out;
		}
	}
	r = 0;
out:
	sqlite3_finalize(st);
	g_array_free(x.fids, TRUE);
	g_array_free(x.bits, TRUE);
	g_ptr_array_free(ids, TRUE);
	return r;
}

static bool is_hex_prefix(const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || n > MC_PROFILE_ID_LEN)
		return false;
	for (; *s; s++)
		if (!g_ascii_isxdigit(*s) || g_ascii_isupper(*s))
			return false;
	return true;
}

/* Checked at open too (db_check_columns); kept here so that no id is ever
 * copied from a NULL or a short value. */
static bool id_column_ok(sqlite3_stmt *st)
{
	return sqlite3_column_type(st, 0) == SQLITE_TEXT &&
	       sqlite3_column_bytes(st, 0) == MC_PROFILE_ID_LEN;
}

static int corrupt_id(mc_db *db, mc_error *err)
{
	return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: profiles.id: not a profile id", db->path);
}

int mc_db_resolve(mc_db *db, const char *what, char id_out[MC_PROFILE_ID_LEN + 1], char **host_out,
		  mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r, rc;
	if (host_out)
		*host_out = NULL;
	if ((r = prep(db, &st,
		      "SELECT p.id FROM hosts h LEFT JOIN profiles p ON p.pid = h.pid "
		      "WHERE h.name = ?1",
		      err)) < 0)
		return r;
	sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !id_column_ok(st)) {
		sqlite3_finalize(st);
		return corrupt_id(db, err);
	}
	if (rc == SQLITE_ROW) {
		g_strlcpy(id_out, (const char *)sqlite3_column_text(st, 0), MC_PROFILE_ID_LEN + 1);
		sqlite3_finalize(st);
		if (host_out)
			*host_out = g_strdup(what);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, err, "look up host");
	if (!is_hex_prefix(what))
		return mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
				    "%s: no host or profile named '%s'", db->path, what);
	/* Profile ids are lowercase hex: a range scan finds the prefix. */
	if ((r = prep(db, &st, "SELECT id FROM profiles WHERE id >= ?1 AND id < ?1 || 'g' LIMIT 2",
		      err)) < 0)
		return r;
	sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
	int n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!id_column_ok(st)) {
			sqlite3_finalize(st);
			return corrupt_id(db, err);
		}
		if (n == 0)
			g_strlcpy(id_out, (const char *)sqlite3_column_text(st, 0),
				  MC_PROFILE_ID_LEN + 1);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, err, "look up profile");
	if (n == 0)
		return mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
				    "%s: no host or profile named '%s'", db->path, what);
	if (n > 1)
		return mc_error_set(err, MC_EXIT_USAGE, EEXIST,
				    "'%s' is an ambiguous profile id prefix; give more digits",
				    what);
	return 0;
}

/* Columns 0-6 those of mc_db_host, then the class key and, for the row
 * check, the host's profile reference and the profile it finds (a LEFT
 * JOIN: a host pointing nowhere is reported, never skipped). */
static const char host_select[] =
    "SELECT h.name, p.id, p.arch, p.kernel, h.probed_at, h.source, h.uuid, p.class, h.pid, "
    "p.pid FROM hosts h LEFT JOIN profiles p ON p.pid = h.pid ";

static const char *type_name(int t)
{
	switch (t) {
	case SQLITE_INTEGER:
		return "integer";
	case SQLITE_FLOAT:
		return "real";
	case SQLITE_TEXT:
		return "text";
	case SQLITE_BLOB:
		return "blob";
	default:
		return "null";
	}
}

/* A column of a host row read at index col: 0 when it is what
 * column_rules asks of hosts.`column`, else exit 65 saying why. */
typedef struct {
	const char *column, *why;
	int type;      /* SQLITE_TEXT or SQLITE_INTEGER */
	bool null_ok;  /* or NULL */
	bool nonempty; /* and not '' */
} host_col;

static const host_col host_name = { "name", "not a host name", SQLITE_TEXT, false, true };
static const host_col host_pid = { "pid", "not a profile reference", SQLITE_INTEGER, false, false };

static int host_col_check(mc_db *db, sqlite3_stmt *st, int col, const host_col *c, mc_error *err)
{
	int t = sqlite3_column_type(st, col);
	bool ok = t == c->type || (c->null_ok && t == SQLITE_NULL);
	if (ok && c->nonempty && sqlite3_column_bytes(st, col) == 0)
		ok = false;
	if (ok)
		return 0;
	return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			    "%s: inventory is corrupt: hosts.%s in a row: %s (%s)", db->path,
			    c->column, c->why, type_name(t));
}

/* The host row's columns (host_select's), checked as it is read (a
 * reader's open checks the profiles only: see column_rules). */
static int host_row_check(mc_db *db, sqlite3_stmt *st, mc_error *err)
{
	static const host_col probed_at = { "probed_at", "not a time", SQLITE_TEXT, false, false };
	static const host_col source = { "source", "not text", SQLITE_TEXT, false, false };
	static const host_col uuid = { "uuid", "not text", SQLITE_TEXT, true, false };
	static const struct {
		int col;
		const host_col *c;
	} cols[] = {
		{ 0, &host_name }, { 8, &host_pid }, { 4, &probed_at }, { 5, &source }, { 6, &uuid }
	};
	int r;
	for (size_t i = 0; i < G_N_ELEMENTS(cols); i++)
		if ((r = host_col_check(db, st, cols[i].col, cols[i].c, err)) < 0)
			return r;
	if (sqlite3_column_type(st, 9) == SQLITE_NULL)
		return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				    "%s: inventory is corrupt: hosts.pid in a row: refers to no "
				    "profile (integer)",
				    db->path);
	return 0;
}

static void host_from_row(sqlite3_stmt *st, mc_db_host *h)
{
	h->name = (const char *)sqlite3_column_text(st, 0);
	h->profile_id = (const char *)sqlite3_column_text(st, 1);
	h->arch = (const char *)sqlite3_column_text(st, 2);
	h->kernel = (const char *)sqlite3_column_text(st, 3);
	h->probed_at = (const char *)sqlite3_column_text(st, 4);
	h->source = (const char *)sqlite3_column_text(st, 5);
	h->uuid = (const char *)sqlite3_column_text(st, 6);
	h->class_key = (const char *)sqlite3_column_text(st, 7);
}

int mc_db_each_host(mc_db *db, const char *profile_id, int (*cb)(const mc_db_host *h, void *opaque),
		    void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	g_autofree char *sql =
	    g_strconcat(host_select, profile_id ? "WHERE p.id = ?1 " : "", "ORDER BY h.name", NULL);
	int r = prep(db, &st, sql, err), rc;
	if (r < 0)
		return r;
	if (profile_id)
		sqlite3_bind_text(st, 1, profile_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mc_db_host h;
		if ((r = host_row_check(db, st, err)) < 0) {
			sqlite3_finalize(st);
			return r;
		}
		host_from_row(st, &h);
		if (cb(&h, opaque) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "list hosts");
}

void mc_db_host_free(mc_db_host_copy *c)
{
	for (size_t i = 0; i < G_N_ELEMENTS(c->buf); i++)
		g_clear_pointer(&c->buf[i], g_free);
	memset(&c->h, 0, sizeof(c->h));
}

/* One host row selected by `where` (bound to `arg`) into *out; `what` names
 * the lookup in errors ("named 'x'", "with UUID 'y'"). */
static int get_host_where(mc_db *db, const char *where, const char *arg, const char *what,
			  mc_db_host_copy *out, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	g_autofree char *sql = g_strconcat(host_select, where, NULL);
	int r = prep_cached(db, &st, sql, err), rc;
	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (r = host_row_check(db, st, err)) < 0) {
		done(st);
		return r;
	}
	if (rc == SQLITE_ROW) {
		for (int i = 0; i < 8; i++)
			out->buf[i] = g_strdup((const char *)sqlite3_column_text(st, i));
		out->h = (mc_db_host){ out->buf[0], out->buf[1], out->buf[2], out->buf[3],
				       out->buf[4], out->buf[5], out->buf[6], out->buf[7] };
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "%s: no host %s '%s'", db->path,
				 what, arg);
	} else {
		r = db_fail(db, rc, err, "look up host");
	}
	done(st);
	return r;
}

int mc_db_get_host(mc_db *db, const char *name, mc_db_host_copy *out, mc_error *err)
{
	return get_host_where(db, "WHERE h.name = ?1", name, "named", out, err);
}

/* The most recently probed host with this UUID (case-insensitive). */
int mc_db_get_host_by_uuid(mc_db *db, const char *uuid, mc_db_host_copy *out, mc_error *err)
{
	return get_host_where(db, "WHERE lower(h.uuid) = lower(?1) ORDER BY 5 DESC LIMIT 1", uuid,
			      "with UUID", out, err);
}

int mc_db_each_fact(mc_db *db,
		    int (*cb)(long long fid, const char *domain, const char *key, const char *value,
			      void *opaque),
		    void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, &st, "SELECT fid, domain, key, value FROM facts", err), rc;
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = facts_text(db, st, 1, 4, NULL, err)) < 0) {
			sqlite3_finalize(st);
			return r;
		}
		if (cb((long long)sqlite3_column_int64(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2),
		       (const char *)sqlite3_column_text(st, 3), opaque) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "list facts");
}

/* profile_facts is WITHOUT ROWID with the key (pid, fid): a scan in key
 * order meets each profile's facts together, fids ascending. */
int mc_db_each_profile_fids(mc_db *db,
			    int (*cb)(const char *id, const long long *fids, size_t n,
				      void *opaque),
			    void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	GHashTable *ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	GArray *fids = g_array_new(FALSE, FALSE, sizeof(long long));
	sqlite3_int64 cur = 0;
	int r = prep(db, &st, "SELECT pid, id FROM profiles", err), rc;
	if (r < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) != SQLITE_TEXT ||
		    sqlite3_column_bytes(st, 1) != MC_PROFILE_ID_LEN) {
			r = corrupt_id(db, err);
			goto out;
		}
		sqlite3_int64 *k = g_new(sqlite3_int64, 1);
		*k = sqlite3_column_int64(st, 0);
		g_hash_table_insert(ids, k, g_strdup((const char *)sqlite3_column_text(st, 1)));
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(db, rc, err, "list profiles");
		goto out;
	}
	sqlite3_finalize(st);
	if ((r = prep(db, &st, "SELECT pid, fid FROM profile_facts ORDER BY pid, fid", err)) < 0)
		goto out;
	for (;;) {
		rc = sqlite3_step(st);
		sqlite3_int64 pid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		if (fids->len && (rc != SQLITE_ROW || pid != cur)) {
			const char *id = g_hash_table_lookup(ids, &cur);
			if (!id) {
				r = mc_error_set(
				    err, MC_EXIT_DATAERR, EBADMSG,
				    "%s: inventory is corrupt: facts of no profile (pid "
				    "%lld)",
				    db->path, (long long)cur);
				goto out;
			}
			if (cb(id, (const long long *)(void *)fids->data, fids->len, opaque) != 0) {
				rc = SQLITE_DONE;
				break;
			}
			g_array_set_size(fids, 0);
		}
		if (rc != SQLITE_ROW)
			break;
		cur = pid;
		long long fid = (long long)sqlite3_column_int64(st, 1);
		g_array_append_val(fids, fid);
	}
	r = rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "list profile facts");
out:
	sqlite3_finalize(st);
	g_hash_table_destroy(ids);
	g_array_free(fids, TRUE);
	return r;
}

int mc_db_each_profile_key(mc_db *db,
			   int (*cb)(long long pid, const char *id, const char *arch,
				     const char *class_key, void *opaque),
			   void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, &st, "SELECT pid, id, arch, class FROM profiles", err), rc;
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb((long long)sqlite3_column_int64(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2),
		       (const char *)sqlite3_column_text(st, 3), opaque) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "list profiles");
}

int mc_db_each_host_pid(mc_db *db, int (*cb)(const char *name, long long pid, void *opaque),
			void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, &st, "SELECT name, pid FROM hosts", err), rc;
	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = host_col_check(db, st, 0, &host_name, err)) < 0 ||
		    (r = host_col_check(db, st, 1, &host_pid, err)) < 0) {
			sqlite3_finalize(st);
			return r;
		}
		if (cb((const char *)sqlite3_column_text(st, 0),
		       (long long)sqlite3_column_int64(st, 1), opaque) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "list hosts");
}

int mc_db_each_host_name_of(mc_db *db, long long pid, int (*cb)(const char *name, void *opaque),
			    void *opaque, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep_cached(db, &st, "SELECT name FROM hosts WHERE pid = ?1 ORDER BY name", err),
	    rc;
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)pid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = host_col_check(db, st, 0, &host_name, err)) < 0) {
			done(st);
			return r;
		}
		if (cb((const char *)sqlite3_column_text(st, 0), opaque) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "list hosts");
}

int mc_db_has_hosts(mc_db *db, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep_cached(db, &st, "SELECT EXISTS (SELECT 1 FROM hosts)", err), rc;
	if (r < 0)
		return r;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) != 0;
	else
		r = db_fail(db, rc, err, "count hosts");
	done(st);
	return r;
}

int mc_db_counts(mc_db *db, long *hosts, long *profiles, long *facts, mc_error *err)
{
	sqlite3_stmt *st = NULL;
	int r = prep(db, &st,
		     "SELECT (SELECT count(*) FROM hosts), (SELECT count(*) FROM profiles), "
		     "(SELECT count(*) FROM facts)",
		     err),
	    rc;
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*hosts = (long)sqlite3_column_int64(st, 0);
		*profiles = (long)sqlite3_column_int64(st, 1);
		*facts = (long)sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, err, "count");
}
