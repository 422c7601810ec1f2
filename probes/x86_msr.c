/* Probe "x86_msr": the MSRs KVM saves/restores (KVM_GET_MSR_INDEX_LIST) and
 * the feature MSRs with their host-supported values
 * (KVM_GET_MSR_FEATURE_INDEX_LIST + KVM_GET_MSRS on the /dev/kvm fd).
 *
 * A feature MSR whose read fails (KVM_GET_MSRS reads 0 entries) is not
 * recorded: x86.msr_feature values are what KVM offers a guest, and KVM
 * offers nothing for it; the planner sees such an MSR as absent, which is how
 * a restore would treat it too. Hosts without KVM_CAP_GET_MSR_FEATURES (older
 * than 4.17) record no x86.msr_feature facts. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/parsers.h"
#include "probes/probe.h"
#include "probes/util.h"

#if defined(__x86_64__)
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#endif

int mc_x86_msr_facts(const uint32_t *idx, size_t n, mc_facts *out, mc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char key[16];
		snprintf(key, sizeof(key), "0x%08x", idx[i]);
		int r = mc_probe_fact(out, "x86.msr", key, "1", err);
		if (r < 0)
			return r;
	}
	return 0;
}

int mc_x86_msr_feature_fact(mc_facts *out, uint32_t idx, uint64_t value, mc_error *err)
{
	char key[16];
	snprintf(key, sizeof(key), "0x%08x", idx);
	return mc_probe_factf(out, "x86.msr_feature", key, err, "0x%016llx",
			      (unsigned long long)value);
}

#if defined(__x86_64__)
/* KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST: size query via
 * E2BIG, then the list (again if it grew in between). */
static int get_msr_list(int fd, unsigned long req, const char *what, const char *dev,
			struct kvm_msr_list **list_out, mc_error *err)
{
	struct kvm_msr_list *list = NULL;
	uint32_t n = 0;
	int r = 0;
	for (int attempt = 0; attempt < 8; attempt++) {
		free(list);
		list = calloc(1, sizeof(*list) + (size_t)n * sizeof(list->indices[0]));
		if (!list)
			return mc_probe_nomem(err, what);
		list->nmsrs = n;
		if (ioctl(fd, req, list) == 0) {
			*list_out = list;
			return 0;
		}
		if (errno != E2BIG) {
			r = mc_error_set(err, 0, errno, "%s: %s: %s", dev, what, strerror(errno));
			goto fail;
		}
		n = list->nmsrs; /* the kernel wrote the size it needs */
	}
	r = mc_error_set(err, 0, E2BIG, "%s: %s: list keeps growing", dev, what);
fail:
	free(list);
	return r;
}

int mc_probe_run_x86_msr(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	struct kvm_msr_list *list = NULL, *feat = NULL;
	struct kvm_msrs *m = NULL;
	int r, fd = mc_probe_open_kvm(env->kvm_dev, err);
	if (fd < 0)
		return fd;
	if ((r = get_msr_list(fd, KVM_GET_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST", env->kvm_dev,
			      &list, err)) < 0)
		goto out;
	if ((r = mc_x86_msr_facts(list->indices, list->nmsrs, out, err)) < 0)
		goto out;

	if (ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_GET_MSR_FEATURES) <= 0)
		goto out;
	if ((r = get_msr_list(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, "KVM_GET_MSR_FEATURE_INDEX_LIST",
			      env->kvm_dev, &feat, err)) < 0)
		goto out;
	m = calloc(1, sizeof(*m) + sizeof(m->entries[0]));
	if (!m) {
		r = mc_probe_nomem(err, "KVM_GET_MSRS");
		goto out;
	}
	for (uint32_t i = 0; i < feat->nmsrs; i++) {
		/* One MSR per call: KVM_GET_MSRS stops at the first failing one. */
		memset(m, 0, sizeof(*m) + sizeof(m->entries[0]));
		m->nmsrs = 1;
		m->entries[0].index = feat->indices[i];
		int n = ioctl(fd, KVM_GET_MSRS, m);
		if (n < 0) {
			r = mc_error_set(err, 0, errno, "%s: KVM_GET_MSRS 0x%08x: %s", env->kvm_dev,
					 feat->indices[i], strerror(errno));
			goto out;
		}
		if (n == 1 && (r = mc_x86_msr_feature_fact(out, feat->indices[i],
							   m->entries[0].data, err)) < 0)
			goto out;
	}
out:
	free(m);
	free(feat);
	free(list);
	close(fd);
	return r;
}
#else
int mc_probe_run_x86_msr(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	(void)env;
	(void)out;
	return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOTSUP, "not x86_64");
}
#endif
