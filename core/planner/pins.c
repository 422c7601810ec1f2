#include "core/planner/pins.h"

#include <errno.h>
#include <stdbool.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner/rule.h"

struct mc_pins {
	GPtrArray *names; /* sorted, upper case */
	GPtrArray *values;
};

mc_pins *mc_pins_new(void)
{
	mc_pins *p = g_new0(mc_pins, 1);
	p->names = g_ptr_array_new_with_free_func(g_free);
	p->values = g_ptr_array_new_with_free_func(g_free);
	return p;
}

void mc_pins_free(mc_pins *p)
{
	if (!p)
		return;
	g_ptr_array_unref(p->names);
	g_ptr_array_unref(p->values);
	g_free(p);
}

mc_pins *mc_pins_dup(const mc_pins *p)
{
	mc_pins *d = mc_pins_new();
	for (guint i = 0; p && i < p->names->len; i++) {
		g_ptr_array_add(d->names, g_strdup(p->names->pdata[i]));
		g_ptr_array_add(d->values, g_strdup(p->values->pdata[i]));
	}
	return d;
}

int mc_pins_set(mc_pins *p, const char *name, const char *value, mc_error *err)
{
	/* the owning rule family checks the value's form */
	int rc = mc_rule_check_pin(NULL, name, value, err);
	if (rc < 0)
		return rc;
	g_autofree char *upper = g_ascii_strup(name, -1);
	guint i;
	for (i = 0; i < p->names->len; i++) {
		int c = strcmp(p->names->pdata[i], upper);
		if (c == 0) {
			g_free(p->values->pdata[i]);
			p->values->pdata[i] = g_strdup(value);
			return 0;
		}
		if (c > 0)
			break;
	}
	g_ptr_array_insert(p->names, (gint)i, g_steal_pointer(&upper));
	g_ptr_array_insert(p->values, (gint)i, g_strdup(value));
	return 0;
}

int mc_pins_parse(mc_pins *p, const char *spec, mc_error *err)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec)
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "malformed pin '%s': expected NAME=VALUE", spec);
	g_autofree char *name = g_strndup(spec, (gsize)(eq - spec));
	return mc_pins_set(p, name, eq + 1, err);
}

int mc_pins_load_file(mc_pins *p, const char *path, mc_error *err)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) gerr = NULL;
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		bool missing = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT);
		return mc_error_set(err, missing ? MC_EXIT_NOINPUT : MC_EXIT_IOERR,
				    missing ? ENOENT : EIO, "pins file %s: %s", path,
				    gerr->message);
	}
	if (memchr(text, '\0', len))
		return mc_error_set(err, MC_EXIT_DATAERR, EINVAL,
				    "pins file %s: not a text file (NUL byte)", path);
	mc_pins *tmp = mc_pins_dup(p);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	int rc = 0;
	for (size_t i = 0; lines[i] && rc == 0; i++) {
		char *l = g_strstrip(lines[i]);
		if (!*l || *l == '#')
			continue;
		mc_error sub = { 0 };
		if (mc_pins_parse(tmp, l, &sub) < 0)
			rc = mc_error_set(err, MC_EXIT_DATAERR, EINVAL, "pins file %s line %zu: %s",
					  path, i + 1, sub.msg);
	}
	if (rc == 0) { /* commit */
		GPtrArray *t = p->names;
		p->names = tmp->names;
		tmp->names = t;
		t = p->values;
		p->values = tmp->values;
		tmp->values = t;
	}
	mc_pins_free(tmp);
	return rc;
}

const char *mc_pins_get(const mc_pins *p, const char *name)
{
	if (!p)
		return NULL;
	char first = g_ascii_toupper(*name); /* names are kept upper case */
	for (guint i = 0; i < p->names->len; i++) {
		const char *n = p->names->pdata[i];
		if (*n == first && g_ascii_strcasecmp(n, name) == 0)
			return p->values->pdata[i];
	}
	return NULL;
}

size_t mc_pins_count(const mc_pins *p)
{
	return p ? p->names->len : 0;
}

void mc_pins_at(const mc_pins *p, size_t i, const char **name, const char **value)
{
	*name = p->names->pdata[i];
	*value = p->values->pdata[i];
}

char *mc_pins_format(const mc_pins *p)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; p && i < p->names->len; i++)
		g_string_append_printf(s, "%s%s=%s", i ? "," : "", (char *)p->names->pdata[i],
				       (char *)p->values->pdata[i]);
	return g_string_free(s, FALSE);
}

