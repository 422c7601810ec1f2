/* Facts model: parsing, canonical form, fingerprint, diff. Data-driven cases
 * read tests/data/facts/NAME.in and compare with NAME.canon + NAME.id, or
 * expect the error in NAME.err. */
#include <stdio.h>
#include <string.h>

#include "core/base/facts.h"
#include "core/model/profile.h"
#include "tests/lib/testutil.h"

static GPtrArray *names;

START_TEST(facts_file)
{
	const char *name = names->pdata[_i];
	g_autofree char *in_path = tu_path("facts", name, ".in");
	g_autofree char *canon_path = tu_path("facts", name, ".canon");
	g_autofree char *id_path = tu_path("facts", name, ".id");
	g_autofree char *err_path = tu_path("facts", name, ".err");
	gsize len = 0;
	g_autofree char *in = tu_read(in_path, &len);
	ck_assert_ptr_nonnull(in);
	g_autofree char *label = g_strconcat(name, ".in", NULL);
	mc_error err = { 0 };
	mc_facts *f = mc_facts_parse(in, len, label, &err);
	g_autofree char *want_err = tu_read(err_path, NULL);
	g_autofree char *canon_want = tu_read(canon_path, NULL);
	/* mc_facts_adopt_canonical takes exactly the canonical text: this
	 * input when it is that already (else it refuses it: 65, one line
	 * naming the input), and the .canon text, always. */
	bool is_canon = !want_err && canon_want && strlen(canon_want) == len &&
			memcmp(canon_want, in, len) == 0;
	for (int which = 0; which < 2; which++) {
		const char *text = which ? canon_want : in;
		size_t tlen = which ? (canon_want ? strlen(canon_want) : 0) : len;
		if (which && !canon_want)
			break;
		char *copy = g_malloc(tlen + 1);
		memcpy(copy, text, tlen);
		copy[tlen] = '\0';
		mc_error aerr = { 0 };
		mc_facts *a = mc_facts_adopt_canonical(copy, tlen, label, &aerr);
		if (which || is_canon) {
			ck_assert_msg(a != NULL, "%s: not adopted: %s", name, aerr.msg);
			char *back = mc_facts_canonical(a, NULL);
			ck_assert_str_eq(back, canon_want);
			free(back);
		} else {
			ck_assert_msg(a == NULL, "%s: adopted text that is not canonical", name);
			ck_assert_int_eq(aerr.exit_code, MC_EXIT_DATAERR);
			ck_assert_msg(strncmp(aerr.msg, label, strlen(label)) == 0, "%s", aerr.msg);
			ck_assert_ptr_null(strchr(aerr.msg, '\n'));
		}
		mc_facts_free(a);
	}
	if (want_err) {
		g_strchomp(want_err);
		ck_assert_msg(f == NULL, "%s: parsed, expected error '%s'", name, want_err);
		ck_assert_msg(strstr(err.msg, want_err), "%s: error '%s' lacks '%s'", name, err.msg,
			      want_err);
		ck_assert_msg(strncmp(err.msg, label, strlen(label)) == 0,
			      "error does not name the input: %s", err.msg);
		ck_assert_int_eq(err.exit_code, MC_EXIT_DATAERR);
		ck_assert_ptr_null(strchr(err.msg, '\n'));
		return;
	}
	ck_assert_msg(f != NULL, "%s: %s", name, err.msg);
	g_autofree char *want = tu_read(canon_path, NULL);
	g_autofree char *want_id = tu_read(id_path, NULL);
	ck_assert_ptr_nonnull(want);
	ck_assert_ptr_nonnull(want_id);
	g_strchomp(want_id);
	size_t clen = 0;
	char *canon = mc_facts_canonical(f, &clen);
	ck_assert_str_eq(canon, want);
	ck_assert_uint_eq(clen, strlen(want));
	char id[MC_PROFILE_ID_LEN + 1];
	ck_assert_int_eq(mc_profile_id(f, id, &err), 0);
	ck_assert_str_eq(id, want_id);
	/* The canonical text is a fixed point. */
	mc_facts *g = mc_facts_parse(canon, clen, "canon", &err);
	ck_assert_ptr_nonnull(g);
	char *canon2 = mc_facts_canonical(g, NULL);
	ck_assert_str_eq(canon, canon2);
	free(canon2);
	free(canon);
	mc_facts_free(g);
	mc_facts_free(f);
}
END_TEST

