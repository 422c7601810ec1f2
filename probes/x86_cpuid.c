/* Probe "x86_cpuid": KVM_GET_SUPPORTED_CPUID, every entry's four registers. */
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

/* KVM passes some host CPUID fields through as the CPU the ioctl ran on
 * sees them: the APIC ID of that CPU (leaf 1 EBX[31:24], the x2APIC ID in
 * leaves 0xB and 0x1F EDX, AMD's extended APIC ID in 0x8000001E EAX). They
 * are no feature, QEMU replaces them with the vCPU's, and they would make two
 * probes of one host differ by the CPU they ran on: recorded as 0. */
static void clear_apic_ids(uint32_t fn, uint32_t v[4])
{
	if (fn == 0x1)
		v[1] &= 0x00ffffffu;
	else if (fn == 0xb || fn == 0x1f)
		v[3] = 0;
	else if (fn == 0x8000001eu)
		v[0] = 0;
}

int mc_x86_cpuid_facts(const mc_x86_cpuid_entry *e, size_t n, mc_facts *out, mc_error *err)
{
	static const char *const reg[4] = { "eax", "ebx", "ecx", "edx" };
	for (size_t i = 0; i < n; i++) {
		uint32_t v[4] = { e[i].eax, e[i].ebx, e[i].ecx, e[i].edx };
		clear_apic_ids(e[i].function, v);
		for (int j = 0; j < 4; j++) {
			char key[40];
			snprintf(key, sizeof(key), "0x%08x.0x%08x.%s", e[i].function, e[i].index,
				 reg[j]);
			int r = mc_probe_factf(out, "x86.cpuid", key, err, "0x%08x", v[j]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

#if defined(__x86_64__)
int mc_probe_run_x86_cpuid(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	struct kvm_cpuid2 *c = NULL;
	mc_x86_cpuid_entry *e = NULL;
	uint32_t nent = 64;
	int r, fd = mc_probe_open_kvm(env->kvm_dev, err);
	if (fd < 0)
		return fd;
	for (;;) {
		free(c);
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c) {
			r = mc_probe_nomem(err, "KVM_GET_SUPPORTED_CPUID");
			goto out;
		}
		c->nent = nent;
		if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		/* E2BIG: too small; the kernel caps nent at KVM_MAX_CPUID_ENTRIES
		 * (256 today), so 64k entries is far beyond anything real. */
		if (errno != E2BIG || nent >= 65536) {
			r = mc_error_set(err, 0, errno, "%s: KVM_GET_SUPPORTED_CPUID: %s",
					 env->kvm_dev, strerror(errno));
			goto out;
		}
		nent *= 2;
	}
	e = calloc(c->nent ? c->nent : 1, sizeof(*e));
	if (!e) {
		r = mc_probe_nomem(err, "KVM_GET_SUPPORTED_CPUID");
		goto out;
	}
	for (uint32_t i = 0; i < c->nent; i++)
		e[i] = (mc_x86_cpuid_entry){ c->entries[i].function, c->entries[i].index,
					     c->entries[i].eax,      c->entries[i].ebx,
					     c->entries[i].ecx,      c->entries[i].edx };
	r = mc_x86_cpuid_facts(e, c->nent, out, err);
out:
	free(e);
	free(c);
	close(fd);
	return r;
}
#else
int mc_probe_run_x86_cpuid(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	(void)env;
	(void)out;
	return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOTSUP, "not x86_64");
}
#endif
