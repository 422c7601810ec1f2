/* Fuzz target: the planner and the plan renderers given odd profiles. Input:
 * a source facts text, a line "%%", a destination facts text, optionally
 * "%%" and pins (one NAME=VALUE a line). Invariants: every plan and matrix
 * renders in every format; the XML output validates against
 * schemas/plan.rng, the JUnit output is well-formed and the JSON output is a
 * well-formed object. The two profiles also go through the fleet renderers:
 * the HTML report page (well-formed XML whose data, the JSON its script
 * draws the cells from, is a well-formed object) and the rollout gate
 * (text, JUnit and JSON, the candidate replacing the source). */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#include "core/base/facts.h"
#include "core/fleet/gate.h"
#include "core/planner/planner.h"
#include "core/model/profile.h"
#include "core/report/json.h"
#include "core/report/report.h"
#include "core/report/report_html.h"
#include "core/base/xml.h"
#include "tests/fuzz/fuzz.h"

#ifndef MC_FUZZ_PLAN_RNG
#define MC_FUZZ_PLAN_RNG "schemas/plan.rng"
#endif
#ifndef MC_FUZZ_CPU_MAP
#define MC_FUZZ_CPU_MAP "tests/data/cpu_map"
#endif

static char *plan_rng;
/* The planner's environment: the tests' CPU map (MC_CPU_MAP overrides),
 * loaded once for the whole run. */
static mc_plan_env env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	const char *path = g_getenv("MC_PLAN_RNG");
	if (!g_file_get_contents(path ? path : MC_FUZZ_PLAN_RNG, &plan_rng, NULL, NULL)) {
		fprintf(stderr, "fuzz_render: cannot read plan.rng (set MC_PLAN_RNG)\n");
		exit(2);
	}
	const char *map = g_getenv("MC_CPU_MAP");
	mc_plan_env_load(&env, map ? map : MC_FUZZ_CPU_MAP);
	if (!env.cpumodels) {
		fprintf(stderr, "fuzz_render: %s (set MC_CPU_MAP)\n", env.cpumodels_err.msg);
		exit(2);
	}
	return 0;
}

/* A well-formed JSON object (json-glib's own parser). */
static void json_ok(const char *buf, size_t len, const char *what)
{
	JsonParser *jp = json_parser_new();
	GError *gerr = NULL;
	FUZZ_CHECK(json_parser_load_from_data(jp, buf, (gssize)len, &gerr),
		   "%s: JSON output refused: %s\n%s", what, gerr ? gerr->message : "?", buf);
	FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(jp)), "%s: not an object", what);
	g_object_unref(jp);
}

static void render(const mc_plan *p, const mc_matrix *m, const mc_pins *pins, const char *ida,
		   const char *idb)
{
	static const mc_format fmts[] = { MC_FMT_TEXT, MC_FMT_XML, MC_FMT_JUNIT, MC_FMT_JSON };
	mc_report_side a = { "host src", ida }, b = { "host <dst> & \"x\"", idb };
	for (size_t i = 0; i < G_N_ELEMENTS(fmts); i++) {
		char *buf = NULL;
		size_t len = 0;
		mc_error err = { 0 };
		FILE *out = open_memstream(&buf, &len);
		FUZZ_CHECK(out != NULL, "open_memstream");
		int r;
		if (m)
			r = mc_report_matrix(out, fmts[i], m, &a, &b, pins, false, &err);
		else
			r = mc_report_plan(out, fmts[i], p, &a, &b, pins, i == 0, &err);
		FUZZ_CHECK(fclose(out) == 0, "fclose");
		FUZZ_CHECK(r == 0, "format %zu failed: %s", i, err.msg);
		if (fmts[i] == MC_FMT_JSON)
			json_ok(buf, len, m ? "matrix" : "plan");
		else if (fmts[i] != MC_FMT_TEXT) {
			const char *rng = fmts[i] == MC_FMT_XML ? plan_rng : NULL;
			xmlDoc *doc = mc_xml_parse(buf, len, "output", rng, "plan", &err);
			FUZZ_CHECK(doc != NULL, "format %zu output refused: %s\n%s", i, err.msg,
				   buf);
			xmlFreeDoc(doc);
		}
		free(buf);
	}
}

/* Run fn into a memory stream; returns the output (free) or NULL. */
static char *to_mem(int (*fn)(FILE *, const void *, mc_error *), const void *arg, size_t *len,
		    mc_error *err)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	FUZZ_CHECK(out != NULL, "open_memstream");
	int r = fn(out, arg, err);
	FUZZ_CHECK(fclose(out) == 0, "fclose");
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int html_page(FILE *out, const void *fleet, mc_error *err)
{
	mc_html_opts o = { .source = "fuzz <fleet>", .generated = 1, .env = &env };
	return mc_report_html(out, fleet, &o, NULL, err);
}

