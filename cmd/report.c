#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fleet/gate.h"
#include "core/base/outfile.h"
#include "core/report/report_html.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

/* The numbers in the help text are MC_HTML_MAX_PROFILES(_LIMIT) and
 * MC_HTML_MAX_VERDICTS (core/report/report_html.h). */
_Static_assert(MC_HTML_MAX_PROFILES == 500 && MC_HTML_MAX_PROFILES_LIMIT == 2000 &&
		   MC_HTML_MAX_VERDICTS == 8,
	       "update the help text");

const mc_verb mc_verb_report = {
	"report",
	run,
	"the fleet matrix as one self-contained HTML page",
	"Usage: migcheck [--db PATH] report --html FILE [--fleet DB] [--arch ARCH]\n"
	"                                  [--max-profiles N]\n"
	"\n"
	"Plan every pair of the fleet's migration classes (profiles that plan alike:\n"
	"identical in every fact a rule reads; each shown as its first profile with\n"
	"the hosts of all its profiles and their count) of the inventory's hosts\n"
	"(--fleet DB, else the inventory) and write the matrix as one HTML page: a\n"
	"heat map with source profiles as rows and destination profiles as columns,\n"
	"each cell coloured by the plan's verdict (ok, action, blocked; grey: another\n"
	"architecture, not compared), the host count and host names of each profile\n"
	"on the axes, and the decisive verdicts of a cell (family, subject, reason,\n"
	"facts, remedy) on hover and click. The page is self-contained (inline SVG,\n"
	"CSS and script, no network access: its Content-Security-Policy allows none).\n"
	"The file is replaced atomically; FILE '-' writes to standard output.\n"
	"\n"
	"  --html FILE        where to write the page (required)\n"
	"  --fleet DB         inventory holding the fleet (default: --db / default)\n"
	"  --arch ARCH        only profiles of this architecture (x86_64, aarch64)\n"
	"  --max-profiles N   cap of the matrix: the N classes with the most hosts\n"
	"                     (default 500, at most 2000); the page counts the\n"
	"                     classes and hosts left out. Each cell lists at most\n"
	"                     8 non-ok verdicts (blocked first) and the plan\n"
	"                     command that shows them all\n"
	"\n"
	"Exit status: 0 page written; 64 usage; 65 bad inventory; 66 missing\n"
	"inventory, or no hosts (of ARCH); 74 the page could not be written.\n",
};

static int parse_max(const char *s, size_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > MC_HTML_MAX_PROFILES_LIMIT)
		return -1;
	*out = v;
	return 0;
}

/* Write the page to a temporary file next to `path`, then rename it; a FIFO
 * or character device is written straight into, anything else that is not a
 * regular file is refused (core/base/outfile.h). */
static int write_file(const char *path, const mc_gate_fleet *fleet, const mc_html_opts *o,
		      mc_html_stats *st, mc_error *err)
{
	mc_outfile out;
	/* fleet data: not world-readable */
	int r = mc_outfile_open(&out, path, 0640, err);
	if (r < 0)
		return r;
	int fd = dup(out.fd); /* the stream's own; out.fd stays the outfile's */
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		mc_outfile_abort(&out);
		return mc_error_set(err, MC_EXIT_IOERR, e, "%s: %s", path, g_strerror(e));
	}
	r = mc_report_html(f, fleet, o, st, err);
	if (r < 0 && err->exit_code == MC_EXIT_IOERR)
		mc_error_prefix(err, "%s", path);
	if (fclose(f) != 0 && r == 0)
		r = mc_error_set(err, MC_EXIT_IOERR, errno, "%s: write failed: %s", path,
				 g_strerror(errno));
	if (r < 0) {
		mc_outfile_abort(&out);
		return r;
	}
	return mc_outfile_commit(&out, err);
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "html", required_argument, NULL, 'H' },
		{ "fleet", required_argument, NULL, 'F' },
		{ "arch", required_argument, NULL, 'a' },
		{ "max-profiles", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *html = NULL, *fleet_db = NULL;
	mc_html_opts o = { 0 };
	mc_html_stats st = { 0 };
	mc_error err = { 0 };
	mc_gate_fleet *fleet = NULL;
	mc_db *db = NULL;
	int opt, rc = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			html = optarg;
			break;
		case 'F':
			fleet_db = optarg;
			break;
		case 'a':
			o.arch = optarg;
			break;
		case 'm':
			if (parse_max(optarg, &o.max_profiles) < 0)
				return mc_usage(&mc_verb_report,
						"--max-profiles '%s': not a number from 1 to %d",
						optarg, MC_HTML_MAX_PROFILES_LIMIT);
			break;
		default:
			return mc_bad_option(&mc_verb_report, argv, opts);
		}
	}
	if (!html)
		return mc_usage(&mc_verb_report, "--html FILE is required");
	if (!*html)
		return mc_usage(&mc_verb_report, "--html: empty file name");
	if (optind != argc)
		return mc_usage(&mc_verb_report, "unexpected argument '%s'", argv[optind]);
	mc_ctx fctx = *ctx;
	if (fleet_db)
		fctx.db_path = fleet_db;
	if (!(db = mc_ctx_open_db(&fctx, MC_DB_READ, &err)) ||
	    !(fleet = mc_load_classes(db, &err))) {
		rc = mc_report(&err);
		goto out;
	}
	o.source = mc_db_path(db);
	o.generated = time(NULL);
	o.env = mc_ctx_plan_env(ctx);
	bool to_stdout = strcmp(html, "-") == 0;
	if ((to_stdout ? mc_report_html(stdout, fleet, &o, &st, &err)
		       : write_file(html, fleet, &o, &st, &err)) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	fprintf(to_stdout ? stderr : stdout,
		"%s: %zu of %zu classes (%zu of %zu hosts), %zu cells: %zu ok, %zu action, "
		"%zu blocked, %zu other architecture, %zu error\n",
		to_stdout ? "report" : html, st.shown, st.profiles, st.hosts_shown, st.hosts,
		st.shown * st.shown, st.cells[MC_CELL_OK], st.cells[MC_CELL_ACTION],
		st.cells[MC_CELL_BLOCKED], st.cells[MC_CELL_NA], st.cells[MC_CELL_ERROR]);
out:
	mc_gate_fleet_free(fleet);
	mc_db_close(db);
	return rc;
}
