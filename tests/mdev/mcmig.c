// SPDX-License-Identifier: GPL-2.0-only
/*
 * mcmig - a mediated device with VFIO migration v2 (STOP_COPY, P2P, and
 * PRE_COPY where the kernel has it: 6.2 on), written for migcheck's tests
 * (Linux 6.1 .. 7.x mdev/vfio API). Its whole point is a deterministic device
 * state that can be saved, restored and compared; it is a vfio-pci device
 * (VFIO_DEVICE_FLAGS_PCI) so that QEMU's vfio-pci can attach it with
 * sysfsdev=: an emulated 256-byte PCI config space (no capabilities, no BARs,
 * no interrupt pin), every other region empty, no interrupts.
 *
 * Parent: /sys/class/mcmig/mcmig, one mdev type "mcmig-v<format_version>",
 * and a second one "mcmig-v<alt_version>" when alt_version is set.
 * Per instance (mdev device attributes):
 *   seed             rw  u64 (hex); writing regenerates the state (RUNNING and
 *                        PRE_COPY only: the device runs)
 *   checksum         ro  hash of the live state bytes
 *   migration_state  ro  RUNNING, STOP, STOP_COPY, RESUMING, RUNNING_P2P,
 *                        PRE_COPY, PRE_COPY_P2P, ERROR
 *   state_size       ro  bytes of device state
 *   restores         ro  restored payloads the device accepted
 *   refused          ro  restored payloads the device refused
 * Module parameters (read-only after load):
 *   state_size       bytes of device state (multiple of 8, 8 B .. 256 MiB)
 *   format_version   state format version (in the type name and the payload)
 *   max_instances    instances the parent offers
 *   alt_version      0, or a second format version: a second mdev type whose
 *                    instances save and restore with that version
 *   precopy          1: offer PRE_COPY where the kernel has it; 0: do not
 *
 * Device data (what STOP_COPY reads and RESUMING accepts), little endian:
 *   u64 magic "MCMIGDEV", u32 format version, u32 reserved, u64 seed,
 *   u64 state size, u64 checksum, then the state bytes.
 * A save session serves one payload; a PRE_COPY session serves one while the
 * device runs (VFIO_MIG_GET_PRECOPY_INFO: initial_bytes) and, whenever the
 * state changed after the payload it last began (a seed write), a newer one
 * (dirty_bytes), in PRE_COPY and at STOP_COPY. A restore session takes one
 * payload, or several in a row (the last one counts); anything after a
 * complete payload that is not the start of another fails the write (EFBIG).
 * RESUMING -> STOP refuses (EINVAL, device state ERROR) unless the last
 * payload is complete, of this format version and size, with a matching
 * checksum. STOP -> RUNNING(_P2P) after a successful restore makes the
 * restored state live.
 */
#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci_regs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vfio.h>
#include <linux/vmalloc.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

/* Built twice: mcmig.ko, the mdev (MCMIG_PCI 0), and mcmig_pci.ko
 * (mcmig_pci.c: MCMIG_PCI 1), a vfio-pci variant driver that gives a real
 * PCI function (QEMU's edu device, 1234:11e8, bound through driver_override)
 * the same device state and migration, behind the host's real IOMMU. */
#ifndef MCMIG_PCI
#define MCMIG_PCI 0
#endif
#if MCMIG_PCI
#include <linux/pci.h>
#include <linux/vfio_pci_core.h>
#define MCMIG_NAME "mcmig_vfio_pci"
#define MCMIG_VDEV core.vdev
#else
#define MCMIG_NAME "mcmig"
#define MCMIG_VDEV vdev
#endif
#define MCMIG_GROUP "mcmig" /* the sysfs attribute folder */
#define to_st(v) container_of(v, struct mcmig_state, MCMIG_VDEV)
#define MCMIG_MAGIC 0x56454447494d434dULL /* "MCMIGDEV" little endian */
#define MCMIG_MAX_SIZE (256UL << 20)

/* PCI identity: Red Hat's vendor id as the kernel's mdpy sample uses it,
 * with a device id outside its QEMU/sample range; class 0xff ("device does
 * not fit any defined class"). */
#define MCMIG_PCI_VENDOR 0x1b36
#define MCMIG_PCI_DEVICE 0x7f01
#define MCMIG_PCI_SUBVENDOR 0x1b36
#define MCMIG_PCI_SUBDEVICE 0x0001
#define MCMIG_PCI_CLASS 0xff0000 /* base, sub-class, prog-if */
#define MCMIG_PCI_REVISION 0x01
#define MCMIG_CFG_SIZE 256
#define MCMIG_OFFSET_SHIFT 40 /* region index in the device fd offset, as vfio-pci */
#define MCMIG_OFFSET_TO_INDEX(off) ((off) >> MCMIG_OFFSET_SHIFT)
#define MCMIG_INDEX_TO_OFFSET(i) ((u64)(i) << MCMIG_OFFSET_SHIFT)
#define MCMIG_OFFSET_MASK ((1ULL << MCMIG_OFFSET_SHIFT) - 1)

#ifdef VFIO_MIGRATION_PRE_COPY
#define MCMIG_PRE_COPY 1 /* 6.2 on */
#else
#define MCMIG_PRE_COPY 0
#endif

