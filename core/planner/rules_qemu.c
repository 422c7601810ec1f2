/* qemu — what the destination's QEMU (as libvirt reports it, qemu.* facts)
 * must offer for the guest's configuration:
 *  - machine type (pin MACHINE, from the domain XML's <type machine=...>):
 *    the guest's machine type, resolved through the source's aliases (q35 ->
 *    pc-q35-7.2), must be a machine type of the destination's QEMU. That is
 *    the whole point of versioned machine types: an older QEMU on the
 *    destination is fine when it knows the type (ok). Unknown there, or only
 *    an alias there (which would resolve to another version) -> blocked.
 *    Deprecated there -> action (it works, but the type is on its way out).
 *  - CPU model (pin CPU, shared with x86.cpuid): a named model must be
 *    `usable` in the destination's domain capabilities, which is libvirt's
 *    own comparison of the model against that host's CPU for its virttype;
 *    `unusable` or not offered -> blocked, `unknown` -> action.
 *    host-passthrough needs that mode on the destination; host-model needs
 *    the source's host-model CPU model to be usable there. The feature-bit
 *    comparison itself is x86.cpuid's.
 *    A TCG guest (pin VIRTTYPE=qemu, from <domain type='qemu'>) on a KVM
 *    destination is judged by libvirt's answer for virttype qemu
 *    (qemu.cpu_tcg); a profile without it -> action.
 *  - domain type (pin VIRTTYPE): a KVM guest needs a destination whose libvirt
 *    offers KVM -> else blocked.
 *  - host devices (pin HOSTDEV=PCI address / mdev UUID list, from <hostdev
 *    type='pci'> and type='mdev';
 *    declared here, the devices themselves are judged by the vfio family):
 *    the destination's QEMU must support PCI host devices (qemu.device
 *    hostdev.subsysType pci; an mdev of model vfio-pci is one for QEMU).
 * A profile without qemu facts (probed without libvirt) is judged only where
 * the guest needs something: then the plan says what could not be checked. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/qemu_caps.h"
#include "core/planner/rule.h"

#define FAMILY "qemu"

static bool has_qemu(const mc_plan_profile *f)
{
	return mc_pp_has_domain(f, "qemu.machine") || mc_pp_get(f, "qemu", "version");
}

static const char *why_missing(const mc_plan_profile *f)
{
	const char *s = mc_pp_get(f, "probe.skip", "libvirt");
	return s ? s : "probed without the libvirt probe";
}

static const char *version_of(const mc_plan_profile *f)
{
	const char *v = mc_pp_get(f, "qemu", "version");
	return v ? v : "?";
}

static bool is_alias(const char *v, const char **target)
{
	if (!v || !g_str_has_prefix(v, "alias "))
		return false;
	if (target)
		*target = v + strlen("alias ");
	return true;
}

static void machine_rule(mc_rule_ctx *ctx, const char *m)
{
	const mc_plan_profile *src = ctx->srcp, *dst = ctx->dstp;
	bool sq = has_qemu(src), dq = has_qemu(dst);
	if (!dq) {
		g_autofree char *facts =
		    g_strdup_printf("MACHINE=%s; DST: no qemu facts (%s)", m, why_missing(dst));
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, m, facts,
			    "probe the destination with libvirtd running (migcheck probe), or "
			    "check the machine type by hand (virsh capabilities)",
			    NULL,
			    "cannot tell whether the destination's QEMU knows machine type %s: its "
			    "profile has no QEMU facts",
			    m);
		return;
	}
	const char *canon = m, *target;
	const char *sv = sq ? mc_pp_get(src, "qemu.machine", m) : NULL;
	const char *dv0 = mc_pp_get(dst, "qemu.machine", m);
	if (is_alias(sv, &target)) {
		canon = target;
	} else if (!sq && is_alias(dv0, &target)) {
		g_autofree char *facts = g_strdup_printf(
		    "MACHINE=%s; SRC: no qemu facts (%s); DST %s=%s", m, why_missing(src), m, dv0);
		g_autofree char *remedy =
		    g_strdup_printf("make sure the guest runs %s on the source (the running "
				    "domain XML names the resolved type)",
				    target);
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, m, facts, remedy, NULL,
			    "%s is an alias on the destination (for %s); what it resolved to on "
			    "the source is unknown",
			    m, target);
		return;
	}
	const char *dv = mc_pp_get(dst, "qemu.machine", canon);
	g_autofree char *facts = g_strdup_printf(
	    "MACHINE=%s%s%s; SRC QEMU %s%s; DST QEMU %s: %s=%s", m, canon != m ? " = " : "",
	    canon != m ? canon : "", version_of(src), sq ? "" : " (no qemu facts)", version_of(dst),
	    canon, dv ? dv : "absent");
	if (!dv) {
		const char *known = sq ? mc_pp_get(src, "qemu.machine", canon) : NULL;
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, canon, facts,
			    "start the guest with a machine type both QEMUs know (virsh "
			    "capabilities lists them), or migrate to a newer QEMU",
			    NULL, "the destination's QEMU %s has no machine type %s%s",
			    version_of(dst), canon,
			    sq && !known ? " (nor has the source's: unknown machine type)" : "");
		return;
	}
	if (is_alias(dv, &target)) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, canon, facts,
			    "start the guest with a versioned machine type both QEMUs know", NULL,
			    "%s is only an alias on the destination (for %s): the guest would get "
			    "another machine version there",
			    canon, target);
		return;
	}
	if (strcmp(dv, "deprecated") == 0) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, canon, facts,
			    "move the guest to a current machine type at its next cold boot", NULL,
			    "machine type %s is deprecated in the destination's QEMU %s: the "
			    "migration works, the type will go away",
			    canon, version_of(dst));
		return;
	}
	int c = sq ? mc_qemu_version_cmp(version_of(dst), version_of(src)) : 0;
	mc_plan_add(ctx->plan, FAMILY, MC_V_OK, canon, facts, NULL, NULL,
		    "the destination's QEMU %s knows machine type %s%s", version_of(dst), canon,
		    c < 0 ? " (an older QEMU than the source's: the versioned machine type keeps "
			    "the guest's ABI)"
			  : "");
}

/* The guest's libvirt domain type (pin VIRTTYPE, from <domain type=...>)
 * against the destination's: a KVM guest needs KVM there; a TCG guest runs
 * anywhere QEMU does. Says something only when the guest cannot run. */
