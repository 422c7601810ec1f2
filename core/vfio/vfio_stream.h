/* migcheck — the VFIO device-state stream: what `migcheck vfio save` writes and
 * `restore` reads. Little endian throughout.
 *
 *   header (320 bytes)
 *     0  magic "\x89MCVFIO\n"          8  u16 format version (1)
 *    10  u16 header length (320)      12  u32 flags (bit 0: total length known)
 *    16  u64 total device-data length (0 when not known when the header was
 *        written: a stream to a pipe; a regular file gets it patched in)
 *    24  u64 source migration flags   32  u16 vendor, device, subvendor, subdevice
 *    40  u32 largest chunk payload    44  u32 reserved (0)
 *    48  char driver[64]             112  char driver_version[64]
 *   176  char type[64] (mdev type)   240  char device[64] (source address/UUID)
 *   304  12 reserved bytes (0)       316  u32 CRC-32C of bytes 0..315
 *   records, each: u32 type, u32 length, u64 offset, payload, u32 CRC-32C of
 *   the 16 head bytes and the payload
 *     type 1 DATA: offset = position of the payload in the device data,
 *                  1 <= length <= largest chunk payload (<= 16 MiB)
 *     type 2 END:  offset = total device-data length, length 8, payload u64
 *                  number of DATA records; nothing may follow it
 * Strings are NUL padded and must hold a NUL. Plain C. */
#ifndef MC_VFIO_STREAM_H
#define MC_VFIO_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/error.h"
#include "core/base/vfio_dev.h"
#include "core/vfio/vfio_mig.h"

#define MC_VFIO_STREAM_VERSION 1
#define MC_VFIO_HDR_LEN 320
#define MC_VFIO_REC_HEAD 16
#define MC_VFIO_CHUNK_LIMIT (16u << 20)
#define MC_VFIO_CHUNK_DEFAULT (1u << 20)
#define MC_VFIO_REC_DATA 1
#define MC_VFIO_REC_END 2

/* CRC-32C (Castagnoli, reflected 0x82F63B78): crc = mc_crc32c(0, p, n) and
 * chained as mc_crc32c(crc, more, m). SSE4.2 when the CPU has it, else
 * slicing-by-8 tables. */
uint32_t mc_crc32c(uint32_t crc, const void *buf, size_t n);
/* The table version only (for tests and the benchmark). */
uint32_t mc_crc32c_sw(uint32_t crc, const void *buf, size_t n);

typedef struct mc_vfio_progress {
	void (*fn)(void *opaque, uint64_t done, uint64_t total); /* total 0: unknown */
	void *opaque;
} mc_vfio_progress;

/* ---- writer ---- */
typedef struct mc_vfio_writer mc_vfio_writer;
/* Write the header to fd (`name` names it in errors). total_len 0 = unknown. */
mc_vfio_writer *mc_vfio_writer_new(int fd, const char *name, const mc_vfio_ident *id,
				   uint64_t total_len, uint32_t chunk_max, mc_error *err);
int mc_vfio_writer_data(mc_vfio_writer *w, const void *buf, size_t n, mc_error *err);
/* The END record; patches the total length into the header of a regular
 * file. */
int mc_vfio_writer_end(mc_vfio_writer *w, mc_error *err);
void mc_vfio_writer_set_progress(mc_vfio_writer *w, const mc_vfio_progress *p);
void mc_vfio_writer_free(mc_vfio_writer *w);

/* ---- reader ---- */
typedef struct mc_vfio_reader mc_vfio_reader;
/* Read and check the header (magic, version, length, CRC, strings). */
mc_vfio_reader *mc_vfio_reader_new(int fd, const char *name, mc_error *err);
const mc_vfio_ident *mc_vfio_reader_ident(const mc_vfio_reader *r);
uint64_t mc_vfio_reader_total(const mc_vfio_reader *r); /* 0 unknown */
/* Next DATA payload (checked: CRC, offset, length); 0 after a valid END
 * record with nothing after it; -errno (exit 65 for bad data, 74 for I/O). */
ssize_t mc_vfio_reader_next(mc_vfio_reader *r, const void **data, mc_error *err);
void mc_vfio_reader_set_progress(mc_vfio_reader *r, const mc_vfio_progress *p);
void mc_vfio_reader_free(mc_vfio_reader *r);

/* Whether a device accepts a stream from `src`: same ids, mdev type, driver
 * and driver version. -EINVAL, exit 65, "stream from ... , this device ...". */
int mc_vfio_ident_accepts(const mc_vfio_ident *dev, const mc_vfio_ident *src, mc_error *err);

/* ---- whole transfers ---- */
/* Save the device into fd as a stream. */
int mc_vfio_save_to_fd(mc_vfio_dev *d, const mc_vfio_save_opts *o, int fd, const char *name,
		       const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err);
/* Restore from fd: header checked against the device before RESUMING; a
 * seekable input is verified completely (every CRC, the end record) before
 * RESUMING too; a pipe or socket chunk by chunk, the device reset on any bad
 * chunk. */
int mc_vfio_restore_from_fd(mc_vfio_dev *d, const mc_vfio_restore_opts *o, int fd, const char *name,
			    const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err);
/* Over a connected stream socket (vfio send / recv). The sender saves,
 * half-closes, and waits for the receiver's verdict, one line: "OK" or
 * "ERR <message>". A refusal, or no verdict (the receiver died), puts the
 * source device back to RUNNING and fails: -EPROTO exit 65 ("PEER:
 * destination refused the device state: MESSAGE; device back in RUNNING
 * (from STOP)") or exit 74 for a lost connection. The receiver restores and answers
 * with the outcome, which it also returns. */
int mc_vfio_send_sock(mc_vfio_dev *d, const mc_vfio_save_opts *o, int sock, const char *peer,
		      const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err);
int mc_vfio_recv_sock(mc_vfio_dev *d, const mc_vfio_restore_opts *o, int sock, const char *peer,
		      const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err);

/* Verify a whole stream (and, when dev is non-NULL, that dev accepts it)
 * without touching any device. *total_out (may be NULL) gets its length. */
int mc_vfio_stream_verify(int fd, const char *name, const mc_vfio_ident *dev,
			  mc_vfio_ident *src_out, uint64_t *total_out, mc_error *err);

#endif
