#include "core/report/report_html.h"

#include <errno.h>
#include <glib.h>
#include <libxml/xmlwriter.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include "core/base/sha256.h"
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
    ".g{pointer-events:none}"
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
 * logical and. It draws the cells from the page's data (#mc-data, see
 * pagedata below) and builds a cell's details when it is shown. */
const char mc_html_script[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var SVG = 'http://www.w3.org/2000/svg';\n"
    "  var svg = document.getElementById('matrix');\n"
    "  var body = document.getElementById('panel-body');\n"
    "  var data = JSON.parse(document.getElementById('mc-data').textContent);\n"
    "  var P = data.profiles, V = data.verdicts, S = data.sets;\n"
    "  var TEXT = { ok: 'ok', action: 'ok with action', blocked: 'blocked',\n"
    "               na: 'other architecture (not compared)', error: 'not planned (error)' };\n"
    "  var C = Number(svg.getAttribute('data-cell'));\n"
    "  var x0 = Number(svg.getAttribute('data-x0'));\n"
    "  var y0 = Number(svg.getAttribute('data-y0'));\n"
    "  var gs = Math.floor(C / 2), off = Math.floor((C - gs) / 2), k = gs / 10;\n"
    "  function svgEl(name, attrs) {\n"
    "    var e = document.createElementNS(SVG, name);\n"
    "    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });\n"
    "    return e;\n"
    "  }\n"
    "  /* the glyphs: one path per kind (a use element per cell costs the\n"
    "     browser seconds), from the symbols' paths (M, L, Q: x y pairs) */\n"
    "  var glyphs = {};\n"
    "  Object.keys(TEXT).forEach(function (kind) {\n"
    "    var src = document.querySelector('#g-' + kind + ' path');\n"
    "    glyphs[kind] = { tokens: src.getAttribute('d').match(/[A-Za-z]|-?[0-9.]+/g),\n"
    "                     stroke: src.getAttribute('stroke'), d: [] };\n"
    "  });\n"
    "  function glyph(kind, x, y) {\n"
    "    var i = 0, out = [];\n"
    "    glyphs[kind].tokens.forEach(function (t) {\n"
    "      if (/[A-Za-z]/.test(t)) { out.push(t); return; }\n"
    "      out.push(Math.round(((i % 2 ? y : x) + Number(t) * k) * 100) / 100);\n"
    "      i++;\n"
    "    });\n"
    "    glyphs[kind].d.push(out.join(' '));\n"
    "  }\n"
    "  /* the cells, from the set id of each */\n"
    "  var frag = document.createDocumentFragment();\n"
    "  data.cells.forEach(function (row, r) {\n"
    "    row.forEach(function (sid, c) {\n"
    "      var kind = S[sid].kind, x = x0 + c * C, y = y0 + r * C;\n"
    "      var rect = svgEl('rect', { id: 'c-' + r + '-' + c, 'class': 'cell ' + kind,\n"
    "        x: x + 1, y: y + 1, width: C - 2, height: C - 2, 'data-r': r, 'data-c': c,\n"
    "        'data-src': P[r].id, 'data-dst': P[c].id });\n"
    "      if (kind === 'ok') {\n"
    "        frag.appendChild(rect);\n"
    "      } else {\n"
    "        var a = svgEl('a', { href: '#d-' + r + '-' + c });\n"
    "        a.appendChild(rect);\n"
    "        frag.appendChild(a);\n"
    "      }\n"
    "      glyph(kind, x + off, y + off);\n"
    "    });\n"
    "  });\n"
    "  Object.keys(glyphs).forEach(function (kind) {\n"
    "    var g = glyphs[kind];\n"
    "    if (g.d.length) frag.appendChild(svgEl('path', { 'class': 'g', 'data-kind': kind,\n"
    "      'data-n': g.d.length, d: g.d.join(' '), fill: 'none', stroke: g.stroke,\n"
    "      'stroke-width': 1.6 * k, 'stroke-linecap': 'round' }));\n"
    "  });\n"
    "  document.getElementById('cells').appendChild(frag);\n"
    "  function rc(cell) {\n"
    "    return [Number(cell.getAttribute('data-r')), Number(cell.getAttribute('data-c'))];\n"
    "  }\n"
    "  function summary(r, c) {\n"
    "    var s = S[data.cells[r][c]], t = P[r].name + ' \\u2192 ' + P[c].name + ': ' + "
    "TEXT[s.kind];\n"
    "    if (s.kind === 'na') return t + ' (' + P[r].arch + ' \\u2192 ' + P[c].arch + ')';\n"
    "    if (s.kind === 'error') return t + ' \\u2014 ' + s.error;\n"
    "    var v = s.v || [], n = v.length + (s.more || 0);\n"
    "    v.slice(0, 3).forEach(function (id, i) {\n"
    "      t += (i ? '; ' : ' \\u2014 ') + V[id].family + ' ' + V[id].subject;\n"
    "    });\n"
    "    if (Math.max(n, 3) !== 3) t += '; +' + (n - 3) + ' more';\n"
    "    return t;\n"
    "  }\n"
    "  function add(parent, name, cls, text) {\n"
    "    var e = document.createElement(name);\n"
    "    if (cls) e.className = cls;\n"
    "    if (text !== null) e.textContent = text;\n"
    "    parent.appendChild(e);\n"
    "    return e;\n"
    "  }\n"
    "  function side(what, p) {\n"
    "    return what + ' ' + p.name + ' ' + p.id.slice(0, 12) + ' (' + p.arch + ' ' + p.release +\n"
    "      '; ' + p.hosts + ')';\n"
    "  }\n"
    "  /* a cell's decisive verdicts, as a section */\n"
    "  function detail(r, c) {\n"
    "    var s = S[data.cells[r][c]];\n"
    "    var sec = document.createElement('section');\n"
    "    sec.className = 'detail ' + s.kind;\n"
    "    add(sec, 'h3', null, P[r].name + ' \\u2192 ' + P[c].name + ': ' + TEXT[s.kind]);\n"
    "    var p = add(sec, 'p', null, side('from', P[r]));\n"
    "    p.appendChild(document.createElement('br'));\n"
    "    p.appendChild(document.createTextNode(side('to', P[c])));\n"
    "    if (s.kind === 'error') {\n"
    "      add(sec, 'p', 'error', s.error);\n"
    "    } else if (s.kind !== 'na') {\n"
    "      (s.v || []).forEach(function (id) {\n"
    "        var x = V[id], d = add(sec, 'div', 'v ' + x.level, null);\n"
    "        var h = add(d, 'div', 'vh', null);\n"
    "        add(h, 'span', 'lv', x.level);\n"
    "        h.appendChild(document.createTextNode(' '));\n"
    "        add(h, 'span', 'fam', x.family);\n"
    "        h.appendChild(document.createTextNode(' '));\n"
    "        add(h, 'span', 'subj', x.subject);\n"
    "        add(d, 'div', 'reason', x.reason);\n"
    "        if ('facts' in x) add(d, 'div', 'facts', x.facts);\n"
    "        if ('remedy' in x) add(d, 'div', 'remedy', 'remedy: ' + x.remedy);\n"
    "      });\n"
    "      var m = add(sec, 'p', 'more', (s.more ? '+' + s.more + ' more non-ok verdicts. ' : '') "
    "+\n"
    "                  'All verdicts: ');\n"
    "      add(m, 'code', null, 'migcheck plan ' + P[r].id.slice(0, 12) + ' ' + P[c].id.slice(0, "
    "12));\n"
    "    }\n"
    "    return sec;\n"
    "  }\n"
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
    "    var at = rc(cell);\n"
    "    if (S[data.cells[at[0]][at[1]]].kind === 'ok') add(body, 'p', null, summary(at[0], "
    "at[1]));\n"
    "    else body.appendChild(detail(at[0], at[1]));\n"
    "  }\n"
    "  function cellOf(ev) {\n"
    "    var t = ev.target;\n"
    "    return t.closest ? t.closest('.cell') : null;\n"
    "  }\n"
    "  /* a cell's tooltip, made when first needed */\n"
    "  function titled(cell) {\n"
    "    if (cell.firstChild) return;\n"
    "    var t = document.createElementNS(SVG, 'title'), at = rc(cell);\n"
    "    t.textContent = summary(at[0], at[1]);\n"
    "    cell.appendChild(t);\n"
    "  }\n"
    "  svg.addEventListener('mouseover', function (ev) {\n"
    "    var cell = cellOf(ev);\n"
    "    if (!cell) return;\n"
    "    titled(cell);\n"
    "    if (!pinned) show(cell);\n"
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

/* Text with '&', '<' and '>' escaped but not '"' (the writer's &quot;
 * would make the page's JSON data a third bigger); `s` must be clean(). */
static void text_plain(wr *w, const char *s)
{
	GString *o = g_string_sized_new(strlen(s) + 64);
	for (const char *q = s; *q; q++) {
		if (*q == '&')
			g_string_append(o, "&amp;");
		else if (*q == '<')
			g_string_append(o, "&lt;");
		else if (*q == '>')
			g_string_append(o, "&gt;");
		else
			g_string_append_c(o, *q);
	}
	ck(w, xmlTextWriterWriteRaw(w->w, BAD_CAST o->str));
	g_string_free(o, TRUE);
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

/* ---- the page's data: each distinct verdict and verdict set once ----
 *
 * The page carries, as one JSON document in <div id="mc-data">:
 *   profiles  [{id, name, arch, release, hosts}] in display order
 *   verdicts  [{level, family, subject, reason[, facts][, remedy]}], each
 *             distinct verdict once (text cut to FIELD_CHARS characters)
 *   sets      [{kind[, v: [verdict ids]][, more: N][, error: MSG]}], each
 *             distinct cell content once: the non-ok verdicts, blocked first,
 *             at most MC_HTML_MAX_VERDICTS of them and the count of the rest
 *   cells     [[set id of cell (r, c) for each c] for each r]
 * and the page's script builds the cells and their details from it. */
typedef struct {
	GHashTable *vid, *sid; /* vkey / skey -> id + 1 */
	GString *verdicts, *sets, *cells;
	guint nv, ns;
} pagedata;

/* A verdict as the page shows it (the key of its id). */
typedef struct {
	mc_level level;
	const char *family, *subject, *reason, *facts, *remedy;
} vkey;

/* A cell's content (the key of its set id). */
typedef struct {
	mc_cell_kind kind;
	guint n, more;
	guint v[MC_HTML_MAX_VERDICTS];
	const char *error;
} skey;

static guint hash0(const char *s)
{
	return s ? g_str_hash(s) : 0x9e37u;
}

static guint vkey_hash(gconstpointer p)
{
	const vkey *k = p;
	guint h = (guint)k->level;
	h = h * 31 + hash0(k->family);
	h = h * 31 + hash0(k->subject);
	h = h * 31 + hash0(k->reason);
	h = h * 31 + hash0(k->facts);
	return h * 31 + hash0(k->remedy);
}

static gboolean vkey_equal(gconstpointer pa, gconstpointer pb)
{
	const vkey *a = pa, *b = pb;
	return a->level == b->level && g_strcmp0(a->family, b->family) == 0 &&
	       g_strcmp0(a->subject, b->subject) == 0 && g_strcmp0(a->reason, b->reason) == 0 &&
	       g_strcmp0(a->facts, b->facts) == 0 && g_strcmp0(a->remedy, b->remedy) == 0;
}

static void vkey_free(gpointer p)
{
	vkey *k = p;
	g_free((char *)k->family);
	g_free((char *)k->subject);
	g_free((char *)k->reason);
	g_free((char *)k->facts);
	g_free((char *)k->remedy);
	g_free(k);
}

static guint skey_hash(gconstpointer p)
{
	const skey *k = p;
	guint h = (guint)k->kind * 31 + k->n;
	h = h * 31 + k->more;
	for (guint i = 0; i < k->n; i++)
		h = h * 31 + k->v[i];
	return h * 31 + hash0(k->error);
}

static gboolean skey_equal(gconstpointer pa, gconstpointer pb)
{
	const skey *a = pa, *b = pb;
	return a->kind == b->kind && a->n == b->n && a->more == b->more &&
	       memcmp(a->v, b->v, a->n * sizeof(a->v[0])) == 0 &&
	       g_strcmp0(a->error, b->error) == 0;
}

static void skey_free(gpointer p)
{
	skey *k = p;
	g_free((char *)k->error);
	g_free(k);
}

static void json_str(GString *o, const char *s)
{
	g_string_append_c(o, '"');
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if (*q == '"' || *q == '\\')
			g_string_append_c(o, '\\');
		if (*q < 0x20)
			g_string_append_printf(o, "\\u%04x", *q);
		else
			g_string_append_c(o, (char)*q);
	}
	g_string_append_c(o, '"');
}

/* ,"NAME":"VALUE" with VALUE cleaned (cut to max characters; 0: no cut) */
static void json_field(GString *o, const char *name, const char *value, size_t max)
{
	g_autofree char *v = clean(value, max);
	g_string_append_printf(o, ",\"%s\":", name);
	json_str(o, v);
}

static vkey *vkey_dup(const vkey *x)
{
	vkey *k = g_new(vkey, 1);
	*k = (vkey){
		x->level,           g_strdup(x->family), g_strdup(x->subject), g_strdup(x->reason),
		g_strdup(x->facts), g_strdup(x->remedy)
	};
	return k;
}

static guint verdict_id(pagedata *pd, const vkey *x)
{
	guint id = GPOINTER_TO_UINT(g_hash_table_lookup(pd->vid, x));
	if (id)
		return id - 1;
	GString *o = pd->verdicts;
	g_string_append(o, pd->nv ? ",\n{\"level\":" : "{\"level\":");
	json_str(o, mc_level_name(x->level));
	json_field(o, "family", x->family, 0);
	json_field(o, "subject", x->subject, 0);
	json_field(o, "reason", x->reason, FIELD_CHARS);
	if (x->facts)
		json_field(o, "facts", x->facts, FIELD_CHARS);
	if (x->remedy)
		json_field(o, "remedy", x->remedy, FIELD_CHARS);
	g_string_append_c(o, '}');
	g_hash_table_insert(pd->vid, vkey_dup(x), GUINT_TO_POINTER(pd->nv + 1));
	return pd->nv++;
}

/* The non-ok verdicts, blocked first (plan order within a level). */
static GPtrArray *nonok(const mc_plan *p)
{
	GPtrArray *v = g_ptr_array_new();
	for (int lv = MC_V_BLOCKED; lv > MC_V_OK; lv--)
		for (size_t i = 0; i < mc_plan_count(p); i++)
			if (mc_plan_level_at(p, i) == (mc_level)lv)
				g_ptr_array_add(v, (gpointer)mc_plan_at(p, i));
	return v;
}

/* A cell as planned: its kind and content, the verdicts being a worker's
 * own copies (see plan_cells). */
typedef struct {
	mc_cell_kind kind;
	guint n, more;
	const vkey *v[MC_HTML_MAX_VERDICTS];
	char *error;
} cellres;

static guint set_id(pagedata *pd, const cellres *c)
{
	skey k = { .kind = c->kind, .n = c->n, .more = c->more, .error = c->error };
	for (guint i = 0; i < c->n; i++)
		k.v[i] = verdict_id(pd, c->v[i]);
	guint id = GPOINTER_TO_UINT(g_hash_table_lookup(pd->sid, &k));
	if (id)
		return id - 1;
	GString *o = pd->sets;
	g_string_append(o, pd->ns ? ",\n{\"kind\":" : "{\"kind\":");
	json_str(o, kind_names[c->kind]);
	if (c->kind == MC_CELL_ERROR)
		json_field(o, "error", c->error, 0);
	if (c->kind == MC_CELL_ACTION || c->kind == MC_CELL_BLOCKED) {
		g_string_append(o, ",\"v\":[");
		for (guint i = 0; i < k.n; i++)
			g_string_append_printf(o, "%s%u", i ? "," : "", k.v[i]);
		g_string_append_c(o, ']');
		if (k.more)
			g_string_append_printf(o, ",\"more\":%u", k.more);
	}
	g_string_append_c(o, '}');
	skey *kk = g_memdup2(&k, sizeof(k));
	kk->error = g_strdup(k.error);
	g_hash_table_insert(pd->sid, kk, GUINT_TO_POINTER(pd->ns + 1));
	return pd->ns++;
}

/* ---- planning the cells, on several threads ----
 * Worker t of nt plans rows t, t + nt, ... with its own plan cache (a
 * compiled profile is not shared between threads) and keeps each distinct
 * verdict once in its own table; the facts are sorted before (mc_facts
 * sorts itself on first read). The page's data is then built in cell order
 * by one thread, so the page does not depend on the thread count. */
typedef struct {
	const prof *p;
	size_t n;
	const mc_plan_env *env;
	cellres *cells; /* n x n, shared: each worker writes its own rows */
	size_t t, nt;
	GHashTable *vk; /* vkey -> itself, owned */
} worker;

static const vkey *worker_verdict(worker *w, const mc_verdict *x)
{
	vkey k = { x->level, x->family, x->subject, x->reason, x->facts, x->remedy };
	vkey *got = g_hash_table_lookup(w->vk, &k);
	if (!got) {
		got = vkey_dup(&k);
		g_hash_table_add(w->vk, got);
	}
	return got;
}

static void *work(void *arg)
{
	worker *w = arg;
	mc_autoplancache *cache = mc_plan_cache_new(); /* each class compiled once */
	for (size_t r = w->t; r < w->n; r += w->nt) {
		for (size_t c = 0; c < w->n; c++) {
			cell ce;
			cellres *o = &w->cells[r * w->n + c];
			cell_compute(&ce, cache, w->env, &w->p[r], &w->p[c]);
			o->kind = ce.kind;
			if (ce.kind == MC_CELL_ERROR)
				o->error = g_strdup(ce.errmsg);
			if (ce.kind == MC_CELL_ACTION || ce.kind == MC_CELL_BLOCKED) {
				g_autoptr(GPtrArray) v = nonok(ce.plan);
				for (guint i = 0; i < v->len && i < MC_HTML_MAX_VERDICTS; i++)
					o->v[o->n++] = worker_verdict(w, v->pdata[i]);
				o->more = v->len - o->n;
			}
			mc_plan_free(ce.plan);
		}
	}
	return NULL;
}

/* Threads for n x n cells: one for a small matrix; MC_REPORT_THREADS=N
 * (1 to 64) overrides. */
static size_t threads_for(size_t n)
{
	const char *e = g_getenv("MC_REPORT_THREADS");
	if (e) {
		guint64 v = g_ascii_strtoull(e, NULL, 10);
		if (v >= 1 && v <= 64)
			return (size_t)v;
	}
	if (n * n < 64)
		return 1;
	guint cpus = g_get_num_processors();
	return cpus < 1 ? 1 : cpus > 4 ? 4 : cpus;
}

/* Plan every cell (n x n, row-major; the caller frees with cells_free);
 * the workers' verdict tables go to `tables`, which must outlive the
 * cells. */
static cellres *plan_cells(const prof *p, size_t n, const mc_plan_env *env, GPtrArray *tables)
{
	cellres *cells = g_new0(cellres, n * n);
	size_t nt = threads_for(n);
	for (size_t i = 0; i < n; i++)
		(void)mc_facts_count(p[i].facts); /* sorted now, read-only from here */
	worker *ws = g_new0(worker, nt);
	pthread_t *th = g_new0(pthread_t, nt);
	bool *started = g_new0(bool, nt);
	for (size_t t = 0; t < nt; t++) {
		ws[t] = (worker){ p,
				  n,
				  env,
				  cells,
				  t,
				  nt,
				  g_hash_table_new_full(vkey_hash, vkey_equal, vkey_free, NULL) };
		g_ptr_array_add(tables, ws[t].vk);
	}
	for (size_t t = 1; t < nt; t++)
		started[t] = pthread_create(&th[t], NULL, work, &ws[t]) == 0;
	for (size_t t = 0; t < nt; t++)
		if (t == 0 || !started[t]) /* no thread: its rows here */
			work(&ws[t]);
	for (size_t t = 1; t < nt; t++)
		if (started[t])
			pthread_join(th[t], NULL);
	g_free(started);
	g_free(th);
	g_free(ws);
	return cells;
}

static void cells_free(cellres *cells, size_t n)
{
	for (size_t i = 0; i < n * n; i++)
		g_free(cells[i].error);
	g_free(cells);
}

static void pagedata_init(pagedata *pd)
{
	pd->vid = g_hash_table_new_full(vkey_hash, vkey_equal, vkey_free, NULL);
	pd->sid = g_hash_table_new_full(skey_hash, skey_equal, skey_free, NULL);
	pd->verdicts = g_string_new(NULL);
	pd->sets = g_string_new(NULL);
	pd->cells = g_string_new(NULL);
	pd->nv = pd->ns = 0;
}

static void pagedata_clear(pagedata *pd)
{
	g_hash_table_destroy(pd->vid);
	g_hash_table_destroy(pd->sid);
	g_string_free(pd->verdicts, TRUE);
	g_string_free(pd->sets, TRUE);
	g_string_free(pd->cells, TRUE);
}

/* The JSON document of the page (see pagedata). */
static char *pagedata_json(const pagedata *pd, const mc_gate_fleet *f, const prof *p, size_t n)
{
	GString *o = g_string_new("{\"profiles\":[");
	for (size_t i = 0; i < n; i++) {
		g_autofree char *h = hosts_text(f, &p[i], HOSTS_NAMED_AXIS);
		g_string_append(o, i ? ",\n{\"id\":" : "\n{\"id\":");
		json_str(o, p[i].id);
		json_field(o, "name", p[i].name, 0);
		json_field(o, "arch", p[i].arch, 0);
		json_field(o, "release", p[i].release, 0);
		json_field(o, "hosts", h, 0);
		g_string_append_c(o, '}');
	}
	g_string_append_printf(o, "],\n\"verdicts\":[\n%s],\n\"sets\":[\n%s],\n\"cells\":[\n%s]}",
			       pd->verdicts->str, pd->sets->str, pd->cells->str);
	return g_string_free(o, FALSE);
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

/* Writes the SVG (labels; the cells are drawn by the page's script) to `sv`
 * and the cells' content to `pd`. */
static void write_matrix(wr *sv, pagedata *pd, const mc_gate_fleet *f, const mc_plan_env *env,
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
	/* the cells: drawn by the page's script from the page's data */
	start(sv, "g");
	attr(sv, "id", "cells");
	end_empty(sv);
	end_empty(sv);
	g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_hash_table_destroy); /* the workers' verdicts */
	cellres *cells = plan_cells(p, n, env, tables);
	for (size_t r = 0; r < n; r++) {
		g_string_append(pd->cells, r ? ",\n[" : "[");
		for (size_t c = 0; c < n; c++) {
			const cellres *ce = &cells[r * n + c];
			st->cells[ce->kind]++;
			g_string_append_printf(pd->cells, "%s%u", c ? "," : "", set_id(pd, ce));
		}
		g_string_append_c(pd->cells, ']');
	}
	cells_free(cells, n);
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
	elem(w, "h2", NULL, "Migration classes");
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
		      "Not shown: %zu more class%s with %zu host%s in all (the matrix shows the "
		      "%zu classes with the most hosts; raise the cap with --max-profiles, at "
		      "most %d, or narrow it with --arch).",
		      nrest, nrest == 1 ? "" : "es", hosts, hosts == 1 ? "" : "s", n,
		      MC_HTML_MAX_PROFILES_LIMIT);
		end_html(w);
	}
	end_html(w);
}

