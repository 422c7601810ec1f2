/* migcheck — host probes. One file per probe, registered in mc_probes[].
 * Plain C (libc + kernel uAPI headers): the static probe binary that runs in
 * emulated test hosts links the same code. The one exception is the libvirt
 * probe (libvirt.c, qemu_caps.c), which links libvirt and libxml2: it is in
 * the table only in builds that define MC_PROBE_WITH_LIBVIRT (libmigcheck.a,
 * not the static binaries). */
#ifndef MC_PROBE_H
#define MC_PROBE_H

#include "core/base/error.h"
#include "core/base/facts.h"

/* Paths the probes read, overridable so parsers can be tested on fixtures. */
typedef struct mc_probe_env {
	const char *kvm_dev;      /* "/dev/kvm" */
	const char *proc_cmdline; /* "/proc/cmdline" */
	const char *sys_module;   /* "/sys/module" */
	const char *sys_root;     /* "/sys" (VFIO, IOMMU probes) */
	/* The libvirt probe (in builds that link libvirt): the URI to ask (NULL:
	 * libvirt's default, as virsh), or, when libvirt_skip is set, no
	 * connection at all and `probe.skip libvirt LIBVIRT_SKIP` instead (the
	 * libvirt hook must never call back into its own daemon). */
	const char *libvirt_uri;
	const char *libvirt_skip;
} mc_probe_env;

void mc_probe_env_default(mc_probe_env *env);

/* A probe adds facts to `out`. When it cannot run on this host (no /dev/kvm,
 * other architecture, ...) it returns -ENOTSUP/-ENOENT/... with err saying why
 * in a few words; the runner then records the fact
 * `probe.skip / NAME / REASON` and goes on. */
typedef struct mc_probe {
	const char *name;
	int (*run)(const mc_probe_env *env, mc_facts *out, mc_error *err);
} mc_probe;

extern const mc_probe mc_probes[];
extern const size_t mc_n_probes;

/* Run every probe (or only those named in `only`, NULL-terminated). Never
 * fails for a probe that cannot run; returns -errno only for an internal error
 * (out of memory, invalid fact). */
int mc_probe_run_all(const mc_probe_env *env, const char *const *only, mc_facts *out,
		     mc_error *err);

#endif
