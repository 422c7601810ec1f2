/* migcheck — the libvirt probe: QEMU version, machine types, CPU models and
 * hypervisor features as libvirt reports them (qemu.* facts). It links
 * libvirt, so it lives in core/, not in the libc-only probes/ library;
 * `migcheck probe` runs it after the static probes. */
#ifndef MC_PROBE_LIBVIRT_H
#define MC_PROBE_LIBVIRT_H

#include <stdbool.h>

#include "error.h"
#include "facts.h"

#define MC_PROBE_LIBVIRT "libvirt"

/* Probe through libvirt at `uri` (NULL: libvirt's default, as virsh). The
 * connection is read-only; only virConnectGetDomainCapabilities, which
 * libvirt refuses on read-only connections, uses a read-write one when
 * allowed (otherwise `probe.skip libvirt_domcaps REASON`). When no daemon
 * answers, records `probe.skip libvirt REASON` and returns 0; -errno only for
 * internal errors. */
int mc_probe_libvirt(const char *uri, mc_facts *out, mc_error *err);

/* --only handling: whether the libvirt probe is wanted (only == NULL: yes),
 * and the list without "libvirt" for the static probes (NULL when only is
 * NULL; caller g_strfreev()s). */
bool mc_probe_libvirt_wanted(const char *const *only);
char **mc_probe_libvirt_static_only(const char *const *only);

/* Route libvirt's own error printing away from stderr (once). */
void mc_libvirt_quiet(void);
/* libvirt's last error message, one line ("unknown error" when none). */
const char *mc_libvirt_last_error(void);

#endif
