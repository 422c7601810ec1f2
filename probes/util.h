/* migcheck — helpers shared by the probe files (not part of the probe API). */
#ifndef MC_PROBES_UTIL_H
#define MC_PROBES_UTIL_H

#include <stddef.h>

#include "core/base/error.h"
#include "core/base/facts.h"

/* Add a fact; a failure (out of memory, a field the facts model rejects) is an
 * internal error of the probe: err's exit code becomes MC_EXIT_SOFTWARE, so the
 * runner aborts instead of recording the probe as skipped. */
int mc_probe_fact(mc_facts *out, const char *domain, const char *key, const char *value,
		  mc_error *err);
int mc_probe_factf(mc_facts *out, const char *domain, const char *key, mc_error *err,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Out of memory while doing `what`: internal error. */
int mc_probe_nomem(mc_error *err, const char *what);

/* Read a whole (small, virtual) file; NUL-terminated, *len_out without it.
 * Files are read up to `max` bytes (-EFBIG beyond). */
int mc_probe_read_file(const char *path, size_t max, char **text_out, size_t *len_out,
		       mc_error *err);

/* Open the KVM device read-write. Returns the fd or -errno with a short
 * reason ("no /dev/kvm (No such file or directory)"). */
int mc_probe_open_kvm(const char *path, mc_error *err);

/* Append `s` to buf (size bytes, at *pos), escaping bytes a fact value cannot
 * hold or would be ambiguous: control bytes, bytes >= 0x80 and '\' as \xNN.
 * Returns -ERANGE when it does not fit. */
int mc_probe_escape(char *buf, size_t size, size_t *pos, const char *s, size_t n);
/* Escape trailing spaces (already in buf[0..*pos)) as \x20, in place. */
int mc_probe_escape_trailing_space(char *buf, size_t size, size_t *pos);

/* In a BTF blob (the kernel's /sys/kernel/btf/vmlinux, format of
 * include/uapi/linux/btf.h): 1 when the enum (or enum64) type `enum_name`
 * has the enumerator `value`, 0 when it exists without it, -ENOENT when there
 * is no such enum, -EINVAL when the blob is malformed. */
int mc_btf_enum_has(const unsigned char *btf, size_t len, const char *enum_name, const char *value);

/* The probes (one per file), registered in registry.c. */
struct mc_probe_env;
#define MC_PROBE_DECLARE(name)                                                                     \
	int mc_probe_run_##name(const struct mc_probe_env *env, mc_facts *out, mc_error *err)
MC_PROBE_DECLARE(kernel);
MC_PROBE_DECLARE(kvm_caps);
MC_PROBE_DECLARE(kvm_params);
MC_PROBE_DECLARE(x86_msr);
MC_PROBE_DECLARE(x86_cpuid);
MC_PROBE_DECLARE(libvirt);
MC_PROBE_DECLARE(arm64_regs);
MC_PROBE_DECLARE(vfio);

#endif
