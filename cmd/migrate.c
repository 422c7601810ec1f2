#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/libvirt/domxml.h"
#include "core/libvirt/hostmap.h"
#include "core/libvirt/migrate.h"
#include "core/planner/planner.h"
#include "probes/libvirt.h"
#include "core/report/report.h"
#include "cmd/cmd.h"

#ifndef MC_LIGHT /* the code links libvirt or libcurl: cmd/cmd.h */
static int run(mc_ctx *ctx, int argc, char **argv);
#endif

const mc_verb mc_verb_migrate = {
	"migrate",
	MC_HEAVY_RUN(run),
	"plan a libvirt guest's live migration, then perform it",
	"Usage: migcheck [--db PATH] migrate DOMAIN DEST_URI [-c URI] [--dry-run]\n"
	"                [--pin NAME=VALUE]... [--migrate-uri URI] [--bandwidth MIB]\n"
	"                [--switchover-bandwidth MIB] [--src-profile WHAT]\n"
	"                [--dst-profile WHAT] [--hostdev-map SRC=DST]...\n"
	"\n"
	"Connect to the source libvirt (-c, default as virsh), look the guest DOMAIN\n"
	"up, identify both hosts in the inventory (by libvirt's host name, then its\n"
	"host UUID), plan the guest's actual configuration (machine type, CPU model\n"
	"and disabled features, PCI host devices, the pins recorded in its migcheck\n"
	"metadata, then --pin) from the source's profile to the destination's, and\n"
	"print the plan. VFIO host devices (<hostdev type='pci'> and type='mdev'):\n"
	"each moves to a destination device of the same kind, mdev type or PCI ids,\n"
	"driver and driver version that the destination profile's vfio facts show\n"
	"free (opened by the probe) and able to resume VFIO migration state, that\n"
	"no running domain on the destination holds and that this migration has\n"
	"not taken (the same name first, else sorted order); --hostdev-map\n"
	"overrides the choice. The mapping is printed first, the plan checks it\n"
	"(pin HOSTDEV_DST) and the destination gets the domain XML with the new\n"
	"sources (VIR_MIGRATE_PARAM_DEST_XML, PERSIST_XML). Blocked: exit 2, no\n"
	"libvirt job is started and the guest is untouched. Otherwise stamp the domain's "
	"<metadata> with the source host,\n"
	"profile (id and facts) and pins (schemas/metadata.rng), and migrate it live,\n"
	"peer to peer (VIR_MIGRATE_LIVE | PEER2PEER | ABORT_ON_ERROR, plus\n"
	"PERSIST_DEST | UNDEFINE_SOURCE for a persistent domain) with\n"
	"virDomainMigrateToURI3. On a terminal a progress bar shows data remaining,\n"
	"rate and expected downtime; Ctrl-C aborts the job (virDomainAbortJob) and\n"
	"the guest keeps running on the source.\n"
	"\n"
	"  -c, --connect URI    source libvirt (default: $LIBVIRT_DEFAULT_URI or\n"
	"                       libvirt's default, as virsh)\n"
	"  --dry-run            plan and print, do not touch the domain\n"
	"  --pin NAME=VALUE     guest configuration beyond what the XML says\n"
	"  --migrate-uri URI    data connection (tcp://ADDR), when the destination's\n"
	"                       host name does not resolve to it\n"
	"  --bandwidth MIB      limit the migration to MIB MiB/s\n"
	"  --switchover-bandwidth MIB  the bandwidth QEMU may count on for the\n"
	"                       switchover (libvirt 11.1+, QEMU 8.2+): without it QEMU\n"
	"                       estimates it from the last pass, and a guest whose\n"
	"                       device state is large next to its dirty pages may\n"
	"                       never switch over\n"
	"  --src-profile WHAT   use this host name, profile id or file as the source\n"
	"  --dst-profile WHAT   ... as the destination (e.g. a profile exported on the\n"
	"                       destination: ssh B migcheck export B > b.facts)\n"
	"  --hostdev-map SRC=DST  move host device SRC (mdev UUID or PCI address\n"
	"                       DDDD:BB:SS.F) to DST on the destination (repeatable)\n"
	"\n"
	"A host device without device dirty tracking (source fact dma_logging not 1)\n"
	"whose QEMU property enable-migration is not on (<qemu:override>) gets a\n"
	"warning: QEMU 8.1+ (enable-migration=auto) lists it as a migration blocker.\n"
	"\n"
	"Exit status: 0 migrated (or --dry-run: compatible); 1 --dry-run: compatible\n"
	"with actions; 2 blocked (not migrated); 3 no destination device fits a host\n"
	"device (not migrated; one line names it and why each candidate was\n"
	"refused); 64 usage; 65 bad input (guest not running, malformed metadata);\n"
	"66 unknown domain, host without inventory entry, a host device the source\n"
	"profile does not list; 69 libvirt unreachable or the migration failed; 75\n"
	"aborted by Ctrl-C.\n",
};

