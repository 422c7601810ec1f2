/* migcheck — the fleet store: hosts publish their profiles to a plain
 * HTTP(S) server that accepts PUT (WebDAV) or an S3-compatible object store,
 * and an inventory pulls the whole fleet from it.
 *
 * Layout under the store URL:
 *   profiles/ID.xml   profile document (schemas/profile.rng), no host inside:
 *                     content-addressed, ID = SHA-256 of the canonical facts
 *   hosts/NAME.xml    <host name profile probed uuid/> (schemas/host.rng),
 *                     written by that host's push only: no file is shared
 *                     between pushers, so concurrent pushes lose nothing
 *   index.xml         the old layout: <hosts> with every host record, once
 *                     rewritten by every push (read-modify-write, which lost
 *                     entries under concurrency on stores that ignore
 *                     If-Match); no longer written, still read by pull
 * A pull lists hosts/ (WebDAV PROPFIND, S3 ListObjectsV2:
 * core/fleet/listing.h), reads each record, and merges index.xml if any.
 */
#ifndef MC_FLEET_H
#define MC_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "db/inventory.h"
#include "core/base/error.h"
#include "core/fleet/http.h"
#include "core/model/profile.h"

#define MC_HOST_NS "urn:x-migcheck:host:1"

/* ---- the configuration ----
 * SYSCONFDIR/migcheck/migcheck.conf: a GLib key file, group [fleet] with the
 * keys below ([hook] is the hook's, cmd/hook.c). The old format, still read
 * (legacy set; the caller prints a deprecation notice): 'key = value' lines,
 * '#' comments, as SYSCONFDIR/migcheck.conf had them. */
typedef struct mc_fleet_conf {
	char *url;         /* url = https://store.example/fleet */
	char *host;        /* host = NAME (default: the host name) */
	char *db;          /* db = /var/lib/migcheck/inventory.db */
	char *cacert;      /* cacert = /etc/ssl/certs/store-ca.pem */
	char *s3_region;   /* s3-region = eu-west-1 */
	char *credentials; /* credentials = FILE (--credentials) */
	bool insecure;     /* insecure = yes|no */
	long timeout_s;    /* timeout = SECONDS (whole transfer) */
	bool loaded;       /* a file was read */
	bool legacy;       /* ... in the old 'key = value' format */
} mc_fleet_conf;

/* Load `path`, in either format (a key file when its first line that is not
 * a comment is a [group]). A missing file is fine (conf stays empty) when
 * missing_ok; otherwise 66. Unknown keys, groups and malformed lines are 65
 * ("PATH: [fleet] ..." or "PATH:LINE: ..."). */
int mc_fleet_conf_load(const char *path, bool missing_ok, mc_fleet_conf *c, mc_error *err);
void mc_fleet_conf_clear(mc_fleet_conf *c);

/* ---- host records and the index ---- */
typedef struct mc_fleet_host {
	char *name;
	char profile[MC_PROFILE_ID_LEN + 1];
	time_t probed;
	char *uuid; /* may be NULL */
} mc_fleet_host;

typedef struct mc_fleet_index mc_fleet_index; /* opaque, sorted by name */

mc_fleet_index *mc_fleet_index_new(void);
void mc_fleet_index_free(mc_fleet_index *x);
/* Parse and validate (schemas/host.rng) a <hosts> index, or with `single` a
 * <host> record (which becomes a one-entry index). */
mc_fleet_index *mc_fleet_index_parse(const char *buf, size_t len, const char *name, bool single,
				     mc_error *err);
/* Serialise; `single` writes the first record as a <host> document. */
char *mc_fleet_index_to_xml(const mc_fleet_index *x, bool single, size_t *len, mc_error *err);
/* Add or replace (by name) a copy of h. */
int mc_fleet_index_set(mc_fleet_index *x, const mc_fleet_host *h, mc_error *err);
size_t mc_fleet_index_count(const mc_fleet_index *x);
const mc_fleet_host *mc_fleet_index_at(const mc_fleet_index *x, size_t i);
const mc_fleet_host *mc_fleet_index_find(const mc_fleet_index *x, const char *name);

/* A name usable as hosts/NAME.xml: [A-Za-z0-9][A-Za-z0-9._-]*, <= 253. */
bool mc_fleet_name_ok(const char *name);

/* ---- push and pull ---- */
typedef struct mc_fleet_stats {
	long hosts;                          /* host records in the index (pull) */
	long profiles;                       /* distinct profiles named */
	long profiles_fetched;               /* downloaded (pull) / uploaded (push) */
	long profiles_present;               /* already there: local (pull) / store (push) */
	long hosts_stored;                   /* written to the inventory (pull) */
	long hosts_unchanged;                /* same record already in the inventory */
	long hosts_newer_local;              /* inventory has a newer probe of that host */
	long hosts_future;                   /* probed after this host's clock allows: ignored */
	long hosts_listed;                   /* pull: records listed in hosts/ */
	long hosts_index;                    /* pull: entries of an old index.xml */
	bool index_only;                     /* pull: the server cannot list hosts/;
						index.xml alone was read */
	char profile[MC_PROFILE_ID_LEN + 1]; /* push: the profile pushed */
} mc_fleet_stats;

/* A host record whose probe time is later than this host's clock at the
 * start of the pull plus this tolerance (clock skew) is not imported: its
 * time cannot be true, and stored it would outrank every honest record of
 * that host from then on. */
#define MC_FLEET_FUTURE_TOLERANCE_S 3600

/* A pull fetches the host records over this many connections at once. */
#define MC_FLEET_PARALLEL 8

/* Progress: phase ("profiles", "hosts"), done of total. */
typedef void (*mc_fleet_progress)(const char *phase, size_t done, size_t total, void *opaque);

/* Upload host `name` of the inventory: its profile (skipped when a HEAD says
 * the store has it) and its host record hosts/NAME.xml. At most three
 * requests, whatever the size of the fleet. */
int mc_fleet_push(mc_http *h, const char *url, mc_db *db, const char *name, mc_fleet_stats *st,
		  mc_error *err);

typedef struct mc_fleet_pull_opts {
	bool s3;      /* list with S3 ListObjectsV2, else WebDAV PROPFIND */
	int max_keys; /* S3: keys per listing page; 0: 1000 */
} mc_fleet_pull_opts;

/* List hosts/ and fetch every host record, merge an old index.xml (per
 * host the latest probe wins), fetch the profiles the inventory lacks,
 * verify every profile against the id it is stored under, and import all
 * host records in one transaction (nothing is imported on any error). A
 * server that cannot list (PROPFIND 405/501) is an error unless the store
 * has an index.xml: then that alone is read and st->index_only is set. A
 * host whose record in the inventory is newer is left alone. */
int mc_fleet_pull(mc_http *h, const char *url, mc_db *db, const mc_fleet_pull_opts *o,
		  mc_fleet_progress cb, void *opaque, mc_fleet_stats *st, mc_error *err);

/* The embedded RelaxNG grammar of host records (schemas/host.rng). */
extern const char mc_schema_host_rng[];

#endif
