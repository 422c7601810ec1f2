#include "probes/libvirt.h"

#include <errno.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#include "core/base/log.h"
#include "probes/probe.h"
#include "probes/qemu_caps.h"
#include "probes/util.h"

static void quiet_handler(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

void mc_libvirt_quiet(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		virInitialize();
		virSetErrorFunc(NULL, quiet_handler);
		g_once_init_leave(&once, 1);
	}
}

const char *mc_libvirt_last_error(void)
{
	static __thread char buf[512];
	virErrorPtr e = virGetLastError();
	const char *m = e && e->message ? e->message : "unknown error";
	size_t n = 0;
	for (; m[n] && n + 1 < sizeof(buf); n++)
		buf[n] = (m[n] == '\n' || m[n] == '\t' || m[n] == '\r') ? ' ' : m[n];
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

static int skip(mc_facts *out, const char *probe, const char *why, mc_error *err)
{
	g_autofree char *reason = g_strstrip(g_strdup(why && *why ? why : "unknown error"));
	return mc_facts_set(out, "probe.skip", probe, *reason ? reason : "unknown error", err);
}

/* Domain capabilities need a read-write connection (libvirt's ACL). */
static char *get_domcaps(virConnectPtr ro, const char *uri, const char *arch, const char *virttype,
			 char **why)
{
	char *xml = virConnectGetDomainCapabilities(ro, NULL, arch, NULL, virttype, 0);
	if (xml)
		return xml;
	virErrorPtr e = virGetLastError();
	if (!e || e->code != VIR_ERR_OPERATION_DENIED) {
		*why = g_strdup(mc_libvirt_last_error());
		return NULL;
	}
	virConnectPtr rw = virConnectOpen(uri);
	if (!rw) {
		*why =
		    g_strdup_printf("needs a read-write connection: %s", mc_libvirt_last_error());
		return NULL;
	}
	xml = virConnectGetDomainCapabilities(rw, NULL, arch, NULL, virttype, 0);
	if (!xml)
		*why = g_strdup(mc_libvirt_last_error());
	virConnectClose(rw);
	return xml;
}

int mc_probe_libvirt(const char *uri, mc_facts *out, mc_error *err)
{
	mc_libvirt_quiet();
	virConnectPtr c = virConnectOpenReadOnly(uri);
	if (!c) {
		mc_log(MC_LOG_VERBOSE, "libvirt: cannot connect to %s: %s",
		       uri ? uri : "the default URI", mc_libvirt_last_error());
		return skip(out, MC_PROBE_LIBVIRT, mc_libvirt_last_error(), err);
	}
	mc_log(MC_LOG_VERBOSE, "libvirt: connected to %s (read-only)",
	       uri ? uri : "the default URI");
	mc_facts *scratch = mc_facts_new();
	char *caps = NULL, *domcaps = NULL, *arch = NULL, *virttype = NULL, *why = NULL;
	unsigned long hv = 0, lib = 0;
	char vbuf[32];
	mc_error sub = { 0 };
	int r = 0;
	if (virConnectGetVersion(c, &hv) < 0 || !hv) {
		r = skip(out, MC_PROBE_LIBVIRT,
			 hv ? mc_libvirt_last_error() : "no hypervisor version", err);
		goto out;
	}
	if (!(caps = virConnectGetCapabilities(c))) {
		r = skip(out, MC_PROBE_LIBVIRT, mc_libvirt_last_error(), err);
		goto out;
	}
	if (mc_qemu_caps_parse(caps, strlen(caps), "libvirt capabilities", scratch, &sub) < 0 ||
	    mc_qemu_caps_guest(caps, strlen(caps), "libvirt capabilities", &arch, &virttype, &sub) <
		0) {
		r = skip(out, MC_PROBE_LIBVIRT, sub.msg, err);
		goto out;
	}
	if ((r = mc_facts_set(scratch, "qemu", "version",
			      mc_qemu_version_str(hv, vbuf, sizeof vbuf), err)) < 0)
		goto out;
	if (virConnectGetLibVersion(c, &lib) == 0 &&
	    (r = mc_facts_set(scratch, "qemu", "libvirt_version",
			      mc_qemu_version_str(lib, vbuf, sizeof vbuf), err)) < 0)
		goto out;
	domcaps = get_domcaps(c, uri, arch, virttype, &why);
	mc_error_clear(&sub);
	if (!domcaps)
		r = skip(scratch, "libvirt_domcaps", why, err);
	else if (mc_qemu_caps_parse(domcaps, strlen(domcaps), "libvirt domain capabilities",
				    scratch, &sub) < 0)
		r = skip(scratch, "libvirt_domcaps", sub.msg, err);
	if (r < 0)
		goto out;
	/* A KVM host also runs TCG guests (domain type='qemu'): libvirt's
	 * usability answer for them is another one, recorded as qemu.cpu_tcg. */
	if (domcaps && virttype && strcmp(virttype, "kvm") == 0) {
		g_autofree char *why_tcg = NULL;
		char *tcg = get_domcaps(c, uri, arch, "qemu", &why_tcg);
		mc_error_clear(&sub);
		if (!tcg)
			r = skip(scratch, "libvirt_domcaps_tcg", why_tcg, err);
		else if (mc_qemu_caps_cpu_models(tcg, strlen(tcg),
						 "libvirt domain capabilities (tcg)",
						 "qemu.cpu_tcg", scratch, &sub) < 0)
			r = skip(scratch, "libvirt_domcaps_tcg", sub.msg, err);
		free(tcg);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < mc_facts_count(scratch) && r == 0; i++) {
		const mc_fact *f = mc_facts_at(scratch, i);
		r = mc_facts_set(out, f->domain, f->key, f->value, err);
	}
out:
	free(caps);
	free(domcaps);
	g_free(arch);
	g_free(virttype);
	g_free(why);
	mc_facts_free(scratch);
	virConnectClose(c);
	return r;
}

int mc_probe_run_libvirt(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	if (env->libvirt_skip)
		return skip(out, MC_PROBE_LIBVIRT, env->libvirt_skip, err);
	return mc_probe_libvirt(env->libvirt_uri, out, err);
}
