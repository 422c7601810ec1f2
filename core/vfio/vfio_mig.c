/* The VFIO migration v2 FSM driver (see vfio_mig.h). */
#include "core/vfio/vfio_mig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_BUF (1u << 20)
#define ENOMSG_RETRIES 1000

typedef struct fsm {
	mc_vfio_dev *d;
	uint32_t cur;
	int fd; /* the session's data_fd, -1 when none */
	mc_vfio_stats *st;
} fsm;

/* Append " SUFFIX" text to an error already set. */
static void append(mc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(mc_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	size_t len = strnlen(err->msg, sizeof(err->msg));
	if (len + 1 >= sizeof(err->msg))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
}

static int arc_error(fsm *m, uint32_t to, int e, mc_error *err)
{
	char eb[16];
	return mc_error_set(err, 0, e, "%s: arc %s->%s failed: %s (%s)", mc_vfio_dev_name(m->d),
			    mc_vfio_state_name(m->cur), mc_vfio_state_name(to), strerror(e),
			    mc_vfio_errno_name(e, eb));
}

/* Whether SET cur->to opens a new data_fd (vfio.h: RUNNING->PRE_COPY,
 * RUNNING_P2P->PRE_COPY_P2P, STOP->STOP_COPY, STOP->RESUMING). */
static bool opens_fd(uint32_t from, uint32_t to)
{
	return (from == MC_VFIO_RUNNING && to == MC_VFIO_PRE_COPY) ||
	       (from == MC_VFIO_RUNNING_P2P && to == MC_VFIO_PRE_COPY_P2P) ||
	       (from == MC_VFIO_STOP && to == MC_VFIO_STOP_COPY) ||
	       (from == MC_VFIO_STOP && to == MC_VFIO_RESUMING);
}

/* One direct arc. */
static int step(fsm *m, uint32_t to, mc_error *err)
{
	int fd = -1;
	int r = mc_vfio_dev_set_state(m->d, to, &fd);
	if (m->st)
		m->st->arcs++;
	if (r < 0)
		return arc_error(m, to, -r, err);
	if (opens_fd(m->cur, to)) {
		if (fd < 0)
			return mc_error_set(err, MC_EXIT_SOFTWARE, EPROTO,
					    "%s: arc %s->%s returned no data_fd",
					    mc_vfio_dev_name(m->d), mc_vfio_state_name(m->cur),
					    mc_vfio_state_name(to));
		m->fd = fd;
	} else if (fd >= 0) { /* not documented for this arc: do not leak it */
		mc_vfio_dev_close_fd(m->d, fd);
	}
	m->cur = to;
	return 0;
}

static void close_session(fsm *m)
{
	if (m->fd >= 0)
		mc_vfio_dev_close_fd(m->d, m->fd);
	m->fd = -1;
}

/* What to tell the user of a device a save or restore cannot start from. */
static const char *reset_hint(uint32_t state)
{
	return state == MC_VFIO_RUNNING || state == MC_VFIO_STOP
		   ? ""
		   : " (`migcheck vfio reset` brings it back to RUNNING, discarding its state)";
}

/* After a failure: the device back to RUNNING. For the source, a SET RUNNING
 * keeps its state (the kernel walks the combination arcs); ERROR, or a SET
 * that fails, needs VFIO_DEVICE_RESET. For the destination (reset=true) the
 * half-written state is always discarded by a reset. Says what happened. */
static void recover(fsm *m, bool reset, mc_error *err)
{
	uint32_t s = MC_VFIO_ERROR;
	int r;
	char eb[16];
	close_session(m);
	if (!reset) {
		r = mc_vfio_dev_get_state(m->d, &s);
		if (r == 0 && s == MC_VFIO_RUNNING) {
			append(err, "; device still RUNNING");
			return;
		}
		if (r == 0 && s != MC_VFIO_ERROR) {
			int fd = -1;
			r = mc_vfio_dev_set_state(m->d, MC_VFIO_RUNNING, &fd);
			if (fd >= 0)
				mc_vfio_dev_close_fd(m->d, fd);
			if (r == 0) {
				append(err, "; device back in RUNNING (from %s)",
				       mc_vfio_state_name(s));
				return;
			}
		}
	}
	r = mc_vfio_dev_reset(m->d);
	if (r < 0) {
		append(err, "; VFIO_DEVICE_RESET failed too: %s (%s)", strerror(-r),
		       mc_vfio_errno_name(-r, eb));
		return;
	}
	r = mc_vfio_dev_get_state(m->d, &s);
	if (r == 0 && s == MC_VFIO_RUNNING)
		append(err, "; device reset (RUNNING)");
	else if (r == 0)
		append(err, "; device reset but in state %s", mc_vfio_state_name(s));
	else
		append(err, "; device reset, state unknown (%s)", mc_vfio_errno_name(-r, eb));
}

void mc_vfio_mig_resume_source(mc_vfio_dev *d, mc_error *err)
{
	fsm m = { .d = d, .cur = MC_VFIO_ERROR, .fd = -1, .st = NULL };
	recover(&m, false, err);
}

int mc_vfio_mig_capable(mc_vfio_dev *d, bool p2p, bool precopy, uint64_t *flags_out, mc_error *err)
{
	uint64_t flags = 0;
	char eb[16];
	int r = mc_vfio_dev_mig_flags(d, &flags);
	if (r == -ENOTTY || r == -EOPNOTSUPP)
		return mc_error_set(
		    err, MC_EXIT_UNAVAILABLE, ENOTTY,
		    "%s: no VFIO migration v2 support (VFIO_DEVICE_FEATURE_MIGRATION: %s)%s",
		    mc_vfio_dev_name(d), mc_vfio_errno_name(-r, eb),
		    mc_vfio_dev_v1_region(d) > 0 ? "; only the deprecated v1 migration region"
						 : "");
	if (r < 0)
		return mc_error_set(err, 0, -r, "%s: VFIO_DEVICE_FEATURE_MIGRATION: %s (%s)",
				    mc_vfio_dev_name(d), strerror(-r), mc_vfio_errno_name(-r, eb));
	if (!(flags & MC_VFIO_MIG_STOP_COPY))
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EOPNOTSUPP,
				    "%s: migration flags 0x%llx lack the mandatory STOP_COPY",
				    mc_vfio_dev_name(d), (unsigned long long)flags);
	if (p2p && !(flags & MC_VFIO_MIG_P2P))
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EOPNOTSUPP,
				    "%s: P2P states asked for, but the device does not offer "
				    "VFIO_MIGRATION_P2P",
				    mc_vfio_dev_name(d));
	if (precopy && !(flags & MC_VFIO_MIG_PRE_COPY))
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EOPNOTSUPP,
				    "%s: PRE_COPY asked for, but the device does not offer "
				    "VFIO_MIGRATION_PRE_COPY",
				    mc_vfio_dev_name(d));
	if (flags_out)
		*flags_out = flags;
	return 0;
}

