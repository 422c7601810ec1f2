/* The VFIO device-state stream (format in vfio_stream.h) and whole transfers. */
#include "core/vfio/vfio_stream.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const unsigned char magic[8] = { 0x89, 'M', 'C', 'V', 'F', 'I', 'O', '\n' };
#define HFLAG_LENGTH_KNOWN 1u

/* ---- CRC-32C ---- */

static uint32_t crc_tab[8][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] =
			    (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
	crc_ready = 1;
}

static inline uint32_t le32_load(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t mc_crc32c_sw(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (n && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
		n--;
	}
	while (n >= 8) { /* slicing-by-8 */
		uint32_t a = le32_load(p) ^ crc, b = le32_load(p + 4);
		crc = crc_tab[7][a & 0xff] ^ crc_tab[6][(a >> 8) & 0xff] ^
		      crc_tab[5][(a >> 16) & 0xff] ^ crc_tab[4][a >> 24] ^ crc_tab[3][b & 0xff] ^
		      crc_tab[2][(b >> 8) & 0xff] ^ crc_tab[1][(b >> 16) & 0xff] ^
		      crc_tab[0][b >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
/* The SSE4.2 crc32 instruction computes exactly CRC-32C; three independent
 * streams hide its 3-cycle latency, recombined with the table-free shift
 * (crc of zeros) done by the software CRC over the block boundaries. To keep
 * it simple and exact, the three lanes cover consecutive thirds of each
 * 3 * LANE block and are folded with crc32c_shift(). */
#include <nmmintrin.h>

#define LANE 4096u

static int crc_hw = -1;

/* Multiply in GF(2) modulo the reflected CRC-32C polynomial. */
static uint32_t gf2_mul(uint32_t a, uint32_t b)
{
	uint32_t p = 0;
	for (int i = 0; i < 32; i++) {
		if (a & 0x80000000u)
			p ^= b;
		a <<= 1;
		b = (b >> 1) ^ (0x82F63B78u & (0u - (b & 1)));
	}
	return p;
}

/* x^(8*LANE) and x^(16*LANE) mod P (reflected), computed once. */
static uint32_t shift_lane1, shift_lane2;

static uint32_t xpow8n(size_t n)
{
	/* x^(8n) by square and multiply; start with x^8 = 0x00800000 in the
	 * reflected representation of x^1 = 0x40000000. */
	uint32_t result = 0x80000000u; /* x^0 */
	uint32_t sq = 0x00800000u;     /* x^8 */
	while (n) {
		if (n & 1)
			result = gf2_mul(result, sq);
		sq = gf2_mul(sq, sq);
		n >>= 1;
	}
	return result;
}

__attribute__((target("sse4.2"))) static uint32_t crc_hw_run(uint32_t crc, const unsigned char *p,
							     size_t n)
{
	uint64_t c0 = crc;
	while (n && ((uintptr_t)p & 7)) {
		c0 = _mm_crc32_u8((uint32_t)c0, *p++);
		n--;
	}
	while (n >= 3 * LANE) {
		uint64_t c1 = 0, c2 = 0;
		const unsigned char *p1 = p + LANE, *p2 = p + 2 * LANE;
		for (size_t i = 0; i < LANE; i += 8) {
			uint64_t a, b, c;
			memcpy(&a, p + i, 8);
			memcpy(&b, p1 + i, 8);
			memcpy(&c, p2 + i, 8);
			c0 = _mm_crc32_u64(c0, a);
			c1 = _mm_crc32_u64(c1, b);
			c2 = _mm_crc32_u64(c2, c);
		}
		/* crc(A|B|C) = shift(crc(A), 2L) ^ shift(crc(B), L) ^ crc(C) for
		 * raw (non-inverted) register values. */
		c0 = gf2_mul((uint32_t)c0, shift_lane2) ^ gf2_mul((uint32_t)c1, shift_lane1) ^
		     (uint32_t)c2;
		p += 3 * LANE;
		n -= 3 * LANE;
	}
	while (n >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		c0 = _mm_crc32_u64(c0, a);
		p += 8;
		n -= 8;
	}
	while (n--)
		c0 = _mm_crc32_u8((uint32_t)c0, *p++);
	return (uint32_t)c0;
}
#endif

uint32_t mc_crc32c(uint32_t crc, const void *buf, size_t n)
{
#if defined(__x86_64__)
	if (crc_hw < 0) {
		__builtin_cpu_init();
		crc_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
		shift_lane1 = xpow8n(LANE);
		shift_lane2 = xpow8n(2 * LANE);
	}
	if (crc_hw)
		return ~crc_hw_run(~crc, buf, n);
#endif
	return mc_crc32c_sw(crc, buf, n);
}

/* ---- little-endian helpers ---- */

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t get32(const unsigned char *p)
{
	return le32_load(p);
}
static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- I/O ---- */

static int write_full(int fd, const char *name, struct iovec *iov, int cnt, mc_error *err)
{
	while (cnt) {
		ssize_t w = writev(fd, iov, cnt);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			return mc_error_set(err, e == EPIPE ? MC_EXIT_IOERR : 0, e, "%s: write: %s",
					    name, strerror(e));
		}
		size_t left = (size_t)w;
		while (cnt && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* Read exactly n bytes; returns the count read (< n only at EOF) or -errno. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* ---- header ---- */

static void put_str(unsigned char *p, const char *s)
{
	size_t n = strnlen(s, MC_VFIO_STR - 1);
	memset(p, 0, MC_VFIO_STR);
	memcpy(p, s, n);
}

static void header_encode(unsigned char *h, const mc_vfio_ident *id, uint64_t total,
			  uint32_t chunk_max)
{
	memset(h, 0, MC_VFIO_HDR_LEN);
	memcpy(h, magic, 8);
	put16(h + 8, MC_VFIO_STREAM_VERSION);
	put16(h + 10, MC_VFIO_HDR_LEN);
	put32(h + 12, total ? HFLAG_LENGTH_KNOWN : 0);
	put64(h + 16, total);
	put64(h + 24, id->mig_flags);
	put16(h + 32, id->vendor);
	put16(h + 34, id->device);
	put16(h + 36, id->subvendor);
	put16(h + 38, id->subdevice);
	put32(h + 40, chunk_max);
	put_str(h + 48, id->driver);
	put_str(h + 112, id->driver_version);
	put_str(h + 176, id->type);
	put_str(h + 240, id->name);
	put32(h + 316, mc_crc32c(0, h, 316));
}

static int get_str(const unsigned char *p, char *out, const char *field, const char *name,
		   mc_error *err)
{
	size_t n = strnlen((const char *)p, MC_VFIO_STR);
	if (n == MC_VFIO_STR)
		return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				    "%s: stream header field %s is not terminated", name, field);
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					    "%s: stream header field %s holds a non-printable byte",
					    name, field);
	for (size_t i = n; i < MC_VFIO_STR; i++)
		if (p[i])
			return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
					    "%s: stream header field %s has bytes after its end",
					    name, field);
	memcpy(out, p, n + 1);
	return 0;
}

/* ---- writer ---- */

struct mc_vfio_writer {
	int fd;
	char *name;
	mc_vfio_ident id;
	uint32_t chunk_max;
	uint64_t offset, chunks;
	off_t start; /* header position in a regular file, -1 otherwise */
	bool ended;
	mc_vfio_progress prog;
};

mc_vfio_writer *mc_vfio_writer_new(int fd, const char *name, const mc_vfio_ident *id,
				   uint64_t total_len, uint32_t chunk_max, mc_error *err)
{
	unsigned char h[MC_VFIO_HDR_LEN];
	struct stat st;
	if (!chunk_max)
		chunk_max = MC_VFIO_CHUNK_DEFAULT;
	if (chunk_max > MC_VFIO_CHUNK_LIMIT) {
		mc_error_set(err, MC_EXIT_USAGE, EINVAL, "%s: chunk size %u above the limit %u",
			     name, chunk_max, MC_VFIO_CHUNK_LIMIT);
		return NULL;
	}
	mc_vfio_writer *w = calloc(1, sizeof(*w));
	if (!w || !(w->name = strdup(name))) {
		free(w);
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	w->fd = fd;
	w->id = *id;
	w->chunk_max = chunk_max;
	w->start = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		w->start = lseek(fd, 0, SEEK_CUR);
	header_encode(h, id, total_len, chunk_max);
	struct iovec iov = { h, sizeof(h) };
	if (write_full(fd, name, &iov, 1, err) < 0) {
		mc_vfio_writer_free(w);
		return NULL;
	}
	return w;
}

void mc_vfio_writer_set_progress(mc_vfio_writer *w, const mc_vfio_progress *p)
{
	if (p)
		w->prog = *p;
}

static int write_record(mc_vfio_writer *w, uint32_t type, uint64_t off, const void *buf, size_t n,
			mc_error *err)
{
	unsigned char head[MC_VFIO_REC_HEAD], tail[4];
	put32(head, type);
	put32(head + 4, (uint32_t)n);
	put64(head + 8, off);
	uint32_t crc = mc_crc32c(mc_crc32c(0, head, sizeof(head)), buf, n);
	put32(tail, crc);
	struct iovec iov[3] = { { head, sizeof(head) }, { (void *)buf, n }, { tail, 4 } };
	return write_full(w->fd, w->name, iov, 3, err);
}

int mc_vfio_writer_data(mc_vfio_writer *w, const void *buf, size_t n, mc_error *err)
{
	const char *p = buf;
	while (n) {
		size_t c = n < w->chunk_max ? n : w->chunk_max;
		int r = write_record(w, MC_VFIO_REC_DATA, w->offset, p, c, err);
		if (r < 0)
			return r;
		w->offset += c;
		w->chunks++;
		p += c;
		n -= c;
		if (w->prog.fn)
			w->prog.fn(w->prog.opaque, w->offset, 0);
	}
	return 0;
}

int mc_vfio_writer_end(mc_vfio_writer *w, mc_error *err)
{
	unsigned char payload[8];
	put64(payload, w->chunks);
	int r = write_record(w, MC_VFIO_REC_END, w->offset, payload, sizeof(payload), err);
	if (r < 0)
		return r;
	w->ended = true;
	if (w->start >= 0 && w->offset) {
		unsigned char h[MC_VFIO_HDR_LEN];
		header_encode(h, &w->id, w->offset, w->chunk_max);
		ssize_t pw = pwrite(w->fd, h, sizeof(h), w->start);
		if (pw != (ssize_t)sizeof(h))
			return mc_error_set(err, 0, pw < 0 ? errno : EIO,
					    "%s: rewriting the header: %s", w->name,
					    strerror(pw < 0 ? errno : EIO));
	}
	return 0;
}

void mc_vfio_writer_free(mc_vfio_writer *w)
{
	if (!w)
		return;
	free(w->name);
	free(w);
}

/* ---- reader ---- */

struct mc_vfio_reader {
	int fd;
	char *name;
	mc_vfio_ident id;
	uint64_t total; /* from the header, 0 unknown */
	uint32_t chunk_max;
	uint64_t offset, chunks, pos; /* pos: stream bytes consumed */
	unsigned char *buf;           /* chunk_max + 4 */
	bool done;
	mc_vfio_progress prog;
};

static int bad(mc_vfio_reader *r, const char *what, mc_error *err)
{
	return mc_error_set(err, MC_EXIT_DATAERR, EBADMSG, "%s: %s at stream byte %llu", r->name,
			    what, (unsigned long long)r->pos);
}

static int io_error(const char *name, ssize_t e, mc_error *err)
{
	return mc_error_set(err, MC_EXIT_IOERR, (int)-e, "%s: read: %s", name, strerror((int)-e));
}

mc_vfio_reader *mc_vfio_reader_new(int fd, const char *name, mc_error *err)
{
	unsigned char h[MC_VFIO_HDR_LEN];
	mc_vfio_reader *r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(name))) {
		free(r);
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	r->fd = fd;
	ssize_t n = read_full(fd, h, 16);
	if (n < 0) {
		io_error(name, n, err);
		goto fail;
	}
	if (n < 8 || memcmp(h, magic, 8) != 0) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			     n == 0 ? "%s: empty input, not a migcheck VFIO stream"
				    : "%s: not a migcheck VFIO stream (bad magic)",
			     name);
		goto fail;
	}
	if (n < 16) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG, "%s: stream truncated in its header",
			     name);
		goto fail;
	}
	uint16_t version = get16(h + 8), hlen = get16(h + 10);
	if (version != MC_VFIO_STREAM_VERSION) {
		mc_error_set(err, MC_EXIT_DATAERR, EPROTO,
			     "%s: stream format version %u; this build reads version %u", name,
			     version, MC_VFIO_STREAM_VERSION);
		goto fail;
	}
	if (hlen != MC_VFIO_HDR_LEN) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			     "%s: stream header length %u, expected %u", name, hlen,
			     MC_VFIO_HDR_LEN);
		goto fail;
	}
	n = read_full(fd, h + 16, MC_VFIO_HDR_LEN - 16);
	if (n < 0) {
		io_error(name, n, err);
		goto fail;
	}
	if (n < MC_VFIO_HDR_LEN - 16) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG, "%s: stream truncated in its header",
			     name);
		goto fail;
	}
	r->pos = MC_VFIO_HDR_LEN;
	if (get32(h + 316) != mc_crc32c(0, h, 316)) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			     "%s: stream header CRC-32C mismatch (tampered or corrupt)", name);
		goto fail;
	}
	uint32_t flags = get32(h + 12);
	r->total = get64(h + 16);
	r->chunk_max = get32(h + 40);
	if ((flags & ~HFLAG_LENGTH_KNOWN) || get32(h + 44) ||
	    (!(flags & HFLAG_LENGTH_KNOWN) && r->total)) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			     "%s: stream header has unknown flags or reserved bits set", name);
		goto fail;
	}
	for (int i = 304; i < 316; i++)
		if (h[i]) {
			mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
				     "%s: stream header has reserved bytes set", name);
			goto fail;
		}
	if (!r->chunk_max || r->chunk_max > MC_VFIO_CHUNK_LIMIT) {
		mc_error_set(err, MC_EXIT_DATAERR, EBADMSG,
			     "%s: stream chunk size %u outside 1..%u", name, r->chunk_max,
			     MC_VFIO_CHUNK_LIMIT);
		goto fail;
	}
	r->id.mig_flags = get64(h + 24);
	r->id.vendor = get16(h + 32);
	r->id.device = get16(h + 34);
	r->id.subvendor = get16(h + 36);
	r->id.subdevice = get16(h + 38);
	if (get_str(h + 48, r->id.driver, "driver", name, err) < 0 ||
	    get_str(h + 112, r->id.driver_version, "driver_version", name, err) < 0 ||
	    get_str(h + 176, r->id.type, "type", name, err) < 0 ||
	    get_str(h + 240, r->id.name, "device", name, err) < 0)
		goto fail;
	r->buf = malloc((size_t)r->chunk_max + 4);
	if (!r->buf) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	return r;
