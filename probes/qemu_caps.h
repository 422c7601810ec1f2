/* migcheck — what libvirt knows about a host's QEMU, as facts (domain qemu.*).
 * Pure parsers of libvirt's capabilities and domain-capabilities XML; the
 * connection to libvirt is in probes/libvirt.c. */
#ifndef MC_QEMU_CAPS_H
#define MC_QEMU_CAPS_H

#include <stddef.h>

#include "core/base/error.h"
#include "core/base/facts.h"

/* Add the facts of one libvirt document to `out`:
 *  <capabilities> (virConnectGetCapabilities): qemu/arch, qemu/virttype and
 *    the qemu.machine facts of the host architecture's hvm guest;
 *  <domainCapabilities> (virConnectGetDomainCapabilities): qemu/max_vcpus,
 *    qemu/default_machine, qemu.cpu_mode, qemu.host_model, qemu.cpu,
 *    qemu.os, qemu.device, qemu.feature.
 * The root element tells them apart. `name` names the input in errors
 * ("NAME: problem", exit 65). */
int mc_qemu_caps_parse(const char *xml, size_t len, const char *name, mc_facts *out, mc_error *err);

/* Only the custom CPU models of a <domainCapabilities> document, as DOMAIN
 * MODEL usable|unusable|unknown [deprecated]: the probe records the TCG
 * answer (virttype qemu) as qemu.cpu_tcg beside the KVM one (qemu.cpu). */
int mc_qemu_caps_cpu_models(const char *xml, size_t len, const char *name, const char *domain,
			    mc_facts *out, mc_error *err);

/* "7.2.22" from libvirt's version number 7002022. buf >= 32 bytes. */
const char *mc_qemu_version_str(unsigned long v, char *buf, size_t len);

/* Compare dotted versions ("7.2.0" vs "8.0"): <0, 0, >0. Missing parts are 0;
 * non-numeric parts compare as 0. */
int mc_qemu_version_cmp(const char *a, const char *b);

/* The virttype (kvm or qemu) and architecture a capabilities document
 * offers for the host's architecture; NULL-safe outputs, caller g_free()s. */
int mc_qemu_caps_guest(const char *xml, size_t len, const char *name, char **arch, char **virttype,
		       mc_error *err);

/* <host><uuid> of a capabilities document (libvirt's host UUID), or NULL.
 * Caller g_free()s. */
char *mc_qemu_caps_host_uuid(const char *xml, size_t len);

#endif
