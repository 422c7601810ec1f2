#include "core/libvirt/hostmap.h"
#include "core/model/profile.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

typedef struct entry {
	char *src, *dst, *how;
} entry;

struct mc_hostmap {
	GPtrArray *ovr_src, *ovr_dst; /* --hostdev-map pairs */
	GHashTable *held;             /* destination device -> holder domain */
	GArray *entries;              /* of entry, in the guest's order */
};

mc_hostmap *mc_hostmap_new(void)
{
	mc_hostmap *m = g_new0(mc_hostmap, 1);
	m->ovr_src = g_ptr_array_new_with_free_func(g_free);
	m->ovr_dst = g_ptr_array_new_with_free_func(g_free);
	m->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->entries = g_array_new(FALSE, TRUE, sizeof(entry));
	return m;
}

static void clear_entries(mc_hostmap *m)
{
	for (guint i = 0; i < m->entries->len; i++) {
		entry *e = &g_array_index(m->entries, entry, i);
		g_free(e->src);
		g_free(e->dst);
		g_free(e->how);
	}
	g_array_set_size(m->entries, 0);
}

void mc_hostmap_free(mc_hostmap *m)
{
	if (!m)
		return;
	clear_entries(m);
	g_array_free(m->entries, TRUE);
	g_ptr_array_free(m->ovr_src, TRUE);
	g_ptr_array_free(m->ovr_dst, TRUE);
	g_hash_table_destroy(m->held);
	g_free(m);
}

static bool pci_ok(const char *s)
{
	unsigned d, b, sl, fn;
	char tail;
	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &sl, &fn, &tail) == 4 &&
	       sl < 32 && fn < 8;
}

int mc_hostmap_add_override(mc_hostmap *m, const char *arg, mc_error *err)
{
	const char *eq = strchr(arg, '=');
	g_autofree char *s = eq ? g_ascii_strdown(arg, eq - arg) : NULL;
	g_autofree char *d = eq ? g_ascii_strdown(eq + 1, -1) : NULL;
	if (!s || (!mc_mdev_uuid_ok(s) && !pci_ok(s)) || (!mc_mdev_uuid_ok(d) && !pci_ok(d)))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "--hostdev-map '%s': expected SRC=DST, each an mdev UUID or a "
				    "PCI address DDDD:BB:SS.F",
				    arg);
	if (mc_mdev_uuid_ok(s) != mc_mdev_uuid_ok(d))
		return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
				    "--hostdev-map '%s': an mdev maps to an mdev, a PCI device to "
				    "a PCI device",
				    arg);
	for (guint i = 0; i < m->ovr_src->len; i++)
		if (!strcmp(m->ovr_src->pdata[i], s))
			return mc_error_set(err, MC_EXIT_USAGE, EINVAL,
					    "--hostdev-map: %s is mapped twice", s);
	g_ptr_array_add(m->ovr_src, g_steal_pointer(&s));
	g_ptr_array_add(m->ovr_dst, g_steal_pointer(&d));
	return 0;
}

void mc_hostmap_add_held(mc_hostmap *m, const char *dev, const char *holder)
{
	g_hash_table_replace(m->held, g_ascii_strdown(dev, -1), g_strdup(holder));
}

/* mdev type or PCI ids */
static const char *type_of(const mc_facts *f, const char *dev)
{
	const char *kind = mc_profile_vfio_get(f, dev, "kind");
	return kind && !strcmp(kind, "mdev") ? mc_profile_vfio_get(f, dev, "mdev_type")
					     : mc_profile_vfio_get(f, dev, "ids");
}

static bool can_migrate(const char *mig)
{
	if (!mig)
		return false;
	g_auto(GStrv) parts = g_strsplit(mig, ",", -1);
	return g_strv_contains((const char *const *)parts, "stop_copy");
}

/* Who already has destination device `dev` in this migration, or NULL. */
static const char *taken_by(const mc_hostmap *m, const char *dev)
{
	for (guint i = 0; i < m->entries->len; i++) {
		const entry *e = &g_array_index(m->entries, entry, i);
		if (e->dst && !strcmp(e->dst, dev))
			return e->src;
	}
	return NULL;
}

/* Why destination device `c` cannot take source device `s` (NULL: it fits). */
static char *refusal(const mc_hostmap *m, const mc_facts *src, const char *s, const mc_facts *dst,
		     const char *c)
{
	const char *sk = mc_profile_vfio_get(src, s, "kind"),
		   *dk = mc_profile_vfio_get(dst, c, "kind");
	const char *st = type_of(src, s), *dt = type_of(dst, c);
	const char *sd = mc_profile_vfio_get(src, s, "driver"),
		   *dd = mc_profile_vfio_get(dst, c, "driver");
	const char *sv = mc_profile_vfio_get(src, s, "driver_version"),
		   *dv = mc_profile_vfio_get(dst, c, "driver_version");
	const char *holder = g_hash_table_lookup(m->held, c), *other = taken_by(m, c);
	if (!dk || !sk || strcmp(sk, dk) != 0)
		return g_strdup_printf("a %s device", dk ? dk : "unknown");
	if (!st || !dt || strcmp(st, dt) != 0)
		return g_strdup_printf("%s %s", !strcmp(dk, "mdev") ? "mdev type" : "ids",
				       dt ? dt : "unknown");
	if (!sd || !dd || strcmp(sd, dd) != 0)
		return g_strdup_printf("driver %s", dd ? dd : "unknown");
	if (sv && dv && strcmp(sv, dv) != 0)
		return g_strdup_printf("driver version %s", dv);
	if (holder)
		return g_strdup_printf("held by running domain '%s'", holder);
	if (other)
		return g_strdup_printf("already chosen for %s", other);
	const char *open = mc_profile_vfio_get(dst, c, "open");
	if (open && strcmp(open, "ok") != 0)
		return g_strdup_printf("not free when probed (%s)", open);
	const char *mig = mc_profile_vfio_get(dst, c, "migration");
	if (!mig)
		return g_strdup("migration support not probed");
	if (!can_migrate(mig))
		return g_strdup_printf("no VFIO migration support (migration=%s)", mig);
	return NULL;
}

