/* Unit tests of the probe parsers, data driven: every
 * $MC_TESTDATA/probes/PARSER/NAME.in is one TCase ("PARSER/NAME") and must
 * give the canonical facts in NAME.out, or fail with an error message that
 * contains the text of NAME.err. MC_TESTDATA defaults to $srcdir/tests/data
 * (automake) or tests/data. MC_TEST_UPDATE=1 rewrites the .out files from the
 * actual results (review the diff before committing). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base/error.h"
#include "core/base/facts.h"
#include "probes/parsers.h"
#include "probes/probe.h"
#include "probes/util.h"

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);
	if (!q)
		abort();
	return q;
}

static char *read_all(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ---- fixture readers: NAME.in -> parser under test ------------------------- */

typedef int (*fixture_fn)(const char *in, mc_facts *out, mc_error *err);

static int fx_cmdline(const char *in, mc_facts *out, mc_error *err)
{
	char *text = read_all(in, NULL);
	ck_assert_msg(text != NULL, "%s: %s", in, strerror(errno));
	int r = mc_probe_parse_cmdline(text, out, err);
	free(text);
	return r;
}

static int fx_kvm_params(const char *in, mc_facts *out, mc_error *err)
{
	return mc_probe_read_kvm_params(in, out, err);
}

/* Lines of whitespace-separated numbers (base prefix as written); '#'
 * comments. Returns the number of fields on the line, 0 for a blank line. */
static int parse_line(char *line, const char *where, uint64_t *v, int max)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		char *end;
		if (strcmp(t, "=") == 0)
			continue;
		ck_assert_msg(n < max, "%s: too many fields", where);
		errno = 0;
		v[n++] = strtoull(t, &end, 0);
		ck_assert_msg(!errno && !*end, "%s: bad number \"%s\"", where, t);
	}
	return n;
}

typedef struct reg_fixture {
	uint64_t *ids, *values;
	bool *has_value;
	size_t n;
} reg_fixture;

static int fixture_get(void *opaque, uint64_t id, uint64_t *value, mc_error *err)
{
	const reg_fixture *rf = opaque;
	for (size_t i = rf->n; i-- > 0;) {
		if (rf->ids[i] == id && rf->has_value[i]) {
			*value = rf->values[i];
			return 0;
		}
	}
	return mc_error_set(err, 0, ENOENT, "register 0x%016" PRIx64 ": no value in fixture", id);
}

static int fx_arm64_regs(const char *in, mc_facts *out, mc_error *err)
{
	char *text = read_all(in, NULL), *save = NULL;
	ck_assert_msg(text != NULL, "%s: %s", in, strerror(errno));
	reg_fixture rf = { 0 };
	size_t cap = 0, lineno = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char where[512];
		uint64_t v[2];
		snprintf(where, sizeof(where), "%s:%zu", in, ++lineno);
		int nf = parse_line(line, where, v, 2);
		if (!nf)
			continue;
		if (rf.n == cap) {
			cap = cap ? cap * 2 : 256;
			rf.ids = xrealloc(rf.ids, cap * sizeof(*rf.ids));
			rf.values = xrealloc(rf.values, cap * sizeof(*rf.values));
			rf.has_value = xrealloc(rf.has_value, cap * sizeof(*rf.has_value));
			ck_assert(rf.ids && rf.values && rf.has_value);
		}
		rf.ids[rf.n] = v[0];
		rf.values[rf.n] = nf > 1 ? v[1] : 0;
		rf.has_value[rf.n] = nf > 1;
		rf.n++;
	}
	int r = mc_arm64_regs_facts(rf.ids, rf.n, fixture_get, &rf, out, err);
	free(rf.ids);
	free(rf.values);
	free(rf.has_value);
	free(text);
	return r;
}