static unsigned long state_size = 1UL << 20;
module_param(state_size, ulong, 0444);
MODULE_PARM_DESC(state_size, "bytes of device state per instance (multiple of 8, at most 256 MiB)");
static unsigned int format_version = 1;
module_param(format_version, uint, 0444);
MODULE_PARM_DESC(format_version, "state format version (1..9999), part of the mdev type name");
#if !MCMIG_PCI
static unsigned int max_instances = 4;
module_param(max_instances, uint, 0444);
MODULE_PARM_DESC(max_instances, "number of instances offered (1..64)");
static unsigned int alt_version;
module_param(alt_version, uint, 0444);
MODULE_PARM_DESC(alt_version, "0, or a second format version (1..9999) offered as a second mdev type");
#endif
static bool offer_precopy = true;
module_param_named(precopy, offer_precopy, bool, 0444);
MODULE_PARM_DESC(precopy, "offer PRE_COPY where the kernel has it (default 1)");

struct mcmig_hdr {
	__le64 magic;
	__le32 version;
	__le32 reserved;
	__le64 seed;
	__le64 size;
	__le64 checksum;
};

struct mcmig_state;

/* One data_fd session. The file owns it; the device holds a file reference
 * while the session is active and drops it when the session ends.
 * Locks, outermost first: st->lock, migf->lock, st->data_lock. */
struct mcmig_file {
	struct file *filp;
	struct mutex lock;
	bool disabled;
	bool saving;
	bool precopy;           /* saving: in PRE_COPY(_P2P), not yet STOP_COPY */
	struct mcmig_state *st; /* valid while !disabled */
	/* saving: the payload being served (header first, then the live state
	 * it was taken from), its position and the state generation it began at */
	struct mcmig_hdr hdr;
	unsigned long payloads; /* payloads begun */
	u64 gen;
	u8 *buf;    /* resuming: header + state as written */
	bool newer; /* resuming: a payload after a complete one is being written */
	loff_t pos; /* position in the current payload */
};

struct mcmig_state {
#if MCMIG_PCI
	struct vfio_pci_core_device core;
#else
	struct vfio_device vdev;
#endif
	struct device *dev;
	struct mutex lock; /* everything below */
	enum vfio_device_mig_state mig_state;
	u64 seed;
	u32 version; /* state format version, fixed at creation (the type's) */
	/* State buffers are laid out like the device data (header, then the
	 * state), so a restored payload becomes live without a copy. */
	u8 *live_mem;
	u64 *live;       /* state_size bytes in live_mem */
	u8 *pending_mem; /* restored, not yet live */
	u64 pending_seed;
	struct mcmig_file *saving, *resuming;
	unsigned long restores, refused;
	/* data_lock (innermost): live, live_mem and gen also under it, so a save
	 * session reads them holding only its own lock and this one. */
	struct mutex data_lock;
	u64 gen; /* state changes (seed writes) */
#if !MCMIG_PCI
	u8 cfg[MCMIG_CFG_SIZE]; /* PCI config space */
#endif
};

#if !MCMIG_PCI
static struct class *mcmig_class;
static struct device mcmig_parent_dev;
static struct mdev_parent mcmig_parent;
static char mcmig_type_name[16];
static struct mdev_type mcmig_type = { .sysfs_name = mcmig_type_name,
				       .pretty_name = "migcheck test device" };
static char mcmig_alt_type_name[16];
static struct mdev_type mcmig_alt_type = { .sysfs_name = mcmig_alt_type_name,
					   .pretty_name = "migcheck test device (alt version)" };
static struct mdev_type *mcmig_types[] = { &mcmig_type, &mcmig_alt_type };
#endif

static u64 *state_of(u8 *mem)
{
	return (u64 *)(mem + sizeof(struct mcmig_hdr));
}

static size_t payload_size(void)
{
	return sizeof(struct mcmig_hdr) + state_size;
}

