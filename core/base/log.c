#include "core/base/log.h"

#include <stdarg.h>
#include <stdio.h>

static mc_log_level current = MC_LOG_QUIET;

void mc_log_set_level(mc_log_level level)
{
	current = level;
}

mc_log_level mc_log_get_level(void)
{
	return current;
}

void mc_log(mc_log_level level, const char *fmt, ...)
{
	if (current < level)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* one write per line, so that concurrent writers do not interleave */
	fprintf(stderr, "migcheck: %s\n", buf);
}
