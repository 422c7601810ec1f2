#include "core/libvirt/migrate.h"

#include <dlfcn.h>
#include <errno.h>
#include <glib.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/libvirt/domxml.h"
#include "probes/libvirt.h"
#include "probes/qemu_caps.h"

int mc_lv_identify(virConnectPtr c, const char *uri, char **hostname, char **uuid, mc_error *err)
{
	char *h = virConnectGetHostname(c);
	if (!h)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EIO,
				    "%s: cannot get the host name: %s", uri,
				    mc_libvirt_last_error());
	*hostname = g_strdup(h);
	free(h);
	if (uuid) {
		char *caps = virConnectGetCapabilities(c);
		*uuid = caps ? mc_qemu_caps_host_uuid(caps, strlen(caps)) : NULL;
		free(caps);
	}
	return 0;
}

typedef struct {
	virDomainPtr dom;
	const char *dest_uri;
	virTypedParameterPtr params;
	int nparams;
	unsigned flags;
	int rc;
	char errmsg[512];
	GMutex lock; /* guards done; cond signals it */
	GCond cond;
	bool done;
} job;

static gpointer job_thread(gpointer data)
{
	job *j = data;
	j->rc =
	    virDomainMigrateToURI3(j->dom, j->dest_uri, j->params, (unsigned)j->nparams, j->flags);
	if (j->rc < 0)
		g_strlcpy(j->errmsg, mc_libvirt_last_error(), sizeof(j->errmsg));
	g_mutex_lock(&j->lock);
	j->done = true;
	g_cond_signal(&j->cond);
	g_mutex_unlock(&j->lock);
	return NULL;
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void show_progress(virDomainPtr dom, FILE *out)
{
	int type = 0, n = 0;
	virTypedParameterPtr p = NULL;
	if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0 || type != VIR_DOMAIN_JOB_UNBOUNDED) {
		virTypedParamsFree(p, n);
		return;
	}
	unsigned long long total = 0, remaining = 0, bps = 0, downtime = 0;
	virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_TOTAL, &total);
	virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_REMAINING, &remaining);
	virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_MEMORY_BPS, &bps);
	virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DOWNTIME, &downtime);
	virTypedParamsFree(p, n);
	int pct =
	    total ? (int)((total - (remaining > total ? total : remaining)) * 100 / total) : 0;
	char bar[31];
	memset(bar, ' ', 30);
	memset(bar, '#', (size_t)(pct * 30 / 100));
	bar[30] = '\0';
	fprintf(out, "\r[%s] %3d%%  %6.1f MiB left  %7.1f MiB/s  expected downtime %llu ms ", bar,
		pct, remaining / 1048576.0, bps / 1048576.0, downtime);
	fflush(out);
}

/* Where the guest is after a failed job, as the source daemon sees it: the
 * job's own error does not say which side failed, nor what became of the
 * guest (a daemon restarted under the job, a dead destination). */
static void whereabouts(virDomainPtr dom, char *buf, size_t size)
{
	int state = 0, reason = 0;
	if (virConnectIsAlive(virDomainGetConnect(dom)) != 1 ||
	    virDomainGetState(dom, &state, &reason, 0) < 0) {
		snprintf(buf, size,
			 "lost the connection to the source libvirt daemon: once it is back, "
			 "check where the guest runs (virsh domstate on both hosts)");
		return;
	}
	if (state == VIR_DOMAIN_RUNNING)
		snprintf(buf, size, "the guest keeps running on the source");
	else if (state == VIR_DOMAIN_PAUSED)
		snprintf(buf, size,
			 "the guest is paused on the source (libvirt reason %d): check the "
			 "destination before resuming it",
			 reason);
	else
		snprintf(buf, size,
			 "the guest is no longer running on the source (libvirt state %d): check "
			 "the destination",
			 state);
}

/* libvirt 11.1's name; the daemons, not this client library, check it. */
#ifdef VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_SWITCHOVER
#define PARAM_AVAIL_SWITCHOVER VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_SWITCHOVER
#else
#define PARAM_AVAIL_SWITCHOVER "bandwidth.avail.switchover"
#endif

