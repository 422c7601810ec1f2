/* Independent witness for the probe tests: dumps what /dev/kvm answers, with
 * no migcheck code involved, so the probe's facts can be compared with the
 * raw ioctl results inside an emulated host.
 *   cap N VALUE      every KVM_CHECK_EXTENSION N (0..1023) that is non-zero
 *   msr 0xINDEX      every entry of KVM_GET_MSR_INDEX_LIST (x86 only)
 * Built static with the same compiler as the probe. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("kvmraw: /dev/kvm");
		return 1;
	}
	for (int n = 0; n < 1024; n++) {
		int v = ioctl(fd, KVM_CHECK_EXTENSION, n);
		if (v > 0)
			printf("cap %d %d\n", n, v);
	}
#if defined(__x86_64__)
	struct kvm_msr_list probe = { .nmsrs = 0 };
	if (ioctl(fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
		perror("kvmraw: KVM_GET_MSR_INDEX_LIST");
		return 1;
	}
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(__u32));
	if (!l)
		return 1;
	l->nmsrs = probe.nmsrs;
	if (ioctl(fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		perror("kvmraw: KVM_GET_MSR_INDEX_LIST");
		return 1;
	}
	for (__u32 i = 0; i < l->nmsrs; i++)
		printf("msr 0x%08x\n", l->indices[i]);
	free(l);
#endif
	close(fd);
	return 0;
}
