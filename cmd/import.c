#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_import = {
	"import",
	run,
	"import a facts file or profile XML document",
	"Usage: migcheck [--db PATH] import FILE [--host NAME]\n"
	"\n"
	"Store the profile in FILE (canonical facts text, or a profile XML document as\n"
	"written by 'migcheck export --format xml'; '-' reads stdin) and point host\n"
	"NAME at it. An XML document that names its host needs no --host. A document\n"
	"whose id does not match its content is rejected. Prints the profile id.\n"
	"The import is one transaction: on any error the inventory is unchanged.\n"
	"\n"
	"  --host NAME      host to record the profile for\n"
	"  --profile-only   store the profile without any host\n"
	"\n"
	"Exit status: 0 stored; 64 usage; 65 bad input or inventory; 66 no such file;\n"
	"69 inventory locked by another writer (after 5 s); 74 I/O error (disk full);\n"
	"77 inventory read-only.\n",
};

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "profile-only", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *hostname = NULL;
	bool profile_only = false;
	mc_error err = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			hostname = optarg;
			break;
		case 'P':
			profile_only = true;
			break;
		default:
			return mc_bad_option(&mc_verb_import, argv, opts);
		}
	}
	if (optind + 1 != argc)
		return mc_usage(&mc_verb_import, "expected one FILE");
	const char *path = argv[optind];
	mc_host_info host = { 0 };
	mc_autodb *db = NULL;
	g_autofree char *source = g_strdup_printf("import %s", path);
	mc_autofacts *facts = mc_profile_load_file(path, &host, &err);
	int rc = 0;
	if (!facts) {
		rc = mc_report(&err);
		goto out;
	}
	if (mc_facts_count(facts) == 0) {
		mc_error_set(&err, MC_EXIT_DATAERR, EINVAL, "%s: no facts", path);
		rc = mc_report(&err);
		goto out;
	}
	if (hostname) {
		g_free(host.name);
		host.name = g_strdup(hostname);
	}
	if (!host.name && !profile_only) {
		rc = mc_usage(&mc_verb_import, "%s names no host: give --host NAME", path);
		goto out;
	}
	db = mc_ctx_open_db(ctx, MC_DB_WRITE, &err);
	char id[MC_PROFILE_ID_LEN + 1];
	if (!db || (profile_only ? mc_db_store_profile(db, facts, id, &err)
				 : mc_db_store_host(db, &host, facts, source, id, &err)) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	printf("%s\n", id);
out:
	mc_host_info_clear(&host);
	return rc;
}
