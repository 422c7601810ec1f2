#include "core/report/json.h"

#include <errno.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* ---- helpers ---- */

static void put_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void put_int(JsonBuilder *b, const char *name, gint64 value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

static void put_bool(JsonBuilder *b, const char *name, bool value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, value);
}

/* "NAME": {"label": ..., "profile": ...} */
static void put_side(JsonBuilder *b, const char *name, const mc_report_side *s)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	put_str(b, "label", s->label);
	put_str(b, "profile", s->id);
	json_builder_end_object(b);
}

/* Pins as the XML writes them ("NAME=VALUE,...", "" for none). */
static void put_pins(JsonBuilder *b, const char *name, const mc_pins *pins)
{
	g_autofree char *text = pins ? mc_pins_format(pins) : g_strdup("");
	put_str(b, name, text);
}

/* Print the builder's root, then free the builder. */
static int emit(FILE *out, JsonBuilder *b, mc_error *err)
{
	JsonNode *root = json_builder_get_root(b);
	g_object_unref(b);
	if (!root)
		return mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "JSON output: incomplete document");
	JsonGenerator *gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, root);
	gsize len = 0;
	g_autofree char *text = json_generator_to_data(gen, &len);
	g_object_unref(gen);
	json_node_unref(root);
	if (fwrite(text, 1, len, out) != len || fputc('\n', out) == EOF)
		return mc_error_set(err, MC_EXIT_IOERR, EIO, "JSON output: write failed");
	return 0;
}

/* ---- plan, matrix ---- */

/* One verdict: family, subject, level, reason, and facts, remedy and pin
 * when present. */
static void put_verdict(JsonBuilder *b, const mc_verdict *v)
{
	json_builder_begin_object(b);
	put_str(b, "family", v->family);
	put_str(b, "subject", v->subject);
	put_str(b, "level", mc_level_name(v->level));
	put_str(b, "reason", v->reason);
	if (v->facts)
		put_str(b, "facts", v->facts);
	if (v->remedy)
		put_str(b, "remedy", v->remedy);
	if (v->pin)
		put_str(b, "pin", v->pin);
	json_builder_end_object(b);
}

static void plan_members(JsonBuilder *b, const mc_plan *p, const mc_report_side *src,
			 const mc_report_side *dst, const mc_pins *pins)
{
	size_t n[3] = { 0 };
	for (size_t i = 0; i < mc_plan_count(p); i++)
		n[mc_plan_at(p, i)->level]++;
	put_str(b, "verdict", mc_level_name(mc_plan_worst(p)));
	put_side(b, "src", src);
	put_side(b, "dst", dst);
	put_pins(b, "pins", pins);
	json_builder_set_member_name(b, "counts");
	json_builder_begin_object(b);
	put_int(b, "blocked", (gint64)n[MC_V_BLOCKED]);
	put_int(b, "action", (gint64)n[MC_V_ACTION]);
	put_int(b, "ok", (gint64)n[MC_V_OK]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "verdicts");
	json_builder_begin_array(b);
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		put_verdict(b, v);
	}
	json_builder_end_array(b);
}

int mc_json_plan(FILE *out, const mc_plan *p, const mc_report_side *src, const mc_report_side *dst,
		 const mc_pins *pins, mc_error *err)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "plan");
	plan_members(b, p, src, dst, pins);
	json_builder_end_object(b);
	return emit(out, b, err);
}