static void virttype_rule(mc_rule_ctx *ctx)
{
	const char *gv = mc_pins_get(ctx->pins, "VIRTTYPE");
	const char *dv = mc_pp_get(ctx->dstp, "qemu", "virttype");
	if (!gv || !dv || strcmp(gv, dv) == 0 || strcmp(gv, "qemu") == 0)
		return;
	g_autofree char *facts = g_strdup_printf("VIRTTYPE=%s; DST qemu virttype %s", gv, dv);
	if (strcmp(gv, "kvm") == 0)
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, gv, facts,
			    "load the kvm modules on the destination (libvirt needs /dev/kvm) "
			    "and probe it again",
			    NULL,
			    "the guest runs under KVM; libvirt on the destination offers %s only",
			    dv);
	else
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, gv, facts,
			    "migrate the guest between hosts of its own hypervisor", NULL,
			    "the guest's domain type %s is not one QEMU on the destination runs "
			    "(virttype %s)",
			    gv, dv);
}

static void cpu_rule(mc_rule_ctx *ctx, const char *cpu)
{
	const mc_plan_profile *src = ctx->srcp, *dst = ctx->dstp;
	size_t a, b;
	mc_facts_domain_range(mc_plan_profile_facts(dst), "qemu.cpu_mode", &a, &b);
	if (a == b) {
		if (!has_qemu(dst))
			return; /* nothing to compare; x86.cpuid judges the features */
		g_autofree char *facts =
		    g_strdup_printf("CPU=%s; DST: no domain capabilities (%s)", cpu,
				    mc_pp_get(dst, "probe.skip", "libvirt_domcaps")
					? mc_pp_get(dst, "probe.skip", "libvirt_domcaps")
					: "not probed");
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, cpu, facts,
			    "probe the destination with read-write access to libvirt", NULL,
			    "cannot tell whether libvirt on the destination can run CPU %s", cpu);
		return;
	}
	const char *virt = mc_pp_get(dst, "qemu", "virttype");
	virt = virt ? virt : "?";
	if (g_ascii_strcasecmp(cpu, "host-passthrough") == 0) {
		bool ok = mc_pp_get(dst, "qemu.cpu_mode", "host-passthrough") != NULL;
		g_autofree char *facts = g_strdup_printf(
		    "CPU=host-passthrough; DST qemu.cpu_mode host-passthrough %s (virttype %s)",
		    ok ? "supported" : "absent", virt);
		if (ok)
			mc_plan_add(ctx->plan, FAMILY, MC_V_OK, cpu, facts, NULL, NULL,
				    "libvirt on the destination supports host-passthrough");
		else
			mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, cpu, facts,
				    "start the guest with a CPU model the destination can run",
				    NULL,
				    "libvirt on the destination cannot run a host-passthrough CPU "
				    "(virttype %s)",
				    virt);
		return;
	}
	const char *model = cpu;
	if (g_ascii_strcasecmp(cpu, "host-model") == 0) {
		model = mc_pp_get(src, "qemu.host_model", "model");
		if (!model) {
			mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, cpu, "SRC: no qemu.host_model",
				    "check the guest's running CPU definition (virsh dumpxml)",
				    NULL, "the source's host-model CPU is not known");
			return;
		}
	}
	/* A TCG guest on a KVM host: libvirt's answer for virttype qemu. */
	const char *dom = "qemu.cpu";
	const char *gv = mc_pins_get(ctx->pins, "VIRTTYPE");
	if (gv && strcmp(gv, "qemu") == 0 && strcmp(virt, "qemu") != 0) {
		mc_facts_domain_range(mc_plan_profile_facts(dst), "qemu.cpu_tcg", &a, &b);
		if (a == b) {
			g_autofree char *facts = g_strdup_printf(
			    "CPU=%s; VIRTTYPE=qemu; DST: qemu.cpu for virttype %s only, no "
			    "qemu.cpu_tcg",
			    cpu, virt);
			mc_plan_add(
			    ctx->plan, FAMILY, MC_V_ACTION, model, facts,
			    "run virsh hypervisor-cpu-compare --virttype qemu on the "
			    "destination, or probe it again with this migcheck",
			    NULL,
			    "cannot tell whether CPU model %s is usable for a TCG guest on the "
			    "destination: its profile has libvirt's answer for %s only",
			    model, virt);
			return;
		}
		dom = "qemu.cpu_tcg";
		virt = "qemu";
	}
	const char *v = mc_pp_get(dst, dom, model);
	g_autofree char *facts = g_strdup_printf(
	    "CPU=%s%s%s; DST %s %s=%s (virttype %s)", cpu, model != cpu ? " = " : "",
	    model != cpu ? model : "", dom, model, v ? v : "absent", virt);
	if (!v) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, model, facts,
			    "start the guest with a CPU model the destination's QEMU offers", NULL,
			    "the destination's QEMU %s has no CPU model %s", version_of(dst),
			    model);
	} else if (g_str_has_prefix(v, "unusable")) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, model, facts,
			    "start the guest with a CPU model usable on both hosts (virsh "
			    "domcapabilities lists usable='yes' models)",
			    NULL,
			    "libvirt reports CPU model %s not usable on the destination (its CPU "
			    "lacks features the model needs)",
			    model);
	} else if (g_str_has_prefix(v, "unknown")) {
		mc_plan_add(
		    ctx->plan, FAMILY, MC_V_ACTION, model, facts,
		    "check with virsh hypervisor-cpu-compare on the destination", NULL,
		    "libvirt does not know whether CPU model %s is usable on the destination",
		    model);
	} else if (strstr(v, "deprecated")) {
		mc_plan_add(ctx->plan, FAMILY, MC_V_ACTION, model, facts,
			    "move the guest to a current CPU model at its next cold boot", NULL,
			    "CPU model %s is usable on the destination but deprecated there",
			    model);
	} else {
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, model, facts, NULL, NULL,
			    "libvirt reports CPU model %s usable on the destination", model);
	}
}

