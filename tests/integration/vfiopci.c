/* vfiopci: an independent witness (raw ioctls, no migcheck code) of what the
 * mcmig test mdev offers a VMM, run inside an emulated host.
 *
 *   vfiopci pci UUID        what QEMU's vfio-pci (hw/vfio/pci.c, realize)
 *                           asks of a device attached with sysfsdev=
 *   vfiopci precopy A B     PRE_COPY on A with a state change in the middle
 *                           (dirty_bytes), the raw device data restored into B
 *   vfiopci cc PCIADDR      cache coherency as a VMM learns it: the device's
 *                           group in a type1 container, VFIO_CHECK_EXTENSION
 *                           (VFIO_DMA_CC_IOMMU), then the group handed to a
 *                           new VM's kvm-vfio device (KVM_DEV_VFIO_FILE_ADD)
 *
 * Output: "R KEY VALUE" lines; the checks are made by the calling script.
 * Exit 0 unless the device could not be opened at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* uAPI (include/uapi/linux/vfio.h), defined here: the build machine's
 * headers may predate PRE_COPY (6.2). */
#define W_FEATURE _IO(';', 117)
#define W_PRECOPY_INFO _IO(';', 121)
#define W_FEAT_GET (1u << 16)
#define W_FEAT_SET (1u << 17)
#define W_FEAT_MIGRATION 1
#define W_FEAT_MIG_STATE 2
#define W_FEAT_MIG_DATA_SIZE 9
enum { S_ERROR, S_STOP, S_RUNNING, S_STOP_COPY, S_RESUMING, S_RUNNING_P2P, S_PRE_COPY };
#define W_CONFIG_INDEX 7 /* VFIO_PCI_CONFIG_REGION_INDEX */
#define W_OFFSET(i) ((uint64_t)(i) << 40)