static int fx_x86_cpuid(const char *in, mc_facts *out, mc_error *err)
{
	char *text = read_all(in, NULL), *save = NULL;
	ck_assert_msg(text != NULL, "%s: %s", in, strerror(errno));
	mc_x86_cpuid_entry *e = NULL;
	size_t n = 0, lineno = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char where[512];
		uint64_t v[6];
		snprintf(where, sizeof(where), "%s:%zu", in, ++lineno);
		int nf = parse_line(line, where, v, 6);
		if (!nf)
			continue;
		ck_assert_msg(nf == 6, "%s: expected FUNCTION INDEX EAX EBX ECX EDX", where);
		e = xrealloc(e, (n + 1) * sizeof(*e));
		ck_assert_ptr_nonnull(e);
		e[n++] = (mc_x86_cpuid_entry){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2],
					       (uint32_t)v[3], (uint32_t)v[4], (uint32_t)v[5] };
	}
	int r = mc_x86_cpuid_facts(e, n, out, err);
	free(e);
	free(text);
	return r;
}

static int fx_x86_msr(const char *in, mc_facts *out, mc_error *err)
{
	char *text = read_all(in, NULL), *save = NULL;
	ck_assert_msg(text != NULL, "%s: %s", in, strerror(errno));
	uint32_t *idx = NULL;
	size_t n = 0, lineno = 0;
	int r = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char where[512];
		uint64_t v[2];
		snprintf(where, sizeof(where), "%s:%zu", in, ++lineno);
		int nf = parse_line(line, where, v, 2);
		if (nf == 1) { /* INDEX: in KVM_GET_MSR_INDEX_LIST */
			idx = xrealloc(idx, (n + 1) * sizeof(*idx));
			ck_assert_ptr_nonnull(idx);
			idx[n++] = (uint32_t)v[0];
		} else if (nf == 2) { /* INDEX = VALUE: a feature MSR */
			if ((r = mc_x86_msr_feature_fact(out, (uint32_t)v[0], v[1], err)) < 0)
				goto out;
		}
	}
	r = mc_x86_msr_facts(idx, n, out, err);
out:
	free(idx);
	free(text);
	return r;
}

static const struct {
	const char *dir;
	fixture_fn fn;
} parsers[] = {
	{ "cmdline", fx_cmdline },       { "kvm_params", fx_kvm_params },
	{ "arm64_regs", fx_arm64_regs }, { "x86_cpuid", fx_x86_cpuid },
	{ "x86_msr", fx_x86_msr },
};

/* ---- the data-driven cases ------------------------------------------------- */

typedef struct fixture_case {
	char *name; /* PARSER/NAME, the TCase name */
	char *in, *out, *err;
	fixture_fn fn;
} fixture_case;

static fixture_case *cases;
static size_t n_cases;
static const char *datadir;

/* Outside a test, where ck_assert cannot be used. */
#define NEED(cond)                                                                                 \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "test_probes: %s failed\n", #cond);                        \
			exit(EXIT_FAILURE);                                                        \
		}                                                                                  \
	} while (0)

static int in_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);
	return de->d_name[0] != '.' && n > 3 && strcmp(de->d_name + n - 3, ".in") == 0;
}

static void collect_cases(void)
{
	for (size_t p = 0; p < sizeof(parsers) / sizeof(parsers[0]); p++) {
		char *dir;
		struct dirent **list;
		NEED(asprintf(&dir, "%s/probes/%s", datadir, parsers[p].dir) > 0);
		int n = scandir(dir, &list, in_filter, alphasort);
		if (n < 0) {
			fprintf(stderr, "test_probes: %s: %s\n", dir, strerror(errno));
			exit(EXIT_FAILURE);
		}
		for (int i = 0; i < n; i++) {
			size_t len = strlen(list[i]->d_name) - 3;
			fixture_case c = { .fn = parsers[p].fn };
			NEED(asprintf(&c.name, "%s/%.*s", parsers[p].dir, (int)len,
				      list[i]->d_name) > 0);
			NEED(asprintf(&c.in, "%s/%s", dir, list[i]->d_name) > 0);
			NEED(asprintf(&c.out, "%s/%.*s.out", dir, (int)len, list[i]->d_name) > 0);
			NEED(asprintf(&c.err, "%s/%.*s.err", dir, (int)len, list[i]->d_name) > 0);
			cases = xrealloc(cases, (n_cases + 1) * sizeof(*cases));
			NEED(cases);
			cases[n_cases++] = c;
			free(list[i]);
		}
		free(list);
		free(dir);
	}
}

static void free_cases(void)
{
	for (size_t i = 0; i < n_cases; i++) {
		free(cases[i].name);
		free(cases[i].in);
		free(cases[i].out);
		free(cases[i].err);
	}
	free(cases);
}