static u64 splitmix64(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void mcmig_generate(u64 *buf, u64 seed)
{
	size_t i, n = state_size / 8;

	for (i = 0; i < n; i++) {
		buf[i] = cpu_to_le64(splitmix64(seed + i * 0x9e3779b97f4a7c15ULL));
		if (!(i & 0xffff))
			cond_resched();
	}
}

static u64 mcmig_checksum(const u64 *buf)
{
	u64 h = 0xcbf29ce484222325ULL;
	size_t i, n = state_size / 8;

	for (i = 0; i < n; i++) {
		h = (h ^ le64_to_cpu(buf[i])) * 0x100000001b3ULL;
		h ^= h >> 29;
		if (!(i & 0xffff))
			cond_resched();
	}
	return h;
}

static const char *mcmig_state_name(enum vfio_device_mig_state s)
{
	switch (s) {
	case VFIO_DEVICE_STATE_ERROR:
		return "ERROR";
	case VFIO_DEVICE_STATE_STOP:
		return "STOP";
	case VFIO_DEVICE_STATE_RUNNING:
		return "RUNNING";
	case VFIO_DEVICE_STATE_STOP_COPY:
		return "STOP_COPY";
	case VFIO_DEVICE_STATE_RESUMING:
		return "RESUMING";
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return "RUNNING_P2P";
#if MCMIG_PRE_COPY
	case VFIO_DEVICE_STATE_PRE_COPY:
		return "PRE_COPY";
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		return "PRE_COPY_P2P";
#endif
	default:
		return "?";
	}
}

/* ---- data_fd ---- */

static int mcmig_file_release(struct inode *inode, struct file *filp)
{
	struct mcmig_file *migf = filp->private_data;

	vfree(migf->buf);
	kfree(migf);
	return 0;
}

/* Begin the next payload of a save session (migf->lock, st->data_lock held). */
static void mcmig_payload_begin(struct mcmig_file *migf)
{
	struct mcmig_state *st = migf->st;

	migf->hdr.magic = cpu_to_le64(MCMIG_MAGIC);
	migf->hdr.version = cpu_to_le32(st->version);
	migf->hdr.reserved = 0;
	migf->hdr.seed = cpu_to_le64(st->seed);
	migf->hdr.size = cpu_to_le64(state_size);
	migf->hdr.checksum = cpu_to_le64(mcmig_checksum(st->live));
	migf->gen = st->gen;
	migf->pos = 0;
	migf->payloads++;
}

#if MCMIG_PRE_COPY
/* Bytes a save session still has for the user: of the current payload, and
 * of a newer one (the state changed after the current one began). */
static void mcmig_pending(struct mcmig_file *migf, u64 *initial, u64 *dirty)
{
	size_t total = payload_size();
	u64 left = migf->payloads ? total - migf->pos : total;

	*initial = migf->payloads <= 1 ? left : 0;
	*dirty = migf->payloads > 1 ? left : 0;
	if (migf->payloads && migf->gen != migf->st->gen)
		*dirty += total;
}
#endif

static ssize_t mcmig_file_read(struct file *filp, char __user *ubuf, size_t len, loff_t *pos)
{
	struct mcmig_file *migf = filp->private_data;
	size_t hlen = sizeof(migf->hdr), total = payload_size(), done = 0, n;
	struct mcmig_state *st;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	st = migf->st;
	mutex_lock(&st->data_lock);
	while (len) {
		const u8 *src;

		if (!migf->payloads || (migf->pos == total && migf->gen != st->gen))
			mcmig_payload_begin(migf);
		if (migf->pos == total)
			break; /* nothing newer */
		if (migf->pos < hlen) {
			src = (const u8 *)&migf->hdr + migf->pos;
			n = min_t(size_t, len, hlen - migf->pos);
		} else {
			src = (const u8 *)st->live + (migf->pos - hlen);
			n = min_t(size_t, len, total - migf->pos);
		}
		if (copy_to_user(ubuf + done, src, n)) {
			ret = done ? done : -EFAULT;
			goto out_data;
		}
		migf->pos += n;
		done += n;
		len -= n;
	}
	/* In PRE_COPY the end is temporary: the state may still change. */
	ret = (!done && migf->precopy) ? -ENOMSG : done;
out_data:
	mutex_unlock(&st->data_lock);
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static long mcmig_file_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
#if MCMIG_PRE_COPY
	struct mcmig_file *migf = filp->private_data;
	struct vfio_precopy_info info;
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	u64 initial, dirty;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	mutex_lock(&migf->lock);
	if (migf->disabled || !migf->precopy) {
		mutex_unlock(&migf->lock);
		return -EINVAL; /* only in PRE_COPY and PRE_COPY_P2P */
	}
	mutex_lock(&migf->st->data_lock);
	mcmig_pending(migf, &initial, &dirty);
	mutex_unlock(&migf->st->data_lock);
	mutex_unlock(&migf->lock);
	info.flags = 0;
	info.initial_bytes = initial;
	info.dirty_bytes = dirty;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
#else
	return -ENOTTY;
#endif
}

static ssize_t mcmig_file_write(struct file *filp, const char __user *ubuf, size_t len,
				loff_t *pos)
{
	struct mcmig_file *migf = filp->private_data;
	size_t total = payload_size(), done = 0, n;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	while (len) {
		if (migf->pos == total) { /* complete: only a newer payload may follow */
			migf->pos = 0;
			migf->newer = true;
		}
		n = min_t(size_t, len, total - migf->pos);
		if (copy_from_user(migf->buf + migf->pos, ubuf + done, n)) {
			ret = -EFAULT;
			goto out;
		}
		migf->pos += n;
		done += n;
		len -= n;
		if (migf->newer && migf->pos >= 8 && migf->pos - n < 8 &&
		    get_unaligned_le64(migf->buf) != MCMIG_MAGIC) {
			ret = -EFBIG; /* more data than one payload of this device */
			goto out;
		}
	}
	ret = done;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations mcmig_save_fops = {
	.owner = THIS_MODULE,
	.read = mcmig_file_read,
	.unlocked_ioctl = mcmig_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = mcmig_file_release,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	.llseek = no_llseek,
#endif
};

static const struct file_operations mcmig_resume_fops = {
	.owner = THIS_MODULE,
	.write = mcmig_file_write,
	.release = mcmig_file_release,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	.llseek = no_llseek,
#endif
};

static struct mcmig_file *mcmig_file_new(struct mcmig_state *st, bool saving, bool precopy)
{
	struct mcmig_file *migf = kzalloc(sizeof(*migf), GFP_KERNEL);
	struct file *filp;

	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	migf->st = st;
	migf->saving = saving;
	migf->precopy = precopy;
	if (saving) {
		/* STOP_COPY: the state cannot change any more; take the
		 * payload's header now (a PRE_COPY session takes it on the
		 * first read, and again whenever the state changed). */
		if (!precopy) {
			mutex_lock(&st->data_lock);
			mcmig_payload_begin(migf);
			mutex_unlock(&st->data_lock);
		}
	} else {
		/* written in order: bytes below migf->pos are all written */
		migf->buf = vmalloc(payload_size());
		if (!migf->buf) {
			kfree(migf);
			return ERR_PTR(-ENOMEM);
		}
	}
	filp = anon_inode_getfile("mcmig_mig", saving ? &mcmig_save_fops : &mcmig_resume_fops,
				  migf, saving ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		vfree(migf->buf);
		kfree(migf);
		return ERR_CAST(filp);
	}
	stream_open(filp->f_inode, filp);
	migf->filp = filp;
	get_file(filp); /* the device's reference, dropped when the session ends */
	return migf;
}

/* End a session: later reads/writes fail; the device's reference goes. */
static void mcmig_file_end(struct mcmig_file **pmigf)
{
	struct mcmig_file *migf = *pmigf;

	if (!migf)
		return;
	mutex_lock(&migf->lock);
	migf->disabled = true;
	migf->st = NULL;
	mutex_unlock(&migf->lock);
	fput(migf->filp);
	*pmigf = NULL;
}

/* RESUMING -> STOP: check the written payload; on success it becomes pending. */
static int mcmig_resume_check(struct mcmig_state *st)
{
	struct mcmig_file *migf = st->resuming;
	struct mcmig_hdr hdr;
	const u64 *state;
	int ret = -EINVAL;

	mutex_lock(&migf->lock);
	if (migf->pos != payload_size()) {
		dev_info(st->dev, "restore refused: %lld bytes, want %zu\n",
			 (long long)migf->pos, payload_size());
		goto out;
	}
	memcpy(&hdr, migf->buf, sizeof(hdr));
	state = (const u64 *)(migf->buf + sizeof(hdr));
	if (le64_to_cpu(hdr.magic) != MCMIG_MAGIC) {
		dev_info(st->dev, "restore refused: bad magic\n");
		goto out;
	}
	if (le32_to_cpu(hdr.version) != st->version) {
		dev_info(st->dev, "restore refused: state format %u, this device %u\n",
			 le32_to_cpu(hdr.version), st->version);
		goto out;
	}
	if (le64_to_cpu(hdr.size) != state_size) {
		dev_info(st->dev, "restore refused: state size %llu, this device %lu\n",
			 le64_to_cpu(hdr.size), state_size);
		goto out;
	}
	if (le64_to_cpu(hdr.checksum) != mcmig_checksum(state)) {
		dev_info(st->dev, "restore refused: checksum mismatch\n");
		goto out;
	}
	vfree(st->pending_mem);
	st->pending_mem = migf->buf; /* the session's buffer moves to the device */
	migf->buf = NULL;
	st->pending_seed = le64_to_cpu(hdr.seed);
	ret = 0;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static bool is_state(enum vfio_device_mig_state s, int want)
{
	return (int)s == want;
}

/* One direct arc, st->lock held. */
static struct file *mcmig_step(struct mcmig_state *st, enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = st->mig_state;
	struct mcmig_file *migf;
	int ret;

	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_STOP_COPY) {
		migf = mcmig_file_new(st, true, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		st->saving = migf;
		return migf->filp; /* its first reference becomes the data_fd */
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY && next == VFIO_DEVICE_STATE_STOP) {
		mcmig_file_end(&st->saving);
		return NULL;
	}
#if MCMIG_PRE_COPY
	/* PRE_COPY: a save session while the device runs, on its own data_fd */
	if ((cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_PRE_COPY) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P && next == VFIO_DEVICE_STATE_PRE_COPY_P2P)) {
		migf = mcmig_file_new(st, true, true);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		st->saving = migf;
		return migf->filp;
	}
	if ((cur == VFIO_DEVICE_STATE_PRE_COPY && next == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P && next == VFIO_DEVICE_STATE_RUNNING_P2P)) {
		mcmig_file_end(&st->saving);
		return NULL;
	}
	if ((cur == VFIO_DEVICE_STATE_PRE_COPY && next == VFIO_DEVICE_STATE_PRE_COPY_P2P) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P && next == VFIO_DEVICE_STATE_PRE_COPY))
		return NULL;
	if ((cur == VFIO_DEVICE_STATE_PRE_COPY || cur == VFIO_DEVICE_STATE_PRE_COPY_P2P) &&
	    next == VFIO_DEVICE_STATE_STOP_COPY) {
		/* the same data_fd goes on; the state is frozen from now on */
		mutex_lock(&st->saving->lock);
		st->saving->precopy = false;
		mutex_unlock(&st->saving->lock);
		return NULL;
	}
#endif
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RESUMING) {
		vfree(st->pending_mem);
		st->pending_mem = NULL;
		migf = mcmig_file_new(st, false, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		st->resuming = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING && next == VFIO_DEVICE_STATE_STOP) {
		ret = mcmig_resume_check(st);
		mcmig_file_end(&st->resuming);
		if (ret) {
			st->refused++;
			st->mig_state = VFIO_DEVICE_STATE_ERROR;
			return ERR_PTR(ret);
		}
		st->restores++;
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP &&
	    (next == VFIO_DEVICE_STATE_RUNNING || next == VFIO_DEVICE_STATE_RUNNING_P2P)) {
		if (st->pending_mem) { /* the restored state goes live */
			mutex_lock(&st->data_lock);
			vfree(st->live_mem);
			st->live_mem = st->pending_mem;
			st->live = state_of(st->live_mem);
			st->seed = st->pending_seed;
			st->gen++;
			st->pending_mem = NULL;
			mutex_unlock(&st->data_lock);
		}
		return NULL;
	}
	if ((cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P && next == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P && next == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_STOP))
		return NULL; /* nothing runs on this device that would need quiescing */
	return ERR_PTR(-EINVAL);
}

static struct file *mcmig_set_state(struct vfio_device *vdev, enum vfio_device_mig_state new)
{
	struct mcmig_state *st = to_st(vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&st->lock);
	while (new != st->mig_state) {
		ret = vfio_mig_get_next_state(vdev, st->mig_state, new, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = mcmig_step(st, next);
		if (IS_ERR(res))
			break;
		st->mig_state = next;
		if (WARN_ON(res && new != next)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&st->lock);
	return res;
}

static int mcmig_get_state(struct vfio_device *vdev, enum vfio_device_mig_state *cur)
{
	struct mcmig_state *st = to_st(vdev);

	mutex_lock(&st->lock);
	*cur = st->mig_state;
	mutex_unlock(&st->lock);
	return 0;
}

#if MCMIG_PRE_COPY
static int mcmig_get_data_size(struct vfio_device *vdev, unsigned long *stop_copy_length)
{
	*stop_copy_length = payload_size();
	return 0;
}
#endif

static const struct vfio_migration_ops mcmig_mig_ops = {
	.migration_set_state = mcmig_set_state,
	.migration_get_state = mcmig_get_state,
#if MCMIG_PRE_COPY
	.migration_get_data_size = mcmig_get_data_size,
#endif
};

#if !MCMIG_PCI
/* ---- PCI config space ---- */

static void mcmig_cfg_init(u8 *cfg)
{
	memset(cfg, 0, MCMIG_CFG_SIZE);
	put_unaligned_le16(MCMIG_PCI_VENDOR, cfg + PCI_VENDOR_ID);
	put_unaligned_le16(MCMIG_PCI_DEVICE, cfg + PCI_DEVICE_ID);
	/* PCI_STATUS 0: no capabilities list; PCI_COMMAND 0 */
	cfg[PCI_REVISION_ID] = MCMIG_PCI_REVISION;
	cfg[PCI_CLASS_PROG] = MCMIG_PCI_CLASS & 0xff;
	put_unaligned_le16(MCMIG_PCI_CLASS >> 8, cfg + PCI_CLASS_DEVICE);
	cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	put_unaligned_le16(MCMIG_PCI_SUBVENDOR, cfg + PCI_SUBSYSTEM_VENDOR_ID);
	put_unaligned_le16(MCMIG_PCI_SUBDEVICE, cfg + PCI_SUBSYSTEM_ID);
	/* BARs, ROM, capabilities pointer, interrupt pin: 0 (none) */
}

/* Config space access, st->lock held. Only the command register's
 * INTx-disable, memory, I/O and bus-master bits are writable (there is
 * nothing behind them); the rest is read-only, as unimplemented registers of
 * a real function are. */
static void mcmig_cfg_write(struct mcmig_state *st, size_t off, u8 v)
{
	static const u16 cmd_mask =
	    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;

	if (off == PCI_COMMAND)
		st->cfg[off] = v & (cmd_mask & 0xff);
	else if (off == PCI_COMMAND + 1)
		st->cfg[off] = v & (cmd_mask >> 8);
}

static ssize_t mcmig_rw(struct vfio_device *vdev, char __user *rbuf, const char __user *wbuf,
			size_t count, loff_t *ppos)
{
	struct mcmig_state *st = to_st(vdev);
	u64 index = MCMIG_OFFSET_TO_INDEX((u64)*ppos);
	u64 off = (u64)*ppos & MCMIG_OFFSET_MASK;
	u8 tmp[MCMIG_CFG_SIZE];
	size_t i;

	if (index != VFIO_PCI_CONFIG_REGION_INDEX || off >= MCMIG_CFG_SIZE ||
	    count > MCMIG_CFG_SIZE - off)
		return -EINVAL;
	if (wbuf && copy_from_user(tmp, wbuf, count))
		return -EFAULT;
	mutex_lock(&st->lock);
	for (i = 0; i < count; i++) {
		if (wbuf)
			mcmig_cfg_write(st, off + i, tmp[i]);
		else
			tmp[i] = st->cfg[off + i];
	}
	mutex_unlock(&st->lock);
	if (rbuf && copy_to_user(rbuf, tmp, count))
		return -EFAULT;
	*ppos += count;
	return count;
}

static ssize_t mcmig_read(struct vfio_device *vdev, char __user *buf, size_t count, loff_t *ppos)
{
	return mcmig_rw(vdev, buf, NULL, count, ppos);
}

static ssize_t mcmig_write(struct vfio_device *vdev, const char __user *buf, size_t count,
			   loff_t *ppos)
{
	return mcmig_rw(vdev, NULL, buf, count, ppos);
}

#endif

/* Reset: sessions end, nothing pending, RUNNING, config space as at power
 * on; the state stays. */
static void mcmig_reset_locked(struct mcmig_state *st)
{
	mcmig_file_end(&st->saving);
	mcmig_file_end(&st->resuming);
	vfree(st->pending_mem);
	st->pending_mem = NULL;
	st->mig_state = VFIO_DEVICE_STATE_RUNNING;
#if !MCMIG_PCI
	mcmig_cfg_init(st->cfg);
#endif
}

/* ---- vfio_device ---- */

/* The device state, the FSM and the migration ops: the parts both kinds share. */
static int mcmig_state_init(struct mcmig_state *st, struct vfio_device *vdev, u64 seed)
{
	st->dev = vdev->dev;
	mutex_init(&st->lock);
	mutex_init(&st->data_lock);
	st->live_mem = vmalloc(payload_size());
	if (!st->live_mem)
		return -ENOMEM;
	st->live = state_of(st->live_mem);
	st->seed = seed;
	st->version = format_version;
	mcmig_generate(st->live, st->seed);
	st->mig_state = VFIO_DEVICE_STATE_RUNNING;
	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
#if MCMIG_PRE_COPY
	if (offer_precopy)
		vdev->migration_flags |= VFIO_MIGRATION_PRE_COPY;
#endif
	vdev->mig_ops = &mcmig_mig_ops;
	return 0;
}

static void mcmig_state_free(struct mcmig_state *st)
{
	vfree(st->pending_mem);
	vfree(st->live_mem);
	mutex_destroy(&st->data_lock);
	mutex_destroy(&st->lock);
}

#if !MCMIG_PCI
static int mcmig_init_dev(struct vfio_device *vdev)
{
	struct mcmig_state *st = to_st(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	u64 seed;
	int ret;

	memcpy(&seed, mdev->uuid.b, sizeof(seed));
	mcmig_cfg_init(st->cfg);
	ret = mcmig_state_init(st, vdev, seed);
	if (!ret && mdev->type == &mcmig_alt_type)
		st->version = alt_version;
	return ret;
}

static void mcmig_release_dev(struct vfio_device *vdev)
{
	mcmig_state_free(to_st(vdev));
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	vfio_free_device(vdev); /* the core frees it from 6.2 on */
#endif
}
#endif

static void mcmig_close_device(struct vfio_device *vdev)
{
	struct mcmig_state *st = to_st(vdev);

	/* The FSM state survives the close (the tests read it in sysfs);
	 * open sessions end: an unfinished save is a STOP (a RUNNING for a
	 * PRE_COPY one), an unfinished restore leaves a device that needs a
	 * reset. */
	mutex_lock(&st->lock);
	if (st->saving) {
		mcmig_file_end(&st->saving);
		st->mig_state = is_state(st->mig_state, VFIO_DEVICE_STATE_STOP_COPY)
				    ? VFIO_DEVICE_STATE_STOP
				    : VFIO_DEVICE_STATE_RUNNING;
	}
	if (st->resuming) {
		mcmig_file_end(&st->resuming);
		st->mig_state = VFIO_DEVICE_STATE_ERROR;
	}
	mutex_unlock(&st->lock);
}

#if !MCMIG_PCI
static long mcmig_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct mcmig_state *st = to_st(vdev);
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		/* BARs, ROM and VGA: size 0 (not implemented) */
		info.offset = MCMIG_INDEX_TO_OFFSET(info.index);
		info.size = 0;
		info.flags = 0;
		info.cap_offset = 0;
		if (info.index == VFIO_PCI_CONFIG_REGION_INDEX) {
			info.size = MCMIG_CFG_SIZE;
			info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		}
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		/* INTx, MSI, MSI-X: none (no pin, no capabilities); no error or
		 * request notification (EINVAL, as mtty does for ERR) */
		if (info.argsz < minsz || info.index > VFIO_PCI_MSIX_IRQ_INDEX)
			return -EINVAL;
		info.flags = 0;
		info.count = 0;
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS: {
		struct vfio_irq_set hdr;

		minsz = offsetofend(struct vfio_irq_set, count);
		if (copy_from_user(&hdr, (void __user *)arg, minsz))
			return -EFAULT;
		if (hdr.argsz < minsz || hdr.index > VFIO_PCI_MSIX_IRQ_INDEX)
			return -EINVAL;
		/* only "disable" (no interrupts to set up) */
		if (hdr.count == 0 && hdr.start == 0 &&
		    (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) == VFIO_IRQ_SET_DATA_NONE &&
		    (hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) == VFIO_IRQ_SET_ACTION_TRIGGER)
			return 0;
		return -EINVAL;
	}
	case VFIO_DEVICE_RESET:
		mutex_lock(&st->lock);
		mcmig_reset_locked(st);
		mutex_unlock(&st->lock);
		return 0;
	}
	return -ENOTTY;
}

static const struct vfio_device_ops mcmig_dev_ops = {
	.name = MCMIG_NAME,
	.init = mcmig_init_dev,
	.release = mcmig_release_dev,
	.close_device = mcmig_close_device,
	.read = mcmig_read,
	.write = mcmig_write,
	.ioctl = mcmig_ioctl,
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#endif
};

/* ---- mdev driver ---- */

static int mcmig_probe(struct mdev_device *mdev)
{
	struct mcmig_state *st;
	int ret;

	st = vfio_alloc_device(mcmig_state, vdev, &mdev->dev, &mcmig_dev_ops);
	if (IS_ERR(st))
		return PTR_ERR(st);
	dev_set_drvdata(&mdev->dev, st);
	ret = vfio_register_emulated_iommu_dev(&st->vdev);
	if (ret) {
		vfio_put_device(&st->vdev);
		return ret;
	}
	return 0;
}

static void mcmig_remove(struct mdev_device *mdev)
{
	struct mcmig_state *st = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&st->vdev);
	vfio_put_device(&st->vdev);
}

#endif

#if MCMIG_PCI
/* ---- vfio-pci variant driver ---- */

static int mcmig_pci_init_dev(struct vfio_device *vdev)
{
	struct pci_dev *pdev = to_pci_dev(vdev->dev);
	int ret = vfio_pci_core_init_dev(vdev);

	if (ret)
		return ret;
	/* a fixed seed per PCI address, like the mdev's from its UUID */
	return mcmig_state_init(to_st(vdev), vdev, 0x6d636d6967000000ULL | pci_dev_id(pdev));
}

static void mcmig_pci_release_dev(struct vfio_device *vdev)
{
	mcmig_state_free(to_st(vdev));
	vfio_pci_core_release_dev(vdev);
}

static int mcmig_pci_open_device(struct vfio_device *vdev)
{
	struct mcmig_state *st = to_st(vdev);
	int ret = vfio_pci_core_enable(&st->core);

	if (ret)
		return ret;
	vfio_pci_core_finish_enable(&st->core);
	return 0;
}

static void mcmig_pci_close_device(struct vfio_device *vdev)
{
	mcmig_close_device(vdev);
	vfio_pci_core_close_device(vdev);
}

static long mcmig_pci_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct mcmig_state *st = to_st(vdev);
	long ret = vfio_pci_core_ioctl(vdev, cmd, arg);

	if (cmd == VFIO_DEVICE_RESET && !ret) { /* the function reset: RUNNING again */
		mutex_lock(&st->lock);
		mcmig_reset_locked(st);
		mutex_unlock(&st->lock);
	}
	return ret;
}