static int get_state(fsm *m, mc_error *err)
{
	char eb[16];
	int r = mc_vfio_dev_get_state(m->d, &m->cur);
	if (r < 0)
		return mc_error_set(err, 0, -r, "%s: GET device state: %s (%s)",
				    mc_vfio_dev_name(m->d), strerror(-r),
				    mc_vfio_errno_name(-r, eb));
	return 0;
}

static void pause_briefly(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
}

static int read_error(fsm *m, ssize_t r, mc_error *err)
{
	char eb[16];
	int e = (int)-r;
	return mc_error_set(err, 0, e, "%s: reading the data_fd in %s after %llu bytes: %s (%s)",
			    mc_vfio_dev_name(m->d), mc_vfio_state_name(m->cur),
			    (unsigned long long)m->st->bytes, strerror(e),
			    mc_vfio_errno_name(e, eb));
}

/* PRE_COPY: read while the device runs until initial_bytes is 0 and the
 * dirty data stops (or max_rounds temporary ends were seen). */
static int precopy_phase(fsm *m, const mc_vfio_save_opts *o, char *buf, size_t bs,
			 mc_vfio_out_fn out, void *opaque, mc_error *err)
{
	unsigned rounds = 0, retries = 0, max_rounds = o->max_rounds ? o->max_rounds : 8;
	char eb[16];
	for (;;) {
		uint64_t initial = 0, dirty = 0;
		int ir = mc_vfio_dev_precopy_info(m->d, m->fd, &initial, &dirty);
		if (ir < 0 && ir != -ENOTTY)
			return mc_error_set(err, 0, -ir,
					    "%s: VFIO_MIG_GET_PRECOPY_INFO in %s: %s (%s)",
					    mc_vfio_dev_name(m->d), mc_vfio_state_name(m->cur),
					    strerror(-ir), mc_vfio_errno_name(-ir, eb));
		if (ir == 0 && initial == 0 && (dirty == 0 || rounds >= max_rounds))
			return 0;
		ssize_t r = mc_vfio_dev_read(m->d, m->fd, buf, bs);
		if (r == -EINTR)
			continue;
		if (r > 0) {
			m->st->bytes += (uint64_t)r;
			m->st->precopy_bytes += (uint64_t)r;
			int o2 = out(opaque, buf, (size_t)r, err);
			if (o2 < 0)
				return o2;
			continue;
		}
		if (r == 0 || r == -ENOMSG) { /* a temporary end of the PRE_COPY data */
			if (ir < 0 || initial == 0) {
				if (++rounds >= max_rounds || ir < 0)
					return 0;
				continue;
			}
			if (++retries > ENOMSG_RETRIES)
				return mc_error_set(err, MC_EXIT_IOERR, EPROTO,
						    "%s: PRE_COPY data stalls with %llu initial "
						    "bytes pending",
						    mc_vfio_dev_name(m->d),
						    (unsigned long long)initial);
			pause_briefly();
			continue;
		}
		return read_error(m, r, err);
	}
}

