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
 * Content-Security-Policy), no reference outside the page, one cell per
 * pair at its documented position, and a detail section per non-ok cell. */
#include <errno.h>
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
		"html",   "head", "meta", "title", "style", "body",   "header", "h1",      "h2",
		"h3",     "p",    "ul",   "li",    "span",  "main",   "div",    "svg",     "defs",
		"symbol", "path", "text", "a",     "rect",  "use",    "aside",  "section", "table",
		"tr",     "th",   "td",   "code",  "br",    "script", NULL
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

static void check_page(const char *name, const char *page, size_t len, const mc_html_stats *st,
		       GHashTable *file_of, char **el, size_t nhosts)
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

	/* Geometry and cells. */
	xmlXPathObjectPtr svgo = xp(xc, "//svg[@id='matrix']");
	ck_assert_int_eq(svgo->nodesetval ? svgo->nodesetval->nodeNr : 0, 1);
	xmlNodePtr svg = svgo->nodesetval->nodeTab[0];
	int C = prop_int(svg, "data-cell"), x0 = prop_int(svg, "data-x0"),
	    y0 = prop_int(svg, "data-y0"), n = prop_int(svg, "data-n");
	xmlXPathFreeObject(svgo);
	ck_assert_int_gt(C, 4);
	ck_assert_uint_eq(st->shown, (size_t)n);
	ck_assert_uint_eq(xp_count(xc, "//text[@class='rl']"), (size_t)n);
	ck_assert_uint_eq(xp_count(xc, "//text[@class='cl']"), (size_t)n);
	xmlXPathObjectPtr cells = xp(xc, "//rect[starts-with(@class,'cell ')]");
	int ncells = cells->nodesetval ? cells->nodesetval->nodeNr : 0;
	ck_assert_int_eq(ncells, n * n);
	g_autoptr(GHashTable) got = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree bool *seen = g_new0(bool, (size_t)(n * n) + 1);
	for (int i = 0; i < ncells; i++) {
		xmlNodePtr r = cells->nodesetval->nodeTab[i];
		int row = prop_int(r, "data-r"), col = prop_int(r, "data-c");
		ck_assert(row >= 0 && row < n && col >= 0 && col < n);
		ck_assert_msg(!seen[row * n + col], "cell %d,%d twice", row, col);
		seen[row * n + col] = true;
		ck_assert_int_eq(prop_int(r, "x"), x0 + col * C + 1);
		ck_assert_int_eq(prop_int(r, "y"), y0 + row * C + 1);
		ck_assert_int_eq(prop_int(r, "width"), C - 2);
		g_autofree char *cid = prop(r, "id");
		g_autofree char *wid = g_strdup_printf("c-%d-%d", row, col);
		ck_assert_str_eq(cid, wid);
		g_autofree char *cls = prop(r, "class");
		g_autofree char *src = prop(r, "data-src");
		g_autofree char *dst = prop(r, "data-dst");
		const char *kind = cls + strlen("cell ");
		const char *sf = g_hash_table_lookup(file_of, src);
		const char *df = g_hash_table_lookup(file_of, dst);
		ck_assert_msg(sf && df, "cell %d,%d: unknown profiles", row, col);
		g_hash_table_replace(got, g_strdup_printf("%s %s", sf, df), g_strdup(kind));
		/* The row's and column's labels name these profiles. */
		g_autofree char *lq = g_strdup_printf(
		    "//text[@id='rl-%d' and @data-profile='%s'] | //text[@id='cl-%d' and "
		    "@data-profile='%s']",
		    row, src, col, dst);
		ck_assert_uint_eq(xp_count(xc, lq), 2);
		g_autofree char *dq = g_strdup_printf("//section[@id='d-%d-%d']", row, col);
		ck_assert_uint_eq(xp_count(xc, dq), strcmp(kind, "ok") == 0 ? 0 : 1);
		if (strcmp(kind, "blocked") == 0 || strcmp(kind, "action") == 0) {
			/* The decisive verdict comes first-> */
			g_autofree char *fq =
			    g_strdup_printf("//section[@id='d-%d-%d']/div[starts-with(@class,'v "
					    "')][1][@class='v %s']",
					    row, col, kind);
			ck_assert_uint_eq(xp_count(xc, fq), 1);
		}
	}
	xmlXPathFreeObject(cells);

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
	g_autoptr(GHashTable) hosts_of = g_hash_table_new(g_str_hash, g_str_equal);
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
		mc_facts_free(f);
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
	check_page(name, page, len, &st, file_of, el, nhosts);
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