static const struct vfio_device_ops mcmig_pci_ops = {
	.name = MCMIG_NAME,
	.init = mcmig_pci_init_dev,
	.release = mcmig_pci_release_dev,
	.open_device = mcmig_pci_open_device,
	.close_device = mcmig_pci_close_device,
	.ioctl = mcmig_pci_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
#endif
};

static int mcmig_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mcmig_state *st;
	int ret;

	st = vfio_alloc_device(mcmig_state, core.vdev, &pdev->dev, &mcmig_pci_ops);
	if (IS_ERR(st))
		return PTR_ERR(st);
	dev_set_drvdata(&pdev->dev, &st->core);
	ret = vfio_pci_core_register_device(&st->core);
	if (ret) {
		vfio_put_device(&st->core.vdev);
		return ret;
	}
	return 0;
}

static void mcmig_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(core);
	vfio_put_device(&core->vdev);
}

static struct mcmig_state *attr_state(struct device *dev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(dev);

	return container_of(core, struct mcmig_state, core);
}
#else
static struct mcmig_state *attr_state(struct device *dev)
{
	return dev_get_drvdata(dev);
}
#endif

static ssize_t seed_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mcmig_state *st = attr_state(dev);
	u64 seed;

	mutex_lock(&st->lock);
	seed = st->seed;
	mutex_unlock(&st->lock);
	return sysfs_emit(buf, "0x%016llx\n", seed);
}