int mc_migrate_job(virDomainPtr dom, const char *dest_uri, const char *mig_uri,
		   const char *dest_xml, const char *persist_xml, unsigned long long bandwidth,
		   unsigned long long switchover_bw, unsigned flags, FILE *progress, mc_error *err)
{
	job j = { .dom = dom, .dest_uri = dest_uri, .flags = flags };
	int maxp = 0;
	if ((mig_uri && virTypedParamsAddString(&j.params, &j.nparams, &maxp, VIR_MIGRATE_PARAM_URI,
						mig_uri) < 0) ||
	    (dest_xml && virTypedParamsAddString(&j.params, &j.nparams, &maxp,
						 VIR_MIGRATE_PARAM_DEST_XML, dest_xml) < 0) ||
	    (persist_xml &&
	     virTypedParamsAddString(&j.params, &j.nparams, &maxp, VIR_MIGRATE_PARAM_PERSIST_XML,
				     persist_xml) < 0) ||
	    (bandwidth && virTypedParamsAddULLong(&j.params, &j.nparams, &maxp,
						  VIR_MIGRATE_PARAM_BANDWIDTH, bandwidth) < 0) ||
	    (switchover_bw && virTypedParamsAddULLong(&j.params, &j.nparams, &maxp,
						      PARAM_AVAIL_SWITCHOVER, switchover_bw) < 0))
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "migration parameters: %s",
				    mc_libvirt_last_error());
	struct sigaction sa = { 0 }, old_int, old_term;
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	g_mutex_init(&j.lock);
	g_cond_init(&j.cond);
	GThread *t = g_thread_new("migrate", job_thread, &j);
	bool aborted = false;
	/* Wake at once when the job ends (no polling delay added to the
	 * migration), else every 100 ms for Ctrl-C and the progress line. */
	g_mutex_lock(&j.lock);
	while (!j.done) {
		gint64 until = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
		if (g_cond_wait_until(&j.cond, &j.lock, until) || j.done)
			continue;
		g_mutex_unlock(&j.lock);
		if (interrupted && !aborted) {
			aborted = true;
			if (progress)
				fprintf(progress, "\ninterrupted: aborting the migration job\n");
			virDomainAbortJob(dom);
		} else if (progress && !aborted) {
			show_progress(dom, progress);
		}
		g_mutex_lock(&j.lock);
	}
	g_mutex_unlock(&j.lock);
	g_thread_join(t);
	g_mutex_clear(&j.lock);
	g_cond_clear(&j.cond);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (progress)
		fprintf(progress, "\n");
	virTypedParamsFree(j.params, j.nparams);
	if (j.rc == 0)
		return 0;
	if (aborted)
		return mc_error_set(
		    err, 75, ECANCELED,
		    "migration aborted (interrupted): the guest keeps running on the "
		    "source (%s)",
		    j.errmsg);
	char where[200];
	whereabouts(dom, where, sizeof(where));
	return mc_error_set(err, MC_EXIT_UNAVAILABLE, EIO, "migration to %s failed: %s; %s",
			    dest_uri, j.errmsg, where);
}

/* Whether the destination's record is under an incoming migration job:
 * libvirt answers that without taking the job (no wait on its lock). */
static bool incoming_job(virDomainPtr d)
{
	int type = 0, n = 0;
	virTypedParameterPtr p = NULL;
	if (virDomainGetJobStats(d, &type, &p, &n, 0) == 0) {
		virTypedParamsFree(p, n);
		return false;
	}
	return virGetLastErrorCode() == VIR_ERR_OPERATION_UNSUPPORTED;
}

static bool still_there(virConnectPtr c, const unsigned char *uuid)
{
	virDomainPtr d = virDomainLookupByUUID(c, uuid);
	if (!d)
		return virGetLastErrorCode() != VIR_ERR_NO_DOMAIN;
	virDomainFree(d);
	return true;
}

typedef virDomainPtr (*finish3_fn)(virConnectPtr, virTypedParameterPtr, int, const char *, int,
				   char **, int *, unsigned int, int);

/* The destination side's Finish step of a peer-to-peer migration, with
 * cancelled=1: libvirt stops the incoming domain and ends its migration job
 * (qemuMigrationDstFinish). Its wire call has been stable since libvirt
 * 1.1.0 (daemons of different versions migrate to each other), but the
 * client library exports it only as a private symbol, so it is looked up
 * at run time. Returns 0 when the call was made (whatever it answered: it
 * returns no domain when cancelled), else -ENOSYS or -ENOMEM. */
static int finish_cancelled(virConnectPtr c, const char *name, char *why, size_t whysize)
{
	finish3_fn finish = NULL;
	*(void **)&finish = dlsym(RTLD_DEFAULT, "virDomainMigrateFinish3Params");
	if (!finish) {
		g_strlcpy(why, "this libvirt has no Finish call to end the job", whysize);
		return -ENOSYS;
	}
	virTypedParameterPtr p = NULL;
	int n = 0, max = 0;
	if (virTypedParamsAddString(&p, &n, &max, VIR_MIGRATE_PARAM_DEST_NAME, name) < 0)
		return -ENOMEM;
	char *cookie = NULL;
	int cookielen = 0;
	virDomainPtr d = finish(c, p, n, NULL, 0, &cookie, &cookielen,
				VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER, 1);
	if (d)
		virDomainFree(d);
	else
		g_strlcpy(why, mc_libvirt_last_error(), whysize);
	free(cookie);
	virTypedParamsFree(p, n);
	return 0;
}

