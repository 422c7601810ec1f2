#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "probes/probe.h"
#include "cmd/cmd.h"

#ifndef MC_LIGHT /* the code links libvirt or libcurl: cmd/cmd.h */
static int run(mc_ctx *ctx, int argc, char **argv);
#endif

const mc_verb mc_verb_probe = {
	"probe",
	MC_HEAVY_RUN(run),
	"probe this host and store its profile",
	"Usage: migcheck [--db PATH] probe [--host NAME] [--only PROBE,...] [--print]\n"
	"                                [--libvirt-uri URI]\n"
	"\n"
	"Read this host (kernel, KVM capabilities and module parameters, x86 MSR and\n"
	"CPUID lists, arm64 registers and firmware registers, ...), store the facts\n"
	"as a profile in the inventory under the host name, and print the profile id.\n"
	"A probe that cannot run here (no /dev/kvm, other architecture) is recorded\n"
	"as a 'probe.skip' fact with the reason; it does not fail the run.\n"
	"\n"
	"  --host NAME      host name to record (default: this machine's host name)\n"
	"  --only LIST      run only these probes (comma separated; see --list)\n"
	"  --list           list the probes and exit\n"
	"  --print          print the canonical facts instead of storing them\n"
	"  --libvirt-uri URI  libvirt to ask for QEMU facts (probe 'libvirt'; default:\n"
	"                   as virsh: $LIBVIRT_DEFAULT_URI, else libvirt's default)\n"
	"\n"
	"Exit status: 0 stored; 64 usage; 65 bad inventory; 69 inventory locked by\n"
	"another writer (after 5 s); 74 I/O error (disk full); 77 permission denied\n"
	"(inventory read-only).\n",
};

#ifndef MC_LIGHT

/* A stable identity for libvirt integration: SMBIOS UUID, else machine-id. */
static char *host_uuid(void)
{
	g_autofree char *s = NULL;
	if (g_file_get_contents("/sys/class/dmi/id/product_uuid", &s, NULL, NULL) ||
	    g_file_get_contents("/etc/machine-id", &s, NULL, NULL)) {
		g_strstrip(s);
		if (*s)
			return g_ascii_strdown(s, -1);
	}
	return NULL;
}

static int run(mc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "only", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "print", no_argument, NULL, 'p' },
		{ "libvirt-uri", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *hostname = NULL, *lv_uri = NULL;
	g_auto(GStrv) only = NULL;
	bool print = false;
	mc_error err = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			hostname = optarg;
			break;
		case 'o':
			g_strfreev(only);
			only = g_strsplit(optarg, ",", -1);
			break;
		case 'l':
			for (size_t i = 0; i < mc_n_probes; i++)
				printf("%s\n", mc_probes[i].name);
			return 0;
		case 'p':
			print = true;
			break;
		case 'u':
			lv_uri = optarg;
			break;
		default:
			return mc_bad_option(&mc_verb_probe, argv, opts);
		}
	}
	if (optind != argc)
		return mc_usage(&mc_verb_probe, "unexpected argument '%s'", argv[optind]);
	if (only) {
		for (char **p = only; *p; p++) {
			size_t i;
			for (i = 0; i < mc_n_probes; i++)
				if (strcmp(*p, mc_probes[i].name) == 0)
					break;
			if (i == mc_n_probes)
				return mc_usage(&mc_verb_probe, "unknown probe '%s'", *p);
		}
	}

	mc_probe_env env;
	mc_probe_env_default(&env);
	mc_autofacts *facts = mc_facts_new();
	env.libvirt_uri = lv_uri;
	if (!facts || mc_probe_run_all(&env, (const char *const *)only, facts, &err) < 0)
		return mc_report(&err);
	if (print) {
		g_autofree char *canon = mc_facts_canonical(facts, NULL);
		fputs(canon, stdout);
		return 0;
	}

	if (!hostname)
		hostname = g_get_host_name(); /* "localhost" when the system has none */
	g_autofree char *uuid = host_uuid();
	mc_host_info host = { (char *)hostname, uuid, time(NULL) };
	mc_autodb *db = mc_ctx_open_db(ctx, MC_DB_WRITE, &err);
	char id[MC_PROFILE_ID_LEN + 1];
	if (!db || mc_db_store_host(db, &host, facts, "probe", id, &err) < 0)
		return mc_report(&err);
	printf("%s\n", id);
	return 0;
}
#endif /* MC_LIGHT */
