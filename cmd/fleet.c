#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fleet/fleet.h"
#include "core/fleet/http.h"
#include "cmd/cmd.h"

#ifndef MC_LIGHT /* the code links libvirt or libcurl: cmd/cmd.h */
static int run(mc_ctx *ctx, int argc, char **argv);
#endif

const mc_verb mc_verb_fleet = {
	"fleet",
	MC_HEAVY_RUN(run),
	"exchange host profiles with a fleet store over HTTP(S) (push, pull)",
	"Usage: migcheck [--db PATH] fleet push [URL] [--host NAME] [--probe] [OPTIONS]\n"
	"       migcheck [--db PATH] fleet pull [URL] [OPTIONS]\n"
	"\n"
	"push uploads host NAME of the inventory (default: this host's name) to the\n"
	"store at URL: its profile as URL/profiles/ID.xml (content-addressed; skipped\n"
	"when a HEAD says the store has it) and its record as URL/hosts/NAME.xml. It\n"
	"writes no file another host writes: at most three requests, whatever the\n"
	"size of the fleet, and concurrent pushes lose nothing.\n"
	"pull lists URL/hosts/ (WebDAV PROPFIND, or S3 ListObjectsV2 with --s3),\n"
	"fetches every host record (8 at once), merges URL/index.xml when the store\n"
	"has one (the old layout; per host the latest probe wins), fetches only the\n"
	"profiles the inventory lacks, checks every profile against the id it is\n"
	"stored under, and imports all host records in one transaction: on any error\n"
	"nothing is imported. Hosts the inventory has a newer probe of are left alone.\n"
	"\n"
	"The store is a WebDAV server accepting PUT and PROPFIND (nginx: dav_methods\n"
	"PUT and the dav_ext module), or an S3-compatible object store with --s3.\n"
	"Defaults come from the [fleet] group of the\n"
	"configuration file (--config, else $MIGCHECK_CONF, else " MC_CONF_FILE "),\n"
	"a key file with keys url, host, db, cacert, insecure, s3-region, timeout;\n"
	"options override it (the old " MC_CONF_OLD_FLEET " with 'key = value' lines\n"
	"is read when that file is missing, with a notice).\n"
	"\n"
	"  --host NAME            push: the host to upload (default: conf, else the\n"
	"                         host name)\n"
	"  --probe                push: probe this host into the inventory first\n"
	"                         (what the nightly timer runs)\n"
	"  --config FILE          configuration file (must exist)\n"
	"  --cacert FILE          CA certificates for the store's TLS certificate\n"
	"  --insecure             do not verify the TLS certificate\n"
	"  --s3 REGION            sign requests with AWS SigV4 (service s3); credentials\n"
	"                         from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
	"                         optionally AWS_SESSION_TOKEN (never printed), as\n"
	"                         NAME=VALUE lines in $CREDENTIALS_DIRECTORY/" MC_CREDENTIAL_S3
	" (systemd's\n"
	"                         LoadCredential=), else in the environment\n"
	"  --credentials FILE     with --s3: read those three as NAME=VALUE lines from\n"
	"                         FILE instead of the environment; FILE must be owned\n"
	"                         by root (or you) and not group/world accessible\n"
	"  --connect-timeout SEC  connection timeout (default 10)\n"
	"  --timeout SEC          time limit per transfer (default 120)\n"
	"  --retries N            extra attempts (default 3) on connection errors,\n"
	"                         timeouts, bodies cut short and HTTP 408, 429 and 5xx;\n"
	"                         the wait doubles from 250 ms (up to 8 s) with random\n"
	"                         jitter, or is the server's Retry-After (seconds or an\n"
	"                         HTTP date, up to 60 s)\n"
	"  --deadline SEC         all transfers of this run together, retries included\n"
	"                         (default 900): then exit 69\n"
	"  --max-bytes N[K|M]     refuse responses larger than this (default 64M)\n"
	"  --max-keys N           pull --s3: keys per listing page (default 1000)\n"
	"\n"
	"A progress line is shown on a terminal (stderr). With -v (migcheck -v fleet\n"
	"...) every request, its answer and every retry is shown on stderr; with\n"
	"--debug also the request and response headers, credentials masked.\n"
	"\n"
	"Exit status: 0 done; 64 usage (no URL, bad option, --s3 without credentials,\n"
	"a password in the URL); 65 bad content (malformed listing, host record, index\n"
	"or profile, a profile whose content does not match its id, a response over\n"
	"--max-bytes, a bad configuration file); 66 no such host in the inventory,\n"
	"nothing pushed at URL; 69 store unreachable, HTTP 5xx after the retries, TLS\n"
	"verification failure, a server that cannot list hosts/ (PROPFIND); 74\n"
	"I/O error; 77 HTTP 401/403, a credentials file others can read or that root\n"
	"or you do not own.\n",
};

#ifndef MC_LIGHT

static bool parse_seconds(const char *s, long *ms)
{
	char *end;
	double v = g_ascii_strtod(s, &end);
	if (*end || end == s || v <= 0 || v > 86400)
		return false;
	*ms = (long)(v * 1000);
	return *ms > 0;
}

