/* The real VFIO backend: sysfs identity, group/container (or iommufd cdev)
 * open, and the migration v2 ioctls. Constants the installed uAPI headers may
 * lack are defined here from include/uapi/linux/vfio.h and iommufd.h
 * (MC_ names, so newer headers cannot clash). */
#include "core/base/vfio_dev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- uAPI numbers (checked against vfio.h / iommufd.h) ---- */
#define MC_VFIO_TYPE ';'
#define MC_VFIO_DEVICE_FEATURE _IO(MC_VFIO_TYPE, 117) /* 0x3B75, 5.7 */
#define MC_VFIO_MIG_GET_PRECOPY_INFO _IO(MC_VFIO_TYPE, 121)
#define MC_VFIO_DEVICE_BIND_IOMMUFD _IO(MC_VFIO_TYPE, 118) /* 6.6 */
#define MC_IOMMU_GET_HW_INFO _IO(MC_VFIO_TYPE, 0x8a)       /* 6.6 */
#define MC_FEAT_GET (1u << 16)
#define MC_FEAT_SET (1u << 17)
#define MC_FEAT_PROBE (1u << 18)
#define MC_FEAT_MIGRATION 1
#define MC_FEAT_MIG_DEVICE_STATE 2
#define MC_FEAT_DMA_LOGGING_START 6
#define MC_REGION_TYPE_MIGRATION_V1 3
#define MC_REGION_SUBTYPE_MIGRATION_V1 1
#define MC_REGION_INFO_CAP_TYPE 2
#define MC_IOMMU_HW_INFO_TYPE_INTEL_VTD 1
#define MC_VTD_ECAP_SC (1ull << 7) /* snoop control (proxy for coherency) */
/* kvm-vfio device attributes (include/uapi/linux/kvm.h): group
 * KVM_DEV_VFIO_FILE (KVM_DEV_VFIO_GROUP before 6.6), attribute
 * KVM_DEV_VFIO_FILE_ADD (KVM_DEV_VFIO_GROUP_ADD), addr = &int32 fd */
#define MC_KVM_DEV_VFIO_FILE 1
#define MC_KVM_DEV_VFIO_FILE_ADD 1

_Static_assert(MC_VFIO_DEVICE_FEATURE == 0x3B75, "VFIO_DEVICE_FEATURE");
_Static_assert(MC_VFIO_MIG_GET_PRECOPY_INFO == 0x3B79, "VFIO_MIG_GET_PRECOPY_INFO");
_Static_assert(MC_IOMMU_GET_HW_INFO == 0x3B8A, "IOMMU_GET_HW_INFO");
_Static_assert(KVM_DEV_TYPE_VFIO == 4, "KVM_DEV_TYPE_VFIO");
#ifdef VFIO_DEVICE_FEATURE
_Static_assert(VFIO_DEVICE_FEATURE == MC_VFIO_DEVICE_FEATURE, "header VFIO_DEVICE_FEATURE");
#endif
#ifdef VFIO_MIG_GET_PRECOPY_INFO
_Static_assert(VFIO_MIG_GET_PRECOPY_INFO == MC_VFIO_MIG_GET_PRECOPY_INFO, "PRECOPY_INFO");
#endif

struct mc_feature_hdr {
	uint32_t argsz;
	uint32_t flags;
};
struct mc_mig_state {
	uint32_t device_state;
	int32_t data_fd;
};
struct mc_precopy_info {
	uint32_t argsz;
	uint32_t flags;
	uint64_t initial_bytes;
	uint64_t dirty_bytes;
};
struct mc_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
};
struct mc_iommu_hw_info {
	uint32_t size;
	uint32_t flags;
	uint32_t dev_id;
	uint32_t data_len;
	uint64_t data_uptr;
	uint32_t out_data_type;
	uint32_t reserved;
	uint64_t out_capabilities;
};
struct mc_vtd_info {
	uint32_t flags;
	uint32_t reserved;
	uint64_t cap_reg;
	uint64_t ecap_reg;
};

/* ---- sysfs ---- */

static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

static int link_base(const char *path, char *buf, size_t size)
{
	char t[PATH_MAX];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	if (n < 0)
		return -errno;
	t[n] = '\0';
	const char *b = strrchr(t, '/');
	b = b ? b + 1 : t;
	if (strlen(b) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, b);
	return 0;
}

