/* The fleet matrix page, data-driven: tests/data/report/NAME.fleet
 * ("HOST<TAB>FILE" lines, FILE relative to tests/data; HOST may use C
 * escapes such as \001 or \377 for hostile bytes), optional NAME.opts
 * ("max N", "arch ARCH" lines) and NAME.expect:
 *   shown N of M             profiles in the matrix / in the fleet
 *   hosts N of M             their hosts
 *   cell SRC DST KIND        one line per pair (SRC, DST: fleet files; KIND
 *                            ok|action|blocked|na|error); all pairs listed
 *   text STRING              the rendered page's text contains STRING
 *   label FILE HOST          FILE's axis labels name HOST (their tooltip)
 *   error EXIT TEXT          (instead of all the above) rendering refused
 * Every page must parse as XML (no error at all) and with libxml2's HTML
 * parser, contain only the page's own elements (a host name or fact never
 * becomes markup), one script (the page's own, allowed by hash in the
 * Content-Security-Policy), no reference outside the page, and data (the
 * JSON of <div id="mc-data">, from which the page's script draws the cells)
 * giving one cell per pair whose verdicts are those of a plan of the pair
 * computed here: its non-ok verdicts, blocked first, at most
 * MC_HTML_MAX_VERDICTS of them and the count of the rest, each with its
 * text; each distinct verdict and verdict set stored once. */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <string.h>

#include "core/model/profile.h"
#include "core/report/report_html.h"
#include "tests/lib/testutil.h"

static GPtrArray *names;

typedef struct {
	GString *msgs;
	int n;
} xml_errors;

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
	xml_errors *x = ctx;
	x->n++;
	g_string_append_printf(x->msgs, "line %d: %s", e->line, e->message);
}

static char *render(const mc_gate_fleet *fleet, const mc_html_opts *o, mc_html_stats *st,
		    mc_error *err, int *rc, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);
	ck_assert_ptr_nonnull(m);
	*rc = mc_report_html(m, fleet, o, st, err);
	fclose(m);
	return buf;
}

static xmlXPathObjectPtr xp(xmlXPathContextPtr c, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, c);
	ck_assert_msg(o != NULL, "xpath %s", expr);
	return o;
}

static size_t xp_count(xmlXPathContextPtr c, const char *expr)
{
	xmlXPathObjectPtr o = xp(c, expr);
	size_t n = o->nodesetval ? (size_t)o->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(o);
	return n;
}

static char *prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = g_strdup(v ? (const char *)v : "");
	xmlFree(v);
	return s;
}

static int prop_int(xmlNodePtr n, const char *name)
{
	g_autofree char *s = prop(n, name);
	return atoi(s);
}

/* Every element is one the page itself writes; no event handler attribute;
 * links stay inside the page. */
static void check_tree(xmlNodePtr n, const char *what)
{
	static const char *const allowed[] = {
		"html",   "head", "meta", "title", "style", "body",   "header", "h1",       "h2",
		"h3",     "p",    "ul",   "li",    "span",  "main",   "div",    "svg",      "defs",
		"symbol", "path", "text", "a",     "rect",  "use",    "aside",  "section",  "table",
		"tr",     "th",   "td",   "code",  "br",    "script", "g",      "noscript", NULL
	};
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		ck_assert_msg(g_strv_contains(allowed, (const char *)n->name), "%s: element <%s>",
			      what, n->name);
		for (xmlAttrPtr a = n->properties; a; a = a->next) {
			ck_assert_msg(g_ascii_strncasecmp((const char *)a->name, "on", 2) != 0,
				      "%s: attribute %s on <%s>", what, a->name, n->name);
			g_autofree char *v = prop(n, (const char *)a->name);
			if (strcmp((const char *)a->name, "href") == 0)
				ck_assert_msg(v[0] == '#', "%s: href %s", what, v);
			if (strcmp((const char *)a->name, "xmlns") == 0)
				ck_assert_msg(strcmp(v, "http://www.w3.org/1999/xhtml") == 0 ||
						  strcmp(v, "http://www.w3.org/2000/svg") == 0,
					      "%s: xmlns %s", what, v);
			ck_assert_msg(!strstr(v, "url(") && !strstr(v, "javascript:"),
				      "%s: attribute %s='%s'", what, a->name, v);
			ck_assert_msg(strcmp((const char *)a->name, "src") != 0, "%s: src", what);
		}
		check_tree(n->children, what);
	}
}

