/* The fleet store's host records, index and configuration file, data-driven:
 * tests/data/fleet/index/NAME.xml (single-*.xml are <host> records) and
 * tests/data/fleet/conf/NAME.conf (the key file, or the old 'key = value'
 * format), each with NAME.expect: "ok" then the parsed content one item per
 * line and its format, or "error EXIT TEXT" (TEXT must occur in
 * the message). tests/data/fleet/listing/NAME.xml: listings of hosts/, a
 * WebDAV PROPFIND answer (dav-*, the collection /fleet/hosts/) or an S3
 * ListObjectsV2 page (s3-*, prefix fleet/hosts/), NAME.expect "ok" then the
 * host names sorted and "next TOKEN" for a truncated S3 page, or "error EXIT
 * TEXT". Plus URL joining, host names, the S3 bucket/prefix split, and the
 * HTTP client's argument checks and unreachable-server path. */
#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "core/fleet/fleet.h"
#include "core/fleet/http.h"
#include "core/fleet/listing.h"
#include "tests/lib/testutil.h"

static GPtrArray *index_names, *conf_names, *listing_names;

/* "error EXIT TEXT": the error must match. */
static void check_error(const char *want, const mc_error *err, const char *name)
{
	int code = 0;
	char text[256] = "";
	ck_assert_msg(sscanf(want, "error %d %255[^\n]", &code, text) == 2, "%s: bad expect", name);
	ck_assert_msg(err->exit_code == code, "%s: exit %d, want %d (%s)", name, err->exit_code,
		      code, err->msg);
	ck_assert_msg(strstr(err->msg, text) != NULL, "%s: message '%s' lacks '%s'", name, err->msg,
		      text);
}

static void describe_index(GString *s, const mc_fleet_index *x)
{
	g_string_append(s, "ok\n");
	for (size_t i = 0; i < mc_fleet_index_count(x); i++) {
		const mc_fleet_host *h = mc_fleet_index_at(x, i);
		char ts[32];
		g_string_append_printf(s, "%s %.12s %s %s\n", h->name, h->profile,
				       mc_time_iso(h->probed, ts, sizeof(ts)),
				       h->uuid ? h->uuid : "-");
	}
}

START_TEST(index_case)
{
	const char *name = index_names->pdata[_i];
	bool single = g_str_has_prefix(name, "single-") && strcmp(name, "single-as-index") != 0;
	g_autofree char *p = tu_path("fleet/index", name, ".xml");
	gsize len = 0;
	g_autofree char *t = tu_read(p, &len);
	g_autofree char *want = tu_expectation("fleet/index", name);
	mc_error err = { 0 };
	mc_fleet_index *x = mc_fleet_index_parse(t, len, p, single, &err);
	if (g_str_has_prefix(want, "error ")) {
		ck_assert_msg(x == NULL, "%s: accepted", name);
		check_error(want, &err, name);
		return;
	}
	ck_assert_msg(x != NULL, "%s: %s", name, err.msg);
	GString *got = g_string_new(NULL);
	describe_index(got, x);
	ck_assert_str_eq(got->str, want);
	/* Round trip: what we write reads back the same. */
	size_t xlen = 0;
	g_autofree char *xml = mc_fleet_index_to_xml(x, single, &xlen, &err);
	ck_assert_msg(xml != NULL, "%s", err.msg);
	mc_fleet_index *y = mc_fleet_index_parse(xml, xlen, "round-trip", single, &err);
	ck_assert_msg(y != NULL, "%s: round trip: %s\n%s", name, err.msg, xml);
	GString *again = g_string_new(NULL);
	describe_index(again, y);
	ck_assert_str_eq(again->str, want);
	g_string_free(got, TRUE);
	g_string_free(again, TRUE);
	mc_fleet_index_free(x);
	mc_fleet_index_free(y);
}
END_TEST

