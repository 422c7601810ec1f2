#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/base/sha256.h"
#include "core/fleet/gate.h"
#include "cmd/cmd.h"

int mc_run_full(mc_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
	g_autofree char *sibling = dir ? g_build_filename(dir, "migcheck-full", NULL) : NULL;
	const char *full =
	    sibling && access(sibling, X_OK) == 0 ? sibling : MC_PKGLIBEXECDIR "/migcheck-full";
	fflush(NULL);
	execv(full, ctx->argv);
	int e = errno;
	fprintf(stderr,
		"migcheck %s: cannot run %s: %s (it holds the verbs that use libvirt "
		"or libcurl; reinstall migcheck)\n",
		argv[0], full, g_strerror(e));
	return MC_EXIT_UNAVAILABLE;
}

int mc_report(const mc_error *err)
{
	fprintf(stderr, "migcheck: %s\n", err->msg[0] ? err->msg : "unknown error");
	return err->exit_code ? err->exit_code : MC_EXIT_SOFTWARE;
}

int mc_usage(const mc_verb *v, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "migcheck %s: ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'migcheck %s --help')\n", v->name);
	return MC_EXIT_USAGE;
}

int mc_bad_option(const mc_verb *v, char **argv, const struct option *longopts)
{
	/* getopt_long (opterr = 0) left the offending word at optind - 1. */
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (strncmp(arg, "--", 2) != 0) {
		/* a short option: unknown, or one whose value is missing (the
		 * long option with the same value says it takes one) */
		for (const struct option *o = longopts; optopt && o && o->name; o++)
			if (o->val == optopt && o->has_arg == required_argument && arg[0] == '-' &&
			    arg[1] == optopt && arg[2] == '\0')
				return mc_usage(v, "option '-%c' needs a value", optopt);
		if (optopt)
			return mc_usage(v, "unknown option '-%c'", optopt);
		return mc_usage(v, "unknown option '%s'", arg);
	}
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct option *hit = NULL;
	int matches = 0;
	for (const struct option *o = longopts; o && o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (strlen(o->name) == len) { /* exact */
			hit = o;
			matches = 1;
			break;
		}
		hit = o;
		matches++;
	}
	if (matches > 1)
		return mc_usage(v, "ambiguous option '--%.*s'", (int)len, name);
	if (!hit)
		return mc_usage(v, "unknown option '--%.*s'", (int)len, name);
	if (hit->has_arg == required_argument && !eq)
		return mc_usage(v, "option '--%s' needs a value", hit->name);
	if (hit->has_arg == no_argument && eq)
		return mc_usage(v, "option '--%s' takes no value", hit->name);
	return mc_usage(v, "bad option '%s'", arg);
}

bool mc_want_help(const mc_verb *v, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(v->usage, stdout);
			return true;
		}
	}
	return false;
}

/* The cache of the parsed CPU map DIR (README "Two programs"): in
 * $MIGCHECK_CACHE_DIR (empty: no cache), else MC_LOCALSTATEDIR/cache/migcheck
 * as root, else $XDG_CACHE_HOME/migcheck; one file per map directory. NULL
 * when there is none or its directory cannot be made. */
static char *cpu_map_cache(const char *dir)
{
	const char *env = g_getenv("MIGCHECK_CACHE_DIR");
	g_autofree char *base = NULL;
	if (env)
		base = g_strdup(env);
	else if (geteuid() == 0)
		base = g_strdup(MC_LOCALSTATEDIR "/cache/migcheck");
	else
		base = g_build_filename(g_get_user_cache_dir(), "migcheck", NULL);
	if (!*base || g_mkdir_with_parents(base, 0750) < 0)
		return NULL;
	char sum[MC_SHA256_HEX_LEN + 1];
	mc_sha256_hex(dir, strlen(dir), sum);
	sum[16] = '\0';
	g_autofree char *name = g_strdup_printf("cpu_map-%s.cache", sum);
	return g_build_filename(base, name, NULL);
}

const mc_plan_env *mc_ctx_plan_env(mc_ctx *ctx)
{
	if (!ctx->plan_env_loaded) {
		const char *dir = g_getenv("MIGCHECK_CPU_MAP");
		if (!dir || !*dir)
			dir = MC_CPUMODELS_DEFAULT_DIR;
		g_autofree char *cache = cpu_map_cache(dir);
		mc_error cerr = { 0 };
		if (!cache)
			mc_plan_env_load(&ctx->plan_env, dir);
		else if (mc_plan_env_load_cached(&ctx->plan_env, dir, cache, &cerr) == 1)
			mc_log(MC_LOG_DEBUG, "CPU map %s: read from the cache %s", dir, cache);
		else
			mc_log(MC_LOG_DEBUG, "CPU map %s: parsed (cache: %s)", dir,
			       cerr.msg[0] ? cerr.msg : "written");
		ctx->plan_env_loaded = true;
	}
	return &ctx->plan_env;
}

