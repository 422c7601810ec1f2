/* migcheck — will this guest survive the move between two KVM hosts? */
#include "config.h"

#include <glib.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "core/base/log.h"
#include "cmd/cmd.h"

static const mc_verb *const verbs[] = {
	&mc_verb_plan,    &mc_verb_probe,    &mc_verb_import,  &mc_verb_export, &mc_verb_hosts,
	&mc_verb_show,    &mc_verb_diff,     &mc_verb_fleet,   &mc_verb_gate,   &mc_verb_report,
	&mc_verb_targets, &mc_verb_baseline, &mc_verb_migrate, &mc_verb_hook,   &mc_verb_vfio,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: migcheck [--db PATH] [-v|--verbose] [--debug] VERB [ARGS]\n"
		     "       migcheck VERB --help\n\n"
		     "Verbs:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		fprintf(out, "  %-8s %s\n", verbs[i]->name, verbs[i]->summary);
	fprintf(
	    out,
	    "\nOptions:\n"
	    "  --db PATH   inventory file (default: $MIGCHECK_DB, else\n"
	    "              " MC_LOCALSTATEDIR "/lib/migcheck/inventory.db as root, else\n"
	    "              $XDG_DATA_HOME/migcheck/inventory.db)\n"
	    "  -v, --verbose  say what is done: HTTP requests and their answers,\n"
	    "              libvirt connections, the hook's decision (stderr)\n"
	    "  --debug     also protocol detail: libcurl's request and response\n"
	    "              headers, libvirt's client log; secrets masked\n"
	    "  --version   print the version\n\n"
	    "Files:\n"
	    "  configuration  " MC_CONF_FILE "\n"
	    "  inventory      " MC_LOCALSTATEDIR "/lib/migcheck/inventory.db (as root)\n"
	    "  libvirt hook   /etc/libvirt/hooks/qemu.d/migcheck (libvirt's directory)\n\n"
	    "Exit status: 0 compatible / success, 1 compatible with actions (diff: different),\n"
	    "2 blocked, 64 usage, 65 bad input data, 66 missing input, 69 service\n"
	    "unavailable, 70 internal error, 74 I/O error, 77 permission denied.\n");
}

/* Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The verb nearest to a mistyped one (at most 2 edits, or a prefix), or NULL. */
static const char *nearest_verb(const char *name)
{
	const char *best = NULL;
	size_t bd = 3;
	for (size_t v = 0; v < G_N_ELEMENTS(verbs); v++) {
		size_t d = distance(name, verbs[v]->name);
		if (strlen(name) >= 2 && g_str_has_prefix(verbs[v]->name, name))
			d = 1;
		if (d < bd) {
			bd = d;
			best = verbs[v]->name;
		}
	}
	return best;
}

/* A global option given after the verb: say where it goes (one line). */
static int misplaced_global(int argc, char **argv, const char *verb)
{
	static const char *const globals[] = { "--db", "--verbose", "--debug" };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		for (size_t g = 0; g < G_N_ELEMENTS(globals); g++) {
			size_t n = strlen(globals[g]);
			if (strncmp(argv[i], globals[g], n) == 0 &&
			    (argv[i][n] == '\0' || argv[i][n] == '=')) {
				fprintf(stderr,
					"migcheck %s: %s goes before the verb (migcheck %s%s %s "
					"...)\n",
					verb, globals[g], globals[g],
					strcmp(globals[g], "--db") == 0 ? " PATH" : "", verb);
				return MC_EXIT_USAGE;
			}
		}
	}
	return 0;
}

/* Colour on a terminal that can show it: TERM set and not "dumb", and
 * NO_COLOR (https://no-color.org) unset or empty. */
static bool want_color(void)
{
	const char *nc = g_getenv("NO_COLOR"), *term = g_getenv("TERM");
	return isatty(STDOUT_FILENO) && !(nc && *nc) && term && *term && strcmp(term, "dumb") != 0;
}

int main(int argc, char **argv)
{
	mc_ctx ctx = { .argc = argc, .argv = argv };
	int i = 1;
	xmlInitParser();
	opterr = 0; /* the verbs report a bad option themselves, in one line */
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
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			if (mc_log_get_level() < MC_LOG_VERBOSE)
				mc_log_set_level(MC_LOG_VERBOSE);
		} else if (strcmp(argv[i], "--debug") == 0) {
			mc_log_set_level(MC_LOG_DEBUG);
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("migcheck %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			fprintf(stderr, "migcheck: unknown option '%s' (see 'migcheck --help')\n",
				argv[i]);
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
	if (mc_log_on(MC_LOG_DEBUG) && !g_getenv("LIBVIRT_DEBUG")) {
		/* libvirt's client log: its public API calls and the remote
		 * protocol, on stderr (libvirt reads these at its first call). */
		g_setenv("LIBVIRT_DEBUG", "1", TRUE);
		if (!g_getenv("LIBVIRT_LOG_FILTERS"))
			g_setenv("LIBVIRT_LOG_FILTERS", "1:libvirt 1:remote 3:rpc 4:*", TRUE);
		if (!g_getenv("LIBVIRT_LOG_OUTPUTS"))
			g_setenv("LIBVIRT_LOG_OUTPUTS", "1:stderr", TRUE);
	}
	ctx.color = want_color();
	for (size_t v = 0; v < G_N_ELEMENTS(verbs); v++) {
		if (strcmp(verbs[v]->name, name) != 0)
			continue;
		if (mc_want_help(verbs[v], argc - i, argv + i))
			return 0;
		/* (not for the hook: libvirt's arguments are domain names) */
		int rc = verbs[v] == &mc_verb_hook ? 0 : misplaced_global(argc - i, argv + i, name);
		if (rc == 0)
			rc = verbs[v]->run(&ctx, argc - i, argv + i);
		mc_plan_env_clear(&ctx.plan_env);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "migcheck: write error on standard output\n");
			return MC_EXIT_IOERR;
		}
		xmlCleanupParser();
		return rc;
	}
	const char *near = nearest_verb(name);
	if (near)
		fprintf(stderr,
			"migcheck: unknown verb '%s' (did you mean '%s'? see 'migcheck --help')\n",
			name, near);
	else
		fprintf(stderr, "migcheck: unknown verb '%s' (see 'migcheck --help')\n", name);
	return MC_EXIT_USAGE;
}