#ifndef MC_LIGHT

/* A host's profile: --*-profile, else the inventory by host name, then by
 * libvirt's host UUID. */
static int host_profile(mc_ctx *ctx, mc_db **db, const char *side, const char *override,
			virConnectPtr c, const char *uri, mc_named_profile *out, mc_error *err)
{
	if (override)
		return mc_resolve_profile(ctx, db, override, out, err);
	g_autofree char *hostname = NULL, *uuid = NULL;
	int r = mc_lv_identify(c, uri, &hostname, NULL, err);
	if (r < 0)
		return r;
	if (!*db && !(*db = mc_ctx_open_db(ctx, MC_DB_READ, err)))
		return -ENOENT;
	mc_db_host_copy hc = { 0 };
	mc_error sub = { 0 };
	if (mc_db_get_host(*db, hostname, &hc, &sub) < 0) {
		/* not by name: by libvirt's host UUID (fetched only now: it costs a
		 * capabilities round trip) */
		mc_error sub2 = { 0 };
		g_autofree char *h2 = NULL;
		if (sub.errnum == ENOENT)
			mc_lv_identify(c, uri, &h2, &uuid, &sub2);
		if (sub.errnum != ENOENT || !uuid ||
		    mc_db_get_host_by_uuid(*db, uuid, &hc, &sub2) < 0)
			return mc_error_set(
			    err, sub.errnum == ENOENT ? MC_EXIT_NOINPUT : sub.exit_code, sub.errnum,
			    "%s host '%s' (libvirt host UUID %s) has no inventory entry in %s: run "
			    "'migcheck probe' there and import its profile, or pass --%s-profile",
			    side, hostname, uuid ? uuid : "unknown", mc_db_path(*db), side);
	}
	int rc = mc_resolve_profile(ctx, db, hc.h.profile_id, out, err);
	if (rc == 0) {
		g_free(out->label);
		out->label = g_strdup_printf("host %s", hc.h.name);
		g_free(out->host);
		out->host = g_strdup(hc.h.name);
	}
	mc_db_host_free(&hc);
	return rc;
}

static int lv_fail(mc_error *err, int code, const char *what)
{
	return mc_error_set(err, code, EIO, "%s: %s", what, mc_libvirt_last_error());
}

/* A copy of the guest on the destination left by an earlier failed
 * migration would make this one fail ("already active"): name it (and with
 * `remove`, destroy it), one line on stdout. */
static int leftover(virDomainPtr dom, virConnectPtr dc, const char *dest_uri, bool remove,
		    const char *shown, mc_error *err)
{
	char *found = NULL;
	if (mc_migrate_leftover(dom, dc, dest_uri, remove, &found, err) < 0)
		return mc_error_prefix(err, "%s", shown);
	if (found)
		printf("%s: %s\n", shown, found);
	g_free(found);
	return 0;
}

/* The VFIO host devices the destination's running domains hold (other than
 * a copy of this guest, which `leftover` handles). */
static int held_devices(virConnectPtr dc, virDomainPtr dom, mc_hostmap *hm, mc_error *err)
{
	virDomainPtr *doms = NULL;
	char self[VIR_UUID_STRING_BUFLEN] = "";
	virDomainGetUUIDString(dom, self);
	int n = virConnectListAllDomains(dc, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0)
		return lv_fail(err, MC_EXIT_UNAVAILABLE, "listing the destination's domains");
	for (int i = 0; i < n; i++) {
		char u[VIR_UUID_STRING_BUFLEN] = "";
		char *x = virDomainGetUUIDString(doms[i], u) == 0 && strcmp(u, self) != 0
			      ? virDomainGetXMLDesc(doms[i], 0)
			      : NULL;
		const char *dn = virDomainGetName(doms[i]);
		mc_guest *o = x ? mc_guest_from_xml(x, strlen(x), dn ? dn : u, NULL) : NULL;
		for (size_t k = 0; o && k < o->n_hostdevs; k++)
			mc_hostmap_add_held(hm, o->hostdevs[k].id, o->name);
		mc_guest_free(o);
		free(x);
		virDomainFree(doms[i]);
	}
	free(doms);
	return 0;
}

