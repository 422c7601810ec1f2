/* migcheck — driving a live migration through libvirt: the job itself
 * (virDomainMigrateToURI3, peer-to-peer), progress from virDomainGetJobStats
 * and Ctrl-C -> virDomainAbortJob, plus identifying the hosts behind libvirt
 * connections. */
#ifndef MC_MIGRATE_H
#define MC_MIGRATE_H

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/base/error.h"

/* Flags migcheck migrates with: live, peer-to-peer (the source daemon talks
 * to the destination's), abort when an I/O error happens on the way; for a
 * persistent domain also define it on the destination and undefine it on
 * the source, so that it moves as a whole. */
#define MC_MIGRATE_FLAGS (VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_ABORT_ON_ERROR)
#define MC_MIGRATE_FLAGS_PERSISTENT (VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE)

/* The host behind a connection: virConnectGetHostname and, when `uuid` is
 * non-NULL, the host UUID of virConnectGetCapabilities (NULL when unknown).
 * Caller g_free()s both. */
int mc_lv_identify(virConnectPtr c, const char *uri, char **hostname, char **uuid, mc_error *err);

/* Migrate `dom` to `dest_uri` (the destination libvirt, as the source
 * daemon reaches it) with `mig_uri` (data connection, NULL: libvirt's
 * choice), `dest_xml` the domain XML the destination starts it with
 * (VIR_MIGRATE_PARAM_DEST_XML, NULL: the source's; migrate hands over the
 * rewritten host device sources this way) and `persist_xml` its persistent
 * definition there (VIR_MIGRATE_PARAM_PERSIST_XML, NULL: libvirt's),
 * `bandwidth` in MiB/s (0: unlimited), `switchover_bw` the bandwidth QEMU may
 * count on for the switchover in MiB/s (VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_
 * SWITCHOVER, libvirt 11.1 and later; 0: QEMU's estimate). Progress lines go
 * to `progress` (NULL: none).
 * SIGINT during the job aborts it (exit 75 "aborted"; the guest keeps running on the source).
 * Returns 0, or -errno with err set (69 when libvirt fails the job). */
int mc_migrate_job(virDomainPtr dom, const char *dest_uri, const char *mig_uri,
		   const char *dest_xml, const char *persist_xml, unsigned long long bandwidth,
		   unsigned long long switchover_bw, unsigned flags, FILE *progress, mc_error *err);

/* A copy of the guest (`src`, running on the source) on the destination
 * behind the read-only connection `dc`, as a failed migration leaves it: the
 * same UUID, paused before it ever ran there (reason migration, starting up
 * or unknown), carrying migcheck's metadata, with no migration job running
 * on the source. Such a copy can never be resumed (the guest runs on the
 * source) and blocks the next migration ("domain is already active"): it is
 * destroyed through a read-write connection to `dest_uri` (a record under an
 * incoming-migration job that libvirt never ends is stopped with the
 * protocol's Finish step, cancelled), and *msg (caller
 * g_free()s) says what was found and done (`remove` false: found only, as
 * --dry-run reports it). Any other domain with the UUID on
 * the destination is left alone and reported (-EEXIST, exit 69). Returns 0
 * when there is nothing (left) on the destination. */
int mc_migrate_leftover(virDomainPtr src, virConnectPtr dc, const char *dest_uri, bool remove,
			char **msg, mc_error *err);

#endif
