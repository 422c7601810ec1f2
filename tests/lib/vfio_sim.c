/* VFIO migration v2 device simulator (unit tests only; see vfio_sim.h). */
#include "tests/lib/vfio_sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vfio/vfio_stream.h"

#define S_ERROR MC_VFIO_ERROR
#define S_STOP MC_VFIO_STOP
#define S_RUN MC_VFIO_RUNNING
#define S_SC MC_VFIO_STOP_COPY
#define S_RES MC_VFIO_RESUMING
#define S_RP MC_VFIO_RUNNING_P2P
#define S_PC MC_VFIO_PRE_COPY
#define S_PCP MC_VFIO_PRE_COPY_P2P
#define NS MC_VFIO_NSTATES
#define MAX_FDS 32
#define SIM_HDR 16

/* drivers/vfio/vfio_main.c vfio_mig_get_next_state(): next step from
 * [cur][target], repeated while the step's state is not supported. */
static const uint8_t next_tab[NS][NS] = {
	[S_STOP] = { [S_STOP] = S_STOP,
		     [S_RUN] = S_RP,
		     [S_PC] = S_RP,
		     [S_PCP] = S_RP,
		     [S_SC] = S_SC,
		     [S_RES] = S_RES,
		     [S_RP] = S_RP,
		     [S_ERROR] = S_ERROR },
	[S_RUN] = { [S_STOP] = S_RP,
		    [S_RUN] = S_RUN,
		    [S_PC] = S_PC,
		    [S_PCP] = S_RP,
		    [S_SC] = S_RP,
		    [S_RES] = S_RP,
		    [S_RP] = S_RP,
		    [S_ERROR] = S_ERROR },
	[S_PC] = { [S_STOP] = S_RUN,
		   [S_RUN] = S_RUN,
		   [S_PC] = S_PC,
		   [S_PCP] = S_PCP,
		   [S_SC] = S_PCP,
		   [S_RES] = S_RUN,
		   [S_RP] = S_RUN,
		   [S_ERROR] = S_ERROR },
	[S_PCP] = { [S_STOP] = S_RP,
		    [S_RUN] = S_RP,
		    [S_PC] = S_PC,
		    [S_PCP] = S_PCP,
		    [S_SC] = S_SC,
		    [S_RES] = S_RP,
		    [S_RP] = S_RP,
		    [S_ERROR] = S_ERROR },
	[S_SC] = { [S_STOP] = S_STOP,
		   [S_RUN] = S_STOP,
		   [S_PC] = S_ERROR,
		   [S_PCP] = S_ERROR,
		   [S_SC] = S_SC,
		   [S_RES] = S_STOP,
		   [S_RP] = S_STOP,
		   [S_ERROR] = S_ERROR },
	[S_RES] = { [S_STOP] = S_STOP,
		    [S_RUN] = S_STOP,
		    [S_PC] = S_STOP,
		    [S_PCP] = S_STOP,
		    [S_SC] = S_STOP,
		    [S_RES] = S_RES,
		    [S_RP] = S_STOP,
		    [S_ERROR] = S_ERROR },
	[S_RP] = { [S_STOP] = S_STOP,
		   [S_RUN] = S_RUN,
		   [S_PC] = S_RUN,
		   [S_PCP] = S_PCP,
		   [S_SC] = S_STOP,
		   [S_RES] = S_STOP,
		   [S_RP] = S_RP,
		   [S_ERROR] = S_ERROR },
	[S_ERROR] = { S_ERROR, S_ERROR, S_ERROR, S_ERROR, S_ERROR, S_ERROR, S_ERROR, S_ERROR },
};

static const uint64_t need_tab[NS] = {
	[S_STOP] = MC_VFIO_MIG_STOP_COPY,
	[S_RUN] = MC_VFIO_MIG_STOP_COPY,
	[S_SC] = MC_VFIO_MIG_STOP_COPY,
	[S_RES] = MC_VFIO_MIG_STOP_COPY,
	[S_RP] = MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P,
	[S_PC] = MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_PRE_COPY,
	[S_PCP] = MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P | MC_VFIO_MIG_PRE_COPY,
	[S_ERROR] = ~0ull,
};

static bool supported(uint64_t flags, uint32_t s)
{
	return (need_tab[s] & flags) == need_tab[s];
}

bool vsim_direct_arc(uint64_t flags, uint32_t from, uint32_t to)
{
	if (from == to || from >= NS || to >= NS || !supported(flags, from) ||
	    !supported(flags, to))
		return false;
	uint32_t next = next_tab[from][to];
	while (next != S_ERROR && !supported(flags, next))
		next = next_tab[next][to];
	return next == to;
}