static void add_entry(mc_hostmap *m, const char *src, const char *dst, char *how)
{
	entry e = { g_strdup(src), g_strdup(dst), how };
	g_array_append_val(m->entries, e);
}

int mc_hostmap_choose(mc_hostmap *m, const mc_guest *g, const mc_facts *src, const mc_facts *dst,
		      mc_error *err)
{
	clear_entries(m);
	for (guint i = 0; i < m->ovr_src->len; i++) {
		size_t j = 0;
		while (j < g->n_hostdevs && strcmp(g->hostdevs[j].id, m->ovr_src->pdata[i]) != 0)
			j++;
		if (j == g->n_hostdevs)
			return mc_error_set(
			    err, MC_EXIT_USAGE, EINVAL,
			    "--hostdev-map %s=%s: the guest holds no host device %s",
			    (char *)m->ovr_src->pdata[i], (char *)m->ovr_dst->pdata[i],
			    (char *)m->ovr_src->pdata[i]);
	}
	g_autoptr(GPtrArray) cands = mc_profile_vfio_devices(dst);
	/* overrides first: an automatic choice never takes a mapped device */
	for (size_t i = 0; i < g->n_hostdevs; i++)
		add_entry(m, g->hostdevs[i].id, NULL, NULL);
	for (size_t i = 0; i < g->n_hostdevs; i++) {
		entry *e = &g_array_index(m->entries, entry, i);
		for (guint k = 0; k < m->ovr_src->len; k++) {
			if (strcmp(m->ovr_src->pdata[k], e->src) != 0)
				continue;
			const char *d = m->ovr_dst->pdata[k];
			const char *holder = g_hash_table_lookup(m->held, d);
			const char *other = taken_by(m, d);
			if (holder || other)
				return mc_error_set(
				    err, MC_EXIT_NODEVICE, EBUSY,
				    "host device %s: --hostdev-map to %s: %s '%s'", e->src, d,
				    holder ? "held by running domain" : "already mapped for",
				    holder ? holder : other);
			e->dst = g_strdup(d);
			e->how = g_strdup("--hostdev-map");
		}
	}
	for (size_t i = 0; i < g->n_hostdevs; i++) {
		entry *e = &g_array_index(m->entries, entry, i);
		if (e->dst)
			continue;
		if (!mc_profile_vfio_get(src, e->src, "kind"))
			return mc_error_set(
			    err, MC_EXIT_NOINPUT, ENOENT,
			    "host device %s is not among the source profile's VFIO "
			    "devices: probe the source with the device bound to its "
			    "VFIO driver, or pass --src-profile",
			    e->src);
		const char *mig = mc_profile_vfio_get(src, e->src, "migration");
		if (mig && !can_migrate(mig)) {
			e->how = g_strdup_printf("the source device cannot migrate "
						 "(migration=%s)",
						 mig);
			continue;
		}
		/* the same name first (an mdev created with the same UUID, the
		 * same PCI slot), else the first that fits in sorted order */
		const char *pick = NULL;
		g_autofree char *same = refusal(m, src, e->src, dst, e->src);
		if (mc_profile_vfio_get(dst, e->src, "kind") && !same)
			pick = e->src;
		GString *why = g_string_new(NULL);
		for (guint k = 0; k < cands->len && !pick; k++) {
			const char *c = cands->pdata[k];
			g_autofree char *r = refusal(m, src, e->src, dst, c);
			if (!r)
				pick = c;
			else
				g_string_append_printf(why, "%s%s: %s", why->len ? "; " : "", c, r);
		}
		if (!pick) {
			const char *st = type_of(src, e->src),
				   *sd = mc_profile_vfio_get(src, e->src, "driver"),
				   *sv = mc_profile_vfio_get(src, e->src, "driver_version");
			int r = mc_error_set(
			    err, MC_EXIT_NODEVICE, ENODEV,
			    "host device %s (%s %s, driver %s %s): no destination device fits: %s",
			    e->src, g->hostdevs[i].mdev ? "mdev type" : "ids",
			    st ? st : "unknown (not in the source profile)", sd ? sd : "unknown",
			    sv ? sv : "",
			    why->len ? why->str
				     : "the destination profile lists no "
				       "VFIO devices");
			g_string_free(why, TRUE);
			return r;
		}
		g_string_free(why, TRUE);
		e->dst = g_strdup(pick);
		e->how = g_strdup("auto");
	}
	return 0;
}

size_t mc_hostmap_count(const mc_hostmap *m)
{
	return m->entries->len;
}

void mc_hostmap_at(const mc_hostmap *m, size_t i, const char **src, const char **dst,
		   const char **how)
{
	const entry *e = &g_array_index(m->entries, entry, i);
	*src = e->src;
	*dst = e->dst;
	*how = e->how;
}

char *mc_hostmap_pin(const mc_hostmap *m)
{
	if (!m->entries->len)
		return NULL;
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < m->entries->len; i++) {
		const entry *e = &g_array_index(m->entries, entry, i);
		g_string_append_printf(s, "%s%s", i ? "," : "", e->dst ? e->dst : "-");
	}
	return g_string_free(s, FALSE);
}