START_TEST(listing_case)
{
	const char *name = listing_names->pdata[_i];
	g_autofree char *p = tu_path("fleet/listing", name, ".xml");
	gsize len = 0;
	g_autofree char *t = tu_read(p, &len);
	g_autofree char *want = tu_expectation("fleet/listing", name);
	g_autofree char *next = NULL;
	mc_error err = { 0 };
	mc_fleet_names *n = mc_fleet_names_new();
	int r = g_str_has_prefix(name, "dav-")
		    ? mc_fleet_parse_propfind(t, len, p, "/fleet/hosts/", n, &err)
		    : mc_fleet_parse_s3_list(t, len, p, "fleet/hosts/", n, &next, &err);
	if (g_str_has_prefix(want, "error ")) {
		ck_assert_msg(r < 0, "%s: accepted", name);
		check_error(want, &err, name);
		ck_assert_msg(strstr(err.msg, p) == err.msg, "%s: message does not name the input",
			      name);
		mc_fleet_names_free(n);
		return;
	}
	ck_assert_msg(r == 0, "%s: %s", name, err.msg);
	GString *got = g_string_new("ok\n");
	for (size_t i = 0; i < mc_fleet_names_count(n); i++)
		g_string_append_printf(got, "%s\n", mc_fleet_names_at(n, i));
	if (next)
		g_string_append_printf(got, "next %s\n", next);
	ck_assert_str_eq(got->str, want);
	g_string_free(got, TRUE);
	mc_fleet_names_free(n);
}
END_TEST

/* Path style unless the host is AWS's virtual-hosted form or the URL has
 * no path; the prefix ends in '/' unless empty. */
