#include "core/fleet/targets.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* Decisive verdicts shown per destination in text (JSON has them all). */
#define TEXT_VERDICTS 3

struct mc_targets {
	GArray *dests;    /* mc_target */
	GPtrArray *plans; /* mc_plan *, owned, one per destination profile planned */
	GPtrArray *whys;  /* owned strings */
};

void mc_targets_free(mc_targets *t)
{
	if (!t)
		return;
	if (t->dests)
		g_array_free(t->dests, TRUE);
	if (t->plans)
		g_ptr_array_free(t->plans, TRUE);
	if (t->whys)
		g_ptr_array_free(t->whys, TRUE);
	g_free(t);
}

static void plan_free(gpointer p)
{
	mc_plan_free(p);
}

static gint best_first(gconstpointer pa, gconstpointer pb)
{
	const mc_target *a = pa, *b = pb;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if (!a->plan != !b->plan) /* another architecture last */
		return a->plan ? -1 : 1;
	if (a->nactions != b->nactions)
		return a->nactions < b->nactions ? -1 : 1;
	if (a->nblocked != b->nblocked)
		return a->nblocked < b->nblocked ? -1 : 1;
	return strcmp(a->host, b->host);
}

static mc_targets *targets_run(const mc_gate_fleet *fleet, const mc_plan_env *env,
			       const mc_facts *src, const char *src_host, const mc_pins *pins,
			       bool blocked, mc_error *err)
{
	mc_targets *t = g_new0(mc_targets, 1);
	t->dests = g_array_new(FALSE, TRUE, sizeof(mc_target));
	t->plans = g_ptr_array_new_with_free_func(plan_free);
	t->whys = g_ptr_array_new_with_free_func(g_free);
	const char *arch = mc_facts_get(src, "kernel", "arch");
	mc_autoplancache *cache = mc_plan_cache_new(); /* the source compiled once */
	for (size_t i = 0; i < mc_gate_fleet_count(fleet); i++) {
		const mc_facts *q = mc_gate_fleet_facts(fleet, i); /* NULL: another arch */
		const char *qarch = mc_gate_fleet_arch(fleet, i);
		mc_target d = { .profile = mc_gate_fleet_id(fleet, i), .level = MC_V_BLOCKED };
		size_t nh = mc_gate_fleet_nhosts(fleet, i), others = 0;
		for (size_t j = 0; j < nh; j++)
			others +=
			    !src_host || strcmp(mc_gate_fleet_host(fleet, i, j), src_host) != 0;
		if (!others)
			continue; /* the source host alone: nothing to plan */
		if (!arch || !qarch || strcmp(arch, qarch) != 0) {
			if (!blocked)
				continue;
			char *why =
			    g_strdup_printf("another architecture (%s; the source is %s)",
					    qarch ? qarch : "unknown", arch ? arch : "unknown");
			g_ptr_array_add(t->whys, why);
			d.why = why;
		} else if (!q) {
			mc_error_set(err, MC_EXIT_SOFTWARE, EINVAL,
				     "targets: profile %.12s was not loaded", d.profile);
			mc_targets_free(t);
			return NULL;
		} else {
			mc_plan *p = mc_plan_compute_cached(cache, env, src, q, pins, err);
			if (!p) {
				mc_error_prefix(err, "targets: plan to profile %.12s", d.profile);
				mc_targets_free(t);
				return NULL;
			}
			g_ptr_array_add(t->plans, p);
			d.plan = p;
			d.level = mc_plan_worst(p);
			for (size_t k = 0; k < mc_plan_count(p); k++) {
				mc_level l = mc_plan_level_at(p, k);
				d.nactions += l == MC_V_ACTION;
				d.nblocked += l == MC_V_BLOCKED;
			}
		}
		if (!blocked && d.level == MC_V_BLOCKED)
			continue;
		for (size_t j = 0; j < nh; j++) {
			d.host = mc_gate_fleet_host(fleet, i, j);
			d.profile = mc_gate_fleet_host_profile(fleet, i, j);
			if (!src_host || strcmp(d.host, src_host) != 0)
				g_array_append_val(t->dests, d);
		}
	}
	g_array_sort(t->dests, best_first);
	return t;
}

mc_targets *mc_targets_run(const mc_gate_fleet *fleet, const mc_plan_env *env, const mc_facts *src,
			   const char *src_host, const mc_pins *pins, mc_error *err)
{
	return targets_run(fleet, env, src, src_host, pins, true, err);
}

