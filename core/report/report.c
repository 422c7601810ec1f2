#include "core/report/report.h"
#include "core/base/xml.h"
#include "core/report/json.h"

#include <errno.h>
#include <glib.h>
#include <libxml/xmlwriter.h>
#include <string.h>

int mc_format_parse(const char *s, mc_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = MC_FMT_TEXT;
	else if (strcmp(s, "xml") == 0)
		*out = MC_FMT_XML;
	else if (strcmp(s, "junit") == 0)
		*out = MC_FMT_JUNIT;
	else if (strcmp(s, "json") == 0)
		*out = MC_FMT_JSON;
	else
		return -EINVAL;
	return 0;
}

/* ---- text ---- */

static const char *level_color(mc_level l)
{
	return l == MC_V_OK ? "\033[32m" : l == MC_V_ACTION ? "\033[33m" : "\033[1;31m";
}

static const char *level_label(mc_level l)
{
	return l == MC_V_OK ? "ok" : l == MC_V_ACTION ? "ACTION" : "BLOCKED";
}

static void text_counts(FILE *out, const mc_plan *p, bool color)
{
	size_t n[3] = { 0 };
	for (size_t i = 0; i < mc_plan_count(p); i++)
		n[mc_plan_level_at(p, i)]++;
	mc_level w = mc_plan_worst(p);
	fprintf(out, "verdict: %s%s%s (%zu blocked, %zu action, %zu ok)\n",
		color ? level_color(w) : "", level_label(w), color ? "\033[0m" : "", n[2], n[1],
		n[0]);
}

static void text_plan_body(FILE *out, const mc_plan *p, bool color)
{
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		fprintf(out, "  %s%-7s%s %-11s %s%s%s\n", color ? level_color(v->level) : "",
			level_label(v->level), color ? "\033[0m" : "", v->family, v->subject,
			*v->subject ? ": " : "", v->reason);
		if (v->level == MC_V_OK)
			continue;
		if (v->facts)
			fprintf(out, "          facts:  %s\n", v->facts);
		if (v->remedy)
			fprintf(out, "          remedy: %s\n", v->remedy);
	}
}

static void text_side(FILE *out, const char *what, const mc_report_side *s)
{
	fprintf(out, "%s %s (profile %.12s)\n", what, s->label, s->id);
}

/* ---- XML ---- */

/* `root`: the document element, which carries the namespace declaration. */
static int xml_plan(xmlTextWriterPtr w, bool root, const mc_plan *p, const mc_report_side *src,
		    const mc_report_side *dst, const mc_pins *pins)
{
	g_autofree char *pin_text = mc_pins_format(pins);
	int r = root ? xmlTextWriterStartElementNS(w, NULL, BAD_CAST "plan", BAD_CAST MC_PLAN_NS)
		     : xmlTextWriterStartElement(w, BAD_CAST "plan");
	if (r < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "verdict",
					BAD_CAST mc_level_name(mc_plan_worst(p))) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "src", BAD_CAST src->label) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "src-profile", BAD_CAST src->id) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "dst", BAD_CAST dst->label) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "dst-profile", BAD_CAST dst->id) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "pins", BAD_CAST pin_text) < 0)
		return -EIO;
	for (size_t i = 0; i < mc_plan_count(p); i++) {
		const mc_verdict *v = mc_plan_at(p, i);
		if (xmlTextWriterStartElement(w, BAD_CAST "verdict") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "family", BAD_CAST v->family) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "subject", BAD_CAST v->subject) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "level",
						BAD_CAST mc_level_name(v->level)) < 0 ||
		    (v->pin &&
		     xmlTextWriterWriteAttribute(w, BAD_CAST "pin", BAD_CAST v->pin) < 0) ||
		    xmlTextWriterWriteElement(w, BAD_CAST "reason", BAD_CAST v->reason) < 0 ||
		    (v->facts &&
		     xmlTextWriterWriteElement(w, BAD_CAST "facts", BAD_CAST v->facts) < 0) ||
		    (v->remedy &&
		     xmlTextWriterWriteElement(w, BAD_CAST "remedy", BAD_CAST v->remedy) < 0) ||
		    xmlTextWriterEndElement(w) < 0)
			return -EIO;
	}
	return xmlTextWriterEndElement(w) < 0 ? -EIO : 0;
}

/* ---- JUnit: one test case per rule family ---- */