static void r(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void r(const char *key, const char *fmt, ...)
{
	va_list ap;
	printf("R %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int open_group(const char *bus, const char *name, int *container, int *group)
{
	char p[320], link[256];
	snprintf(p, sizeof(p), "/sys/bus/%s/devices/%s/iommu_group", bus, name);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	const char *g = strrchr(link, '/');
	snprintf(p, sizeof(p), "/dev/vfio/%s", g ? g + 1 : link);
	*container = open("/dev/vfio/vfio", O_RDWR);
	*group = open(p, O_RDWR);
	if (*container < 0 || *group < 0 ||
	    ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) < 0 ||
	    ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return -1;
	return 0;
}

static int open_dev(const char *uuid)
{
	char p[320], link[256];
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	const char *g = strrchr(link, '/');
	snprintf(p, sizeof(p), "/dev/vfio/%s", g ? g + 1 : link);
	int c = open("/dev/vfio/vfio", O_RDWR), grp = open(p, O_RDWR);
	if (c < 0 || grp < 0 || ioctl(grp, VFIO_GROUP_SET_CONTAINER, &c) < 0 ||
	    ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return -1;
	return ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, uuid); /* group/container leak: exit soon */
}

struct feat {
	uint32_t argsz, flags;
	uint64_t data[2];
};

static int feature(int dev, uint32_t flags, void *payload, size_t len)
{
	struct feat f = { (uint32_t)(8 + len), flags, { 0, 0 } };
	memcpy(f.data, payload, len);
	if (ioctl(dev, W_FEATURE, &f) < 0)
		return -errno;
	memcpy(payload, f.data, len);
	return 0;
}

/* SET the device state: 0 or -errno; *fd the data_fd (-1: none) */
static int set_state(int dev, uint32_t s, int *fd)
{
	uint32_t m[2] = { s, (uint32_t)-1 };
	int e = feature(dev, W_FEAT_SET | W_FEAT_MIG_STATE, m, sizeof(m));
	if (fd)
		*fd = e < 0 ? -1 : (int32_t)m[1];
	return e;
}

/* "RC FD" of a SET, as a result line */
static int set_r(const char *key, int dev, uint32_t s)
{
	int fd, e = set_state(dev, s, &fd);
	r(key, "%d %s", e, fd >= 0 ? "fd" : "-");
	return fd;
}

static int pci(const char *uuid)
{
	int dev = open_dev(uuid);
	if (dev < 0) {
		r("pci.open", "%d", errno);
		return 1;
	}
	r("pci.open", "0");
	struct vfio_device_info di = { .argsz = sizeof(di) };
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &di) < 0)
		r("pci.info", "errno %d", errno);
	else
		r("pci.info", "pci=%d reset=%d regions=%u irqs=%u",
		  !!(di.flags & VFIO_DEVICE_FLAGS_PCI), !!(di.flags & VFIO_DEVICE_FLAGS_RESET),
		  di.num_regions, di.num_irqs);
	for (uint32_t i = 0; i < di.num_regions && i < 16; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
		char key[32];
		snprintf(key, sizeof(key), "pci.region.%u", i);
		if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
			r(key, "errno %d", errno);
		else
			r(key, "size=%llu flags=0x%x offset_ok=%d", (unsigned long long)ri.size,
			  ri.flags, ri.offset == W_OFFSET(i));
	}
	for (uint32_t i = 0; i < di.num_irqs + 1 && i < 16; i++) {
		struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = i };
		char key[32];
		snprintf(key, sizeof(key), "pci.irq.%u", i);
		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &ii) < 0)
			r(key, "errno %d", errno);
		else
			r(key, "count=%u flags=0x%x", ii.count, ii.flags);
	}
	/* QEMU reads the whole config region, then accesses registers */
	uint8_t cfg[256];
	ssize_t n = pread(dev, cfg, sizeof(cfg), (off_t)W_OFFSET(W_CONFIG_INDEX));
	r("pci.cfg.read", "%zd", n);
	if (n == (ssize_t)sizeof(cfg)) {
		r("pci.cfg.ids", "%02x%02x:%02x%02x %02x%02x:%02x%02x", cfg[1], cfg[0], cfg[3],
		  cfg[2], cfg[0x2d], cfg[0x2c], cfg[0x2f], cfg[0x2e]);
		r("pci.cfg.class", "%02x%02x%02x rev=%02x", cfg[0xb], cfg[0xa], cfg[9], cfg[8]);
		r("pci.cfg.header", "%02x", cfg[0xe]);
		r("pci.cfg.status", "%02x%02x caplist=%d cap_ptr=%02x", cfg[7], cfg[6],
		  !!(cfg[6] & 0x10), cfg[0x34]);
		uint32_t bars = 0;
		for (int b = 0x10; b < 0x28; b++)
			bars |= cfg[b];
		r("pci.cfg.bars", "%s", bars ? "set" : "none");
		r("pci.cfg.intpin", "%u", cfg[0x3d]);
	}
	/* command register: QEMU enables memory/bus master; a BAR write sizes */
	uint16_t cmd = 0x0406, back = 0;
	uint32_t ones = 0xffffffff, bar = 1;
	if (pwrite(dev, &cmd, 2, (off_t)(W_OFFSET(W_CONFIG_INDEX) + 4)) != 2 ||
	    pread(dev, &back, 2, (off_t)(W_OFFSET(W_CONFIG_INDEX) + 4)) != 2)
		r("pci.cfg.command", "errno %d", errno);
	else
		r("pci.cfg.command", "0x%04x", back);
	if (pwrite(dev, &ones, 4, (off_t)(W_OFFSET(W_CONFIG_INDEX) + 0x10)) != 4 ||
	    pread(dev, &bar, 4, (off_t)(W_OFFSET(W_CONFIG_INDEX) + 0x10)) != 4)
		r("pci.cfg.bar0", "errno %d", errno);
	else
		r("pci.cfg.bar0", "0x%08x", bar);
	r("pci.cfg.beyond", "%zd", pread(dev, cfg, 4, (off_t)(W_OFFSET(W_CONFIG_INDEX) + 254)));
	r("pci.bar0.read", "%zd", pread(dev, cfg, 4, (off_t)W_OFFSET(0)));
	struct vfio_irq_set is = { .argsz = sizeof(is),
				   .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				   .index = 0,
				   .start = 0,
				   .count = 0 };
	r("pci.irq.disable", "%d", ioctl(dev, VFIO_DEVICE_SET_IRQS, &is) < 0 ? errno : 0);
	is.count = 1;
	r("pci.irq.enable", "%d", ioctl(dev, VFIO_DEVICE_SET_IRQS, &is) < 0 ? errno : 0);
	r("pci.reset", "%d", ioctl(dev, VFIO_DEVICE_RESET) < 0 ? errno : 0);
	if (pread(dev, &back, 2, (off_t)(W_OFFSET(W_CONFIG_INDEX) + 4)) == 2)
		r("pci.cfg.command-after-reset", "0x%04x", back);
	uint64_t flags = 0, size = 0;
	int e = feature(dev, W_FEAT_GET | W_FEAT_MIGRATION, &flags, sizeof(flags));
	r("pci.mig.flags", "%d 0x%llx", e, (unsigned long long)flags);
	e = feature(dev, W_FEAT_GET | W_FEAT_MIG_DATA_SIZE, &size, sizeof(size));
	r("pci.mig.data_size", "%d %llu", e, (unsigned long long)size);
	return 0;
}

