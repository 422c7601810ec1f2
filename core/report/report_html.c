#include "core/report/report_html.h"

#include <errno.h>
#include <glib.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <string.h>

#include "core/model/profile.h"

#define XHTML_NS "http://www.w3.org/1999/xhtml"
#define SVG_NS "http://www.w3.org/2000/svg"

/* Geometry: label areas and the cell pitch (chosen by the matrix size). */
#define ROW_LABEL_W 400 /* left of the cells */
#define COL_LABEL_H 200 /* above the cells */
#define COL_LABEL_EXTRA 170
#define ROW_LABEL_CHARS 52
#define COL_LABEL_CHARS 34
#define HOSTS_NAMED_AXIS 3   /* host names on an axis label */
#define HOSTS_NAMED_TABLE 50 /* host names in the profile table */
#define FIELD_CHARS 600      /* a verdict's reason / facts / remedy */

const char mc_html_style[] =
    "body{margin:0;padding:0 16px;font:13px/1.35 'DejaVu Sans',sans-serif;color:#222;"
    "background:#fff}"
    "header{height:104px;overflow:hidden}"
    "h1{font-size:20px;margin:10px 0 4px}"
    ".summary{margin:0 0 8px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
    ".legend{list-style:none;margin:0;padding:0;display:flex;gap:20px}"
    ".legend li{display:flex;align-items:center;gap:6px}"
    ".sw{display:inline-block;width:16px;height:16px;border:1px solid #777}"
    "main{display:flex;align-items:flex-start;gap:16px}"
    "#matrix-wrap{flex:0 1 auto;overflow:auto;max-width:calc(100vw - 470px)}"
    "#panel{flex:0 0 410px;position:sticky;top:0;max-height:100vh;overflow:auto;"
    "border-left:1px solid #ccc;padding:0 0 0 12px}"
    "#panel h2,#profiles h2{font-size:16px;margin:8px 0}"
    "svg{display:block}"
    "svg text{font:12px 'DejaVu Sans',sans-serif;fill:#222}"
    "svg text.axis{font-style:italic;fill:#555}"
    "svg text.hl{font-weight:bold;fill:#000}"
    ".cell{cursor:pointer;stroke:#fff;stroke-width:0}"
    ".cell.pinned{stroke:#000;stroke-width:2}"
    ".cell.ok{fill:#1a9850}.cell.action{fill:#fdbf3f}.cell.blocked{fill:#c62828}"
    ".cell.na{fill:#e4e4e4}.cell.error{fill:#8e8e8e}"
    ".sw.ok{background:#1a9850}.sw.action{background:#fdbf3f}.sw.blocked{background:#c62828}"
    ".sw.na{background:#e4e4e4}.sw.error{background:#8e8e8e}"
    "use.g{pointer-events:none}"
    "table{border-collapse:collapse;margin:4px 0 8px}"
    "td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}"
    ".v{margin:0 0 10px;padding:4px 0 4px 8px;border-left:4px solid #ccc}"
    ".v.blocked{border-color:#c62828}.v.action{border-color:#fdbf3f}"
    ".vh{font-weight:bold}.lv{text-transform:uppercase;font-size:11px}"
    ".v.blocked .lv{color:#c62828}.v.action .lv{color:#a66f00}"
    ".fam{color:#555}.subj{overflow-wrap:anywhere}"
    ".facts{font-family:'DejaVu Sans Mono',monospace;font-size:11px;color:#444;"
    "overflow-wrap:anywhere}"
    ".remedy{color:#1a5e9a}"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:12px}"
    "td.nw{white-space:nowrap}"
    "#profiles{margin-top:16px}";

/* No '<', '>', '&' or '"': the writer would escape them, which breaks the
 * script (and its CSP hash); so no comparisons, no arrow functions, no
 * logical and. */
