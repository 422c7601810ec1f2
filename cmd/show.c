#include <getopt.h>
#include <glib.h>
#include <string.h>

#include "core/report/json.h"
#include "cmd/cmd.h"

static int run(mc_ctx *ctx, int argc, char **argv);

const mc_verb mc_verb_show = {
	"show",
	run,
	"summarise a host's profile",
	"Usage: migcheck [--db PATH] show HOST|PROFILE|FILE [--facts]\n"
	"                                [--format text|json]\n"
	"\n"
	"Summarise a profile: its id, the hosts that have it, kernel and architecture,\n"
	"how many facts of each domain, the arm64 firmware registers, and the probes\n"
	"that could not run (and why).\n"
	"\n"
	"  --facts          also list every fact\n"
	"  --format FMT     text (default), or json (schemas/show.schema.json)\n"
	"\n"
	"Exit status: 0; 64 usage or ambiguous prefix; 65 bad input; 66 unknown.\n",
};

static int print_host(const mc_db_host *h, void *opaque)
{
	(void)opaque;
	printf("host      %s (%s, %s)\n", h->name, h->probed_at, h->source);
	return 0;
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "facts", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false, json = false;
	mc_error err = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			json = strcmp(optarg, "json") == 0;
			if (!json && strcmp(optarg, "text") != 0)
				return mc_usage(&mc_verb_show, "unknown format '%s' (text or json)",
						optarg);
			break;
		default:
			return mc_bad_option(&mc_verb_show, argv, opts);
		}
	}
	if (optind + 1 != argc)
		return mc_usage(&mc_verb_show, "expected one HOST, PROFILE or FILE");

	mc_autodb *db = NULL;
	mc_named_profile p;
	if (mc_resolve_profile(ctx, &db, argv[optind], &p, &err) < 0)
		return mc_report(&err);
	mc_facts *f = p.facts;
	if (json) {
		int r = mc_json_show(stdout, p.in_db ? db : NULL, p.id, p.label, f, all, &err);
		mc_named_profile_clear(&p);
		return r < 0 ? mc_report(&err) : 0;
	}
	const char *rel = mc_facts_get(f, "kernel", "release");
	const char *arch = mc_facts_get(f, "kernel", "arch");
	printf("profile   %s\n", p.id);
	if (p.in_db && mc_db_each_host(db, p.id, print_host, NULL, &err) < 0) {
		mc_named_profile_clear(&p);
		return mc_report(&err);
	}
	printf("kernel    %s %s\n", rel ? rel : "?", arch ? arch : "?");
	printf("facts     %zu:", mc_facts_count(f));
	for (size_t i = 0; i < mc_facts_count(f);) {
		const char *d = mc_facts_at(f, i)->domain;
		size_t first, last;
		mc_facts_domain_range(f, d, &first, &last);
		printf(" %s %zu%s", d, last - first, last < mc_facts_count(f) ? "," : "");
		i = last;
	}
	printf("\n");
	size_t first, last;
	mc_facts_domain_range(f, "arm64.fwreg", &first, &last);
	for (size_t i = first; i < last; i++)
		printf("fwreg     %s = %s\n", mc_facts_at(f, i)->key, mc_facts_at(f, i)->value);
	mc_facts_domain_range(f, "probe.skip", &first, &last);
	for (size_t i = first; i < last; i++)
		printf("skipped   %s: %s\n", mc_facts_at(f, i)->key, mc_facts_at(f, i)->value);
	if (all) {
		g_autofree char *canon = mc_facts_canonical(f, NULL);
		printf("\n%s", canon);
	}
	mc_named_profile_clear(&p);
	return 0;
}