fail:
	mc_vfio_reader_free(r);
	return NULL;
}

const mc_vfio_ident *mc_vfio_reader_ident(const mc_vfio_reader *r)
{
	return &r->id;
}

uint64_t mc_vfio_reader_total(const mc_vfio_reader *r)
{
	return r->total;
}

void mc_vfio_reader_set_progress(mc_vfio_reader *r, const mc_vfio_progress *p)
{
	if (p)
		r->prog = *p;
}

static int truncated(mc_vfio_reader *r, const char *where, mc_error *err)
{
	return mc_error_set(
	    err, MC_EXIT_DATAERR, EBADMSG,
	    "%s: stream truncated %s (after %llu bytes of device data, %llu chunks, "
	    "no end record)",
	    r->name, where, (unsigned long long)r->offset, (unsigned long long)r->chunks);
}

ssize_t mc_vfio_reader_next(mc_vfio_reader *r, const void **data, mc_error *err)
{
	unsigned char head[MC_VFIO_REC_HEAD];
	char what[160];
	if (r->done)
		return 0;
	ssize_t n = read_full(r->fd, head, sizeof(head));
	if (n < 0)
		return io_error(r->name, n, err);
	if (n == 0)
		return truncated(r, "at a record boundary", err);
	if (n < (ssize_t)sizeof(head))
		return truncated(r, "in a record head", err);
	uint32_t type = get32(head), len = get32(head + 4);
	uint64_t off = get64(head + 8);
	if (type != MC_VFIO_REC_DATA && type != MC_VFIO_REC_END) {
		snprintf(what, sizeof(what), "unknown record type %u", type);
		return bad(r, what, err);
	}
	if (type == MC_VFIO_REC_DATA && (len == 0 || len > r->chunk_max)) {
		snprintf(what, sizeof(what), "chunk length %u outside 1..%u", len, r->chunk_max);
		return bad(r, what, err);
	}
	if (type == MC_VFIO_REC_END && len != 8) {
		snprintf(what, sizeof(what), "end record length %u, expected 8", len);
		return bad(r, what, err);
	}
	n = read_full(r->fd, r->buf, (size_t)len + 4);
	if (n < 0)
		return io_error(r->name, n, err);
	if (n < (ssize_t)len + 4)
		return truncated(
		    r, type == MC_VFIO_REC_END ? "in the end record" : "inside a chunk", err);
	uint32_t crc = mc_crc32c(mc_crc32c(0, head, sizeof(head)), r->buf, len);
	if (crc != get32(r->buf + len)) {
		snprintf(what, sizeof(what), "%s %llu: CRC-32C mismatch (tampered or corrupt)",
			 type == MC_VFIO_REC_END ? "end record after chunk" : "chunk",
			 (unsigned long long)(r->chunks + (type == MC_VFIO_REC_DATA)));
		return bad(r, what, err);
	}
	if (off != r->offset) {
		snprintf(what, sizeof(what),
			 "%s at device offset %llu, expected %llu (chunks lost "
			 "or reordered)",
			 type == MC_VFIO_REC_END ? "end record" : "chunk", (unsigned long long)off,
			 (unsigned long long)r->offset);
		return bad(r, what, err);
	}
	r->pos += sizeof(head) + len + 4;
	if (type == MC_VFIO_REC_END) {
		uint64_t count = get64(r->buf);
		if (count != r->chunks) {
			snprintf(what, sizeof(what),
				 "end record counts %llu chunks, stream had %llu",
				 (unsigned long long)count, (unsigned long long)r->chunks);
			return bad(r, what, err);
		}
		if (r->total && r->total != r->offset) {
			snprintf(what, sizeof(what),
				 "header says %llu bytes of device data, stream has %llu",
				 (unsigned long long)r->total, (unsigned long long)r->offset);
			return bad(r, what, err);
		}
		char extra;
		n = read_full(r->fd, &extra, 1);
		if (n < 0)
			return io_error(r->name, n, err);
		if (n > 0)
			return bad(r, "data after the end record", err);
		r->done = true;
		return 0;
	}
	r->offset += len;
	r->chunks++;
	if (r->prog.fn)
		r->prog.fn(r->prog.opaque, r->offset, r->total);
	*data = r->buf;
	return (ssize_t)len;
}