static GHashTable *load_opts(const char *name, mc_html_opts *o)
{
	g_autofree char *p = tu_path("report", name, ".opts");
	g_autofree char *t = tu_read(p, NULL);
	GHashTable *keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!t)
		return keep;
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
	for (char **l = lines; *l; l++) {
		char k[32], v[128];
		if (!**l || **l == '#')
			continue;
		ck_assert_msg(sscanf(*l, "%31s %127s", k, v) == 2, "%s: bad line %s", p, *l);
		g_hash_table_replace(keep, g_strdup(k), g_strdup(v));
	}
	if (g_hash_table_lookup(keep, "max"))
		o->max_profiles = strtoul(g_hash_table_lookup(keep, "max"), NULL, 10);
	o->arch = g_hash_table_lookup(keep, "arch");
	return keep;
}

/* A page field: the planner's text, or its first FIELD_CHARS characters
 * and an ellipsis. */
static void field_eq(const char *what, const char *page, const char *want)
{
	ck_assert_msg(page && want, "%s: present %d, want %d", what, page != NULL, want != NULL);
	if (strcmp(page, want) == 0)
		return;
	ck_assert_msg(g_str_has_suffix(page, "\u2026") &&
			  strncmp(page, want, strlen(page) - strlen("\u2026")) == 0,
		      "%s: '%s', the plan says '%s'", what, page, want);
}

/* Cell (row, col)'s set of the page's data against a plan of its pair made
 * here (each pair planned afresh, no cache). */
static void check_cell(const char *name, int row, int col, JsonObject *set, JsonArray *verdicts,
		       const mc_facts *sf, const mc_facts *df)
{
	const char *kind = json_object_get_string_member(set, "kind");
	char what[160];
	snprintf(what, sizeof(what), "%s: cell %d,%d (%s)", name, row, col, kind);
	if (strcmp(kind, "na") == 0 || strcmp(kind, "error") == 0) {
		ck_assert_msg(!json_object_has_member(set, "v"), "%s: verdicts", what);
		ck_assert_msg(strcmp(kind, "na") == 0 || json_object_has_member(set, "error"),
			      "%s: no error message", what);
		return;
	}
	mc_error err = { 0 };
	mc_pins *pins = mc_pins_new();
	mc_plan *plan = mc_plan_compute(tu_plan_env(), sf, df, pins, &err);
	mc_pins_free(pins);
	ck_assert_msg(plan != NULL, "%s: %s", what, err.msg);
	GPtrArray *want = g_ptr_array_new();
	for (int lv = MC_V_BLOCKED; lv > MC_V_OK; lv--)
		for (size_t i = 0; i < mc_plan_count(plan); i++)
			if (mc_plan_at(plan, i)->level == (mc_level)lv)
				g_ptr_array_add(want, (gpointer)mc_plan_at(plan, i));
	JsonArray *v =
	    json_object_has_member(set, "v") ? json_object_get_array_member(set, "v") : NULL;
	guint nv = v ? json_array_get_length(v) : 0;
	gint64 more =
	    json_object_has_member(set, "more") ? json_object_get_int_member(set, "more") : 0;
	guint shown = want->len < MC_HTML_MAX_VERDICTS ? want->len : MC_HTML_MAX_VERDICTS;
	ck_assert_msg(nv == shown && more == (gint64)(want->len - shown),
		      "%s: %u verdicts and %" G_GINT64_FORMAT " more, the plan has %u non-ok", what,
		      nv, more, want->len);
	const char *want_kind = "ok";
	if (want->len)
		want_kind = ((const mc_verdict *)want->pdata[0])->level == MC_V_BLOCKED ? "blocked"
											: "action";
	ck_assert_str_eq(kind, want_kind);
	for (guint i = 0; i < nv; i++) {
		const mc_verdict *x = want->pdata[i];
		gint64 id = json_array_get_int_element(v, i);
		ck_assert(id >= 0 && id < (gint64)json_array_get_length(verdicts));
		JsonObject *o = json_array_get_object_element(verdicts, (guint)id);
		char fw[200];
		snprintf(fw, sizeof(fw), "%s: verdict %u", what, i);
		ck_assert_str_eq(json_object_get_string_member(o, "level"),
				 mc_level_name(x->level));
		field_eq(fw, json_object_get_string_member(o, "family"), x->family);
		field_eq(fw, json_object_get_string_member(o, "subject"), x->subject);
		field_eq(fw, json_object_get_string_member(o, "reason"), x->reason);
		if (x->facts || json_object_has_member(o, "facts"))
			field_eq(fw, json_object_get_string_member_with_default(o, "facts", NULL),
				 x->facts);
		if (x->remedy || json_object_has_member(o, "remedy"))
			field_eq(fw, json_object_get_string_member_with_default(o, "remedy", NULL),
				 x->remedy);
	}
	g_ptr_array_free(want, TRUE);
	mc_plan_free(plan);
}