static ssize_t seed_store(struct device *dev, struct device_attribute *attr, const char *buf,
			  size_t count)
{
	struct mcmig_state *st = attr_state(dev);
	u64 seed;
	int ret = kstrtou64(buf, 0, &seed);

	if (ret)
		return ret;
	mutex_lock(&st->lock);
	/* The state only changes while the device runs: RUNNING, and PRE_COPY
	 * (a save session then has newer data: dirty_bytes). */
	if (st->mig_state != VFIO_DEVICE_STATE_RUNNING &&
	    !is_state(st->mig_state, MCMIG_PRE_COPY ? 6 /* PRE_COPY */ : -1)) {
		ret = -EBUSY;
	} else {
		mutex_lock(&st->data_lock);
		st->seed = seed;
		mcmig_generate(st->live, seed);
		st->gen++;
		mutex_unlock(&st->data_lock);
	}
	mutex_unlock(&st->lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(seed);

static ssize_t checksum_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mcmig_state *st = attr_state(dev);
	u64 sum;

	mutex_lock(&st->lock);
	sum = mcmig_checksum(st->live);
	mutex_unlock(&st->lock);
	return sysfs_emit(buf, "0x%016llx\n", sum);
}
static DEVICE_ATTR_RO(checksum);

static ssize_t migration_state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mcmig_state *st = attr_state(dev);
	const char *name;

	mutex_lock(&st->lock);
	name = mcmig_state_name(st->mig_state);
	mutex_unlock(&st->lock);
	return sysfs_emit(buf, "%s\n", name);
}
static DEVICE_ATTR_RO(migration_state);