const char mc_html_script[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var svg = document.getElementById('matrix');\n"
    "  var body = document.getElementById('panel-body');\n"
    "  var pinned = null;\n"
    "  var lit = [];\n"
    "  function light(cell) {\n"
    "    lit.forEach(function (e) { e.classList.remove('hl'); });\n"
    "    lit = [];\n"
    "    ['rl-' + cell.getAttribute('data-r'), 'cl-' + cell.getAttribute('data-c')]\n"
    "      .forEach(function (id) {\n"
    "        var e = document.getElementById(id);\n"
    "        if (e) { e.classList.add('hl'); lit.push(e); }\n"
    "      });\n"
    "  }\n"
    "  function show(cell) {\n"
    "    while (body.firstChild) body.removeChild(body.firstChild);\n"
    "    light(cell);\n"
    "    var d = document.getElementById('d-' + cell.getAttribute('data-r') + '-' +\n"
    "                                    cell.getAttribute('data-c'));\n"
    "    if (d) {\n"
    "      var copy = d.cloneNode(true);\n"
    "      copy.removeAttribute('id');\n"
    "      copy.removeAttribute('hidden');\n"
    "      body.appendChild(copy);\n"
    "    } else {\n"
    "      var p = document.createElement('p');\n"
    "      var t = cell.querySelector('title');\n"
    "      p.textContent = t ? t.textContent : '';\n"
    "      body.appendChild(p);\n"
    "    }\n"
    "  }\n"
    "  function cellOf(ev) {\n"
    "    var t = ev.target;\n"
    "    return t.closest ? t.closest('.cell') : null;\n"
    "  }\n"
    "  svg.addEventListener('mouseover', function (ev) {\n"
    "    var cell = cellOf(ev);\n"
    "    if (cell) { if (!pinned) show(cell); }\n"
    "  });\n"
    "  function pin(cell) {\n"
    "    if (pinned) pinned.classList.remove('pinned');\n"
    "    pinned = pinned === cell ? null : cell;\n"
    "    if (pinned) pinned.classList.add('pinned');\n"
    "    show(cell);\n"
    "  }\n"
    "  svg.addEventListener('click', function (ev) {\n"
    "    var cell = cellOf(ev);\n"
    "    if (!cell) return;\n"
    "    ev.preventDefault();\n"
    "    pin(cell);\n"
    "  });\n"
    "  /* page.html#d-R-C opens with that cell pinned */\n"
    "  function fromHash() {\n"
    "    var m = /^#d-([0-9]+)-([0-9]+)$/.exec(window.location.hash);\n"
    "    if (!m) return;\n"
    "    var cell = document.getElementById('c-' + m[1] + '-' + m[2]);\n"
    "    if (cell) { pinned = null; pin(cell); }\n"
    "  }\n"
    "  window.addEventListener('hashchange', fromHash);\n"
    "  fromHash();\n"
    "  document.addEventListener('keydown', function (ev) {\n"
    "    if (ev.key !== 'Escape') return;\n"
    "    if (pinned) pinned.classList.remove('pinned');\n"
    "    pinned = null;\n"
    "  });\n"
    "  var r = svg.getBoundingClientRect();\n"
    "  svg.setAttribute('data-page-x', String(Math.round(r.left + window.scrollX)));\n"
    "  svg.setAttribute('data-page-y', String(Math.round(r.top + window.scrollY)));\n"
    "  document.documentElement.setAttribute('data-ready', '1');\n"
    "})();\n";

static const char *const kind_names[MC_CELL_KINDS] = { "ok", "action", "blocked", "na", "error" };
static const char *const kind_text[MC_CELL_KINDS] = { "ok", "ok with action", "blocked",
						      "other architecture (not compared)",
						      "not planned (error)" };

const char *mc_cell_kind_name(mc_cell_kind k)
{
	return k < MC_CELL_KINDS ? kind_names[k] : "?";
}

/* ---- untrusted text ---- */

/* Valid UTF-8 that XML 1.0 can carry (C0/C1 controls other than tab and
 * newline, U+FFFE and U+FFFF become U+FFFD), at most max_chars characters
 * (0: no limit) with an ellipsis when cut. */
static char *clean(const char *s, size_t max_chars)
{
	g_autofree char *v = g_utf8_make_valid(s ? s : "", -1);
	GString *o = g_string_sized_new(strlen(v) + 4);
	size_t n = 0;
	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		if (max_chars && n == max_chars) {
			g_string_append(o, "\u2026");
			break;
		}
		gunichar c = g_utf8_get_char(p);
		if ((c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c <= 0x9f) ||
		    c == 0xfffe || c == 0xffff)
			c = 0xfffd;
		g_string_append_unichar(o, c);
		n++;
	}
	return g_string_free(o, FALSE);
}

/* ---- a writer that remembers its first failure ---- */
typedef struct {
	xmlTextWriterPtr w;
	bool bad;
} wr;