mc_targets *mc_targets_run_usable(const mc_gate_fleet *fleet, const mc_plan_env *env,
				  const mc_facts *src, const char *src_host, const mc_pins *pins,
				  mc_error *err)
{
	return targets_run(fleet, env, src, src_host, pins, false, err);
}

size_t mc_targets_count(const mc_targets *t)
{
	return t->dests->len;
}

const mc_target *mc_targets_at(const mc_targets *t, size_t i)
{
	return i < t->dests->len ? &g_array_index(t->dests, mc_target, i) : NULL;
}

size_t mc_targets_plans(const mc_targets *t)
{
	return t->plans->len;
}

int mc_targets_status(const mc_targets *t)
{
	const mc_target *best = mc_targets_at(t, 0);
	if (!best || best->level == MC_V_BLOCKED)
		return MC_EXIT_BLOCKED;
	return best->level == MC_V_OK ? MC_EXIT_OK : MC_EXIT_ACTION;
}

const mc_verdict *mc_target_decisive(const mc_target *d, size_t i)
{
	if (!d->plan || d->level == MC_V_OK)
		return NULL;
	for (size_t k = 0; k < mc_plan_count(d->plan); k++) {
		if (mc_plan_level_at(d->plan, k) == d->level && i-- == 0)
			return mc_plan_at(d->plan, k);
	}
	return NULL;
}

int mc_targets_write_text(FILE *out, const mc_targets *t, const char *src_label, const char *src_id,
			  const mc_pins *pins, bool hosts_only, mc_error *err)
{
	if (hosts_only) {
		for (guint i = 0; i < t->dests->len; i++) {
			const mc_target *d = &g_array_index(t->dests, mc_target, i);
			if (d->level != MC_V_BLOCKED)
				fprintf(out, "%s\n", d->host);
		}
	} else {
		g_autofree char *ptext = mc_pins_format(pins);
		fprintf(out, "targets of a guest on %s (profile %.12s)%s%s\n", src_label, src_id,
			*ptext ? " with pins " : "", ptext);
		size_t n[3] = { 0 };
		for (guint i = 0; i < t->dests->len; i++)
			n[g_array_index(t->dests, mc_target, i).level]++;
		int group = -1;
		for (guint i = 0; i < t->dests->len; i++) {
			const mc_target *d = &g_array_index(t->dests, mc_target, i);
			if ((int)d->level != group) {
				group = (int)d->level;
				fprintf(out, "%s (%zu host%s)\n", mc_level_name(d->level),
					n[d->level], n[d->level] == 1 ? "" : "s");
			}
			fprintf(out, "  %-24s profile %.12s", d->host, d->profile);
			if (d->why)
				fprintf(out, "  %s", d->why);
			else if (d->level == MC_V_ACTION)
				fprintf(out, "  %zu action%s", d->nactions,
					d->nactions == 1 ? "" : "s");
			else if (d->level == MC_V_BLOCKED)
				fprintf(out, "  %zu blocked", d->nblocked);
			fputc('\n', out);
			const mc_verdict *v;
			const char *said = NULL; /* the remedy printed last */
			size_t k;
			for (k = 0; k < TEXT_VERDICTS && (v = mc_target_decisive(d, k)); k++) {
				fprintf(out, "      %s %s%s%s\n", v->family, v->subject,
					*v->subject ? ": " : "", v->reason);
				if (v->remedy && g_strcmp0(v->remedy, said) != 0)
					fprintf(out, "        remedy: %s\n", v->remedy);
				said = v->remedy;
			}
			size_t more = (d->level == MC_V_ACTION ? d->nactions : d->nblocked);
			if (d->plan && more > k)
				fprintf(out, "      ... %zu more (migcheck plan shows them all)\n",
					more - k);
		}
		fprintf(out,
			"%u destinations (%zu profiles planned): %zu ok, %zu action, %zu blocked\n",
			t->dests->len, (size_t)t->plans->len, n[MC_V_OK], n[MC_V_ACTION],
			n[MC_V_BLOCKED]);
	}
	if (fflush(out) != 0 || ferror(out))
		return mc_error_set(err, MC_EXIT_IOERR, EIO, "targets: write failed");
	return 0;
}
