/* migcheck — a libvirt domain as the planner sees it: the guest
 * configuration (machine type, CPU, host devices) read from its domain XML,
 * and migcheck's own <metadata> element (schemas/metadata.rng), which the
 * source stamps before a migration so the destination (the libvirt hook)
 * knows which host profile the guest comes from. Pure functions. */
#ifndef MC_DOMXML_H
#define MC_DOMXML_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/planner/planner.h"
#include "core/model/profile.h"

#define MC_METADATA_NS "urn:x-migcheck:metadata:1"
#define MC_METADATA_KEY "migcheck" /* namespace prefix libvirt stores it under */

#define MC_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0" /* <qemu:override> */

/* A host device the guest holds through VFIO: <hostdev mode='subsystem'
 * type='pci'> or type='mdev'. */
typedef struct mc_hostdev {
	bool mdev;
	char *id;               /* mdev UUID (lowercase) or PCI address DDDD:BB:SS.F */
	char *alias;            /* <alias name=> (a running domain's), or NULL */
	char *enable_migration; /* QEMU property enable-migration set for the alias
				 * by <qemu:override> (on, off, auto), or NULL */
} mc_hostdev;

typedef struct mc_guest {
	char *name;
	char *uuid;
	char *virttype; /* kvm, qemu */
	char *arch;     /* os/type@arch, may be NULL */
	char *machine;  /* os/type@machine, may be NULL */
	/* The guest's configuration: the metadata's pins, then what the XML
	 * says (MACHINE, VIRTTYPE, CPU and CPU_DISABLE for x86, HOSTDEV) over them. */
	mc_pins *pins;
	/* migcheck metadata (has_meta false when the domain has none) */
	bool has_meta;
	char *meta_host;                          /* source host name */
	char meta_profile[MC_PROFILE_ID_LEN + 1]; /* source profile id */
	time_t meta_time;                         /* when it was stamped */
	mc_pins *meta_pins;                       /* pins recorded there */
	mc_facts *meta_facts; /* the embedded source profile (checked against the id), or NULL */
	/* VFIO host devices in XML order (also pin HOSTDEV, ids joined by ','):
	 * a device without a valid source (PCI address, mdev UUID) or listed
	 * twice makes the XML malformed (exit 65). */
	mc_hostdev *hostdevs;
	size_t n_hostdevs;
} mc_guest;

/* An mdev UUID as libvirt writes it: 8-4-4-4-12 hex digits. */
bool mc_mdev_uuid_ok(const char *s);

/* Parse a domain XML document. Errors (exit 65) name `name` and the problem:
 * not a domain, malformed migcheck metadata (missing attributes, a profile
 * whose content does not match its id, an unknown pin). */
mc_guest *mc_guest_from_xml(const char *xml, size_t len, const char *name, mc_error *err);
void mc_guest_free(mc_guest *g);

/* The guest's pins, recorded (metadata) and effective, checked against the
 * planner's environment like mc_guest_from_xml checks their form (a CPU
 * model the CPU-model database lacks): same errors, exit 65. */
int mc_guest_check_pins(const mc_guest *g, const mc_plan_env *env, const char *name, mc_error *err);

/* The metadata element to store with virDomainSetMetadata (key
 * MC_METADATA_KEY, namespace MC_METADATA_NS): the source host, its profile
 * id and facts (base64 of the canonical text), the pins, the time. Caller
 * g_free()s. */
char *mc_metadata_build(const char *host, const mc_facts *profile, const mc_pins *pins, time_t t,
			mc_error *err);

/* One-line description of the guest configuration ("machine=... cpu=...
 * pins=..."), as the unit tests and `migrate --dry-run` show it. */
char *mc_guest_describe(const mc_guest *g);

/* The guest as the destination sees it during an incoming migration (the
 * libvirt hook): migrate rewrote its host device sources to the
 * destination's devices and stamped the source's (pin HOSTDEV) with the
 * mapping (HOSTDEV_DST). When the XML's devices are the stamped mapping's,
 * g->pins get HOSTDEV from the stamp and HOSTDEV_DST from the XML, so that
 * the plan from the source profile finds the source's devices. Returns
 * true when it did. */
bool mc_guest_incoming(mc_guest *g);

/* The domain XML with the source of each VFIO host device from[i] (mdev
 * UUID or PCI address, as mc_hostdev.id) replaced by to[i] (of the same
 * kind): what the destination must use (VIR_MIGRATE_PARAM_DEST_XML). With
 * `all`, every from[i] must be in the domain (exit 64; a persistent
 * definition may lack a hot-plugged device). Caller g_free()s. */
char *mc_domxml_map_hostdevs(const char *xml, size_t len, const char *name, const char *const *from,
			     const char *const *to, size_t n, bool all, mc_error *err);

#endif
