#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/libvirt/domxml.h"
#include "core/planner/planner.h"
#include "probes/probe.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

#define MAX_STDIN (16u << 20)

const mc_verb mc_verb_hook = {
	"hook",
	run,
	"libvirt qemu hook: refuse an unsafe incoming migration",
	"Usage: migcheck [--db PATH] hook [--config FILE] [--profile WHAT]\n"
	"                [--missing-metadata allow|deny] [--timeout SEC] [--stdin-copy FILE]\n"
	"                DOMAIN OPERATION SUB-OPERATION EXTRA\n"
	"\n"
	"Run by libvirt as the drop-in /etc/libvirt/hooks/qemu.d/migcheck\n"
	"(installed by the package, or by install-hook.sh).\n"
	"Only 'DOMAIN migrate begin -' does anything; every other call exits 0 at once.\n"
	"On the destination it reads the domain XML from stdin, takes the source\n"
	"profile from the guest's migcheck metadata (embedded and checked against its\n"
	"id, else the inventory), and plans the guest's configuration against this\n"
	"host's profile: --profile, else this host's inventory entry (its host name),\n"
	"else a live probe (the static probes; libvirt is never called from its own\n"
	"hook). Blocked: one line on stderr (libvirt shows it to the operator) and\n"
	"exit 2, and libvirt refuses the migration. A guest without migcheck metadata\n"
	"is checked as far as its XML allows (machine type, CPU model, host devices\n"
	"against this host), then the policy decides: allow or deny. Nothing is\n"
	"written to stdout (libvirt would take it as a new domain XML). No network;\n"
	"the whole run is bounded by --timeout (exit 69 when it expires).\n"
	"\n"
	"Settings come from the [hook] group of --config FILE (default\n"
	"$MIGCHECK_HOOK_CONFIG, else " MC_CONF_FILE ", optional), a key file:\n"
	"missing-metadata=allow|deny, profile=WHAT, db=PATH, timeout=SEC; options\n"
	"override it (the old " MC_CONF_OLD_HOOK " is read when that file is\n"
	"missing, with a notice).\n"
	"\n"
	"  --config FILE            settings file\n"
	"  --profile WHAT           this host's profile: host name, profile id or file\n"
	"  --missing-metadata POL   allow (default) or deny guests without metadata\n"
	"  --timeout SEC            give up (and refuse) after SEC seconds (default 10)\n"
	"  --stdin-copy FILE        write the exact bytes read from stdin into FILE, an\n"
	"                           existing regular file (for a wrapper that hands\n"
	"                           them on; the qemu.d drop-in does not need it)\n"
	"\n"
	"Exit status: 0 allowed (or not a migrate/begin call); 2 refused (blocked, or\n"
	"no metadata under policy deny); 64 usage; 65 malformed domain XML, metadata\n"
	"or settings; 66 source profile unknown here; 69 timed out.\n",
};

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "migcheck: hook timed out: refusing the migration\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(MC_EXIT_UNAVAILABLE);
}

static char *read_stdin(size_t *len, mc_error *err)
{
	GString *s = g_string_new(NULL);
	char buf[65536];
	ssize_t n;
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			mc_error_set(err, MC_EXIT_IOERR, errno, "stdin: %s", g_strerror(errno));
			g_string_free(s, TRUE);
			return NULL;
		}
		if (s->len + (size_t)n > MAX_STDIN) {
			mc_error_set(err, MC_EXIT_DATAERR, EFBIG,
				     "stdin: domain XML larger than %u bytes", MAX_STDIN);
			g_string_free(s, TRUE);
			return NULL;
		}
		g_string_append_len(s, buf, n);
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* The bytes read, unchanged, into an existing regular file (never created,
 * never through a symlink): what the chained hook gets. */
