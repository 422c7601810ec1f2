// SPDX-License-Identifier: GPL-2.0-only
/*
 * mcmig - a mediated device with VFIO migration v2 (STOP_COPY, P2P), written
 * for migcheck's tests (Linux 6.1 mdev/vfio API). It has no I/O regions: its
 * whole point is a deterministic device state that can be saved, restored and
 * compared.
 *
 * Parent: /sys/class/mcmig/mcmig, one mdev type "mcmig-v<format_version>".
 * Per instance (mdev device attributes):
 *   seed             rw  u64 (hex); writing regenerates the state (RUNNING only)
 *   checksum         ro  hash of the live state bytes
 *   migration_state  ro  RUNNING, STOP, STOP_COPY, RESUMING, RUNNING_P2P, ERROR
 *   state_size       ro  bytes of device state
 *   restores         ro  restored payloads the device accepted
 *   refused          ro  restored payloads the device refused
 * Module parameters (read-only after load):
 *   state_size       bytes of device state (multiple of 8, 8 B .. 256 MiB)
 *   format_version   state format version (in the type name and the payload)
 *   max_instances    instances the parent offers
 *
 * Device data (what STOP_COPY reads and RESUMING accepts), little endian:
 *   u64 magic "MCMIGDEV", u32 format version, u32 reserved, u64 seed,
 *   u64 state size, u64 checksum, then the state bytes.
 * RESUMING -> STOP refuses (EINVAL, device state ERROR) anything that is not
 * exactly one such payload of this format version and size with a matching
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
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vmalloc.h>

#define MCMIG_NAME "mcmig"
#define MCMIG_MAGIC 0x56454447494d434dULL /* "MCMIGDEV" little endian */
#define MCMIG_MAX_SIZE (256UL << 20)

static unsigned long state_size = 1UL << 20;
module_param(state_size, ulong, 0444);
MODULE_PARM_DESC(state_size, "bytes of device state per instance (multiple of 8, at most 256 MiB)");
static unsigned int format_version = 1;
module_param(format_version, uint, 0444);
MODULE_PARM_DESC(format_version, "state format version (1..9999), part of the mdev type name");
static unsigned int max_instances = 4;
module_param(max_instances, uint, 0444);
MODULE_PARM_DESC(max_instances, "number of instances offered (1..64)");

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
 * while the session is active and drops it when the session ends. */
struct mcmig_file {
	struct file *filp;
	struct mutex lock;
	bool disabled;
	bool saving;
	struct mcmig_state *st; /* valid while !disabled */
	struct mcmig_hdr hdr;   /* saving: the header served first */
	u8 *buf;                /* resuming: header + state as written */
	size_t len;             /* resuming: bytes written so far (highest end) */
	loff_t pos;
};

struct mcmig_state {
	struct vfio_device vdev;
	struct mdev_device *mdev;
	struct mutex lock; /* everything below */
	enum vfio_device_mig_state mig_state;
	u64 seed;
	/* State buffers are laid out like the device data (header, then the
	 * state), so a restored payload becomes live without a copy. */
	u8 *live_mem;
	u64 *live;      /* state_size bytes in live_mem */
	u8 *pending_mem; /* restored, not yet live */
	u64 pending_seed;
	struct mcmig_file *saving, *resuming;
	unsigned long restores, refused;
};

static struct class *mcmig_class;
static struct device mcmig_parent_dev;
static struct mdev_parent mcmig_parent;
static char mcmig_type_name[16];
static struct mdev_type mcmig_type = { .sysfs_name = mcmig_type_name,
				       .pretty_name = "migcheck test device" };
static struct mdev_type *mcmig_types[] = { &mcmig_type };

