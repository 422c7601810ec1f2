#include "probes/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/parsers.h"

static int mark_internal(mc_error *err, int r)
{
	if (r < 0 && err)
		err->exit_code = MC_EXIT_SOFTWARE;
	return r;
}

int mc_probe_fact(mc_facts *out, const char *domain, const char *key, const char *value,
		  mc_error *err)
{
	return mark_internal(err, mc_facts_set(out, domain, key, value, err));
}

int mc_probe_factf(mc_facts *out, const char *domain, const char *key, mc_error *err,
		   const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return mc_error_set(err, MC_EXIT_SOFTWARE, ERANGE, "fact %s %s: value too long",
				    domain, key);
	return mc_probe_fact(out, domain, key, buf, err);
}

int mc_probe_nomem(mc_error *err, const char *what)
{
	return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", what);
}

int mc_probe_read_file(const char *path, size_t max, char **text_out, size_t *len_out,
		       mc_error *err)
{
	int r = 0, fd = -1;
	size_t len = 0, cap = 4096;
	char *buf = NULL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = mc_error_set(err, 0, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	if (!buf) {
		r = mc_probe_nomem(err, path);
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max) {
				r = mc_error_set(err, MC_EXIT_DATAERR, EFBIG,
						 "%s: larger than %zu bytes", path, max);
				goto out;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				r = mc_probe_nomem(err, path);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = mc_error_set(err, 0, errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		r = mc_error_set(err, MC_EXIT_DATAERR, EFBIG, "%s: larger than %zu bytes", path,
				 max);
		goto out;
	}
	buf[len] = '\0';
	*text_out = buf;
	buf = NULL;
	if (len_out)
		*len_out = len;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int mc_probe_open_kvm(const char *path, mc_error *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == ENOENT || e == ENODEV || e == ENXIO)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, e, "no %s (%s)", path, strerror(e));
	return mc_error_set(err, 0, e, "cannot open %s (%s)", path, strerror(e));
}

int mc_probe_escape(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
	size_t p = *pos;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\') {
			if (p + 4 >= size)
				return -ERANGE;
			snprintf(buf + p, 5, "\\x%02x", c);
			p += 4;
		} else {
			if (p + 1 >= size)
				return -ERANGE;
			buf[p++] = (char)c;
		}
	}
	buf[p] = '\0';
	*pos = p;
	return 0;
}

int mc_probe_escape_trailing_space(char *buf, size_t size, size_t *pos)
{
	size_t p = *pos, nsp = 0;
	while (nsp < p && buf[p - 1 - nsp] == ' ')
		nsp++;
	if (!nsp)
		return 0;
	size_t start = p - nsp;
	if (start + 4 * nsp >= size)
		return -ERANGE;
	for (size_t i = 0; i < nsp; i++)
		memcpy(buf + start + 4 * i, "\\x20", 4);
	*pos = start + 4 * nsp;
	buf[*pos] = '\0';
	return 0;
}

const char *mc_errno_name(int errnum, char buf[MC_ERRNO_NAME_MAX])
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
#define E(x) { x, #x }
		E(EPERM),   E(ENOENT),  E(ESRCH),   E(EINTR),     E(EIO),       E(ENXIO),
		E(E2BIG),   E(ENOEXEC), E(EBADF),   E(ECHILD),    E(EAGAIN),    E(ENOMEM),
		E(EACCES),  E(EFAULT),  E(EBUSY),   E(EEXIST),    E(ENODEV),    E(ENOTDIR),
		E(EISDIR),  E(EINVAL),  E(ENFILE),  E(EMFILE),    E(ENOTTY),    E(EFBIG),
		E(ENOSPC),  E(EROFS),   E(ERANGE),  E(ENOSYS),    E(EOVERFLOW), E(EOPNOTSUPP),
		E(ENOTSUP), E(EPROTO),  E(EBADMSG), E(ETIMEDOUT),
#undef E
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == errnum)
			return names[i].name;
	snprintf(buf, MC_ERRNO_NAME_MAX, "errno %d", errnum);
	return buf;
}