void mc_vfio_reader_free(mc_vfio_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->name);
	free(r);
}

/* ---- compatibility ---- */

static void ident_desc(const mc_vfio_ident *id, char *buf, size_t size)
{
	if (id->type[0])
		snprintf(buf, size, "mdev type %s, driver %s %s", id->type, id->driver,
			 id->driver_version[0] ? id->driver_version : "(no version)");
	else
		snprintf(buf, size, "%04x:%04x subsystem %04x:%04x, driver %s %s", id->vendor,
			 id->device, id->subvendor, id->subdevice, id->driver,
			 id->driver_version[0] ? id->driver_version : "(no version)");
}

int mc_vfio_ident_accepts(const mc_vfio_ident *dev, const mc_vfio_ident *src, mc_error *err)
{
	const char *what = NULL;
	if (dev->vendor != src->vendor || dev->device != src->device)
		what = "a different device";
	else if (dev->subvendor != src->subvendor || dev->subdevice != src->subdevice)
		what = "a different subsystem";
	else if (strcmp(dev->type, src->type) != 0)
		what = "a different mdev type";
	else if (strcmp(dev->driver, src->driver) != 0)
		what = "a different driver";
	else if (strcmp(dev->driver_version, src->driver_version) != 0)
		what = "a different driver version";
	if (!what)
		return 0;
	char a[3 * MC_VFIO_STR + 40], b[3 * MC_VFIO_STR + 40];
	ident_desc(src, a, sizeof(a));
	ident_desc(dev, b, sizeof(b));
	return mc_error_set(
	    err, MC_EXIT_DATAERR, EINVAL,
	    "%s: stream is from %s (%s), this device is %s; refused before RESUMING",
	    dev->name[0] ? dev->name : "device", what, a, b);
}