typedef enum { SES_NONE, SES_SAVE, SES_RESUME } ses_kind;

struct vsim {
	vsim_config c;
	vsim_faults f;
	uint32_t state;
	unsigned char *data; /* the device state, c.state_size bytes */
	/* the migration session */
	ses_kind kind;
	int ses_fd;
	/* The session's stream is SIM_HDR head bytes, the state, a 4-byte CRC
	 * trailer. Save serves reads straight from `data` (no copy, like a
	 * device reading its own memory); resume lands the state in `stage`
	 * (allocated and touched once, up front) and swaps it in when valid. */
	unsigned char head[SIM_HDR], tail[4];
	unsigned char *stage;
	size_t stream_len, pos, avail;
	size_t initial_end; /* PRE_COPY: the end of the initial bytes */
	bool dirty_given;   /* PRE_COPY: c.precopy_dirty offered */
	int fds[MAX_FDS];
	int nfds, next_fd;
	unsigned resets;
	char trace[4096];
};

static void fill_fresh(const vsim_config *c, unsigned char *p)
{
	uint32_t x = c->seed * 2654435761u + 1;
	for (size_t i = 0; i < c->state_size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

vsim *vsim_new(const vsim_config *c)
{
	vsim *s = calloc(1, sizeof(*s));
	s->c = *c;
	s->c.flags |= MC_VFIO_MIG_STOP_COPY;
	if (!s->c.precopy_initial)
		s->c.precopy_initial = (SIM_HDR + c->state_size + 4) / 2;
	s->data = malloc(c->state_size ? c->state_size : 1);
	/* Touched now, so a restore does not pay its page faults. */
	s->stage = malloc(c->state_size ? c->state_size : 1);
	memset(s->stage, 0, c->state_size ? c->state_size : 1);
	fill_fresh(&s->c, s->data);
	s->state = S_RUN;
	s->ses_fd = -1;
	s->next_fd = 1000;
	s->f.read_fail_at = -1;
	s->f.write_fail_at = -1;
	s->f.arc_from = s->f.arc_to = s->f.arc_result = -1;
	return s;
}

void vsim_free(vsim *s)
{
	if (!s)
		return;
	free(s->data);
	free(s->stage);
	free(s);
}

vsim_faults *vsim_faults_of(vsim *s)
{
	return &s->f;
}
uint32_t vsim_state(const vsim *s)
{
	return s->state;
}
void vsim_force_state(vsim *s, uint32_t state)
{
	s->state = state;
}
const unsigned char *vsim_data(const vsim *s, size_t *len)
{
	*len = s->c.state_size;
	return s->data;
}
bool vsim_is_fresh(const vsim *s)
{
	unsigned char *p = malloc(s->c.state_size ? s->c.state_size : 1);
	fill_fresh(&s->c, p);
	bool same = memcmp(p, s->data, s->c.state_size) == 0;
	free(p);
	return same;
}
unsigned vsim_resets(const vsim *s)
{
	return s->resets;
}
int vsim_open_fds(const vsim *s)
{
	return s->nfds;
}
const char *vsim_trace(const vsim *s)
{
	return s->trace;
}
void vsim_trace_clear(vsim *s)
{
	s->trace[0] = '\0';
}

static void trace(vsim *s, const char *fmt, const char *a, const char *b)
{
	size_t len = strlen(s->trace);
	snprintf(s->trace + len, sizeof(s->trace) - len, fmt, len ? " " : "", a, b);
}

static void end_session(vsim *s)
{
	s->kind = SES_NONE;
	s->ses_fd = -1;
	s->stream_len = s->pos = s->avail = 0;
}

static int new_fd(vsim *s)
{
	if (s->nfds == MAX_FDS)
		return -EMFILE;
	int fd = s->next_fd++;
	s->fds[s->nfds++] = fd;
	return fd;
}

static bool fd_open(const vsim *s, int fd)
{
	for (int i = 0; i < s->nfds; i++)
		if (s->fds[i] == fd)
			return true;
	return false;
}

static int start_save(vsim *s)
{
	int fd = new_fd(s);
	if (fd < 0)
		return fd;
	end_session(s);
	s->kind = SES_SAVE;
	s->ses_fd = fd;
	s->stream_len = SIM_HDR + s->c.state_size + 4;
	memcpy(s->head, "SIMS", 4);
	put32(s->head + 4, s->c.format_version);
	uint64_t sz = s->c.state_size;
	memcpy(s->head + 8, &sz, 8);
	put32(s->tail, mc_crc32c(mc_crc32c(0, s->head, SIM_HDR), s->data, s->c.state_size));
	return fd;
}

/* Load the received state; -EINVAL when the driver would refuse it. */
static int load_resumed(vsim *s)
{
	if (s->stream_len < SIM_HDR + 4 || memcmp(s->head, "SIMS", 4) != 0)
		return -EINVAL;
	if (get32(s->head + 4) != s->c.format_version)
		return -EINVAL;
	uint64_t sz;
	memcpy(&sz, s->head + 8, 8);
	if (sz != s->c.state_size || s->stream_len != SIM_HDR + sz + 4)
		return -EINVAL;
	if (get32(s->tail) != mc_crc32c(mc_crc32c(0, s->head, SIM_HDR), s->stage, sz))
		return -EINVAL;
	unsigned char *old = s->data;
	s->data = s->stage;
	s->stage = old;
	return 0;
}

/* One direct arc. *fd gets a new data_fd where vfio.h says so. */
static int do_arc(vsim *s, uint32_t to, int *fd)
{
	uint32_t from = s->state;
	trace(s, "%s%s>%s", mc_vfio_state_name(from), mc_vfio_state_name(to));
	if ((int)from == s->f.arc_from && (int)to == s->f.arc_to) {
		if (s->f.arc_result >= 0) {
			if (s->f.arc_result == S_ERROR)
				end_session(s);
			s->state = (uint32_t)s->f.arc_result;
		}
		return -s->f.arc_errno;
	}
	int r;
	if ((from == S_RUN && to == S_PC) || (from == S_RP && to == S_PCP)) {
		if ((r = start_save(s)) < 0)
			return r;
		s->avail =
		    s->c.precopy_initial < s->stream_len ? s->c.precopy_initial : s->stream_len;
		s->initial_end = s->avail;
		s->dirty_given = false;
		*fd = r;
	} else if (from == S_STOP && to == S_SC) {
		if ((r = start_save(s)) < 0)
			return r;
		s->avail = s->stream_len;
		*fd = r;
	} else if ((from == S_PC || from == S_PCP) && to == S_SC) {
		s->avail = s->stream_len;
	} else if (from == S_STOP && to == S_RES) {
		if ((r = new_fd(s)) < 0)
			return r;
		end_session(s);
		s->kind = SES_RESUME;
		s->ses_fd = r;
		*fd = r;
	} else if (from == S_RES && to == S_STOP) {
		r = load_resumed(s);
		if (r < 0) {
			if (s->c.resume_error_state) {
				end_session(s);
				s->state = S_ERROR;
			}
			return r;
		}
		end_session(s);
	} else if ((from == S_SC && to == S_STOP) || (from == S_PC && to == S_RUN) ||
		   (from == S_PCP && to == S_RP)) {
		end_session(s);
	}
	s->state = to;
	return 0;
}

static int sim_set_state(void *b, uint32_t target, int *fd)
{
	vsim *s = b;
	if (target >= NS || !supported(s->c.flags, target))
		return -EINVAL;
	while (s->state != target) {
		uint32_t next = next_tab[s->state][target];
		while (next != S_ERROR && !supported(s->c.flags, next))
			next = next_tab[next][target];
		if (next == S_ERROR)
			return -EINVAL;
		int step_fd = -1;
		int r = do_arc(s, next, &step_fd);
		if (r < 0)
			return r;
		if (step_fd >= 0) {
			if (next != target) { /* never happens with the kernel table */
				return -EPROTO;
			}
			*fd = step_fd;
		}
	}
	return 0;
}

static int sim_get_state(void *b, uint32_t *state)
{
	*state = ((vsim *)b)->state;
	return 0;
}

static int sim_mig_flags(void *b, uint64_t *flags)
{
	vsim *s = b;
	if (s->c.no_migration)
		return -ENOTTY;
	*flags = s->c.flags;
	return 0;
}

static int check_fd(vsim *s, int fd, ses_kind kind)
{
	if (!fd_open(s, fd))
		return -EBADF;
	if (s->kind != kind || s->ses_fd != fd)
		return -ENODEV; /* a stale data_fd of an ended session */
	return 0;
}

/* Copy n stream bytes at `pos` between `io` and the session's pieces
 * (head, state, tail): out = true reads the stream, false writes it. */
static void stream_io(vsim *s, unsigned char *io, size_t pos, size_t n, bool out)
{
	size_t size = s->c.state_size;
	while (n) {
		unsigned char *piece;
		size_t off, len;
		if (pos < SIM_HDR) {
			piece = s->head, off = pos, len = SIM_HDR - pos;
		} else if (pos < SIM_HDR + size) {
			piece = out ? s->data : s->stage, off = pos - SIM_HDR, len = size - off;
		} else {
			piece = s->tail, off = pos - SIM_HDR - size, len = 4 - off;
		}
		if (len > n)
			len = n;
		if (out)
			memcpy(io, piece + off, len);
		else
			memcpy(piece + off, io, len);
		io += len, pos += len, n -= len;
	}
}

static ssize_t sim_read(void *b, int fd, void *buf, size_t n)
{
	vsim *s = b;
	int r = check_fd(s, fd, SES_SAVE);
	if (r < 0)
		return r;
	if (s->f.read_fail_at >= 0 && s->pos >= (size_t)s->f.read_fail_at)
		return -s->f.read_errno;
	if (s->pos >= s->avail)
		return s->state == S_SC ? 0 : -ENOMSG;
	size_t left = s->avail - s->pos;
	if (n > left)
		n = left;
	if (s->f.short_io && n > s->f.short_io)
		n = s->f.short_io;
	if (s->f.read_fail_at >= 0 && s->pos + n > (size_t)s->f.read_fail_at)
		n = (size_t)s->f.read_fail_at - s->pos;
	stream_io(s, buf, s->pos, n, true);
	s->pos += n;
	return (ssize_t)n;
}

static ssize_t sim_write(void *b, int fd, const void *buf, size_t n)
{
	vsim *s = b;
	int r = check_fd(s, fd, SES_RESUME);
	if (r < 0)
		return r;
	if (s->f.write_fail_at >= 0 && s->stream_len >= (size_t)s->f.write_fail_at)
		return -s->f.write_errno;
	if (s->f.short_io && n > s->f.short_io)
		n = s->f.short_io;
	if (s->f.write_fail_at >= 0 && s->stream_len + n > (size_t)s->f.write_fail_at)
		n = (size_t)s->f.write_fail_at - s->stream_len;
	if (s->stream_len + n > SIM_HDR + s->c.state_size + 4)
		return -EFBIG;
	stream_io(s, (unsigned char *)buf, s->stream_len, n, false);
	s->stream_len += n;
	return (ssize_t)n;
}

static int sim_precopy_info(void *b, int fd, uint64_t *initial, uint64_t *dirty)
{
	vsim *s = b;
	int r = check_fd(s, fd, SES_SAVE);
	if (r < 0)
		return r;
	if (s->f.precopy_info_errno)
		return -s->f.precopy_info_errno;
	if (s->state != S_PC && s->state != S_PCP)
		return -EINVAL;
	*initial = s->pos < s->initial_end ? s->initial_end - s->pos : 0;
	*dirty = s->avail > s->initial_end && s->pos < s->avail
		     ? s->avail - (s->pos > s->initial_end ? s->pos : s->initial_end)
		     : 0;
	if (*initial == 0 && s->c.precopy_dirty_forever)
		*dirty = 4096;
	else if (*initial == 0 && s->c.precopy_dirty && !s->dirty_given) {
		size_t end = s->initial_end + s->c.precopy_dirty;
		s->avail = end < s->stream_len ? end : s->stream_len;
		s->dirty_given = true;
		*dirty = s->avail - s->pos;
	}
	return 0;
}

static void sim_close_fd(void *b, int fd)
{
	vsim *s = b;
	for (int i = 0; i < s->nfds; i++)
		if (s->fds[i] == fd) {
			s->fds[i] = s->fds[--s->nfds];
			break;
		}
}

static int sim_reset(void *b)
{
	vsim *s = b;
	trace(s, "%s%sreset%s", "", "");
	if (s->f.reset_fails)
		return -EIO;
	end_session(s);
	s->state = S_RUN;
	fill_fresh(&s->c, s->data);
	s->resets++;
	return 0;
}

static int sim_dma_logging(void *b)
{
	(void)b;
	return 0;
}

static int sim_coherent(void *b)
{
	(void)b;
	return 1;
}

static const mc_vfio_backend_ops sim_ops = {
	.name = "simulator",
	.mig_flags = sim_mig_flags,
	.get_state = sim_get_state,
	.set_state = sim_set_state,
	.read = sim_read,
	.write = sim_write,
	.precopy_info = sim_precopy_info,
	.close_fd = sim_close_fd,
	.reset = sim_reset,
	.dma_logging = sim_dma_logging,
	.coherent = sim_coherent,
	.free = NULL,
};

mc_vfio_dev *vsim_dev(vsim *s, const mc_vfio_ident *id)
{
	mc_vfio_ident local = { 0 };
	if (!id) {
		snprintf(local.name, sizeof(local.name), "sim0");
		local.vendor = 0x1af4;
		local.device = 0x10f0;
		snprintf(local.driver, sizeof(local.driver), "simdrv");
		snprintf(local.driver_version, sizeof(local.driver_version), "1.0");
		id = &local;
	}
	return mc_vfio_dev_new(&sim_ops, s, id);
}