static int read_hex16(const char *dir, const char *file, uint16_t *out)
{
	char p[PATH_MAX], t[32], *end;
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int r = read_text(p, t, sizeof(t));
	if (r < 0)
		return r;
	unsigned long v = strtoul(t, &end, 16);
	if (*end || v > 0xffff)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static bool is_uuid(const char *s)
{
	static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; pat[i]; i++) {
		bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
			   (s[i] >= 'A' && s[i] <= 'F');
		if (pat[i] == '-' ? s[i] != '-' : !hex)
			return false;
	}
	return true;
}

static bool is_pci_addr(const char *s)
{
	unsigned dom, bus, dev, fn;
	char tail;
	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) == 4;
}

static void module_version(const mc_vfio_paths *p, const char *mod, char *out, size_t size)
{
	char path[PATH_MAX], t[MC_VFIO_STR];
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/module/%s/version", p->sys_root, mod);
	if (read_text(path, t, sizeof(t)) == 0 && t[0]) {
		snprintf(out, size, "%s", t);
		return;
	}
	snprintf(path, sizeof(path), "%s/module/%s/srcversion", p->sys_root, mod);
	if (read_text(path, t, 40) == 0 && t[0] && size > 11) {
		memcpy(out, "srcversion:", 11);
		snprintf(out + 11, size - 11, "%.40s", t);
	}
}

int mc_vfio_sysfs_ident(const mc_vfio_paths *p, const char *name, mc_vfio_ident *id, int *group,
			mc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], t[MC_VFIO_STR], mod[MC_VFIO_STR];
	struct stat st;
	bool mdev = is_uuid(name);
	memset(id, 0, sizeof(*id));
	*group = -1;
	if (!mdev && !is_pci_addr(name))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "%s: not a PCI address (DDDD:BB:DD.F) or an mdev UUID", name);
	snprintf(dir, sizeof(dir), "%s/bus/%s/devices/%s", p->sys_root, mdev ? "mdev" : "pci",
		 name);
	if (stat(dir, &st) < 0)
		return mc_error_set(err, MC_EXIT_NOINPUT, ENOENT, "%s: no such %s device (%s)",
				    name, mdev ? "mdev" : "PCI", dir);
	snprintf(id->name, sizeof(id->name), "%s", name);
	if (!mdev) {
		if (read_hex16(dir, "vendor", &id->vendor) < 0 ||
		    read_hex16(dir, "device", &id->device) < 0)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
					    "%s: unreadable vendor/device ids in %s", name, dir);
		read_hex16(dir, "subsystem_vendor", &id->subvendor);
		read_hex16(dir, "subsystem_device", &id->subdevice);
	} else {
		snprintf(path, sizeof(path), "%s/mdev_type", dir);
		if (link_base(path, id->type, sizeof(id->type)) < 0)
			return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: no mdev_type link",
					    name);
	}
	snprintf(path, sizeof(path), "%s/driver", dir);
	if (link_base(path, id->driver, sizeof(id->driver)) < 0)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENODEV,
				    "%s: not bound to any driver (bind it to vfio-pci)", name);
	snprintf(path, sizeof(path), "%s/driver/module", dir);
	if (link_base(path, mod, sizeof(mod)) == 0)
		module_version(p, mod, id->driver_version, sizeof(id->driver_version));
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	if (link_base(path, t, sizeof(t)) == 0) {
		char *end;
		long g = strtol(t, &end, 10);
		if (!*end && g >= 0 && g < INT_MAX)
			*group = (int)g;
	}
	return 0;
}

/* ---- the device ---- */

typedef struct ioctl_dev {
	int container, group, iommufd, dev;
	uint32_t devid;
} ioctl_dev;

static int feature(int fd, uint32_t flags, void *payload, size_t plen)
{
	union {
		struct mc_feature_hdr h;
		uint64_t align[8];
	} buf;
	memset(&buf, 0, sizeof(buf));
	buf.h.argsz = (uint32_t)(sizeof(buf.h) + plen);
	buf.h.flags = flags;
	if (plen)
		memcpy((char *)&buf + sizeof(buf.h), payload, plen);
	if (ioctl(fd, MC_VFIO_DEVICE_FEATURE, &buf) < 0)
		return -errno;
	if (plen)
		memcpy(payload, (char *)&buf + sizeof(buf.h), plen);
	return 0;
}