/* First differing line of two texts, for a readable failure. */
static void assert_same_text(const char *name, const char *want, const char *got)
{
	if (strcmp(want, got) == 0)
		return;
	const char *w = want, *g = got;
	int line = 1;
	while (*w && *w == *g) {
		if (*w == '\n')
			line++;
		w++, g++;
	}
	while (w > want && w[-1] != '\n')
		w--, g--;
	ck_abort_msg("%s: line %d: expected \"%.*s\", got \"%.*s\"", name, line,
		     (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
}

START_TEST(test_fixture)
{
	const fixture_case *c = &cases[_i];
	bool want_out = exists(c->out), want_err = exists(c->err);
	ck_assert_msg(want_out != want_err, "%s: needs exactly one of %s, %s", c->name, c->out,
		      c->err);
	mc_facts *f = mc_facts_new();
	mc_error err = { 0 };
	ck_assert_ptr_nonnull(f);
	int r = c->fn(c->in, f, &err);
	if (want_err) {
		char *expect = read_all(c->err, NULL);
		ck_assert_ptr_nonnull(expect);
		expect[strcspn(expect, "\n")] = '\0';
		ck_assert_msg(r < 0, "%s: succeeded, expected an error containing \"%s\"", c->name,
			      expect);
		ck_assert_msg(err.errnum == -r, "%s: returned %d but err has errno %d", c->name, r,
			      err.errnum);
		ck_assert_msg(strstr(err.msg, expect) != NULL,
			      "%s: error \"%s\" does not contain \"%s\"", c->name, err.msg, expect);
		ck_assert_msg(!strchr(err.msg, '\n'), "%s: error message not one line", c->name);
		free(expect);
	} else {
		ck_assert_msg(r == 0, "%s: failed: %s", c->name, err.msg);
		char *got = mc_facts_canonical(f, NULL);
		ck_assert_ptr_nonnull(got);
		const char *update = getenv("MC_TEST_UPDATE");
		if (update && strcmp(update, "1") == 0) {
			FILE *o = fopen(c->out, "w");
			ck_assert_msg(o && fputs(got, o) >= 0 && fclose(o) == 0, "%s: cannot write",
				      c->out);
		}
		char *want = read_all(c->out, NULL);
		ck_assert_ptr_nonnull(want);
		/* the expected text itself must be canonical */
		mc_error perr = { 0 };
		mc_facts *pf = mc_facts_parse(want, strlen(want), c->out, &perr);
		ck_assert_msg(pf != NULL, "%s", perr.msg);
		char *canon = mc_facts_canonical(pf, NULL);
		assert_same_text(c->out, want, canon);
		assert_same_text(c->name, want, got);
		free(canon);
		mc_facts_free(pf);
		free(want);
		free(got);
	}
	mc_facts_free(f);
}
END_TEST

/* ---- capability name table ------------------------------------------------- */

/* Every "#define KVM_CAP_NAME NUMBER" of a kvm.h (trailing comments allowed)
 * must be in the committed table with the same number. */
static void check_header_subset(const char *path)
{
	char *text = read_all(path, NULL), *save = NULL;
	ck_assert_msg(text != NULL, "%s: %s", path, strerror(errno));
	size_t ncaps = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], rest[256] = "";
		unsigned nr;
		const char *p = line + strspn(line, " \t");
		if (*p != '#')
			continue;
		p += 1 + strspn(p + 1, " \t");
		if (strncmp(p, "define", 6) != 0)
			continue;
		p += 6;
		int n = sscanf(p, " %127[A-Za-z0-9_] %u %255[^\n]", name, &nr, rest);
		if (n < 2 || strncmp(name, "KVM_CAP_", 8) != 0)
			continue;
		/* the number must be a whole token; a trailing comment is fine */
		ck_assert_msg(n == 2 || rest[0] == '/', "%s: unexpected text after %s %u: %s", path,
			      name, nr, rest);
		const char *have = mc_kvm_cap_name(nr);
		ck_assert_msg(have != NULL, "%s: %s = %u missing from probes/kvm_cap_names.h", path,
			      name, nr);
		ck_assert_msg(strcmp(have, name) == 0, "%s: %u is %s, table has %s", path, nr, name,
			      have);
		ck_assert_int_eq(mc_kvm_cap_number(name), (int)nr);
		ncaps++;
	}
	ck_assert_msg(ncaps > 200, "%s: only %zu KVM_CAP_ definitions found", path, ncaps);
	free(text);
}