static void check_page(const char *name, const char *page, size_t len, const mc_html_stats *st,
		       GHashTable *file_of, GHashTable *facts_of, char **el, size_t nhosts)
{
	ck_assert(g_str_has_prefix(page, "<!DOCTYPE html>\n<html"));

	/* Well-formed XML, without a single error. */
	xml_errors xe = { g_string_new(NULL), 0 };
	xmlSetStructuredErrorFunc(&xe, on_xml_error);
	xmlDocPtr xdoc = xmlReadMemory(page, (int)len, "report.html", "UTF-8",
				       XML_PARSE_NONET | XML_PARSE_NOENT);
	xmlSetStructuredErrorFunc(NULL, NULL);
	ck_assert_msg(xdoc && xe.n == 0, "%s: not well-formed XML: %s", name, xe.msgs->str);
	check_tree(xmlDocGetRootElement(xdoc), name);
	xmlFreeDoc(xdoc);
	g_string_free(xe.msgs, TRUE);

	/* What an HTML parser makes of it. */
	htmlDocPtr doc =
	    htmlReadMemory(page, (int)len, "report.html", "UTF-8",
			   HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	ck_assert_ptr_nonnull(doc);
	check_tree(xmlDocGetRootElement(doc), name);
	xmlXPathContextPtr xc = xmlXPathNewContext(doc);
	ck_assert_uint_eq(xp_count(xc, "//script"), 1);
	xmlXPathObjectPtr so = xp(xc, "//script");
	xmlChar *script = xmlNodeGetContent(so->nodesetval->nodeTab[0]);
	{
		const char *g = (const char *)script;
		size_t k = 0;
		while (g[k] && g[k] == mc_html_script[k])
			k++;
		ck_assert_msg(g[k] == mc_html_script[k], "%s: script differs at %zu: '%.40s'", name,
			      k, g + k);
	}
	xmlFree(script);
	xmlXPathFreeObject(so);
	/* The CSP names the script by its hash. */
	{
		guint8 d[32];
		gsize dl = sizeof(d);
		GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(c, (const guchar *)mc_html_script, strlen(mc_html_script));
		g_checksum_get_digest(c, d, &dl);
		g_checksum_free(c);
		g_autofree char *b64 = g_base64_encode(d, dl);
		g_autofree char *q = g_strdup_printf(
		    "//meta[@http-equiv='Content-Security-Policy' and contains(@content, "
		    "\"default-src 'none'; script-src 'sha256-%s'\")]",
		    b64);
		ck_assert_uint_eq(xp_count(xc, q), 1);
	}

	/* Geometry, labels and the page's data. */
	xmlXPathObjectPtr svgo = xp(xc, "//svg[@id='matrix']");
	ck_assert_int_eq(svgo->nodesetval ? svgo->nodesetval->nodeNr : 0, 1);
	xmlNodePtr svg = svgo->nodesetval->nodeTab[0];
	int C = prop_int(svg, "data-cell"), n = prop_int(svg, "data-n");
	xmlXPathFreeObject(svgo);
	ck_assert_int_gt(C, 4);
	ck_assert_int_gt(prop_int(svg, "data-x0"), 0);
	ck_assert_int_gt(prop_int(svg, "data-y0"), 0);
	ck_assert_uint_eq(st->shown, (size_t)n);
	ck_assert_uint_eq(xp_count(xc, "//text[@class='rl']"), (size_t)n);
	ck_assert_uint_eq(xp_count(xc, "//text[@class='cl']"), (size_t)n);
	ck_assert_uint_eq(xp_count(xc, "//svg[@id='matrix']//g[@id='cells']"), 1);
	xmlXPathObjectPtr dto = xp(xc, "//div[@id='mc-data' and @hidden]");
	ck_assert_int_eq(dto->nodesetval ? dto->nodesetval->nodeNr : 0, 1);
	xmlChar *json = xmlNodeGetContent(dto->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(dto);
	g_autoptr(JsonParser) jp = json_parser_new();
	GError *jerr = NULL;
	ck_assert_msg(json_parser_load_from_data(jp, (const char *)json, -1, &jerr), "%s: data: %s",
		      name, jerr ? jerr->message : "?");
	xmlFree(json);
	JsonObject *data = json_node_get_object(json_parser_get_root(jp));
	JsonArray *profiles = json_object_get_array_member(data, "profiles");
	JsonArray *verdicts = json_object_get_array_member(data, "verdicts");
	JsonArray *sets = json_object_get_array_member(data, "sets");
	JsonArray *rows = json_object_get_array_member(data, "cells");
	ck_assert_uint_eq(json_array_get_length(profiles), (guint)n);
	ck_assert_uint_eq(json_array_get_length(rows), (guint)n);
	ck_assert_uint_eq(json_array_get_length(verdicts), st->verdicts);
	ck_assert_uint_eq(json_array_get_length(sets), st->sets);
	g_autoptr(GHashTable) got = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (int i = 0; i < n; i++) {
		/* The row's and column's labels name the data's profile i. */
		const char *id =
		    json_object_get_string_member(json_array_get_object_element(profiles, i), "id");
		g_autofree char *lq = g_strdup_printf(
		    "//text[@id='rl-%d' and @data-profile='%s'] | //text[@id='cl-%d' and "
		    "@data-profile='%s']",
		    i, id, i, id);
		ck_assert_uint_eq(xp_count(xc, lq), 2);
	}
	/* Each distinct verdict and set once. */
	g_autoptr(GHashTable) once = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < json_array_get_length(verdicts); i++) {
		g_autofree char *t = json_to_string(json_array_get_element(verdicts, i), FALSE);
		ck_assert_msg(g_hash_table_add(once, g_steal_pointer(&t)), "%s: verdict %u twice",
			      name, i);
	}
	for (guint i = 0; i < json_array_get_length(sets); i++) {
		g_autofree char *t = json_to_string(json_array_get_element(sets, i), FALSE);
		ck_assert_msg(g_hash_table_add(once, g_steal_pointer(&t)), "%s: set %u twice", name,
			      i);
	}
	for (int row = 0; row < n; row++) {
		JsonArray *cr = json_array_get_array_element(rows, (guint)row);
		ck_assert_uint_eq(json_array_get_length(cr), (guint)n);
		JsonObject *ps = json_array_get_object_element(profiles, (guint)row);
		const char *src = json_object_get_string_member(ps, "id");
		for (int col = 0; col < n; col++) {
			gint64 sid = json_array_get_int_element(cr, (guint)col);
			ck_assert(sid >= 0 && sid < (gint64)json_array_get_length(sets));
			JsonObject *set = json_array_get_object_element(sets, (guint)sid);
			const char *kind = json_object_get_string_member(set, "kind");
			const char *dst = json_object_get_string_member(
			    json_array_get_object_element(profiles, (guint)col), "id");
			const char *sf = g_hash_table_lookup(file_of, src);
			const char *df = g_hash_table_lookup(file_of, dst);
			ck_assert_msg(sf && df, "cell %d,%d: unknown profiles", row, col);
			g_hash_table_replace(got, g_strdup_printf("%s %s", sf, df), g_strdup(kind));
			check_cell(name, row, col, set, verdicts,
				   g_hash_table_lookup(facts_of, src),
				   g_hash_table_lookup(facts_of, dst));
		}
	}

	/* Against the expectations. */
	xmlXPathObjectPtr bo = xp(xc, "//body");
	xmlChar *body = xmlNodeGetContent(bo->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(bo);
	size_t want_cells = 0;
	for (char **l = el; *l; l++) {
		char a[256], b[256], c[64];
		size_t x, y;
		if (!**l || **l == '#')
			continue;
		if (sscanf(*l, "shown %zu of %zu", &x, &y) == 2) {
			ck_assert_uint_eq(st->shown, x);
			ck_assert_uint_eq(st->profiles, y);
		} else if (sscanf(*l, "hosts %zu of %zu", &x, &y) == 2) {
			ck_assert_uint_eq(st->hosts_shown, x);
			ck_assert_uint_eq(st->hosts, y);
		} else if (sscanf(*l, "cell %255s %255s %63s", a, b, c) == 3) {
			g_autofree char *k = g_strdup_printf("%s %s", a, b);
			const char *kind = g_hash_table_lookup(got, k);
			ck_assert_msg(kind && strcmp(kind, c) == 0, "%s: cell %s: got %s, want %s",
				      name, k, kind ? kind : "(none)", c);
			want_cells++;
		} else if (g_str_has_prefix(*l, "text ")) {
			g_autofree char *want = g_strcompress(*l + 5);
			ck_assert_msg(strstr((const char *)body, want), "%s: page lacks text '%s'",
				      name, want);
		} else if (sscanf(*l, "label %255s %255[^\n]", a, b) == 2) {
			g_autofree char *h = g_strcompress(b);
			char id[MC_PROFILE_ID_LEN + 1] = "";
			GHashTableIter it;
			gpointer k, v;
			g_hash_table_iter_init(&it, file_of);
			while (g_hash_table_iter_next(&it, &k, &v))
				if (strcmp(v, a) == 0)
					g_strlcpy(id, k, sizeof(id));
			g_autofree char *q =
			    g_strdup_printf("//text[@class='rl' and @data-profile='%s']/title", id);
			xmlXPathObjectPtr t = xp(xc, q);
			ck_assert_msg(t->nodesetval && t->nodesetval->nodeNr == 1,
				      "%s: no label for %s", name, a);
			xmlChar *tt = xmlNodeGetContent(t->nodesetval->nodeTab[0]);
			ck_assert_msg(strstr((const char *)tt, h), "%s: label of %s lacks '%s': %s",
				      name, a, h, tt);
			xmlFree(tt);
			xmlXPathFreeObject(t);
		} else {
			ck_abort_msg("%s: bad expect line '%s'", name, *l);
		}
	}
	ck_assert_msg(want_cells == (size_t)(n * n), "%s: expect lists %zu of %d cells", name,
		      want_cells, n * n);
	ck_assert_uint_eq(st->cells[MC_CELL_OK] + st->cells[MC_CELL_ACTION] +
			      st->cells[MC_CELL_BLOCKED] + st->cells[MC_CELL_NA] +
			      st->cells[MC_CELL_ERROR],
			  (size_t)(n * n));
	ck_assert_uint_le(st->hosts, nhosts);
	xmlFree(body);
	xmlXPathFreeContext(xc);
	xmlFreeDoc(doc);
}

START_TEST(report_case)
{
	const char *name = names->pdata[_i];
	g_autofree char *fp = tu_path("report", name, ".fleet");
	g_autofree char *ft = tu_read(fp, NULL);
	ck_assert_msg(ft != NULL, "missing %s", fp);
	g_autoptr(GHashTable) file_of =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) facts_of =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)mc_facts_free);
	mc_gate_fleet *fleet = mc_gate_fleet_new();
	mc_error err = { 0 };
	size_t nhosts = 0;
	g_auto(GStrv) lines = g_strsplit(ft, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l || **l == '#')
			continue;
		g_auto(GStrv) w = g_strsplit(*l, "\t", 2);
		ck_assert_msg(w[0] && w[1], "%s: bad line '%s'", fp, *l);
		g_autofree char *host = g_strcompress(w[0]);
		g_autofree char *path = g_build_filename(tu_datadir(), w[1], NULL);
		mc_facts *f = mc_profile_load_file(path, NULL, &err);
		ck_assert_msg(f != NULL, "%s", err.msg);
		char id[MC_PROFILE_ID_LEN + 1];
		ck_assert_int_eq(mc_profile_id(f, id, &err), 0);
		g_hash_table_replace(file_of, g_strdup(id), g_strdup(w[1]));
		ck_assert_msg(mc_gate_fleet_add(fleet, host, f, &err) == 0, "%s", err.msg);
		g_hash_table_replace(facts_of, g_strdup(id), f);
		nhosts++;
	}
	mc_html_opts o = { .source = "test <fleet> & \"co\"",
			   .generated = 1764043200,
			   .env = tu_plan_env() };
	g_autoptr(GHashTable) keep = load_opts(name, &o);
	g_autofree char *ep = tu_path("report", name, ".expect");
	g_autofree char *et = tu_read(ep, NULL);
	ck_assert_msg(et != NULL, "missing %s", ep);
	g_auto(GStrv) el = g_strsplit(et, "\n", -1);

	mc_html_stats st = { 0 };
	size_t len = 0;
	int rc = 0;
	char *page = render(fleet, &o, &st, &err, &rc, &len);
	if (rc < 0) {
		int code = 0;
		char text[256] = "";
		ck_assert_msg(sscanf(et, "error %d %255[^\n]", &code, text) == 2,
			      "%s: render failed: %s", name, err.msg);
		ck_assert_msg(code == err.exit_code && strstr(err.msg, text), "%s: got %d %s", name,
			      err.exit_code, err.msg);
		ck_assert_msg(len == 0, "%s: wrote %zu bytes before failing", name, len);
		goto done;
	}
	ck_assert_msg(!g_str_has_prefix(et, "error"), "%s: rendering should fail", name);
	check_page(name, page, len, &st, file_of, facts_of, el, nhosts);
