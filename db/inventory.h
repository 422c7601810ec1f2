/* migcheck — the sqlite inventory: hosts -> profiles -> facts. */
#ifndef MC_INVENTORY_H
#define MC_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "db/identity.h"

typedef struct mc_db mc_db; /* opaque */

/* PRAGMA application_id of a migcheck inventory ("mgch"). */
#define MC_DB_APPLICATION_ID 0x6d676368
/* Schema version this build writes (PRAGMA user_version). */
#define MC_DB_SCHEMA_VERSION 4

typedef enum { MC_DB_READ, MC_DB_WRITE } mc_db_mode;

/* Migration classes (schema 3): each profile's class key is stored, so that
 * fleet-wide answers group profiles without reading every profile's facts.
 * The key is the planner's (mc_plan_class_id), a layer above this one: the
 * planner's side registers it once per process (migcheck's verbs do, in
 * mc_ctx_open_db). With a classifier registered, storing a profile stores
 * its key and the read bits of its new facts, and a writer's open (and the
 * migration from schema 2, which a reader's open also runs) computes the
 * keys that are missing or stale (facts whose stored read bits differ from
 * the classifier's: a planner that reads otherwise), in the open's
 * transaction. Without one, keys stay NULL and readers compute classes
 * themselves. */
#define MC_DB_CLASS_LEN 64
typedef struct mc_db_classifier {
	/* The class key of a profile: MC_DB_CLASS_LEN lowercase hex digits. */
	void (*class_of)(const mc_facts *f, char out[MC_DB_CLASS_LEN + 1]);
	/* Which part of a fact the classifier reads: bit 0 its domain, bit 1
	 * its key (only with bit 0). */
	int (*reads)(const char *domain, const char *key);
} mc_db_classifier;
/* Register (NULL: none). Process-wide; not thread-safe. */
void mc_db_set_classifier(const mc_db_classifier *c);
/* 0 when every fact's stored read bits are `c`'s, so that the stored class
 * keys are `c`'s (profiles without a key have NULL); 1 when they are not
 * (stale, or never computed); -errno. One scan of the facts (each distinct
 * fact once: about a thousand rows for 2,000 profiles). */
int mc_db_classes_stale(mc_db *db, const mc_db_classifier *c, mc_error *err);

/* Default path: $MIGCHECK_DB, else LOCALSTATEDIR/lib/migcheck/inventory.db as root,
 * else $XDG_DATA_HOME/migcheck/inventory.db (~/.local/share/...). Caller frees. */
char *mc_db_default_path(void);

/* Open (MC_DB_WRITE creates the file and its directory if needed, and
 * migrates an older schema forward in one transaction). A file that is not a
 * migcheck inventory, is newer than this build, or is corrupt is refused with
 * exit code 65 (74 for I/O) and never modified. MC_DB_READ on a missing file
 * is -ENOENT (66). */
mc_db *mc_db_open(const char *path, mc_db_mode mode, mc_error *err);
void mc_db_close(mc_db *db);
static inline void mc_db_closep(mc_db **db)
{
	mc_db_close(*db);
}
#define mc_autodb __attribute__((cleanup(mc_db_closep))) mc_db

const char *mc_db_path(const mc_db *db);
int mc_db_schema_version(mc_db *db, mc_error *err);

/* Store a profile (deduplicated by id); id_out gets its id. One transaction. */
int mc_db_store_profile(mc_db *db, const mc_facts *f, char id_out[MC_PROFILE_ID_LEN + 1],
			mc_error *err);
/* Store a profile and point host->name at it (history kept). One transaction:
 * on any failure the inventory is as it was. */
int mc_db_store_host(mc_db *db, const mc_host_info *host, const mc_facts *f, const char *source,
		     char id_out[MC_PROFILE_ID_LEN + 1], mc_error *err);

/* Point host->name at an already stored profile (no hashing of facts: for
 * bulk imports where the id is known and verified). -ENOENT (66) when the
 * profile is not stored. One transaction. */
int mc_db_point_host(mc_db *db, const mc_host_info *host, const char *profile_id,
		     const char *source, mc_error *err);
/* 1 when a profile with this full id is stored, 0 when not, -errno. */
int mc_db_has_profile(mc_db *db, const char *id, mc_error *err);

/* Batch several stores into one transaction (nesting-safe). */
int mc_db_begin(mc_db *db, mc_error *err);
int mc_db_commit(mc_db *db, mc_error *err);
void mc_db_rollback(mc_db *db);
/* One snapshot for many reads: every read until mc_db_rollback (or
 * mc_db_commit) sees the file as it was at the first of them, whatever a
 * writer commits meanwhile. Not nested in a batch. */