static int gate_text(FILE *out, const void *g, mc_error *err)
{
	return mc_gate_write_text(out, g, "candidate & co", err);
}

static int gate_junit(FILE *out, const void *g, mc_error *err)
{
	return mc_gate_write_junit(out, g, "candidate & co", err);
}

static int gate_json(FILE *out, const void *g, mc_error *err)
{
	return mc_json_gate(out, g, "candidate & co", err);
}

static void fleet_render(const mc_facts *src, const mc_facts *dst)
{
	mc_error err = { 0 };
	size_t len;
	mc_gate_fleet *fleet = mc_gate_fleet_new();
	FUZZ_CHECK(mc_gate_fleet_add(fleet, "src<1>", src, &err) == 0 &&
		       mc_gate_fleet_add(fleet, "dst&2", dst, &err) == 0,
		   "fleet: %s", err.msg);
	char *page = to_mem(html_page, fleet, &len, &err);
	FUZZ_CHECK(page != NULL, "HTML page failed: %s", err.msg);
	{
		xmlDoc *doc = xmlReadMemory(page, (int)len, "page", "UTF-8", XML_PARSE_NONET);
		FUZZ_CHECK(doc != NULL, "HTML page: not well-formed XML");
		xmlXPathContext *xc = xmlXPathNewContext(doc);
		xmlXPathObject *o = xmlXPathEvalExpression(BAD_CAST "//*[@id='mc-data']", xc);
		FUZZ_CHECK(o && o->nodesetval && o->nodesetval->nodeNr == 1, "HTML page: no data");
		xmlChar *json = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
		json_ok((const char *)json, strlen((const char *)json), "page data");
		xmlFree(json);
		xmlXPathFreeObject(o);
		xmlXPathFreeContext(xc);
		xmlFreeDoc(doc);
	}
	free(page);
	mc_gate *g = mc_gate_run(fleet, &env, dst, mc_gate_fleet_id(fleet, 0), &err);
	if (g) {
		char *text = to_mem(gate_text, g, &len, &err);
		FUZZ_CHECK(text != NULL, "gate text failed: %s", err.msg);
		free(text);
		char *junit = to_mem(gate_junit, g, &len, &err);
		FUZZ_CHECK(junit != NULL, "gate JUnit failed: %s", err.msg);
		xmlDoc *doc = mc_xml_parse(junit, len, "gate junit", NULL, "junit", &err);
		FUZZ_CHECK(doc != NULL, "gate JUnit refused: %s", err.msg);
		xmlFreeDoc(doc);
		free(junit);
		char *json = to_mem(gate_json, g, &len, &err);
		FUZZ_CHECK(json != NULL, "gate JSON failed: %s", err.msg);
		json_ok(json, len, "gate");
		free(json);
		mc_gate_free(g);
	} else {
		FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'), "error not one line: %s", err.msg);
	}
	mc_gate_fleet_free(fleet);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[3];
	size_t len[3];
	size_t n = fuzz_split(data, size, part, len, 3);
	mc_error err = { 0 };
	mc_facts *src = NULL, *dst = NULL;
	mc_pins *pins = mc_pins_new();
	mc_plan *plan = NULL;
	mc_matrix m = { 0 };
	if (n < 2)
		goto out;
	if (!(src = mc_facts_parse(part[0], len[0], "src", &err)) ||
	    !(dst = mc_facts_parse(part[1], len[1], "dst", &err)))
		goto out;
	if (n == 3) {
		char **lines = g_strsplit(part[2], "\n", 64);
		for (char **l = lines; *l; l++)
			if (**l && mc_plan_parse_pin(&env, pins, *l, &err) < 0)
				break;
		g_strfreev(lines);
		if (err.msg[0])
			goto out;
	}
	char ida[MC_PROFILE_ID_LEN + 1], idb[MC_PROFILE_ID_LEN + 1];
	FUZZ_CHECK(mc_profile_id(src, ida, &err) == 0 && mc_profile_id(dst, idb, &err) == 0,
		   "profile id: %s", err.msg);
	plan = mc_plan_compute(&env, src, dst, pins, &err);
	if (plan) {
		FUZZ_CHECK(mc_plan_count(plan) > 0 || mc_plan_worst(plan) == MC_V_OK, "empty plan");
		render(plan, NULL, pins, ida, idb);
	} else {
		FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'), "error not one line: %s", err.msg);
	}
	mc_error_clear(&err);
	if (mc_plan_matrix(&env, src, dst, pins, &m, &err) == 0)
		render(NULL, &m, pins, ida, idb);
	mc_matrix_clear(&m);
	fleet_render(src, dst);
out:
	mc_plan_free(plan);
	mc_facts_free(src);
	mc_facts_free(dst);
	mc_pins_free(pins);
	fuzz_parts_free(part, n);
	return 0;
}