static u64 *state_of(u8 *mem)
{
	return (u64 *)(mem + sizeof(struct mcmig_hdr));
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

static ssize_t mcmig_file_read(struct file *filp, char __user *ubuf, size_t len, loff_t *pos)
{
	struct mcmig_file *migf = filp->private_data;
	size_t hlen = sizeof(migf->hdr), total = hlen + state_size, done = 0, n;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	while (len && migf->pos < total) {
		const u8 *src;

		if (migf->pos < hlen) {
			src = (const u8 *)&migf->hdr + migf->pos;
			n = min_t(size_t, len, hlen - migf->pos);
		} else {
			src = (const u8 *)migf->st->live + (migf->pos - hlen);
			n = min_t(size_t, len, total - migf->pos);
		}
		if (copy_to_user(ubuf + done, src, n)) {
			ret = done ? done : -EFAULT;
			goto out;
		}
		migf->pos += n;
		done += n;
		len -= n;
	}
	ret = done;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t mcmig_file_write(struct file *filp, const char __user *ubuf, size_t len,
				loff_t *pos)
{
	struct mcmig_file *migf = filp->private_data;
	size_t total = sizeof(struct mcmig_hdr) + state_size;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	if (migf->pos < 0 || migf->pos > total || len > total - migf->pos) {
		ret = -EFBIG; /* more data than one payload of this device */
		goto out;
	}
	if (copy_from_user(migf->buf + migf->pos, ubuf, len)) {
		ret = -EFAULT;
		goto out;
	}
	migf->pos += len;
	migf->len = max_t(size_t, migf->len, migf->pos);
	ret = len;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations mcmig_save_fops = {
	.owner = THIS_MODULE,
	.read = mcmig_file_read,
	.release = mcmig_file_release,
	.llseek = no_llseek,
};

static const struct file_operations mcmig_resume_fops = {
	.owner = THIS_MODULE,
	.write = mcmig_file_write,
	.release = mcmig_file_release,
	.llseek = no_llseek,
};

static struct mcmig_file *mcmig_file_new(struct mcmig_state *st, bool saving)
{
	struct mcmig_file *migf = kzalloc(sizeof(*migf), GFP_KERNEL);
	struct file *filp;

	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	migf->st = st;
	migf->saving = saving;
	if (saving) {
		migf->hdr.magic = cpu_to_le64(MCMIG_MAGIC);
		migf->hdr.version = cpu_to_le32(format_version);
		migf->hdr.seed = cpu_to_le64(st->seed);
		migf->hdr.size = cpu_to_le64(state_size);
		migf->hdr.checksum = cpu_to_le64(mcmig_checksum(st->live));
	} else {
		/* written in order: bytes below migf->len are all written */
		migf->buf = vmalloc(sizeof(struct mcmig_hdr) + state_size);
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
	if (migf->len != sizeof(hdr) + state_size) {
		dev_info(mdev_dev(st->mdev), "restore refused: %zu bytes, want %zu\n", migf->len,
			 sizeof(hdr) + state_size);
		goto out;
	}
	memcpy(&hdr, migf->buf, sizeof(hdr));
	state = (const u64 *)(migf->buf + sizeof(hdr));
	if (le64_to_cpu(hdr.magic) != MCMIG_MAGIC) {
		dev_info(mdev_dev(st->mdev), "restore refused: bad magic\n");
		goto out;
	}
	if (le32_to_cpu(hdr.version) != format_version) {
		dev_info(mdev_dev(st->mdev), "restore refused: state format %u, this device %u\n",
			 le32_to_cpu(hdr.version), format_version);
		goto out;
	}
	if (le64_to_cpu(hdr.size) != state_size) {
		dev_info(mdev_dev(st->mdev), "restore refused: state size %llu, this device %lu\n",
			 le64_to_cpu(hdr.size), state_size);
		goto out;
	}
	if (le64_to_cpu(hdr.checksum) != mcmig_checksum(state)) {
		dev_info(mdev_dev(st->mdev), "restore refused: checksum mismatch\n");
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

/* One direct arc, st->lock held. */
static struct file *mcmig_step(struct mcmig_state *st, enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = st->mig_state;
	struct mcmig_file *migf;
	int ret;

	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_STOP_COPY) {
		migf = mcmig_file_new(st, true);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		st->saving = migf;
		return migf->filp; /* its first reference becomes the data_fd */
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY && next == VFIO_DEVICE_STATE_STOP) {
		mcmig_file_end(&st->saving);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RESUMING) {
		vfree(st->pending_mem);
		st->pending_mem = NULL;
		migf = mcmig_file_new(st, false);
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
			vfree(st->live_mem);
			st->live_mem = st->pending_mem;
			st->live = state_of(st->live_mem);
			st->seed = st->pending_seed;
			st->pending_mem = NULL;
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
	struct mcmig_state *st = container_of(vdev, struct mcmig_state, vdev);
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
	struct mcmig_state *st = container_of(vdev, struct mcmig_state, vdev);

	mutex_lock(&st->lock);
	*cur = st->mig_state;
	mutex_unlock(&st->lock);
	return 0;
}

static const struct vfio_migration_ops mcmig_mig_ops = {
	.migration_set_state = mcmig_set_state,
	.migration_get_state = mcmig_get_state,
};

/* Reset: sessions end, nothing pending, RUNNING; the state stays. */
static void mcmig_reset_locked(struct mcmig_state *st)
{
	mcmig_file_end(&st->saving);
	mcmig_file_end(&st->resuming);
	vfree(st->pending_mem);
	st->pending_mem = NULL;
	st->mig_state = VFIO_DEVICE_STATE_RUNNING;
}

/* ---- vfio_device ---- */

static int mcmig_init_dev(struct vfio_device *vdev)
{
	struct mcmig_state *st = container_of(vdev, struct mcmig_state, vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);

	st->mdev = mdev;
	mutex_init(&st->lock);
	st->live_mem = vmalloc(sizeof(struct mcmig_hdr) + state_size);
	if (!st->live_mem)
		return -ENOMEM;
	st->live = state_of(st->live_mem);
	memcpy(&st->seed, mdev->uuid.b, sizeof(st->seed));
	mcmig_generate(st->live, st->seed);
	st->mig_state = VFIO_DEVICE_STATE_RUNNING;
	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
	vdev->mig_ops = &mcmig_mig_ops;
	return 0;
}

static void mcmig_release_dev(struct vfio_device *vdev)
{
	struct mcmig_state *st = container_of(vdev, struct mcmig_state, vdev);

	vfree(st->pending_mem);
	vfree(st->live_mem);
	mutex_destroy(&st->lock);
	vfio_free_device(vdev);
}

static void mcmig_close_device(struct vfio_device *vdev)
{
	struct mcmig_state *st = container_of(vdev, struct mcmig_state, vdev);

	/* The FSM state survives the close (the tests read it in sysfs);
	 * open sessions end: an unfinished save is a STOP, an unfinished
	 * restore leaves a device that needs a reset. */
	mutex_lock(&st->lock);
	if (st->saving) {
		mcmig_file_end(&st->saving);
		st->mig_state = VFIO_DEVICE_STATE_STOP;
	}
	if (st->resuming) {
		mcmig_file_end(&st->resuming);
		st->mig_state = VFIO_DEVICE_STATE_ERROR;
	}
	mutex_unlock(&st->lock);
}

static long mcmig_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct mcmig_state *st = container_of(vdev, struct mcmig_state, vdev);
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PLATFORM;
		info.num_regions = 0;
		info.num_irqs = 0;
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
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
	.ioctl = mcmig_ioctl,
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

static struct mcmig_state *attr_state(struct device *dev)
{
	return dev_get_drvdata(dev);
}

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
	if (st->mig_state != VFIO_DEVICE_STATE_RUNNING) {
		ret = -EBUSY; /* the state only changes while the device runs */
	} else {
		st->seed = seed;
		mcmig_generate(st->live, seed);
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
	.name = MCMIG_NAME,
	.attrs = mcmig_dev_attrs,
};

static const struct attribute_group *mcmig_dev_groups[] = {
	&mcmig_dev_group,
	NULL,
};

static ssize_t mcmig_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "state %lu bytes, format version %u\n", state_size,
			  format_version);
}

static struct mdev_driver mcmig_driver = {
	.device_api = VFIO_DEVICE_API_PLATFORM_STRING,
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
	snprintf(mcmig_type_name, sizeof(mcmig_type_name), "v%u", format_version);
	mcmig_driver.max_instances = max_instances;

	ret = mdev_register_driver(&mcmig_driver);
	if (ret)
		return ret;
	mcmig_class = class_create(THIS_MODULE, MCMIG_NAME);
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
				   ARRAY_SIZE(mcmig_types));
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

module_init(mcmig_init);
module_exit(mcmig_exit);

MODULE_LICENSE("GPL v2");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("migcheck test mdev with VFIO migration v2 (STOP_COPY, P2P)");
MODULE_AUTHOR("migcheck");
