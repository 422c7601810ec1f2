/* Probe "kernel": uname(2) release and machine, and the migration-relevant
 * parameters of the kernel command line. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "probes/parsers.h"
#include "probes/probe.h"
#include "probes/util.h"

#define CMDLINE_MAX (256 * 1024)

/* Parameters that change what a guest sees or which mitigations protect it,
 * written with '_' (matching treats '-' and '_' alike, as the kernel does). */
static const char *const relevant_names[] = {
	"amd_iommu",
	"clearcpuid",
	"gather_data_sampling",
	"intel_iommu",
	"iommu",
	"kpti",
	"l1tf",
	"mds",
	"mitigations",
	"mmio_stale_data",
	"nopku",
	"nopti",
	"nosmt",
	"nospec_store_bypass_disable",
	"nospectre_bhb",
	"nospectre_v1",
	"nospectre_v2",
	"noxsave",
	"noxsaveopt",
	"noxsaves",
	"pti",
	"reg_file_data_sampling",
	"retbleed",
	"spec_rstack_overflow",
	"spec_store_bypass_disable",
	"spectre_bhi",
	"spectre_v2",
	"spectre_v2_user",
	"srbds",
	"ssbd",
	"tsx",
	"tsx_async_abort",
};

/* Whole families, matched on the normalised name: KVM and VFIO module
 * parameters, arm64 KVM mode/traps, IOMMU defaults, arm64 feature and ID
 * register overrides (arm64.nosve, id_aa64mmfr1.vh=0, ...). */
static const char *const relevant_prefixes[] = {
	"arm64.", "id_aa64",           "iommu.",    "kvm.", "kvm_amd.", "kvm_arm.", "kvm_intel.",
	"vfio.",  "vfio_iommu_type1.", "vfio_pci.",
};

/* The kernel's isspace(): its ctype table also has 0xa0 as space. */
static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static char *skip_spaces(char *s)
{
	while (*s && k_isspace((unsigned char)*s))
		s++;
	return s;
}

/* lib/cmdline.c next_arg(), same quoting rules. */
static char *next_arg(char *args, char **param, char **val)
{
	size_t i, equals = 0;
	bool in_quote = false, quoted = false;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (k_isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') { /* don't include quotes in the value */
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		args += i + 1;
	} else {
		args += i;
	}
	return skip_spaces(args);
}

bool mc_cmdline_relevant(const char *name, char *key, size_t key_size)
{
	size_t n = strlen(name);
	char *norm = malloc(n + 1);
	bool relevant = false;
	if (!norm)
		return false;
	for (size_t i = 0; i <= n; i++)
		norm[i] = name[i] == '-' ? '_' : name[i];
	for (size_t i = 0; !relevant && i < sizeof(relevant_names) / sizeof(*relevant_names); i++)
		relevant = strcmp(norm, relevant_names[i]) == 0;
	for (size_t i = 0; !relevant && i < sizeof(relevant_prefixes) / sizeof(*relevant_prefixes);
	     i++) {
		size_t pl = strlen(relevant_prefixes[i]);
		relevant = strncmp(norm, relevant_prefixes[i], pl) == 0 && norm[pl] != '\0';
	}
	if (relevant) {
		size_t pos = sizeof("cmdline.") - 1;
		int r = -ERANGE;
		if (strncmp(norm, "kvm_arm.", 8) == 0) /* its documented spelling */
			memcpy(norm, "kvm-arm.", 8);
		if (key_size > pos) {
			memcpy(key, "cmdline.", pos + 1);
			r = mc_probe_escape(key, key_size, &pos, norm, n);
		}
		if (r == 0)
			r = mc_probe_escape_trailing_space(key, key_size, &pos);
		relevant = r == 0;
	}
	free(norm);
	return relevant;
}

int mc_probe_parse_cmdline(const char *text, mc_facts *out, mc_error *err)
{
	int r = 0;
	size_t len = strlen(text);
	size_t cap = 4 * len + 16; /* worst case: every byte escaped */
	char *copy = strdup(text), *key = malloc(cap), *value = malloc(cap);
	if (!copy || !key || !value) {
		r = mc_probe_nomem(err, "cmdline");
		goto out;
	}
	/* /proc/cmdline adds one LF the kernel never parsed (it matters after an
	 * unterminated quote). */
	if (len && copy[len - 1] == '\n')
		copy[len - 1] = '\0';
	char *args = skip_spaces(copy);
	while (*args) {
		char *param, *val;
		args = next_arg(args, &param, &val);
		if (!val && strcmp(param, "--") == 0)
			break; /* the rest is for init */
		if (!mc_cmdline_relevant(param, key, cap))
			continue;
		size_t pos = 0;
		value[0] = '\0';
		if (!val)
			strcpy(value, "1");
		else if (mc_probe_escape(value, cap, &pos, val, strlen(val)) < 0 ||
			 mc_probe_escape_trailing_space(value, cap, &pos) < 0) {
			r = mc_error_set(err, MC_EXIT_SOFTWARE, ERANGE,
					 "cmdline: %s: value too long", key);
			goto out;
		}
		/* mc_facts_set: a later occurrence replaces an earlier one. */
		if ((r = mc_probe_fact(out, "kernel", key, value, err)) < 0)
			goto out;
	}
out:
	free(copy);
	free(key);
	free(value);
	return r;
}

int mc_probe_run_kernel(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	struct utsname u;
	char *text = NULL;
	int r;

	if (uname(&u) < 0)
		return mc_error_set(err, 0, errno, "uname: %s", strerror(errno));
	if ((r = mc_probe_fact(out, "kernel", "release", u.release, err)) < 0 ||
	    (r = mc_probe_fact(out, "kernel", "arch", u.machine, err)) < 0)
		goto out;
	if ((r = mc_probe_read_file(env->proc_cmdline, CMDLINE_MAX, &text, NULL, err)) < 0)
		goto out;
	r = mc_probe_parse_cmdline(text, out, err);
	if (r < 0)
		mc_error_prefix(err, "%s", env->proc_cmdline);
out:
	free(text);
	return r;
}
