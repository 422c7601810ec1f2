#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "core/fleet/gate.h"
#include "core/fleet/targets.h"
#include "core/report/json.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_targets = {
	"targets",
	run,
	"where can a guest on SRC go? every other host, best first",
	"Usage: migcheck [--db PATH] targets SRC [--pin NAME=VALUE]... [--pins-from FILE]\n"
	"                                [--fleet DB] [--hosts-only] [--format text|json]\n"
	"\n"
	"Plan a guest started on SRC (with the pins) to every other host of the\n"
	"inventory and group the hosts: ok, action (compatible if the listed actions\n"
	"are taken), blocked (another architecture too), each with its decisive\n"
	"verdicts. The best come first: ok, then the fewest actions, then the fewest\n"
	"blocked verdicts, then the host name. SRC is a host name (left out of the\n"
	"destinations), a profile id (or unique prefix) or a profile file. Each\n"
	"migration class of destinations (profiles that plan alike) is planned once.\n"
	"\n"
	"  --pin NAME=VALUE   guest configuration on SRC (as plan --pin; repeatable)\n"
	"  --pins-from FILE   the pins of a pins file (`migcheck baseline` output)\n"
	"  --fleet DB         inventory holding the destinations (default: --db)\n"
	"  --hosts-only       print only the names of the ok and action destinations,\n"
	"                     best first, one a line\n"
	"  --format FMT       text (default) or json (schemas/targets.schema.json)\n"
	"\n"
	"Exit status: 0 at least one ok destination; 1 only destinations with\n"
	"actions; 2 none (every other host blocked, or no other host); 64 usage\n"
	"(malformed pin, a pin SRC cannot apply); 65 bad input (malformed pins file,\n"
	"corrupt inventory); 66 unknown SRC, missing inventory or pins file, an\n"
	"inventory without hosts; 69 a CPU pin while libvirt's CPU map is missing.\n",
};

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "pins-from", required_argument, NULL, 'P' },
		{ "fleet", required_argument, NULL, 'F' },
		{ "hosts-only", no_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fleet_db = NULL;
	bool json = false, hosts_only = false;
	mc_error err = { 0 };
	mc_pins *pins = mc_pins_new();
	mc_named_profile s = { 0 };
	mc_targets *t = NULL;
	mc_db *db = NULL;
	int opt, rc;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int pinned = mc_ctx_pin_option(ctx, opt, optarg, pins, &err);
		if (pinned < 0) {
			rc = mc_report(&err);
			goto out;
		}
		if (pinned)
			continue;
		switch (opt) {
		case 'F':
			fleet_db = optarg;
			break;
		case 'H':
			hosts_only = true;
			break;
		case 'f':
			json = strcmp(optarg, "json") == 0;
			if (!json && strcmp(optarg, "text") != 0) {
				rc = mc_usage(&mc_verb_targets,
					      "unknown format '%s' (text or json)", optarg);
				goto out;
			}
			break;
		default:
			rc = mc_bad_option(&mc_verb_targets, argv, opts);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = mc_usage(&mc_verb_targets,
			      optind == argc ? "expected SRC" : "expected one SRC, got more");
		goto out;
	}
	if (json && hosts_only) {
		rc = mc_usage(&mc_verb_targets, "--hosts-only prints text; drop --format json");
		goto out;
	}
	mc_ctx fctx = *ctx;
	if (fleet_db)
		fctx.db_path = fleet_db;
	if (!(db = mc_ctx_open_db(&fctx, MC_DB_READ, &err)) ||
	    mc_resolve_profile(&fctx, &db, argv[optind], &s, &err) < 0 ||
	    !(t = mc_targets_run_db(db, mc_ctx_plan_env(ctx), s.facts, s.in_db ? s.host : NULL,
				    pins, hosts_only, &err))) {
		rc = mc_report(&err);
		goto out;
	}
	mc_report_side side = { s.label, s.id };
	if ((json ? mc_json_targets(stdout, t, &side, pins, &err)
		  : mc_targets_write_text(stdout, t, s.label, s.id, pins, hosts_only, &err)) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	rc = mc_targets_status(t);
out:
	mc_targets_free(t);
	mc_named_profile_clear(&s);
	mc_pins_free(pins);
	mc_db_close(db);
	return rc;
}