int mc_json_matrix(FILE *out, const mc_matrix *m, const mc_report_side *a, const mc_report_side *b_,
		   const mc_pins *pins, mc_error *err)
{
	/* As the XML: which side is the source and destination of each row,
	 * and the pins each row's source runs with. */
	const mc_report_side *srcs[MC_DIR_COUNT] = { a, b_, a, a, b_ };
	const mc_report_side *dsts[MC_DIR_COUNT] = { a, a, b_, b_, a };
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "matrix");
	put_side(b, "new", a);
	put_side(b, "old", b_);
	put_pins(b, "compat_pins", m->compat);
	json_builder_set_member_name(b, "rows");
	json_builder_begin_array(b);
	for (int d = 0; d < MC_DIR_COUNT; d++) {
		const mc_pins *rp = d == MC_DIR_COMPAT_OLD                            ? m->compat
				    : (d == MC_DIR_OLD_NEW || d == MC_DIR_OLD_COMPAT) ? NULL
										      : pins;
		json_builder_begin_object(b);
		put_str(b, "direction", mc_direction_name(d));
		json_builder_set_member_name(b, "plan");
		json_builder_begin_object(b);
		plan_members(b, m->row[d], srcs[d], dsts[d], rp);
		json_builder_end_object(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return emit(out, b, err);
}

/* ---- targets ---- */

int mc_json_targets(FILE *out, const mc_targets *t, const mc_report_side *src, const mc_pins *pins,
		    mc_error *err)
{
	size_t n[3] = { 0 };
	for (size_t i = 0; i < mc_targets_count(t); i++)
		n[mc_targets_at(t, i)->level]++;
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "targets");
	put_side(b, "src", src);
	put_pins(b, "pins", pins);
	put_int(b, "status", mc_targets_status(t));
	put_int(b, "plans", (gint64)mc_targets_plans(t));
	json_builder_set_member_name(b, "counts");
	json_builder_begin_object(b);
	put_int(b, "ok", (gint64)n[MC_V_OK]);
	put_int(b, "action", (gint64)n[MC_V_ACTION]);
	put_int(b, "blocked", (gint64)n[MC_V_BLOCKED]);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "destinations");
	json_builder_begin_array(b);
	for (size_t i = 0; i < mc_targets_count(t); i++) {
		const mc_target *d = mc_targets_at(t, i);
		json_builder_begin_object(b);
		put_str(b, "host", d->host);
		put_str(b, "profile", d->profile);
		put_str(b, "level", mc_level_name(d->level));
		put_int(b, "actions", (gint64)d->nactions);
		put_int(b, "blocked", (gint64)d->nblocked);
		put_str(b, "not_planned", d->why);
		json_builder_set_member_name(b, "verdicts");
		json_builder_begin_array(b);
		const mc_verdict *v;
		for (size_t k = 0; (v = mc_target_decisive(d, k)); k++)
			put_verdict(b, v);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return emit(out, b, err);
}

/* ---- baseline ---- */

int mc_json_baseline(FILE *out, const mc_baseline *bl, const char *arch, size_t n,
		     const char *const *ids, const char *const *labels, const size_t *weights,
		     const size_t *nprofiles, mc_error *err)
{
	int status = mc_baseline_level(bl) == MC_V_ACTION ? MC_EXIT_ACTION : MC_EXIT_OK;
	size_t hosts = 0, joined = 0;
	for (size_t i = 0; i < n; i++) {
		hosts += weights[i];
		if (mc_baseline_joined(bl, i))
			joined += weights[i];
		else
			status = MC_EXIT_BLOCKED;
	}
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "baseline");
	put_str(b, "arch", arch);
	put_int(b, "status", status);
	put_pins(b, "pins", mc_baseline_pins(bl));
	put_str(b, "proof", mc_level_name(mc_baseline_level(bl)));
	put_int(b, "proof_plans", (gint64)mc_baseline_proof_plans(bl));
	put_int(b, "plans", (gint64)mc_baseline_plans(bl));
	put_int(b, "hosts", (gint64)hosts);
	put_int(b, "joined_hosts", (gint64)joined);
	g_autofree char *cpu = mc_baseline_libvirt_cpu(bl);
	put_str(b, "libvirt_cpu", cpu);
	json_builder_set_member_name(b, "profiles");
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++) {
		json_builder_begin_object(b);
		put_str(b, "profile", ids[i]);
		put_str(b, "hosts", labels[i]);
		put_int(b, "nhosts", (gint64)weights[i]);
		put_int(b, "nprofiles", (gint64)nprofiles[i]);
		put_bool(b, "joined", mc_baseline_joined(bl, i));
		put_str(b, "reason", mc_baseline_reason(bl, i));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "actions");
	json_builder_begin_array(b);
	size_t s, d;
	const mc_plan *p;
	for (size_t k = 0; (p = mc_baseline_action(bl, k, &s, &d)); k++) {
		json_builder_begin_object(b);
		put_str(b, "src", ids[s]);
		put_str(b, "dst", ids[d]);
		json_builder_set_member_name(b, "verdicts");
		json_builder_begin_array(b);
		for (size_t v = 0; v < mc_plan_count(p); v++)
			if (mc_plan_at(p, v)->level == MC_V_ACTION)
				put_verdict(b, mc_plan_at(p, v));
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return emit(out, b, err);
}

