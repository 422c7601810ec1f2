/* Fuzz target: the VFIO device-state stream as a destination receives it
 * from another host. The input is checked twice: verified as a file (every
 * CRC and the END record before the device is touched) and restored as a
 * pipe (chunk by chunk) into a simulated device (tests/lib/vfio_sim.c, the
 * same backend interface as the ioctl path). Invariants: the two agree on
 * acceptance when the device itself does not refuse, and a refused stream
 * leaves the device's previous state in place. Errors are one line. */
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/base/vfio_dev.h"
#include "core/vfio/vfio_mig.h"
#include "core/vfio/vfio_stream.h"
#include "tests/fuzz/fuzz.h"
#include "tests/lib/vfio_sim.h"

#define PIPE_BYTES (1u << 20)

/* tests/data/vfio-stream/device.ident: the device the seed streams are for */
static const mc_vfio_ident dev_id = {
	.name = "0000:00:05.0",
	.vendor = 0x1af4,
	.device = 0x10f0,
	.subvendor = 0x1af4,
	.subdevice = 0x1,
	.driver = "simdrv",
	.driver_version = "1.0",
	.type = "",
	.mig_flags = 0x3,
};

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		FUZZ_CHECK(w > 0, "write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void one_line(const mc_error *err)
{
	FUZZ_CHECK(err->msg[0] && !strchr(err->msg, '\n'), "error not one line: %s", err->msg);
	FUZZ_CHECK(err->exit_code != 0, "error without exit code: %s", err->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mc_error err = { 0 };
	int mfd = memfd_create("stream", MFD_CLOEXEC);
	FUZZ_CHECK(mfd >= 0, "memfd_create: %s", strerror(errno));
	write_all(mfd, data, size);
	FUZZ_CHECK(lseek(mfd, 0, SEEK_SET) == 0, "lseek");
	uint64_t total = 0;
	int verified = mc_vfio_stream_verify(mfd, "stream", &dev_id, NULL, &total, &err);
	if (verified < 0)
		one_line(&err);
	close(mfd);

	if (size > PIPE_BYTES - 4096)
		return 0;
	int p[2];
	FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2");
	if (fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES) < (int)PIPE_BYTES && size > 65536) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	write_all(p[1], data, size);
	close(p[1]);
	vsim_config c = { .flags = MC_VFIO_MIG_STOP_COPY, .state_size = 8192, .seed = 7 };
	vsim *s = vsim_new(&c);
	mc_vfio_dev *d = vsim_dev(s, &dev_id);
	mc_vfio_restore_opts o = { 0 };
	mc_error rerr = { 0 };
	int restored = mc_vfio_restore_from_fd(d, &o, p[0], "pipe", NULL, NULL, &rerr);
	close(p[0]);
	if (restored == 0) {
		FUZZ_CHECK(verified == 0, "pipe restore accepted a stream the verifier refuses: %s",
			   err.msg);
	} else {
		one_line(&rerr);
		FUZZ_CHECK(vsim_is_fresh(s), "refused stream changed the device state: %s",
			   rerr.msg);
	}
	mc_vfio_dev_free(d);
	vsim_free(s);
	return 0;
}