/* mc_facts_adopt_canonical checks a line in one pass, eight bytes at a time
 * where it can: every byte value at every offset of a long value (and of a
 * long key) must be refused or taken exactly as mc_facts_parse (the
 * per-field checks) refuses or takes it. */
START_TEST(adopt_agrees_with_parse)
{
	for (int where = 0; where < 2; where++) {
		for (int c = 1; c < 256; c++) {
			if (c == '\n')
				continue;
			for (int off = 0; off < 24; off++) {
				char field[32];
				memset(field, 'a', 24);
				field[24] = '\0';
				field[off] = (char)c;
				g_autofree char *text = where
							    ? g_strdup_printf("d\t%s\tv\n", field)
							    : g_strdup_printf("d\tk\t%s\n", field);
				size_t len = strlen(text);
				mc_error e1 = { 0 }, e2 = { 0 };
				mc_facts *p = mc_facts_parse(text, len, "in", &e1);
				mc_facts *a =
				    mc_facts_adopt_canonical(g_strdup(text), len, "in", &e2);
				ck_assert_msg(
				    !p == !a, "byte 0x%02x at %d (%s): parse %s, adopt %s", c, off,
				    where ? "key" : "value", p ? "ok" : e1.msg, a ? "ok" : e2.msg);
				if (!a)
					ck_assert_int_eq(e2.exit_code, MC_EXIT_DATAERR);
				mc_facts_free(p);
				mc_facts_free(a);
			}
		}
	}
	/* and multi-byte UTF-8 across the eight-byte words */
	static const char *const seqs[] = { "\xc3\xa9",         "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					    "\xc0\xaf",         "\xed\xa0\x80", "\xef\xbf\xbe",
					    "\xf4\x90\x80\x80", "\xe2\x82" };
	for (size_t i = 0; i < G_N_ELEMENTS(seqs); i++) {
		for (int off = 0; off < 16; off++) {
			g_autofree char *pad = g_strnfill(off, 'a');
			g_autofree char *text =
			    g_strdup_printf("d\tk\t%s%sbbbbbbbbbb\n", pad, seqs[i]);
			size_t len = strlen(text);
			mc_error e1 = { 0 }, e2 = { 0 };
			mc_facts *p = mc_facts_parse(text, len, "in", &e1);
			mc_facts *a = mc_facts_adopt_canonical(g_strdup(text), len, "in", &e2);
			ck_assert_msg(!p == !a, "sequence %zu at %d: parse %s, adopt %s", i, off,
				      p ? "ok" : e1.msg, a ? "ok" : e2.msg);
			mc_facts_free(p);
			mc_facts_free(a);
		}
	}
}
END_TEST

START_TEST(set_replaces_and_sorts)
{
	mc_error err = { 0 };
	mc_facts *f = mc_facts_new();
	ck_assert_int_eq(mc_facts_set(f, "b", "k", "1", &err), 0);
	ck_assert_int_eq(mc_facts_set(f, "a", "k", "1", &err), 0);
	ck_assert_int_eq(mc_facts_set(f, "b", "k", "2", &err), 0);
	ck_assert_int_eq(mc_facts_setf(f, "c", "n", &err, "0x%x", 255), 0);
	ck_assert_uint_eq(mc_facts_count(f), 3);
	ck_assert_str_eq(mc_facts_get(f, "b", "k"), "2");
	ck_assert_str_eq(mc_facts_get(f, "c", "n"), "0xff");
	ck_assert_str_eq(mc_facts_at(f, 0)->domain, "a");
	ck_assert_ptr_null(mc_facts_get(f, "z", "k"));
	ck_assert_int_eq(mc_facts_add(f, "a", "k", "9", &err), -EEXIST);
	ck_assert_int_eq(mc_facts_set(f, "a", "k", "bad\tvalue", NULL), -EINVAL);
	ck_assert_int_eq(mc_facts_set(f, "#a", "k", "v", NULL), -EINVAL);
	mc_facts_drop_domain(f, "b");
	ck_assert_uint_eq(mc_facts_count(f), 2);
	mc_facts *d = mc_facts_dup(f);
	ck_assert_uint_eq(mc_facts_count(d), 2);
	mc_facts_free(d);
	mc_facts_free(f);
}
END_TEST

