#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "core/fleet/gate.h"
#include "core/planner/baseline.h"
#include "core/report/json.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_baseline = {
	"baseline",
	run,
	"one guest configuration (pins) that moves between all the given hosts",
	"Usage: migcheck [--db PATH] baseline HOST... [--format text|json]\n"
	"       migcheck [--db PATH] baseline --fleet [--arch ARCH] [--format text|json]\n"
	"\n"
	"Compute the pins, across every rule family, that make every ordered pair of\n"
	"the hosts compatible (a guest started with them on any host can be restored\n"
	"on any other): arm64 PSCI_VERSION and hypercall bitmaps, ID registers where\n"
	"the kernel lets userspace set them (Linux 6.7+), features turned off (SVE,\n"
	"PMU, ...); x86 CPU_DISABLE on host-passthrough; the machine type every host's\n"
	"QEMU knows. They start as the pairwise compat pins of `plan --matrix`, met\n"
	"over all pairs; then every ordered pair is planned with them, to prove it.\n"
	"A host that no such configuration can include leaves the set, with the\n"
	"reason (the pair that failed), and the pins are computed again for the rest.\n"
	"HOST is a host name, profile id (or unique prefix) or profile file; each\n"
	"migration class (profiles that plan alike) is planned once.\n"
	"\n"
	"  --fleet            every host of the inventory\n"
	"  --arch ARCH        only the hosts of ARCH (aarch64, x86_64); needed when\n"
	"                     the hosts have several architectures\n"
	"  --format FMT       text (default): a pins file, NAME=VALUE lines with the\n"
	"                     proof, the hosts left out and, for x86, libvirt's <cpu>\n"
	"                     element as # comments; plan, targets and gate read it\n"
	"                     with --pins-from FILE; or json\n"
	"                     (schemas/baseline.schema.json)\n"
	"\n"
	"Exit status: 0 every host joined and every pair is ok; 1 every host joined,\n"
	"some pairs need the listed actions; 2 some hosts cannot join (named, with\n"
	"the reason); 64 usage (no HOST and no --fleet, several architectures without\n"
	"--arch); 65 bad input (corrupt inventory, bad profile file); 66 unknown host,\n"
	"missing inventory, no hosts (of ARCH).\n",
};

/* The hosts as distinct profiles, labelled by their hosts. */
typedef struct {
	size_t n;
	const mc_facts **facts;
	size_t *weights;
	char **labels; /* "host a, host b" (at most 5, then "+N") */
	const char **ids;
	size_t *nprofiles; /* profiles in each class */
} groups;

static void groups_clear(groups *g)
{
	for (size_t i = 0; i < g->n; i++)
		g_free(g->labels[i]);
	g_free(g->labels);
	g_free(g->facts);
	g_free(g->weights);
	g_free(g->ids);
	g_free(g->nprofiles);
	memset(g, 0, sizeof(*g));
}

static int group(const mc_gate_fleet *f, const char *arch, groups *g, mc_error *err)
{
	size_t n = mc_gate_fleet_count(f);
	g->facts = g_new(const mc_facts *, n ? n : 1);
	g->weights = g_new(size_t, n ? n : 1);
	g->labels = g_new0(char *, n ? n : 1);
	g->ids = g_new(const char *, n ? n : 1);
	g->nprofiles = g_new(size_t, n ? n : 1);
	const char *first = NULL;
	for (size_t i = 0; i < n; i++) {
		const mc_facts *q = mc_gate_fleet_facts(f, i);
		const char *a = mc_facts_get(q, "kernel", "arch");
		if (arch && g_strcmp0(a, arch) != 0)
			continue;
		if (!arch && first && g_strcmp0(a, first) != 0)
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "baseline: the hosts have several architectures (%s, "
					    "%s): choose one with --arch",
					    first, a ? a : "unknown");
		if (!first)
			first = a ? a : "unknown";
		size_t k = g->n++;
		g->facts[k] = q;
		g->ids[k] = mc_gate_fleet_id(f, i);
		g->weights[k] = mc_gate_fleet_nhosts(f, i);
		g->nprofiles[k] = mc_gate_fleet_nprofiles(f, i);
		GString *s = g_string_new(NULL);
		for (size_t j = 0; j < g->weights[k] && j < 5; j++)
			g_string_append_printf(s, "%s%s", j ? ", " : "",
					       mc_gate_fleet_host(f, i, j));
		if (g->weights[k] > 5)
			g_string_append_printf(s, " +%zu", g->weights[k] - 5);
		g->labels[k] = g_string_free(s, FALSE);
	}
	if (!g->n)
		return mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "baseline: no hosts%s%s",
				    arch ? " of " : "", arch ? arch : "");
	return 0;
}

static void print_comment_block(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++)
		printf("#   %s\n", *l);
}