START_TEST(test_cap_names_vs_system_header)
{
	const char *h = getenv("MC_KVM_H");
	check_header_subset(h && *h ? h : "/usr/include/linux/kvm.h");
	if (!h && exists("/usr/aarch64-linux-gnu/include/linux/kvm.h"))
		check_header_subset("/usr/aarch64-linux-gnu/include/linux/kvm.h");
}
END_TEST

START_TEST(test_cap_names_table)
{
	size_t n = mc_kvm_cap_count();
	ck_assert_uint_ge(n, 240);
	unsigned prev = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned nr;
		const char *name;
		mc_kvm_cap_at(i, &nr, &name);
		ck_assert_msg(i == 0 || nr > prev, "table not sorted at %s", name);
		ck_assert_str_eq(mc_kvm_cap_name(nr), name);
		ck_assert_int_eq(mc_kvm_cap_number(name), (int)nr);
		prev = nr;
	}
	/* the caps with trailing comments in the header */
	ck_assert_str_eq(mc_kvm_cap_name(9), "KVM_CAP_NR_VCPUS");
	ck_assert_str_eq(mc_kvm_cap_name(10), "KVM_CAP_NR_MEMSLOTS");
	ck_assert_str_eq(mc_kvm_cap_name(16), "KVM_CAP_SYNC_MMU");
	ck_assert_str_eq(mc_kvm_cap_name(66), "KVM_CAP_MAX_VCPUS");
	ck_assert_str_eq(mc_kvm_cap_name(102), "KVM_CAP_ARM_PSCI_0_2");
	ck_assert_ptr_null(mc_kvm_cap_name(5)); /* a hole */
	ck_assert_ptr_null(mc_kvm_cap_name(1000));
	ck_assert_int_eq(mc_kvm_cap_number("KVM_CAP_1000"), 1000);
	ck_assert_int_eq(mc_kvm_cap_number("KVM_CAP_5"), 5);
	ck_assert_int_eq(mc_kvm_cap_number("KVM_CAP_05"), -ENOENT);
	ck_assert_int_eq(mc_kvm_cap_number("KVM_CAP_1024"), -ENOENT);
	ck_assert_int_eq(mc_kvm_cap_number("KVM_CAP_NO_SUCH"), -ENOENT);
	ck_assert_int_eq(mc_kvm_cap_number("IRQCHIP"), -ENOENT);

	mc_facts *f = mc_facts_new();
	mc_error err = { 0 };
	ck_assert_int_eq(mc_kvm_cap_fact(f, 102, 1, &err), 0);
	ck_assert_int_eq(mc_kvm_cap_fact(f, 1000, 7, &err), 0);
	ck_assert_int_eq(mc_kvm_cap_fact(f, 9, 0, &err), 0); /* zero: not recorded */
	ck_assert_int_eq(mc_kvm_cap_fact(f, 165, -1, &err), 0);
	char *s = mc_facts_canonical(f, NULL);
	ck_assert_str_eq(s, "kvm.cap\tKVM_CAP_1000\t7\n"
			    "kvm.cap\tKVM_CAP_ARM_PSCI_0_2\t1\n"
			    "kvm.cap\tKVM_CAP_ARM_VM_IPA_SIZE\t-1\n");
	free(s);
	mc_facts_free(f);
}
END_TEST

/* ---- firmware register names ------------------------------------------------ */

