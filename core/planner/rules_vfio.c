/* VFIO: can the guest's passed-through devices move with it? Each hostdev
 * (pin HOSTDEV=DEV[,DEV...], else every VFIO device of SRC) needs a
 * destination device of the same identity (pin HOSTDEV_DST=DEV|-,...: the one
 * migrate mapped it to, else its own choice) whose driver implements migration
 * v2 with the features in use, whose state stream the destination driver
 * accepts, and an IOMMU with the same cache-coherency behaviour. Facts:
 * vfio.dev/DEV.{kind,ids,mdev_type,driver,driver_version,migration,
 * dma_logging,coherent,open}, vfio/kvm_device, vfio/bar_stage2, iommu/dma_cc
 * (probes/vfio.c). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "core/model/profile.h"
#include "core/planner/rule.h"

#define FAMILY "vfio"
#define DOM "vfio.dev"

/* HOSTDEV_DST=DEV|-[,...]: the destination device of each HOSTDEV entry, in
 * the same order ("-": the rule's own choice); `migcheck migrate` sets it
 * to the device it maps the guest's host device to. */
static const char *const pin_names[] = { "HOSTDEV_DST", NULL };

static int check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	(void)env;
	(void)name;
	g_auto(GStrv) t = g_strsplit(value, ",", -1);
	for (char **a = t; *a; a++) {
		size_t n = strlen(*a);
		if (!n || n > 64 || (*a)[strspn(*a, "0123456789abcdef:.-")])
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "'%s' is not a device name (PCI address, lowercase "
					    "mdev UUID) or -",
					    *a);
	}
	return 0;
}

static int check_pins_on_src(const mc_plan_env *env, const mc_plan_profile *srcp,
			     const mc_pins *pins, mc_error *err)
{
	const mc_facts *src = mc_plan_profile_facts(srcp);
	(void)env;
	const char *v = mc_pins_get(pins, "HOSTDEV");
	const char *dv = mc_pins_get(pins, "HOSTDEV_DST");
	if (dv) {
		g_auto(GStrv) a = g_strsplit(v ? v : "", ",", -1);
		g_auto(GStrv) b = g_strsplit(dv, ",", -1);
		if (!v || g_strv_length(a) != g_strv_length(b))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "pin HOSTDEV_DST=%s: one destination device (or -) "
					    "for each HOSTDEV entry (%s)",
					    dv, v ? v : "none");
	}
	if (!v)
		return 0;
	g_auto(GStrv) devs = g_strsplit(v, ",", -1);
	for (char **d = devs; *d; d++)
		if (!mc_profile_vfio_get(src, *d, "kind"))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "pin HOSTDEV=%s: the source has no VFIO device %s", v,
					    *d);
	return 0;
}

/* Identity a destination device must match: "pci IDS" or "mdev TYPE DRIVER". */
static char *identity(const mc_facts *f, const char *dev)
{
	const char *kind = mc_profile_vfio_get(f, dev, "kind");
	if (!kind)
		return NULL;
	if (!strcmp(kind, "mdev"))
		return g_strdup_printf("mdev type %s",
				       mc_profile_vfio_get(f, dev, "mdev_type") ?: "?");
	return g_strdup_printf("%s", mc_profile_vfio_get(f, dev, "ids") ?: "?");
}

typedef struct mig {
	bool known, v1_only, stop_copy, p2p, pre_copy;
	const char *text;
} mig;

static mig mig_of(const mc_facts *f, const char *dev)
{
	mig m = { 0 };
	m.text = mc_profile_vfio_get(f, dev, "migration");
	if (!m.text)
		return m;
	m.known = true;
	m.v1_only = !strcmp(m.text, "v1-only");
	g_auto(GStrv) parts = g_strsplit(m.text, ",", -1);
	for (char **p = parts; *p; p++) {
		m.stop_copy |= !strcmp(*p, "stop_copy");
		m.p2p |= !strcmp(*p, "p2p");
		m.pre_copy |= !strcmp(*p, "pre_copy");
	}
	return m;
}