/* ---- whole transfers ---- */

static int save_out(void *opaque, const void *buf, size_t n, mc_error *err)
{
	return mc_vfio_writer_data(opaque, buf, n, err);
}

int mc_vfio_save_to_fd(mc_vfio_dev *d, const mc_vfio_save_opts *o, int fd, const char *name,
		       const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err)
{
	uint64_t flags = 0;
	int r = mc_vfio_mig_capable(d, o && o->p2p, o && o->precopy, &flags, err);
	if (r < 0)
		return r;
	mc_vfio_ident id = *mc_vfio_dev_ident(d);
	id.mig_flags = flags;
	mc_vfio_writer *w = mc_vfio_writer_new(fd, name, &id, 0, 0, err);
	if (!w)
		return -(err && err->errnum ? err->errnum : EIO);
	mc_vfio_writer_set_progress(w, prog);
	r = mc_vfio_mig_save(d, o, save_out, w, stats, err);
	if (r == 0 && (r = mc_vfio_writer_end(w, err)) < 0)
		mc_vfio_mig_resume_source(d, err); /* no complete stream: keep the guest's device */
	mc_vfio_writer_free(w);
	return r;
}

static ssize_t restore_in(void *opaque, const void **buf, mc_error *err)
{
	return mc_vfio_reader_next(opaque, buf, err);
}