START_TEST(test_fwreg_names)
{
	static const struct {
		uint64_t id;
		const char *name;
	} known[] = {
		{ 0x6030000000140000ULL, "PSCI_VERSION" },
		{ 0x6030000000140001ULL, "SMCCC_ARCH_WORKAROUND_1" },
		{ 0x6030000000140002ULL, "SMCCC_ARCH_WORKAROUND_2" },
		{ 0x6030000000140003ULL, "SMCCC_ARCH_WORKAROUND_3" },
		{ 0x6030000000160000ULL, "STD_BMAP" },
		{ 0x6030000000160001ULL, "STD_HYP_BMAP" },
		{ 0x6030000000160002ULL, "VENDOR_HYP_BMAP" },
		{ 0x6030000000160003ULL, "VENDOR_HYP_BMAP_2" },
	};
	char buf[MC_ARM64_REG_NAME_MAX];
	mc_error err = { 0 };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		uint64_t id = 0;
		ck_assert_str_eq(mc_arm64_fwreg_name(known[i].id, buf), known[i].name);
		ck_assert_int_eq(mc_arm64_fwreg_parse(known[i].name, &id, &err), 0);
		ck_assert_uint_eq(id, known[i].id);
		ck_assert(mc_arm64_reg_is_fw(known[i].id));
	}
	/* unknown ids: their hex id, round trip */
	static const uint64_t unknown[] = { 0x6030000000140004ULL, 0x6030000000160004ULL,
					    0x6020000000140000ULL, 0x0ULL, 0xffffffffffffffffULL };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		char want[32];
		uint64_t id = 1;
		snprintf(want, sizeof(want), "0x%016" PRIx64, unknown[i]);
		ck_assert_str_eq(mc_arm64_fwreg_name(unknown[i], buf), want);
		ck_assert_int_eq(mc_arm64_fwreg_parse(want, &id, &err), 0);
		ck_assert_uint_eq(id, unknown[i]);
	}
	uint64_t id;
	ck_assert_int_eq(mc_arm64_fwreg_parse("0x2", &id, &err), 0);
	ck_assert_uint_eq(id, 2);
	ck_assert(!mc_arm64_reg_is_fw(0x6030000000100000ULL)); /* core */
	ck_assert(!mc_arm64_reg_is_fw(0x6030000000150000ULL)); /* SVE */
	ck_assert(!mc_arm64_reg_is_fw(0x1030000000140000ULL)); /* not arm64 */
	ck_assert(mc_arm64_reg_is_fw(0x6020000000140000ULL));  /* any size */

	static const char *const bad[] = { "",
					   "psci_version",
					   "PSCI",
					   "0x",
					   "0x1g",
					   "0x12345678901234567",
					   "x6030000000140000",
					   "-1",
					   "PSCI_VERSION " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mc_error e = { 0 };
		ck_assert_int_eq(mc_arm64_fwreg_parse(bad[i], &id, &e), -EINVAL);
		ck_assert_int_eq(e.exit_code, MC_EXIT_USAGE);
		ck_assert_msg(strstr(e.msg, "unknown") != NULL, "%s", e.msg);
	}
}
END_TEST

/* ---- misc ------------------------------------------------------------------- */

START_TEST(test_errno_names)
{
	char buf[MC_ERRNO_NAME_MAX];
	ck_assert_str_eq(mc_errno_name(EINVAL, buf), "EINVAL");
	ck_assert_str_eq(mc_errno_name(ENOENT, buf), "ENOENT");
	ck_assert_str_eq(mc_errno_name(EBUSY, buf), "EBUSY");
	ck_assert_str_eq(mc_errno_name(E2BIG, buf), "E2BIG");
	ck_assert_str_eq(mc_errno_name(4095, buf), "errno 4095");
}
END_TEST

START_TEST(test_cmdline_relevant)
{
	char key[64];
	ck_assert(mc_cmdline_relevant("kvm-intel.nested", key, sizeof(key)));
	ck_assert_str_eq(key, "cmdline.kvm_intel.nested");
	ck_assert(mc_cmdline_relevant("kvm_arm.mode", key, sizeof(key)));
	ck_assert_str_eq(key, "cmdline.kvm-arm.mode");
	ck_assert(!mc_cmdline_relevant("root", key, sizeof(key)));
	ck_assert(!mc_cmdline_relevant("kvm.", key, sizeof(key)));
	ck_assert(!mc_cmdline_relevant("kvmx.a", key, sizeof(key)));
	ck_assert(!mc_cmdline_relevant("MITIGATIONS", key, sizeof(key)));
	/* a key that does not fit is not recorded (never truncated) */
	ck_assert(!mc_cmdline_relevant("kvm.a_very_long_parameter_name", key, 16));
}
END_TEST

