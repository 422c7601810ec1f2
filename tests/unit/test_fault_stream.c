/* Fault injection on the VFIO device-state stream (issue #7): a saved stream
 * cut at every chunk boundary (and right after the header), cut inside every
 * record, tampered in every chunk, restored into a fresh destination device
 * from a file and through a pipe; and a live transfer (source save -> pipe ->
 * destination restore) whose middle stops reading at every chunk boundary.
 *
 * test_vfio.c covers the stream verifier at every byte of a small fixture,
 * one tampered and two truncated streams restored into a device, and every
 * FSM arc failing; this program extends that to every chunk boundary of a
 * real saved stream with the destination's final state, the source's state,
 * and the bytes that reached the destination checked each time. Each test is
 * one row of the README "Reliability" table (tu_fault_record). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/vfio_dev.h"
#include "core/vfio/vfio_mig.h"
#include "core/vfio/vfio_stream.h"
#include "tests/lib/testutil.h"
#include "tests/lib/vfio_sim.h"

#define GROUP "fault-stream"
#define STATE_SIZE 50000
#define READ_SIZE 4096 /* the save's read size: one chunk per read */
#define PIPE_CAP 4096  /* the live transfer's pipe buffer (one page) */

/* ---- soft checks: a failing check marks the row FAIL, the test fails at
 * its end (after the row is written) ---- */

static unsigned fails;
static char first_fail[512];

