#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "core/fleet/gate.h"
#include "core/report/json.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_gate = {
	"gate",
	run,
	"CI gate before a rollout: candidate profile against the whole fleet",
	"Usage: migcheck [--db PATH] gate --candidate PROFILE|FILE [--fleet DB]\n"
	"                                [--base PROFILE|HOST] [--pin NAME=VALUE]...\n"
	"                                [--pins-from FILE]\n"
	"                                [--format text|junit|json]\n"
	"\n"
	"Would rolling out the candidate profile (e.g. a host probed with the new\n"
	"kernel) make any migration in the fleet worse than it is today? The fleet is\n"
	"the migration classes (profiles that plan alike) of the inventory's hosts\n"
	"(--fleet DB, else the inventory), each planned once as its first profile.\n"
	"The candidate replaces a base profile B: --base, or else the\n"
	"fleet profile of the candidate's architecture with the fewest differing\n"
	"facts. For every fleet profile Q of that architecture (B included), both\n"
	"directions are planned, since a rollout mixes old and new hosts for weeks:\n"
	"  candidate -> Q  compared with today's  B -> Q\n"
	"  Q -> candidate  compared with today's  Q -> B\n"
	"A pair is a regression when the candidate's verdict is worse (ok < action <\n"
	"blocked). A candidate equal to a fleet profile passes trivially.\n"
	"\n"
	"  --candidate WHAT   host name, profile id (or prefix) or profile file\n"
	"  --fleet DB         inventory holding the fleet (default: --db / default)\n"
	"  --base WHAT        the fleet profile the candidate replaces\n"
	"  --pin NAME=VALUE   guest configuration of every pair (as plan --pin)\n"
	"  --pins-from FILE   the pins of a pins file (`migcheck baseline` output)\n"
	"  --format FMT       text (default), or junit: one test case per pair, a\n"
	"                     failure (type blocked or action) per regression, or\n"
	"                     json: every pair (schemas/gate.schema.json)\n"
	"\n"
	"Exit status: 0 no regression; 1 only regressions to 'action'; 2 a regression\n"
	"to 'blocked'; 64 usage; 65 bad input (no fleet profile of the candidate's\n"
	"architecture, a malformed pins file); 66 unknown candidate, base, missing\n"
	"inventory or pins file.\n",
};

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "candidate", required_argument, NULL, 'c' },
		{ "fleet", required_argument, NULL, 'F' },
		{ "base", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "pin", required_argument, NULL, 'p' },
		{ "pins-from", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	mc_pins *pins = mc_pins_new();
	const char *cand = NULL, *fleet_db = NULL, *base = NULL;
	bool junit = false, json = false;
	mc_error err = { 0 };
	mc_named_profile c = { 0 }, b = { 0 };
	mc_gate_fleet *fleet = NULL;
	mc_gate *g = NULL;
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
		case 'c':
			cand = optarg;
			break;
		case 'F':
			fleet_db = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		case 'f':
			junit = strcmp(optarg, "junit") == 0;
			json = strcmp(optarg, "json") == 0;
			if (!junit && !json && strcmp(optarg, "text") != 0) {
				rc = mc_usage(&mc_verb_gate,
					      "unknown format '%s' (text, junit or json)", optarg);
				goto out;
			}
			break;
		default:
			rc = mc_bad_option(&mc_verb_gate, argv, opts);
			goto out;
		}
	}
	if (!cand) {
		rc = mc_usage(&mc_verb_gate, "--candidate is required");
		goto out;
	}
	if (optind != argc) {
		rc = mc_usage(&mc_verb_gate, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	mc_ctx fctx = *ctx;
	if (fleet_db)
		fctx.db_path = fleet_db;
	if (!(db = mc_ctx_open_db(&fctx, MC_DB_READ, &err)) ||
	    mc_resolve_profile(&fctx, &db, cand, &c, &err) < 0 ||
	    (base && mc_resolve_profile(&fctx, &db, base, &b, &err) < 0) ||
	    !(fleet = mc_load_classes(db, &err)) ||
	    !(g = mc_gate_run_pins(fleet, mc_ctx_plan_env(ctx), c.facts, base ? b.id : NULL, pins,
				   &err))) {
		rc = mc_report(&err);
		goto out;
	}
	if ((junit  ? mc_gate_write_junit(stdout, g, c.label, &err)
	     : json ? mc_json_gate(stdout, g, c.label, &err)
		    : mc_gate_write_text(stdout, g, c.label, &err)) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	rc = mc_gate_status(g);
out:
	mc_pins_free(pins);
	mc_gate_free(g);
	mc_gate_fleet_free(fleet);
	mc_named_profile_clear(&c);
	mc_named_profile_clear(&b);
	mc_db_close(db);
	return rc;
}