/* PCI host devices: the destination's QEMU must be able to assign them. The
 * devices themselves (identity, VFIO migration support) are the vfio
 * family's (core/planner/rules_vfio.c), which reads the same pin. */
static void hostdev_rule(mc_rule_ctx *ctx, const char *list)
{
	const mc_plan_profile *dst = ctx->dstp;
	size_t a, b;
	mc_facts_domain_range(mc_plan_profile_facts(dst), "qemu.cpu_mode", &a, &b);
	if (a == b)
		return; /* no domain capabilities: nothing to say */
	const char *types = mc_pp_get(dst, "qemu.device", "hostdev.subsysType");
	g_auto(GStrv) t = g_strsplit(types ? types : "", ",", -1);
	g_auto(GStrv) devs = g_strsplit(list, ",", -1);
	bool pci = false, mdev = false;
	for (char **d = devs; *d; d++) {
		if (strlen(*d) == 36) /* an mdev UUID, else a PCI address */
			mdev = true;
		else
			pci = true;
	}
	g_autofree char *facts = g_strdup_printf(
	    "HOSTDEV=%s; DST qemu.device hostdev.subsysType=%s", list, types ? types : "absent");
	/* An mdev (model vfio-pci) is assigned with QEMU's vfio-pci, as a PCI
	 * host device is, and libvirt's domain capabilities never list "mdev"
	 * as a subsystem type: libvirt 11.3 with QEMU 10 says usb, pci, scsi
	 * while it runs a guest holding an mdev (tests/integration/vmm-vfio.sh). */
	const char *miss = !g_strv_contains((const char *const *)t, "pci")
			       ? (pci && mdev ? "PCI and mediated"
				  : mdev      ? "mediated (mdev)"
					      : "PCI")
			       : NULL;
	if (!miss)
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "hostdev", facts, NULL, NULL,
			    "the destination's QEMU can assign %s host devices",
			    pci && mdev ? "PCI and mediated"
			    : mdev      ? "mediated (mdev)"
					: "PCI");
	else
		mc_plan_add(ctx->plan, FAMILY, MC_V_BLOCKED, "hostdev", facts,
			    "migrate to a host whose QEMU supports these host devices", NULL,
			    "the destination's QEMU cannot assign %s host devices", miss);
}