START_TEST(s3_split)
{
	const char *cases[][3] = {
		{ "http://127.0.0.1:9000/fleet/direct", "http://127.0.0.1:9000/fleet", "direct/" },
		{ "http://127.0.0.1:9000/fleet/a/b/", "http://127.0.0.1:9000/fleet", "a/b/" },
		{ "http://minio:9000/fleet", "http://minio:9000/fleet", "" },
		{ "https://b.s3.eu-west-1.amazonaws.com/fleet",
		  "https://b.s3.eu-west-1.amazonaws.com/", "fleet/" },
		{ "https://b.s3-eu-west-1.amazonaws.com/x/y",
		  "https://b.s3-eu-west-1.amazonaws.com/", "x/y/" },
		{ "https://s3.eu-west-1.amazonaws.com/bkt/fleet",
		  "https://s3.eu-west-1.amazonaws.com/bkt", "fleet/" },
		{ "https://bucket.example/", "https://bucket.example/", "" },
		{ "http://h/b/sp%20ace", "http://h/b", "sp ace/" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *bucket = NULL, *prefix = NULL;
		mc_error err = { 0 };
		ck_assert_int_eq(mc_fleet_s3_split(cases[i][0], &bucket, &prefix, &err), 0);
		ck_assert_str_eq(bucket, cases[i][1]);
		ck_assert_str_eq(prefix, cases[i][2]);
	}
}
END_TEST

START_TEST(conf_case)
{
	const char *name = conf_names->pdata[_i];
	g_autofree char *p = tu_path("fleet/conf", name, ".conf");
	g_autofree char *want = tu_expectation("fleet/conf", name);
	mc_fleet_conf c = { 0 };
	mc_error err = { 0 };
	int r = mc_fleet_conf_load(p, false, &c, &err);
	if (g_str_has_prefix(want, "error ")) {
		ck_assert_msg(r < 0, "%s: accepted", name);
		check_error(want, &err, name);
		mc_fleet_conf_clear(&c);
		return;
	}
	ck_assert_msg(r == 0, "%s: %s", name, err.msg);
	GString *got = g_string_new("ok\n");
	const char *keys[] = { "url", "host", "db", "cacert", "s3-region", "credentials" };
	const char *vals[] = { c.url, c.host, c.db, c.cacert, c.s3_region, c.credentials };
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (vals[i])
			g_string_append_printf(got, "%s=%s\n", keys[i], vals[i]);
	g_string_append_printf(got, "insecure=%d\ntimeout=%ld\nformat=%s\n", c.insecure,
			       c.timeout_s, c.legacy ? "old" : "keyfile");
	ck_assert_str_eq(got->str, want);
	g_string_free(got, TRUE);
	mc_fleet_conf_clear(&c);
}
END_TEST

START_TEST(conf_missing)
{
	mc_fleet_conf c = { 0 };
	mc_error err = { 0 };
	ck_assert_int_eq(mc_fleet_conf_load("/nonexistent/migcheck.conf", true, &c, &err), 0);
	ck_assert_ptr_null(c.url);
	ck_assert_int_eq(mc_fleet_conf_load("/nonexistent/migcheck.conf", false, &c, &err),
			 -ENOENT);
	ck_assert_int_eq(err.exit_code, 66);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/migcheck.conf"));
}
END_TEST

START_TEST(url_join)
{
	const char *cases[][3] = {
		{ "http://h/fleet", "index.xml", "http://h/fleet/index.xml" },
		{ "http://h/fleet/", "index.xml", "http://h/fleet/index.xml" },
		{ "http://h/fleet//", "/hosts/a.xml", "http://h/fleet/hosts/a.xml" },
		{ "http://h", "profiles/x.xml", "http://h/profiles/x.xml" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *u = mc_url_join(cases[i][0], cases[i][1]);
		ck_assert_str_eq(u, cases[i][2]);
	}
}
END_TEST

START_TEST(names)
{
	ck_assert(mc_fleet_name_ok("node-a.dc1"));
	ck_assert(mc_fleet_name_ok("A"));
	ck_assert(!mc_fleet_name_ok(""));
	ck_assert(!mc_fleet_name_ok(".hidden"));
	ck_assert(!mc_fleet_name_ok("a/b"));
	ck_assert(!mc_fleet_name_ok("../x"));
	ck_assert(!mc_fleet_name_ok("a b"));
	ck_assert(!mc_fleet_name_ok("a%2f"));
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert(!mc_fleet_name_ok(longname));
	longname[253] = '\0';
	ck_assert(mc_fleet_name_ok(longname));
}
END_TEST

START_TEST(index_set_replaces)
{
	mc_fleet_index *x = mc_fleet_index_new();
	mc_error err = { 0 };
	mc_fleet_host a = { .name = (char *)"b", .probed = 10 };
	memset(a.profile, 'a', MC_PROFILE_ID_LEN);
	a.profile[MC_PROFILE_ID_LEN] = '\0';
	ck_assert_int_eq(mc_fleet_index_set(x, &a, &err), 0);
	a.name = (char *)"a";
	ck_assert_int_eq(mc_fleet_index_set(x, &a, &err), 0);
	a.probed = 20;
	a.uuid = (char *)"u";
	ck_assert_int_eq(mc_fleet_index_set(x, &a, &err), 0);
	ck_assert_uint_eq(mc_fleet_index_count(x), 2);
	ck_assert_str_eq(mc_fleet_index_at(x, 0)->name, "a");
	ck_assert_int_eq(mc_fleet_index_at(x, 0)->probed, 20);
	ck_assert_str_eq(mc_fleet_index_at(x, 0)->uuid, "u");
	a.name = (char *)"no/slash";
	ck_assert_int_lt(mc_fleet_index_set(x, &a, &err), 0);
	ck_assert_int_eq(err.exit_code, 65);
	mc_fleet_index_free(x);
}
END_TEST

START_TEST(s3_needs_credentials)
{
	mc_error err = { 0 };
	g_unsetenv("AWS_ACCESS_KEY_ID");
	g_unsetenv("AWS_SECRET_ACCESS_KEY");
	mc_http_opts o = { .s3_region = "eu-west-1" };
	ck_assert_ptr_null(mc_http_new(&o, &err));
	ck_assert_int_eq(err.exit_code, 64);
	ck_assert_ptr_nonnull(strstr(err.msg, "AWS_ACCESS_KEY_ID"));
	mc_error_clear(&err);
	g_setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", TRUE);
	g_setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-never-printed", TRUE);
	o.s3_region = "eu:west";
	ck_assert_ptr_null(mc_http_new(&o, &err));
	ck_assert_int_eq(err.exit_code, 64);
	ck_assert_ptr_null(strstr(err.msg, "s3cr3t"));
	o.s3_region = "eu-west-1";
	mc_http *h = mc_http_new(&o, &err);
	ck_assert_msg(h != NULL, "%s", err.msg);
	mc_http_free(h);
	g_unsetenv("AWS_ACCESS_KEY_ID");
	g_unsetenv("AWS_SECRET_ACCESS_KEY");
}
END_TEST

/* --credentials FILE: only a regular file that root or the caller owns and
 * nobody else can access; the secret never appears in a message. */
START_TEST(s3_credentials_file)
{
	static const struct {
		const char *text;
		unsigned mode;
		int exit_code; /* 0: accepted */
		const char *msg;
	} cases[] = {
		{ "AWS_ACCESS_KEY_ID=AKIDFILE\nAWS_SECRET_ACCESS_KEY=f1le-s3cr3t\n", 0600, 0,
		  NULL },
		{ "# comment\n\n AWS_ACCESS_KEY_ID = AKIDFILE \nAWS_SECRET_ACCESS_KEY=f1le-s3cr3t\n"
		  "AWS_SESSION_TOKEN=tok\n",
		  0400, 0, NULL },
		{ "AWS_ACCESS_KEY_ID=AKIDFILE\nAWS_SECRET_ACCESS_KEY=f1le-s3cr3t\n", 0640, 77,
		  "accessible by group or others (mode 0640" },
		{ "AWS_ACCESS_KEY_ID=AKIDFILE\nAWS_SECRET_ACCESS_KEY=f1le-s3cr3t\n", 0604, 77,
		  "accessible by group or others (mode 0604" },
		{ "AWS_ACCESS_KEY_ID=AKIDFILE\n", 0600, 64, "must be set in" },
		{ "AWS_ACCESS_KEY_ID=AKIDFILE\nf1le-s3cr3t\n", 0600, 65,
		  ":2: expected NAME=VALUE (value not shown)" },
		{ "AWS_ACCESS_KEY_ID=AKIDFILE\nAWS_SECRET_KEY=f1le-s3cr3t\n", 0600, 65,
		  ":2: unknown name 'AWS_SECRET_KEY'" },
	};
	g_autofree char *dir = tu_tmpdir();
	g_autofree char *path = g_build_filename(dir, "s3.cred", NULL);
	g_setenv("AWS_ACCESS_KEY_ID", "AKIDENV", TRUE); /* the file wins */
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		mc_error err = { 0 };
		g_unlink(path);
		ck_assert(g_file_set_contents(path, cases[i].text, -1, NULL));
		ck_assert_int_eq(chmod(path, cases[i].mode), 0);
		mc_http_opts o = { .s3_region = "eu-west-1", .credentials = path };
		mc_http *h = mc_http_new(&o, &err);
		if (!cases[i].exit_code) {
			ck_assert_msg(h != NULL, "case %zu: %s", i, err.msg);
			mc_http_free(h);
			continue;
		}
		ck_assert_msg(h == NULL, "case %zu accepted", i);
		ck_assert_int_eq(err.exit_code, cases[i].exit_code);
		ck_assert_msg(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
		ck_assert_ptr_null(strstr(err.msg, "s3cr3t"));
		ck_assert_ptr_null(strchr(err.msg, '\n'));
	}
	/* a symlink to a good file and a missing file */
	ck_assert_int_eq(chmod(path, 0600), 0);
	g_autofree char *link = g_build_filename(dir, "link", NULL);
	ck_assert_int_eq(symlink(path, link), 0);
	mc_error err = { 0 };
	mc_http_opts o = { .s3_region = "eu-west-1", .credentials = link };
	ck_assert_ptr_null(mc_http_new(&o, &err));
	ck_assert_int_eq(err.exit_code, 77);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a symbolic link"));
	mc_error_clear(&err);
	o.credentials = "/nonexistent/s3.cred";
	ck_assert_ptr_null(mc_http_new(&o, &err));
	ck_assert_int_eq(err.exit_code, 66);
	g_unsetenv("AWS_ACCESS_KEY_ID");
	tu_rmtree(dir);
}
END_TEST

START_TEST(url_with_password)
{
	mc_error err = { 0 };
	ck_assert_int_eq(mc_http_url_check("https://store.example/fleet", &err), 0);
	ck_assert_int_eq(mc_http_url_check("https://user@store.example/fleet", &err), 0);
	ck_assert_int_eq(mc_http_url_check("https://store.example/a:b@c", &err), 0);
	ck_assert_int_lt(mc_http_url_check("https://user:pa55@store.example/fleet", &err), 0);
	ck_assert_int_eq(err.exit_code, 64);
	ck_assert_ptr_null(strstr(err.msg, "pa55"));
	ck_assert_ptr_nonnull(strstr(err.msg, "https://***@store.example/fleet"));
	/* The first '@' is not the end of the user information (issue 16). */
	mc_error_clear(&err);
	ck_assert_int_lt(mc_http_url_check("http://a@b:secret@127.0.0.1:9/store", &err), 0);
	ck_assert_int_eq(err.exit_code, 64);
	ck_assert_ptr_null(strstr(err.msg, "secret"));
	mc_error_clear(&err);
	ck_assert_int_lt(mc_http_url_check("ftp://store.example/x", &err), 0);
	ck_assert_int_eq(err.exit_code, 64);
	char *s = mc_url_for_humans("https://u%3Ax:p@store.example:8443/a?b");
	ck_assert_str_eq(s, "https://***@store.example:8443/a?b");
	g_free(s);
	s = mc_url_for_humans("https://store.example/a:b@c");
	ck_assert_str_eq(s, "https://store.example/a:b@c");
	g_free(s);
	s = mc_url_for_humans("http://a@b:secret@127.0.0.1:9/store");
	ck_assert_ptr_null(strstr(s, "secret"));
	g_free(s);
}
END_TEST

/* Nothing listens on port 1 of the loopback: connection refused, retried,
 * then 69 with the URL (credentials in it hidden) in the message. */
START_TEST(unreachable)
{
	mc_error err = { 0 };
	mc_http_opts o = { .retries = 2, .backoff_ms = 1 };
	mc_http *h = mc_http_new(&o, &err);
	ck_assert_ptr_nonnull(h);
	char *body = NULL;
	size_t len = 0;
	int r =
	    mc_http_get(h, "http://user:pw@127.0.0.1:1/fleet/index.xml", &body, &len, NULL, &err);
	ck_assert_int_lt(r, 0);
	ck_assert_int_eq(err.exit_code, 69);
	ck_assert_msg(strstr(err.msg, "http://***@127.0.0.1:1/fleet/index.xml") != NULL, "%s",
		      err.msg);
	ck_assert_msg(strstr(err.msg, "after 3 attempts") != NULL, "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "pw"));
	long reqs = 0;
	mc_http_stats(h, &reqs, NULL);
	ck_assert_int_eq(reqs, 3);
	mc_http_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fleet");
	index_names = tu_list("fleet/index", ".xml");
	conf_names = tu_list("fleet/conf", ".conf");
	listing_names = tu_list("fleet/listing", ".xml");
	tu_add_cases(s, "index", index_names, index_case, NULL, NULL);
	tu_add_cases(s, "conf", conf_names, conf_case, NULL, NULL);
	tu_add_cases(s, "listing", listing_names, listing_case, NULL, NULL);
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, conf_missing);
	tcase_add_test(tc, url_join);
	tcase_add_test(tc, s3_split);
	tcase_add_test(tc, names);
	tcase_add_test(tc, index_set_replaces);
	tcase_add_test(tc, s3_needs_credentials);
	tcase_add_test(tc, s3_credentials_file);
	tcase_add_test(tc, url_with_password);
	tcase_add_test(tc, unreachable);
	suite_add_tcase(s, tc);
	int rc = tu_run(s);
	g_ptr_array_free(index_names, TRUE);
	g_ptr_array_free(conf_names, TRUE);
	g_ptr_array_free(listing_names, TRUE);
	return rc;
}