int mc_vfio_stream_verify(int fd, const char *name, const mc_vfio_ident *dev,
			  mc_vfio_ident *src_out, uint64_t *total_out, mc_error *err)
{
	mc_vfio_reader *r = mc_vfio_reader_new(fd, name, err);
	ssize_t n;
	const void *p;
	if (!r)
		return -(err && err->errnum ? err->errnum : EIO);
	if (src_out)
		*src_out = r->id;
	if (dev && (n = mc_vfio_ident_accepts(dev, &r->id, err)) < 0)
		goto out;
	while ((n = mc_vfio_reader_next(r, &p, err)) > 0)
		;
	if (n == 0 && total_out)
		*total_out = r->offset;
out:
	mc_vfio_reader_free(r);
	return (int)n;
}

int mc_vfio_restore_from_fd(mc_vfio_dev *d, const mc_vfio_restore_opts *o, int fd, const char *name,
			    const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err)
{
	struct stat st;
	off_t start = -1;
	int r;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		start = lseek(fd, 0, SEEK_CUR);
	if (start >= 0) { /* a file: verify all of it before touching the device */
		r = mc_vfio_stream_verify(fd, name, mc_vfio_dev_ident(d), NULL, NULL, err);
		if (r < 0)
			return r;
		if (lseek(fd, start, SEEK_SET) != start)
			return mc_error_set(err, 0, errno, "%s: seek: %s", name, strerror(errno));
	}
	mc_vfio_reader *rd = mc_vfio_reader_new(fd, name, err);
	if (!rd)
		return -(err && err->errnum ? err->errnum : EIO);
	if ((r = mc_vfio_ident_accepts(mc_vfio_dev_ident(d), &rd->id, err)) == 0) {
		mc_vfio_reader_set_progress(rd, prog);
		r = mc_vfio_mig_restore(d, o, restore_in, rd, stats, err);
	}
	mc_vfio_reader_free(rd);
	return r;
}

