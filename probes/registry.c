/* The probe table and the runner. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "probes/probe.h"
#include "probes/util.h"

#ifdef MC_PROBE_LIBVIRT_STUB
/* migcheck without libvirt (cmd/build.am): the libvirt probe is recorded as
 * skipped, with the reason the caller gives (the hook's), as
 * mc_probe_run_libvirt does when env->libvirt_skip is set. */
static int run_libvirt_stub(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	return mc_facts_set(out, "probe.skip", "libvirt",
			    env->libvirt_skip && *env->libvirt_skip
				? env->libvirt_skip
				: "not linked into this program (migcheck-full probes libvirt)",
			    err);
}
#endif

const mc_probe mc_probes[] = {
	{ "kernel", mc_probe_run_kernel },
	{ "kvm_caps", mc_probe_run_kvm_caps },
	{ "kvm_params", mc_probe_run_kvm_params },
	{ "x86_msr", mc_probe_run_x86_msr },
	{ "x86_cpuid", mc_probe_run_x86_cpuid },
	{ "arm64_regs", mc_probe_run_arm64_regs },
	{ "vfio", mc_probe_run_vfio },
#ifdef MC_PROBE_WITH_LIBVIRT
	{ "libvirt", mc_probe_run_libvirt },
#elif defined(MC_PROBE_LIBVIRT_STUB)
	{ "libvirt", run_libvirt_stub },
#endif
};

const size_t mc_n_probes = sizeof(mc_probes) / sizeof(mc_probes[0]);

void mc_probe_env_default(mc_probe_env *env)
{
	env->kvm_dev = "/dev/kvm";
	env->proc_cmdline = "/proc/cmdline";
	env->sys_module = "/sys/module";
	env->sys_root = "/sys";
	env->libvirt_uri = NULL;
	env->libvirt_skip = NULL;
}

static bool wanted(const char *name, const char *const *only)
{
	if (!only)
		return true;
	for (; *only; only++)
		if (strcmp(*only, name) == 0)
			return true;
	return false;
}

/* The reason recorded in probe.skip: err's message made a valid fact value
 * (one line already; no TAB, no trailing white space, not empty). */
static void skip_reason(const mc_error *e, char *buf, size_t size)
{
	const char *msg = e->msg[0] ? e->msg : strerror(e->errnum);
	size_t n = 0;
	for (; msg[n] && n + 1 < size; n++)
		buf[n] = (msg[n] == '\t' || msg[n] == '\r' || msg[n] == '\n') ? ' ' : msg[n];
	while (n && strchr(" \v\f", buf[n - 1]))
		n--;
	buf[n] = '\0';
	if (!n)
		snprintf(buf, size, "errno %d", e->errnum);
}

int mc_probe_run_all(const mc_probe_env *env, const char *const *only, mc_facts *out, mc_error *err)
{
	mc_facts *scratch = NULL;
	int r = 0;

	if (only) { /* a name that is no probe is a usage error */
		for (const char *const *o = only; *o; o++) {
			size_t i = 0;
			while (i < mc_n_probes && strcmp(mc_probes[i].name, *o) != 0)
				i++;
			if (i == mc_n_probes)
				return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
						    "unknown probe \"%s\"", *o);
		}
	}
	for (size_t i = 0; i < mc_n_probes; i++) {
		const mc_probe *p = &mc_probes[i];
		mc_error perr = { 0 };
		if (!wanted(p->name, only))
			continue;
		mc_facts_free(scratch);
		scratch = mc_facts_new();
		if (!scratch) {
			r = mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "probe %s: out of memory",
					 p->name);
			goto out;
		}
		int pr = p->run(env, scratch, &perr);
		if (pr < 0) {
			if (!perr.errnum) /* a probe that forgot to say why */
				mc_error_set(&perr, 0, -pr, "%s", strerror(-pr));
			if (perr.errnum == ENOMEM || perr.exit_code == MC_EXIT_SOFTWARE) {
				mc_error_set(err, perr.exit_code, perr.errnum, "probe %s: %s",
					     p->name, perr.msg);
				r = -perr.errnum;
				goto out;
			}
			char reason[MC_ERROR_MSG_MAX];
			skip_reason(&perr, reason, sizeof(reason));
			if ((r = mc_facts_set(out, "probe.skip", p->name, reason, err)) < 0)
				goto out;
			continue;
		}
		/* Merge only a complete run: a probe that failed halfway adds nothing. */
		size_t n = mc_facts_count(scratch);
		for (size_t j = 0; j < n; j++) {
			const mc_fact *f = mc_facts_at(scratch, j);
			if ((r = mc_facts_set(out, f->domain, f->key, f->value, err)) < 0)
				goto out;
		}
	}
out:
	mc_facts_free(scratch);
	return r;
}
