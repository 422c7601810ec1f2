#include "core/base/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

size_t mc_escape_ctl(const char *in, char *out, size_t size)
{
	size_t o = 0;
	if (!size)
		return 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		char esc[8];
		size_t n;
		if (*p == '\n')
			n = (size_t)snprintf(esc, sizeof(esc), "\\n");
		else if (*p == '\r')
			n = (size_t)snprintf(esc, sizeof(esc), "\\r");
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else {
			esc[0] = (char)*p;
			n = 1;
		}
		if (o + n >= size)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

char *mc_strescape_ctl(const char *in)
{
	size_t size = strlen(in) * 4 + 1;
	char *out = malloc(size);
	if (out)
		mc_escape_ctl(in, out, size);
	return out;
}

/* One line on a terminal: newlines, carriage returns, ESC and the other
 * control characters (names from a domain XML, a host, a URL) escaped. */
static void one_line(char *s)
{
	char tmp[MC_ERROR_MSG_MAX];
	bool plain = true;
	for (const unsigned char *p = (const unsigned char *)s; *p && plain; p++)
		plain = !((*p < 0x20 && *p != '\t') || *p == 0x7f);
	if (plain)
		return;
	mc_escape_ctl(s, tmp, sizeof(tmp));
	memcpy(s, tmp, strlen(tmp) + 1);
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
