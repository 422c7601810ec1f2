/* Probe "vfio": every PCI device bound to vfio-pci or a vfio variant driver
 * and every mdev, their migration features and IOMMU cache coherency, plus
 * host-level VFIO/IOMMU facts. A device that cannot be opened (in use by a
 * guest, permissions) records why; a busy group or device is never touched
 * beyond the failed open. Facts:
 *   vfio.dev / DEV                  "DRIVER mig=FLAGS" (FLAGS: stop_copy,p2p,
 *                                   pre_copy | none | v1-only | unknown)
 *   vfio.dev / DEV.kind             pci | mdev
 *   vfio.dev / DEV.ids              "vvvv:dddd ssss:ssss" (PCI)
 *   vfio.dev / DEV.mdev_type        mdev type id (mdev)
 *   vfio.dev / DEV.driver           bound driver
 *   vfio.dev / DEV.driver_version   module version, else srcversion:X
 *   vfio.dev / DEV.iommu_group      N
 *   vfio.dev / DEV.open             ok | why it could not be opened
 *   vfio.dev / DEV.migration        FLAGS (when opened)
 *   vfio.dev / DEV.dma_logging      1 | 0 (when opened)
 *   vfio.dev / DEV.coherent         1 | 0: VFIO_DMA_CC_IOMMU of its container
 *                                   (iommufd: VT-d ECAP.SC from IOMMU_GET_HW_INFO)
 *   vfio.dev / DEV.kvm_file         1 | 0: a new VM's kvm-vfio device accepted
 *                                   the device's group (KVM_DEV_VFIO_FILE_ADD),
 *                                   as QEMU hands it over (absent: no KVM)
 *   vfio / kvm_device               1 | 0: KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO, TEST)
 *   vfio / group_api, cdev_api      1 when /dev/vfio/vfio, /dev/vfio/devices exist
 *   iommu / units                   /sys/class/iommu entries (dmar0,ivhd0,...)
 *   iommu / UNIT.snoop_control      1 | 0: Intel VT-d ECAP bit 7 (SC) of the
 *                                   unit (sysfs intel-iommu/ecap)
 *   iommu / groups                  number of IOMMU groups
 *   iommu / iommufd                 1 when /dev/iommu exists
 *   iommu / dma_cc                  1 | 0: every opened device's IOMMU
 *                                   enforces coherency (absent: none opened)
 *   vfio / bar_stage2               aarch64: the stage-2 memory type KVM gives
 *                                   a VFIO PCI BAR mapped into a guest:
 *                                   normal-nc | device-ngnre, read from the
 *                                   kernel's BTF (/sys/kernel/btf/vmlinux):
 *                                   enum kvm_pgtable_prot has
 *                                   KVM_PGTABLE_PROT_NORMAL_NC (arm64 KVM maps
 *                                   VM_ALLOW_ANY_UNCACHED VMAs, which
 *                                   vfio-pci-core's BAR mmap sets, Normal-NC:
 *                                   the series merged for Linux 6.9, files
 *                                   arch/arm64/include/asm/kvm_pgtable.h,
 *                                   arch/arm64/kvm/mmu.c user_mem_abort(),
 *                                   drivers/vfio/pci/vfio_pci_core.c) or only
 *                                   KVM_PGTABLE_PROT_DEVICE (Device-nGnRE);
 *                                   absent without BTF or without the enum */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/vfio_dev.h"
#include "probes/probe.h"
#include "probes/util.h"

#define DOM "vfio.dev"

static int dfact(mc_facts *out, const char *dev, const char *field, const char *value,
		 mc_error *err)
{
	char key[320];
	snprintf(key, sizeof(key), "%.255s.%.60s", dev, field);
	return mc_probe_fact(out, DOM, key, value, err);
}

/* A fact value from an error message: "NAME: " prefix dropped, one line,
 * no TAB, no trailing space. */
static void reason(const mc_error *e, const char *name, char *buf, size_t size)
{
	const char *m = e->msg;
	size_t nl = strlen(name);
	if (!strncmp(m, name, nl) && !strncmp(m + nl, ": ", 2))
		m += nl + 2;
	size_t n = 0;
	for (; m[n] && n + 1 < size; n++)
		buf[n] = (m[n] == '\t' || m[n] == '\n' || m[n] == '\r') ? ' ' : m[n];
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	if (!n)
		snprintf(buf, size, "errno %d", e->errnum);
}

static bool is_vfio_pci(const char *sys, const char *name, const char *driver)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/vfio-dev", sys, name);
	if (stat(p, &st) == 0)
		return true; /* 6.1+: every VFIO device has a vfio-dev child */
	size_t n = strlen(driver);
	return !strcmp(driver, "vfio-pci") || (n > 9 && !strcmp(driver + n - 9, "_vfio_pci"));
}

typedef struct acc {
	int cc;              /* -1 none known, else AND of the devices' coherency */
	const char *kvm_dev; /* for the kvm-vfio hand-over */
} acc;

