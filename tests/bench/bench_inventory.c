/* Benchmarks of the foundation: probing this host, and importing generated
 * hosts into a fresh inventory. Usage: bench_inventory SCHEMADIR [HOSTS
 * [PROFILES]]. Each figure is the median of alternating rounds (baseline,
 * subject, ...; tests/lib/bench.h) of the subject's time over the baseline's,
 * both doing the same work under the same conditions:
 *  - probe: the full in-process probe vs. the same system calls made raw:
 *    the same /proc and /sys files read, the same KVM ioctls (every
 *    KVM_CHECK_EXTENSION, KVM_GET_SUPPORTED_CPUID, the MSR lists and feature
 *    MSRs, the VFIO device test on a new VM), without the facts model;
 *  - import: migcheck's per-host import (mc_db_store_host: canonical form,
 *    SHA-256 id, dedup of profiles and facts, one transaction per host) vs.
 *    plain SQL through the sqlite3 API writing the same rows into the same
 *    schema (schemas/inventory-*.sql): per host one transaction, the
 *    profile id computed (canonical form, SHA-256 by nettle, as migcheck's
 *    is), the profile and its facts stored once, the host and its history
 *    row. Both start from a fresh file per round, with the same pragmas; the
 *    rows are compared after every round. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <nettle/sha2.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/kvm.h>
#endif

#include "db/inventory.h"
#include "probes/probe.h"
#include "tests/lib/bench.h"

#define KVM_CAP_LIMIT 1024 /* probes/kvm_caps.c MC_KVM_CAP_LIMIT */

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_inventory: %s: %s\n", what, msg);
	exit(1);
}

/* ---- probe ---- */

static void raw_read(const char *path)
{
	g_autofree char *s = NULL;
	g_file_get_contents(path, &s, NULL, NULL);
}

static void raw_kvm_params(void)
{
	DIR *d = opendir("/sys/module");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "kvm", 3) != 0)
			continue;
		g_autofree char *pd = g_strdup_printf("/sys/module/%s/parameters", e->d_name);
		DIR *p = opendir(pd);
		struct dirent *q;
		while (p && (q = readdir(p))) {
			g_autofree char *f = g_build_filename(pd, q->d_name, NULL);
			if (q->d_name[0] != '.')
				raw_read(f);
		}
		if (p)
			closedir(p);
	}
	if (d)
		closedir(d);
}

static void raw_bus(const char *bus)
{
	g_autofree char *dir = g_strdup_printf("/sys/bus/%s/devices", bus);
	DIR *d = opendir(dir);
	struct dirent *e;
	char drv[128];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		g_autofree char *link = g_strdup_printf("%s/%s/driver", dir, e->d_name);
		if (readlink(link, drv, sizeof(drv) - 1) < 0)
			continue;
	}
	if (d)
		closedir(d);
}

static int raw_count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/kvm", strerror(errno));
	return fd;
}

#if defined(__x86_64__)
static void raw_msr_list(int fd, unsigned long req, struct kvm_msr_list **out)
{
	uint32_t n = 0;
	for (int attempt = 0; attempt < 8; attempt++) {
		struct kvm_msr_list *l = calloc(1, sizeof(*l) + (size_t)n * sizeof(l->indices[0]));
		l->nmsrs = n;
		if (ioctl(fd, req, l) == 0) {
			*out = l;
			return;
		}
		n = l->nmsrs;
		free(l);
	}
	die("KVM MSR list", "keeps growing");
}

static void raw_x86(void)
{
	int fd = kvm_open();
	struct kvm_msr_list *list = NULL, *feat = NULL;
	raw_msr_list(fd, KVM_GET_MSR_INDEX_LIST, &list);
	if (ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)KVM_CAP_GET_MSR_FEATURES) > 0) {
		raw_msr_list(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &feat);
		struct kvm_msrs *m = calloc(1, sizeof(*m) + sizeof(m->entries[0]));
		for (uint32_t i = 0; i < feat->nmsrs; i++) {
			memset(m, 0, sizeof(*m) + sizeof(m->entries[0]));
			m->nmsrs = 1;
			m->entries[0].index = feat->indices[i];
			if (ioctl(fd, KVM_GET_MSRS, m) < 0)
				die("KVM_GET_MSRS", strerror(errno));
		}
		free(m);
	}
	free(feat);
	free(list);
	close(fd);

	fd = kvm_open();
	for (uint32_t nent = 64;; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		c->nent = nent;
		int r = ioctl(fd, KVM_GET_SUPPORTED_CPUID, c);
		free(c);
		if (r == 0)
			break;
		if (errno != E2BIG || nent >= 65536)
			die("KVM_GET_SUPPORTED_CPUID", strerror(errno));
	}
	close(fd);
}
#endif