/* -1 unknown, else 0/1: the device's container, else the host's. */
static int coherent(const mc_facts *f, const char *dev)
{
	const char *v = dev ? mc_profile_vfio_get(f, dev, "coherent") : NULL;
	if (!v)
		v = mc_facts_get(f, "iommu", "dma_cc");
	return v ? (strcmp(v, "0") != 0) : -1;
}

/* arm64: the stage-2 memory type KVM gives a VFIO PCI BAR mapped into a guest.
 * The host's fact vfio/bar_stage2 (probes/vfio.c: the kernel's BTF has
 * KVM_PGTABLE_PROT_NORMAL_NC in enum kvm_pgtable_prot, or only
 * KVM_PGTABLE_PROT_DEVICE) when the profile has it. Otherwise a rule tied to
 * the kernel source: the series that added VM_ALLOW_ANY_UNCACHED ("mm:
 * introduce new flag to indicate wc safe"), KVM_PGTABLE_PROT_NORMAL_NC and
 * its use in arch/arm64/kvm/mmu.c user_mem_abort() ("KVM: arm64: Set io
 * memory s2 pte as normalnc for vfio pci device"), and vfio_pci_core_mmap()
 * setting the flag ("vfio: Convey kvm that the vfio-pci device is wc safe")
 * was merged for Linux 6.9: Normal-NC from 6.9, Device-nGnRE before. A
 * distribution kernel that backports the series below 6.9 is only seen right
 * through the fact. *src names where the answer came from. */
static const char *arm64_bar_type(const mc_facts *f, const char **src)
{
	const char *fact = mc_facts_get(f, "vfio", "bar_stage2");
	if (fact && (!strcmp(fact, "normal-nc") || !strcmp(fact, "device-ngnre"))) {
		*src = "vfio/bar_stage2";
		return !strcmp(fact, "normal-nc") ? "Normal-NC" : "Device-nGnRE";
	}
	const char *rel = mc_facts_get(f, "kernel", "release");
	unsigned maj = 0, min = 0;
	if (!rel || sscanf(rel, "%u.%u", &maj, &min) != 2)
		return NULL;
	*src = "kernel/release (Normal-NC from 6.9)";
	return (maj > 6 || (maj == 6 && min >= 9)) ? "Normal-NC" : "Device-nGnRE";
}

