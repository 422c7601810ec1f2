#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_hosts = {
	"hosts",
	run,
	"list the hosts in the inventory",
	"Usage: migcheck [--db PATH] hosts\n"
	"\n"
	"One line per host: name, profile id (12 digits), architecture, kernel\n"
	"release, time of the last probe or import (UTC), and where it came from.\n"
	"\n"
	"Exit status: 0; 65 bad inventory; 66 no inventory.\n",
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
	mc_error err = { 0 };
	(void)argv;
	if (argc != 1)
		return mc_usage(&mc_verb_hosts, "takes no arguments");
	mc_autodb *db = mc_ctx_open_db(ctx, MC_DB_READ, &err);
	if (!db)
		return mc_report(&err);
	widths w = { 24, 22 };
	if (mc_db_each_host(db, NULL, measure, &w, &err) < 0)
		return mc_report(&err);
	printf("%-*s %-12s  %-8s %-*s %-20s  %s\n", w.name, "HOST", "PROFILE", "ARCH", w.kernel,
	       "KERNEL", "PROBED", "SOURCE");
	if (mc_db_each_host(db, NULL, print_host, &w, &err) < 0)
		return mc_report(&err);
	return 0;
}
