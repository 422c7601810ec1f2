/* migcheck-probe — the static probe binary (also run inside emulated hosts).
 *
 *   migcheck-probe [--only NAME[,NAME...]]...   facts of this host, canonical text
 *   migcheck-probe --list                       probe names
 *   migcheck-probe --set-fwreg NAME=VALUE[,...] (aarch64) try KVM_SET_ONE_REG on a
 *                                               fresh vCPU, one result line each
 * Paths can be redirected for tests: --kvm-dev, --cmdline, --sys-module.
 * Errors: one line on stderr, exit code from sysexits.h. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/arm64.h"
#include "probes/parsers.h"
#include "probes/probe.h"

#define PROG "migcheck-probe"
#define MAX_ONLY 64

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--only NAME[,NAME...]] [--kvm-dev PATH] [--cmdline PATH]\n"
		   "                      [--sys-module PATH]\n"
		   "       " PROG " --list\n"
		   "       " PROG " --set-fwreg NAME=VALUE[,NAME=VALUE...] [--kvm-dev PATH]\n");
}

static int fail(const mc_error *err)
{
	fprintf(stderr, PROG ": %s\n", err->msg);
	return err->exit_code ? err->exit_code : MC_EXIT_SOFTWARE;
}

/* --set-fwreg: one VM/vCPU, the registers set in the order given. */
static int set_fwregs(const char *kvm_dev, char *spec)
{
	mc_error err = { 0 };
	mc_arm64_vcpu v;
	struct {
		uint64_t id, value;
	} regs[64];
	size_t n = 0;
	char *save = NULL;

	for (char *item = strtok_r(spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *end;
		if (!eq) {
			mc_error_set(&err, MC_EXIT_USAGE, EINVAL,
				     "--set-fwreg: \"%s\": expected NAME=VALUE", item);
			return fail(&err);
		}
		*eq = '\0';
		if (n == sizeof(regs) / sizeof(regs[0])) {
			mc_error_set(&err, MC_EXIT_USAGE, E2BIG,
				     "--set-fwreg: more than %zu registers", n);
			return fail(&err);
		}
		if (mc_arm64_fwreg_parse(item, &regs[n].id, &err) < 0)
			return fail(&err);
		errno = 0;
		regs[n].value = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || eq[1] == '-') {
			mc_error_set(&err, MC_EXIT_USAGE, EINVAL,
				     "--set-fwreg: %s: \"%s\" is not a 64-bit number", item,
				     eq + 1);
			return fail(&err);
		}
		n++;
	}
	if (!n) {
		mc_error_set(&err, MC_EXIT_USAGE, EINVAL, "--set-fwreg: no register given");
		return fail(&err);
	}
	if (mc_arm64_vcpu_open(kvm_dev, &v, &err) < 0)
		return fail(&err);
	for (size_t i = 0; i < n; i++) {
		char nbuf[MC_ARM64_REG_NAME_MAX], ebuf[MC_ERRNO_NAME_MAX];
		mc_error e = { 0 };
		const char *name = mc_arm64_fwreg_name(regs[i].id, nbuf);
		int r = mc_arm64_vcpu_set_reg(&v, regs[i].id, regs[i].value, &e);
		if (r < 0)
			printf("%s\t0x%" PRIx64 "\terror\t%s\n", name, regs[i].value,
			       mc_errno_name(-r, ebuf));
		else
			printf("%s\t0x%" PRIx64 "\tok\n", name, regs[i].value);
	}
	mc_arm64_vcpu_close(&v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		mc_error_set(&err, MC_EXIT_IOERR, EIO, "stdout: write error");
		return fail(&err);
	}
	return MC_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "set-fwreg", required_argument, NULL, 's' },
		{ "kvm-dev", required_argument, NULL, 'k' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "sys-module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	mc_probe_env env;
	mc_error err = { 0 };
	const char *only[MAX_ONLY + 1];
	size_t n_only = 0;
	char *set_spec = NULL;
	int list = 0, c, rc = MC_EXIT_OK;
	mc_facts *facts = NULL;
	char *text = NULL;

	mc_probe_env_default(&env);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			for (char *save = NULL, *s = strtok_r(optarg, ",", &save); s;
			     s = strtok_r(NULL, ",", &save)) {
				if (n_only == MAX_ONLY) {
					fprintf(stderr, PROG ": --only: too many names\n");
					return MC_EXIT_USAGE;
				}
				only[n_only++] = s;
			}
			break;
		case 'l':
			list = 1;
			break;
		case 's':
			set_spec = optarg;
			break;
		case 'k':
			env.kvm_dev = optarg;
			break;
		case 'c':
			env.proc_cmdline = optarg;
			break;
		case 'm':
			env.sys_module = optarg;
			break;
		case 'h':
			usage(stdout);
			return MC_EXIT_OK;
		default:
			usage(stderr);
			return MC_EXIT_USAGE;
		}
	}
	if (optind != argc || (list && (set_spec || n_only)) || (set_spec && n_only)) {
		usage(stderr);
		return MC_EXIT_USAGE;
	}
	if (list) {
		for (size_t i = 0; i < mc_n_probes; i++)
			printf("%s\n", mc_probes[i].name);
		return fflush(stdout) == 0 ? MC_EXIT_OK : MC_EXIT_IOERR;
	}
	if (set_spec)
		return set_fwregs(env.kvm_dev, set_spec);

	only[n_only] = NULL;
	facts = mc_facts_new();
	if (!facts) {
		mc_error_set(&err, MC_EXIT_SOFTWARE, ENOMEM, "out of memory");
		rc = fail(&err);
		goto out;
	}
	if (mc_probe_run_all(&env, n_only ? only : NULL, facts, &err) < 0) {
		rc = fail(&err);
		goto out;
	}
	size_t len;
	text = mc_facts_canonical(facts, &len);
	if (!text) {
		mc_error_set(&err, MC_EXIT_SOFTWARE, ENOMEM, "out of memory");
		rc = fail(&err);
		goto out;
	}
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		mc_error_set(&err, MC_EXIT_IOERR, EIO, "stdout: write error");
		rc = fail(&err);
	}
out:
	free(text);
	mc_facts_free(facts);
	return rc;
}
