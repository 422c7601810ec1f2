/* An in-process simulator of a VFIO migration v2 device for the unit tests
 * only: the state machine of include/uapi/linux/vfio.h (direct arcs per
 * migration flags, the kernel's combination walk of vfio_mig_get_next_state,
 * data_fd lifetimes, ENOMSG at a temporary end of PRE_COPY data, ERROR only
 * left by reset) behind the same backend interface as the ioctl backend,
 * with fault injection. */
#ifndef MC_VFIO_SIM_H
#define MC_VFIO_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/vfio_dev.h"

typedef struct vsim_faults {
	size_t short_io;       /* at most this many bytes per read/write (0: any) */
	int64_t read_fail_at;  /* reads fail once the save stream reaches this offset */
	int read_errno;        /*   with this errno (-1 offset: never) */
	int64_t write_fail_at; /* same for writes in RESUMING */
	int write_errno;
	int arc_from, arc_to; /* this direct arc fails (-1: none) ... */
	int arc_errno;        /* ... with this errno ... */
	int arc_result;       /* ... leaving this state (-1: unchanged) */
	bool reset_fails;     /* VFIO_DEVICE_RESET returns EIO */
	int precopy_info_errno;
} vsim_faults;

typedef struct vsim_config {
	uint64_t flags;          /* MC_VFIO_MIG_* (STOP_COPY is always added) */
	bool no_migration;       /* VFIO_DEVICE_FEATURE_MIGRATION gives ENOTTY */
	size_t state_size;       /* device state bytes */
	uint32_t seed;           /* content of the fresh state */
	uint32_t format_version; /* the driver's state format version */
	size_t precopy_initial;  /* bytes offered in PRE_COPY (default half) */
	/* A running device changes its state in PRE_COPY: once the initial
	 * bytes are read, VFIO_MIG_GET_PRECOPY_INFO reports this many dirty
	 * bytes, readable at once (the stream's next bytes) ... */
	size_t precopy_dirty;
	/* ... or reports dirty bytes forever without offering any (a device
	 * that dirties faster than it can be read) */
	bool precopy_dirty_forever;
	bool resume_error_state; /* a bad state makes RESUMING->STOP end in ERROR */
} vsim_config;

typedef struct vsim vsim;

vsim *vsim_new(const vsim_config *c);
void vsim_free(vsim *s);
/* A device object on the simulator (the simulator outlives it). */
mc_vfio_dev *vsim_dev(vsim *s, const mc_vfio_ident *id);
vsim_faults *vsim_faults_of(vsim *s);
uint32_t vsim_state(const vsim *s);
/* Force a state (test setup; no data_fd). */
void vsim_force_state(vsim *s, uint32_t state);
const unsigned char *vsim_data(const vsim *s, size_t *len);
/* Whether the device content equals the fresh content for `seed`. */
bool vsim_is_fresh(const vsim *s);
unsigned vsim_resets(const vsim *s);
int vsim_open_fds(const vsim *s);
/* Direct arcs executed so far, "FROM>TO FROM>TO ..." (reset: "reset"). */
const char *vsim_trace(const vsim *s);
void vsim_trace_clear(vsim *s);
/* The documented direct arcs for a flag set (for coverage checks). */
bool vsim_direct_arc(uint64_t flags, uint32_t from, uint32_t to);

#endif
