/* migcheck — the libvirt probe: QEMU version, machine types, CPU models and
 * hypervisor features as libvirt reports them (qemu.* facts). The one probe
 * that links libvirt: registered as "libvirt" in mc_probes[] of the builds
 * that define MC_PROBE_WITH_LIBVIRT; the static binaries leave it out. */
#ifndef MC_PROBE_LIBVIRT_H
#define MC_PROBE_LIBVIRT_H

#include <stdbool.h>

#include "core/base/error.h"
#include "core/base/facts.h"

#define MC_PROBE_LIBVIRT "libvirt"

/* Probe through libvirt at `uri` (NULL: libvirt's default, as virsh). The
 * connection is read-only; only virConnectGetDomainCapabilities, which
 * libvirt refuses on read-only connections, uses a read-write one when
 * allowed (otherwise `probe.skip libvirt_domcaps REASON`). When no daemon
 * answers, records `probe.skip libvirt REASON` and returns 0; -errno only for
 * internal errors. */
int mc_probe_libvirt(const char *uri, mc_facts *out, mc_error *err);

/* Route libvirt's own error printing away from stderr (once). */
void mc_libvirt_quiet(void);
/* libvirt's last error message, one line ("unknown error" when none). */
const char *mc_libvirt_last_error(void);

#endif