static int precopy_info(int fd, uint64_t *initial, uint64_t *dirty)
{
	*initial = *dirty = 0;
	struct {
		uint32_t argsz, flags;
		uint64_t initial, dirty;
	} pi = { sizeof(pi), 0, 0, 0 };
	if (ioctl(fd, W_PRECOPY_INFO, &pi) < 0)
		return -errno;
	*initial = pi.initial;
	*dirty = pi.dirty;
	return 0;
}

static void info_r(const char *key, int fd)
{
	uint64_t ini, dir;
	int e = precopy_info(fd, &ini, &dir);
	r(key, "%d %llu %llu", e, (unsigned long long)ini, (unsigned long long)dir);
}

static int write_seed(const char *uuid, const char *seed)
{
	char p[256];
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s/mcmig/seed", uuid);
	int fd = open(p, O_WRONLY);
	if (fd < 0)
		return errno;
	int e = write(fd, seed, strlen(seed)) < 0 ? errno : 0;
	close(fd);
	return e;
}

/* read everything the data_fd has now into buf (grows); the last read's
 * result (0, or -errno such as -ENOMSG) in *last */
static size_t drain(int fd, char **buf, size_t *len, size_t *cap, int *last)
{
	size_t got = 0;
	for (;;) {
		if (*cap - *len < 65536) {
			*cap = *cap * 2 + 65536;
			*buf = realloc(*buf, *cap);
			if (!*buf)
				exit(2);
		}
		ssize_t n = read(fd, *buf + *len, 65536);
		if (n > 0) {
			*len += (size_t)n;
			got += (size_t)n;
			continue;
		}
		*last = n < 0 ? -errno : 0;
		return got;
	}
}

