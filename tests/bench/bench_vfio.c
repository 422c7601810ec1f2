/* bench_vfio MIB: save + restore of a MIB MiB device state (simulator
 * backend) against a plain copy of the same bytes over the same medium, in the
 * same run:
 *   file  save into a memfd, restore from it (the restore verifies the whole
 *         file before RESUMING, then streams it)   vs  write + read the bytes
 *   pipe  save in one process, restore in another through a pipe (chunk by
 *         chunk)                                   vs  write | read + copy
 * Prints MiB/s and the ratio (target >= 0.80). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/vfio/vfio_stream.h"
#include "tests/lib/vfio_sim.h"

#define BUF (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* read everything into dst (the copy a device would make) */
static size_t read_into(int fd, unsigned char *dst, size_t cap)
{
	static unsigned char buf[BUF];
	size_t got = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (got + (size_t)r > cap)
			die("read: too much", NULL);
		memcpy(dst + got, buf, (size_t)r);
		got += (size_t)r;
	}
	return got;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	size_t size = mib << 20;
	vsim_config c = { .flags = MC_VFIO_MIG_STOP_COPY | MC_VFIO_MIG_P2P,
			  .state_size = size,
			  .seed = 1,
			  .format_version = 1 };
	vsim *a = vsim_new(&c);
	c.seed = 2;
	vsim *b = vsim_new(&c);
	mc_vfio_dev *da = vsim_dev(a, NULL), *db = vsim_dev(b, NULL);
	unsigned char *sink = malloc(size);
	size_t len;
	const unsigned char *src = vsim_data(a, &len);
	mc_error err = { 0 };
	mc_vfio_save_opts so = { .keep_running = true };
	if (!sink)
		die("malloc", NULL);
	memset(sink, 0, size);

	/* -- file (memfd) -- */
	int fd = memfd_create("bench", 0);
	double t0 = now();
	write_all(fd, src, size);
	lseek(fd, 0, SEEK_SET);
	if (read_into(fd, sink, size) != size)
		die("baseline read", NULL);
	double base_file = now() - t0;
	if (ftruncate(fd, 0) < 0)
		die("ftruncate", NULL);
	lseek(fd, 0, SEEK_SET);
	t0 = now();
	if (mc_vfio_save_to_fd(da, &so, fd, "memfd", NULL, NULL, &err) < 0)
		die("save", &err);
	lseek(fd, 0, SEEK_SET);
	if (mc_vfio_restore_from_fd(db, NULL, fd, "memfd", NULL, NULL, &err) < 0)
		die("restore", &err);
	double vf_file = now() - t0;
	size_t lb;
	if (memcmp(vsim_data(b, &lb), src, size) != 0)
		die("file: restored state differs", NULL);
	close(fd);

	/* -- pipe between two processes -- */
	double base_pipe, vf_pipe;
	for (int mode = 0; mode < 2; mode++) {
		int p[2];
		if (pipe(p) < 0)
			die("pipe", NULL);
		fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
		if (mode == 1) {
			/* A fresh destination, built outside the timed region. */
			vsim_free(b);
			c.seed = 3;
			mc_vfio_dev_free(db);
			b = vsim_new(&c);
			db = vsim_dev(b, NULL);
		}
		t0 = now();
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			if (mode == 0)
				write_all(p[1], src, size);
			else if (mc_vfio_save_to_fd(da, &so, p[1], "pipe", NULL, NULL, &err) < 0)
				die("save", &err);
			_exit(0);
		}
		close(p[1]);
		if (mode == 0) {
			if (read_into(p[0], sink, size) != size)
				die("baseline pipe", NULL);
		} else {
			if (mc_vfio_restore_from_fd(db, NULL, p[0], "pipe", NULL, NULL, &err) < 0)
				die("restore", &err);
		}
		int st;
		waitpid(pid, &st, 0);
		double t = now() - t0;
		close(p[0]);
		if (mode == 0)
			base_pipe = t;
		else
			vf_pipe = t;
	}
	if (memcmp(vsim_data(b, &lb), src, size) != 0)
		die("pipe: restored state differs", NULL);

	double m = (double)mib;
	printf("vfio save+restore %zu MiB, simulator, via a file (memfd): %.0f MiB/s, plain "
	       "write+read %.0f MiB/s, ratio %.2f\n",
	       mib, m / vf_file, m / base_file, base_file / vf_file);
	printf("vfio save+restore %zu MiB, simulator, pipe between 2 processes: %.0f MiB/s, plain "
	       "copy %.0f MiB/s, ratio %.2f (target >= 0.80)\n",
	       mib, m / vf_pipe, m / base_pipe, base_pipe / vf_pipe);
	mc_vfio_dev_free(da);
	mc_vfio_dev_free(db);
	vsim_free(a);
	vsim_free(b);
	free(sink);
	return 0;
}