static void ck(wr *w, int r)
{
	if (r < 0)
		w->bad = true;
}

static void start(wr *w, const char *el)
{
	ck(w, xmlTextWriterStartElement(w->w, BAD_CAST el));
}

/* HTML elements: always an end tag (<div/> opens a div in HTML). */
static void end_html(wr *w)
{
	ck(w, xmlTextWriterFullEndElement(w->w));
}

/* SVG elements and HTML void elements. */
static void end_empty(wr *w)
{
	ck(w, xmlTextWriterEndElement(w->w));
}

static void attr(wr *w, const char *name, const char *value)
{
	g_autofree char *v = clean(value, 0);
	ck(w, xmlTextWriterWriteAttribute(w->w, BAD_CAST name, BAD_CAST v));
}

static void attrf(wr *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void attrf(wr *w, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	attr(w, name, s);
}

static void text(wr *w, const char *s)
{
	g_autofree char *v = clean(s, 0);
	ck(w, xmlTextWriterWriteString(w->w, BAD_CAST v));
}

static void textf(wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(wr *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	text(w, s);
}

/* <EL [class=CLS]>TEXT</EL> */
static void elem(wr *w, const char *el, const char *cls, const char *s)
{
	start(w, el);
	if (cls)
		attr(w, "class", cls);
	text(w, s);
	end_html(w);
}

/* ---- the fleet's profiles, as shown ---- */
typedef struct {
	size_t idx; /* in the fleet */
	const char *id;
	const mc_facts *facts;
	const char *arch;    /* into facts, or "" */
	const char *release; /* into facts, or "" */
	size_t nhosts;
	size_t nprofiles; /* profiles of its migration class */
	char name[16];    /* "P12" */
} prof;

static int by_hosts(const void *a, const void *b)
{
	const prof *x = a, *y = b;
	if (x->nhosts != y->nhosts)
		return x->nhosts > y->nhosts ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int by_display(const void *a, const void *b)
{
	const prof *x = a, *y = b;
	int c = strcmp(x->arch, y->arch);
	if (c)
		return c;
	if ((c = strcmp(x->release, y->release)))
		return c;
	return by_hosts(a, b);
}

/* "N host(s): a, b, c +M" */
static char *hosts_text(const mc_gate_fleet *f, const prof *p, size_t named)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%zu host%s", p->nhosts, p->nhosts == 1 ? "" : "s");
	for (size_t j = 0; j < p->nhosts && j < named; j++)
		g_string_append_printf(s, "%s%s", j ? ", " : ": ",
				       mc_gate_fleet_host(f, p->idx, j));
	if (p->nhosts > named)
		g_string_append_printf(s, " +%zu", p->nhosts - named);
	return g_string_free(s, FALSE);
}

/* ---- one cell ---- */
typedef struct {
	mc_cell_kind kind;
	mc_plan *plan;
	char errmsg[MC_ERROR_MSG_MAX];
} cell;

static void cell_compute(cell *c, mc_plan_cache *cache, const mc_plan_env *env, const prof *s,
			 const prof *d)
{
	mc_error err = { 0 };
	memset(c, 0, sizeof(*c));
	if (strcmp(s->arch, d->arch) != 0 && *s->arch && *d->arch) {
		c->kind = MC_CELL_NA;
		return;
	}
	mc_pins *pins = mc_pins_new();
	c->plan = mc_plan_compute_cached(cache, env, s->facts, d->facts, pins, &err);
	mc_pins_free(pins);
	if (!c->plan) {
		c->kind = MC_CELL_ERROR;
		g_strlcpy(c->errmsg, err.msg, sizeof(c->errmsg));
		return;
	}
	switch (mc_plan_worst(c->plan)) {
	case MC_V_OK:
		c->kind = MC_CELL_OK;
		break;
	case MC_V_ACTION:
		c->kind = MC_CELL_ACTION;
		break;
	default:
		c->kind = MC_CELL_BLOCKED;
	}
}

/* The non-ok verdicts, blocked first (plan order within a level). */
static GPtrArray *nonok(const mc_plan *p)
{
	GPtrArray *v = g_ptr_array_new();
	for (int lv = MC_V_BLOCKED; lv > MC_V_OK; lv--)
		for (size_t i = 0; i < mc_plan_count(p); i++)
			if (mc_plan_at(p, i)->level == (mc_level)lv)
				g_ptr_array_add(v, (gpointer)mc_plan_at(p, i));
	return v;
}

static char *cell_summary(const cell *c, const prof *s, const prof *d)
{
	GString *t = g_string_new(NULL);
	g_string_append_printf(t, "%s \u2192 %s: %s", s->name, d->name, kind_text[c->kind]);
	if (c->kind == MC_CELL_NA)
		g_string_append_printf(t, " (%s \u2192 %s)", s->arch, d->arch);
	else if (c->kind == MC_CELL_ERROR)
		g_string_append_printf(t, " \u2014 %s", c->errmsg);
	else if (c->kind != MC_CELL_OK) {
		g_autoptr(GPtrArray) v = nonok(c->plan);
		for (guint i = 0; i < v->len && i < 3; i++) {
			const mc_verdict *x = v->pdata[i];
			g_string_append_printf(t, "%s%s %s", i ? "; " : " \u2014 ", x->family,
					       x->subject);
		}
		if (v->len > 3)
			g_string_append_printf(t, "; +%u more", v->len - 3);
	}
	return g_string_free(t, FALSE);
}

static void write_detail(wr *w, const mc_gate_fleet *f, const cell *c, const prof *s, const prof *d,
			 size_t r, size_t col)
{
	start(w, "section");
	attrf(w, "id", "d-%zu-%zu", r, col);
	attrf(w, "class", "detail %s", kind_names[c->kind]);
	attr(w, "hidden", "hidden");
	start(w, "h3");
	textf(w, "%s \u2192 %s: %s", s->name, d->name, kind_text[c->kind]);
	end_html(w);
	g_autofree char *sh = hosts_text(f, s, HOSTS_NAMED_AXIS);
	g_autofree char *dh = hosts_text(f, d, HOSTS_NAMED_AXIS);
	start(w, "p");
	textf(w, "from %s %.12s (%s %s; %s)", s->name, s->id, s->arch, s->release, sh);
	start(w, "br");
	end_empty(w);
	textf(w, "to %s %.12s (%s %s; %s)", d->name, d->id, d->arch, d->release, dh);
	end_html(w);
	if (c->kind == MC_CELL_ERROR) {
		elem(w, "p", "error", c->errmsg);
	} else if (c->kind != MC_CELL_NA) {
		g_autoptr(GPtrArray) v = nonok(c->plan);
		for (guint i = 0; i < v->len && i < MC_HTML_MAX_VERDICTS; i++) {
			const mc_verdict *x = v->pdata[i];
			g_autofree char *reason = clean(x->reason, FIELD_CHARS);
			g_autofree char *facts = clean(x->facts, FIELD_CHARS);
			g_autofree char *remedy = clean(x->remedy, FIELD_CHARS);
			start(w, "div");
			attrf(w, "class", "v %s", mc_level_name(x->level));
			start(w, "div");
			attr(w, "class", "vh");
			elem(w, "span", "lv", mc_level_name(x->level));
			text(w, " ");
			elem(w, "span", "fam", x->family);
			text(w, " ");
			elem(w, "span", "subj", x->subject);
			end_html(w);
			elem(w, "div", "reason", reason);
			if (x->facts)
				elem(w, "div", "facts", facts);
			if (x->remedy) {
				g_autofree char *rm = g_strdup_printf("remedy: %s", remedy);
				elem(w, "div", "remedy", rm);
			}
			end_html(w);
		}
		start(w, "p");
		attr(w, "class", "more");
		if (v->len > MC_HTML_MAX_VERDICTS)
			textf(w, "+%u more non-ok verdicts. ", v->len - MC_HTML_MAX_VERDICTS);
		text(w, "All verdicts: ");
		start(w, "code");
		textf(w, "migcheck plan %.12s %.12s", s->id, d->id);
		end_html(w);
		end_html(w);
	}
	end_html(w);
}

/* Glyphs drawn in the cells (font-independent), 10x10 viewBox. */
static void write_glyph_defs(wr *w)
{
	static const struct {
		const char *id, *d, *stroke;
	} g[] = {
		{ "g-ok", "M1.5 5.5 L4 8 L8.5 2", "#fff" },
		{ "g-action", "M5 1.5 L5 6 M5 7.8 L5 8.6", "#222" },
		{ "g-blocked", "M2 2 L8 8 M8 2 L2 8", "#fff" },
		{ "g-na", "M2.5 5 L7.5 5", "#999" },
		{ "g-error", "M3 3.5 Q5 0.5 7 3.5 Q7 5 5 5.8 L5 6.8 M5 8 L5 8.8", "#fff" },
	};
	start(w, "defs");
	for (size_t i = 0; i < G_N_ELEMENTS(g); i++) {
		start(w, "symbol");
		attr(w, "id", g[i].id);
		attr(w, "viewBox", "0 0 10 10");
		start(w, "path");
		attr(w, "d", g[i].d);
		attr(w, "fill", "none");
		attr(w, "stroke", g[i].stroke);
		attr(w, "stroke-width", "1.6");
		attr(w, "stroke-linecap", "round");
		end_empty(w);
		end_empty(w);
	}
	end_empty(w);
}

static int pitch_for(size_t n)
{
	return n <= 16 ? 32 : n <= 40 ? 22 : 16;
}

/* Writes the SVG to `sv` and the detail sections to `dt`. */
static void write_matrix(wr *sv, wr *dt, const mc_gate_fleet *f, const mc_plan_env *env,
			 const prof *p, size_t n, mc_html_stats *st)
{
	int C = pitch_for(n);
	int x0 = ROW_LABEL_W, y0 = COL_LABEL_H;
	int W = x0 + (int)n * C + COL_LABEL_EXTRA, H = y0 + (int)n * C + 8;
	start(sv, "svg");
	attr(sv, "xmlns", SVG_NS);
	attr(sv, "id", "matrix");
	attrf(sv, "width", "%d", W);
	attrf(sv, "height", "%d", H);
	attrf(sv, "viewBox", "0 0 %d %d", W, H);
	attrf(sv, "data-cell", "%d", C);
	attrf(sv, "data-x0", "%d", x0);
	attrf(sv, "data-y0", "%d", y0);
	attrf(sv, "data-n", "%zu", n);
	attr(sv, "role", "img");
	attr(sv, "aria-label", "migration verdicts: rows are sources, columns destinations");
	write_glyph_defs(sv);
	start(sv, "text");
	attr(sv, "class", "axis");
	attr(sv, "x", "8");
	attrf(sv, "y", "%d", y0 - 24);
	text(sv, "rows: source profile");
	end_empty(sv);
	start(sv, "text");
	attr(sv, "class", "axis");
	attr(sv, "x", "8");
	attrf(sv, "y", "%d", y0 - 8);
	text(sv, "columns: destination profile \u2192");
	end_empty(sv);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *ht = hosts_text(f, &p[i], HOSTS_NAMED_AXIS);
		g_autofree char *hall = hosts_text(f, &p[i], HOSTS_NAMED_TABLE);
		g_autofree char *tip = g_strdup_printf("%s: profile %s\n%s %s\n%s", p[i].name,
						       p[i].id, p[i].arch, p[i].release, hall);
		g_autofree char *row =
		    g_strdup_printf("%s %s %s \u00b7 %s", p[i].name, p[i].arch, p[i].release, ht);
		g_autofree char *colt = g_strdup_printf("%s \u00b7 %s", p[i].name, ht);
		g_autofree char *rowc = clean(row, ROW_LABEL_CHARS);
		g_autofree char *colc = clean(colt, COL_LABEL_CHARS);
		int mid = (int)i * C + C / 2;
		start(sv, "text");
		attrf(sv, "id", "rl-%zu", i);
		attr(sv, "class", "rl");
		attrf(sv, "x", "%d", x0 - 8);
		attrf(sv, "y", "%d", y0 + mid);
		attr(sv, "text-anchor", "end");
		attr(sv, "dominant-baseline", "central");
		attr(sv, "data-profile", p[i].id);
		attrf(sv, "data-hosts", "%zu", p[i].nhosts);
		start(sv, "title");
		text(sv, tip);
		end_empty(sv);
		text(sv, rowc);
		end_empty(sv);
		start(sv, "text");
		attrf(sv, "id", "cl-%zu", i);
		attr(sv, "class", "cl");
		attrf(sv, "x", "%d", x0 + mid);
		attrf(sv, "y", "%d", y0 - 8);
		attrf(sv, "transform", "rotate(-50 %d %d)", x0 + mid, y0 - 8);
		attr(sv, "data-profile", p[i].id);
		attrf(sv, "data-hosts", "%zu", p[i].nhosts);
		start(sv, "title");
		text(sv, tip);
		end_empty(sv);
		text(sv, colc);
		end_empty(sv);
	}
	mc_autoplancache *cache = mc_plan_cache_new(); /* each profile compiled once */
	for (size_t r = 0; r < n; r++) {
		for (size_t c = 0; c < n; c++) {
			cell ce;
			cell_compute(&ce, cache, env, &p[r], &p[c]);
			st->cells[ce.kind]++;
			g_autofree char *sum = cell_summary(&ce, &p[r], &p[c]);
			int x = x0 + (int)c * C, y = y0 + (int)r * C;
			bool detail = ce.kind != MC_CELL_OK;
			if (detail) {
				start(sv, "a");
				attrf(sv, "href", "#d-%zu-%zu", r, c);
			}
			start(sv, "rect");
			attrf(sv, "id", "c-%zu-%zu", r, c);
			attrf(sv, "class", "cell %s", kind_names[ce.kind]);
			attrf(sv, "x", "%d", x + 1);
			attrf(sv, "y", "%d", y + 1);
			attrf(sv, "width", "%d", C - 2);
			attrf(sv, "height", "%d", C - 2);
			attrf(sv, "data-r", "%zu", r);
			attrf(sv, "data-c", "%zu", c);
			attr(sv, "data-src", p[r].id);
			attr(sv, "data-dst", p[c].id);
			start(sv, "title");
			text(sv, sum);
			end_empty(sv);
			end_empty(sv);
			if (detail)
				end_empty(sv);
			int gs = C / 2;
			start(sv, "use");
			attr(sv, "class", "g");
			attrf(sv, "href", "#g-%s", kind_names[ce.kind]);
			attrf(sv, "x", "%d", x + (C - gs) / 2);
			attrf(sv, "y", "%d", y + (C - gs) / 2);
			attrf(sv, "width", "%d", gs);
			attrf(sv, "height", "%d", gs);
			end_empty(sv);
			if (detail)
				write_detail(dt, f, &ce, &p[r], &p[c], r, c);
			mc_plan_free(ce.plan);
		}
	}
	end_empty(sv);
}

static void write_legend(wr *w, const mc_html_stats *st)
{
	static const char *const tips[MC_CELL_KINDS] = {
		"compatible",
		"compatible if the listed action is taken",
		"the restore would fail or silently weaken the guest",
		"profiles of different architectures",
		"the planner refused the pair",
	};
	start(w, "ul");
	attr(w, "class", "legend");
	for (int k = 0; k < MC_CELL_KINDS; k++) {
		start(w, "li");
		attr(w, "title", tips[k]);
		start(w, "span");
		attrf(w, "class", "sw %s", kind_names[k]);
		end_html(w);
		textf(w, "%s (%zu)", kind_text[k], st->cells[k]);
		end_html(w);
	}
	end_html(w);
}

/* A number cell: how many profiles plan alike (one migration class). */
static void textf_td(wr *w, size_t n)
{
	start(w, "td");
	attr(w, "class", "nw");
	textf(w, "%zu", n);
	end_html(w);
}

static void write_profiles(wr *w, const mc_gate_fleet *f, const prof *p, size_t n, const prof *rest,
			   size_t nrest)
{
	start(w, "section");
	attr(w, "id", "profiles");
	elem(w, "h2", NULL, "Profiles");
	start(w, "table");
	start(w, "tr");
	elem(w, "th", NULL, "");
	elem(w, "th", NULL, "profile id");
	elem(w, "th", NULL, "architecture");
	elem(w, "th", NULL, "kernel");
	elem(w, "th", NULL, "hosts");
	elem(w, "th", NULL, "profiles in class");
	end_html(w);
	for (size_t i = 0; i < n; i++) {
		g_autofree char *h = hosts_text(f, &p[i], HOSTS_NAMED_TABLE);
		start(w, "tr");
		attr(w, "data-profile", p[i].id);
		elem(w, "td", NULL, p[i].name);
		start(w, "td");
		elem(w, "code", NULL, p[i].id);
		end_html(w);
		elem(w, "td", "nw", p[i].arch);
		elem(w, "td", "nw", p[i].release);
		elem(w, "td", NULL, h);
		textf_td(w, p[i].nprofiles);
		end_html(w);
	}
	end_html(w);
	if (nrest) {
		size_t hosts = 0;
		for (size_t i = 0; i < nrest; i++)
			hosts += rest[i].nhosts;
		start(w, "p");
		attr(w, "class", "omitted");
		textf(w,
		      "Not shown: %zu more profile%s with %zu host%s in all (the matrix shows the "
		      "%zu profiles with the most hosts; raise the cap with --max-profiles, at "
		      "most %d, or narrow it with --arch).",
		      nrest, nrest == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s", n,
		      MC_HTML_MAX_PROFILES_LIMIT);
		end_html(w);
	}
	end_html(w);
}

static char *csp_hash(const char *s)
{
	guint8 d[32];
	gsize len = sizeof(d);
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(c, (const guchar *)s, strlen(s));
	g_checksum_get_digest(c, d, &len);
	g_checksum_free(c);
	g_autofree char *b = g_base64_encode(d, len);
	return g_strdup_printf("'sha256-%s'", b);
}

static wr mem_writer(xmlBufferPtr *buf)
{
	wr w = { 0 };
	*buf = xmlBufferCreate();
	w.w = *buf ? xmlNewTextWriterMemory(*buf, 0) : NULL;
	w.bad = !w.w;
	return w;
}

int mc_report_html(FILE *out, const mc_gate_fleet *fleet, const mc_html_opts *o,
		   mc_html_stats *st_out, mc_error *err)
{
	mc_html_opts def = { 0 };
	mc_html_stats st = { 0 };
	if (!o)
		o = &def;
	size_t max = o->max_profiles ? o->max_profiles : MC_HTML_MAX_PROFILES;
	if (max > MC_HTML_MAX_PROFILES_LIMIT)
		return mc_error_set(err, MC_EXIT_USAGE, ERANGE,
				    "report: at most %d profiles fit a matrix, not %zu",
				    MC_HTML_MAX_PROFILES_LIMIT, max);
	size_t total = mc_gate_fleet_count(fleet), n = 0;
	g_autofree prof *p = g_new0(prof, total ? total : 1);
	for (size_t i = 0; i < total; i++) {
		const mc_facts *facts = mc_gate_fleet_facts(fleet, i);
		const char *arch = mc_facts_get(facts, "kernel", "arch");
		const char *rel = mc_facts_get(facts, "kernel", "release");
		if (o->arch && g_strcmp0(arch, o->arch) != 0)
			continue;
		p[n] = (prof){ .idx = i,
			       .id = mc_gate_fleet_id(fleet, i),
			       .facts = facts,
			       .arch = arch ? arch : "",
			       .release = rel ? rel : "",
			       .nhosts = mc_gate_fleet_nhosts(fleet, i),
			       .nprofiles = mc_gate_fleet_nprofiles(fleet, i) };
		st.hosts += p[n].nhosts;
		n++;
	}
	if (!n)
		return o->arch ? mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
					      "report: %s: the fleet has no %s profile",
					      o->source ? o->source : "fleet", o->arch)
			       : mc_error_set(err, MC_EXIT_NOINPUT, ENOENT,
					      "report: %s: the fleet has no hosts",
					      o->source ? o->source : "fleet");
	st.profiles = n;
	qsort(p, n, sizeof(*p), by_hosts);
	size_t shown = n < max ? n : max;
	qsort(p, shown, sizeof(*p), by_display);
	for (size_t i = 0; i < shown; i++) {
		snprintf(p[i].name, sizeof(p[i].name), "P%zu", i + 1);
		st.hosts_shown += p[i].nhosts;
	}
	st.shown = shown;

	xmlBufferPtr sbuf = NULL, dbuf = NULL, mbuf = NULL;
	wr sv = mem_writer(&sbuf), dt = mem_writer(&dbuf), w = mem_writer(&mbuf);
	g_autofree char *script_hash = csp_hash(mc_html_script);
	g_autofree char *style_hash = csp_hash(mc_html_style);
	g_autofree char *title =
	    g_strdup_printf("migcheck fleet matrix \u2014 %s", o->source ? o->source : "fleet");
	int r = 0;
	if (sv.bad || dt.bad || w.bad)
		goto fail;
	start(&dt, "div");
	attr(&dt, "id", "details");
	attr(&dt, "hidden", "hidden");
	write_matrix(&sv, &dt, fleet, o->env, p, shown, &st);
	end_html(&dt);
	ck(&sv, xmlTextWriterFlush(sv.w));
	ck(&dt, xmlTextWriterFlush(dt.w));
	if (sv.bad || dt.bad)
		goto fail;

	ck(&w, xmlTextWriterWriteDTD(w.w, BAD_CAST "html", NULL, NULL, NULL));
	ck(&w, xmlTextWriterWriteRaw(w.w, BAD_CAST "\n"));
	start(&w, "html");
	attr(&w, "xmlns", XHTML_NS);
	attr(&w, "lang", "en");
	start(&w, "head");
	start(&w, "meta");
	attr(&w, "charset", "utf-8");
	end_empty(&w);
	start(&w, "meta");
	attr(&w, "http-equiv", "Content-Security-Policy");
	attrf(&w, "content",
	      "default-src 'none'; script-src %s; style-src %s; img-src data:; "
	      "base-uri 'none'; form-action 'none'",
	      script_hash, style_hash);
	end_empty(&w);
	start(&w, "meta");
	attr(&w, "name", "generator");
	attr(&w, "content", "migcheck report");
	end_empty(&w);
	elem(&w, "title", NULL, title);
	elem(&w, "style", NULL, mc_html_style);
	end_html(&w);
	start(&w, "body");
	start(&w, "header");
	elem(&w, "h1", NULL, "Fleet migration matrix");
	start(&w, "p");
	attr(&w, "class", "summary");
	textf(&w, "%s: %zu host%s, %zu distinct profile%s", o->source ? o->source : "fleet",
	      st.hosts, st.hosts == 1 ? "" : "s", st.profiles, st.profiles == 1 ? "" : "s");
	if (shown < n)
		textf(&w, " (matrix: the %zu with the most hosts, %zu hosts)", shown,
		      st.hosts_shown);
	if (o->arch)
		textf(&w, " of %s", o->arch);
	if (o->generated) {
		char ts[32];
		textf(&w, "; generated %s", mc_time_iso(o->generated, ts, sizeof(ts)));
	}
	text(&w, ". Rows: source, columns: destination; hover or click a cell.");
	end_html(&w);
	write_legend(&w, &st);
	end_html(&w);
	start(&w, "main");
	start(&w, "div");
	attr(&w, "id", "matrix-wrap");
	ck(&w, xmlTextWriterWriteRaw(w.w, xmlBufferContent(sbuf)));
	end_html(&w);
	start(&w, "aside");
	attr(&w, "id", "panel");
	elem(&w, "h2", NULL, "Details");
	start(&w, "div");
	attr(&w, "id", "panel-body");
	elem(&w, "p", NULL,
	     "Hover over a cell for its decisive verdicts; click to keep them here "
	     "(Escape releases).");
	end_html(&w);
	end_html(&w);
	end_html(&w);
	write_profiles(&w, fleet, p, shown, p + shown, n - shown);
	ck(&w, xmlTextWriterWriteRaw(w.w, xmlBufferContent(dbuf)));
	elem(&w, "script", NULL, mc_html_script);
	end_html(&w); /* body */
	end_html(&w); /* html */
	ck(&w, xmlTextWriterEndDocument(w.w));
	ck(&w, xmlTextWriterFlush(w.w));
	if (w.bad)
		goto fail;
	size_t len = (size_t)xmlBufferLength(mbuf);
	if (fwrite(xmlBufferContent(mbuf), 1, len, out) != len || fputc('\n', out) == EOF ||
	    fflush(out) != 0) {
		r = mc_error_set(err, MC_EXIT_IOERR, errno ? errno : EIO,
				 "report: writing the page failed: %s",
				 g_strerror(errno ? errno : EIO));
		goto out;
	}
	if (st_out)
		*st_out = st;
	goto out;
fail:
	r = mc_error_set(err, MC_EXIT_SOFTWARE, EIO, "report: HTML writer failed");
out:
	if (sv.w)
		xmlFreeTextWriter(sv.w);
	if (dt.w)
		xmlFreeTextWriter(dt.w);
	if (w.w)
		xmlFreeTextWriter(w.w);
	if (sbuf)
		xmlBufferFree(sbuf);
	if (dbuf)
		xmlBufferFree(dbuf);
	if (mbuf)
		xmlBufferFree(mbuf);
	return r;
}
