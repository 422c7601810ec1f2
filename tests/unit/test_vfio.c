/* VFIO device-state transfer: CRC-32C, the migration v2 FSM driver on the
 * simulator (every arc, every fault), the stream format (data-driven:
 * tests/data/vfio-stream/NAME.bin with NAME.expect "ok TOTAL" or
 * "error EXIT TEXT", checked against device.ident). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/planner/planner.h"
#include "core/vfio/vfio_cli.h"
#include "core/base/vfio_dev.h"
#include "core/vfio/vfio_mig.h"
#include "core/vfio/vfio_stream.h"
#include "probes/probe.h"
#include "probes/util.h"
#include "tests/lib/plancase.h"
#include "tests/lib/testutil.h"
#include "tests/lib/vfio_sim.h"

#define ALL_FLAGS (MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P | MC_VFIO_MIG_PRE_COPY)

static GPtrArray *stream_names, *probe_names;

/* ---- CRC-32C ---- */

START_TEST(crc_vectors)
{
	unsigned char z[32], ff[32], inc[32];
	memset(z, 0, sizeof(z));
	memset(ff, 0xff, sizeof(ff));
	for (int i = 0; i < 32; i++)
		inc[i] = (unsigned char)i;
	/* RFC 3720 B.4 and the classic check value. */
	ck_assert_uint_eq(mc_crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(mc_crc32c(0, z, 32), 0x8A9136AAu);
	ck_assert_uint_eq(mc_crc32c(0, ff, 32), 0x62A8AB43u);
	ck_assert_uint_eq(mc_crc32c(0, inc, 32), 0x46DD794Eu);
	ck_assert_uint_eq(mc_crc32c_sw(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(mc_crc32c(0, "", 0), 0);
}
END_TEST

START_TEST(crc_hw_matches_sw)
{
	size_t n = 3 * 4096 * 3 + 123;
	unsigned char *buf = malloc(n + 8);
	uint32_t x = 12345;
	for (size_t i = 0; i < n + 8; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	static const size_t lens[] = { 0, 1, 7, 8, 9, 63, 4096, 12287, 12288, 12289, 30000 };
	for (size_t off = 0; off < 8; off++)
		for (size_t l = 0; l < G_N_ELEMENTS(lens); l++) {
			ck_assert_uint_eq(mc_crc32c(0, buf + off, lens[l]),
					  mc_crc32c_sw(0, buf + off, lens[l]));
		}
	/* chaining = one pass */
	uint32_t whole = mc_crc32c(0, buf, n);
	ck_assert_uint_eq(mc_crc32c(mc_crc32c(0, buf, 5000), buf + 5000, n - 5000), whole);
	ck_assert_uint_eq(mc_crc32c_sw(mc_crc32c_sw(0, buf, 13), buf + 13, n - 13), whole);
	free(buf);
}
END_TEST

/* ---- helpers ---- */

static vsim *sim(uint64_t flags, size_t size, uint32_t seed)
{
	vsim_config c = { .flags = flags, .state_size = size, .seed = seed, .format_version = 1 };
	return vsim_new(&c);
}

/* Save src into a fresh temporary file (rewound). */
static int save_file(mc_vfio_dev *d, const mc_vfio_save_opts *o, mc_error *err, int *rc)
{
	int fd = tu_tmpfile_fd();
	*rc = mc_vfio_save_to_fd(d, o, fd, "save.bin", NULL, NULL, err);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The read end of a pipe a thread fills with the file's bytes (a
 * non-seekable input, like a socket). reap_pipe() joins it. */
typedef struct feeder {
	int in, out;
} feeder;
static pthread_t feeder_thread;
static feeder feed;

static void *feed_fn(void *arg)
{
	feeder *f = arg;
	char buf[65536];
	ssize_t n;
	while ((n = read(f->in, buf, sizeof(buf))) > 0)
		if (write(f->out, buf, (size_t)n) != n)
			break;
	close(f->out);
	return NULL;
}

static int as_pipe(int fd)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	feed.in = fd;
	feed.out = p[1];
	ck_assert_int_eq(pthread_create(&feeder_thread, NULL, feed_fn, &feed), 0);
	return p[0];
}

/* Join the feeder after the reader is done (closing the read end first so a
 * feeder blocked on a full pipe sees EPIPE). */
static void reap_pipe(int rfd)
{
	close(rfd);
	pthread_join(feeder_thread, NULL);
}

static bool same_data(const vsim *a, const vsim *b)
{
	size_t la, lb;
	const unsigned char *pa = vsim_data(a, &la), *pb = vsim_data(b, &lb);
	return la == lb && memcmp(pa, pb, la) == 0;
}

static void flip_byte(int fd, off_t off)
{
	unsigned char c;
	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
}

/* ---- round trips: exact arcs per flag set and options ---- */

typedef struct scenario {
	uint64_t flags;
	bool p2p, precopy, keep;
	const char *save_trace, *restore_trace;
	const char *save_sets; /* per arc of save_trace: the SET that walks it */
} scenario;

static const scenario scenarios[] = {
	{ MC_VFIO_MIG_STOP_COPY, false, false, false, "RUNNING>STOP STOP>STOP_COPY STOP_COPY>STOP",
	  "RUNNING>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING", NULL },
	{ MC_VFIO_MIG_STOP_COPY, false, false, true,
	  "RUNNING>STOP STOP>STOP_COPY STOP_COPY>STOP STOP>RUNNING",
	  "RUNNING>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING", NULL },
	{ MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P, true, false, true,
	  "RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>STOP_COPY STOP_COPY>STOP STOP>RUNNING_P2P "
	  "RUNNING_P2P>RUNNING",
	  "RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING_P2P "
	  "RUNNING_P2P>RUNNING",
	  NULL },
	/* a P2P device driven without P2P: the kernel walks through RUNNING_P2P */
	{ MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P, false, false, false,
	  "RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>STOP_COPY STOP_COPY>STOP",
	  "RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING_P2P "
	  "RUNNING_P2P>RUNNING",
	  "RUNNING>STOP RUNNING>STOP STOP>STOP_COPY STOP_COPY>STOP" },
	{ MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_PRE_COPY, false, true, false,
	  "RUNNING>PRE_COPY PRE_COPY>STOP_COPY STOP_COPY>STOP",
	  "RUNNING>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING", NULL },
	{ ALL_FLAGS, true, true, false,
	  "RUNNING>PRE_COPY PRE_COPY>PRE_COPY_P2P PRE_COPY_P2P>STOP_COPY STOP_COPY>STOP",
	  "RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING_P2P "
	  "RUNNING_P2P>RUNNING",
	  NULL },
	{ ALL_FLAGS, false, true, true,
	  "RUNNING>PRE_COPY PRE_COPY>PRE_COPY_P2P PRE_COPY_P2P>STOP_COPY STOP_COPY>STOP "
	  "STOP>RUNNING_P2P RUNNING_P2P>RUNNING",
	  "RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING_P2P "
	  "RUNNING_P2P>RUNNING",
	  "RUNNING>PRE_COPY PRE_COPY>STOP_COPY PRE_COPY>STOP_COPY STOP_COPY>STOP STOP>RUNNING "
	  "STOP>RUNNING" },
};

/* "FROM>TO" into state numbers. */
static void parse_arc(const char *arc, int *from, int *to)
{
	const char *gt = strchr(arc, '>');
	ck_assert_ptr_nonnull(gt);
	*from = *to = -1;
	for (uint32_t s = 0; s < MC_VFIO_NSTATES; s++) {
		const char *n = mc_vfio_state_name(s);
		if (strlen(n) == (size_t)(gt - arc) && !strncmp(n, arc, (size_t)(gt - arc)))
			*from = (int)s;
		if (!strcmp(n, gt + 1))
			*to = (int)s;
	}
	ck_assert(*from >= 0 && *to >= 0);
}

/* "arc FROM->TO failed: " for a "FROM>TO" text. */
static void arc_message(const char *arc, char *buf, size_t size)
{
	int from, to;
	parse_arc(arc, &from, &to);
	snprintf(buf, size, "arc %s->%s failed: ", mc_vfio_state_name((uint32_t)from),
		 mc_vfio_state_name((uint32_t)to));
}

START_TEST(round_trip)
{
	const scenario *sc = &scenarios[_i];
	vsim *a = sim(sc->flags, 300000, 1), *b = sim(sc->flags, 300000, 2);
	mc_vfio_dev *da = vsim_dev(a, NULL), *db = vsim_dev(b, NULL);
	mc_vfio_save_opts so = {
		.p2p = sc->p2p, .precopy = sc->precopy, .keep_running = sc->keep, .buf_size = 65536
	};
	mc_vfio_restore_opts ro = { .p2p = sc->p2p };
	mc_error err = { 0 };
	int rc;
	ck_assert(!same_data(a, b));
	int fd = save_file(da, &so, &err, &rc);
	ck_assert_msg(rc == 0, "%s", err.msg);
	ck_assert_str_eq(vsim_trace(a), sc->save_trace);
	ck_assert_uint_eq(vsim_state(a), sc->keep ? MC_VFIO_RUNNING : MC_VFIO_STOP);
	ck_assert_int_eq(vsim_open_fds(a), 0);
	mc_vfio_stats st;
	ck_assert_msg(mc_vfio_restore_from_fd(db, &ro, fd, "save.bin", NULL, &st, &err) == 0, "%s",
		      err.msg);
	ck_assert_str_eq(vsim_trace(b), sc->restore_trace);
	ck_assert_uint_eq(vsim_state(b), MC_VFIO_RUNNING);
	ck_assert_int_eq(vsim_open_fds(b), 0);
	ck_assert(same_data(a, b));
	ck_assert_uint_eq(st.bytes, 16 + 300000 + 4);
	/* the same through a pipe (chunk by chunk) */
	vsim *c = sim(sc->flags, 300000, 3);
	mc_vfio_dev *dc = vsim_dev(c, NULL);
	lseek(fd, 0, SEEK_SET);
	int p = as_pipe(fd);
	ck_assert_msg(mc_vfio_restore_from_fd(dc, &ro, p, "pipe", NULL, NULL, &err) == 0, "%s",
		      err.msg);
	ck_assert(same_data(a, c));
	reap_pipe(p);
	close(fd);
	mc_vfio_dev_free(da);
	mc_vfio_dev_free(db);
	mc_vfio_dev_free(dc);
	vsim_free(a);
	vsim_free(b);
	vsim_free(c);
}
END_TEST

/* A valid saved state of a simulator with these flags (size 100, seed 1). */
static unsigned char *sim_blob(uint64_t flags, size_t *len)
{
	vsim *s = sim(flags, 100, 1);
	mc_vfio_dev *d = vsim_dev(s, NULL);
	int fd = -1;
	ck_assert_int_eq(mc_vfio_dev_set_state(d, MC_VFIO_STOP_COPY, &fd), 0);
	unsigned char *buf = malloc(4096);
	size_t n = 0;
	ssize_t r;
	while ((r = mc_vfio_dev_read(d, fd, buf + n, 4096 - n)) > 0)
		n += (size_t)r;
	ck_assert_int_eq(r, 0);
	mc_vfio_dev_close_fd(d, fd);
	mc_vfio_dev_free(d);
	vsim_free(s);
	*len = n;
	return buf;
}

/* Every arc of the kernel's FSM, through the backend interface: a direct arc
 * is one step with a data_fd exactly where vfio.h says; STOP_COPY->PRE_COPY*
 * and ERROR are EINVAL; ERROR is left only by reset. */
START_TEST(every_arc)
{
	static const uint64_t sets[] = {
		MC_VFIO_MIG_STOP_COPY,
		MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P,
		MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_PRE_COPY,
		ALL_FLAGS,
	};
	unsigned direct = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(sets); k++) {
		size_t blen;
		unsigned char *blob = sim_blob(sets[k], &blen);
		vsim *s = sim(sets[k], 100, 1);
		mc_vfio_dev *d = vsim_dev(s, NULL);
		for (uint32_t from = 1; from < MC_VFIO_NSTATES; from++) {
			for (uint32_t to = 0; to < MC_VFIO_NSTATES; to++) {
				int fd = -1;
				ck_assert_int_eq(mc_vfio_dev_reset(d), 0);
				if (mc_vfio_dev_set_state(d, from, &fd) < 0)
					continue; /* a state this flag set does not have */
				if (from == MC_VFIO_RESUMING) /* a state the driver accepts */
					ck_assert_int_eq(mc_vfio_dev_write(d, fd, blob, blen),
							 (ssize_t)blen);
				mc_vfio_dev_close_fd(d, fd);
				vsim_trace_clear(s);
				int r = mc_vfio_dev_set_state(d, to, &fd);
				bool bad = to == MC_VFIO_ERROR ||
					   (from == MC_VFIO_STOP_COPY &&
					    (to == MC_VFIO_PRE_COPY || to == MC_VFIO_PRE_COPY_P2P));
				uint64_t need = to == MC_VFIO_RUNNING_P2P ? MC_VFIO_MIG_P2P
						: to == MC_VFIO_PRE_COPY  ? MC_VFIO_MIG_PRE_COPY
						: to == MC_VFIO_PRE_COPY_P2P
						    ? MC_VFIO_MIG_P2P | MC_VFIO_MIG_PRE_COPY
						    : 0;
				if ((sets[k] & need) != need)
					bad = true;
				if (bad) {
					ck_assert_msg(r == -EINVAL, "%s->%s: %d",
						      mc_vfio_state_name(from),
						      mc_vfio_state_name(to), r);
					continue;
				}
				ck_assert_msg(r == 0, "%s->%s failed", mc_vfio_state_name(from),
					      mc_vfio_state_name(to));
				ck_assert_uint_eq(vsim_state(s), to);
				bool opens =
				    (from == MC_VFIO_RUNNING && to == MC_VFIO_PRE_COPY) ||
				    (from == MC_VFIO_RUNNING_P2P && to == MC_VFIO_PRE_COPY_P2P) ||
				    (from == MC_VFIO_STOP && to == MC_VFIO_STOP_COPY) ||
				    (from == MC_VFIO_STOP && to == MC_VFIO_RESUMING);
				if (vsim_direct_arc(sets[k], from, to)) {
					char want[64];
					snprintf(want, sizeof(want), "%s>%s",
						 mc_vfio_state_name(from), mc_vfio_state_name(to));
					ck_assert_str_eq(vsim_trace(s), want);
					ck_assert_msg((fd >= 0) == opens, "%s fd %d", want, fd);
					direct++;
				}
				mc_vfio_dev_close_fd(d, fd);
			}
		}
		/* ERROR: every SET fails, reset recovers */
		vsim_force_state(s, MC_VFIO_ERROR);
		for (uint32_t to = 0; to < MC_VFIO_NSTATES; to++) {
			int fd = -1;
			ck_assert_int_eq(mc_vfio_dev_set_state(d, to, &fd), -EINVAL);
		}
		ck_assert_int_eq(mc_vfio_dev_reset(d), 0);
		ck_assert_uint_eq(vsim_state(s), MC_VFIO_RUNNING);
		ck_assert_int_eq(vsim_open_fds(s), 0);
		mc_vfio_dev_free(d);
		vsim_free(s);
		free(blob);
	}
	/* 6 + 8 + 9 + 15 documented direct arcs over the four flag sets */
	ck_assert_uint_eq(direct, 6 + 8 + 9 + 15);
}
END_TEST

/* ---- faults ---- */

typedef struct rig {
	vsim *a, *b;
	mc_vfio_dev *da, *db;
	mc_error err;
} rig;

static void rig_init(rig *r, uint64_t flags)
{
	memset(r, 0, sizeof(*r));
	r->a = sim(flags, 50000, 1);
	r->b = sim(flags, 50000, 2);
	r->da = vsim_dev(r->a, NULL);
	r->db = vsim_dev(r->b, NULL);
}

static void rig_free(rig *r)
{
	mc_vfio_dev_free(r->da);
	mc_vfio_dev_free(r->db);
	vsim_free(r->a);
	vsim_free(r->b);
}

static void has(const char *msg, const char *want)
{
	ck_assert_msg(strstr(msg, want) != NULL, "'%s' lacks '%s'", msg, want);
}

/* The source after a failed save: RUNNING, its state intact, no fd open. */
static void source_intact(rig *r)
{
	ck_assert_uint_eq(vsim_state(r->a), MC_VFIO_RUNNING);
	ck_assert(vsim_is_fresh(r->a));
	ck_assert_int_eq(vsim_open_fds(r->a), 0);
}

/* The destination after a failed restore: reset (RUNNING, fresh content). */
static void dest_reset(rig *r)
{
	ck_assert_uint_eq(vsim_state(r->b), MC_VFIO_RUNNING);
	ck_assert(vsim_is_fresh(r->b));
	ck_assert_uint_eq(vsim_resets(r->b), 1);
	ck_assert_int_eq(vsim_open_fds(r->b), 0);
}

START_TEST(fault_short_io)
{
	rig r;
	rig_init(&r, ALL_FLAGS);
	vsim_faults_of(r.a)->short_io = 777;
	vsim_faults_of(r.b)->short_io = 333;
	mc_vfio_save_opts so = { .precopy = true, .p2p = true };
	int rc, fd = save_file(r.da, &so, &r.err, &rc);
	ck_assert_msg(rc == 0, "%s", r.err.msg);
	ck_assert_msg(mc_vfio_restore_from_fd(r.db, NULL, fd, "f", NULL, NULL, &r.err) == 0, "%s",
		      r.err.msg);
	ck_assert(same_data(r.a, r.b));
	close(fd);
	rig_free(&r);
}
END_TEST

START_TEST(fault_read_eio_stop_copy)
{
	rig r;
	rig_init(&r, MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P);
	vsim_faults_of(r.a)->read_fail_at = 20000;
	vsim_faults_of(r.a)->read_errno = EIO;
	mc_vfio_save_opts so = { .p2p = true, .buf_size = 4096 };
	int rc, fd = save_file(r.da, &so, &r.err, &rc);
	ck_assert_int_eq(rc, -EIO);
	has(r.err.msg, "sim0: reading the data_fd in STOP_COPY after 20000 bytes");
	has(r.err.msg, "(EIO)");
	has(r.err.msg, "device back in RUNNING (from STOP_COPY)");
	ck_assert_int_eq(r.err.exit_code, MC_EXIT_IOERR);
	source_intact(&r);
	close(fd);
	rig_free(&r);
}
END_TEST

START_TEST(fault_read_eio_precopy)
{
	rig r;
	rig_init(&r, ALL_FLAGS);
	vsim_faults_of(r.a)->read_fail_at = 100;
	vsim_faults_of(r.a)->read_errno = EIO;
	mc_vfio_save_opts so = { .precopy = true, .p2p = true };
	int rc, fd = save_file(r.da, &so, &r.err, &rc);
	ck_assert_int_eq(rc, -EIO);
	has(r.err.msg, "reading the data_fd in PRE_COPY after 100 bytes");
	has(r.err.msg, "device back in RUNNING (from PRE_COPY)");
	ck_assert(strstr(vsim_trace(r.a), "PRE_COPY>RUNNING"));
	source_intact(&r);
	close(fd);
	rig_free(&r);
}
END_TEST

/* A device whose state changes in PRE_COPY: the dirty bytes are read in
 * PRE_COPY too (not left for STOP_COPY), and the stream still restores. */
START_TEST(precopy_dirty_bytes)
{
	rig r;
	memset(&r, 0, sizeof(r));
	vsim_config c = { .flags = ALL_FLAGS,
			  .state_size = 50000,
			  .seed = 1,
			  .format_version = 1,
			  .precopy_initial = 10000,
			  .precopy_dirty = 15000 };
	r.a = vsim_new(&c);
	c.seed = 2;
	c.precopy_dirty = 0;
	r.b = vsim_new(&c);
	r.da = vsim_dev(r.a, NULL);
	r.db = vsim_dev(r.b, NULL);
	mc_vfio_save_opts so = { .precopy = true, .p2p = true };
	mc_vfio_stats st = { 0 };
	int fd = tu_tmpfile_fd();
	int rc = mc_vfio_save_to_fd(r.da, &so, fd, "save.bin", NULL, &st, &r.err);
	ck_assert_msg(rc == 0, "%s", r.err.msg);
	ck_assert_uint_eq(st.precopy_bytes, 25000);
	ck_assert_uint_gt(st.bytes, 50000);
	lseek(fd, 0, SEEK_SET);
	ck_assert_msg(mc_vfio_restore_from_fd(r.db, NULL, fd, "f", NULL, NULL, &r.err) == 0, "%s",
		      r.err.msg);
	ck_assert(same_data(r.a, r.b));
	close(fd);
	rig_free(&r);
}
END_TEST

/* A device that reports dirty bytes forever: PRE_COPY ends after
 * max_rounds temporary ends, STOP_COPY then moves the rest. */
START_TEST(precopy_dirty_forever)
{
	rig r;
	memset(&r, 0, sizeof(r));
	vsim_config c = { .flags = ALL_FLAGS,
			  .state_size = 50000,
			  .seed = 1,
			  .format_version = 1,
			  .precopy_initial = 10000,
			  .precopy_dirty_forever = true };
	r.a = vsim_new(&c);
	c.seed = 2;
	c.precopy_dirty_forever = false;
	r.b = vsim_new(&c);
	r.da = vsim_dev(r.a, NULL);
	r.db = vsim_dev(r.b, NULL);
	mc_vfio_save_opts so = { .precopy = true, .max_rounds = 3 };
	mc_vfio_stats st = { 0 };
	int fd = tu_tmpfile_fd();
	int rc = mc_vfio_save_to_fd(r.da, &so, fd, "save.bin", NULL, &st, &r.err);
	ck_assert_msg(rc == 0, "%s", r.err.msg);
	ck_assert_uint_eq(st.precopy_bytes, 10000);
	ck_assert_msg(g_str_has_prefix(vsim_trace(r.a), "RUNNING>PRE_COPY ") &&
			  strstr(vsim_trace(r.a), "STOP_COPY>STOP"),
		      "%s", vsim_trace(r.a));
	lseek(fd, 0, SEEK_SET);
	ck_assert_msg(mc_vfio_restore_from_fd(r.db, NULL, fd, "f", NULL, NULL, &r.err) == 0, "%s",
		      r.err.msg);
	ck_assert(same_data(r.a, r.b));
	close(fd);
	rig_free(&r);
}
END_TEST

/* The data_fd fails while the dirty bytes of a PRE_COPY session are read:
 * the error names PRE_COPY and the offset, the source runs again. */
START_TEST(fault_read_eio_precopy_dirty)
{
	rig r;
	memset(&r, 0, sizeof(r));
	vsim_config c = { .flags = ALL_FLAGS,
			  .state_size = 50000,
			  .seed = 1,
			  .format_version = 1,
			  .precopy_initial = 10000,
			  .precopy_dirty = 15000 };
	r.a = vsim_new(&c);
	c.seed = 2;
	r.b = vsim_new(&c);
	r.da = vsim_dev(r.a, NULL);
	r.db = vsim_dev(r.b, NULL);
	vsim_faults_of(r.a)->read_fail_at = 20000;
	vsim_faults_of(r.a)->read_errno = EIO;
	mc_vfio_save_opts so = { .precopy = true, .p2p = true };
	int rc, fd = save_file(r.da, &so, &r.err, &rc);
	ck_assert_int_eq(rc, -EIO);
	has(r.err.msg, "reading the data_fd in PRE_COPY after 20000 bytes");
	has(r.err.msg, "device back in RUNNING (from PRE_COPY)");
	source_intact(&r);
	close(fd);
	rig_free(&r);
}
END_TEST

START_TEST(fault_precopy_info)
{
	rig r;
	rig_init(&r, ALL_FLAGS);
	vsim_faults_of(r.a)->precopy_info_errno = EIO;
	mc_vfio_save_opts so = { .precopy = true };
	int rc, fd = save_file(r.da, &so, &r.err, &rc);
	ck_assert_int_eq(rc, -EIO);
	has(r.err.msg, "VFIO_MIG_GET_PRECOPY_INFO in PRE_COPY");
	source_intact(&r);
	close(fd);
	rig_free(&r);
}
END_TEST

START_TEST(fault_write_eio)
{
	rig r;
	rig_init(&r, MC_VFIO_MIG_STOP_COPY);
	int rc, fd = save_file(r.da, NULL, &r.err, &rc);
	ck_assert_int_eq(rc, 0);
	vsim_faults_of(r.b)->write_fail_at = 30000;
	vsim_faults_of(r.b)->write_errno = EIO;
	ck_assert_int_eq(mc_vfio_restore_from_fd(r.db, NULL, fd, "f", NULL, NULL, &r.err), -EIO);
	has(r.err.msg, "sim0: writing the data_fd in RESUMING after 30000 bytes");
	has(r.err.msg, "(EIO); device reset (RUNNING)");
	dest_reset(&r);
	close(fd);
	rig_free(&r);
}
END_TEST

/* Each arc of each save path fails in turn: the error names it, the source
 * is RUNNING again (SET RUNNING, or reset when the arc left ERROR). */
START_TEST(fault_every_save_arc)
{
	unsigned tried = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(scenarios); k++) {
		const scenario *sc = &scenarios[k];
		g_auto(GStrv) arcs = g_strsplit(sc->save_trace, " ", -1);
		g_auto(GStrv) sets =
		    g_strsplit(sc->save_sets ? sc->save_sets : sc->save_trace, " ", -1);
		ck_assert_uint_eq(g_strv_length(arcs), g_strv_length(sets));
		for (guint i = 0; arcs[i]; i++) {
			for (int result = -1; result <= 0; result++) { /* unchanged, ERROR */
				rig r;
				rig_init(&r, sc->flags);
				vsim_faults *f = vsim_faults_of(r.a);
				parse_arc(arcs[i], &f->arc_from, &f->arc_to);
				f->arc_errno = EIO;
				f->arc_result = result;
				mc_vfio_save_opts so = { .p2p = sc->p2p,
							 .precopy = sc->precopy,
							 .keep_running = sc->keep };
				int rc, fd = save_file(r.da, &so, &r.err, &rc);
				ck_assert_int_eq(rc, -EIO);
				char want[80];
				arc_message(sets[i], want, sizeof(want));
				has(r.err.msg, want);
				has(r.err.msg, "Input/output error (EIO)");
				ck_assert_uint_eq(vsim_state(r.a), MC_VFIO_RUNNING);
				ck_assert_int_eq(vsim_open_fds(r.a), 0);
				if (result == MC_VFIO_ERROR)
					has(r.err.msg, "; device reset (RUNNING)");
				else if (!vsim_resets(r.a))
					ck_assert(vsim_is_fresh(r.a));
				close(fd);
				rig_free(&r);
				tried++;
			}
		}
	}
	ck_assert_uint_eq(tried, 2 * (3 + 4 + 6 + 4 + 3 + 4 + 6));
}
END_TEST

START_TEST(fault_every_restore_arc)
{
	static const uint64_t sets[] = { MC_VFIO_MIG_STOP_COPY, ALL_FLAGS };
	static const char *const paths[] = {
		"RUNNING>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING",
		"RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>RESUMING RESUMING>STOP "
		"STOP>RUNNING_P2P RUNNING_P2P>RUNNING",
	};
	for (size_t k = 0; k < 2; k++) {
		g_auto(GStrv) arcs = g_strsplit(paths[k], " ", -1);
		for (char **a = arcs; *a; a++) {
			rig r;
			rig_init(&r, sets[k]);
			int rc, fd = save_file(r.da, NULL, &r.err, &rc);
			ck_assert_int_eq(rc, 0);
			vsim_faults *f = vsim_faults_of(r.b);
			parse_arc(*a, &f->arc_from, &f->arc_to);
			f->arc_errno = EIO;
			f->arc_result = MC_VFIO_ERROR;
			mc_vfio_restore_opts ro = { .p2p = k == 1 };
			ck_assert_int_eq(
			    mc_vfio_restore_from_fd(r.db, &ro, fd, "f", NULL, NULL, &r.err), -EIO);
			char want[80];
			arc_message(*a, want, sizeof(want));
			has(r.err.msg, want);
			has(r.err.msg, "Input/output error (EIO); device reset (RUNNING)");
			dest_reset(&r);
			close(fd);
			rig_free(&r);
		}
	}
}
END_TEST

START_TEST(fault_error_state_and_reset)
{
	rig r;
	rig_init(&r, MC_VFIO_MIG_STOP_COPY);
	/* a device already in ERROR is not touched */
	vsim_force_state(r.a, MC_VFIO_ERROR);
	int rc, fd = save_file(r.da, NULL, &r.err, &rc);
	ck_assert_int_eq(rc, -EBUSY);
	ck_assert_int_eq(r.err.exit_code, MC_EXIT_UNAVAILABLE);
	has(r.err.msg, "device is in state ERROR; a save starts from RUNNING");
	ck_assert_str_eq(vsim_trace(r.a), "");
	close(fd);
	/* an arc into ERROR and a reset that fails too */
	vsim_force_state(r.a, MC_VFIO_RUNNING);
	mc_error_clear(&r.err);
	vsim_faults *f = vsim_faults_of(r.a);
	f->arc_from = MC_VFIO_STOP_COPY;
	f->arc_to = MC_VFIO_STOP;
	f->arc_errno = EIO;
	f->arc_result = MC_VFIO_ERROR;
	f->reset_fails = true;
	fd = save_file(r.da, NULL, &r.err, &rc);
	ck_assert_int_eq(rc, -EIO);
	has(r.err.msg, "arc STOP_COPY->STOP failed");
	has(r.err.msg, "VFIO_DEVICE_RESET failed too: Input/output error (EIO)");
	ck_assert_uint_eq(vsim_state(r.a), MC_VFIO_ERROR);
	close(fd);
	rig_free(&r);
}
END_TEST

/* `vfio reset`: ERROR (and any state but RUNNING) is reset; RUNNING and a
 * device without migration state only with force; a failing reset says so. */
START_TEST(reset_verb)
{
	rig r;
	rig_init(&r, MC_VFIO_MIG_STOP_COPY);
	uint32_t before, after;
	/* RUNNING: left alone */
	ck_assert_int_eq(mc_vfio_mig_reset(r.da, false, &before, &after, &r.err), 0);
	ck_assert_uint_eq(before, MC_VFIO_RUNNING);
	ck_assert_uint_eq(vsim_resets(r.a), 0);
	/* ... unless forced */
	ck_assert_int_eq(mc_vfio_mig_reset(r.da, true, &before, &after, &r.err), 1);
	ck_assert_uint_eq(vsim_resets(r.a), 1);
	ck_assert_uint_eq(after, MC_VFIO_RUNNING);
	/* ERROR and RESUMING: reset to RUNNING */
	static const uint32_t left[] = { MC_VFIO_ERROR, MC_VFIO_RESUMING, MC_VFIO_STOP };
	for (unsigned i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		vsim_force_state(r.a, left[i]);
		ck_assert_int_eq(mc_vfio_mig_reset(r.da, false, &before, &after, &r.err), 1);
		ck_assert_uint_eq(before, left[i]);
		ck_assert_uint_eq(after, MC_VFIO_RUNNING);
		ck_assert_uint_eq(vsim_state(r.a), MC_VFIO_RUNNING);
		ck_assert_uint_eq(vsim_resets(r.a), 2 + i);
	}
	/* the save that refuses ERROR points at the reset */
	vsim_force_state(r.a, MC_VFIO_ERROR);
	int rc, fd = save_file(r.da, NULL, &r.err, &rc);
	ck_assert_int_eq(rc, -EBUSY);
	has(r.err.msg, "`migcheck vfio reset` brings it back to RUNNING");
	close(fd);
	/* a reset that fails: exit 74, the device stays in ERROR */
	mc_error_clear(&r.err);
	vsim_faults_of(r.a)->reset_fails = true;
	ck_assert_int_eq(mc_vfio_mig_reset(r.da, false, &before, &after, &r.err), -EIO);
	ck_assert_int_eq(r.err.exit_code, MC_EXIT_IOERR);
	has(r.err.msg, "VFIO_DEVICE_RESET failed: Input/output error (EIO)");
	ck_assert_uint_eq(vsim_state(r.a), MC_VFIO_ERROR);
	rig_free(&r);
	/* no migration v2: no state to read, reset only when forced */
	vsim_config c = { .no_migration = true, .state_size = 10 };
	vsim *s = vsim_new(&c);
	mc_vfio_dev *d = vsim_dev(s, NULL);
	mc_error err = { 0 };
	ck_assert_int_eq(mc_vfio_mig_reset(d, false, &before, &after, &err), -ENOTTY);
	ck_assert_int_eq(err.exit_code, MC_EXIT_UNAVAILABLE);
	has(err.msg, "sim0: no migration state to read");
	ck_assert_uint_eq(vsim_resets(s), 0);
	ck_assert_int_eq(mc_vfio_mig_reset(d, true, &before, &after, &err), 1);
	ck_assert_uint_eq(before, MC_VFIO_STATE_UNKNOWN);
	ck_assert_uint_eq(vsim_resets(s), 1);
	mc_vfio_dev_free(d);
	vsim_free(s);
}
END_TEST

START_TEST(fault_no_migration)
{
	vsim_config c = { .no_migration = true, .state_size = 10 };
	vsim *s = vsim_new(&c);
	mc_vfio_dev *d = vsim_dev(s, NULL);
	mc_error err = { 0 };
	int rc, fd = save_file(d, NULL, &err, &rc);
	ck_assert_int_eq(rc, -ENOTTY);
	ck_assert_int_eq(err.exit_code, MC_EXIT_UNAVAILABLE);
	has(err.msg, "sim0: no VFIO migration v2 support (VFIO_DEVICE_FEATURE_MIGRATION: ENOTTY)");
	ck_assert_str_eq(vsim_trace(s), "");
	close(fd);
	mc_vfio_dev_free(d);
	vsim_free(s);
	/* P2P / PRE_COPY asked of a device without them */
	rig r;
	rig_init(&r, MC_VFIO_MIG_STOP_COPY);
	mc_vfio_save_opts so = { .p2p = true };
	fd = save_file(r.da, &so, &r.err, &rc);
	ck_assert_int_eq(r.err.exit_code, MC_EXIT_UNAVAILABLE);
	has(r.err.msg, "does not offer VFIO_MIGRATION_P2P");
	close(fd);
	mc_error_clear(&r.err);
	so = (mc_vfio_save_opts){ .precopy = true };
	fd = save_file(r.da, &so, &r.err, &rc);
	has(r.err.msg, "does not offer VFIO_MIGRATION_PRE_COPY");
	ck_assert_str_eq(vsim_trace(r.a), "");
	close(fd);
	rig_free(&r);
}
END_TEST

/* The driver itself refuses the state when leaving RESUMING (another state
 * format version): the destination is reset, also when it went to ERROR. */
START_TEST(fault_driver_refuses_state)
{
	for (int err_state = 0; err_state <= 1; err_state++) {
		vsim_config ca = { .flags = MC_VFIO_MIG_STOP_COPY,
				   .state_size = 5000,
				   .seed = 1,
				   .format_version = 1 };
		vsim_config cb = ca;
		cb.seed = 2;
		cb.format_version = 2;
		cb.resume_error_state = err_state;
		rig r = { 0 };
		r.a = vsim_new(&ca);
		r.b = vsim_new(&cb);
		r.da = vsim_dev(r.a, NULL);
		r.db = vsim_dev(r.b, NULL);
		int rc, fd = save_file(r.da, NULL, &r.err, &rc);
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(mc_vfio_restore_from_fd(r.db, NULL, fd, "f", NULL, NULL, &r.err),
				 -EINVAL);
		has(r.err.msg, "arc RESUMING->STOP failed: Invalid argument (EINVAL); device reset "
			       "(RUNNING)");
		dest_reset(&r);
		close(fd);
		rig_free(&r);
	}
}
END_TEST

/* A tampered or truncated stream: a file is refused before RESUMING (no arc
 * at all); a pipe is refused at the bad chunk and the destination reset. */
START_TEST(fault_bad_stream)
{
	for (int kind = 0; kind < 3; kind++) {
		for (int piped = 0; piped <= 1; piped++) {
			rig r;
			rig_init(&r, MC_VFIO_MIG_STOP_COPY);
			mc_vfio_save_opts so = { .buf_size = 8192 };
			int rc, fd = save_file(r.da, &so, &r.err, &rc);
			ck_assert_int_eq(rc, 0);
			off_t size = lseek(fd, 0, SEEK_END);
			const char *want;
			if (kind == 0) { /* a bit flipped in the third chunk's payload */
				flip_byte(fd, MC_VFIO_HDR_LEN + 2 * (16 + 8192 + 4) + 16 + 100);
				want = "chunk 3: CRC-32C mismatch";
			} else if (kind == 1) { /* cut inside the fourth chunk */
				ck_assert_int_eq(
				    ftruncate(fd, MC_VFIO_HDR_LEN + 3 * (16 + 8192 + 4) + 50), 0);
				want = "truncated inside a chunk";
			} else { /* the end record missing */
				ck_assert_int_eq(ftruncate(fd, size - 28), 0);
				want = "truncated at a record boundary";
			}
			lseek(fd, 0, SEEK_SET);
			int in = piped ? as_pipe(fd) : fd;
			ck_assert_int_eq(
			    mc_vfio_restore_from_fd(r.db, NULL, in, "s", NULL, NULL, &r.err),
			    -EBADMSG);
			has(r.err.msg, want);
			ck_assert_int_eq(r.err.exit_code, MC_EXIT_DATAERR);
			if (piped) {
				ck_assert(strstr(vsim_trace(r.b), "STOP>RESUMING"));
				has(r.err.msg, "; device reset (RUNNING)");
				dest_reset(&r);
				reap_pipe(in);
			} else {
				ck_assert_str_eq(vsim_trace(r.b), "");
				ck_assert(vsim_is_fresh(r.b));
			}
			close(fd);
			rig_free(&r);
		}
	}
}
END_TEST

START_TEST(wrong_device_before_resuming)
{
	rig r;
	rig_init(&r, MC_VFIO_MIG_STOP_COPY);
	int rc, fd = save_file(r.da, NULL, &r.err, &rc);
	ck_assert_int_eq(rc, 0);
	mc_vfio_ident *id = mc_vfio_dev_ident_mut(r.db);
	snprintf(id->driver_version, sizeof(id->driver_version), "2.0");
	for (int piped = 0; piped <= 1; piped++) {
		mc_error_clear(&r.err);
		lseek(fd, 0, SEEK_SET);
		int in = piped ? as_pipe(fd) : fd;
		ck_assert_int_eq(mc_vfio_restore_from_fd(r.db, NULL, in, "s", NULL, NULL, &r.err),
				 -EINVAL);
		has(r.err.msg, "stream is from a different driver version (1af4:10f0 subsystem "
			       "0000:0000, driver simdrv 1.0), this device is 1af4:10f0 subsystem "
			       "0000:0000, driver simdrv 2.0; refused before RESUMING");
		ck_assert_str_eq(vsim_trace(r.b), "");
		if (piped)
			reap_pipe(in);
	}
	close(fd);
	rig_free(&r);
}
END_TEST

/* ---- the stream format ---- */

static void load_ident(mc_vfio_ident *id)
{
	g_autofree char *p = tu_path("vfio-stream", "device", ".ident");
	g_autofree char *t = tu_read(p, NULL);
	ck_assert_msg(t != NULL, "missing %s", p);
	memset(id, 0, sizeof(*id));
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
	for (char **l = lines; *l; l++) {
		char *eq = strchr(*l, '=');
		if (!**l || **l == '#' || !eq)
			continue;
		*eq = '\0';
		const char *k = *l, *v = eq + 1;
		unsigned long long n = strtoull(v, NULL, 0);
		if (!strcmp(k, "vendor"))
			id->vendor = (uint16_t)n;
		else if (!strcmp(k, "device"))
			id->device = (uint16_t)n;
		else if (!strcmp(k, "subvendor"))
			id->subvendor = (uint16_t)n;
		else if (!strcmp(k, "subdevice"))
			id->subdevice = (uint16_t)n;
		else if (!strcmp(k, "mig_flags"))
			id->mig_flags = n;
		else if (!strcmp(k, "driver"))
			snprintf(id->driver, sizeof(id->driver), "%s", v);
		else if (!strcmp(k, "driver_version"))
			snprintf(id->driver_version, sizeof(id->driver_version), "%s", v);
		else if (!strcmp(k, "type"))
			snprintf(id->type, sizeof(id->type), "%s", v);
		else if (!strcmp(k, "name"))
			snprintf(id->name, sizeof(id->name), "%s", v);
		else
			ck_abort_msg("%s: unknown key %s", p, k);
	}
}

START_TEST(stream_case)
{
	const char *name = stream_names->pdata[_i];
	mc_vfio_ident dev;
	load_ident(&dev);
	g_autofree char *bin = tu_path("vfio-stream", name, ".bin");
	g_autofree char *ep = tu_path("vfio-stream", name, ".expect");
	g_autofree char *exp = tu_read(ep, NULL);
	ck_assert_msg(exp != NULL, "missing %s", ep);
	g_strchomp(exp);
	int fd = open(bin, O_RDONLY);
	ck_assert_msg(fd >= 0, "missing %s", bin);
	mc_error err = { 0 };
	uint64_t total = 0;
	int r = mc_vfio_stream_verify(fd, name, &dev, NULL, &total, &err);
	close(fd);
	if (g_str_has_prefix(exp, "ok ")) {
		ck_assert_msg(r == 0, "%s: %s", name, err.msg);
		ck_assert_uint_eq(total, g_ascii_strtoull(exp + 3, NULL, 10));
	} else {
		ck_assert_msg(g_str_has_prefix(exp, "error "), "%s: bad expectation", ep);
		char *end;
		long code = strtol(exp + 6, &end, 10);
		ck_assert_msg(r < 0, "%s: accepted", name);
		ck_assert_int_eq(err.exit_code, code);
		has(err.msg, end + 1);
		ck_assert_msg(!strchr(err.msg, '\n'), "multi-line error");
	}
}
END_TEST

/* The C writer and the independent generator (gen.py) agree byte for byte. */
START_TEST(writer_matches_generator)
{
	mc_vfio_ident dev;
	load_ident(&dev);
	g_autofree char *p = tu_path("vfio-stream", "good", ".bin");
	gsize want_len;
	g_autofree char *want = tu_read(p, &want_len);
	ck_assert_ptr_nonnull(want);
	unsigned char payload[3500];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)((i * 7 + 3) & 0xff);
	int fd = tu_tmpfile_fd();
	mc_error err = { 0 };
	mc_vfio_writer *w = mc_vfio_writer_new(fd, "tmp", &dev, 0, 1000, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(mc_vfio_writer_data(w, payload, 1500, &err), 0);
	ck_assert_int_eq(mc_vfio_writer_data(w, payload + 1500, 2000, &err), 0);
	ck_assert_int_eq(mc_vfio_writer_end(w, &err), 0);
	mc_vfio_writer_free(w);
	off_t len = lseek(fd, 0, SEEK_END);
	char *got = malloc((size_t)len);
	ck_assert_int_eq(pread(fd, got, (size_t)len, 0), len);
	/* the writer splits 1500 + 2000 as 1000,500,1000,1000: compare with
	 * good-split.bin, and the header (length patched in) with good.bin */
	g_autofree char *p2 = tu_path("vfio-stream", "good-split", ".bin");
	gsize split_len;
	g_autofree char *split = tu_read(p2, &split_len);
	ck_assert_ptr_nonnull(split);
	ck_assert_uint_eq((gsize)len, split_len);
	ck_assert(memcmp(got, split, split_len) == 0);
	ck_assert(memcmp(got, want, MC_VFIO_HDR_LEN) == 0);
	free(got);
	close(fd);
}
END_TEST

/* Truncation at every byte of a stream is refused; only the whole passes. */
START_TEST(truncated_everywhere)
{
	mc_vfio_ident dev;
	load_ident(&dev);
	g_autofree char *p = tu_path("vfio-stream", "good", ".bin");
	gsize len;
	g_autofree char *all = tu_read(p, &len);
	ck_assert_ptr_nonnull(all);
	for (gsize cut = 0; cut <= len; cut++) {
		int fd = tu_tmpfile_fd();
		ck_assert_int_eq(write(fd, all, cut), (ssize_t)cut);
		lseek(fd, 0, SEEK_SET);
		mc_error err = { 0 };
		int r = mc_vfio_stream_verify(fd, "cut", &dev, NULL, NULL, &err);
		close(fd);
		if (cut == len)
			ck_assert_msg(r == 0, "%s", err.msg);
		else
			ck_assert_msg(r < 0 && err.exit_code == MC_EXIT_DATAERR, "cut %zu accepted",
				      (size_t)cut);
	}
}
END_TEST

/* ---- planner family "vfio": the plan cases of tests/data/plan-vfio (the
 * one runner, tests/lib/plancase.h), and the HOSTDEV pin. */

START_TEST(plan_pins)
{
	mc_pins *p = mc_pins_new();
	mc_error err = { 0 };
	ck_assert_int_eq(mc_pins_parse(p, "HOSTDEV=0000:03:00.1,0000:03:00.2", &err), 0);
	ck_assert_int_eq(mc_pins_parse(p, "HOSTDEV=0000:03:00.1;rm", &err), -EINVAL);
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	has(err.msg, "malformed pin");
	/* a hostdev the source does not have */
	mc_error_clear(&err);
	const char x86[] = "kernel\tarch\tx86_64\n";
	mc_facts *f = mc_facts_parse(x86, strlen(x86), "x", &err);
	ck_assert_int_eq(mc_pins_parse(p, "HOSTDEV=0000:03:00.7", &err), 0);
	ck_assert_ptr_null(mc_plan_compute(tu_plan_env(), f, f, p, &err));
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	has(err.msg, "the source has no VFIO device 0000:03:00.7");
	mc_facts_free(f);
	mc_pins_free(p);
}
END_TEST

/* send/recv: a save streamed over TCP on 127.0.0.1 into another device. */
typedef struct sender {
	mc_vfio_dev *d;
	int port, rc;
	mc_error err;
} sender;

static void *send_fn(void *arg)
{
	sender *x = arg;
	char hp[64];
	snprintf(hp, sizeof(hp), "127.0.0.1:%d", x->port);
	int fd = mc_vfio_tcp_connect(hp, &x->err);
	mc_vfio_save_opts so = { .p2p = true, .precopy = true };
	x->rc = fd < 0 ? fd : mc_vfio_save_to_fd(x->d, &so, fd, hp, NULL, NULL, &x->err);
	if (fd >= 0)
		close(fd);
	return NULL;
}

START_TEST(tcp_transfer)
{
	vsim *a = sim(ALL_FLAGS, 2000000, 1), *b = sim(ALL_FLAGS, 2000000, 2);
	mc_vfio_dev *da = vsim_dev(a, NULL), *db = vsim_dev(b, NULL);
	mc_error err = { 0 };
	sender x = { da, 0, -1, { 0 } };
	int lfd = mc_vfio_tcp_listen("127.0.0.1:0", &x.port, &err);
	ck_assert_msg(lfd >= 0, "%s", err.msg);
	ck_assert_int_gt(x.port, 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, send_fn, &x), 0);
	int fd = mc_vfio_tcp_accept(lfd, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	mc_vfio_restore_opts ro = { .p2p = true };
	ck_assert_msg(mc_vfio_restore_from_fd(db, &ro, fd, "tcp", NULL, NULL, &err) == 0, "%s",
		      err.msg);
	close(fd);
	pthread_join(t, NULL);
	ck_assert_msg(x.rc == 0, "%s", x.err.msg);
	ck_assert(same_data(a, b));
	ck_assert_int_eq(mc_vfio_tcp_connect("nohostport", &err), -EINVAL);
	mc_vfio_dev_free(da);
	mc_vfio_dev_free(db);
	vsim_free(a);
	vsim_free(b);
}
END_TEST

/* The probe on fixture sysfs trees: tests/data/probes/vfio/NAME/sys, facts
 * expected in NAME.facts (no /dev there: every device records why it could
 * not be opened). */
START_TEST(probe_case)
{
	const char *name = probe_names->pdata[_i];
	g_autofree char *sys = g_build_filename(tu_datadir(), "probes", "vfio", name, "sys", NULL);
	g_autofree char *ep = tu_path("probes/vfio", name, ".facts");
	g_autofree char *want = tu_read(ep, NULL);
	ck_assert_msg(want != NULL, "missing %s", ep);
	mc_probe_env env;
	mc_probe_env_default(&env);
	env.sys_root = sys;
	env.kvm_dev = "/nonexistent/kvm";
	mc_facts *f = mc_facts_new();
	mc_error err = { 0 };
	ck_assert_msg(mc_probe_run_vfio(&env, f, &err) == 0, "%s", err.msg);
	size_t len;
	char *got = mc_facts_canonical(f, &len);
	/* paths inside messages name the fixture: make them relative */
	g_auto(GStrv) parts = g_strsplit(got, sys, -1);
	g_autofree char *rel = g_strjoinv("SYS", parts);
	ck_assert_str_eq(rel, want);
	free(got);
	mc_facts_free(f);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("vfio");
	TCase *tc = tcase_create("crc");
	tcase_add_test(tc, crc_vectors);
	tcase_add_test(tc, crc_hw_matches_sw);
	suite_add_tcase(s, tc);
	tc = tcase_create("fsm");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, round_trip, 0, (int)G_N_ELEMENTS(scenarios));
	tcase_add_test(tc, every_arc);
	suite_add_tcase(s, tc);
	tc = tcase_create("faults");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fault_short_io);
	tcase_add_test(tc, fault_read_eio_stop_copy);
	tcase_add_test(tc, fault_read_eio_precopy);
	tcase_add_test(tc, fault_precopy_info);
	tcase_add_test(tc, precopy_dirty_bytes);
	tcase_add_test(tc, precopy_dirty_forever);
	tcase_add_test(tc, fault_read_eio_precopy_dirty);
	tcase_add_test(tc, fault_write_eio);
	tcase_add_test(tc, fault_every_save_arc);
	tcase_add_test(tc, fault_every_restore_arc);
	tcase_add_test(tc, fault_error_state_and_reset);
	tcase_add_test(tc, reset_verb);
	tcase_add_test(tc, fault_no_migration);
	tcase_add_test(tc, fault_driver_refuses_state);
	tcase_add_test(tc, fault_bad_stream);
	tcase_add_test(tc, wrong_device_before_resuming);
	suite_add_tcase(s, tc);
	tc = tcase_create("stream");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, writer_matches_generator);
	tcase_add_test(tc, truncated_everywhere);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_test(tc, plan_pins);
	tcase_add_test(tc, tcp_transfer);
	suite_add_tcase(s, tc);
	stream_names = tu_list("vfio-stream", ".expect");
	tu_add_cases(s, "stream", stream_names, stream_case, NULL, NULL);
	probe_names = tu_list("probes/vfio", ".facts");
	tu_add_cases(s, "probe", probe_names, probe_case, NULL, NULL);
	pc_add_cases(s, "plan-vfio");
	pc_add_cases(s, "plan-coherency");
	int rc = tu_run(s);
	g_ptr_array_unref(stream_names);
	g_ptr_array_unref(probe_names);
	return rc;
}
