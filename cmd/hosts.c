#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "core/report/json.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_hosts = {
	"hosts",
	run,
	"list the hosts in the inventory",
	"Usage: migcheck [--db PATH] hosts [--format text|json]\n"
	"\n"
	"One line per host: name, profile id (12 digits), architecture, kernel\n"
	"release, time of the last probe or import (UTC), and where it came from.\n"
	"\n"
	"  --format FMT     text (default), or json: the same with the full profile\n"
	"                   id and the host's UUID (schemas/hosts.schema.json)\n"
	"\n"
	"Exit status: 0; 64 usage; 65 bad inventory; 66 no inventory.\n",
};

/* Column widths: at least the defaults, wider for a longer name or kernel
 * release, so that every column starts at the same place on every row. */
typedef struct {
	int name, kernel;
} widths;

static int measure(const mc_db_host *h, void *opaque)
{
	widths *w = opaque;
	int n = (int)strlen(h->name), k = (int)strlen(h->kernel);
	if (n > w->name)
		w->name = n;
	if (k > w->kernel)
		w->kernel = k;
	return 0;
}

static int print_host(const mc_db_host *h, void *opaque)
{
	const widths *w = opaque;
	printf("%-*s %.12s  %-8s %-*s %s  %s\n", w->name, h->name, h->profile_id, h->arch,
	       w->kernel, h->kernel, h->probed_at, h->source);
	return 0;
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	mc_error err = { 0 };
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return mc_bad_option(&mc_verb_hosts, argv, opts);
		json = strcmp(optarg, "json") == 0;
		if (!json && strcmp(optarg, "text") != 0)
			return mc_usage(&mc_verb_hosts, "unknown format '%s' (text or json)",
					optarg);
	}
	if (optind != argc)
		return mc_usage(&mc_verb_hosts, "takes no arguments");
	mc_autodb *db = mc_ctx_open_db(ctx, MC_DB_READ, &err);
	if (!db)
		return mc_report(&err);
	if (json)
		return mc_json_hosts(stdout, db, &err) < 0 ? mc_report(&err) : 0;
	widths w = { 24, 22 };
	if (mc_db_each_host(db, NULL, measure, &w, &err) < 0)
		return mc_report(&err);
	printf("%-*s %-12s  %-8s %-*s %-20s  %s\n", w.name, "HOST", "PROFILE", "ARCH", w.kernel,
	       "KERNEL", "PROBED", "SOURCE");
	if (mc_db_each_host(db, NULL, print_host, &w, &err) < 0)
		return mc_report(&err);
	return 0;
}