static ssize_t state_size_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", state_size);
}
static DEVICE_ATTR_RO(state_size);

static ssize_t restores_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mcmig_state *st = attr_state(dev);
	unsigned long n;

	mutex_lock(&st->lock);
	n = st->restores;
	mutex_unlock(&st->lock);
	return sysfs_emit(buf, "%lu\n", n);
}
static DEVICE_ATTR_RO(restores);

static ssize_t refused_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mcmig_state *st = attr_state(dev);
	unsigned long n;

	mutex_lock(&st->lock);
	n = st->refused;
	mutex_unlock(&st->lock);
	return sysfs_emit(buf, "%lu\n", n);
}
static DEVICE_ATTR_RO(refused);

static struct attribute *mcmig_dev_attrs[] = {
	&dev_attr_seed.attr,	 &dev_attr_checksum.attr, &dev_attr_migration_state.attr,
	&dev_attr_state_size.attr, &dev_attr_restores.attr, &dev_attr_refused.attr,
	NULL,
};

static const struct attribute_group mcmig_dev_group = {
	.name = MCMIG_GROUP,
	.attrs = mcmig_dev_attrs,
};

static const struct attribute_group *mcmig_dev_groups[] = {
	&mcmig_dev_group,
	NULL,
};

#if MCMIG_PCI
static const struct pci_device_id mcmig_pci_table[] = {
	/* QEMU's edu device: bound only through driver_override */
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(0x1234, 0x11e8) },
	{}
};
MODULE_DEVICE_TABLE(pci, mcmig_pci_table);