/* ---- over a socket: the receiver's verdict ---- */

#define VERDICT_MAX 1100

/* Read the verdict: one line, then the receiver closes (a receiver that
 * refused early may reset the connection right after it). Waits at most
 * timeout_ms (-1: no limit) for it to start; returns the line's length
 * (without the newline) in buf, or -errno. */
static ssize_t read_verdict(int sock, char *buf, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int pr;
	while ((pr = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (pr <= 0)
		return pr < 0 ? -errno : -ETIMEDOUT;
	size_t n = 0;
	for (;;) {
		ssize_t r = recv(sock, buf + n, size - 1 - n, 0);
		if (r > 0) {
			n += (size_t)r;
			if (memchr(buf, '\n', n) || n + 1 >= size)
				break;
		} else if (r == 0 || errno != EINTR) {
			/* EOF; or a reset, which loses nothing already read */
			if (r < 0 && n == 0)
				return -errno;
			break;
		}
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (ssize_t)strlen(buf);
}

int mc_vfio_send_sock(mc_vfio_dev *d, const mc_vfio_save_opts *o, int sock, const char *peer,
		      const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err)
{
	char v[VERDICT_MAX];
	int r = mc_vfio_save_to_fd(d, o, sock, peer, prog, stats, err);
	if (r < 0) {
		/* The save already put the source back. A receiver that refused
		 * early said why before it closed: add that when it is there. */
		if (err && (err->errnum == EPIPE || err->errnum == ECONNRESET) &&
		    read_verdict(sock, v, sizeof(v), 1000) > 4 && strncmp(v, "ERR ", 4) == 0)
			mc_error_prefix(err, "destination refused the device state (%.300s)",
					v + 4);
		return r;
	}
	ssize_t n = shutdown(sock, SHUT_WR) < 0 ? -errno : read_verdict(sock, v, sizeof(v), -1);
	if (n == 2 && strcmp(v, "OK") == 0)
		return 0;
	if (n > 4 && strncmp(v, "ERR ", 4) == 0)
		r = mc_error_set(err, MC_EXIT_DATAERR, EPROTO,
				 "%s: destination refused the device state: %.600s", peer, v + 4);
	else if (n < 0)
		r = mc_error_set(err, MC_EXIT_IOERR, (int)-n,
				 "%s: no verdict from the destination: %s", peer,
				 strerror((int)-n));
	else
		r = mc_error_set(err, MC_EXIT_IOERR, EPROTO,
				 "%s: no verdict from the destination (%s)", peer,
				 n ? "not a migcheck receiver" : "connection closed");
	mc_vfio_mig_resume_source(d, err);
	return r;
}

int mc_vfio_recv_sock(mc_vfio_dev *d, const mc_vfio_restore_opts *o, int sock, const char *peer,
		      const mc_vfio_progress *prog, mc_vfio_stats *stats, mc_error *err)
{
	mc_error local = { 0 };
	mc_error *e = err ? err : &local;
	int r = mc_vfio_restore_from_fd(d, o, sock, peer, prog, stats, e);
	char v[VERDICT_MAX];
	if (r == 0) {
		snprintf(v, sizeof(v), "OK\n");
	} else {
		snprintf(v, sizeof(v), "ERR %.1000s", e->msg[0] ? e->msg : strerror(-r));
		for (char *c = v; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		strcat(v, "\n");
	}
	/* Best effort: a sender that is gone learns nothing either way. */
	for (size_t off = 0, len = strlen(v); off < len;) {
		ssize_t w = send(sock, v + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	return r;
}
