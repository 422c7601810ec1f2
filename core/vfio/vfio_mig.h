/* migcheck — the VFIO migration v2 state machine, driven exactly as
 * include/uapi/linux/vfio.h documents it:
 *
 *   source       RUNNING -> [PRE_COPY (read while running) ->] STOP_COPY
 *                (read the data_fd to EOF) -> STOP
 *   destination  STOP -> RESUMING (write the stream) -> STOP -> RUNNING
 *
 * with RUNNING_P2P / PRE_COPY_P2P in between when asked. Every arc is one
 * SET, so a failure names the arc and its errno. Any failure leaves the source
 * RUNNING (SET RUNNING, or VFIO_DEVICE_RESET from ERROR) and the destination
 * reset; the error message says what the recovery achieved. Plain C. */
#ifndef MC_VFIO_MIG_H
#define MC_VFIO_MIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/error.h"
#include "core/base/vfio_dev.h"

/* Consumer of the source's device data (in order). 0 or -errno with err set. */
typedef int (*mc_vfio_out_fn)(void *opaque, const void *buf, size_t n, mc_error *err);
/* Producer of the destination's device data: points *buf at the next piece
 * and returns its length, 0 at the (verified) end, -errno with err set. */
typedef ssize_t (*mc_vfio_in_fn)(void *opaque, const void **buf, mc_error *err);

typedef struct mc_vfio_save_opts {
	bool p2p;            /* through RUNNING_P2P / PRE_COPY_P2P (device needs P2P) */
	bool precopy;        /* PRE_COPY first (device needs PRE_COPY) */
	bool keep_running;   /* RUNNING again after a successful save (default: STOP) */
	size_t buf_size;     /* read size; 0 = 1 MiB */
	unsigned max_rounds; /* PRE_COPY rounds while dirty data keeps coming; 0 = 8 */
} mc_vfio_save_opts;

typedef struct mc_vfio_restore_opts {
	bool p2p; /* RUNNING -> RUNNING_P2P -> STOP and back */
} mc_vfio_restore_opts;

typedef struct mc_vfio_stats {
	uint64_t bytes;         /* device data moved */
	uint64_t precopy_bytes; /* of which read in PRE_COPY */
	unsigned arcs;          /* SETs issued */
} mc_vfio_stats;

/* Save: the device must be RUNNING. On success it is STOP (or RUNNING with
 * keep_running). `stats` may be NULL. */
int mc_vfio_mig_save(mc_vfio_dev *d, const mc_vfio_save_opts *o, mc_vfio_out_fn out, void *opaque,
		     mc_vfio_stats *stats, mc_error *err);

/* Restore: the device must be RUNNING or STOP; it ends RUNNING. */
int mc_vfio_mig_restore(mc_vfio_dev *d, const mc_vfio_restore_opts *o, mc_vfio_in_fn in,
			void *opaque, mc_vfio_stats *stats, mc_error *err);

/* A save that succeeded at the device but whose stream did not reach the
 * destination whole (the END record not written, the receiver refused):
 * the source device back to RUNNING with its state (reset if that fails);
 * appends what happened ("; device back in RUNNING (from STOP)") to err. */
void mc_vfio_mig_resume_source(mc_vfio_dev *d, mc_error *err);

/* `migcheck vfio reset`: bring a device that a failed migration left in
 * ERROR (or RESUMING, STOP, STOP_COPY, ...) back to RUNNING with
 * VFIO_DEVICE_RESET, which discards its device state. A RUNNING device, or
 * one whose state cannot be read (no migration v2), is reset only with
 * `force`. *before / *after get the states (MC_VFIO_STATE_UNKNOWN when they
 * cannot be read). Returns 1 reset, 0 left alone (RUNNING, no force), or
 * -errno with err set: 69 no readable state and no force, 74 the reset or
 * the state read after it failed, or the device is not RUNNING after it. */
#define MC_VFIO_STATE_UNKNOWN 0xffffffffu
int mc_vfio_mig_reset(mc_vfio_dev *d, bool force, uint32_t *before, uint32_t *after, mc_error *err);

/* Check that the device can do what the options ask (migration v2 with
 * STOP_COPY, P2P / PRE_COPY when requested). Exit 69 when it cannot. */
int mc_vfio_mig_capable(mc_vfio_dev *d, bool p2p, bool precopy, uint64_t *flags_out, mc_error *err);

#endif