static struct pci_driver mcmig_pci_driver = {
	.name = MCMIG_NAME,
	.id_table = mcmig_pci_table,
	.probe = mcmig_pci_probe,
	.remove = mcmig_pci_remove,
	.err_handler = &vfio_pci_core_err_handlers,
	.driver_managed_dma = true,
	.dev_groups = mcmig_dev_groups, /* pci_register_driver copies it */
};

static int __init mcmig_init(void)
{
	if (state_size < 8 || state_size > MCMIG_MAX_SIZE || state_size % 8) {
		pr_err(MCMIG_NAME ": state_size=%lu: want a multiple of 8 from 8 to %lu\n",
		       state_size, MCMIG_MAX_SIZE);
		return -EINVAL;
	}
	if (format_version < 1 || format_version > 9999) {
		pr_err(MCMIG_NAME ": format_version=%u: want 1..9999\n", format_version);
		return -EINVAL;
	}
	return pci_register_driver(&mcmig_pci_driver);
}

static void __exit mcmig_exit(void)
{
	pci_unregister_driver(&mcmig_pci_driver);
}
#else
static ssize_t mcmig_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "state %lu bytes, format version %u\n", state_size,
			  mtype == &mcmig_alt_type ? alt_version : format_version);
}

static struct mdev_driver mcmig_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = MCMIG_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = mcmig_dev_groups,
	},
	.probe = mcmig_probe,
	.remove = mcmig_remove,
	.show_description = mcmig_show_description,
};