/* ---- the runner -------------------------------------------------------------- */

static char *fixture_path(const char *rel)
{
	char *p;
	ck_assert(asprintf(&p, "%s/probes/%s", datadir, rel) > 0);
	return p;
}

START_TEST(test_run_all_skips)
{
	char *cmdline = fixture_path("cmdline/debian-kvm-intel.in");
	char *sysmod = fixture_path("kvm_params/intel-host.in");
	mc_probe_env env = { .kvm_dev = "/nonexistent/kvm",
			     .proc_cmdline = cmdline,
			     .sys_module = sysmod,
			     .sys_root = "/nonexistent/sys",
			     .libvirt_skip = "not in this test" };
	mc_facts *f = mc_facts_new();
	mc_error err = { 0 };
	ck_assert_int_eq(mc_probe_run_all(&env, NULL, f, &err), 0);
	ck_assert_str_eq(mc_facts_get(f, "probe.skip", "kvm_caps"),
			 "no /nonexistent/kvm (No such file or directory)");
#if defined(__x86_64__)
	ck_assert_str_eq(mc_facts_get(f, "probe.skip", "arm64_regs"), "not aarch64");
	ck_assert_str_eq(mc_facts_get(f, "probe.skip", "x86_msr"),
			 "no /nonexistent/kvm (No such file or directory)");
#elif defined(__aarch64__)
	ck_assert_str_eq(mc_facts_get(f, "probe.skip", "x86_msr"), "not x86_64");
#endif
	ck_assert_ptr_nonnull(mc_facts_get(f, "kernel", "release"));
	ck_assert_str_eq(mc_facts_get(f, "kernel", "cmdline.kvm_intel.nested"), "1");
	ck_assert_str_eq(mc_facts_get(f, "kvm.param", "kvm_intel.vmentry_l1d_flush"), "cond");
	ck_assert_ptr_null(mc_facts_get(f, "probe.skip", "kernel"));
	mc_facts_free(f);

	/* a probe failing halfway adds nothing: release is read before the cmdline */
	env.proc_cmdline = "/nonexistent/cmdline";
	const char *only[] = { "kernel", NULL };
	f = mc_facts_new();
	ck_assert_int_eq(mc_probe_run_all(&env, only, f, &err), 0);
	ck_assert_uint_eq(mc_facts_count(f), 1);
	ck_assert_str_eq(mc_facts_get(f, "probe.skip", "kernel"),
			 "/nonexistent/cmdline: No such file or directory");
	mc_facts_free(f);

	/* unknown probe name: usage error, nothing run */
	const char *bad[] = { "kernel", "nosuch", NULL };
	f = mc_facts_new();
	ck_assert_int_eq(mc_probe_run_all(&env, bad, f, &err), -EINVAL);
	ck_assert_int_eq(err.exit_code, MC_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "nosuch"));
	ck_assert_uint_eq(mc_facts_count(f), 0);
	mc_facts_free(f);

	/* every registered probe has a distinct name */
	for (size_t i = 0; i < mc_n_probes; i++)
		for (size_t j = i + 1; j < mc_n_probes; j++)
			ck_assert_str_ne(mc_probes[i].name, mc_probes[j].name);
	free(cmdline);
	free(sysmod);
}
END_TEST

/* A BTF blob (include/uapi/linux/btf.h layout) built here: an INT, the
 * enum kvm_pgtable_prot of a pre-6.9 arm64 kernel (no NORMAL_NC), a STRUCT
 * and an ENUM64, so the walk must step over each kind's trailing data. */
static size_t btf_put(unsigned char *b, size_t at, uint32_t v)
{
	memcpy(b + at, &v, 4);
	return at + 4;
}