static int precopy(const char *a, const char *b)
{
	int da = open_dev(a), db = open_dev(b);
	if (da < 0 || db < 0) {
		r("pc.open", "%d", errno);
		return 1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int last = 0;
	int fd = set_r("pc.to-precopy", da, S_PRE_COPY);
	if (fd < 0)
		return 0;
	info_r("pc.info0", fd);
	char part[1000];
	ssize_t n = read(fd, part, sizeof(part));
	r("pc.read1000", "%zd", n);
	info_r("pc.info1", fd);
	/* the device runs: its state changes in PRE_COPY */
	r("pc.seed-in-precopy", "%d", write_seed(a, "0x5eed5eed5eed5eed"));
	info_r("pc.info2", fd);
	if (n > 0) {
		buf = malloc((size_t)n + 65536);
		cap = (size_t)n + 65536;
		memcpy(buf, part, (size_t)n);
		len = (size_t)n;
	}
	size_t got = drain(fd, &buf, &len, &cap, &last);
	r("pc.drain", "%zu %d", got, last);
	info_r("pc.info3", fd);
	/* STOP_COPY on the same fd (SET returns no new one) */
	set_r("pc.to-stop-copy", da, S_STOP_COPY);
	info_r("pc.info-stop-copy", fd);
	r("pc.seed-in-stop-copy", "%d", write_seed(a, "0x1"));
	got = drain(fd, &buf, &len, &cap, &last);
	r("pc.stop-copy-bytes", "%zu %d", got, last);
	set_r("pc.to-stop", da, S_STOP);
	close(fd);
	set_r("pc.to-running", da, S_RUNNING);
	r("pc.stream", "%zu", len);
	/* restore the raw device data into B, in odd-sized writes */
	set_r("pc.b-stop0", db, S_STOP);
	int wfd = set_r("pc.b-resuming", db, S_RESUMING);
	size_t off = 0;
	int werr = 0;
	while (wfd >= 0 && off < len) {
		size_t chunk = len - off < 77777 ? len - off : 77777;
		ssize_t w = write(wfd, buf + off, chunk);
		if (w <= 0) {
			werr = errno;
			break;
		}
		off += (size_t)w;
	}
	r("pc.b-write", "%d %zu", werr, off);
	set_r("pc.b-stop", db, S_STOP);
	if (wfd >= 0)
		close(wfd);
	set_r("pc.b-running", db, S_RUNNING);
	/* PRE_COPY then back to RUNNING: the session ends, no state change */
	fd = set_r("pc.abort-precopy", da, S_PRE_COPY);
	set_r("pc.abort-to-running", da, S_RUNNING);
	if (fd >= 0) {
		r("pc.abort-read", "%d", read(fd, part, 10) < 0 ? errno : 0);
		close(fd);
	}
	free(buf);
	return 0;
}

static int cc(const char *addr)
{
	int c, g;
	if (open_group("pci", addr, &c, &g) < 0) {
		r("cc.open", "%d", errno);
		return 1;
	}
	r("cc.open", "0");
	int dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, addr);
	r("cc.device", "%d", dev < 0 ? errno : 0);
	int e = ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU);
	r("cc.dma_cc", "%d", e < 0 ? -errno : e);
	int kvm = open("/dev/kvm", O_RDWR), vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		r("cc.kvm", "%d", errno);
		return 0;
	}
	struct kvm_create_device cd = { .type = 4 /* KVM_DEV_TYPE_VFIO */ };
	if (ioctl(vm, KVM_CREATE_DEVICE, &cd) < 0) {
		r("cc.kvm_vfio", "%d", errno);
		return 0;
	}
	r("cc.kvm_vfio", "0");
	int32_t fd = g;
	struct kvm_device_attr a = { .group = 1, .attr = 1, .addr = (uint64_t)(uintptr_t)&fd };
	r("cc.kvm_has_file_add", "%d", ioctl((int)cd.fd, KVM_HAS_DEVICE_ATTR, &a) < 0 ? errno : 0);
	r("cc.kvm_file_add", "%d", ioctl((int)cd.fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? errno : 0);
	/* a second add of the same file: EEXIST (KVM keeps a list of files) */
	r("cc.kvm_file_add_again", "%d",
	  ioctl((int)cd.fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? errno : 0);
	a.attr = 2; /* KVM_DEV_VFIO_FILE_DEL */
	r("cc.kvm_file_del", "%d", ioctl((int)cd.fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? errno : 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "cc"))
		return cc(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "pci"))
		return pci(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "precopy"))
		return precopy(argv[2], argv[3]);
	fprintf(stderr,
		"usage: vfiopci pci UUID | vfiopci precopy UUID_A UUID_B | vfiopci cc PCIADDR\n");
	return 64;
}