static int write_copy(const char *path, const char *buf, size_t len, mc_error *err)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return mc_error_set(err, MC_EXIT_IOERR, e, "%s: stdin copy: %s", path,
				    e == EINVAL ? "not a regular file" : g_strerror(e));
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return mc_error_set(err, MC_EXIT_IOERR, e, "%s: stdin copy: %s", path,
					    g_strerror(e));
		}
		off += (size_t)n;
	}
	if (close(fd) < 0)
		return mc_error_set(err, MC_EXIT_IOERR, errno, "%s: stdin copy: %s", path,
				    g_strerror(errno));
	return 0;
}

/* This host's profile: --profile, the inventory entry of this host name, or
 * a live probe of this host. */
static int this_host(mc_ctx *ctx, mc_db **db, const char *what, mc_named_profile *out,
		     mc_error *err)
{
	if (what)
		return mc_resolve_profile(ctx, db, what, out, err);
	{
		mc_error sub = { 0 };
		if (mc_resolve_profile(ctx, db, g_get_host_name(), out, &sub) == 0)
			return 0;
		if (sub.errnum != ENOENT) {
			*err = sub;
			return -sub.errnum;
		}
	}
	mc_probe_env env;
	mc_probe_env_default(&env);
	env.libvirt_skip = "not probed from inside the libvirt hook";
	out->facts = mc_facts_new();
	if (mc_probe_run_all(&env, NULL, out->facts, err) < 0 ||
	    mc_profile_id(out->facts, out->id, err) < 0)
		return -EINVAL;
	out->label = g_strdup("this host (live probe)");
	return 0;
}

/* The first blocked verdict, as one line. */
static void refuse(const char *dom, const char *from, const mc_plan *p, const char *here)
{
	size_t nb = 0;
	const mc_verdict *first = NULL;
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		if (v->level == MC_V_BLOCKED && !nb++)
			first = v;
	}
	fprintf(stderr, "migcheck: %s%s%s cannot run on %s: %s%s%s: %s%s%s%s", dom,
		from ? " from " : "", from ? from : "", here, first->family,
		*first->subject ? " " : "", first->subject, first->reason,
		first->remedy ? " (remedy: " : "", first->remedy ? first->remedy : "",
		first->remedy ? ")" : "");
	if (nb > 1)
		fprintf(stderr, " [and %zu more blocked]", nb - 1);
	fputc('\n', stderr);
}

/* One line per decision in the journal (syslog, facility daemon, ident
 * migcheck): the domain, where it comes from, the verdict and the decisive
 * rules (the blocked ones when refused, those with actions when allowed with
 * actions), so that every migration libvirt asked about leaves a trace. */
static void journal(const char *dom, const mc_guest *g, const char *src_id, const char *here,
		    const mc_plan *plan, const char *policy, int rc, const mc_error *err)
{
	GString *line = g_string_new("hook: ");
	g_string_append_printf(line, "domain %s", dom);
	if (g && g->has_meta) {
		char *h = mc_strescape_ctl(g->meta_host ? g->meta_host : "?");
		g_string_append_printf(line, " from host %s profile %.12s", h ? h : "?",
				       src_id && *src_id ? src_id : g->meta_profile);
		free(h);
	} else if (g) {
		g_string_append(line, " (no migcheck metadata)");
	}
	g_string_append_printf(line, " on host %s: ", here);
	mc_level worst = plan ? mc_plan_worst(plan) : MC_V_OK;
	int prio = LOG_INFO;
	if (rc == 0)
		g_string_append(line, worst == MC_V_ACTION ? "allowed with actions" : "allowed");
	else if (rc == MC_EXIT_BLOCKED && worst != MC_V_BLOCKED)
		g_string_append_printf(line, "refused (no metadata, policy %s)", policy);
	else if (rc == MC_EXIT_BLOCKED)
		g_string_append(line, "refused (blocked)");
	else
		g_string_append_printf(line, "refused (error, exit %d: %s)", rc,
				       err && err->msg[0] ? err->msg : "unknown error");
	if (rc != 0)
		prio = rc == MC_EXIT_BLOCKED ? LOG_WARNING : LOG_ERR;
	if (plan && ((rc == 0 && worst == MC_V_ACTION) ||
		     (rc == MC_EXIT_BLOCKED && worst == MC_V_BLOCKED))) {
		size_t n = 0;
		g_string_append(line, "; decisive:");
		for (size_t i = 0; i < mc_plan_count(plan); i++) {
			const mc_verdict *v = mc_plan_at(plan, i);
			if (v->level != worst)
				continue;
			if (n++ < 8)
				g_string_append_printf(line, "%s %s%s%s", n > 1 ? "," : "",
						       v->family, *v->subject ? " " : "",
						       v->subject);
		}
		if (n > 8)
			g_string_append_printf(line, " [and %zu more]", n - 8);
	}
	openlog("migcheck", LOG_PID, LOG_DAEMON);
	syslog(prio, "%s", line->str);
	closelog();
	mc_log(MC_LOG_VERBOSE, "%s", line->str);
	g_string_free(line, TRUE);
}

