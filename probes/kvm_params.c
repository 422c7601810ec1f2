/* Probe "kvm_params": /sys/module/kvm* /parameters/ * as kvm.param facts. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/parsers.h"
#include "probes/probe.h"
#include "probes/util.h"

#define PARAM_MAX (64 * 1024)

static int read_params(const char *dir, const char *module, mc_facts *out, mc_error *err)
{
	int r = 0;
	DIR *d = opendir(dir);
	char *path = NULL, *text = NULL, *key = NULL, *value = NULL;
	if (!d) /* a module without parameters */
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		free(path);
		free(text);
		text = NULL;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			path = NULL;
			r = mc_probe_nomem(err, dir);
			goto out;
		}
		size_t len;
		mc_error sub = { 0 };
		if (mc_probe_read_file(path, PARAM_MAX, &text, &len, &sub) < 0) {
			if (sub.errnum == ENOMEM) {
				r = mc_probe_nomem(err, path);
				goto out;
			}
			continue; /* unreadable (write-only, directory, I/O error): skipped */
		}
		while (len && strchr(" \t\n\r\v\f", text[len - 1]))
			len--;
		size_t kcap = 4 * (strlen(module) + strlen(de->d_name)) + 2, kpos = 0;
		size_t vcap = 4 * len + 1, vpos = 0;
		free(key);
		free(value);
		key = malloc(kcap);
		value = malloc(vcap);
		if (!key || !value) {
			r = mc_probe_nomem(err, path);
			goto out;
		}
		value[0] = '\0';
		if (mc_probe_escape(key, kcap, &kpos, module, strlen(module)) < 0 ||
		    mc_probe_escape(key, kcap, &kpos, ".", 1) < 0 ||
		    mc_probe_escape(key, kcap, &kpos, de->d_name, strlen(de->d_name)) < 0 ||
		    mc_probe_escape(value, vcap, &vpos, text, len) < 0) {
			r = mc_error_set(err, MC_EXIT_SOFTWARE, ERANGE, "%s: escaping failed",
					 path);
			goto out;
		}
		if ((r = mc_probe_fact(out, "kvm.param", key, value, err)) < 0)
			goto out;
	}
out:
	free(path);
	free(text);
	free(key);
	free(value);
	closedir(d);
	return r;
}

int mc_probe_read_kvm_params(const char *sys_module, mc_facts *out, mc_error *err)
{
	int r = 0, nmod = 0;
	char *dir = NULL;
	DIR *d = opendir(sys_module);
	if (!d)
		return mc_error_set(err, 0, errno, "cannot read %s (%s)", sys_module,
				    strerror(errno));
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "kvm", 3) != 0)
			continue;
		nmod++;
		free(dir);
		if (asprintf(&dir, "%s/%s/parameters", sys_module, de->d_name) < 0) {
			dir = NULL;
			r = mc_probe_nomem(err, sys_module);
			goto out;
		}
		if ((r = read_params(dir, de->d_name, out, err)) < 0)
			goto out;
	}
	if (nmod == 0)
		r = mc_error_set(err, MC_EXIT_UNAVAILABLE, ENOENT, "no kvm module in %s",
				 sys_module);
out:
	free(dir);
	closedir(d);
	return r;
}

int mc_probe_run_kvm_params(const mc_probe_env *env, mc_facts *out, mc_error *err)
{
	return mc_probe_read_kvm_params(env->sys_module, out, err);
}
