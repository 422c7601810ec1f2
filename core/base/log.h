/* migcheck — diagnostics on stderr for -v/--verbose and --debug (global
 * options). The level is process-wide: the command line sets it once, the
 * layers above ask it. libc only (shared with the static binaries). */
#ifndef MC_LOG_H
#define MC_LOG_H

#include <stdbool.h>

typedef enum {
	MC_LOG_QUIET = 0,   /* the default: results and errors only */
	MC_LOG_VERBOSE = 1, /* -v: what is done (requests, connections, decisions) */
	MC_LOG_DEBUG = 2,   /* --debug: protocol detail (libcurl, libvirt), secrets masked */
} mc_log_level;

void mc_log_set_level(mc_log_level level);
mc_log_level mc_log_get_level(void);
static inline bool mc_log_on(mc_log_level level)
{
	return mc_log_get_level() >= level;
}
/* "migcheck: MSG\n" on stderr when the level is at least `level`. */
void mc_log(mc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
