/* migcheck — command line verbs. One file per verb; shared helpers in
 * cmd/common.c. A verb returns the process exit status. */
#ifndef MC_CMD_H
#define MC_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/libvirt/domxml.h"
#include "core/model/profile.h"
#include "core/planner/planner.h"
#include "db/inventory.h"

/* Files under configure's sysconfdir (README "Configuration"): the one
 * configuration file, a GLib key file with [fleet] and [hook] groups, and
 * the older files still read with a deprecation notice. */
#define MC_CONF_FILE MC_SYSCONFDIR "/migcheck/migcheck.conf"
#define MC_CONF_OLD_FLEET MC_SYSCONFDIR "/migcheck.conf"
#define MC_CONF_OLD_HOOK MC_SYSCONFDIR "/migcheck/hook.conf"
/* S3 credentials under systemd: LoadCredential=s3:FILE in the unit, read
 * from $CREDENTIALS_DIRECTORY/s3 (AWS_* NAME=VALUE lines). */
#define MC_CREDENTIAL_S3 "s3"

/* One line on stderr: "migcheck: WHAT is deprecated: INSTEAD". */
void mc_deprecated(const char *what, const char *instead);

typedef struct mc_ctx {
	int argc; /* the whole command line, for mc_run_full */
	char **argv;
	const char *db_path; /* --db, or NULL for the default */
	bool color;          /* stdout is a tty, TERM is set and not "dumb", NO_COLOR unset */
	/* the planner's environment: loaded by mc_ctx_plan_env, freed by main */
	bool plan_env_loaded;
	mc_plan_env plan_env;
} mc_ctx;

typedef struct mc_verb {
	const char *name;
	int (*run)(mc_ctx *ctx, int argc, char **argv);
	const char *summary;
	const char *usage; /* full --help text */
} mc_verb;

extern const mc_verb mc_verb_probe, mc_verb_import, mc_verb_export, mc_verb_hosts, mc_verb_show,
    mc_verb_diff, mc_verb_plan;
extern const mc_verb mc_verb_fleet, mc_verb_gate, mc_verb_report, mc_verb_targets, mc_verb_baseline;
extern const mc_verb mc_verb_migrate, mc_verb_hook;
extern const mc_verb mc_verb_vfio;

/* Two programs (cmd/build.am, README "Two programs"). The verbs whose code
 * links libvirt or libcurl (probe, migrate, fleet) are written
 *     const mc_verb mc_verb_X = { "X", MC_HEAVY_RUN(run), ... };
 * with the rest of their file under #ifndef MC_LIGHT. In migcheck (built
 * with MC_LIGHT) their entry is mc_run_full: it execs migcheck-full with
 * the same command line; --help is answered without it. */
#ifdef MC_LIGHT
#define MC_HEAVY_RUN(fn) mc_run_full
#else
#define MC_HEAVY_RUN(fn) fn
#endif
/* Exec migcheck-full (next to this program when it is there, as in the
 * build tree, else MC_PKGLIBEXECDIR) with ctx's command line; returns only
 * on failure: one line, exit 69. */
int mc_run_full(mc_ctx *ctx, int argc, char **argv);

/* Print "migcheck: MSG" on stderr and return the error's exit code. */
int mc_report(const mc_error *err);
/* Usage error for a verb: message + hint, exit 64. */
int mc_usage(const mc_verb *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct option;
/* Usage error for the option getopt_long (with opterr = 0) refused: one
 * line naming it (unknown, ambiguous, needs a value, takes no value), 64. */
int mc_bad_option(const mc_verb *v, char **argv, const struct option *longopts);
/* True (and help printed) when argv asks for --help/-h. */
bool mc_want_help(const mc_verb *v, int argc, char **argv);

/* The planner's environment: libvirt's CPU map from $MIGCHECK_CPU_MAP, or
 * else MC_CPUMODELS_DEFAULT_DIR; loaded on the first call, kept in ctx.
 * A map that cannot be loaded is no error here (host-passthrough guests
 * plan without it); the pins that need it fail with the reason. */
const mc_plan_env *mc_ctx_plan_env(mc_ctx *ctx);
/* The environment for planning src -> dst with pins: mc_ctx_plan_env when
 * the pair uses it (mc_plan_needs_cpumodels), else NULL (nothing loaded). */
const mc_plan_env *mc_ctx_plan_env_for(mc_ctx *ctx, const mc_facts *src, const mc_facts *dst,
				       const mc_pins *pins);

/* mc_pins_parse, and for a pin that needs them (a CPU model, CPU_DISABLE)
 * the check against mc_ctx_plan_env: errors name the pin as written. */
int mc_ctx_parse_pin(mc_ctx *ctx, mc_pins *pins, const char *spec, mc_error *err);

/* --pins-from FILE: the pins of a pins file (mc_pins_load_file), checked
 * like --pin (a CPU model against mc_ctx_plan_env); a bad pin is bad input
 * (65) naming the file. They join `pins`, overriding pins of the same name. */
int mc_ctx_load_pins(mc_ctx *ctx, mc_pins *pins, const char *path, mc_error *err);
/* The pin options of plan, gate and targets, as getopt_long returns them:
 * 'p' (--pin NAME=VALUE, mc_ctx_parse_pin) and 'P' (--pins-from FILE,
 * mc_ctx_load_pins). 1 when opt was one and is applied, 0 for any other
 * option, -errno (err set) when it failed. */
int mc_ctx_pin_option(mc_ctx *ctx, int opt, const char *arg, mc_pins *pins, mc_error *err);

/* mc_guest_check_pins with mc_ctx_plan_env, when the guest's pins need it
 * (a CPU model, CPU_DISABLE). */
int mc_ctx_check_guest_pins(mc_ctx *ctx, const mc_guest *g, const char *label, mc_error *err);

/* The inventory's hosts grouped by migration class (mc_gate_fleet_load,
 * then mc_gate_fleet_by_class): what targets, baseline, gate and report
 * plan, so their cost follows the distinct classes. */
struct mc_gate_fleet;
struct mc_gate_fleet *mc_load_classes(mc_db *db, mc_error *err);

/* Open the inventory named by ctx (or the default). */
mc_db *mc_ctx_open_db(mc_ctx *ctx, mc_db_mode mode, mc_error *err);

/* A profile named on the command line: a host name, a profile id or unique
 * prefix from the inventory, or a facts/XML file. */
typedef struct mc_named_profile {
	mc_facts *facts;
	char id[MC_PROFILE_ID_LEN + 1];
	char *label; /* "host NAME", "profile ID12", "file PATH" */
	char *host;  /* host name when it named one */
	bool in_db;  /* found in the inventory (not a file) */
} mc_named_profile;

int mc_resolve_profile(mc_ctx *ctx, mc_db **db, const char *what, mc_named_profile *out,
		       mc_error *err);
void mc_named_profile_clear(mc_named_profile *p);

#endif