static int probe_device(const mc_vfio_paths *p, const char *name, acc *a, mc_facts *out,
			mc_error *err)
{
	mc_vfio_ident id;
	int group, r;
	char buf[256], why[MC_ERROR_MSG_MAX]; /* reasons name paths: no truncation */
	mc_error e = { 0 };
	if (mc_vfio_sysfs_ident(p, name, &id, &group, &e) < 0)
		return 0; /* vanished or unbound meanwhile */
	bool mdev = id.type[0] != '\0';
	if ((r = dfact(out, name, "kind", mdev ? "mdev" : "pci", err)) < 0)
		return r;
	if (mdev)
		r = dfact(out, name, "mdev_type", id.type, err);
	else {
		snprintf(buf, sizeof(buf), "%04x:%04x %04x:%04x", id.vendor, id.device,
			 id.subvendor, id.subdevice);
		r = dfact(out, name, "ids", buf, err);
	}
	if (r < 0 || (r = dfact(out, name, "driver", id.driver, err)) < 0)
		return r;
	if (id.driver_version[0] &&
	    (r = dfact(out, name, "driver_version", id.driver_version, err)) < 0)
		return r;
	if (group >= 0) {
		snprintf(buf, sizeof(buf), "%d", group);
		if ((r = dfact(out, name, "iommu_group", buf, err)) < 0)
			return r;
	}
	mc_vfio_dev *d = mc_vfio_open(p, name, &e);
	if (!d) {
		reason(&e, name, why, sizeof(why));
		if ((r = dfact(out, name, "open", why, err)) < 0)
			return r;
		snprintf(buf, sizeof(buf), "%s mig=unknown", id.driver);
		return mc_probe_fact(out, DOM, name, buf, err);
	}
	char flags[96];
	uint64_t f = 0;
	int mr = mc_vfio_dev_mig_flags(d, &f);
	if (mr == 0)
		mc_vfio_mig_flags_format(f, flags, sizeof(flags));
	else
		snprintf(flags, sizeof(flags), "%s",
			 mc_vfio_dev_v1_region(d) > 0 ? "v1-only" : "none");
	int dl = mc_vfio_dev_dma_logging(d), cc = mc_vfio_dev_coherent(d);
	int kf = mc_vfio_dev_kvm_file(d, a->kvm_dev);
	mc_vfio_dev_free(d);
	if ((r = dfact(out, name, "open", "ok", err)) < 0 ||
	    (r = dfact(out, name, "migration", flags, err)) < 0)
		return r;
	if (dl >= 0 && (r = dfact(out, name, "dma_logging", dl ? "1" : "0", err)) < 0)
		return r;
	if (cc >= 0) {
		if ((r = dfact(out, name, "coherent", cc ? "1" : "0", err)) < 0)
			return r;
		a->cc = a->cc < 0 ? cc : (a->cc && cc);
	}
	if (kf != -ENOENT && kf != -ENODEV && kf != -ENOTTY &&
	    (r = dfact(out, name, "kvm_file", kf > 0 ? "1" : "0", err)) < 0)
		return r;
	snprintf(buf, sizeof(buf), "%s mig=%s", id.driver, flags);
	return mc_probe_fact(out, DOM, name, buf, err);
}

static int each_device(const mc_vfio_paths *p, const char *bus, acc *a, mc_facts *out,
		       mc_error *err)
{
	char dir[PATH_MAX], link[PATH_MAX + 300], drv[128];
	snprintf(dir, sizeof(dir), "%s/bus/%s/devices", p->sys_root, bus);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int r = 0;
	/* sorted order is not needed: facts are sorted */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s/driver", dir, de->d_name);
		ssize_t n = readlink(link, drv, sizeof(drv) - 1);
		if (n < 0)
			continue; /* unbound */
		drv[n] = '\0';
		const char *base = strrchr(drv, '/');
		base = base ? base + 1 : drv;
		if (!strcmp(bus, "pci") && !is_vfio_pci(p->sys_root, de->d_name, base))
			continue;
		if ((r = probe_device(p, de->d_name, a, out, err)) < 0)
			break;
	}
	closedir(d);
	return r;
}

static bool exists(const char *a, const char *b)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s%s", a, b);
	return stat(p, &st) == 0;
}

/* iommu / UNIT.snoop_control for each Intel VT-d unit of the comma list */
static int snoop_control(const char *sys, const char *units, mc_facts *out, mc_error *err)
{
	char list[1024], path[PATH_MAX], key[80], t[64];
	snprintf(list, sizeof(list), "%s", units);
	for (char *save = NULL, *u = strtok_r(list, ",", &save); u;
	     u = strtok_r(NULL, ",", &save)) {
		snprintf(path, sizeof(path), "%s/class/iommu/%s/intel-iommu/ecap", sys, u);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char *end = NULL;
		unsigned long long ecap = 0;
		bool ok = fgets(t, sizeof(t), f) != NULL;
		fclose(f);
		if (ok) {
			errno = 0;
			ecap = strtoull(t, &end, 16);
			ok = errno == 0 && end != t;
		}
		if (!ok)
			continue;
		snprintf(key, sizeof(key), "%.60s.snoop_control", u);
		int r = mc_probe_fact(out, "iommu", key, (ecap >> 7) & 1 ? "1" : "0", err);
		if (r < 0)
			return r;
	}
	return 0;
}

