/* migcheck — the one error object every module reports through. */
#ifndef MC_ERROR_H
#define MC_ERROR_H

#include <stddef.h>

/* sysexits.h codes, as the command line contract fixes them. */
enum mc_exit {
	MC_EXIT_OK = 0,
	MC_EXIT_ACTION = 1,
	MC_EXIT_BLOCKED = 2,
	MC_EXIT_NODEVICE = 3, /* migrate: no destination device fits a host device */
	MC_EXIT_USAGE = 64,
	MC_EXIT_DATAERR = 65,
	MC_EXIT_NOINPUT = 66,
	MC_EXIT_UNAVAILABLE = 69,
	MC_EXIT_SOFTWARE = 70,
	MC_EXIT_IOERR = 74,
	MC_EXIT_NOPERM = 77,
};

#define MC_ERROR_MSG_MAX 1024

/* Details of the first failure on a call path. Callers own it (usually on the
 * stack); functions fill it and return -errno. */
typedef struct mc_error {
	int errnum;                 /* positive errno describing the failure class */
	int exit_code;              /* enum mc_exit the command line should end with */
	char msg[MC_ERROR_MSG_MAX]; /* one line: "INPUT: problem" */
} mc_error;

void mc_error_clear(mc_error *err);

/* Record a failure (if err is non-NULL and not yet set) and return -errnum.
 * The message is formatted printf-style and must name the input. */
int mc_error_set(mc_error *err, int exit_code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix an already set message with "PREFIX: ", for adding context on the way
 * up. Returns -err->errnum. */
int mc_error_prefix(mc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy `in` escaping control characters (\n, \r, \xNN; tabs kept) so that it
 * prints as one line and no escape sequence reaches a terminal; truncated to
 * size - 1 bytes. Messages set through mc_error_set/_prefix are escaped
 * this way already. mc_strescape_ctl: the same, malloc'd (free). */
size_t mc_escape_ctl(const char *in, char *out, size_t size);
char *mc_strescape_ctl(const char *in);

/* Exit code to use for an errno when no better one is known. */
int mc_exit_for_errno(int errnum);

#endif