done:
	free(page);
	mc_gate_fleet_free(fleet);
}
END_TEST

/* The page's own script and style survive the writer unchanged (their CSP
 * hashes depend on it) and keep the page well-formed XML. */
START_TEST(constants_plain)
{
	ck_assert_ptr_null(strpbrk(mc_html_script, "<>&\"\r"));
	ck_assert_ptr_null(strpbrk(mc_html_style, "<>&\"\r"));
	ck_assert_ptr_null(strstr(mc_html_script, "innerHTML"));
	ck_assert_ptr_null(strstr(mc_html_style, "url("));
}
END_TEST

/* A full disk is an I/O error naming the problem, not a silent success. */
START_TEST(write_error)
{
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		return; /* no /dev/full in this sandbox */
	g_autofree char *p = g_build_filename(tu_datadir(), "gate/profiles/psci-old.facts", NULL);
	mc_error err = { 0 };
	mc_facts *facts = mc_profile_load_file(p, NULL, &err);
	ck_assert_ptr_nonnull(facts);
	mc_gate_fleet *fleet = mc_gate_fleet_new();
	ck_assert_int_eq(mc_gate_fleet_add(fleet, "h1", facts, &err), 0);
	int r = mc_report_html(f, fleet, NULL, NULL, &err);
	fclose(f);
	ck_assert_int_lt(r, 0);
	ck_assert_int_eq(err.exit_code, MC_EXIT_IOERR);
	ck_assert_msg(strstr(err.msg, "writing the page failed"), "%s", err.msg);
	mc_gate_fleet_free(fleet);
	mc_facts_free(facts);
}
END_TEST

START_TEST(cap_limit)
{
	mc_gate_fleet *fleet = mc_gate_fleet_new();
	mc_html_opts o = { .max_profiles = MC_HTML_MAX_PROFILES_LIMIT + 1 };
	mc_error err = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ck_assert_int_eq(mc_report_html(m, fleet, &o, NULL, &err), -ERANGE);
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	fclose(m);
	ck_assert_uint_eq(len, 0);
	free(buf);
	mc_gate_fleet_free(fleet);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_html");
	names = tu_list("report", ".fleet");
	tu_add_cases(s, "report", names, report_case, NULL, NULL);
	TCase *tc = tcase_create("fixed");
	tcase_add_test(tc, constants_plain);
	tcase_add_test(tc, write_error);
	tcase_add_test(tc, cap_limit);
	suite_add_tcase(s, tc);
	int rc = tu_run(s);
	g_ptr_array_free(names, TRUE);
	return rc;
}