int mc_vfio_mig_save(mc_vfio_dev *d, const mc_vfio_save_opts *o, mc_vfio_out_fn out, void *opaque,
		     mc_vfio_stats *stats, mc_error *err)
{
	static const mc_vfio_save_opts defaults = { 0 };
	mc_vfio_stats local = { 0 };
	fsm m = { d, MC_VFIO_ERROR, -1, stats ? stats : &local };
	char *buf = NULL;
	int r;
	if (!o)
		o = &defaults;
	*m.st = (mc_vfio_stats){ 0 };
	size_t bs = o->buf_size ? o->buf_size : DEFAULT_BUF;

	if ((r = mc_vfio_mig_capable(d, o->p2p, o->precopy, NULL, err)) < 0)
		return r;
	if ((r = get_state(&m, err)) < 0)
		return r;
	if (m.cur != MC_VFIO_RUNNING)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EBUSY,
				    "%s: device is in state %s; a save starts from RUNNING%s",
				    mc_vfio_dev_name(d), mc_vfio_state_name(m.cur),
				    reset_hint(m.cur));
	buf = malloc(bs);
	if (!buf)
		return mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory",
				    mc_vfio_dev_name(d));

	if (o->precopy) {
		if ((r = step(&m, MC_VFIO_PRE_COPY, err)) < 0)
			goto fail;
		if ((r = precopy_phase(&m, o, buf, bs, out, opaque, err)) < 0)
			goto fail;
		if (o->p2p && (r = step(&m, MC_VFIO_PRE_COPY_P2P, err)) < 0)
			goto fail;
		if ((r = step(&m, MC_VFIO_STOP_COPY, err)) < 0)
			goto fail;
	} else {
		if (o->p2p && (r = step(&m, MC_VFIO_RUNNING_P2P, err)) < 0)
			goto fail;
		if ((r = step(&m, MC_VFIO_STOP, err)) < 0)
			goto fail;
		if ((r = step(&m, MC_VFIO_STOP_COPY, err)) < 0)
			goto fail;
	}
	for (;;) { /* STOP_COPY: read to EOF */
		ssize_t n = mc_vfio_dev_read(d, m.fd, buf, bs);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			r = read_error(&m, n, err);
			goto fail;
		}
		if (n == 0)
			break;
		m.st->bytes += (uint64_t)n;
		if ((r = out(opaque, buf, (size_t)n, err)) < 0)
			goto fail;
	}
	if ((r = step(&m, MC_VFIO_STOP, err)) < 0)
		goto fail;
	close_session(&m);
	if (o->keep_running) {
		if (o->p2p && (r = step(&m, MC_VFIO_RUNNING_P2P, err)) < 0)
			goto fail;
		if ((r = step(&m, MC_VFIO_RUNNING, err)) < 0)
			goto fail;
	}
	free(buf);
	return 0;
fail:
	recover(&m, false, err);
	free(buf);
	return r;
}

static int write_all(fsm *m, const char *p, size_t n, mc_error *err)
{
	char eb[16];
	while (n) {
		ssize_t w = mc_vfio_dev_write(m->d, m->fd, p, n);
		if (w == -EINTR)
			continue;
		if (w < 0)
			return mc_error_set(err, 0, (int)-w,
					    "%s: writing the data_fd in RESUMING after %llu bytes: "
					    "%s (%s)",
					    mc_vfio_dev_name(m->d),
					    (unsigned long long)m->st->bytes, strerror((int)-w),
					    mc_vfio_errno_name((int)-w, eb));
		if (w == 0)
			return mc_error_set(
			    err, MC_EXIT_IOERR, EIO, "%s: the data_fd accepted no bytes after %llu",
			    mc_vfio_dev_name(m->d), (unsigned long long)m->st->bytes);
		p += w;
		n -= (size_t)w;
		m->st->bytes += (uint64_t)w;
	}
	return 0;
}