START_TEST(domain_range)
{
	mc_error err = { 0 };
	mc_facts *f = mc_facts_new();
	const char *doms[] = { "x86.msr", "kernel", "x86.cpuid", "x86.msr", "kvm.cap" };
	for (int i = 0; i < 5; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(mc_facts_set(f, doms[i], key, "1", &err), 0);
	}
	size_t a, b;
	mc_facts_domain_range(f, "x86.msr", &a, &b);
	ck_assert_uint_eq(b - a, 2);
	ck_assert_str_eq(mc_facts_at(f, a)->domain, "x86.msr");
	mc_facts_domain_range(f, "nothing", &a, &b);
	ck_assert_uint_eq(b - a, 0);
	mc_facts_free(f);
}
END_TEST

typedef struct {
	GString *log;
} diff_log;

static void log_diff(const char *d, const char *k, const char *a, const char *b, void *opaque)
{
	diff_log *l = opaque;
	g_string_append_printf(l->log, "%s %s %s %s;", d, k, a ? a : "-", b ? b : "-");
}

START_TEST(diff_walk)
{
	mc_error err = { 0 };
	const char a_txt[] = "arm64.fwreg\tPSCI_VERSION\t0x10001\n"
			     "arm64.fwreg\tSMCCC_ARCH_WORKAROUND_1\t0x0\n"
			     "kernel\tarch\taarch64\n";
	const char b_txt[] = "arm64.fwreg\tSMCCC_ARCH_WORKAROUND_1\t0x2\n"
			     "kernel\tarch\taarch64\n"
			     "kvm.cap\tKVM_CAP_ARM_PSCI_0_2\t1\n";
	mc_facts *a = mc_facts_parse(a_txt, strlen(a_txt), "a", &err);
	mc_facts *b = mc_facts_parse(b_txt, strlen(b_txt), "b", &err);
	diff_log l = { g_string_new(NULL) };
	ck_assert_uint_eq(mc_facts_diff(a, b, log_diff, &l), 3);
	ck_assert_str_eq(l.log->str, "arm64.fwreg PSCI_VERSION 0x10001 -;"
				     "arm64.fwreg SMCCC_ARCH_WORKAROUND_1 0x0 0x2;"
				     "kvm.cap KVM_CAP_ARM_PSCI_0_2 - 1;");
	g_string_truncate(l.log, 0);
	ck_assert_uint_eq(mc_facts_diff(a, a, log_diff, &l), 0);
	g_string_free(l.log, TRUE);
	mc_facts_free(a);
	mc_facts_free(b);
}
END_TEST

START_TEST(many_unsorted)
{
	/* 20,000 facts in reverse order parse and sort in n log n. */
	GString *s = g_string_new(NULL);
	for (int i = 20000; i > 0; i--)
		g_string_append_printf(s, "x86.msr\t0x%08x\t1\n", i);
	mc_error err = { 0 };
	mc_facts *f = mc_facts_parse(s->str, s->len, "big", &err);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(mc_facts_count(f), 20000);
	ck_assert_str_eq(mc_facts_at(f, 0)->key, "0x00000001");
	mc_facts_free(f);
	g_string_free(s, TRUE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("facts");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, set_replaces_and_sorts);
	tcase_add_test(tc, adopt_agrees_with_parse);
	tcase_add_test(tc, domain_range);
	tcase_add_test(tc, diff_walk);
	tcase_add_test(tc, many_unsorted);
	suite_add_tcase(s, tc);
	names = tu_list("facts", ".in");
	tu_add_cases(s, "file", names, facts_file, NULL, NULL);
	int rc = tu_run(s);
	g_ptr_array_unref(names);
	return rc;
}