/* The probe's system calls, raw (x86_64: every probe that runs here; the
 * libvirt probe is skipped on both sides). */
static void raw_probe_calls(void)
{
	struct utsname u;
	uname(&u);
	raw_read("/proc/cmdline");
	int fd = kvm_open();
	for (unsigned nr = 0; nr < KVM_CAP_LIMIT; nr++)
		(void)ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)nr);
	close(fd);
	raw_kvm_params();
#if defined(__x86_64__)
	raw_x86();
#endif
	struct stat st;
	raw_bus("pci");
	raw_bus("mdev");
	(void)stat("/dev/iommu", &st);
	(void)stat("/dev/vfio/vfio", &st);
	(void)stat("/dev/vfio/devices", &st);
	raw_count_dir("/sys/class/iommu");
	raw_count_dir("/sys/kernel/iommu_groups");
	fd = kvm_open();
	int vm;
	do
		vm = ioctl(fd, KVM_CREATE_VM, 0);
	while (vm < 0 && errno == EINTR);
	if (vm >= 0) {
		struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO,
						.flags = KVM_CREATE_DEVICE_TEST };
		(void)ioctl(vm, KVM_CREATE_DEVICE, &cd);
		close(vm);
	}
	close(fd);
}

typedef struct pctx {
	int reps;
	mc_probe_env env;
	size_t nfacts;
} pctx;

static double probe_raw(void *opaque, int round)
{
	pctx *x = opaque;
	(void)round;
	double t0 = tb_now();
	for (int i = 0; i < x->reps; i++)
		raw_probe_calls();
	return (tb_now() - t0) / x->reps;
}

static double probe_migcheck(void *opaque, int round)
{
	pctx *x = opaque;
	mc_error err = { 0 };
	(void)round;
	double t0 = tb_now();
	for (int i = 0; i < x->reps; i++) {
		mc_facts *f = mc_facts_new();
		if (mc_probe_run_all(&x->env, NULL, f, &err) < 0)
			die("probe", err.msg);
		x->nfacts = mc_facts_count(f);
		mc_facts_free(f);
	}
	return (tb_now() - t0) / x->reps;
}

/* ---- import ---- */

/* A profile of ~2,000 facts; `variant` changes a handful so there are
 * several distinct profiles, as in a real fleet. */
static mc_facts *gen_profile(int variant)
{
	mc_facts *f = mc_facts_new();
	mc_facts_set(f, "kernel", "arch", "x86_64", NULL);
	mc_facts_setf(f, "kernel", "release", NULL, "6.1.0-%d-amd64", variant % 7);
	for (int i = 0; i < 240; i++) {
		char k[32];
		snprintf(k, sizeof(k), "KVM_CAP_%d", i);
		mc_facts_setf(f, "kvm.cap", k, NULL, "%d", (i * 7 + (i == variant % 240)) % 5 + 1);
	}
	for (int i = 0; i < 1000; i++) {
		char k[32];
		snprintf(k, sizeof(k), "0x%08x", 0xc0000000u + (unsigned)i);
		mc_facts_set(f, "x86.msr", k, "1", NULL);
	}
	for (int i = 0; i < 190; i++) {
		static const char *regs[] = { "eax", "ebx", "ecx", "edx" };
		char k[48];
		snprintf(k, sizeof(k), "0x%08x.0x%08x.%s", i / 4, 0, regs[i % 4]);
		mc_facts_setf(f, "x86.cpuid", k, NULL, "0x%08x",
			      (unsigned)(i * 2654435761u) ^ (unsigned)(variant / 7));
	}
	for (int i = 0; i < 560; i++) {
		char k[48];
		snprintf(k, sizeof(k), "kvm_amd.param%03d", i);
		mc_facts_setf(f, "kvm.param", k, NULL, "%d", i % 3);
	}
	return f;
}

typedef struct ictx {
	int nhosts, nprofiles;
	mc_facts **profiles;
	const char *dir;
	char *schema;             /* inventory-001.sql to inventory-004.sql */
	long hosts, profs, facts; /* stored by the last round (both sides) */
} ictx;