int mc_migrate_leftover(virDomainPtr src, virConnectPtr dc, const char *dest_uri, bool remove,
			char **msg, mc_error *err)
{
	unsigned char uuid[VIR_UUID_BUFLEN];
	char uuidstr[VIR_UUID_STRING_BUFLEN];
	*msg = NULL;
	if (virDomainGetUUID(src, uuid) < 0 || virDomainGetUUIDString(src, uuidstr) < 0)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EIO, "the guest's UUID: %s",
				    mc_libvirt_last_error());
	virDomainPtr d = virDomainLookupByUUID(dc, uuid);
	if (!d)
		return 0; /* nothing there (or no answer: the migration will say) */
	int state = 0, reason = 0, sstate = 0, sreason = 0, r = 0;
	virDomainJobInfo jinfo = { 0 };
	char *meta = NULL;
	bool paused_unborn = false;
	if (virDomainGetState(d, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED)
		paused_unborn = reason == VIR_DOMAIN_PAUSED_MIGRATION ||
				reason == VIR_DOMAIN_PAUSED_STARTING_UP ||
				reason == VIR_DOMAIN_PAUSED_UNKNOWN;
	if (paused_unborn)
		meta = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, MC_METADATA_NS, 0);
	bool src_running =
	    virDomainGetState(src, &sstate, &sreason, 0) == 0 && sstate == VIR_DOMAIN_RUNNING;
	bool src_job = virDomainGetJobInfo(src, &jinfo) == 0 && jinfo.type != VIR_DOMAIN_JOB_NONE;
	if (!paused_unborn || !meta || !src_running || src_job) {
		r = mc_error_set(
		    err, MC_EXIT_UNAVAILABLE, EEXIST,
		    "%s already has a domain with the guest's UUID %s (state %d, reason "
		    "%d%s%s%s): not migrating; check it there (virsh domstate --reason)",
		    dest_uri, uuidstr, state, reason,
		    paused_unborn && !meta ? ", not stamped by migcheck" : "",
		    !src_running ? ", the guest is not running on the source" : "",
		    src_job ? ", a migration job of the guest is running" : "");
		goto out;
	}
	if (!remove) {
		*msg = g_strdup_printf("%s holds a paused copy of the guest left by a failed "
				       "migration (UUID %s): a migration would remove it first",
				       dest_uri, uuidstr);
		goto out;
	}
	/* The remains of a failed migcheck migration: destroy them. */
	virConnectPtr rw = virConnectOpen(dest_uri);
	virDomainPtr dw = rw ? virDomainLookupByUUID(rw, uuid) : NULL;
	bool gone = false;
	char why[300] = "no read-write connection to the destination";
	/* A daemon killed while it started the incoming QEMU can leave a record
	 * under an incoming-migration job that no thread owns, and never frees:
	 * every job-taking call (destroy, abort, undefine) times out on it.
	 * The one call that takes that job over is the migration protocol's
	 * Finish with cancelled=1, which the source daemon would have sent: it
	 * stops the record and ends the job at once. */
	if (dw && incoming_job(dw) &&
	    finish_cancelled(rw, virDomainGetName(dw), why, sizeof(why)) == 0)
		gone = !still_there(rw, uuid);
	/* A daemon restarted under the incoming migration may still hold the
	 * record's job ("cannot acquire state change lock", after 30 s) while
	 * its own recovery runs: look again, and try once more. */
	for (int attempt = 0; dw && attempt < 2 && !gone; attempt++) {
		if (virDomainDestroy(dw) == 0) {
			gone = true;
			break;
		}
		g_strlcpy(why, mc_libvirt_last_error(), sizeof(why));
		gone = !still_there(rw, uuid); /* libvirt's recovery removed it meanwhile */
	}
	if (!gone) {
		r = mc_error_set(
		    err, MC_EXIT_UNAVAILABLE, EIO,
		    "%s holds a paused copy of the guest left by a failed migration "
		    "(UUID %s), which could not be removed: %s; on the destination, stop "
		    "the libvirt daemon, delete the domain's status file "
		    "(/run/libvirt/qemu/%s.xml: a restart alone reloads it), start the "
		    "daemon, then migrate again",
		    dest_uri, uuidstr, why, virDomainGetName(d));
	} else {
		*msg =
		    g_strdup_printf("%s held a paused copy of the guest left by a failed "
				    "migration (UUID %s, migcheck's metadata, never started there, "
				    "the guest running on the source): removed",
				    dest_uri, uuidstr);
	}
	if (dw)
		virDomainFree(dw);
	if (rw)
		virConnectClose(rw);
out:
	free(meta);
	virDomainFree(d);
	return r;
}
