/* migcheck — one VFIO device as the migration code sees it: the narrow backend
 * interface of the VFIO migration v2 uAPI (device state get/set returning the
 * data_fd, reads and writes of that fd, PRE_COPY info, reset, feature probes)
 * and the device's identity. The real backend is core/base/vfio_ioctl.c (ioctls on
 * a VFIO device fd); the unit tests plug in a simulator of the documented
 * state machine (tests/lib/vfio_sim.c). Plain C (libc + uAPI headers): the
 * static probe and test driver link it. */
#ifndef MC_VFIO_DEV_H
#define MC_VFIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/error.h"

/* enum vfio_device_mig_state (include/uapi/linux/vfio.h). */
enum mc_vfio_state {
	MC_VFIO_ERROR = 0,
	MC_VFIO_STOP = 1,
	MC_VFIO_RUNNING = 2,
	MC_VFIO_STOP_COPY = 3,
	MC_VFIO_RESUMING = 4,
	MC_VFIO_RUNNING_P2P = 5,
	MC_VFIO_PRE_COPY = 6,
	MC_VFIO_PRE_COPY_P2P = 7,
};
#define MC_VFIO_NSTATES 8

/* VFIO_DEVICE_FEATURE_MIGRATION flags. */
#define MC_VFIO_MIG_STOP_COPY (1ull << 0)
#define MC_VFIO_MIG_P2P (1ull << 1)
#define MC_VFIO_MIG_PRE_COPY (1ull << 2)

/* "RUNNING", "STOP_COPY", ... ("state N" for unknown values, in a static
 * buffer per call site is not needed: unknown values give "?"). */
const char *mc_vfio_state_name(uint32_t state);
/* "stop_copy,p2p,pre_copy" (unknown bits as 0x..), "none" for 0. */
void mc_vfio_mig_flags_format(uint64_t flags, char *buf, size_t size);

#define MC_VFIO_STR 64
/* What the stream header carries about the source device, and what the
 * destination compares it with. */
typedef struct mc_vfio_ident {
	char name[MC_VFIO_STR];           /* PCI address or mdev UUID (informational) */
	uint16_t vendor, device;          /* PCI ids (0 for an mdev) */
	uint16_t subvendor, subdevice;    /* PCI subsystem ids (0 for an mdev) */
	char driver[MC_VFIO_STR];         /* bound driver: vfio-pci, mlx5_vfio_pci, mdev driver */
	char driver_version[MC_VFIO_STR]; /* module version, else "srcversion:X", else "" */
	char type[MC_VFIO_STR];           /* mdev type id ("mcmig-v1"), "" for PCI */
	uint64_t mig_flags;               /* MC_VFIO_MIG_* */
} mc_vfio_ident;

/* The backend. Every call returns 0 (or a count) or -errno; `b` is the
 * backend's own object. data_fds are whatever the backend hands out (real fds
 * for the ioctl backend). */
typedef struct mc_vfio_backend_ops {
	const char *name;
	/* VFIO_DEVICE_FEATURE_MIGRATION GET: -ENOTTY when the device has no
	 * migration v2 support. */
	int (*mig_flags)(void *b, uint64_t *flags);
	/* VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE GET / SET. SET stores the new
	 * data_fd (or -1) in *data_fd. */
	int (*get_state)(void *b, uint32_t *state);
	int (*set_state)(void *b, uint32_t state, int *data_fd);
	ssize_t (*read)(void *b, int fd, void *buf, size_t n);
	ssize_t (*write)(void *b, int fd, const void *buf, size_t n);
	/* VFIO_MIG_GET_PRECOPY_INFO on the data_fd. */
	int (*precopy_info)(void *b, int fd, uint64_t *initial, uint64_t *dirty);
	void (*close_fd)(void *b, int fd);
	/* VFIO_DEVICE_RESET: back to RUNNING with fresh state. */
	int (*reset)(void *b);
	/* PROBE of VFIO_DEVICE_FEATURE_DMA_LOGGING_START: 1 / 0 / -errno. */
	int (*dma_logging)(void *b);
	/* Only the deprecated v1 migration region (type 3 subtype 1): 1 / 0. */
	int (*v1_region)(void *b);
	/* Whether the IOMMU enforces cache coherency for this device
	 * (VFIO_DMA_CC_IOMMU on its container): 1 / 0 / -errno. */
	int (*coherent)(void *b);
	/* Hand the device's VFIO file (its group, or its cdev) to a new KVM
	 * VM's kvm-vfio device (KVM_DEV_VFIO_FILE_ADD), as QEMU does: KVM then
	 * asks VFIO whether the file's DMA is coherent and registers
	 * non-coherent DMA for the VM. 1 accepted / -errno (-ENOENT: no KVM
	 * at kvm_dev, -ENODEV: no kvm-vfio device). */
	int (*kvm_file)(void *b, const char *kvm_dev);
	void (*free)(void *b);
} mc_vfio_backend_ops;

