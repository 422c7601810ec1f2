/* bench_vfio MIB: save + restore of a MIB MiB device state (simulator
 * backend) against a plain copy of the same bytes over the same medium into
 * the same kind of destination, alternating rounds in one run:
 *   file  save into a memfd, restore from it (the restore verifies the whole
 *         file before RESUMING, then streams it)   vs  write + read the bytes
 *   pipe  save in a child process, restore in this one through a pipe (chunk
 *         by chunk)                                vs  the child writes the
 *                                                      bytes, this one reads
 * Same conditions on both sides of each round:
 *  - the destination is allocated fresh for the round and pre-faulted
 *    (memset) before the timed region: the baseline's buffer and the
 *    simulator's staging buffer alike;
 *  - in the pipe rounds it is allocated after fork(), so neither side writes
 *    into copy-on-write pages shared with the child; the child waits for a
 *    go byte, so its work starts inside the timed region;
 *  - the bytes pass through a freshly allocated 1 MiB buffer on the reading
 *    side (the restore's own chunk buffer; the baseline's bounce buffer),
 *    then are copied into the destination, as a device would get them.
 * Prints the median MiB/s of each side and the median throughput ratio
 * (migcheck / plain copy; 1.00 = as fast as the copy; target >= 0.80). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/vfio/vfio_stream.h"
#include "tests/lib/bench.h"
#include "tests/lib/vfio_sim.h"

#define BUF (1u << 20)

typedef struct bctx {
	size_t size;
	vsim_config c;
	vsim *a; /* the source device (seed 1) */
	mc_vfio_dev *da;
	const unsigned char *src;
	uint32_t next_seed; /* a fresh destination per round */
} bctx;

static void die(const char *what, const mc_error *e)
{
	fprintf(stderr, "bench_vfio: %s: %s\n", what, e ? e->msg : strerror(errno));
	exit(1);
}

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n < BUF ? n : BUF);
		if (w <= 0)
			die("write", NULL);
		p += w;
		n -= (size_t)w;
	}
}

/* Read everything through a fresh bounce buffer into dst (the copy a device
 * would make). */
static size_t read_into(int fd, unsigned char *dst, size_t cap)
{
	unsigned char *buf = malloc(BUF);
	size_t got = 0;
	ssize_t r;
	if (!buf)
		die("malloc", NULL);
	while ((r = read(fd, buf, BUF)) > 0) {
		if (got + (size_t)r > cap)
			die("read: too much", NULL);
		memcpy(dst + got, buf, (size_t)r);
		got += (size_t)r;
	}
	free(buf);
	return got;
}

/* A fresh, pre-faulted destination for the plain copy. */
static unsigned char *fresh_sink(size_t size)
{
	unsigned char *p = malloc(size);
	if (!p)
		die("malloc", NULL);
	memset(p, 0, size);
	return p;
}

/* A fresh destination device: vsim_new pre-faults its staging buffer. */
static vsim *fresh_dev(bctx *x, mc_vfio_dev **d)
{
	vsim_config c = x->c;
	c.seed = x->next_seed++;
	vsim *b = vsim_new(&c);
	if (!b || !(*d = vsim_dev(b, NULL)))
		die("simulator", NULL);
	return b;
}

static void check_dev(const bctx *x, vsim *b, const char *what)
{
	size_t len;
	if (memcmp(vsim_data(b, &len), x->src, x->size) != 0 || len != x->size) {
		fprintf(stderr, "bench_vfio: %s: restored state differs\n", what);
		exit(1);
	}
}

/* ---- file (memfd) ---- */

static double file_plain(void *opaque, int round)
{
	bctx *x = opaque;
	(void)round;
	int fd = memfd_create("bench", 0);
	unsigned char *sink = fresh_sink(x->size);
	if (fd < 0)
		die("memfd_create", NULL);
	double t0 = tb_now();
	write_all(fd, x->src, x->size);
	lseek(fd, 0, SEEK_SET);
	if (read_into(fd, sink, x->size) != x->size)
		die("baseline read", NULL);
	double t = tb_now() - t0;
	if (memcmp(sink, x->src, x->size) != 0)
		die("file: plain copy differs", NULL);
	close(fd);
	free(sink);
	return t;
}

static double file_vfio(void *opaque, int round)
{
	bctx *x = opaque;
	(void)round;
	mc_error err = { 0 };
	mc_vfio_save_opts so = { .keep_running = true };
	mc_vfio_dev *db = NULL;
	int fd = memfd_create("bench", 0);
	vsim *b = fresh_dev(x, &db);
	if (fd < 0)
		die("memfd_create", NULL);
	double t0 = tb_now();
	if (mc_vfio_save_to_fd(x->da, &so, fd, "memfd", NULL, NULL, &err) < 0)
		die("save", &err);
	lseek(fd, 0, SEEK_SET);
	if (mc_vfio_restore_from_fd(db, NULL, fd, "memfd", NULL, NULL, &err) < 0)
		die("restore", &err);
	double t = tb_now() - t0;
	check_dev(x, b, "file");
	close(fd);
	mc_vfio_dev_free(db);
	vsim_free(b);
	return t;
}

