#include "core/base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int refuse_kind(const char *path, const struct stat *st, mc_error *err)
{
	if (S_ISLNK(st->st_mode))
		return mc_error_set(err, MC_EXIT_IOERR, ELOOP,
				    "%s: is a symbolic link (refused: not followed, not replaced)",
				    path);
	return mc_error_set(err, MC_EXIT_IOERR, EINVAL,
			    "%s: not a regular file, FIFO or character device (refused)", path);
}

int mc_outfile_open(mc_outfile *o, const char *path, mode_t mode, mc_error *err)
{
	struct stat st;
	o->fd = -1;
	o->tmp = NULL;
	o->path = path;
	bool exists = lstat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		return mc_error_set(err, MC_EXIT_IOERR, errno, "%s: %s", path, strerror(errno));
	if (exists && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		/* Straight into the node: no O_CREAT, no O_TRUNC, no rename. */
		int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		struct stat now;
		if (fd < 0)
			return mc_error_set(err, MC_EXIT_IOERR, errno, "%s: %s", path,
					    strerror(errno));
		if (fstat(fd, &now) < 0 || now.st_ino != st.st_ino || now.st_dev != st.st_dev ||
		    (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
			close(fd);
			return mc_error_set(err, MC_EXIT_IOERR, EAGAIN,
					    "%s: changed while being opened (refused)", path);
		}
		o->fd = fd;
		return 0;
	}
	if (exists && !S_ISREG(st.st_mode))
		return refuse_kind(path, &st, err);
	size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
	o->tmp = malloc(n);
	if (!o->tmp)
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", path);
	snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0 || fchmod(o->fd, mode) < 0) {
		int e = errno;
		mc_outfile_abort(o);
		return mc_error_set(err, MC_EXIT_IOERR, e, "%s: cannot create: %s", path,
				    strerror(e));
	}
	return 0;
}

int mc_outfile_commit(mc_outfile *o, mc_error *err)
{
	int r = 0;
	if (o->tmp && fsync(o->fd) < 0)
		r = mc_error_set(err, MC_EXIT_IOERR, errno, "%s: write failed: %s", o->path,
				 strerror(errno));
	if (close(o->fd) < 0 && r == 0)
		r = mc_error_set(err, MC_EXIT_IOERR, errno, "%s: write failed: %s", o->path,
				 strerror(errno));
	o->fd = -1;
	if (r == 0 && o->tmp) {
		struct stat st;
		/* rename(2) replaces whatever the name is now: look again. */
		if (lstat(o->path, &st) == 0 && !S_ISREG(st.st_mode))
			r = refuse_kind(o->path, &st, err);
		else if (rename(o->tmp, o->path) < 0)
			r = mc_error_set(err, MC_EXIT_IOERR, errno, "%s: cannot replace: %s",
					 o->path, strerror(errno));
		else {
			free(o->tmp);
			o->tmp = NULL;
		}
	}
	mc_outfile_abort(o);
	return r;
}

void mc_outfile_abort(mc_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
}