static int io_mig_flags(void *b, uint64_t *flags)
{
	uint64_t f = 0;
	int r = feature(((ioctl_dev *)b)->dev, MC_FEAT_GET | MC_FEAT_MIGRATION, &f, sizeof(f));
	if (r == 0)
		*flags = f;
	return r;
}

static int io_get_state(void *b, uint32_t *state)
{
	struct mc_mig_state s = { 0, -1 };
	int r =
	    feature(((ioctl_dev *)b)->dev, MC_FEAT_GET | MC_FEAT_MIG_DEVICE_STATE, &s, sizeof(s));
	if (r == 0)
		*state = s.device_state;
	return r;
}

static int io_set_state(void *b, uint32_t state, int *data_fd)
{
	struct mc_mig_state s = { state, -1 };
	int r =
	    feature(((ioctl_dev *)b)->dev, MC_FEAT_SET | MC_FEAT_MIG_DEVICE_STATE, &s, sizeof(s));
	if (r == 0)
		*data_fd = s.data_fd;
	return r;
}

static ssize_t io_read(void *b, int fd, void *buf, size_t n)
{
	(void)b;
	ssize_t r = read(fd, buf, n);
	return r < 0 ? -errno : r;
}

static ssize_t io_write(void *b, int fd, const void *buf, size_t n)
{
	(void)b;
	ssize_t r = write(fd, buf, n);
	return r < 0 ? -errno : r;
}

static int io_precopy_info(void *b, int fd, uint64_t *initial, uint64_t *dirty)
{
	(void)b;
	struct mc_precopy_info pi = { sizeof(pi), 0, 0, 0 };
	if (ioctl(fd, MC_VFIO_MIG_GET_PRECOPY_INFO, &pi) < 0)
		return -errno;
	*initial = pi.initial_bytes;
	*dirty = pi.dirty_bytes;
	return 0;
}

static void io_close_fd(void *b, int fd)
{
	(void)b;
	close(fd);
}