/* ---- pipe between two processes ---- */

/* Fork the writing side: it waits for a byte on *go, then runs
 * plain ? write_all : save into the pipe whose read end is returned. */
static pid_t spawn_writer(bctx *x, bool plain, int *rd, int *go)
{
	int p[2], g[2];
	if (pipe(p) < 0 || pipe(g) < 0)
		die("pipe", NULL);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		char c;
		mc_error err = { 0 };
		mc_vfio_save_opts so = { .keep_running = true };
		close(p[0]);
		close(g[1]);
		if (read(g[0], &c, 1) != 1)
			_exit(1);
		if (plain)
			write_all(p[1], x->src, x->size);
		else if (mc_vfio_save_to_fd(x->da, &so, p[1], "pipe", NULL, NULL, &err) < 0)
			die("save", &err);
		_exit(0);
	}
	close(p[1]);
	close(g[0]);
	*rd = p[0];
	*go = g[1];
	return pid;
}

static void send_go(int go)
{
	if (write(go, "g", 1) != 1)
		die("go", NULL);
	close(go);
}

static void reap(pid_t pid, const char *what)
{
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_vfio: %s: the writing process failed\n", what);
		exit(1);
	}
}

static double pipe_plain(void *opaque, int round)
{
	bctx *x = opaque;
	(void)round;
	int rd, go;
	pid_t pid = spawn_writer(x, true, &rd, &go);
	unsigned char *sink = fresh_sink(x->size); /* after fork: not shared */
	double t0 = tb_now();
	send_go(go);
	if (read_into(rd, sink, x->size) != x->size)
		die("baseline pipe", NULL);
	reap(pid, "pipe plain");
	double t = tb_now() - t0;
	close(rd);
	if (memcmp(sink, x->src, x->size) != 0)
		die("pipe: plain copy differs", NULL);
	free(sink);
	return t;
}

static double pipe_vfio(void *opaque, int round)
{
	bctx *x = opaque;
	(void)round;
	int rd, go;
	mc_error err = { 0 };
	mc_vfio_dev *db = NULL;
	pid_t pid = spawn_writer(x, false, &rd, &go);
	vsim *b = fresh_dev(x, &db); /* after fork: not shared */
	double t0 = tb_now();
	send_go(go);
	if (mc_vfio_restore_from_fd(db, NULL, rd, "pipe", NULL, NULL, &err) < 0)
		die("restore", &err);
	reap(pid, "pipe save");
	double t = tb_now() - t0;
	close(rd);
	check_dev(x, b, "pipe");
	mc_vfio_dev_free(db);
	vsim_free(b);
	return t;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	bctx x = { .size = mib << 20,
		   .c = { .flags = MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P,
			  .state_size = mib << 20,
			  .seed = 1,
			  .format_version = 1 },
		   .next_seed = 2 };
	size_t len;
	int runs = tb_runs();
	if (!mib)
		die("usage: bench_vfio MIB (> 0)", NULL);
	x.a = vsim_new(&x.c);
	if (!x.a || !(x.da = vsim_dev(x.a, NULL)))
		die("simulator", NULL);
	x.src = vsim_data(x.a, &len);

	tb_figure ff, fp;
	tb_alternate(&ff, runs, file_plain, file_vfio, &x);
	tb_alternate(&fp, runs, pipe_plain, pipe_vfio, &x);
	double m = (double)mib;
	printf("vfio save+restore %zu MiB via a file (memfd), simulator: %.0f MiB/s; plain "
	       "write+read %.0f MiB/s; throughput ratio %.2f",
	       mib, m / ff.subj_med, m / ff.base_med, 1 / ff.ratio);
	tb_print_rounds(stdout, &ff, 1);
	printf("\nvfio save+restore %zu MiB, pipe between 2 processes, simulator: %.0f MiB/s; "
	       "plain copy %.0f MiB/s; throughput ratio %.2f (target >= 0.80)",
	       mib, m / fp.subj_med, m / fp.base_med, 1 / fp.ratio);
	tb_print_rounds(stdout, &fp, 1);
	printf("\n  medians of %d alternating rounds; fresh pre-faulted destination per round, "
	       "allocated after fork() in the pipe rounds\n",
	       runs);
	mc_vfio_dev_free(x.da);
	vsim_free(x.a);
	return 0;
}