int mc_vfio_mig_restore(mc_vfio_dev *d, const mc_vfio_restore_opts *o, mc_vfio_in_fn in,
			void *opaque, mc_vfio_stats *stats, mc_error *err)
{
	static const mc_vfio_restore_opts defaults = { 0 };
	mc_vfio_stats local = { 0 };
	fsm m = { d, MC_VFIO_ERROR, -1, stats ? stats : &local };
	int r;
	if (!o)
		o = &defaults;
	*m.st = (mc_vfio_stats){ 0 };

	if ((r = mc_vfio_mig_capable(d, o->p2p, false, NULL, err)) < 0)
		return r;
	if ((r = get_state(&m, err)) < 0)
		return r;
	if (m.cur != MC_VFIO_RUNNING && m.cur != MC_VFIO_STOP)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EBUSY,
				    "%s: device is in state %s; a restore starts from RUNNING or "
				    "STOP%s",
				    mc_vfio_dev_name(d), mc_vfio_state_name(m.cur),
				    reset_hint(m.cur));
	if (m.cur == MC_VFIO_RUNNING) {
		if (o->p2p && (r = step(&m, MC_VFIO_RUNNING_P2P, err)) < 0)
			goto fail;
		if ((r = step(&m, MC_VFIO_STOP, err)) < 0)
			goto fail;
	}
	if ((r = step(&m, MC_VFIO_RESUMING, err)) < 0)
		goto fail;
	for (;;) {
		const void *p = NULL;
		ssize_t n = in(opaque, &p, err);
		if (n < 0) {
			r = (int)n;
			goto fail;
		}
		if (n == 0)
			break;
		if ((r = write_all(&m, p, (size_t)n, err)) < 0)
			goto fail;
	}
	/* Leaving RESUMING makes the driver validate and load the state. */
	if ((r = step(&m, MC_VFIO_STOP, err)) < 0)
		goto fail;
	close_session(&m);
	if (o->p2p && (r = step(&m, MC_VFIO_RUNNING_P2P, err)) < 0)
		goto fail;
	if ((r = step(&m, MC_VFIO_RUNNING, err)) < 0)
		goto fail;
	return 0;
fail:
	recover(&m, true, err);
	return r;
}

int mc_vfio_mig_reset(mc_vfio_dev *d, bool force, uint32_t *before, uint32_t *after, mc_error *err)
{
	char eb[16];
	uint32_t s = MC_VFIO_STATE_UNKNOWN;
	uint64_t flags;
	*before = *after = MC_VFIO_STATE_UNKNOWN;
	int r = mc_vfio_dev_mig_flags(d, &flags);
	const char *what = "VFIO_DEVICE_FEATURE_MIGRATION";
	if (r == 0) {
		r = mc_vfio_dev_get_state(d, &s);
		what = "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE";
	}
	if (r < 0 && !force)
		return mc_error_set(
		    err, MC_EXIT_UNAVAILABLE, -r,
		    "%s: no migration state to read (%s: %s); --force resets it anyway",
		    mc_vfio_dev_name(d), what, mc_vfio_errno_name(-r, eb));
	if (r == 0)
		*before = s;
	if (r == 0 && s == MC_VFIO_RUNNING && !force)
		return 0;
	r = mc_vfio_dev_reset(d);
	if (r < 0)
		return mc_error_set(err, MC_EXIT_IOERR, -r, "%s: VFIO_DEVICE_RESET failed: %s (%s)",
				    mc_vfio_dev_name(d), strerror(-r), mc_vfio_errno_name(-r, eb));
	if (*before == MC_VFIO_STATE_UNKNOWN)
		return 1; /* no migration state before, none to read after */
	r = mc_vfio_dev_get_state(d, &s);
	if (r < 0)
		return mc_error_set(err, MC_EXIT_IOERR, -r,
				    "%s: reset, but its state cannot be read: %s (%s)",
				    mc_vfio_dev_name(d), strerror(-r), mc_vfio_errno_name(-r, eb));
	*after = s;
	if (s != MC_VFIO_RUNNING)
		return mc_error_set(
		    err, MC_EXIT_IOERR, EIO,
		    "%s: VFIO_DEVICE_RESET left the device in state %s, not RUNNING",
		    mc_vfio_dev_name(d), mc_vfio_state_name(s));
	return 1;
}