typedef struct mc_vfio_dev mc_vfio_dev; /* opaque */

/* Wrap a backend object (ownership passes: freed with the device). */
mc_vfio_dev *mc_vfio_dev_new(const mc_vfio_backend_ops *ops, void *b, const mc_vfio_ident *id);
void mc_vfio_dev_free(mc_vfio_dev *d);
const mc_vfio_ident *mc_vfio_dev_ident(const mc_vfio_dev *d);
mc_vfio_ident *mc_vfio_dev_ident_mut(mc_vfio_dev *d);
const char *mc_vfio_dev_name(const mc_vfio_dev *d);

int mc_vfio_dev_mig_flags(mc_vfio_dev *d, uint64_t *flags);
int mc_vfio_dev_get_state(mc_vfio_dev *d, uint32_t *state);
int mc_vfio_dev_set_state(mc_vfio_dev *d, uint32_t state, int *data_fd);
ssize_t mc_vfio_dev_read(mc_vfio_dev *d, int fd, void *buf, size_t n);
ssize_t mc_vfio_dev_write(mc_vfio_dev *d, int fd, const void *buf, size_t n);
int mc_vfio_dev_precopy_info(mc_vfio_dev *d, int fd, uint64_t *initial, uint64_t *dirty);
void mc_vfio_dev_close_fd(mc_vfio_dev *d, int fd);
int mc_vfio_dev_reset(mc_vfio_dev *d);
int mc_vfio_dev_dma_logging(mc_vfio_dev *d);
int mc_vfio_dev_v1_region(mc_vfio_dev *d);
int mc_vfio_dev_coherent(mc_vfio_dev *d);
int mc_vfio_dev_kvm_file(mc_vfio_dev *d, const char *kvm_dev);

/* ---- the real backend (core/base/vfio_ioctl.c) ---- */

/* Where the real backend looks: sysfs and /dev (overridable for fixtures). */
typedef struct mc_vfio_paths {
	const char *sys_root; /* "/sys" */
	const char *dev_root; /* "/dev" */
} mc_vfio_paths;

/* Identity of a sysfs device: NAME is a PCI address (0000:03:00.1) or an
 * mdev UUID. Also fills *group (IOMMU group number, -1 when none). -ENOENT
 * (exit 66) when there is no such device. Never opens the device. */
int mc_vfio_sysfs_ident(const mc_vfio_paths *p, const char *name, mc_vfio_ident *id, int *group,
			mc_error *err);

/* Open NAME through its VFIO group and a type1 container (or the iommufd
 * device cdev when the group interface is absent). A device or group held by
 * another process fails with -EBUSY ("in use"), without touching it. The
 * identity is read from sysfs and the migration flags from the device. */
mc_vfio_dev *mc_vfio_open(const mc_vfio_paths *p, const char *name, mc_error *err);

/* Host-level facts the probe wants without a device: whether
 * KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO) is accepted on a VM of `kvm_dev`
 * (1 / 0 / -errno). */
int mc_vfio_kvm_device(const char *kvm_dev);

/* "ENOTTY" etc. (writes unknown values into buf). */
const char *mc_vfio_errno_name(int errnum, char buf[16]);

#endif