static int write_text(const mc_baseline *b, const groups *g, size_t nhosts, const char *arch)
{
	size_t joined = 0, jhosts = 0;
	for (size_t i = 0; i < g->n; i++)
		if (mc_baseline_joined(b, i)) {
			joined++;
			jhosts += g->weights[i];
		}
	printf("# migcheck baseline: %zu of %zu hosts (%zu of %zu migration classes, %s) share "
	       "this guest configuration\n",
	       jhosts, nhosts, joined, g->n, arch);
	printf("# proof: %zu ordered pairs of classes planned with these pins: %s (%zu plans in "
	       "all)\n",
	       mc_baseline_proof_plans(b), mc_level_name(mc_baseline_level(b)),
	       mc_baseline_plans(b));
	for (size_t i = 0; i < g->n; i++) {
		g_autofree char *more =
		    g->nprofiles[i] > 1
			? g_strdup_printf(", a class of %zu profiles", g->nprofiles[i])
			: g_strdup("");
		if (mc_baseline_joined(b, i))
			printf("# joined: %s (profile %.12s%s)\n", g->labels[i], g->ids[i], more);
		else
			printf("# cannot join: %s (profile %.12s%s): %s\n", g->labels[i], g->ids[i],
			       more, mc_baseline_reason(b, i));
	}
	size_t s, d;
	const mc_plan *p;
	for (size_t k = 0; (p = mc_baseline_action(b, k, &s, &d)); k++) {
		for (size_t v = 0; v < mc_plan_count(p); v++) {
			const mc_verdict *x = mc_plan_at(p, v);
			if (x->level == MC_V_ACTION)
				printf("# action %.12s -> %.12s: %s %s%s%s\n", g->ids[s], g->ids[d],
				       x->family, x->subject, *x->subject ? ": " : "", x->reason);
		}
	}
	g_autofree char *cpu = mc_baseline_libvirt_cpu(b);
	if (cpu) {
		printf("# libvirt domain XML (<domain>'s <cpu>):\n");
		print_comment_block(cpu);
	}
	const mc_pins *pins = mc_baseline_pins(b);
	if (!mc_pins_count(pins))
		printf("# no pins needed\n");
	for (size_t i = 0; i < mc_pins_count(pins); i++) {
		const char *n, *v;
		mc_pins_at(pins, i, &n, &v);
		printf("%s=%s\n", n, v);
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -EIO;
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fleet", no_argument, NULL, 'F' },
		{ "arch", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arch = NULL;
	bool json = false, whole = false;
	mc_error err = { 0 };
	mc_gate_fleet *fleet = NULL;
	mc_baseline *b = NULL;
	groups g = { 0 };
	mc_db *db = NULL;
	int opt, rc;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'F':
			whole = true;
			break;
		case 'a':
			arch = optarg;
			break;
		case 'f':
			json = strcmp(optarg, "json") == 0;
			if (!json && strcmp(optarg, "text") != 0)
				return mc_usage(&mc_verb_baseline,
						"unknown format '%s' (text or json)", optarg);
			break;
		default:
			return mc_bad_option(&mc_verb_baseline, argv, opts);
		}
	}
	if (whole == (optind < argc))
		return mc_usage(&mc_verb_baseline, whole ? "HOST arguments and --fleet exclude "
							   "each other"
							 : "expected HOST... or --fleet");
	if (whole) {
		if (!(db = mc_ctx_open_db(ctx, MC_DB_READ, &err)) ||
		    !(fleet = mc_load_classes(db, &err))) {
			rc = mc_report(&err);
			goto out;
		}
		if (!mc_gate_fleet_count(fleet)) {
			mc_error_set(&err, MC_EXIT_NOINPUT, ENOENT,
				     "baseline: inventory %s has no hosts", mc_db_path(db));
			rc = mc_report(&err);
			goto out;
		}
	} else {
		fleet = mc_gate_fleet_new();
		for (int i = optind; i < argc; i++) {
			mc_named_profile p = { 0 };
			int r = mc_resolve_profile(ctx, &db, argv[i], &p, &err);
			if (r == 0)
				r = mc_gate_fleet_add(fleet, p.host ? p.host : argv[i], p.facts,
						      &err);
			mc_named_profile_clear(&p);
			if (r < 0) {
				rc = mc_report(&err);
				goto out;
			}
		}
		mc_gate_fleet *byc = mc_gate_fleet_by_class(fleet);
		mc_gate_fleet_free(fleet);
		fleet = byc;
	}
	size_t nhosts = 0;
	if (group(fleet, arch, &g, &err) < 0) {
		rc = mc_report(&err);
		goto out;
	}
	for (size_t i = 0; i < g.n; i++)
		nhosts += g.weights[i];
	const char *the_arch = mc_facts_get(g.facts[0], "kernel", "arch");
	if (!(b = mc_baseline_compute(mc_ctx_plan_env(ctx), g.facts, g.weights,
				      (const char *const *)g.labels, g.n, &err))) {
		rc = mc_report(&err);
		goto out;
	}
	if (json) {
		if (mc_json_baseline(stdout, b, the_arch, g.n, g.ids, (const char *const *)g.labels,
				     g.weights, g.nprofiles, &err) < 0) {
			rc = mc_report(&err);
			goto out;
		}
	} else if (write_text(b, &g, nhosts, the_arch ? the_arch : "unknown") < 0) {
		mc_error_set(&err, MC_EXIT_IOERR, EIO, "baseline: write failed");
		rc = mc_report(&err);
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < g.n; i++)
		if (!mc_baseline_joined(b, i))
			rc = MC_EXIT_BLOCKED;
	if (!rc && mc_baseline_level(b) == MC_V_ACTION)
		rc = MC_EXIT_ACTION;
out:
	mc_baseline_free(b);
	groups_clear(&g);
	mc_gate_fleet_free(fleet);
	mc_db_close(db);
	return rc;
}
