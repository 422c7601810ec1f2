#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "core/planner/planner.h"
#include "core/report/report.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_plan = {
	"plan",
	run,
	"can a guest on SRC be restored on DST? (the migration plan)",
	"Usage: migcheck [--db PATH] plan SRC DST [--pin NAME=VALUE]... [--pins-from FILE]\n"
	"                                [--matrix] [--format text|xml|junit|json]\n"
	"\n"
	"Simulate restoring a guest started on SRC (with the given pins) on DST, with the\n"
	"kernel's own acceptance rules, and print one verdict per rule: ok, action\n"
	"(compatible if the listed action is taken) or blocked, each with the facts that\n"
	"decided it and a remedy. SRC and DST are host names, profile ids (or unique\n"
	"prefixes) or profile files. Rule families: kernel, kvm.cap, arm64.reg,\n"
	"arm64.fwreg, x86.cpuid, x86.msr, qemu, vfio.\n"
	"\n"
	"  --pin NAME=VALUE   guest configuration on SRC (repeatable). arm64:\n"
	"                     PSCI_VERSION=0.2|1.0|1.1|1.2|1.3 (or 0x2 ... 0x10003),\n"
	"                     STD_BMAP, STD_HYP_BMAP, VENDOR_HYP_BMAP(_2)=MASK,\n"
	"                     SVE|PMU|PTRAUTH|AARCH32|MTE=off, an ID register's\n"
	"                     value (ID_AA64PFR0_EL1=0x..., ..., CTR_EL0=0x...,\n"
	"                     Linux 6.7+ sources); x86: CPU=MODEL,\n"
	"                     CPU_DISABLE=FEATURE[,FEATURE...],\n"
	"                     CPU_ENABLE=FEATURE[,...] (required besides the\n"
	"                     model's); QEMU: MACHINE=TYPE,\n"
	"                     VIRTTYPE=kvm|qemu (libvirt domain type);\n"
	"                     VFIO: HOSTDEV=DEV[,DEV...] (PCI address, mdev UUID),\n"
	"                     HOSTDEV_DST=DEV|-[,...] (destination device of each)\n"
	"  --pins-from FILE   the pins of a pins file (one NAME=VALUE a line, # comments;\n"
	"                     what `migcheck baseline` prints), in order with --pin\n"
	"  --matrix           the five directions: new->new, old->new, new->old,\n"
	"                     compat->old, old->compat, with SRC as \"new\" and DST as\n"
	"                     \"old\"; compat is SRC pinned down to what DST offers (the\n"
	"                     pins are computed and shown: features DST lacks off,\n"
	"                     ID registers, firmware registers, CPU_DISABLE, MACHINE)\n"
	"  --format FMT       text (default; colour on a terminal unless TERM=dumb or\n"
	"                     NO_COLOR is set), xml\n"
	"                     (schemas/plan.rng), junit (one test case per rule family),\n"
	"                     json (schemas/plan.schema.json; with --matrix\n"
	"                     schemas/matrix.schema.json)\n"
	"\n"
	"Exit status: 0 compatible; 1 compatible only with the listed actions;\n"
	"2 blocked (with --matrix: those of SRC -> DST); 64 usage (malformed pin,\n"
	"ambiguous prefix); 65 bad input (profiles of different architectures, a\n"
	"malformed pins file; a pin the source cannot apply is 64); 66 unknown host\n"
	"or profile, missing pins file; 69 a CPU pin while libvirt's CPU map is missing.\n",
};

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "pins-from", required_argument, NULL, 'P' },
		{ "matrix", no_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	mc_format fmt = MC_FMT_TEXT;
	bool matrix = false;
	mc_error err = { 0 };
	mc_pins *pins = mc_pins_new();
	mc_autodb *db = NULL;
	mc_named_profile a = { 0 }, b = { 0 };
	mc_plan *plan = NULL;
	mc_matrix m = { 0 };
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int pinned = mc_ctx_pin_option(ctx, c, optarg, pins, &err);
		if (pinned < 0) {
			rc = mc_report(&err);
			goto out;
		}
		if (pinned)
			continue;
		switch (c) {
		case 'm':
			matrix = true;
			break;
		case 'f':
			if (mc_format_parse(optarg, &fmt) < 0) {
				rc = mc_usage(&mc_verb_plan, "unknown format '%s'", optarg);
				goto out;
			}
			break;
		default:
			rc = mc_bad_option(&mc_verb_plan, argv, opts);
			goto out;
		}
	}
	if (optind + 2 != argc) {
		rc = mc_usage(&mc_verb_plan, "expected SRC and DST");
		goto out;
	}
	if (mc_resolve_profile(ctx, &db, argv[optind], &a, &err) < 0 ||
	    mc_resolve_profile(ctx, &db, argv[optind + 1], &b, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	mc_report_side sa = { a.label, a.id }, sb = { b.label, b.id };
	bool color = ctx->color && fmt == MC_FMT_TEXT;
	const mc_plan_env *env = mc_ctx_plan_env_for(ctx, a.facts, b.facts, pins);
	if (matrix) {
		if (mc_plan_matrix(env, a.facts, b.facts, pins, &m, &err) < 0 ||
		    mc_report_matrix(stdout, fmt, &m, &sa, &sb, pins, color, &err) < 0) {
			rc = mc_report(&err);
			goto out;
		}
		rc = (int)mc_plan_worst(m.row[MC_DIR_NEW_OLD]);
		goto out;
	}
	plan = mc_plan_compute(env, a.facts, b.facts, pins, &err);
	if (!plan || mc_report_plan(stdout, fmt, plan, &sa, &sb, pins, color, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	rc = (int)mc_plan_worst(plan);
out:
	mc_plan_free(plan);
	mc_matrix_clear(&m);
	mc_pins_free(pins);
	mc_named_profile_clear(&a);
	mc_named_profile_clear(&b);
	return rc;
}