/* Warn about host devices QEMU would refuse to migrate: without device
 * dirty tracking, enable-migration=auto (QEMU's default) makes the device a
 * migration blocker (QEMU 8.1+, hw/vfio/migration.c). */
static void warn_enable_migration(const mc_guest *g, const mc_facts *src, const char *shown)
{
	for (size_t i = 0; i < g->n_hostdevs; i++) {
		const mc_hostdev *h = &g->hostdevs[i];
		g_autofree char *key = g_strdup_printf("%s.dma_logging", h->id);
		const char *dl = mc_facts_get(src, "vfio.dev", key);
		if ((dl && !strcmp(dl, "1")) ||
		    (h->enable_migration && !strcmp(h->enable_migration, "on")))
			continue;
		fprintf(stderr,
			"migcheck: warning: %s: host device %s (%s) has no device dirty tracking "
			"(source fact dma_logging=%s) and QEMU's enable-migration is %s: QEMU "
			"8.1+ then lists it as a migration blocker and the job fails at once "
			"(guest untouched); set <qemu:override><qemu:device alias='%s'>"
			"<qemu:frontend><qemu:property name='enable-migration' type='string' "
			"value='on'/> (xmlns:qemu='%s')\n",
			shown, h->id, h->alias ? h->alias : "no alias", dl ? dl : "unknown",
			h->enable_migration ? h->enable_migration : "auto (not set)",
			h->alias ? h->alias : "hostdevN", MC_QEMU_NS);
	}
}

/* The domain XML (flags: VIR_DOMAIN_XML_*) with the host device sources the
 * mapping chose, or NULL with err set. */