static char *round_path(const ictx *x, const char *side, int round)
{
	return g_strdup_printf("%s/%s-%d.db", x->dir, side, round);
}

static void remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < G_N_ELEMENTS(sfx); i++) {
		g_autofree char *p = g_strconcat(path, sfx[i], NULL);
		g_unlink(p);
	}
}

static void sql(sqlite3 *h, const char *s)
{
	char *msg = NULL;
	if (sqlite3_exec(h, s, NULL, NULL, &msg) != SQLITE_OK)
		die(s, msg ? msg : sqlite3_errmsg(h));
}

static sqlite3_stmt *prep(sqlite3 *h, const char *s)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, s, -1, &st, NULL) != SQLITE_OK)
		die(s, sqlite3_errmsg(h));
	return st;
}

static void step_done(sqlite3 *h, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("step", sqlite3_errmsg(h));
	sqlite3_reset(st);
}

static void host_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "host-%05d", i);
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct row {
	const char *domain, *key, *value;
} row;

static int row_cmp(const void *a, const void *b)
{
	const row *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	return c ? c : strcmp(x->key, y->key);
}

/* The plain-SQL writer, one host: the profile's id (SHA-256 of its facts
 * sorted by domain and key, one "domain TAB key TAB value LF" each), the
 * profile, its facts and that text (profile_canon) unless stored, the host
 * and its history. */
typedef struct plain {
	sqlite3 *h;
	sqlite3_stmt *find, *ins_prof, *ins_fact, *link, *canon, *host, *hist;
} plain;