/* ---- gate ---- */

int mc_json_gate(FILE *out, const mc_gate *g, const char *label, mc_error *err)
{
	size_t n = mc_gate_pair_count(g), reg = 0;
	for (size_t i = 0; i < n; i++)
		reg += mc_gate_pair_at(g, i)->regression;
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "gate");
	json_builder_set_member_name(b, "candidate");
	json_builder_begin_object(b);
	put_str(b, "label", label);
	put_str(b, "profile", mc_gate_candidate_id(g));
	json_builder_end_object(b);
	put_str(b, "equal", mc_gate_equal_id(g));
	put_str(b, "base", mc_gate_equal_id(g) ? NULL : mc_gate_base_id(g));
	put_int(b, "status", mc_gate_status(g));
	put_int(b, "regressions", (gint64)reg);
	put_int(b, "skipped", (gint64)mc_gate_skipped(g));
	json_builder_set_member_name(b, "pairs");
	json_builder_begin_array(b);
	for (size_t i = 0; i < n; i++) {
		const mc_gate_pair *p = mc_gate_pair_at(g, i);
		json_builder_begin_object(b);
		put_str(b, "direction", p->forward ? "forward" : "backward");
		put_str(b, "other", p->other);
		put_str(b, "hosts", p->hosts);
		put_int(b, "nhosts", (gint64)p->nhosts);
		put_str(b, "today", mc_level_name(p->today));
		put_str(b, "candidate", mc_level_name(p->candidate));
		put_bool(b, "regression", p->regression);
		put_str(b, "pins", p->pins);
		json_builder_set_member_name(b, "verdicts");
		json_builder_begin_array(b);
		for (size_t k = 0; p->plan && k < mc_plan_count(p->plan); k++) {
			const mc_verdict *v = mc_plan_at(p->plan, k);
			if (v->level == MC_V_OK)
				continue;
			put_verdict(b, v);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return emit(out, b, err);
}

/* ---- hosts, show ---- */

static int host_member(const mc_db_host *h, void *opaque)
{
	JsonBuilder *b = opaque;
	json_builder_begin_object(b);
	put_str(b, "name", h->name);
	put_str(b, "profile", h->profile_id);
	put_str(b, "arch", h->arch);
	put_str(b, "kernel", h->kernel);
	put_str(b, "probed_at", h->probed_at);
	put_str(b, "source", h->source);
	put_str(b, "uuid", h->uuid);
	json_builder_end_object(b);
	return 0;
}

int mc_json_hosts(FILE *out, mc_db *db, mc_error *err)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "hosts");
	json_builder_set_member_name(b, "hosts");
	json_builder_begin_array(b);
	int r = mc_db_each_host(db, NULL, host_member, b, err);
	if (r < 0) {
		g_object_unref(b);
		return r;
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return emit(out, b, err);
}

static int show_host(const mc_db_host *h, void *opaque)
{
	JsonBuilder *b = opaque;
	json_builder_begin_object(b);
	put_str(b, "name", h->name);
	put_str(b, "probed_at", h->probed_at);
	put_str(b, "source", h->source);
	json_builder_end_object(b);
	return 0;
}