/* "0x10001", "65537", and versions "1.0" / "0.2" (major << 16 | minor). */
int mc_parse_u64(const char *s, unsigned long long *out)
{
	char *end = NULL;
	const char *dot = strchr(s, '.');
	errno = 0;
	if (dot && !g_str_has_prefix(s, "0x")) {
		unsigned long long major = strtoull(s, &end, 10);
		if (end != dot || errno)
			return -EINVAL;
		unsigned long long minor = strtoull(dot + 1, &end, 10);
		if (*end || errno || end == dot + 1 || major > 0xffff || minor > 0xffff)
			return -EINVAL;
		*out = major << 16 | minor;
		return 0;
	}
	if (*s == '-' || !*s)
		return -EINVAL;
	*out = strtoull(s, &end, 0);
	return (*end || errno) ? -EINVAL : 0;
}

int mc_pins_get_u64(const mc_pins *p, const char *name, unsigned long long *out)
{
	const char *v = mc_pins_get(p, name);
	if (!v)
		return -ENOENT;
	return mc_parse_u64(v, out);
}

static bool is_idreg_pin(const char *n)
{
	return g_str_has_prefix(n, "ID_") || g_str_has_prefix(n, "MVFR") ||
	       strcmp(n, "CTR_EL0") == 0;
}

/* The older of two machine types of one family ("pc-q35-7.2", "pc-q35-8.0":
 * the same text up to the last '-'), numbers compared as numbers; NULL for
 * types of two families, which no order relates. */
static const char *older_machine(const char *a, const char *b)
{
	const char *da = strrchr(a, '-'), *db = strrchr(b, '-');
	if (!da || !db || da - a != db - b || strncmp(a, b, (size_t)(da - a)) != 0)
		return NULL;
	g_autofree char *ka = g_utf8_collate_key_for_filename(a, -1);
	g_autofree char *kb = g_utf8_collate_key_for_filename(b, -1);
	return strcmp(ka, kb) <= 0 ? a : b;
}

static gint str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mc_pins_meet(mc_pins *acc, const char *n, const char *v, mc_error *err)
{
	const char *have = mc_pins_get(acc, n);
	if (!have)
		return mc_pins_set(acc, n, v, err);
	if (strcmp(have, v) == 0)
		return 0;
	unsigned long long a, b;
	bool nums = mc_parse_u64(have, &a) == 0 && mc_parse_u64(v, &b) == 0;
	g_autofree char *val = NULL;
	if (strcmp(n, "CPU_DISABLE") == 0) {
		g_auto(GStrv) x = g_strsplit(have, ",", -1);
		g_auto(GStrv) y = g_strsplit(v, ",", -1);
		GPtrArray *all = g_ptr_array_new();
		for (char **t = x; *t; t++)
			g_ptr_array_add(all, *t);
		for (char **t = y; *t; t++)
			if (!g_strv_contains((const char *const *)x, *t))
				g_ptr_array_add(all, *t);
		g_ptr_array_sort(all, str_cmp);
		g_ptr_array_add(all, NULL);
		val = g_strjoinv(",", (char **)all->pdata);
		g_ptr_array_unref(all);
	} else if (strcmp(n, "PSCI_VERSION") == 0 && nums) {
		val = g_strdup_printf("0x%llx", a < b ? a : b);
	} else if (g_str_has_suffix(n, "_BMAP") || g_str_has_suffix(n, "_BMAP_2")) {
		if (nums)
			val = g_strdup_printf("0x%llx", a & b);
	} else if (is_idreg_pin(n) && nums) {
		unsigned long long m = 0;
		for (unsigned sh = 0; sh < 64; sh += 4) {
			unsigned long long fa = a >> sh & 0xf, fb = b >> sh & 0xf;
			m |= (fa < fb ? fa : fb) << sh;
		}
		val = g_strdup_printf("0x%llx", m);
	} else if (strcmp(n, "MACHINE") == 0) {
		const char *m = older_machine(have, v);
		val = m ? g_strdup(m) : NULL;
	} else if (g_ascii_strcasecmp(v, "off") == 0) {
		val = g_strdup("off");
	}
	return val ? mc_pins_set(acc, n, val, err) : 0; /* else the first stands */
}
