/* migcheck — writing an output file the user named (report --html, vfio
 * save -o) without ever replacing something that is not a regular file.
 * Plain C (linked into the static migcheck-vfio too).
 *
 *   missing or a regular file   written to a temporary file beside it, then
 *                               renamed over it (atomic; on error the old
 *                               file is kept)
 *   FIFO, character device      written straight into (no temporary, no
 *                               rename; the node stays what it was)
 *   symlink, directory, socket, block device
 *                               refused: "PATH: is a symbolic link" / "PATH:
 *                               not a regular file, FIFO or character
 *                               device", exit 74 */
#ifndef MC_OUTFILE_H
#define MC_OUTFILE_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/base/error.h"

typedef struct mc_outfile {
	int fd;           /* write here */
	char *tmp;        /* the temporary beside path, or NULL (direct) */
	const char *path; /* as given */
} mc_outfile;

/* Open for writing; a new or replaced file gets `mode` whatever the umask.
 * Returns 0 or -errno (err set, exit 74). */
int mc_outfile_open(mc_outfile *o, const char *path, mode_t mode, mc_error *err);
/* Flush (fsync for a file) and close; rename the temporary over the path,
 * unless the path became something other than a regular file meanwhile
 * (refused, 74). Always releases o. */
int mc_outfile_commit(mc_outfile *o, mc_error *err);
/* Close and remove the temporary; the path is left as it was. */
void mc_outfile_abort(mc_outfile *o);

#endif