static void coherency_rule(mc_rule_ctx *ctx, const char *sdev, const char *ddev)
{
	int sc = coherent(ctx->src, sdev), dc = coherent(ctx->dst, ddev);
	bool x86 = !strcmp(mc_pp_arch(ctx->srcp), "x86_64");
	g_autofree char *facts = g_strdup_printf("SRC coherent=%s; DST coherent=%s",
						 sc < 0 ? "unknown"
						 : sc   ? "1"
							: "0",
						 dc < 0 ? "unknown"
						 : dc   ? "1"
							: "0");
	if (sc < 0 && dc < 0)
		return;
	if (sc < 0 || dc < 0) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, sdev, facts,
			    "probe both hosts with a free device of this kind", NULL,
			    "whether the IOMMU enforces cache coherency (VFIO_DMA_CC_IOMMU) "
			    "is unknown on the %s",
			    sc < 0 ? "source" : "destination");
		return;
	}
	if (sc == dc)
		return;
	if (sc && !dc)
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, facts,
			    "pick a destination whose IOMMU blocks no-snoop DMA (snoop control)",
			    NULL,
			    "the source IOMMU enforces cache coherency, the destination does not: "
			    "the device may bypass the CPU caches there%s, which the guest never "
			    "saw on the source, and without CPU cache flushing in VFIO (not "
			    "merged upstream) non-coherent DMA can read stale host data",
			    x86 ? "; KVM then honours guest WBINVD (full cache flushes, VM exits) "
				  "and guest PAT memory types"
				: "");
	else
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, sdev, facts,
			    "accept that guest cache-flush instructions lose their effect, or "
			    "pick a destination with the same IOMMU behaviour",
			    NULL,
			    "the source IOMMU lets the device do non-coherent DMA, the destination "
			    "enforces coherency: DMA stays correct, but %s",
			    x86 ? "KVM stops honouring guest WBINVD (a no-op) and forces guest "
				  "memory to write-back (guest PAT ignored)"
				: "cache maintenance the guest relied on becomes unnecessary");
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	g_autoptr(GPtrArray) hostdevs = NULL;
	const char *pin = mc_pins_get(ctx->pins, "HOSTDEV");
	const char *dpin = mc_pins_get(ctx->pins, "HOSTDEV_DST");
	g_auto(GStrv) chosen = dpin && pin ? g_strsplit(dpin, ",", -1) : NULL;
	if (pin) {
		hostdevs = g_ptr_array_new_with_free_func(g_free);
		g_auto(GStrv) devs = g_strsplit(pin, ",", -1);
		for (char **d = devs; *d; d++)
			g_ptr_array_add(hostdevs, g_strdup(*d));
	} else {
		hostdevs = mc_profile_vfio_devices(ctx->src);
	}
	if (!hostdevs->len) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "", NULL, NULL, NULL,
			    "no passed-through (VFIO) devices");
		return 0;
	}
	g_autoptr(GPtrArray) dst_devs = mc_profile_vfio_devices(ctx->dst);
	g_autoptr(GHashTable) taken = g_hash_table_new(g_str_hash, g_str_equal);
	size_t migratable = 0;
	for (guint i = 0; i < hostdevs->len; i++) {
		mig m = mig_of(ctx->src, hostdevs->pdata[i]);
		migratable += m.stop_copy;
	}
	size_t before = 0;
	for (guint i = 0; i < hostdevs->len; i++) {
		const char *sdev = hostdevs->pdata[i];
		size_t n0 = mc_plan_count(ctx->plan);
		mig sm = mig_of(ctx->src, sdev);
		const char *sdrv = mc_profile_vfio_get(ctx->src, sdev, "driver") ?: "?";
		if (!sm.known) {
			const char *why = mc_profile_vfio_get(ctx->src, sdev, "open");
			g_autofree char *facts =
			    g_strdup_printf("SRC %s.open=%s", sdev, why ? why : "(not probed)");
			mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, sdev, facts,
				    "probe the source while the device is free, or verify with "
				    "migcheck vfio info",
				    NULL,
				    "migration support of %s (%s) on the source is unknown: %s",
				    sdev, sdrv, why ? why : "not probed");
		} else if (sm.v1_only || !sm.stop_copy) {
			g_autofree char *facts =
			    g_strdup_printf("SRC %s.migration=%s; driver=%s", sdev, sm.text, sdrv);
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, facts,
				    "bind the device to a driver with VFIO migration v2 (a vendor "
				    "vfio-pci variant driver) or detach it before migrating",
				    NULL, "%s (%s) %s", sdev, sdrv,
				    sm.v1_only ? "offers only the deprecated v1 migration region, "
						 "which QEMU no longer supports"
					       : "has no VFIO migration support: its state cannot "
						 "move");
			continue;
		}
		/* A destination device of the same identity: the same address
		 * first, else the first free one. */
		g_autofree char *want = identity(ctx->src, sdev);
		const char *ddev = NULL;
		const char *pick =
		    chosen && i < g_strv_length(chosen) && strcmp(chosen[i], "-") != 0 ? chosen[i]
										       : NULL;
		if (pick) {
			/* the device migrate maps it to (pin HOSTDEV_DST) */
			g_autofree char *have = identity(ctx->dst, pick);
			g_autofree char *facts =
			    g_strdup_printf("HOSTDEV_DST=%s; SRC %s=%s; DST %s=%s", pick, sdev,
					    want ?: "?", pick, have ?: "absent");
			if (!have) {
				mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, facts,
					    "map the device to one the destination profile lists",
					    NULL, "the destination has no VFIO device %s for %s",
					    pick, sdev);
				continue;
			}
			if (!want || strcmp(have, want) != 0) {
				bool mdev = !strcmp(
				    mc_profile_vfio_get(ctx->dst, pick, "kind") ?: "", "mdev");
				mc_plan_add(
				    ctx->plan, FAMILY, MC_V_BLOCKED, sdev, facts,
				    "map the device to a destination device of the same "
				    "type",
				    NULL, "%s is mapped to %s, %s; the source device is %s: %s",
				    sdev, pick, have, want ?: "unknown",
				    mdev ? "another mdev type (its name carries the device "
					   "state format), whose driver refuses the source's "
					   "device state"
					 : "another device, which cannot take its state");
				continue;
			}
			ddev = pick;
		}
		for (int pass = 0; pass < 2 && !ddev && !pick; pass++)
			for (guint j = 0; j < dst_devs->len && !ddev; j++) {
				const char *c = dst_devs->pdata[j];
				g_autofree char *have = identity(ctx->dst, c);
				if (g_hash_table_contains(taken, c) || !have || !want ||
				    strcmp(have, want) != 0)
					continue;
				if (pass == 0 && strcmp(c, sdev) != 0)
					continue;
				ddev = c;
			}
		if (!ddev) {
			g_autofree char *facts = g_strdup_printf("SRC %s=%s", sdev, want ?: "?");
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, facts,
				    "bind a device of the same kind to a VFIO driver on the "
				    "destination",
				    NULL, "no free VFIO device %s on the destination for %s",
				    want ?: "?", sdev);
			continue;
		}
		g_hash_table_add(taken, (gpointer)ddev);
		mig dm = mig_of(ctx->dst, ddev);
		const char *ddrv = mc_profile_vfio_get(ctx->dst, ddev, "driver") ?: "?";
		g_autofree char *mfacts =
		    g_strdup_printf("SRC %s.migration=%s; DST %s.migration=%s", sdev,
				    sm.text ?: "unknown", ddev, dm.text ?: "unknown");
		if (!dm.known) {
			const char *why = mc_profile_vfio_get(ctx->dst, ddev, "open");
			mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, sdev, mfacts,
				    "probe the destination while the device is free", NULL,
				    "migration support of %s on the destination is unknown: %s",
				    ddev, why ? why : "not probed");
		} else if (!dm.stop_copy) {
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, mfacts,
				    "bind the destination device to a migration-capable driver",
				    NULL, "%s on the destination (%s) cannot resume device state",
				    ddev, ddrv);
			continue;
		}
		if (migratable > 1 && ((sm.known && !sm.p2p) || (dm.known && !dm.p2p)))
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, mfacts,
				    "give the guest one migratable device, or use drivers with P2P "
				    "on both hosts",
				    NULL,
				    "the guest has %zu migratable devices: every one needs the P2P "
				    "states (RUNNING_P2P) to quiesce peer DMA, and %s lacks them",
				    migratable,
				    (sm.known && !sm.p2p) ? "the source's" : "the destination's");
		if (sm.pre_copy && dm.known && !dm.pre_copy)
			mc_plan_add(
			    ctx->plan, FAMILY, MC_V_ACTION, sdev, mfacts,
			    "accept a longer downtime, or pick a destination whose driver "
			    "offers PRE_COPY",
			    NULL,
			    "PRE_COPY on the source but not on the destination: downtime grows "
			    "(no pre-copy phase on the way back, and the destination cannot "
			    "pre-load the initial data)");
		/* The state stream: same driver and version. */
		const char *sver = mc_profile_vfio_get(ctx->src, sdev, "driver_version");
		const char *dver = mc_profile_vfio_get(ctx->dst, ddev, "driver_version");
		g_autofree char *dfacts =
		    g_strdup_printf("SRC %s.driver=%s %s; DST %s.driver=%s %s", sdev, sdrv,
				    sver ?: "(no version)", ddev, ddrv, dver ?: "(no version)");
		if (strcmp(sdrv, ddrv) != 0)
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, sdev, dfacts,
				    "bind the destination device to the source's driver", NULL,
				    "the device state of %s comes from driver %s; %s on the "
				    "destination does not read it",
				    sdev, sdrv, ddrv);
		else if (!sver || !dver || strcmp(sver, dver) != 0) {
			g_autofree char *remedy = g_strdup_printf(
			    "verify with migcheck vfio check: `migcheck vfio save %s -o s.bin "
			    "--keep-running` on the source, `migcheck vfio check s.bin %s` on the "
			    "destination",
			    sdev, ddev);
			mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, sdev, dfacts, remedy, NULL,
				    "driver %s version %s on the source, %s on the destination: "
				    "whether the destination accepts the state stream is unknown",
				    sdrv, sver ?: "unknown", dver ?: "unknown");
		}
		const char *sl = mc_profile_vfio_get(ctx->src, sdev, "dma_logging");
		if (sl && !strcmp(sl, "0"))
			mc_plan_add(
			    ctx->plan, FAMILY, MC_V_ACTION, sdev, "SRC dma_logging=0",
			    "start the guest's device with enable-migration=on, or use "
			    "IOMMU dirty tracking",
			    NULL,
			    "%s has no device dirty tracking (DMA logging): QEMU must treat "
			    "all guest memory as dirty, downtime grows",
			    sdev);
		coherency_rule(ctx, sdev, ddev);
		if (mc_plan_count(ctx->plan) == n0)
			mc_plan_add(ctx->plan, FAMILY, MC_V_OK, sdev, NULL, NULL, NULL,
				    "%s can move to %s (%s %s, migration %s)", sdev, ddev, ddrv,
				    dver ?: "", dm.text ?: "unknown");
		before++;
	}
	(void)before;
	/* Host level: KVM's VFIO device and arm64 BAR memory types. */
	const char *skd = mc_pp_get(ctx->srcp, "vfio", "kvm_device");
	const char *dkd = mc_pp_get(ctx->dstp, "vfio", "kvm_device");
	if (dkd && !strcmp(dkd, "0")) {
		g_autofree char *facts = g_strdup_printf(
		    "SRC vfio/kvm_device=%s; DST vfio/kvm_device=0", skd ?: "unknown");
		bool nc = coherent(ctx->dst, NULL) == 0;
		mc_plan_add(ctx->plan, FAMILY, nc ? MC_V_BLOCKED : MC_V_ACTION, "kvm_device", facts,
			    "load a kernel with CONFIG_KVM_VFIO on the destination", NULL,
			    "KVM on the destination has no VFIO device (KVM_DEV_TYPE_VFIO): it "
			    "cannot learn about non-coherent DMA%s",
			    nc ? ", and the destination IOMMU allows it: guest WBINVD would be a "
				 "no-op while the device bypasses caches"
			       : "");
	}
	if (!strcmp(mc_pp_arch(ctx->srcp), "aarch64")) {
		const char *ss = NULL, *ds = NULL;
		const char *st = arm64_bar_type(ctx->src, &ss), *dt = arm64_bar_type(ctx->dst, &ds);
		if (st && dt && strcmp(st, dt) != 0) {
			g_autofree char *facts = g_strdup_printf(
			    "SRC %s: %s, kernel/release=%s; DST %s: %s, kernel/release=%s", ss, st,
			    mc_pp_get(ctx->srcp, "kernel", "release") ?: "?", ds, dt,
			    mc_pp_get(ctx->dstp, "kernel", "release") ?: "?");
			mc_plan_add(
			    ctx->plan, FAMILY, MC_V_ACTION, "bar_memory_type", facts,
			    "accept the changed device-memory attributes, or keep the guest "
			    "on hosts whose KVM maps VFIO BARs alike (vfio/bar_stage2; kernels on "
			    "the same side of 6.9)",
			    NULL,
			    "KVM maps VFIO BARs at stage 2 as %s on the source and %s on the "
			    "destination: the guest's write-combining / ordering of device "
			    "memory changes",
			    st, dt);
		}
	}
	return 0;
}

/* HOSTDEV is declared (and its syntax checked) by the qemu family, which reads
 * the same pin; this family only checks it against the source's devices. */
/* The VFIO devices and APIs, the IOMMU, the kernel release. */
static bool reads(const char *domain, const char *key)
{
	return strcmp(domain, "vfio") == 0 || strcmp(domain, DOM) == 0 ||
	       strcmp(domain, "iommu") == 0 ||
	       (strcmp(domain, "kernel") == 0 && (!key || strcmp(key, "release") == 0));
}

const mc_rule mc_rule_vfio = {
	.family = FAMILY,
	.pin_names = pin_names,
	.check_pin = check_pin,
	.check_pins_on_src = check_pins_on_src,
	.run = run,
	.reads = reads,
};