static int junit_suite(xmlTextWriterPtr w, const char *name, const mc_plan *p)
{
	size_t tests = 0, failures = 0, skipped = 0;
	const char *f;
	for (size_t k = 0; (f = mc_rule_family(k)); k++) {
		bool any = false;
		for (size_t i = 0; i < mc_plan_count(p) && !any; i++)
			any = strcmp(mc_plan_family_at(p, i), f) == 0;
		if (!any)
			continue;
		tests++;
		mc_level l = mc_plan_family_worst(p, f);
		failures += l == MC_V_BLOCKED;
		skipped += l == MC_V_ACTION;
	}
	char num[3][24];
	snprintf(num[0], sizeof(num[0]), "%zu", tests);
	snprintf(num[1], sizeof(num[1]), "%zu", failures);
	snprintf(num[2], sizeof(num[2]), "%zu", skipped);
	if (xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST num[0]) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST num[1]) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "skipped", BAD_CAST num[2]) < 0)
		return -EIO;
	for (size_t k = 0; (f = mc_rule_family(k)); k++) {
		GString *body = g_string_new(NULL);
		bool any = false;
		for (size_t i = 0; i < mc_plan_count(p); i++) {
			const mc_verdict *v = mc_plan_at(p, i);
			if (strcmp(v->family, f) != 0)
				continue;
			any = true;
			g_string_append_printf(body, "%s %s%s%s%s%s%s\n", mc_level_name(v->level),
					       v->subject, *v->subject ? ": " : "", v->reason,
					       v->facts ? " [" : "", v->facts ? v->facts : "",
					       v->facts ? "]" : "");
			if (v->remedy && v->level != MC_V_OK)
				g_string_append_printf(body, "  remedy: %s\n", v->remedy);
		}
		if (!any) {
			g_string_free(body, TRUE);
			continue;
		}
		mc_level l = mc_plan_family_worst(p, f);
		g_autofree char *cls = g_strdup_printf("migcheck.%s", f);
		int r = 0;
		if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST cls) < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST f) < 0)
			r = -EIO;
		if (!r && l == MC_V_BLOCKED &&
		    (xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
		     xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "blocked") < 0 ||
		     xmlTextWriterWriteAttribute(w, BAD_CAST "message",
						 BAD_CAST "migration blocked") < 0 ||
		     xmlTextWriterWriteString(w, BAD_CAST body->str) < 0 ||
		     xmlTextWriterEndElement(w) < 0))
			r = -EIO;
		if (!r && l == MC_V_ACTION &&
		    (xmlTextWriterStartElement(w, BAD_CAST "skipped") < 0 ||
		     xmlTextWriterWriteAttribute(w, BAD_CAST "message",
						 BAD_CAST
						 "compatible only with the listed actions") < 0 ||
		     xmlTextWriterEndElement(w) < 0))
			r = -EIO;
		if (!r &&
		    (xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST body->str) < 0 ||
		     xmlTextWriterEndElement(w) < 0))
			r = -EIO;
		g_string_free(body, TRUE);
		if (r)
			return r;
	}
	return xmlTextWriterEndElement(w) < 0 ? -EIO : 0;
}

/* Finish the document and print it. */
static int xml_emit(FILE *out, mc_xml_out *x, int r, mc_error *err)
{
	g_autofree char *doc = mc_xml_out_close(x, r == 0, NULL, "report", err);
	if (!doc)
		return -EIO;
	fputs(doc, out);
	return 0;
}

int mc_report_plan(FILE *out, mc_format fmt, const mc_plan *p, const mc_report_side *src,
		   const mc_report_side *dst, const mc_pins *pins, bool color, mc_error *err)
{
	if (fmt == MC_FMT_TEXT) {
		g_autofree char *pt = mc_pins_format(pins);
		text_side(out, "from", src);
		text_side(out, "to  ", dst);
		fprintf(out, "pins %s\n", *pt ? pt : "none");
		text_plan_body(out, p, color);
		text_counts(out, p, color);
		return 0;
	}
	if (fmt == MC_FMT_JSON)
		return mc_json_plan(out, p, src, dst, pins, err);
	mc_xml_out x = { 0 };
	int r = mc_xml_out_open(&x, err);
	if (r == 0 && fmt == MC_FMT_XML)
		r = xml_plan(x.w, true, p, src, dst, pins);
	if (r == 0 && fmt == MC_FMT_JUNIT) {
		g_autofree char *name =
		    g_strdup_printf("migcheck plan %s -> %s", src->label, dst->label);
		if (xmlTextWriterStartElement(x.w, BAD_CAST "testsuites") < 0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "name", BAD_CAST "migcheck") < 0)
			r = -EIO;
		if (r == 0)
			r = junit_suite(x.w, name, p);
		if (r == 0 && xmlTextWriterEndElement(x.w) < 0)
			r = -EIO;
	}
	return xml_emit(out, &x, r, err);
}