/* The pins of a hook's plan come from the domain XML and its metadata, not
 * from a command line: a pin the planner cannot apply is bad input (65), not
 * a usage error. */
static int report_data(mc_error *err)
{
	if (err->exit_code == MC_EXIT_USAGE)
		err->exit_code = MC_EXIT_DATAERR;
	return mc_report(err);
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "profile", required_argument, NULL, 'P' },
		{ "missing-metadata", required_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "stdin-copy", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *profile = NULL, *policy = NULL, *timeout = NULL;
	const char *copy = NULL;
	mc_error err = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			conf_path = optarg;
			break;
		case 'P':
			profile = optarg;
			break;
		case 'M':
			policy = optarg;
			break;
		case 'T':
			timeout = optarg;
			break;
		case 'S':
			copy = optarg;
			break;
		default:
			return mc_bad_option(&mc_verb_hook, argv, opts);
		}
	}
	if (argc - optind < 3)
		return mc_usage(&mc_verb_hook, "expected DOMAIN OPERATION SUB-OPERATION [EXTRA]");
	/* libvirt's domain name, escaped for every message (one line, no
	 * terminal escape sequences) */
	g_autofree char *dom = NULL;
	{
		char *e = mc_strescape_ctl(argv[optind]);
		dom = g_strdup(e ? e : "?");
		free(e);
	}
	if (strcmp(argv[optind + 1], "migrate") != 0 || strcmp(argv[optind + 2], "begin") != 0)
		return 0;

	/* settings */
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *conf_db = NULL, *conf_profile = NULL, *conf_policy = NULL;
	g_autofree char *conf_timeout = NULL;
	bool explicit_conf = conf_path != NULL;
	if (!conf_path)
		conf_path = g_getenv("MIGCHECK_HOOK_CONFIG");
	explicit_conf = explicit_conf || conf_path;
	if (!conf_path)
		conf_path = g_file_test(MC_CONF_FILE, G_FILE_TEST_EXISTS) ||
				    !g_file_test(MC_CONF_OLD_HOOK, G_FILE_TEST_EXISTS)
				? MC_CONF_FILE
				: MC_CONF_OLD_HOOK;
	g_autoptr(GError) gerr = NULL;
	if (g_key_file_load_from_file(kf, conf_path, G_KEY_FILE_NONE, &gerr)) {
		if (!explicit_conf && strcmp(conf_path, MC_CONF_OLD_HOOK) == 0)
			mc_deprecated(MC_CONF_OLD_HOOK, "move its [hook] group into " MC_CONF_FILE);
		conf_db = g_key_file_get_string(kf, "hook", "db", NULL);
		conf_profile = g_key_file_get_string(kf, "hook", "profile", NULL);
		conf_policy = g_key_file_get_string(kf, "hook", "missing-metadata", NULL);
		conf_timeout = g_key_file_get_string(kf, "hook", "timeout", NULL);
	} else if (explicit_conf || !g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		mc_error_set(&err, MC_EXIT_DATAERR, EINVAL, "%s: %s", conf_path, gerr->message);
		return mc_report(&err);
	}
	if (!ctx->db_path && conf_db)
		ctx->db_path = conf_db;
	profile = profile ? profile : conf_profile;
	policy = policy ? policy : (conf_policy ? g_strstrip(conf_policy) : "allow");
	timeout = timeout ? timeout : (conf_timeout ? g_strstrip(conf_timeout) : "10");
	if (strcmp(policy, "allow") != 0 && strcmp(policy, "deny") != 0)
		return mc_usage(&mc_verb_hook,
				"missing-metadata policy '%s': expected allow or deny", policy);
	char *end = NULL;
	long secs = strtol(timeout, &end, 10);
	if (*end || secs < 1 || secs > 3600)
		return mc_usage(&mc_verb_hook, "timeout '%s': expected 1..3600 seconds", timeout);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)secs);

	int rc;
	size_t len = 0;
	mc_autodb *db = NULL;
	mc_named_profile here = { 0 }, src = { 0 };
	mc_plan *plan = NULL;
	const char *hostname = g_get_host_name();
	g_autofree char *xml = read_stdin(&len, &err);
	g_autofree char *label = g_strdup_printf("domain %s (hook stdin)", dom);
	if (xml && copy && write_copy(copy, xml, len, &err) < 0)
		g_clear_pointer(&xml, g_free);
	mc_guest *g = xml ? mc_guest_from_xml(xml, len, label, &err) : NULL;
	if (!g || mc_ctx_check_guest_pins(ctx, g, label, &err) < 0 ||
	    this_host(ctx, &db, profile, &here, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	if (!g->has_meta) {
		/* What the XML alone allows: this host against itself. */
		if (!(plan =
			  mc_plan_compute(mc_ctx_plan_env_for(ctx, here.facts, here.facts, g->pins),
					  here.facts, here.facts, g->pins, &err))) {
			mc_error_prefix(&err, "%s", dom);
			rc = report_data(&err);
			goto out;
		}
		if (mc_plan_worst(plan) == MC_V_BLOCKED) {
			refuse(dom, NULL, plan, hostname);
			rc = MC_EXIT_BLOCKED;
		} else if (strcmp(policy, "deny") == 0) {
			fprintf(
			    stderr,
			    "migcheck: %s carries no migcheck metadata (not sent with 'migcheck "
			    "migrate'); policy on %s is deny\n",
			    dom, hostname);
			rc = MC_EXIT_BLOCKED;
		} else {
			rc = 0;
		}
		goto out;
	}
	if (g->meta_facts) {
		src.facts = g_steal_pointer(&g->meta_facts);
		g_strlcpy(src.id, g->meta_profile, sizeof(src.id));
	} else {
		mc_error sub = { 0 };
		if (mc_resolve_profile(ctx, &db, g->meta_profile, &src, &sub) < 0) {
			mc_error_set(
			    &err, MC_EXIT_NOINPUT, ENOENT,
			    "%s: source profile %.12s (host %s) is neither embedded in the "
			    "metadata nor in the inventory: %s",
			    dom, g->meta_profile, g->meta_host, sub.msg);
			rc = mc_report(&err);
			goto out;
		}
	}
	/* host devices: the XML names this host's (migrate mapped them), the
	 * plan from the source profile needs the source's */
	mc_guest_incoming(g);
	if (!(plan = mc_plan_compute(mc_ctx_plan_env_for(ctx, src.facts, here.facts, g->pins),
				     src.facts, here.facts, g->pins, &err))) {
		mc_error_prefix(&err, "%s", dom);
		rc = report_data(&err);
		goto out;
	}
	if (mc_plan_worst(plan) == MC_V_BLOCKED) {
		g_autofree char *from = g_strdup_printf("%s (profile %.12s)", g->meta_host, src.id);
		refuse(dom, from, plan, hostname);
		rc = MC_EXIT_BLOCKED;
	} else {
		rc = 0;
	}
out:
	alarm(0);
	journal(dom, g, src.id, hostname, plan, policy, rc, &err);
	mc_plan_free(plan);
	mc_guest_free(g);
	mc_named_profile_clear(&here);
	mc_named_profile_clear(&src);
	return rc;
}