static void soft(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void soft(bool ok, const char *fmt, ...)
{
	if (ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (!fails++)
		vsnprintf(first_fail, sizeof(first_fail), fmt, ap);
	else {
		fputs("also: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void reset_fails(void)
{
	fails = 0;
	first_fail[0] = '\0';
}

static void row(const char *fault, const char *outcome)
{
	tu_fault_record(GROUP, fault, outcome, fails == 0);
	ck_assert_msg(fails == 0, "%u failed checks, first: %s", fails, first_fail);
}

/* ---- the stream under test ---- */

static vsim *new_sim(uint32_t seed)
{
	vsim_config c = { .flags = MC_VFIO_MIG_STOP_COPY,
			  .state_size = STATE_SIZE,
			  .seed = seed,
			  .format_version = 1 };
	return vsim_new(&c);
}

typedef struct rec {
	size_t start, end; /* stream offsets of the record (head .. CRC) */
	uint32_t type, len;
	uint64_t data_before; /* device data in the records before this one */
} rec;

typedef struct stream {
	unsigned char *buf;
	size_t len;
	rec recs[64];
	size_t nrec; /* DATA records then the END record */
} stream;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The source: a RUNNING simulator device whose state is saved (keep
 * running) into a file, read back and split into records. */
static vsim *src;
static mc_vfio_dev *src_dev;
static stream st;

static void make_stream(void)
{
	src = new_sim(1);
	src_dev = vsim_dev(src, NULL);
	mc_vfio_save_opts so = { .keep_running = true, .buf_size = READ_SIZE };
	mc_error err = { 0 };
	int fd = tu_tmpfile_fd();
	ck_assert_msg(mc_vfio_save_to_fd(src_dev, &so, fd, "saved", NULL, NULL, &err) == 0, "%s",
		      err.msg);
	off_t len = lseek(fd, 0, SEEK_END);
	ck_assert_int_gt(len, MC_VFIO_HDR_LEN);
	st.len = (size_t)len;
	st.buf = malloc(st.len);
	ck_assert_int_eq(pread(fd, st.buf, st.len, 0), len);
	close(fd);
	uint64_t data = 0;
	for (size_t pos = MC_VFIO_HDR_LEN; pos < st.len; st.nrec++) {
		ck_assert_uint_lt(st.nrec, G_N_ELEMENTS(st.recs));
		rec *r = &st.recs[st.nrec];
		r->start = pos;
		r->type = le32(st.buf + pos);
		r->len = le32(st.buf + pos + 4);
		r->end = pos + MC_VFIO_REC_HEAD + r->len + 4;
		r->data_before = data;
		if (r->type == MC_VFIO_REC_DATA)
			data += r->len;
		pos = r->end;
		ck_assert_uint_le(pos, st.len);
	}
	ck_assert_uint_ge(st.nrec, 10); /* enough chunks to be worth cutting */
	ck_assert_uint_eq(st.recs[st.nrec - 1].type, MC_VFIO_REC_END);
	ck_assert_uint_eq(st.recs[st.nrec - 1].end, st.len);
}

static void free_stream(void)
{
	mc_vfio_dev_free(src_dev);
	vsim_free(src);
	free(st.buf);
	memset(&st, 0, sizeof(st));
}

/* The chunk boundaries: after the header, and after every DATA record
 * (the last one: the END record missing). Returns their count. */
static size_t boundaries(size_t *out)
{
	size_t n = 0;
	out[n++] = MC_VFIO_HDR_LEN;
	for (size_t i = 0; i < st.nrec; i++)
		if (st.recs[i].type == MC_VFIO_REC_DATA)
			out[n++] = st.recs[i].end;
	return n;
}

/* Device data in the DATA records wholly before stream offset `off`. */
static uint64_t data_before(size_t off)
{
	uint64_t d = 0;
	for (size_t i = 0; i < st.nrec; i++)
		if (st.recs[i].type == MC_VFIO_REC_DATA && st.recs[i].end <= off)
			d += st.recs[i].len;
	return d;
}

static void source_running(void)
{
	soft(vsim_state(src) == MC_VFIO_RUNNING, "source in state %s, want RUNNING",
	     mc_vfio_state_name(vsim_state(src)));
	soft(vsim_is_fresh(src), "source state changed");
	soft(vsim_open_fds(src) == 0, "source has %d data_fds open", vsim_open_fds(src));
}

/* ---- restoring a (damaged) stream into a fresh destination ---- */

typedef struct feeder {
	const unsigned char *p;
	size_t n;
	int out;
} feeder;

static void *feed_fn(void *arg)
{
	feeder *f = arg;
	size_t done = 0;
	while (done < f->n) {
		ssize_t w = write(f->out, f->p + done, f->n - done);
		if (w <= 0)
			break; /* the reader gave up (EPIPE) */
		done += (size_t)w;
	}
	close(f->out);
	return NULL;
}

typedef struct result {
	int rc;
	mc_error err;
	uint32_t state;
	bool fresh;
	unsigned resets;
	int fds;
	bool resumed;   /* the destination entered RESUMING */
	uint64_t bytes; /* device data written into the destination */
} result;

/* Restore `n` bytes of `p` into a fresh destination, from a file or a pipe. */
static void restore_bytes(const unsigned char *p, size_t n, bool piped, result *res)
{
	memset(res, 0, sizeof(*res));
	vsim *b = new_sim(2);
	mc_vfio_dev *db = vsim_dev(b, NULL);
	mc_vfio_stats stats = { 0 };
	if (!piped) {
		int fd = tu_tmpfile_fd();
		ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
		lseek(fd, 0, SEEK_SET);
		res->rc = mc_vfio_restore_from_fd(db, NULL, fd, "cut.bin", NULL, &stats, &res->err);
		close(fd);
	} else {
		int pp[2];
		pthread_t t;
		ck_assert_int_eq(pipe(pp), 0);
		feeder f = { p, n, pp[1] };
		ck_assert_int_eq(pthread_create(&t, NULL, feed_fn, &f), 0);
		res->rc =
		    mc_vfio_restore_from_fd(db, NULL, pp[0], "connection", NULL, &stats, &res->err);
		close(pp[0]);
		pthread_join(t, NULL);
	}
	res->state = vsim_state(b);
	res->fresh = vsim_is_fresh(b);
	res->resets = vsim_resets(b);
	res->fds = vsim_open_fds(b);
	res->resumed = strstr(vsim_trace(b), "STOP>RESUMING") != NULL;
	res->bytes = stats.bytes;
	mc_vfio_dev_free(db);
	vsim_free(b);
}

/* The destination refused: exit 65, one line naming the stream and saying
 * `want`; `resumed`: it had entered RESUMING (a pipe past the header) and
 * was reset, with `bytes` of device data written before the refusal; else
 * it was never touched. Either way it ends RUNNING with its own (reset)
 * content: none of the partial state, no data_fd open. */
static void refused(const result *r, const char *what, bool piped, const char *want, bool resumed,
		    uint64_t bytes)
{
	const char *name = piped ? "connection: " : "cut.bin: ";
	const char *m = r->err.msg;
	soft(r->rc == -EBADMSG, "%s: restore returned %d (%s)", what, r->rc, m);
	soft(r->err.exit_code == MC_EXIT_DATAERR, "%s: exit code %d, want 65", what,
	     r->err.exit_code);
	soft(strncmp(m, name, strlen(name)) == 0, "%s: '%s' does not start with '%s'", what, m,
	     name);
	soft(strstr(m, want) != NULL, "%s: '%s' lacks '%s'", what, m, want);
	soft(strchr(m, '\n') == NULL, "%s: multi-line error", what);
	soft(r->state == MC_VFIO_RUNNING && r->fresh, "%s: destination left in %s with %s content",
	     what, mc_vfio_state_name(r->state), r->fresh ? "its own" : "partial");
	soft(r->fds == 0, "%s: destination has %d data_fds open", what, r->fds);
	soft(r->resumed == resumed, "%s: destination %s RESUMING", what,
	     r->resumed ? "entered" : "never entered");
	soft(r->resets == (resumed ? 1u : 0u), "%s: destination reset %u times", what, r->resets);
	soft(r->bytes == bytes, "%s: %llu bytes reached the destination, want %llu", what,
	     (unsigned long long)r->bytes, (unsigned long long)bytes);
	if (resumed)
		soft(strstr(m, "; device reset (RUNNING)") != NULL, "%s: '%s' lacks the reset",
		     what, m);
}

/* ---- tests ---- */

static void cut_every_boundary(bool piped)
{
	make_stream();
	size_t cuts[G_N_ELEMENTS(st.recs) + 1], n = boundaries(cuts);
	for (size_t i = 0; i < n; i++) {
		char what[128], want[160];
		result r;
		snprintf(what, sizeof(what), "cut at byte %zu (boundary %zu of %zu)", cuts[i],
			 i + 1, n);
		restore_bytes(st.buf, cuts[i], piped, &r);
		refused(&r, what, piped, "stream truncated at a record boundary", piped,
			piped ? data_before(cuts[i]) : 0);
		/* and it says how far the stream got */
		snprintf(want, sizeof(want),
			 "(after %llu bytes of device data, %zu chunks, no end "
			 "record)",
			 (unsigned long long)data_before(cuts[i]), i);
		soft(strstr(r.err.msg, want) != NULL, "%s: '%s' lacks '%s'", what, r.err.msg, want);
	}
	/* the whole stream still restores: the cuts, not the stream, failed */
	result whole;
	restore_bytes(st.buf, st.len, piped, &whole);
	soft(whole.rc == 0, "the whole stream: %s", whole.err.msg);
	source_running();
	fprintf(stderr, "%s: %zu chunk boundaries cut (header + %zu chunks)\n",
		piped ? "pipe" : "file", n, n - 1);
	free_stream();
}

START_TEST(file_cut_every_boundary)
{
	cut_every_boundary(false);
	row("device-state stream file cut at every chunk boundary and after the header, "
	    "restored into a fresh device",
	    "exit 65, one-line error naming the stream and saying truncated; refused before "
	    "RESUMING (destination untouched, no state written); source device still RUNNING, "
	    "state intact");
}
END_TEST

START_TEST(pipe_cut_every_boundary)
{
	cut_every_boundary(true);
	row("device-state stream through a pipe cut at every chunk boundary and after the header",
	    "exit 65, one-line error naming the stream and saying truncated; destination reset "
	    "(RUNNING with its own reset content, none of the partial state, no data_fd open); "
	    "source device still RUNNING");
}
END_TEST

/* Cuts inside the header, inside every record's head, payload and CRC. */
START_TEST(cut_inside_records)
{
	unsigned tried = 0;
	make_stream();
	for (int piped = 0; piped <= 1; piped++) {
		static const size_t in_header[] = { 1, 8, 15, 16, 200, MC_VFIO_HDR_LEN - 1 };
		for (size_t i = 0; i < G_N_ELEMENTS(in_header); i++) {
			char what[128];
			result r;
			size_t cut = in_header[i];
			snprintf(what, sizeof(what), "cut inside the header at %zu", cut);
			restore_bytes(st.buf, cut, piped, &r);
			refused(&r, what, piped,
				cut < 8 ? "not a migcheck VFIO stream (bad magic)"
					: "stream truncated in its header",
				false, 0);
			tried++;
		}
		for (size_t k = 0; k < st.nrec; k++) {
			const rec *rc = &st.recs[k];
			bool end = rc->type == MC_VFIO_REC_END;
			size_t at[] = { rc->start + 1, rc->start + MC_VFIO_REC_HEAD - 1,
					rc->start + MC_VFIO_REC_HEAD + rc->len / 2, rc->end - 1 };
			const char *want[] = {
				"truncated in a record head", "truncated in a record head",
				end ? "truncated in the end record" : "truncated inside a chunk",
				end ? "truncated in the end record" : "truncated inside a chunk"
			};
			for (size_t j = 0; j < G_N_ELEMENTS(at); j++) {
				char what[128];
				result r;
				snprintf(what, sizeof(what), "cut at %zu inside record %zu", at[j],
					 k + 1);
				restore_bytes(st.buf, at[j], piped, &r);
				refused(&r, what, piped, want[j], piped,
					piped ? rc->data_before : 0);
				tried++;
			}
		}
	}
	source_running();
	fprintf(stderr, "inside: %u cuts (file and pipe)\n", tried);
	free_stream();
	row("device-state stream cut inside the header and inside every record's head, payload "
	    "and CRC (file and pipe)",
	    "exit 65, one-line error naming the stream and saying where it was truncated (inside "
	    "the 8-byte magic: not a migcheck stream); no byte of the cut record reaches the "
	    "device; destination untouched (file) or reset (pipe)");
}
END_TEST

/* One byte flipped in every record: payload, offset field, CRC. */
START_TEST(tamper_every_chunk)
{
	unsigned tried = 0;
	make_stream();
	unsigned char *copy = malloc(st.len);
	size_t chunks = st.nrec - 1;
	for (int piped = 0; piped <= 1; piped++) {
		for (size_t k = 0; k < st.nrec; k++) {
			const rec *rc = &st.recs[k];
			size_t at[] = { rc->start + MC_VFIO_REC_HEAD + rc->len / 2, rc->start + 8,
					rc->end - 4 };
			char want[80];
			if (rc->type == MC_VFIO_REC_END)
				snprintf(want, sizeof(want),
					 "end record after chunk %zu: CRC-32C "
					 "mismatch",
					 chunks);
			else
				snprintf(want, sizeof(want), "chunk %zu: CRC-32C mismatch", k + 1);
			for (size_t j = 0; j < G_N_ELEMENTS(at); j++) {
				char what[128];
				result r;
				memcpy(copy, st.buf, st.len);
				copy[at[j]] ^= 0x10;
				snprintf(what, sizeof(what), "byte %zu of record %zu flipped",
					 at[j], k + 1);
				restore_bytes(copy, st.len, piped, &r);
				refused(&r, what, piped, want, piped, piped ? rc->data_before : 0);
				tried++;
			}
		}
		/* the header */
		char what[] = "a header byte flipped";
		result r;
		memcpy(copy, st.buf, st.len);
		copy[60] ^= 0x01; /* inside the driver name */
		restore_bytes(copy, st.len, piped, &r);
		refused(&r, what, piped, "stream header CRC-32C mismatch", false, 0);
		tried++;
	}
	free(copy);
	source_running();
	fprintf(stderr, "tamper: %u flipped bytes (file and pipe)\n", tried);
	free_stream();
	row("one byte flipped in every chunk's payload, offset field and CRC, in the end record "
	    "and in the header (file and pipe)",
	    "exit 65, one-line error naming the chunk (CRC-32C mismatch); the bad chunk never "
	    "reaches the device; destination untouched (file) or reset (pipe)");
}
END_TEST

/* ---- the live transfer: source save -> pipe -> relay -> pipe ->
 * destination restore; the relay stops reading at a chunk boundary ---- */

typedef struct live {
	mc_vfio_dev *dev;
	int out;
	int rc;
	mc_error err;
} live;

static void *save_fn(void *arg)
{
	live *l = arg;
	mc_vfio_save_opts so = { .buf_size = READ_SIZE };
	l->rc = mc_vfio_save_to_fd(l->dev, &so, l->out, "pipe", NULL, NULL, &l->err);
	close(l->out);
	return NULL;
}

typedef struct relay {
	int in, out;
	size_t stop;
} relay;

/* Copy exactly `stop` bytes, then close both ends (the source's next write
 * past the pipe buffer fails with EPIPE). */
static void *relay_fn(void *arg)
{
	relay *r = arg;
	char buf[8192];
	size_t done = 0;
	while (done < r->stop) {
		size_t want = r->stop - done < sizeof(buf) ? r->stop - done : sizeof(buf);
		ssize_t n = read(r->in, buf, want);
		if (n <= 0)
			break;
		if (write(r->out, buf, (size_t)n) != n)
			break;
		done += (size_t)n;
	}
	close(r->in);
	close(r->out);
	return NULL;
}

START_TEST(live_cut_every_boundary)
{
	make_stream(); /* for the boundaries: the live source sends the same stream */
	size_t cuts[G_N_ELEMENTS(st.recs) + 1], n = boundaries(cuts);
	unsigned src_failed = 0, src_done = 0;
	for (size_t i = 0; i < n; i++) {
		char what[128];
		snprintf(what, sizeof(what), "live cut at byte %zu", cuts[i]);
		vsim *a = new_sim(1), *b = new_sim(2);
		mc_vfio_dev *da = vsim_dev(a, NULL), *db = vsim_dev(b, NULL);
		int p1[2], p2[2];
		ck_assert_int_eq(pipe(p1), 0);
		ck_assert_int_eq(pipe(p2), 0);
		int cap = fcntl(p1[1], F_SETPIPE_SZ, PIPE_CAP);
		ck_assert_int_gt(cap, 0);
		live l = { .dev = da, .out = p1[1] };
		relay rl = { .in = p1[0], .out = p2[1], .stop = cuts[i] };
		pthread_t ts, tr;
		ck_assert_int_eq(pthread_create(&ts, NULL, save_fn, &l), 0);
		ck_assert_int_eq(pthread_create(&tr, NULL, relay_fn, &rl), 0);
		mc_vfio_stats stats = { 0 };
		result r = { 0 };
		r.rc = mc_vfio_restore_from_fd(db, NULL, p2[0], "connection", NULL, &stats, &r.err);
		close(p2[0]);
		pthread_join(tr, NULL);
		pthread_join(ts, NULL);
		r.state = vsim_state(b);
		r.fresh = vsim_is_fresh(b);
		r.resets = vsim_resets(b);
		r.fds = vsim_open_fds(b);
		r.resumed = strstr(vsim_trace(b), "STOP>RESUMING") != NULL;
		r.bytes = stats.bytes;
		refused(&r, what, true, "stream truncated at a record boundary", true,
			data_before(cuts[i]));
		/* the source: the cut seen (EPIPE) -> back in RUNNING, state intact */
		if (l.rc < 0) {
			src_failed++;
			soft(l.rc == -EPIPE && l.err.exit_code == MC_EXIT_IOERR,
			     "%s: source save returned %d exit %d (%s)", what, l.rc,
			     l.err.exit_code, l.err.msg);
			/* from STOP when only the END record did not get through */
			soft(strstr(l.err.msg, "pipe: write: Broken pipe") != NULL &&
				 (strstr(l.err.msg, "; device back in RUNNING (from STOP_COPY)") ||
				  strstr(l.err.msg, "; device back in RUNNING (from STOP)")) &&
				 !strchr(l.err.msg, '\n'),
			     "%s: source error '%s'", what, l.err.msg);
			soft(vsim_state(a) == MC_VFIO_RUNNING, "%s: source in %s, want RUNNING",
			     what, mc_vfio_state_name(vsim_state(a)));
		} else {
			/* the rest of the stream fitted in the pipe buffer: a completed
			 * save (STOP, as documented), possible only that close to the end */
			src_done++;
			soft(st.len - cuts[i] <= (size_t)cap,
			     "%s: the source completed its save with %zu bytes unread", what,
			     st.len - cuts[i]);
			soft(vsim_state(a) == MC_VFIO_STOP, "%s: saved source in %s, want STOP",
			     what, mc_vfio_state_name(vsim_state(a)));
		}
		soft(vsim_is_fresh(a), "%s: source state changed", what);
		soft(vsim_open_fds(a) == 0, "%s: source has %d data_fds open", what,
		     vsim_open_fds(a));
		mc_vfio_dev_free(da);
		mc_vfio_dev_free(db);
		vsim_free(a);
		vsim_free(b);
	}
	soft(src_failed > 0, "the source never saw a cut");
	fprintf(stderr,
		"live: %zu boundaries cut; the source saw the cut (EPIPE, back in RUNNING) at "
		"%u, completed its save before the cut at %u (rest within the %d-byte pipe "
		"buffer)\n",
		n, src_failed, src_done, PIPE_CAP);
	free_stream();
	row("live transfer (source save -> pipe -> destination restore) whose reader stops at "
	    "every chunk boundary and after the header",
	    "destination: exit 65 truncated, reset, none of the partial state; source: exit 74 "
	    "'Broken pipe', device back in RUNNING with its state intact (a cut within the "
	    "last pipe buffer: save completed, STOP, state intact)");
}
END_TEST

/* ---- over a socket: the receiver's verdict (vfio send / recv) ---- */

typedef enum { RX_RESTORE, RX_SILENT } rx_kind;

typedef struct rx {
	mc_vfio_dev *dev;
	int sock;
	rx_kind kind;
	int rc;
	mc_error err;
} rx;

static void *rx_fn(void *arg)
{
	rx *r = arg;
	if (r->kind == RX_RESTORE) {
		mc_vfio_restore_opts ro = { 0 };
		r->rc = mc_vfio_recv_sock(r->dev, &ro, r->sock, "sender", NULL, NULL, &r->err);
	} else { /* takes the whole stream, then dies without a verdict */
		char buf[8192];
		while (read(r->sock, buf, sizeof(buf)) > 0)
			;
	}
	close(r->sock);
	return NULL;
}

/* Send a fresh source's state to a receiver over a socketpair; returns the
 * sender's result, the source left in *srcp for the caller to check. */
static int send_to(rx *r, vsim **srcp, mc_error *err)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	vsim *s = new_sim(1);
	mc_vfio_dev *d = vsim_dev(s, NULL);
	r->sock = sv[1];
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, rx_fn, r), 0);
	mc_vfio_save_opts so = { .buf_size = READ_SIZE };
	int rc = mc_vfio_send_sock(d, &so, sv[0], "receiver", NULL, NULL, err);
	close(sv[0]);
	pthread_join(t, NULL);
	mc_vfio_dev_free(d);
	*srcp = s;
	return rc;
}

START_TEST(socket_verdict)
{
	mc_error err = { 0 };
	vsim *s, *dst;
	mc_vfio_dev *dd;
	rx r;

	/* the destination takes it: the source ends in STOP, as a migration wants */
	dst = new_sim(2);
	dd = vsim_dev(dst, NULL);
	r = (rx){ .dev = dd, .kind = RX_RESTORE };
	soft(send_to(&r, &s, &err) == 0, "accepted transfer failed: %s", err.msg);
	soft(r.rc == 0, "receiver failed: %s", r.err.msg);
	soft(vsim_state(s) == MC_VFIO_STOP, "source in %s after a good transfer, want STOP",
	     mc_vfio_state_name(vsim_state(s)));
	soft(vsim_state(dst) == MC_VFIO_RUNNING && !vsim_is_fresh(dst), "destination not loaded");
	vsim_free(s);
	mc_vfio_dev_free(dd);
	vsim_free(dst);

	/* the destination device refuses the state after the whole stream
	 * arrived (its driver's format version differs) */
	vsim_config c = { .flags = MC_VFIO_MIG_STOP_COPY,
			  .state_size = STATE_SIZE,
			  .seed = 2,
			  .format_version = 2 };
	dst = vsim_new(&c);
	dd = vsim_dev(dst, NULL);
	r = (rx){ .dev = dd, .kind = RX_RESTORE };
	mc_error_clear(&err);
	int rc = send_to(&r, &s, &err);
	soft(rc < 0 && err.exit_code == MC_EXIT_DATAERR, "refused transfer: rc %d exit %d: %s", rc,
	     err.exit_code, err.msg);
	soft(strstr(err.msg, "receiver: destination refused the device state: ") != NULL &&
		 strstr(err.msg, "; device back in RUNNING (from STOP)") != NULL &&
		 !strchr(err.msg, '\n'),
	     "message: %s", err.msg);
	soft(r.rc < 0, "receiver accepted a state its device refused");
	soft(vsim_state(s) == MC_VFIO_RUNNING && vsim_is_fresh(s) && vsim_open_fds(s) == 0,
	     "source not RUNNING with its state after a refusal (%s)",
	     mc_vfio_state_name(vsim_state(s)));
	soft(vsim_is_fresh(dst), "refused state loaded into the destination");
	vsim_free(s);
	mc_vfio_dev_free(dd);
	vsim_free(dst);

	/* the receiver dies after the stream, before its verdict */
	r = (rx){ .kind = RX_SILENT };
	mc_error_clear(&err);
	rc = send_to(&r, &s, &err);
	soft(rc < 0 && err.exit_code == MC_EXIT_IOERR, "silent receiver: rc %d exit %d: %s", rc,
	     err.exit_code, err.msg);
	soft(strstr(err.msg, "no verdict from the destination (connection closed)") != NULL,
	     "message: %s", err.msg);
	soft(vsim_state(s) == MC_VFIO_RUNNING && vsim_is_fresh(s),
	     "source not RUNNING with its state after a lost verdict (%s)",
	     mc_vfio_state_name(vsim_state(s)));
	vsim_free(s);

	/* a receiver for another device refuses the header at once */
	dst = new_sim(2);
	mc_vfio_ident other = { .name = "other", .vendor = 0x8086, .device = 0x1234 };
	snprintf(other.driver, sizeof(other.driver), "otherdrv");
	dd = vsim_dev(dst, &other);
	r = (rx){ .dev = dd, .kind = RX_RESTORE };
	mc_error_clear(&err);
	rc = send_to(&r, &s, &err);
	soft(rc < 0 && strstr(err.msg, "destination refused the device state") != NULL,
	     "other device: rc %d: %s", rc, err.msg);
	soft(vsim_state(s) == MC_VFIO_RUNNING && vsim_is_fresh(s),
	     "source not RUNNING after a refused header (%s)", mc_vfio_state_name(vsim_state(s)));
	soft(vsim_is_fresh(dst) && vsim_state(dst) == MC_VFIO_RUNNING, "other device touched");
	vsim_free(s);
	mc_vfio_dev_free(dd);
	vsim_free(dst);

	row("destination refuses the device state over the socket (vfio send/recv): its driver "
	    "rejects the state after the whole stream, its device is another one, or it dies "
	    "before its verdict",
	    "sender fails (exit 65 with the destination's reason, exit 74 without a verdict), one "
	    "line; source device back in RUNNING with its state intact; refused state never "
	    "loaded at the destination");
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tu_fault_reset(GROUP);
	Suite *s = suite_create("fault-stream");
	TCase *tc = tcase_create("cut");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, reset_fails, NULL);
	tcase_add_test(tc, file_cut_every_boundary);
	tcase_add_test(tc, pipe_cut_every_boundary);
	tcase_add_test(tc, cut_inside_records);
	tcase_add_test(tc, tamper_every_chunk);
	tcase_add_test(tc, live_cut_every_boundary);
	tcase_add_test(tc, socket_verdict);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