const mc_plan_env *mc_ctx_plan_env_for(mc_ctx *ctx, const mc_facts *src, const mc_facts *dst,
				       const mc_pins *pins)
{
	return mc_plan_needs_cpumodels(src, dst, pins) ? mc_ctx_plan_env(ctx) : NULL;
}

int mc_ctx_parse_pin(mc_ctx *ctx, mc_pins *pins, const char *spec, mc_error *err)
{
	mc_pins *one = mc_pins_new();
	int rc = mc_pins_parse(one, spec, err);
	if (rc == 0)
		rc = mc_plan_needs_cpumodels(NULL, NULL, one)
			 ? mc_plan_parse_pin(mc_ctx_plan_env(ctx), pins, spec, err)
			 : mc_pins_parse(pins, spec, err);
	mc_pins_free(one);
	return rc;
}

int mc_ctx_pin_option(mc_ctx *ctx, int opt, const char *arg, mc_pins *pins, mc_error *err)
{
	int rc;
	if (opt == 'p')
		rc = mc_ctx_parse_pin(ctx, pins, arg, err);
	else if (opt == 'P')
		rc = mc_ctx_load_pins(ctx, pins, arg, err);
	else
		return 0;
	return rc < 0 ? rc : 1;
}

int mc_ctx_load_pins(mc_ctx *ctx, mc_pins *pins, const char *path, mc_error *err)
{
	mc_pins *file = mc_pins_new();
	int rc = mc_pins_load_file(file, path, err);
	if (rc == 0 && mc_plan_needs_cpumodels(NULL, NULL, file)) {
		mc_error sub = { 0 };
		rc = mc_plan_check_pins(mc_ctx_plan_env(ctx), file, &sub);
		if (rc < 0 && sub.exit_code == MC_EXIT_USAGE)
			rc = mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "pins file %s: %s", path,
					  sub.msg);
		else if (rc < 0)
			*err = sub;
	}
	for (size_t i = 0; rc == 0 && i < mc_pins_count(file); i++) {
		const char *n, *v;
		mc_pins_at(file, i, &n, &v);
		rc = mc_pins_set(pins, n, v, err);
	}
	mc_pins_free(file);
	return rc;
}

int mc_ctx_check_guest_pins(mc_ctx *ctx, const mc_guest *g, const char *label, mc_error *err)
{
	if (!mc_plan_needs_cpumodels(NULL, NULL, g->meta_pins) &&
	    !mc_plan_needs_cpumodels(NULL, NULL, g->pins))
		return 0;
	return mc_guest_check_pins(g, mc_ctx_plan_env(ctx), label, err);
}

mc_gate_fleet *mc_load_classes(mc_db *db, mc_error *err)
{
	return mc_gate_fleet_load_classes(db, err);
}

mc_db *mc_ctx_open_db(mc_ctx *ctx, mc_db_mode mode, mc_error *err)
{
	g_autofree char *def = ctx->db_path ? NULL : mc_db_default_path();
	mc_db_set_classifier(mc_gate_classifier()); /* class keys stored (issue 15) */
	return mc_db_open(ctx->db_path ? ctx->db_path : def, mode, err);
}

void mc_named_profile_clear(mc_named_profile *p)
{
	mc_facts_free(p->facts);
	g_free(p->label);
	g_free(p->host);
	memset(p, 0, sizeof(*p));
}

static bool is_regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int from_file(const char *path, mc_named_profile *out, mc_error *err)
{
	mc_host_info host = { 0 };
	out->facts = mc_profile_load_file(path, &host, err);
	if (!out->facts)
		return -(err->errnum ? err->errnum : EIO);
	mc_host_info_clear(&host);
	if (mc_facts_count(out->facts) == 0)
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "%s: no facts", path);
	out->label = g_strdup_printf("file %s", path);
	return mc_profile_id(out->facts, out->id, err);
}

int mc_resolve_profile(mc_ctx *ctx, mc_db **db, const char *what, mc_named_profile *out,
		       mc_error *err)
{
	memset(out, 0, sizeof(*out));
	if (strchr(what, '/') || strcmp(what, "-") == 0)
		return from_file(what, out, err);
	mc_error dberr = { 0 };
	if (!*db)
		*db = mc_ctx_open_db(ctx, MC_DB_READ, &dberr);
	if (*db) {
		int r = mc_db_resolve(*db, what, out->id, &out->host, &dberr);
		if (r == 0) {
			out->facts = mc_db_load_profile(*db, out->id, err);
			if (!out->facts)
				return -(err->errnum ? err->errnum : EIO);
			out->in_db = true;
			out->label = out->host ? g_strdup_printf("host %s", out->host)
					       : g_strdup_printf("profile %.12s", out->id);
			return 0;
		}
	}
	/* Not in the inventory (or no inventory): a file in the current
	 * directory may be meant. Otherwise the inventory's error stands. */
	if (dberr.errnum == ENOENT && is_regular_file(what))
		return from_file(what, out, err);
	*err = dberr;
	return -dberr.errnum;
}

void mc_deprecated(const char *what, const char *instead)
{
	fprintf(stderr, "migcheck: %s is deprecated: %s\n", what, instead);
}
