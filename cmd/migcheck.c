/* migcheck — will this guest survive the move between two KVM hosts? */
#include "config.h"

#include <glib.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

static const mc_verb *const verbs[] = {
	&mc_verb_plan,    &mc_verb_probe, &mc_verb_import, &mc_verb_export, &mc_verb_hosts,
	&mc_verb_show,    &mc_verb_diff,  &mc_verb_fleet,  &mc_verb_gate,   &mc_verb_report,
	&mc_verb_migrate, &mc_verb_hook,  &mc_verb_vfio,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: migcheck [--db PATH] VERB [ARGS]\n"
		     "       migcheck VERB --help\n\n"
		     "Verbs:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		fprintf(out, "  %-8s %s\n", verbs[i]->name, verbs[i]->summary);
	fprintf(
	    out,
	    "\nOptions:\n"
	    "  --db PATH   inventory file (default: $MIGCHECK_DB, else\n"
	    "              /var/lib/migcheck/inventory.db as root, else\n"
	    "              $XDG_DATA_HOME/migcheck/inventory.db)\n"
	    "  --version   print the version\n\n"
	    "Exit status: 0 compatible / success, 1 compatible with actions (diff: different),\n"
	    "2 blocked, 64 usage, 65 bad input data, 66 missing input, 69 service\n"
	    "unavailable, 70 internal error, 74 I/O error, 77 permission denied.\n");
}

int main(int argc, char **argv)
{
	mc_ctx ctx = { 0 };
	int i = 1;
	xmlInitParser();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 || strncmp(argv[i], "--db=", 5) == 0) {
			if (argv[i][4] == '=') {
				ctx.db_path = argv[i] + 5;
			} else if (i + 1 < argc) {
				ctx.db_path = argv[++i];
			} else {
				fprintf(stderr, "migcheck: --db needs a PATH (migcheck --db PATH "
						"VERB ...)\n");
				return MC_EXIT_USAGE;
			}
			if (!*ctx.db_path) {
				fprintf(stderr, "migcheck: --db: empty path\n");
				return MC_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("migcheck %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			fprintf(stderr, "migcheck: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return MC_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return MC_EXIT_USAGE;
	}
	const char *name = argv[i];
	if (strcmp(name, "help") == 0) {
		if (i + 1 < argc)
			name = argv[i + 1];
		else {
			usage(stdout);
			return 0;
		}
		for (size_t v = 0; v < G_N_ELEMENTS(verbs); v++)
			if (strcmp(verbs[v]->name, name) == 0) {
				fputs(verbs[v]->usage, stdout);
				return 0;
			}
	}
	const char *nc = g_getenv("NO_COLOR");
	ctx.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	for (size_t v = 0; v < G_N_ELEMENTS(verbs); v++) {
		if (strcmp(verbs[v]->name, name) != 0)
			continue;
		if (mc_want_help(verbs[v], argc - i, argv + i))
			return 0;
		int rc = verbs[v]->run(&ctx, argc - i, argv + i);
		mc_plan_env_clear(&ctx.plan_env);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "migcheck: write error on standard output\n");
			return MC_EXIT_IOERR;
		}
		xmlCleanupParser();
		return rc;
	}
	fprintf(stderr, "migcheck: unknown verb '%s'\n", name);
	usage(stderr);
	return MC_EXIT_USAGE;
}
