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

static int print_host(const mc_db_host *h, void *opaque)
{
	(void)opaque;
	printf("%-24s %.12s  %-8s %-22s %s  %s\n", h->name, h->profile_id, h->arch, h->kernel,
	       h->probed_at, h->source);
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
	printf("%-24s %-12s  %-8s %-22s %-20s  %s\n", "HOST", "PROFILE", "ARCH", "KERNEL", "PROBED",
	       "SOURCE");
	if (mc_db_each_host(db, NULL, print_host, NULL, &err) < 0)
		return mc_report(&err);
	return 0;
}