static char *mapped_xml(virDomainPtr dom, unsigned flags, const mc_hostmap *hm, bool all,
			const char *what, mc_error *err)
{
	char *x =
	    virDomainGetXMLDesc(dom, flags | VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_MIGRATABLE);
	if (!x) {
		lv_fail(err, MC_EXIT_UNAVAILABLE, what);
		return NULL;
	}
	size_t n = mc_hostmap_count(hm), k = 0;
	const char **from = g_new0(const char *, n + 1), **to = g_new0(const char *, n + 1);
	for (size_t i = 0; i < n; i++) {
		const char *s, *d, *how;
		mc_hostmap_at(hm, i, &s, &d, &how);
		if (d) {
			from[k] = s;
			to[k++] = d;
		}
	}
	char *out = mc_domxml_map_hostdevs(x, strlen(x), what, from, to, k, all, err);
	g_free(from);
	g_free(to);
	free(x);
	return out;
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "pin", required_argument, NULL, 'p' },
		{ "migrate-uri", required_argument, NULL, 'm' },
		{ "src-profile", required_argument, NULL, 's' },
		{ "dst-profile", required_argument, NULL, 'd' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ "switchover-bandwidth", required_argument, NULL, 'w' },
		{ "hostdev-map", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *src_uri = NULL, *mig_uri = NULL, *src_override = NULL, *dst_override = NULL;
	bool dry = false;
	unsigned long long bandwidth = 0, switchover_bw = 0;
	mc_error err = { 0 };
	mc_pins *cli_pins = mc_pins_new(), *pins = NULL;
	mc_autodb *db = NULL;
	mc_named_profile sp = { 0 }, dp = { 0 };
	virConnectPtr sc = NULL, dc = NULL;
	virDomainPtr dom = NULL;
	char *xml = NULL;
	g_autofree char *label = NULL, *meta = NULL, *shown = NULL;
	mc_guest *g = NULL;
	mc_plan *plan = NULL;
	mc_hostmap *hm = mc_hostmap_new();
	g_autofree char *dest_xml = NULL, *persist_xml = NULL;
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			src_uri = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'p':
			if (mc_ctx_parse_pin(ctx, cli_pins, optarg, &err) < 0) {
				rc = mc_report(&err);
				goto out;
			}
			break;
		case 'm':
			mig_uri = optarg;
			break;
		case 'H':
			if (mc_hostmap_add_override(hm, optarg, &err) < 0) {
				rc = mc_report(&err);
				goto out;
			}
			break;
		case 's':
			src_override = optarg;
			break;
		case 'd':
			dst_override = optarg;
			break;
		case 'b':
		case 'w': {
			char *end = NULL;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || *end || !v || *optarg == '-') {
				rc = mc_usage(&mc_verb_migrate, "%s '%s': expected MiB/s > 0",
					      c == 'b' ? "bandwidth" : "switchover-bandwidth",
					      optarg);
				goto out;
			}
			*(c == 'b' ? &bandwidth : &switchover_bw) = v;
			break;
		}
		default:
			rc = mc_bad_option(&mc_verb_migrate, argv, opts);
			goto out;
		}
	}
	if (optind + 2 != argc) {
		rc = mc_usage(&mc_verb_migrate, "expected DOMAIN and DEST_URI");
		goto out;
	}
	const char *dname = argv[optind], *dest_uri = argv[optind + 1];
	/* the name for messages: one line, no terminal escape sequences */
	char *shown_raw = mc_strescape_ctl(dname);
	shown = g_strdup(shown_raw ? shown_raw : "?");
	free(shown_raw);
	mc_libvirt_quiet();
	if (!(sc = virConnectOpen(src_uri))) {
		lv_fail(&err, MC_EXIT_UNAVAILABLE, src_uri ? src_uri : "default libvirt URI");
		rc = mc_report(&err);
		goto out;
	}
	mc_log(MC_LOG_VERBOSE, "libvirt: connected to the source, %s",
	       src_uri ? src_uri : "default URI");
	const char *suri = src_uri ? src_uri : "source libvirt";
	if (!(dom = virDomainLookupByName(sc, dname))) {
		virErrorPtr e = virGetLastError();
		if (e && e->code == VIR_ERR_NO_DOMAIN)
			mc_error_set(&err, MC_EXIT_NOINPUT, ENOENT, "%s: no domain '%s'", suri,
				     dname);
		else
			lv_fail(&err, MC_EXIT_UNAVAILABLE, dname);
		rc = mc_report(&err);
		goto out;
	}
	if (virDomainIsActive(dom) != 1) {
		mc_error_set(&err, MC_EXIT_DATAERR, EINVAL,
			     "%s: domain is not running: nothing to migrate live", dname);
		rc = mc_report(&err);
		goto out;
	}
	if (!(xml = virDomainGetXMLDesc(dom, 0))) {
		lv_fail(&err, MC_EXIT_UNAVAILABLE, dname);
		rc = mc_report(&err);
		goto out;
	}
	label = g_strdup_printf("domain %s", dname);
	if (!(g = mc_guest_from_xml(xml, strlen(xml), label, &err)) ||
	    mc_ctx_check_guest_pins(ctx, g, label, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	pins = mc_pins_dup(g->pins);
	for (size_t i = 0; i < mc_pins_count(cli_pins); i++) {
		const char *n, *v;
		mc_pins_at(cli_pins, i, &n, &v);
		mc_pins_set(pins, n, v, NULL);
	}
	if (!(dc = virConnectOpenReadOnly(dest_uri))) {
		lv_fail(&err, MC_EXIT_UNAVAILABLE, dest_uri);
		rc = mc_report(&err);
		goto out;
	}
	mc_log(MC_LOG_VERBOSE, "libvirt: connected to the destination, %s (read-only)", dest_uri);
	if (host_profile(ctx, &db, "src", src_override, sc, suri, &sp, &err) < 0 ||
	    host_profile(ctx, &db, "dst", dst_override, dc, dest_uri, &dp, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	if (g->n_hostdevs) {
		if (held_devices(dc, dom, hm, &err) < 0 ||
		    mc_hostmap_choose(hm, g, sp.facts, dp.facts, &err) < 0) {
			mc_error_prefix(&err, "%s", shown);
			rc = mc_report(&err);
			goto out;
		}
		for (size_t i = 0; i < mc_hostmap_count(hm); i++) {
			const char *hs, *hd, *how;
			mc_hostmap_at(hm, i, &hs, &hd, &how);
			printf("hostdev %s -> %s (%s)\n", hs, hd ? hd : "none", how);
		}
		g_autofree char *hpin = mc_hostmap_pin(hm);
		mc_pins_set(pins, "HOSTDEV_DST", hpin, NULL);
		warn_enable_migration(g, sp.facts, shown);
	}
	if (!(plan = mc_plan_compute(mc_ctx_plan_env_for(ctx, sp.facts, dp.facts, pins), sp.facts,
				     dp.facts, pins, &err))) {
		mc_error_prefix(&err, "%s", dname);
		rc = mc_report(&err);
		goto out;
	}
	mc_report_side ss = { sp.label, sp.id }, ds = { dp.label, dp.id };
	if (mc_report_plan(stdout, MC_FMT_TEXT, plan, &ss, &ds, pins, ctx->color, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	fflush(stdout);
	mc_level worst = mc_plan_worst(plan);
	if (worst == MC_V_BLOCKED) {
		fprintf(stderr,
			"migcheck: %s: the plan is blocked: not migrating (the guest keeps running "
			"on %s)\n",
			shown, sp.label);
		rc = MC_EXIT_BLOCKED;
		goto out;
	}
	int persistent = virDomainIsPersistent(dom);
	unsigned flags = MC_MIGRATE_FLAGS | (persistent == 1 ? MC_MIGRATE_FLAGS_PERSISTENT : 0);
	if (dry) {
		if (leftover(dom, dc, dest_uri, false, shown, &err) < 0) {
			rc = mc_report(&err);
			goto out;
		}
		printf("dry run: would stamp %s's metadata and migrate it to %s (flags 0x%x%s)\n",
		       shown, dest_uri, flags, persistent == 1 ? ", persistent" : "");
		rc = (int)worst;
		goto out;
	}
	meta = mc_metadata_build(sp.host ? sp.host : sp.label, sp.facts, pins, time(NULL), &err);
	if (!meta) {
		rc = mc_report(&err);
		goto out;
	}
	unsigned affect = VIR_DOMAIN_AFFECT_LIVE | (persistent == 1 ? VIR_DOMAIN_AFFECT_CONFIG : 0);
	if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, meta, MC_METADATA_KEY,
				 MC_METADATA_NS, affect) < 0) {
		lv_fail(&err, MC_EXIT_UNAVAILABLE, "stamping the domain's metadata");
		mc_error_prefix(&err, "%s", dname);
		rc = mc_report(&err);
		goto out;
	}
	if (leftover(dom, dc, dest_uri, true, shown, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	/* after the stamp: the destination's XML carries it */
	if (g->n_hostdevs &&
	    (!(dest_xml = mapped_xml(dom, 0, hm, true, "destination XML", &err)) ||
	     (persistent == 1 && !(persist_xml = mapped_xml(dom, VIR_DOMAIN_XML_INACTIVE, hm, false,
							    "persistent XML", &err))))) {
		mc_error_prefix(&err, "%s", shown);
		rc = mc_report(&err);
		goto out;
	}
	if (dest_xml) {
		mc_guest *dg =
		    mc_guest_from_xml(dest_xml, strlen(dest_xml), "destination XML", NULL);
		const char *hd = dg ? mc_pins_get(dg->pins, "HOSTDEV") : NULL;
		mc_log(
		    MC_LOG_VERBOSE,
		    "libvirt: destination XML (VIR_MIGRATE_PARAM_DEST_XML%s) with host devices %s",
		    persist_xml ? ", PERSIST_XML" : "", hd ? hd : "?");
		mc_guest_free(dg);
	}
	gint64 t0 = g_get_monotonic_time();
	FILE *progress = isatty(STDERR_FILENO) ? stderr : NULL;
	if (mc_migrate_job(dom, dest_uri, mig_uri, dest_xml, persist_xml, bandwidth, switchover_bw,
			   flags, progress, &err) < 0) {
		mc_error_prefix(&err, "%s", shown);
		/* After the failure: what the destination holds now (a fresh
		 * connection: the old one may have died with its daemon), in the
		 * same one-line message. */
		virConnectPtr dc2 = virConnectOpenReadOnly(dest_uri);
		mc_error e2 = { 0 };
		char *left = NULL;
		const char *extra = NULL;
		if (dc2 && mc_migrate_leftover(dom, dc2, dest_uri, false, &left, &e2) < 0)
			extra = e2.msg;
		else if (left)
			extra = left;
		if (extra) {
			g_autofree char *m = g_strdup(err.msg);
			int code = err.exit_code, num = err.errnum;
			mc_error_clear(&err);
			mc_error_set(&err, code, num, "%s; after the failure: %s", m, extra);
		}
		g_free(left);
		if (dc2)
			virConnectClose(dc2);
		rc = mc_report(&err);
		goto out;
	}
	printf("migrated %s to %s in %.2f s\n", shown, dp.label,
	       (double)(g_get_monotonic_time() - t0) / 1e6);
	rc = 0;
out:
	mc_hostmap_free(hm);
	mc_plan_free(plan);
	mc_guest_free(g);
	free(xml);
	if (dom)
		virDomainFree(dom);
	if (dc)
		virConnectClose(dc);
	if (sc)
		virConnectClose(sc);
	mc_named_profile_clear(&sp);
	mc_named_profile_clear(&dp);
	mc_pins_free(cli_pins);
	mc_pins_free(pins);
	return rc;
}
#endif /* MC_LIGHT */