static int io_reset(void *b)
{
	return ioctl(((ioctl_dev *)b)->dev, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
}

static int io_dma_logging(void *b)
{
	int r = feature(((ioctl_dev *)b)->dev,
			MC_FEAT_PROBE | MC_FEAT_SET | MC_FEAT_DMA_LOGGING_START, NULL, 0);
	if (r == 0)
		return 1;
	return r == -ENOTTY ? 0 : r;
}

static int io_v1_region(void *b)
{
	ioctl_dev *d = b;
	struct vfio_device_info di = { .argsz = sizeof(di) };
	if (ioctl(d->dev, VFIO_DEVICE_GET_INFO, &di) < 0)
		return -errno;
	for (uint32_t i = 0; i < di.num_regions && i < 64; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
		if (ioctl(d->dev, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
			continue;
		if (!(ri.flags & VFIO_REGION_INFO_FLAG_CAPS) || ri.argsz <= sizeof(ri) ||
		    ri.argsz > 65536)
			continue;
		uint32_t argsz = ri.argsz;
		struct vfio_region_info *full = calloc(1, argsz);
		if (!full)
			return -ENOMEM;
		full->argsz = argsz;
		full->index = i;
		int found = 0;
		if (ioctl(d->dev, VFIO_DEVICE_GET_REGION_INFO, full) == 0) {
			uint32_t off = full->cap_offset;
			for (int hops = 0; off && off + 16 <= argsz && hops < 32; hops++) {
				const char *base = (const char *)full + off;
				uint16_t cid;
				uint32_t next, type, sub;
				memcpy(&cid, base, 2);
				memcpy(&next, base + 4, 4);
				if (cid == MC_REGION_INFO_CAP_TYPE) {
					memcpy(&type, base + 8, 4);
					memcpy(&sub, base + 12, 4);
					if (type == MC_REGION_TYPE_MIGRATION_V1 &&
					    sub == MC_REGION_SUBTYPE_MIGRATION_V1)
						found = 1;
				}
				off = next;
			}
		}
		free(full);
		if (found)
			return 1;
	}
	return 0;
}

static int io_coherent(void *b)
{
	ioctl_dev *d = b;
	if (d->container >= 0) {
		int r = ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU);
		return r < 0 ? -errno : (r > 0);
	}
	if (d->iommufd >= 0) {
		struct mc_vtd_info vtd = { 0 };
		struct mc_iommu_hw_info hw = { 0 };
		hw.size = sizeof(hw);
		hw.dev_id = d->devid;
		hw.data_len = sizeof(vtd);
		hw.data_uptr = (uint64_t)(uintptr_t)&vtd;
		if (ioctl(d->iommufd, MC_IOMMU_GET_HW_INFO, &hw) < 0)
			return -errno;
		if (hw.out_data_type != MC_IOMMU_HW_INFO_TYPE_INTEL_VTD)
			return -EOPNOTSUPP;
		return (vtd.ecap_reg & MC_VTD_ECAP_SC) ? 1 : 0;
	}
	return -ENOTTY;
}

/* A VM of kvm_dev (EINTR retried on a busy host): its fd, the /dev/kvm fd in
 * *kvm; -errno. */
static int new_vm(const char *kvm_dev, int *kvm)
{
	*kvm = open(kvm_dev, O_RDWR | O_CLOEXEC);
	if (*kvm < 0)
		return -errno;
	int vm = -1, r;
	for (int tries = 0; tries < 100; tries++) {
		vm = ioctl(*kvm, KVM_CREATE_VM, 0);
		if (vm >= 0 || errno != EINTR)
			break;
	}
	if (vm < 0) {
		r = -errno;
		close(*kvm);
		*kvm = -1;
		return r;
	}
	return vm;
}

static int io_kvm_file(void *b, const char *kvm_dev)
{
	ioctl_dev *d = b;
	int kvm, vm = new_vm(kvm_dev, &kvm), r;
	if (vm < 0)
		return vm;
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };
	if (ioctl(vm, KVM_CREATE_DEVICE, &cd) < 0) {
		r = -errno;
	} else {
		int32_t file = d->group >= 0 ? d->group : d->dev;
		struct kvm_device_attr a = { .group = MC_KVM_DEV_VFIO_FILE,
					     .attr = MC_KVM_DEV_VFIO_FILE_ADD,
					     .addr = (uint64_t)(uintptr_t)&file };
		r = ioctl((int)cd.fd, KVM_SET_DEVICE_ATTR, &a) == 0 ? 1 : -errno;
		close((int)cd.fd); /* the VM keeps the device; closing the VM frees both */
	}
	close(vm);
	close(kvm);
	return r;
}

static void io_free(void *b)
{
	ioctl_dev *d = b;
	if (d->dev >= 0)
		close(d->dev);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	if (d->iommufd >= 0)
		close(d->iommufd);
	free(d);
}

static const mc_vfio_backend_ops ioctl_ops = {
	.name = "ioctl",
	.mig_flags = io_mig_flags,
	.get_state = io_get_state,
	.set_state = io_set_state,
	.read = io_read,
	.write = io_write,
	.precopy_info = io_precopy_info,
	.close_fd = io_close_fd,
	.reset = io_reset,
	.dma_logging = io_dma_logging,
	.v1_region = io_v1_region,
	.coherent = io_coherent,
	.kvm_file = io_kvm_file,
	.free = io_free,
};

static int open_err(const char *name, const char *what, int e, mc_error *err)
{
	if (e == EBUSY)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EBUSY,
				    "%s: in use (%s busy: held by another process, e.g. a running "
				    "guest); left untouched",
				    name, what);
	if (e == EACCES || e == EPERM)
		return mc_error_set(err, MC_EXIT_NOPERM, e, "%s: %s: permission denied", name,
				    what);
	if (e == ENOENT)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOENT,
				    "%s: %s does not exist (vfio modules not loaded?)", name, what);
	return mc_error_set(err, 0, e, "%s: %s: %s", name, what, strerror(e));
}