int mc_report_matrix(FILE *out, mc_format fmt, const mc_matrix *m, const mc_report_side *a,
		     const mc_report_side *b, const mc_pins *pins, bool color, mc_error *err)
{
	g_autofree char *compat = mc_pins_format(m->compat);
	if (fmt == MC_FMT_TEXT) {
		text_side(out, "new", a);
		text_side(out, "old", b);
		fprintf(out, "compat = new pinned to %s\n", *compat ? compat : "(nothing to pin)");
		fprintf(out, "%-12s %-8s %s\n", "DIRECTION", "VERDICT", "DECISIVE");
		for (int d = 0; d < MC_DIR_COUNT; d++) {
			const mc_plan *p = m->row[d];
			mc_level w = mc_plan_worst(p);
			const mc_verdict *why = NULL;
			for (size_t i = 0; i < mc_plan_count(p) && !why; i++)
				if (w != MC_V_OK && mc_plan_level_at(p, i) == w)
					why = mc_plan_at(p, i);
			fprintf(out, "%-12s %s%-8s%s %s%s%s%s%s\n", mc_direction_name(d),
				color ? level_color(w) : "", mc_level_name(w),
				color ? "\033[0m" : "", why ? why->family : "", why ? " " : "",
				why ? why->subject : "", why ? ": " : "", why ? why->reason : "");
		}
		return 0;
	}
	if (fmt == MC_FMT_JSON)
		return mc_json_matrix(out, m, a, b, pins, err);
	mc_xml_out x = { 0 };
	int r = mc_xml_out_open(&x, err);
	/* Rows' "old" sides: which profile is the source of each direction. */
	const mc_report_side *srcs[MC_DIR_COUNT] = { a, b, a, a, b };
	const mc_report_side *dsts[MC_DIR_COUNT] = { a, a, b, b, a };
	if (r == 0 && fmt == MC_FMT_XML) {
		if (xmlTextWriterStartElementNS(x.w, NULL, BAD_CAST "matrix", BAD_CAST MC_PLAN_NS) <
			0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "new", BAD_CAST a->label) < 0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "new-profile", BAD_CAST a->id) < 0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "old", BAD_CAST b->label) < 0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "old-profile", BAD_CAST b->id) < 0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "compat-pins", BAD_CAST compat) < 0)
			r = -EIO;
		for (int d = 0; d < MC_DIR_COUNT && r == 0; d++) {
			const mc_pins *rp = d == MC_DIR_COMPAT_OLD ? m->compat
					    : (d == MC_DIR_OLD_NEW || d == MC_DIR_OLD_COMPAT)
						? NULL
						: pins;
			if (xmlTextWriterStartElement(x.w, BAD_CAST "row") < 0 ||
			    xmlTextWriterWriteAttribute(x.w, BAD_CAST "direction",
							BAD_CAST mc_direction_name(d)) < 0)
				r = -EIO;
			if (r == 0)
				r = xml_plan(x.w, false, m->row[d], srcs[d], dsts[d], rp);
			if (r == 0 && xmlTextWriterEndElement(x.w) < 0)
				r = -EIO;
		}
		if (r == 0 && xmlTextWriterEndElement(x.w) < 0)
			r = -EIO;
	}
	if (r == 0 && fmt == MC_FMT_JUNIT) {
		if (xmlTextWriterStartElement(x.w, BAD_CAST "testsuites") < 0 ||
		    xmlTextWriterWriteAttribute(x.w, BAD_CAST "name", BAD_CAST "migcheck matrix") <
			0)
			r = -EIO;
		for (int d = 0; d < MC_DIR_COUNT && r == 0; d++) {
			g_autofree char *name = g_strdup_printf(
			    "%s: %s -> %s", mc_direction_name(d), srcs[d]->label, dsts[d]->label);
			r = junit_suite(x.w, name, m->row[d]);
		}
		if (r == 0 && xmlTextWriterEndElement(x.w) < 0)
			r = -EIO;
	}
	return xml_emit(out, &x, r, err);
}

struct mc_diff_tally {
	char *const *domains; /* borrowed */
	GHashTable *counts;   /* domain -> count */
	GPtrArray *order;     /* domains in first-seen order */
	size_t total;
};

mc_diff_tally *mc_diff_tally_new(char *const *domains)
{
	mc_diff_tally *t = g_new0(mc_diff_tally, 1);
	t->domains = domains;
	t->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->order = g_ptr_array_new_with_free_func(g_free);
	return t;
}

void mc_diff_tally_free(mc_diff_tally *t)
{
	if (!t)
		return;
	g_hash_table_unref(t->counts);
	g_ptr_array_unref(t->order);
	g_free(t);
}

bool mc_diff_tally_add(mc_diff_tally *t, const char *domain)
{
	if (t->domains) {
		char *const *d = t->domains;
		while (*d && strcmp(*d, domain) != 0)
			d++;
		if (!*d)
			return false;
	}
	gpointer n = g_hash_table_lookup(t->counts, domain);
	if (!n)
		g_ptr_array_add(t->order, g_strdup(domain));
	g_hash_table_insert(t->counts, g_strdup(domain), GSIZE_TO_POINTER(GPOINTER_TO_SIZE(n) + 1));
	t->total++;
	return true;
}

size_t mc_diff_tally_total(const mc_diff_tally *t)
{
	return t->total;
}

size_t mc_diff_tally_ndomains(const mc_diff_tally *t)
{
	return t->order->len;
}

const char *mc_diff_tally_at(const mc_diff_tally *t, size_t i, size_t *count)
{
	const char *d = t->order->pdata[i];
	*count = GPOINTER_TO_SIZE(g_hash_table_lookup(t->counts, d));
	return d;
}