static int run(mc_rule_ctx *ctx, mc_error *err)
{
	(void)err;
	const char *m = mc_pins_get(ctx->pins, "MACHINE");
	const char *cpu = mc_pins_get(ctx->pins, "CPU");
	const char *hd = mc_pins_get(ctx->pins, "HOSTDEV");
	size_t before = mc_plan_count(ctx->plan);
	virttype_rule(ctx);
	if (m)
		machine_rule(ctx, m);
	if (cpu)
		cpu_rule(ctx, cpu);
	if (hd)
		hostdev_rule(ctx, hd);
	if (mc_plan_count(ctx->plan) == before) {
		bool sq = has_qemu(ctx->srcp), dq = has_qemu(ctx->dstp);
		g_autofree char *facts = g_strdup_printf(
		    "SRC QEMU %s; DST QEMU %s", version_of(ctx->srcp), version_of(ctx->dstp));
		mc_plan_add(ctx->plan, FAMILY, MC_V_OK, "", facts, NULL, NULL, "%s",
			    sq && dq ? "no machine type, CPU model or host device pinned: nothing "
				       "QEMU-specific to check"
				     : "no QEMU facts and nothing QEMU-specific pinned");
	}
	return 0;
}

static const char *const pin_names[] = { "MACHINE", "HOSTDEV", "VIRTTYPE", NULL };

static bool pci_addr_ok(const char *s)
{
	unsigned d, b, sl, fn;
	char tail;
	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &sl, &fn, &tail) == 4 &&
	       sl < 32 && fn < 8;
}