static void plain_store(plain *p, const char *name, const mc_facts *f)
{
	size_t n = mc_facts_count(f);
	row *rows = g_new(row, n);
	char now[32];
	iso_now(now, sizeof(now));
	for (size_t i = 0; i < n; i++) {
		const mc_fact *x = mc_facts_at(f, i);
		rows[i] = (row){ x->domain, x->key, x->value };
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	GString *canon = g_string_sized_new(64 * n);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(canon, "%s\t%s\t%s\n", rows[i].domain, rows[i].key,
				       rows[i].value);
	struct sha256_ctx sum;
	uint8_t d[SHA256_DIGEST_SIZE];
	char id[2 * SHA256_DIGEST_SIZE + 1];
	sha256_init(&sum);
	sha256_update(&sum, canon->len, (const uint8_t *)canon->str);
	sha256_digest(&sum, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(id + 2 * i, 3, "%02x", d[i]);

	sql(p->h, "BEGIN IMMEDIATE");
	sqlite3_int64 pid;
	sqlite3_bind_text(p->find, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(p->find);
	if (rc == SQLITE_ROW) {
		pid = sqlite3_column_int64(p->find, 0);
		sqlite3_reset(p->find);
	} else {
		if (rc != SQLITE_DONE)
			die("find profile", sqlite3_errmsg(p->h));
		sqlite3_reset(p->find);
		const char *arch = mc_facts_get(f, "kernel", "arch");
		const char *rel = mc_facts_get(f, "kernel", "release");
		sqlite3_bind_text(p->ins_prof, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(p->ins_prof, 2, arch ? arch : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(p->ins_prof, 3, rel ? rel : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(p->ins_prof, 4, (sqlite3_int64)n);
		sqlite3_bind_text(p->ins_prof, 5, now, -1, SQLITE_STATIC);
		step_done(p->h, p->ins_prof);
		pid = sqlite3_last_insert_rowid(p->h);
		for (size_t i = 0; i < n; i++) {
			sqlite3_bind_text(p->ins_fact, 1, rows[i].domain, -1, SQLITE_STATIC);
			sqlite3_bind_text(p->ins_fact, 2, rows[i].key, -1, SQLITE_STATIC);
			sqlite3_bind_text(p->ins_fact, 3, rows[i].value, -1, SQLITE_STATIC);
			step_done(p->h, p->ins_fact);
			sqlite3_bind_int64(p->link, 1, pid);
			sqlite3_bind_text(p->link, 2, rows[i].domain, -1, SQLITE_STATIC);
			sqlite3_bind_text(p->link, 3, rows[i].key, -1, SQLITE_STATIC);
			sqlite3_bind_text(p->link, 4, rows[i].value, -1, SQLITE_STATIC);
			step_done(p->h, p->link);
		}
		sqlite3_bind_int64(p->canon, 1, pid);
		sqlite3_bind_blob(p->canon, 2, canon->str, (int)canon->len, SQLITE_STATIC);
		step_done(p->h, p->canon);
	}
	sqlite3_bind_text(p->host, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->host, 2, pid);
	sqlite3_bind_text(p->host, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->host, 4, "bench", -1, SQLITE_STATIC);
	step_done(p->h, p->host);
	sqlite3_bind_text(p->hist, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->hist, 2, pid);
	sqlite3_bind_text(p->hist, 3, now, -1, SQLITE_STATIC);
	step_done(p->h, p->hist);
	sql(p->h, "COMMIT");
	g_string_free(canon, TRUE);
	g_free(rows);
}

static sqlite3 *open_plain(const char *path)
{
	sqlite3 *h = NULL;
	if (sqlite3_open(path, &h) != SQLITE_OK)
		die(path, h ? sqlite3_errmsg(h) : "cannot open");
	return h;
}

static double import_plain(void *opaque, int round)
{
	ictx *x = opaque;
	g_autofree char *path = round_path(x, "plain", round);
	plain p = { .h = open_plain(path) };
	/* The schema and the pragmas mc_db_open sets, before the clock. */
	sql(p.h, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
		 "PRAGMA journal_size_limit = 0; PRAGMA foreign_keys = ON");
	sql(p.h, "BEGIN IMMEDIATE");
	sql(p.h, x->schema);
	sql(p.h, "COMMIT");
	p.find = prep(p.h, "SELECT pid FROM profiles WHERE id = ?1");
	p.ins_prof = prep(p.h, "INSERT INTO profiles (id, arch, kernel, nfacts, created) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)");
	p.ins_fact =
	    prep(p.h, "INSERT OR IGNORE INTO facts (domain, key, value) VALUES (?1, ?2, ?3)");
	p.link = prep(p.h, "INSERT INTO profile_facts (pid, fid) SELECT ?1, fid FROM facts "
			   "WHERE domain = ?2 AND key = ?3 AND value = ?4");
	p.canon = prep(p.h, "INSERT INTO profile_canon (pid, canon) VALUES (?1, ?2)");
	p.host =
	    prep(p.h, "INSERT INTO hosts (name, pid, probed_at, source) VALUES (?1, ?2, ?3, ?4) "
		      "ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, "
		      "probed_at = excluded.probed_at, source = excluded.source");
	p.hist = prep(p.h, "INSERT OR IGNORE INTO host_history (name, pid, probed_at) "
			   "VALUES (?1, ?2, ?3)");
	double t0 = tb_now();
	for (int i = 0; i < x->nhosts; i++) {
		char name[32];
		host_name(name, sizeof(name), i);
		plain_store(&p, name, x->profiles[i % x->nprofiles]);
	}
	double t = tb_now() - t0;
	sqlite3_stmt *all[] = { p.find, p.ins_prof, p.ins_fact, p.link, p.canon, p.host, p.hist };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(p.h);
	return t;
}

static double import_migcheck(void *opaque, int round)
{
	ictx *x = opaque;
	mc_error err = { 0 };
	g_autofree char *path = round_path(x, "migcheck", round);
	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	if (!db)
		die(path, err.msg);
	double t0 = tb_now();
	for (int i = 0; i < x->nhosts; i++) {
		char name[32], id[MC_PROFILE_ID_LEN + 1];
		host_name(name, sizeof(name), i);
		mc_host_info h = { name, NULL, 0 };
		if (mc_db_store_host(db, &h, x->profiles[i % x->nprofiles], "bench", id, &err) < 0)
			die("import", err.msg);
	}
	double t = tb_now() - t0;
	mc_db_close(db);
	return t;
}

/* What both sides stored, as one string: every host with its profile id,
 * every profile with its facts. Timestamps differ by design (each side's
 * own clock), so they are left out. */
static char *content(const char *path, long counts[4])
{
	sqlite3 *h = open_plain(path);
	static const char *const q[] = {
		"SELECT h.name || ' ' || p.id || ' ' || h.source FROM hosts h "
		"JOIN profiles p USING (pid) ORDER BY h.name",
		"SELECT p.id || ' ' || p.arch || ' ' || p.kernel || ' ' || p.nfacts || ' ' || "
		"(SELECT count(*) FROM profile_facts pf WHERE pf.pid = p.pid) FROM profiles p "
		"ORDER BY p.id",
		"SELECT f.domain || ' ' || f.key || ' ' || f.value FROM facts f "
		"ORDER BY f.domain, f.key, f.value",
		"SELECT h.name || ' ' || p.id FROM host_history h JOIN profiles p USING (pid) "
		"ORDER BY h.name, p.id",
	};
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(q); i++) {
		sqlite3_stmt *st = prep(h, q[i]);
		counts[i] = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			g_string_append(s, (const char *)sqlite3_column_text(st, 0));
			g_string_append_c(s, '\n');
			counts[i]++;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return g_string_free(s, FALSE);
}

static void compare_round(ictx *x, int round)
{
	g_autofree char *a = round_path(x, "plain", round);
	g_autofree char *b = round_path(x, "migcheck", round);
	long ca[4], cb[4];
	g_autofree char *sa = content(a, ca);
	g_autofree char *sb = content(b, cb);
	if (strcmp(sa, sb) != 0)
		die("import", "the plain-SQL baseline and migcheck stored different rows");
	x->hosts = cb[0], x->profs = cb[1], x->facts = cb[2];
	remove_db(a);
	remove_db(b);
}

static double import_migcheck_checked(void *opaque, int round)
{
	double t = import_migcheck(opaque, round);
	compare_round(opaque, round);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage", "bench_inventory SCHEMADIR [HOSTS [PROFILES]]");
	const char *schemas = argv[1];
	int nhosts = argc > 2 ? atoi(argv[2]) : 200;
	int nprofiles = argc > 3 ? atoi(argv[3]) : 20;
	int runs = tb_runs();
	if (nhosts < 1 || nprofiles < 1)
		die("usage", "HOSTS and PROFILES must be positive");

	/* ---- probe ---- */
	pctx pc = { .reps = 50 };
	mc_probe_env_default(&pc.env);
	pc.env.libvirt_skip = "not in this benchmark";
	tb_figure fp;
	tb_alternate(&fp, runs, probe_raw, probe_migcheck, &pc);
	printf("probe this host         %8.3f ms  (%zu facts)   baseline: the same syscalls raw "
	       "%8.3f ms   ratio %.2fx",
	       fp.subj_med * 1e3, pc.nfacts, fp.base_med * 1e3, fp.ratio);
	tb_print_rounds(stdout, &fp, 0);
	putchar('\n');

	/* ---- import ---- */
	ictx ic = { .nhosts = nhosts, .nprofiles = nprofiles };
	g_autofree char *dir = g_dir_make_tmp("migcheck-bench-XXXXXX", NULL);
	if (!dir)
		die("migcheck-bench-XXXXXX", "cannot make a directory");
	GString *schema = g_string_new(NULL); /* every migration, in order */
	for (int v = 1; v <= MC_DB_SCHEMA_VERSION; v++) {
		g_autofree char *name = g_strdup_printf("inventory-%03d.sql", v);
		g_autofree char *path = g_build_filename(schemas, name, NULL);
		g_autofree char *text = NULL;
		if (!g_file_get_contents(path, &text, NULL, NULL))
			die(path, "cannot read it");
		g_string_append_printf(schema, "%s\n", text);
	}
	ic.dir = dir;
	ic.schema = g_string_free(schema, FALSE);
	ic.profiles = g_new0(mc_facts *, nprofiles);
	for (int i = 0; i < nprofiles; i++)
		ic.profiles[i] = gen_profile(i);
	size_t per = mc_facts_count(ic.profiles[0]);
	tb_figure fi;
	tb_alternate(&fi, runs, import_plain, import_migcheck_checked, &ic);
	printf("import %d hosts        %8.1f ms  (%.3f ms/host; %d profiles x %zu facts; "
	       "stored %ld hosts, %ld profiles, %ld distinct facts)\n",
	       nhosts, fi.subj_med * 1e3, fi.subj_med * 1e3 / nhosts, nprofiles, per, ic.hosts,
	       ic.profs, ic.facts);
	printf("  baseline plain SQL    %8.1f ms  (same schema, same rows, one transaction per "
	       "host)   ratio %.2fx",
	       fi.base_med * 1e3, fi.ratio);
	tb_print_rounds(stdout, &fi, 0);
	printf("\n  medians of %d alternating rounds\n", runs);
	for (int i = 0; i < nprofiles; i++)
		mc_facts_free(ic.profiles[i]);
	g_free(ic.profiles);
	g_free(ic.schema);
	g_rmdir(dir);
	return 0;
}