#if defined(__aarch64__)
static int bar_stage2(const char *sys, mc_facts *out, mc_error *err)
{
	char path[PATH_MAX], *btf = NULL;
	size_t len = 0;
	mc_error e = { 0 };
	snprintf(path, sizeof(path), "%s/kernel/btf/vmlinux", sys);
	if (mc_probe_read_file(path, 256u << 20, &btf, &len, &e) < 0)
		return 0; /* no BTF: the planner falls back to the release rule */
	const unsigned char *b = (const unsigned char *)btf;
	int nc = mc_btf_enum_has(b, len, "kvm_pgtable_prot", "KVM_PGTABLE_PROT_NORMAL_NC");
	int dv = mc_btf_enum_has(b, len, "kvm_pgtable_prot", "KVM_PGTABLE_PROT_DEVICE");
	free(btf);
	if (nc == 1)
		return mc_probe_fact(out, "vfio", "bar_stage2", "normal-nc", err);
	if (nc == 0 && dv == 1)
		return mc_probe_fact(out, "vfio", "bar_stage2", "device-ngnre", err);
	return 0;
}
#endif

int mc_probe_run_vfio(const struct mc_probe_env *env, mc_facts *out, mc_error *err)
{
	char devroot[PATH_MAX], units[1024], n[32];
	mc_vfio_paths p = { env->sys_root, "/dev" };
	acc a = { -1, env->kvm_dev };
	int r;
	/* Fixture sysfs trees keep their /dev next to them. */
	if (strcmp(env->sys_root, "/sys") != 0) {
		snprintf(devroot, sizeof(devroot), "%s/../dev", env->sys_root);
		p.dev_root = devroot;
	}
	if (!exists(env->sys_root, "/bus"))
		return mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOENT, "no sysfs at %s",
				    env->sys_root);
	if ((r = each_device(&p, "pci", &a, out, err)) < 0 ||
	    (r = each_device(&p, "mdev", &a, out, err)) < 0)
		return r;
	if (a.cc >= 0 && (r = mc_probe_fact(out, "iommu", "dma_cc", a.cc ? "1" : "0", err)) < 0)
		return r;
	if ((r = mc_probe_fact(out, "iommu", "iommufd", exists(p.dev_root, "/iommu") ? "1" : "0",
			       err)) < 0 ||
	    (r = mc_probe_fact(out, "vfio", "group_api",
			       exists(p.dev_root, "/vfio/vfio") ? "1" : "0", err)) < 0 ||
	    (r = mc_probe_fact(out, "vfio", "cdev_api",
			       exists(p.dev_root, "/vfio/devices") ? "1" : "0", err)) < 0)
		return r;
	/* IOMMU units and groups */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/class/iommu", env->sys_root);
	units[0] = '\0';
	DIR *d = opendir(dir);
	if (d) {
		/* collect, then sort for a stable value */
		char names[32][48];
		int cnt = 0;
		struct dirent *de;
		while ((de = readdir(d)) && cnt < 32)
			if (de->d_name[0] != '.')
				snprintf(names[cnt++], sizeof(names[0]), "%.47s", de->d_name);
		closedir(d);
		for (int i = 1; i < cnt; i++)
			for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
				char t[48];
				memcpy(t, names[j], sizeof(t));
				memcpy(names[j], names[j - 1], sizeof(t));
				memcpy(names[j - 1], t, sizeof(t));
			}
		size_t pos = 0;
		for (int i = 0; i < cnt && pos + 50 < sizeof(units); i++)
			pos += (size_t)snprintf(units + pos, sizeof(units) - pos, "%s%s",
						i ? "," : "", names[i]);
	}
	if ((r = mc_probe_fact(out, "iommu", "units", units[0] ? units : "none", err)) < 0)
		return r;
	if ((r = snoop_control(env->sys_root, units, out, err)) < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups", env->sys_root);
	int groups = 0;
	d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			groups += de->d_name[0] != '.';
		closedir(d);
	}
	snprintf(n, sizeof(n), "%d", groups);
	if ((r = mc_probe_fact(out, "iommu", "groups", n, err)) < 0)
		return r;
#if defined(__aarch64__)
	if ((r = bar_stage2(env->sys_root, out, err)) < 0)
		return r;
#endif
	int kd = mc_vfio_kvm_device(env->kvm_dev);
	if (kd >= 0 && (r = mc_probe_fact(out, "vfio", "kvm_device", kd ? "1" : "0", err)) < 0)
		return r;
	return 0;
}
