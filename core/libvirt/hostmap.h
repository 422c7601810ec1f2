/* migcheck — which destination device each of a guest's VFIO host devices
 * moves to: the operator's --hostdev-map SRC=DST, else a free destination
 * device of the same kind, type (mdev type or PCI ids), driver and driver
 * version that the destination profile says can resume VFIO migration
 * state. Pure: the facts of both profiles, the guest, and which destination
 * devices running domains hold (asked from the destination libvirt by the
 * caller). */
#ifndef MC_HOSTMAP_H
#define MC_HOSTMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "core/libvirt/domxml.h"

typedef struct mc_hostmap mc_hostmap;

mc_hostmap *mc_hostmap_new(void);
void mc_hostmap_free(mc_hostmap *m);

/* --hostdev-map SRC=DST (mdev UUIDs or PCI addresses DDDD:BB:SS.F, the same
 * kind on both sides; a source mapped twice is a usage error, exit 64). */
int mc_hostmap_add_override(mc_hostmap *m, const char *arg, mc_error *err);

/* Destination device `dev` is held by the running domain `holder`. */
void mc_hostmap_add_held(mc_hostmap *m, const char *dev, const char *holder);

/* Choose a destination device for each of g's host devices, in order. A
 * source device the source profile says cannot migrate gets none (the
 * plan blocks it). Errors: an override whose source the guest does not
 * hold (64); a host device the source profile does not list (66); a
 * host device for which no destination device fits, or an override onto a
 * held or already chosen device (MC_EXIT_NODEVICE, one line naming the
 * source device and why each candidate was refused). */
int mc_hostmap_choose(mc_hostmap *m, const mc_guest *g, const mc_facts *src, const mc_facts *dst,
		      mc_error *err);

/* After mc_hostmap_choose: entry i (g's host device i): its id, the chosen
 * destination device (NULL: none) and how it was chosen ("--hostdev-map",
 * "auto", or why there is none). */
size_t mc_hostmap_count(const mc_hostmap *m);
void mc_hostmap_at(const mc_hostmap *m, size_t i, const char **src, const char **dst,
		   const char **how);

/* The value of pin HOSTDEV_DST (the chosen devices, "-" for none), NULL
 * when the guest has no host devices. Caller g_free()s. */
char *mc_hostmap_pin(const mc_hostmap *m);

#endif