static bool parse_size(const char *s, size_t *out)
{
	char *end;
	guint64 v = g_ascii_strtoull(s, &end, 10);
	if (end == s)
		return false;
	guint64 mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024 * 1024 * 1024, end++;
	if (*end || v == 0 || v > (G_MAXSIZE / mul))
		return false;
	*out = (size_t)(v * mul);
	return true;
}

static void progress(const char *phase, size_t done, size_t total, void *opaque)
{
	(void)opaque;
	fprintf(stderr, "\rmigcheck fleet pull: %s %zu/%zu   ", phase, done, total);
	fflush(stderr);
}

static int do_probe(mc_ctx *ctx, const char *host)
{
	char *pargv[] = { (char *)"probe", (char *)"--host", (char *)host, NULL };
	return mc_verb_probe.run(ctx, 3, pargv);
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "probe", no_argument, NULL, 'P' },
		{ "config", required_argument, NULL, 'c' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "s3", required_argument, NULL, 's' },
		{ "credentials", required_argument, NULL, 'A' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'r' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "max-keys", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = NULL, *config = NULL, *cacert = NULL, *s3 = NULL, *cred = NULL;
	bool insecure = false, probe = false;
	mc_http_opts ho = { .retries = -1 };
	mc_fleet_pull_opts po = { 0 };
	mc_fleet_conf conf = { 0 };
	mc_error err = { 0 };
	mc_http *h = NULL;
	mc_db *db = NULL;
	g_autofree char *default_host = NULL, *cred_dir_file = NULL, *shown = NULL;
	int c, rc = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			host = optarg;
			break;
		case 'P':
			probe = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 'C':
			cacert = optarg;
			break;
		case 'k':
			insecure = true;
			break;
		case 's':
			s3 = optarg;
			break;
		case 'A':
			cred = optarg;
			break;
		case 'T':
			if (!parse_seconds(optarg, &ho.connect_timeout_ms))
				return mc_usage(&mc_verb_fleet, "bad --connect-timeout '%s'",
						optarg);
			break;
		case 't':
			if (!parse_seconds(optarg, &ho.timeout_ms))
				return mc_usage(&mc_verb_fleet, "bad --timeout '%s'", optarg);
			break;
		case 'r': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n < 0 || n > 10)
				return mc_usage(&mc_verb_fleet, "bad --retries '%s' (0..10)",
						optarg);
			ho.retries = (int)n;
			break;
		}
		case 'D':
			if (!parse_seconds(optarg, &ho.deadline_ms))
				return mc_usage(&mc_verb_fleet, "bad --deadline '%s'", optarg);
			break;
		case 'K': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n < 1 || n > 1000)
				return mc_usage(&mc_verb_fleet, "bad --max-keys '%s' (1..1000)",
						optarg);
			po.max_keys = (int)n;
			break;
		}
		case 'm':
			if (!parse_size(optarg, &ho.max_bytes))
				return mc_usage(&mc_verb_fleet, "bad --max-bytes '%s'", optarg);
			break;
		default:
			return mc_bad_option(&mc_verb_fleet, argv, opts);
		}
	}
	if (optind >= argc)
		return mc_usage(&mc_verb_fleet, "expected push or pull");
	const char *sub = argv[optind++];
	bool push = strcmp(sub, "push") == 0;
	if (!push && strcmp(sub, "pull") != 0)
		return mc_usage(&mc_verb_fleet, "unknown subcommand '%s' (push or pull)", sub);
	if (!push && (host || probe))
		return mc_usage(&mc_verb_fleet, "--host and --probe are for push");
	if (push && po.max_keys)
		return mc_usage(&mc_verb_fleet, "--max-keys is for pull");
	if (optind + 1 < argc)
		return mc_usage(&mc_verb_fleet, "expected at most one URL");

	/* --config, $MIGCHECK_CONF, else the configuration file, else the old
	 * one */
	const char *env_conf = g_getenv("MIGCHECK_CONF");
	const char *conf_path = config ? config : env_conf && *env_conf ? env_conf : MC_CONF_FILE;
	rc = mc_fleet_conf_load(conf_path, !config, &conf, &err);
	if (rc == 0 && !conf.loaded && !config && !(env_conf && *env_conf)) {
		conf_path = MC_CONF_OLD_FLEET;
		rc = mc_fleet_conf_load(conf_path, true, &conf, &err);
	}
	if (rc < 0) {
		rc = mc_report(&err);
		goto out;
	}
	if (conf.legacy) {
		g_autofree char *what = g_strdup_printf("%s ('key = value' lines)", conf_path);
		mc_deprecated(what, "move the settings to the [fleet] group of " MC_CONF_FILE);
	}
	const char *url = optind < argc ? argv[optind] : conf.url;
	if (!url) {
		rc = mc_usage(&mc_verb_fleet, "no store URL (give URL, or url= in [fleet] of %s)",
			      conf_path);
		goto out;
	}
	if (mc_http_url_check(url, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	shown = mc_url_for_humans(url);
	if (!ctx->db_path && !(g_getenv("MIGCHECK_DB") && *g_getenv("MIGCHECK_DB")) && conf.db)
		ctx->db_path = conf.db;
	ho.insecure = insecure || conf.insecure;
	ho.cacert = cacert ? cacert : conf.cacert;
	ho.s3_region = s3 ? s3 : conf.s3_region;
	ho.credentials = cred ? cred : conf.credentials;
	if (!cred && conf.credentials) {
		g_autofree char *what =
		    g_strdup_printf("credentials = %s in %s", conf.credentials, conf_path);
		mc_deprecated(what, "give the file to the unit as LoadCredential=" MC_CREDENTIAL_S3
				    ":FILE");
	}
	/* systemd's LoadCredential=s3:FILE (an empty one, the unit's
	 * SetCredential= default, means none) */
	const char *cred_dir = g_getenv("CREDENTIALS_DIRECTORY");
	if (!ho.credentials && ho.s3_region && cred_dir && *cred_dir) {
		struct stat st;
		cred_dir_file = g_build_filename(cred_dir, MC_CREDENTIAL_S3, NULL);
		if (lstat(cred_dir_file, &st) == 0 && st.st_size > 0)
			ho.credentials = cred_dir_file;
	}
	if (ho.credentials && !ho.s3_region) {
		rc = mc_usage(&mc_verb_fleet, "--credentials is for --s3");
		goto out;
	}
	if (!ho.timeout_ms && conf.timeout_s)
		ho.timeout_ms = conf.timeout_s * 1000;
	if (ho.cacert && access(ho.cacert, R_OK) != 0) {
		mc_error_set(&err, 0, errno, "%s: CA certificates: %s", ho.cacert,
			     g_strerror(errno));
		rc = mc_report(&err);
		goto out;
	}
	if (!(h = mc_http_new(&ho, &err))) {
		rc = mc_report(&err);
		goto out;
	}
	mc_fleet_stats st = { 0 };
	long reqs = 0;
	long long bytes = 0;
	if (push) {
		if (!host)
			host = conf.host;
		if (!host)
			host = default_host = g_strdup(g_get_host_name());
		if (!mc_fleet_name_ok(host)) {
			rc = mc_usage(&mc_verb_fleet,
				      "host name '%s' is not usable in a fleet store "
				      "([A-Za-z0-9][A-Za-z0-9._-]*)",
				      host);
			goto out;
		}
		if (probe && (rc = do_probe(ctx, host)) != 0)
			goto out;
		if (!(db = mc_ctx_open_db(ctx, MC_DB_READ, &err)) ||
		    mc_fleet_push(h, url, db, host, &st, &err) < 0) {
			rc = mc_report(&err);
			goto out;
		}
		mc_http_stats(h, &reqs, NULL);
		printf("pushed host %s to %s: profile %.12s %s; record hosts/%s.xml written; "
		       "%ld requests\n",
		       host, shown, st.profile,
		       st.profiles_fetched ? "uploaded" : "already in the store", host, reqs);
	} else {
		bool tty = isatty(STDERR_FILENO);
		if (!(db = mc_ctx_open_db(ctx, MC_DB_WRITE, &err))) {
			rc = mc_report(&err);
			goto out;
		}
		if (po.max_keys && !ho.s3_region) {
			rc = mc_usage(&mc_verb_fleet, "--max-keys is for --s3");
			goto out;
		}
		po.s3 = ho.s3_region != NULL;
		int r = mc_fleet_pull(h, url, db, &po, tty ? progress : NULL, NULL, &st, &err);
		if (tty)
			fputs("\r\033[K", stderr);
		if (r < 0) {
			rc = mc_report(&err);
			goto out;
		}
		mc_http_stats(h, &reqs, &bytes);
		if (st.index_only)
			fprintf(
			    stderr,
			    "migcheck: warning: %s: the server cannot list hosts/ (no PROPFIND): "
			    "read index.xml alone; hosts pushed since the store's last "
			    "index.xml update are missing\n",
			    shown);
		printf("pulled %ld hosts over %ld profiles from %s (%ld records in hosts/, %ld "
		       "index.xml entries): %ld profiles fetched, %ld already local; %ld hosts "
		       "stored, %ld unchanged, %ld newer locally, %ld "
		       "probed in the future (ignored); %ld requests, %lld bytes\n",
		       st.hosts, st.profiles, shown, st.hosts_listed, st.hosts_index,
		       st.profiles_fetched, st.profiles_present, st.hosts_stored,
		       st.hosts_unchanged, st.hosts_newer_local, st.hosts_future, reqs, bytes);
	}
	rc = 0;
out:
	mc_db_close(db);
	mc_http_free(h);
	if (ctx->db_path == conf.db)
		ctx->db_path = NULL;
	mc_fleet_conf_clear(&conf);
	return rc;
}
#endif /* MC_LIGHT */