static void mcmig_parent_release(struct device *dev)
{
}

static int __init mcmig_init(void)
{
	int ret;

	if (state_size < 8 || state_size > MCMIG_MAX_SIZE || state_size % 8) {
		pr_err(MCMIG_NAME ": state_size=%lu: want a multiple of 8 from 8 to %lu\n",
		       state_size, MCMIG_MAX_SIZE);
		return -EINVAL;
	}
	if (format_version < 1 || format_version > 9999) {
		pr_err(MCMIG_NAME ": format_version=%u: want 1..9999\n", format_version);
		return -EINVAL;
	}
	if (max_instances < 1 || max_instances > 64) {
		pr_err(MCMIG_NAME ": max_instances=%u: want 1..64\n", max_instances);
		return -EINVAL;
	}
	if (alt_version > 9999 || alt_version == format_version) {
		pr_err(MCMIG_NAME ": alt_version=%u: want 0 or 1..9999 other than format_version\n",
		       alt_version);
		return -EINVAL;
	}
	snprintf(mcmig_type_name, sizeof(mcmig_type_name), "v%u", format_version);
	snprintf(mcmig_alt_type_name, sizeof(mcmig_alt_type_name), "v%u", alt_version);
	mcmig_driver.max_instances = max_instances;

	ret = mdev_register_driver(&mcmig_driver);
	if (ret)
		return ret;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	mcmig_class = class_create(THIS_MODULE, MCMIG_NAME);
#else
	mcmig_class = class_create(MCMIG_NAME);
#endif
	if (IS_ERR(mcmig_class)) {
		ret = PTR_ERR(mcmig_class);
		goto err_driver;
	}
	mcmig_parent_dev.class = mcmig_class;
	mcmig_parent_dev.release = mcmig_parent_release;
	dev_set_name(&mcmig_parent_dev, "%s", MCMIG_NAME);
	ret = device_register(&mcmig_parent_dev);
	if (ret)
		goto err_put;
	ret = mdev_register_parent(&mcmig_parent, &mcmig_parent_dev, &mcmig_driver, mcmig_types,
				   alt_version ? 2 : 1);
	if (ret)
		goto err_device;
	pr_info(MCMIG_NAME ": type %s-%s, state %lu bytes\n", MCMIG_NAME, mcmig_type_name,
		state_size);
	return 0;

err_device:
	device_del(&mcmig_parent_dev);
err_put:
	put_device(&mcmig_parent_dev);
	class_destroy(mcmig_class);
err_driver:
	mdev_unregister_driver(&mcmig_driver);
	return ret;
}

static void __exit mcmig_exit(void)
{
	mdev_unregister_parent(&mcmig_parent);
	device_unregister(&mcmig_parent_dev);
	class_destroy(mcmig_class);
	mdev_unregister_driver(&mcmig_driver);
}

#endif

module_init(mcmig_init);
module_exit(mcmig_exit);

MODULE_LICENSE("GPL v2");
MODULE_VERSION("1.1");
MODULE_DESCRIPTION("migcheck test mdev (vfio-pci) with VFIO migration v2 (STOP_COPY, P2P, PRE_COPY)");
MODULE_AUTHOR("migcheck");
