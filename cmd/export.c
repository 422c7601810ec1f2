#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_export = {
	"export",
	run,
	"write a host's or profile's facts (text or XML)",
	"Usage: migcheck [--db PATH] export HOST|PROFILE [--format facts|xml]\n"
	"\n"
	"Write the profile of HOST (or the profile with that id or unique id prefix)\n"
	"on stdout: canonical facts text (default), or a profile XML document\n"
	"(schemas/profile.rng) that carries the host's name, UUID and probe time.\n"
	"Either form imports back with 'migcheck import'.\n"
	"\n"
	"Exit status: 0 written; 64 usage or ambiguous prefix; 65 bad inventory;\n"
	"66 unknown host or profile.\n",
};

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "facts";
	mc_error err = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return mc_bad_option(&mc_verb_export, argv, opts);
		format = optarg;
	}
	if (strcmp(format, "facts") != 0 && strcmp(format, "xml") != 0)
		return mc_usage(&mc_verb_export, "unknown format '%s'", format);
	if (optind + 1 != argc)
		return mc_usage(&mc_verb_export, "expected one HOST or PROFILE");

	mc_autodb *db = mc_ctx_open_db(ctx, MC_DB_READ, &err);
	char id[MC_PROFILE_ID_LEN + 1];
	g_autofree char *hostname = NULL;
	if (!db || mc_db_resolve(db, argv[optind], id, &hostname, &err) < 0)
		return mc_report(&err);
	mc_autofacts *facts = mc_db_load_profile(db, id, &err);
	if (!facts)
		return mc_report(&err);
	if (strcmp(format, "facts") == 0) {
		g_autofree char *canon = mc_facts_canonical(facts, NULL);
		fputs(canon, stdout);
		return 0;
	}
	mc_db_host_copy hc = { 0 };
	mc_host_info host = { 0 };
	if (hostname) {
		if (mc_db_get_host(db, hostname, &hc, &err) < 0)
			return mc_report(&err);
		host.name = (char *)hc.h.name;
		host.uuid = (char *)hc.h.uuid;
		host.probed = mc_time_parse_iso(hc.h.probed_at);
	}
	g_autofree char *xml = mc_profile_to_xml(facts, hostname ? &host : NULL, NULL, &err);
	mc_db_host_free(&hc);
	if (!xml)
		return mc_report(&err);
	fputs(xml, stdout);
	return 0;
}