/* an mdev UUID as the probe names it (sysfs: lowercase 8-4-4-4-12) */
static bool uuid_ok(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23)
			? s[i] != '-'
			: !(g_ascii_isdigit(s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int check_pin(const mc_plan_env *env, const char *name, const char *value, mc_error *err)
{
	(void)env; /* the form is all there is */
	if (strcmp(name, "MACHINE") == 0) {
		for (const char *p = value; *p; p++)
			if (!g_ascii_isalnum(*p) && !strchr("._-", *p))
				return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
						    "a machine type is letters, digits, '.', '_' "
						    "and '-'");
		return 0;
	}
	if (strcmp(name, "VIRTTYPE") == 0) {
		if (!*value || value[strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789")])
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "a libvirt domain type is lowercase letters and "
					    "digits (kvm, qemu)");
		return 0;
	}
	g_auto(GStrv) t = g_strsplit(value, ",", -1);
	for (char **a = t; *a; a++)
		if (!pci_addr_ok(*a) && !uuid_ok(*a))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "'%s' is not a PCI address DDDD:BB:SS.F or an mdev "
					    "UUID",
					    *a);
	return 0;
}

/* has_qemu for a profile that is not compiled. */
static bool has_qemu_facts(const mc_facts *f)
{
	size_t a, b;
	mc_facts_domain_range(f, "qemu.machine", &a, &b);
	return a != b || mc_facts_get(f, "qemu", "version");
}

/* The machine type a guest started on host f without a MACHINE pin gets:
 * its QEMU's default, resolved through its aliases; NULL when unknown. */
static const char *default_machine(const mc_facts *f)
{
	const char *def = mc_facts_get(f, "qemu", "default_machine"), *target;
	if (def && is_alias(mc_facts_get(f, "qemu.machine", def), &target))
		def = target;
	return def;
}

/* The newest machine type (of the first host's default family, e.g.
 * pc-q35-) that every host's QEMU knows by its own name, not deprecated
 * (NULL: none, or a host has no QEMU facts); a key of hosts[0]'s facts. */
static const char *newest_common_machine(const mc_facts *const *hosts, size_t n)
{
	if (!n)
		return NULL;
	for (size_t h = 0; h < n; h++)
		if (!has_qemu_facts(hosts[h]))
			return NULL;
	const char *def = default_machine(hosts[0]);
	g_autofree char *family = NULL;
	if (def && strrchr(def, '-'))
		family = g_strndup(def, (gsize)(strrchr(def, '-') - def + 1));
	const char *best = NULL;
	g_autofree char *best_key = NULL; /* numbers compare as numbers: 7.10 > 7.2 */
	size_t a, b;
	mc_facts_domain_range(hosts[0], "qemu.machine", &a, &b);
	for (size_t i = a; i < b; i++) {
		const mc_fact *f = mc_facts_at(hosts[0], i);
		if (strcmp(f->value, "1") != 0 || (family && !g_str_has_prefix(f->key, family)))
			continue;
		bool everywhere = true;
		for (size_t h = 1; h < n && everywhere; h++)
			everywhere =
			    g_strcmp0(mc_facts_get(hosts[h], "qemu.machine", f->key), "1") == 0;
		g_autofree char *key = g_utf8_collate_key_for_filename(f->key, -1);
		if (everywhere && (!best || strcmp(key, best_key) > 0)) {
			best = f->key;
			g_free(best_key);
			best_key = g_steal_pointer(&key);
		}
	}
	return best;
}

/* Compat: a guest started on the newer host without a MACHINE pin gets its
 * QEMU's default machine type; where the older QEMU does not know it by
 * that name (machine_rule blocks it), the newest type of its family both
 * know. */
static int compat(const mc_plan_env *env, const mc_plan_profile *newerp,
		  const mc_plan_profile *olderp, mc_pins *out, mc_error *err)
{
	(void)env;
	const mc_facts *pair[2] = { mc_plan_profile_facts(newerp), mc_plan_profile_facts(olderp) };
	if (!has_qemu_facts(pair[0]) || !has_qemu_facts(pair[1]))
		return 0;
	const char *def = default_machine(pair[0]);
	const char *ov = def ? mc_facts_get(pair[1], "qemu.machine", def) : NULL;
	if (!def || (ov && !is_alias(ov, NULL)))
		return 0; /* unknown, or the older knows it (perhaps deprecated: an action) */
	const char *best = newest_common_machine(pair, 2);
	return best ? mc_pins_set(out, "MACHINE", best, err) : 0;
}

/* Baseline: the newest machine type every host's QEMU knows. */
static int baseline(const mc_plan_env *env, const mc_facts *const *hosts, size_t n, mc_pins *out,
		    mc_error *err)
{
	(void)env;
	const char *best = newest_common_machine(hosts, n);
	return best ? mc_pins_set(out, "MACHINE", best, err) : 0;
}

/* QEMU's version, virttype and machine types, CPU models and modes, the
 * host model, devices; why the libvirt probes were skipped. */
static bool reads(const char *domain, const char *key)
{
	static const char *const doms[] = { "qemu",           "qemu.machine",  "qemu.cpu",
					    "qemu.cpu_tcg",   "qemu.cpu_mode", "qemu.device",
					    "qemu.host_model" };
	for (size_t i = 0; i < G_N_ELEMENTS(doms); i++)
		if (strcmp(domain, doms[i]) == 0)
			return true;
	return strcmp(domain, "probe.skip") == 0 &&
	       (!key || strcmp(key, "libvirt") == 0 || strcmp(key, "libvirt_domcaps") == 0);
}

const mc_rule mc_rule_qemu = {
	.family = FAMILY,
	.pin_names = pin_names,
	.check_pin = check_pin,
	.run = run,
	.compat = compat,
	.baseline = baseline,
	.reads = reads,
};