/* "NAME": [{"KEY_NAME": key, "VALUE_NAME": value}...] for one domain. */
static void put_domain(JsonBuilder *b, const char *name, const mc_facts *f, const char *domain,
		       const char *key_name, const char *value_name)
{
	size_t first, last;
	mc_facts_domain_range(f, domain, &first, &last);
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (size_t i = first; i < last; i++) {
		json_builder_begin_object(b);
		put_str(b, key_name, mc_facts_at(f, i)->key);
		put_str(b, value_name, mc_facts_at(f, i)->value);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

int mc_json_show(FILE *out, mc_db *db, const char *id, const char *label, const mc_facts *f,
		 bool all, mc_error *err)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	put_str(b, "kind", "show");
	put_str(b, "profile", id);
	put_str(b, "label", label);
	json_builder_set_member_name(b, "hosts");
	json_builder_begin_array(b);
	if (db) {
		int r = mc_db_each_host(db, id, show_host, b, err);
		if (r < 0) {
			g_object_unref(b);
			return r;
		}
	}
	json_builder_end_array(b);
	put_str(b, "kernel", mc_facts_get(f, "kernel", "release"));
	put_str(b, "arch", mc_facts_get(f, "kernel", "arch"));
	put_int(b, "fact_count", (gint64)mc_facts_count(f));
	json_builder_set_member_name(b, "domains");
	json_builder_begin_array(b);
	for (size_t i = 0; i < mc_facts_count(f);) {
		const char *d = mc_facts_at(f, i)->domain;
		size_t first, last;
		mc_facts_domain_range(f, d, &first, &last);
		json_builder_begin_object(b);
		put_str(b, "domain", d);
		put_int(b, "count", (gint64)(last - first));
		json_builder_end_object(b);
		i = last;
	}
	json_builder_end_array(b);
	put_domain(b, "fwregs", f, "arm64.fwreg", "name", "value");
	put_domain(b, "skipped", f, "probe.skip", "probe", "reason");
	if (all) {
		json_builder_set_member_name(b, "facts");
		json_builder_begin_array(b);
		for (size_t i = 0; i < mc_facts_count(f); i++) {
			const mc_fact *x = mc_facts_at(f, i);
			json_builder_begin_object(b);
			put_str(b, "domain", x->domain);
			put_str(b, "key", x->key);
			put_str(b, "value", x->value);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
	return emit(out, b, err);
}

/* ---- diff ---- */

typedef struct {
	JsonBuilder *b;
	mc_diff_tally *tally;
} diff_state;

static void on_diff(const char *domain, const char *key, const char *a, const char *b, void *opaque)
{
	diff_state *s = opaque;
	if (!mc_diff_tally_add(s->tally, domain))
		return;
	json_builder_begin_object(s->b);
	put_str(s->b, "change", a && b ? "changed" : a ? "removed" : "added");
	put_str(s->b, "domain", domain);
	put_str(s->b, "key", key);
	put_str(s->b, "a", a);
	put_str(s->b, "b", b);
	json_builder_end_object(s->b);
}

static void put_diff_side(JsonBuilder *b, const char *name, const mc_report_side *s,
			  const mc_facts *f)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	put_str(b, "label", s->label);
	put_str(b, "profile", s->id);
	put_int(b, "fact_count", (gint64)mc_facts_count(f));
	json_builder_end_object(b);
}

int mc_json_diff(FILE *out, const mc_report_side *a, const mc_facts *fa, const mc_report_side *b_,
		 const mc_facts *fb, char *const *domains, size_t *ndiff, mc_error *err)
{
	JsonBuilder *b = json_builder_new();
	diff_state s = { .b = b, .tally = mc_diff_tally_new(domains) };
	json_builder_begin_object(b);
	put_str(b, "kind", "diff");
	put_diff_side(b, "a", a, fa);
	put_diff_side(b, "b", b_, fb);
	json_builder_set_member_name(b, "differences");
	json_builder_begin_array(b);
	mc_facts_diff(fa, fb, on_diff, &s);
	json_builder_end_array(b);
	*ndiff = mc_diff_tally_total(s.tally);
	put_bool(b, "identical", *ndiff == 0);
	put_int(b, "total", (gint64)*ndiff);
	json_builder_set_member_name(b, "counts");
	json_builder_begin_array(b);
	for (size_t i = 0; i < mc_diff_tally_ndomains(s.tally); i++) {
		size_t n;
		const char *d = mc_diff_tally_at(s.tally, i, &n);
		json_builder_begin_object(b);
		put_str(b, "domain", d);
		put_int(b, "count", (gint64)n);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	mc_diff_tally_free(s.tally);
	return emit(out, b, err);
}