static int open_group(const mc_vfio_paths *p, const char *name, int group, ioctl_dev *d,
		      mc_error *err)
{
	char gpath[PATH_MAX], cpath[PATH_MAX];
	struct stat st;
	bool noiommu = false;
	snprintf(gpath, sizeof(gpath), "%s/vfio/%d", p->dev_root, group);
	if (stat(gpath, &st) < 0) {
		snprintf(gpath, sizeof(gpath), "%s/vfio/noiommu-%d", p->dev_root, group);
		if (stat(gpath, &st) < 0)
			return -ENOENT;
		noiommu = true;
	}
	snprintf(cpath, sizeof(cpath), "%s/vfio/vfio", p->dev_root);
	d->container = open(cpath, O_RDWR | O_CLOEXEC);
	if (d->container < 0)
		return open_err(name, cpath, errno, err);
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EPROTO,
				    "%s: unknown VFIO API version on %s", name, cpath);
	d->group = open(gpath, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		return open_err(name, gpath, errno, err);
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs) < 0)
		return open_err(name, "VFIO_GROUP_GET_STATUS", errno, err);
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, EBUSY,
				    "%s: IOMMU group %d is not viable (a device of the group is "
				    "bound to a non-VFIO driver)",
				    name, group);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0)
		return open_err(name, "VFIO_GROUP_SET_CONTAINER", errno, err);
	int type = noiommu ? VFIO_NOIOMMU_IOMMU
		   : ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0
		       ? VFIO_TYPE1v2_IOMMU
		       : VFIO_TYPE1_IOMMU;
	if (ioctl(d->container, VFIO_SET_IOMMU, type) < 0)
		return open_err(name, "VFIO_SET_IOMMU", errno, err);
	d->dev = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (d->dev < 0)
		return open_err(name, "VFIO_GROUP_GET_DEVICE_FD", errno, err);
	return 0;
}

static int open_cdev(const mc_vfio_paths *p, const char *name, bool mdev, ioctl_dev *d,
		     mc_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	snprintf(dir, sizeof(dir), "%s/bus/%s/devices/%s/vfio-dev", p->sys_root,
		 mdev ? "mdev" : "pci", name);
	DIR *dd = opendir(dir);
	if (!dd)
		return -ENOENT;
	struct dirent *de;
	path[0] = '\0';
	while ((de = readdir(dd)))
		if (strncmp(de->d_name, "vfio", 4) == 0)
			snprintf(path, sizeof(path), "%s/vfio/devices/%s", p->dev_root, de->d_name);
	closedir(dd);
	if (!path[0])
		return -ENOENT;
	d->dev = open(path, O_RDWR | O_CLOEXEC);
	if (d->dev < 0)
		return errno == ENOENT ? -ENOENT : open_err(name, path, errno, err);
	snprintf(path, sizeof(path), "%s/iommu", p->dev_root);
	d->iommufd = open(path, O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0)
		return open_err(name, path, errno, err);
	struct mc_bind_iommufd bind = { sizeof(bind), 0, d->iommufd, 0 };
	if (ioctl(d->dev, MC_VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return open_err(name, "VFIO_DEVICE_BIND_IOMMUFD", errno, err);
	d->devid = bind.out_devid;
	return 0;
}

mc_vfio_dev *mc_vfio_open(const mc_vfio_paths *p, const char *name, mc_error *err)
{
	mc_vfio_ident id;
	int group, r;
	if (mc_vfio_sysfs_ident(p, name, &id, &group, err) < 0)
		return NULL;
	ioctl_dev *d = calloc(1, sizeof(*d));
	if (!d) {
		mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	d->container = d->group = d->iommufd = d->dev = -1;
	r = group >= 0 ? open_group(p, name, group, d, err) : -ENOENT;
	if (r == -ENOENT) {
		io_free(d);
		d = calloc(1, sizeof(*d));
		if (!d) {
			mc_error_set(err, MC_EXIT_SOFTWARE, ENOMEM, "%s: out of memory", name);
			return NULL;
		}
		d->container = d->group = d->iommufd = d->dev = -1;
		r = open_cdev(p, name, id.type[0] != '\0', d, err);
		if (r == -ENOENT)
			mc_error_set(
			    err, MC_EXIT_UNAVAILABLE, ENODEV,
			    "%s: no VFIO device node (%s/vfio/%d or %s/vfio/devices/vfioN) "
			    "for driver %s",
			    name, p->dev_root, group, p->dev_root, id.driver);
	}
	if (r < 0) {
		io_free(d);
		return NULL;
	}
	uint64_t flags = 0;
	if (io_mig_flags(d, &flags) == 0)
		id.mig_flags = flags;
	return mc_vfio_dev_new(&ioctl_ops, d, &id);
}

int mc_vfio_kvm_device(const char *kvm_dev)
{
	int kvm, vm = new_vm(kvm_dev, &kvm), r;
	if (vm < 0)
		return vm;
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO,
					.flags = KVM_CREATE_DEVICE_TEST };
	r = ioctl(vm, KVM_CREATE_DEVICE, &cd) == 0 ? 1 : (errno == ENODEV ? 0 : -errno);
	close(vm);
	close(kvm);
	return r;
}
