/* The backend-neutral VFIO device object: identity + backend calls. */
#include "core/base/vfio_dev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_vfio_dev {
	const mc_vfio_backend_ops *ops;
	void *b;
	mc_vfio_ident id;
};

const char *mc_vfio_state_name(uint32_t state)
{
	static const char *const names[MC_VFIO_NSTATES] = {
		"ERROR",    "STOP",        "RUNNING",  "STOP_COPY",
		"RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};
	return state < MC_VFIO_NSTATES ? names[state] : "?";
}

void mc_vfio_mig_flags_format(uint64_t flags, char *buf, size_t size)
{
	static const char *const names[] = { "stop_copy", "p2p", "pre_copy" };
	size_t pos = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 3; i++) {
		if (!(flags & (1ull << i)))
			continue;
		int n = snprintf(buf + pos, size - pos, "%s%s", pos ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= size - pos)
			return;
		pos += (size_t)n;
	}
	uint64_t rest = flags & ~7ull;
	if (rest)
		snprintf(buf + pos, size - pos, "%s0x%llx", pos ? "," : "",
			 (unsigned long long)rest);
	else if (!pos)
		snprintf(buf, size, "none");
}

const char *mc_vfio_errno_name(int errnum, char buf[16])
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
#define E(x) { x, #x }
		E(EPERM),  E(ENOENT),  E(EINTR),     E(EIO),        E(ENXIO),     E(E2BIG),
		E(EBADF),  E(EAGAIN),  E(ENOMEM),    E(EACCES),     E(EFAULT),    E(EBUSY),
		E(EEXIST), E(ENODEV),  E(EINVAL),    E(ENOTTY),     E(EFBIG),     E(ENOSPC),
		E(EPIPE),  E(ERANGE),  E(ENOSYS),    E(ENOMSG),     E(EOVERFLOW), E(EOPNOTSUPP),
		E(EPROTO), E(EBADMSG), E(ETIMEDOUT), E(ECONNRESET), E(ESPIPE),
#undef E
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == errnum)
			return names[i].name;
	snprintf(buf, 16, "errno %d", errnum);
	return buf;
}

mc_vfio_dev *mc_vfio_dev_new(const mc_vfio_backend_ops *ops, void *b, const mc_vfio_ident *id)
{
	mc_vfio_dev *d = calloc(1, sizeof(*d));
	if (!d) {
		if (ops->free)
			ops->free(b);
		return NULL;
	}
	d->ops = ops;
	d->b = b;
	if (id)
		d->id = *id;
	return d;
}

void mc_vfio_dev_free(mc_vfio_dev *d)
{
	if (!d)
		return;
	if (d->ops->free)
		d->ops->free(d->b);
	free(d);
}

const mc_vfio_ident *mc_vfio_dev_ident(const mc_vfio_dev *d)
{
	return &d->id;
}

mc_vfio_ident *mc_vfio_dev_ident_mut(mc_vfio_dev *d)
{
	return &d->id;
}

const char *mc_vfio_dev_name(const mc_vfio_dev *d)
{
	return d->id.name[0] ? d->id.name : "device";
}

int mc_vfio_dev_mig_flags(mc_vfio_dev *d, uint64_t *flags)
{
	return d->ops->mig_flags(d->b, flags);
}

int mc_vfio_dev_get_state(mc_vfio_dev *d, uint32_t *state)
{
	return d->ops->get_state(d->b, state);
}

int mc_vfio_dev_set_state(mc_vfio_dev *d, uint32_t state, int *data_fd)
{
	*data_fd = -1;
	return d->ops->set_state(d->b, state, data_fd);
}

ssize_t mc_vfio_dev_read(mc_vfio_dev *d, int fd, void *buf, size_t n)
{
	return d->ops->read(d->b, fd, buf, n);
}

ssize_t mc_vfio_dev_write(mc_vfio_dev *d, int fd, const void *buf, size_t n)
{
	return d->ops->write(d->b, fd, buf, n);
}

int mc_vfio_dev_precopy_info(mc_vfio_dev *d, int fd, uint64_t *initial, uint64_t *dirty)
{
	if (!d->ops->precopy_info)
		return -ENOTTY;
	return d->ops->precopy_info(d->b, fd, initial, dirty);
}

void mc_vfio_dev_close_fd(mc_vfio_dev *d, int fd)
{
	if (fd >= 0)
		d->ops->close_fd(d->b, fd);
}

int mc_vfio_dev_reset(mc_vfio_dev *d)
{
	return d->ops->reset(d->b);
}

int mc_vfio_dev_dma_logging(mc_vfio_dev *d)
{
	return d->ops->dma_logging ? d->ops->dma_logging(d->b) : -ENOTTY;
}

int mc_vfio_dev_v1_region(mc_vfio_dev *d)
{
	return d->ops->v1_region ? d->ops->v1_region(d->b) : 0;
}

int mc_vfio_dev_coherent(mc_vfio_dev *d)
{
	return d->ops->coherent ? d->ops->coherent(d->b) : -ENOTTY;
}

int mc_vfio_dev_kvm_file(mc_vfio_dev *d, const char *kvm_dev)
{
	return d->ops->kvm_file ? d->ops->kvm_file(d->b, kvm_dev) : -ENOTTY;
}
