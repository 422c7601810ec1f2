/* Probe "kvm_caps": KVM_CHECK_EXTENSION on /dev/kvm for every capability
 * number 0..1023, recorded as kvm.cap facts when non-zero. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "probes/parsers.h"
#include "probes/probe.h"
#include "probes/util.h"

#define MC_KVM_CAP_LIMIT 1024

static const struct cap_name {
	unsigned nr;
	const char *name;
} cap_names[] = {
#define MC_KVM_CAP(nr, name) { nr, name },
#include "probes/kvm_cap_names.h"
#undef MC_KVM_CAP
};

#define N_CAP_NAMES (sizeof(cap_names) / sizeof(cap_names[0]))

const char *mc_kvm_cap_name(unsigned nr)
{
	size_t lo = 0, hi = N_CAP_NAMES;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cap_names[mid].nr == nr)
			return cap_names[mid].name;
		if (cap_names[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mc_kvm_cap_number(const char *name)
{
	for (size_t i = 0; i < N_CAP_NAMES; i++)
		if (strcmp(cap_names[i].name, name) == 0)
			return (int)cap_names[i].nr;
	/* KVM_CAP_N, as recorded for a number without a known name */
	const char *p = name;
	if (strncmp(p, "KVM_CAP_", 8) != 0)
		return -ENOENT;
	p += 8;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1]))
		return -ENOENT;
	char *end;
	unsigned long n = strtoul(p, &end, 10);
	if (*end || n >= MC_KVM_CAP_LIMIT)
		return -ENOENT;
	return (int)n;
}

size_t mc_kvm_cap_count(void)
{
	return N_CAP_NAMES;
}

void mc_kvm_cap_at(size_t i, unsigned *nr, const char **name)
{
	*nr = i < N_CAP_NAMES ? cap_names[i].nr : 0;
	*name = i < N_CAP_NAMES ? cap_names[i].name : NULL;
}

int mc_kvm_cap_fact(mc_facts *out, unsigned nr, int value, mc_error *err)
{
	char key[32];
	if (value == 0)
		return 0;
	const char *name = mc_kvm_cap_name(nr);
	if (!name) {
		snprintf(key, sizeof(key), "KVM_CAP_%u", nr);
		name = key;
	}
	return mc_probe_factf(out, "kvm.cap", name, err, "%d", value);
}

int mc_probe_run_kvm_caps(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	int r = 0, fd = mc_probe_open_kvm(env->kvm_dev, err);
	if (fd < 0)
		return fd;
	for (unsigned nr = 0; nr < MC_KVM_CAP_LIMIT; nr++) {
		int v = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)nr);
		if (v < 0) {
			/* Unknown numbers return 0. Some capabilities only have an
			 * answer on a VM fd and fail on /dev/kvm (arm64:
			 * KVM_CAP_MSI_DEVID -> EINVAL): not recorded, like a 0. A fd
			 * that is not a KVM device at all fails on the first one. */
			if (nr == 0 || errno == ENOTTY || errno == EBADF) {
				r = mc_error_set(err, 0, errno, "%s: KVM_CHECK_EXTENSION %u: %s",
						 env->kvm_dev, nr, strerror(errno));
				goto out;
			}
			continue;
		}
		if ((r = mc_kvm_cap_fact(out, nr, v, err)) < 0)
			goto out;
	}
out:
	close(fd);
	return r;
}