int mc_db_read_begin(mc_db *db, mc_error *err);

/* Load a profile by full id; verifies the content still hashes to the id. */
mc_facts *mc_db_load_profile(mc_db *db, const char *id, mc_error *err);

/* Resolve a host name, a profile id or a unique id prefix (>= 4 hex digits).
 * -ENOENT (66) unknown, -EEXIST (64) ambiguous prefix. host_out (optional)
 * gets the host name when `what` named a host (caller frees). */
int mc_db_resolve(mc_db *db, const char *what, char id_out[MC_PROFILE_ID_LEN + 1], char **host_out,
		  mc_error *err);

typedef struct mc_db_host {
	const char *name;
	const char *profile_id;
	const char *arch;
	const char *kernel;
	const char *probed_at;
	const char *source;
	const char *uuid;      /* may be NULL */
	const char *class_key; /* the profile's class key; NULL: not computed */
} mc_db_host;

/* Calls cb for every host (ordered by name), or only the hosts of one profile
 * when profile_id is non-NULL. cb returning non-zero stops the walk. Each
 * row is checked as it is read (types, the profile it refers to): a bad
 * one fails the walk with 65, as the check at open did before schema 3. */
int mc_db_each_host(mc_db *db, const char *profile_id, int (*cb)(const mc_db_host *h, void *opaque),
		    void *opaque, mc_error *err);

/* Look a host up by name; fills *h with strings owned by the caller's
 * mc_db_host_copy (free with mc_db_host_free). -ENOENT when unknown. */
typedef struct mc_db_host_copy {
	mc_db_host h;
	char *buf[8];
} mc_db_host_copy;
int mc_db_get_host(mc_db *db, const char *name, mc_db_host_copy *out, mc_error *err);
void mc_db_host_free(mc_db_host_copy *c);
/* The most recently probed host whose UUID is `uuid` (libvirt's host UUID or
 * the probe's SMBIOS/machine-id UUID). -ENOENT (66) when none. */
int mc_db_get_host_by_uuid(mc_db *db, const char *uuid, mc_db_host_copy *out, mc_error *err);

/* The inventory in bulk, for fleet-wide answers: two scans instead of one
 * query per profile. Facts are stored once across profiles (a fact id,
 * fid, names one "domain key value"); mc_db_each_fact calls cb for every
 * fact, mc_db_each_profile_fids for every profile with the ids of its facts
 * (ascending; the array is valid during the call). cb returning non-zero
 * stops the walk. Strings are valid during the call. */
int mc_db_each_fact(mc_db *db,
		    int (*cb)(long long fid, const char *domain, const char *key, const char *value,
			      void *opaque),
		    void *opaque, mc_error *err);
int mc_db_each_profile_fids(mc_db *db,
			    int (*cb)(const char *id, const long long *fids, size_t n,
				      void *opaque),
			    void *opaque, mc_error *err);

/* The hosts and profiles in bulk, for the fleet's classes from the stored
 * keys (no join, no sort): every profile with its pid, id, architecture
 * ("" when unknown) and class key (NULL when not computed; the profiles'
 * rows are checked at open), and every host's name and pid, in the table's
 * order (not by name). A host row is checked as it is read (its name and
 * the type of its pid: 65); whether the pid names a profile is the
 * caller's to check. cb returning non-zero stops the walk. */
int mc_db_each_profile_key(mc_db *db,
			   int (*cb)(long long pid, const char *id, const char *arch,
				     const char *class_key, void *opaque),
			   void *opaque, mc_error *err);
int mc_db_each_host_pid(mc_db *db, int (*cb)(const char *name, long long pid, void *opaque),
			void *opaque, mc_error *err);
/* The names of the hosts of profile `pid` (a pid from mc_db_each_profile_key),
 * by name, read from an index alone (each name checked as read: 65); cb
 * returning non-zero stops the walk. */
int mc_db_each_host_name_of(mc_db *db, long long pid, int (*cb)(const char *name, void *opaque),
			    void *opaque, mc_error *err);
/* 1 when the inventory has a host, 0 when it has none, -errno. */
int mc_db_has_hosts(mc_db *db, mc_error *err);

/* Counts, for summaries. */
int mc_db_counts(mc_db *db, long *hosts, long *profiles, long *facts, mc_error *err);

#endif