static char *csp_hash(const char *s)
{
	unsigned char d[MC_SHA256_LEN];
	mc_sha256(s, strlen(s), d);
	g_autofree char *b = g_base64_encode(d, sizeof(d));
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
				    "report: at most %d classes fit a matrix, not %zu",
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
		st.members += p[n].nprofiles;
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

	xmlBufferPtr sbuf = NULL, mbuf = NULL;
	wr sv = mem_writer(&sbuf), w = mem_writer(&mbuf);
	pagedata pd;
	pagedata_init(&pd);
	g_autofree char *script_hash = csp_hash(mc_html_script);
	g_autofree char *style_hash = csp_hash(mc_html_style);
	g_autofree char *title =
	    g_strdup_printf("migcheck fleet matrix \u2014 %s", o->source ? o->source : "fleet");
	int r = 0;
	if (sv.bad || w.bad)
		goto fail;
	write_matrix(&sv, &pd, fleet, o->env, p, shown, &st);
	ck(&sv, xmlTextWriterFlush(sv.w));
	if (sv.bad)
		goto fail;
	st.verdicts = pd.nv;
	st.sets = pd.ns;

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
	textf(&w, "%s: %zu host%s, %zu migration class%s (%zu profile%s)",
	      o->source ? o->source : "fleet", st.hosts, st.hosts == 1 ? "" : "s", st.profiles,
	      st.profiles == 1 ? "" : "es", st.members, st.members == 1 ? "" : "s");
	if (shown < n)
		textf(&w, " (matrix: the %zu classes with the most hosts, %zu hosts)", shown,
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
	start(&w, "noscript");
	elem(&w, "p", NULL,
	     "The matrix's cells are drawn by the page's own script: allow it to see them. "
	     "The class table below lists the classes and their hosts.");
	end_html(&w);
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
	{
		g_autofree char *json = pagedata_json(&pd, fleet, p, shown);
		start(&w, "div");
		attr(&w, "id", "mc-data");
		attr(&w, "hidden", "hidden");
		text_plain(&w, json);
		end_html(&w);
	}
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
	pagedata_clear(&pd);
	if (sv.w)
		xmlFreeTextWriter(sv.w);
	if (w.w)
		xmlFreeTextWriter(w.w);
	if (sbuf)
		xmlBufferFree(sbuf);
	if (mbuf)
		xmlBufferFree(mbuf);
	return r;
}
