#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mc_error_clear(mc_error *err)
{
	if (!err)
		return;
	err->errnum = 0;
	err->exit_code = 0;
	err->msg[0] = '\0';
}

int mc_exit_for_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
		return MC_EXIT_NOINPUT;
	case EACCES:
	case EPERM:
	case EROFS:
		return MC_EXIT_NOPERM;
	case EINVAL:
	case EBADMSG:
	case EPROTO:
	case ERANGE:
		return MC_EXIT_DATAERR;
	case ENOMEM:
		return MC_EXIT_SOFTWARE;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ETIMEDOUT:
	case ENODEV:
		return MC_EXIT_UNAVAILABLE;
	default:
		return MC_EXIT_IOERR;
	}
}

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

int mc_error_set(mc_error *err, int exit_code, int errnum, const char *fmt, ...)
{
	if (errnum <= 0)
		errnum = EIO;
	if (!err)
		return -errnum;
	if (err->errnum) /* keep the first, most specific failure */
		return -err->errnum;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	one_line(err->msg);
	err->errnum = errnum;
	err->exit_code = exit_code ? exit_code : mc_exit_for_errno(errnum);
	return -errnum;
}

int mc_error_prefix(mc_error *err, const char *fmt, ...)
{
	if (!err)
		return -EIO;
	char prefix[MC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	size_t plen = strlen(prefix);
	memcpy(prefix + plen, ": ", 3);
	plen += 2;
	size_t olen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (plen + olen >= sizeof(err->msg))
		olen = sizeof(err->msg) - 1 - plen;
	memmove(err->msg + plen, err->msg, olen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + olen] = '\0';
	one_line(err->msg);
	if (!err->errnum)
		err->errnum = EIO;
	return -err->errnum;
}