static size_t btf_blob(unsigned char *b, size_t size, uint32_t bad_kind)
{
	static const char strs[] = "\0int\0kvm_pgtable_prot\0KVM_PGTABLE_PROT_X\0"
				   "KVM_PGTABLE_PROT_DEVICE\0s\0a\0e64\0V";
	enum {
		S_INT = 1,
		S_ENUM = 5,
		S_X = 22,
		S_DEV = 41,
		S_S = 65,
		S_A = 67,
		S_E64 = 69,
		S_V = 73
	};
	ck_assert(size >= 256);
	memset(b, 0, size);
	size_t t = 24;
	t = btf_put(b, t, S_INT), t = btf_put(b, t, 1u << 24), t = btf_put(b, t, 4);
	t = btf_put(b, t, 32);
	t = btf_put(b, t, S_ENUM), t = btf_put(b, t, 6u << 24 | 2), t = btf_put(b, t, 4);
	t = btf_put(b, t, S_X), t = btf_put(b, t, 1);
	t = btf_put(b, t, S_DEV), t = btf_put(b, t, 8);
	t = btf_put(b, t, S_S), t = btf_put(b, t, (bad_kind ? bad_kind : 4u) << 24 | 1);
	t = btf_put(b, t, 4);
	t = btf_put(b, t, S_A), t = btf_put(b, t, 1), t = btf_put(b, t, 0);
	t = btf_put(b, t, S_E64), t = btf_put(b, t, 19u << 24 | 1), t = btf_put(b, t, 8);
	t = btf_put(b, t, S_V), t = btf_put(b, t, 1), t = btf_put(b, t, 0);
	uint32_t tlen = (uint32_t)(t - 24);
	memcpy(b + t, strs, sizeof(strs));
	uint16_t magic = 0xeB9F;
	memcpy(b, &magic, 2);
	b[2] = 1;
	btf_put(b, 4, 24), btf_put(b, 8, 0), btf_put(b, 12, tlen);
	btf_put(b, 16, tlen), btf_put(b, 20, (uint32_t)sizeof(strs));
	return t + sizeof(strs);
}

START_TEST(test_btf_enum)
{
	unsigned char b[512];
	size_t n = btf_blob(b, sizeof(b), 0);
	ck_assert_int_eq(mc_btf_enum_has(b, n, "kvm_pgtable_prot", "KVM_PGTABLE_PROT_DEVICE"), 1);
	ck_assert_int_eq(mc_btf_enum_has(b, n, "kvm_pgtable_prot", "KVM_PGTABLE_PROT_NORMAL_NC"),
			 0);
	ck_assert_int_eq(mc_btf_enum_has(b, n, "e64", "V"), 1);
	ck_assert_int_eq(mc_btf_enum_has(b, n, "nope", "V"), -ENOENT);
	ck_assert_int_eq(mc_btf_enum_has(b, n, "s", "a"), -ENOENT); /* a struct, not an enum */
	for (size_t cut = 0; cut < n; cut++) /* truncated anywhere: never a wrong answer */
		ck_assert_int_ne(mc_btf_enum_has(b, cut, "e64", "V"), 1);
	b[0] ^= 1; /* magic */
	ck_assert_int_eq(mc_btf_enum_has(b, n, "e64", "V"), -EINVAL);
	n = btf_blob(b, sizeof(b), 31); /* a kind this parser does not know */
	ck_assert_int_eq(mc_btf_enum_has(b, n, "e64", "V"), -EINVAL);
}
END_TEST

static Suite *probes_suite(void)
{
	Suite *s = suite_create("probes");
	for (size_t i = 0; i < n_cases; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_loop_test(tc, test_fixture, (int)i, (int)i + 1);
		suite_add_tcase(s, tc);
	}
	const struct {
		const char *name;
		const TTest *test;
	} plain[] = {
		{ "kvm_cap_names/system_header", test_cap_names_vs_system_header },
		{ "kvm_cap_names/table", test_cap_names_table },
		{ "fwreg_names", test_fwreg_names },
		{ "errno_names", test_errno_names },
		{ "cmdline_relevant", test_cmdline_relevant },
		{ "run_all", test_run_all_skips },
		{ "btf_enum", test_btf_enum },
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		TCase *tc = tcase_create(plain[i].name);
		tcase_add_test(tc, plain[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	char *def = NULL;
	datadir = getenv("MC_TESTDATA");
	if (!datadir || !*datadir) {
		const char *srcdir = getenv("srcdir");
		if (srcdir && *srcdir && asprintf(&def, "%s/tests/data", srcdir) > 0)
			datadir = def;
		else
			datadir = "tests/data";
	}
	collect_cases();
	SRunner *sr = srunner_create(probes_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free_cases();
	free(def);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
