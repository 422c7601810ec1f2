/* Benchmarks of the foundation: probing this host, and importing 1,000
 * generated hosts into a fresh inventory. Each figure comes with a baseline
 * measured in the same run, and the ratio to it:
 *  - probe: the full in-process probe vs. reading the same /proc and /sys
 *    files raw (the I/O floor);
 *  - import: migcheck's per-host import (canonical form, SHA-256, dedup,
 *    one transaction per host) vs. plain sqlite inserting the same fact rows
 *    into a bare table in one transaction. */
#include <dirent.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "db/inventory.h"
#include "probes/probe.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void raw_read(const char *path)
{
	g_autofree char *s = NULL;
	g_file_get_contents(path, &s, NULL, NULL);
}

static void raw_probe_floor(void)
{
	struct utsname u;
	uname(&u);
	raw_read("/proc/cmdline");
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

int main(int argc, char **argv)
{
	int nhosts = argc > 1 ? atoi(argv[1]) : 1000;
	int nprofiles = argc > 2 ? atoi(argv[2]) : 50;
	int probe_reps = 50;
	mc_error err = { 0 };

	/* ---- probe ---- */
	mc_probe_env env;
	mc_probe_env_default(&env);
	env.libvirt_skip = "not in this benchmark";
	double t0 = now();
	size_t nfacts = 0;
	for (int i = 0; i < probe_reps; i++) {
		mc_facts *f = mc_facts_new();
		if (mc_probe_run_all(&env, NULL, f, &err) < 0) {
			fprintf(stderr, "probe: %s\n", err.msg);
			return 1;
		}
		nfacts = mc_facts_count(f);
		mc_facts_free(f);
	}
	double probe = (now() - t0) / probe_reps;
	t0 = now();
	for (int i = 0; i < probe_reps; i++)
		raw_probe_floor();
	double floor_t = (now() - t0) / probe_reps;
	printf("probe this host        %8.3f ms  (%zu facts)   baseline raw reads %8.3f ms   ratio "
	       "%.1fx\n",
	       probe * 1e3, nfacts, floor_t * 1e3, probe / floor_t);

	/* ---- import ---- */
	g_autofree char *dir = g_dir_make_tmp("migcheck-bench-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "inventory.db", NULL);
	g_autofree char *raw_path = g_build_filename(dir, "raw.db", NULL);
	mc_facts **profiles = g_new0(mc_facts *, nprofiles);
	for (int i = 0; i < nprofiles; i++)
		profiles[i] = gen_profile(i);
	size_t per = mc_facts_count(profiles[0]);

	mc_db *db = mc_db_open(path, MC_DB_WRITE, &err);
	if (!db) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	t0 = now();
	for (int i = 0; i < nhosts; i++) {
		char name[32], id[MC_PROFILE_ID_LEN + 1];
		snprintf(name, sizeof(name), "host-%05d", i);
		mc_host_info h = { name, NULL, 0 };
		if (mc_db_store_host(db, &h, profiles[i % nprofiles], "bench", id, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	}
	double import = now() - t0;
	long hh, pp, ff;
	mc_db_counts(db, &hh, &pp, &ff, &err);
	mc_db_close(db);

	/* Baseline: the same fact rows, plain sqlite, one transaction, no
	 * canonical form, no hashing, no dedup. */
	sqlite3 *raw = NULL;
	sqlite3_open(raw_path, &raw);
	sqlite3_exec(raw,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
		     "CREATE TABLE f (host TEXT, domain TEXT, key TEXT, value TEXT)",
		     NULL, NULL, NULL);
	sqlite3_stmt *st = NULL;
	t0 = now();
	sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(raw, "INSERT INTO f VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL);
	for (int i = 0; i < nhosts; i++) {
		char name[32];
		snprintf(name, sizeof(name), "host-%05d", i);
		const mc_facts *f = profiles[i % nprofiles];
		for (size_t j = 0; j < mc_facts_count(f); j++) {
			const mc_fact *x = mc_facts_at(f, j);
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, x->domain, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, x->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, x->value, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL);
	double base = now() - t0;
	sqlite3_close(raw);

	struct stat sa, sb;
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *rwal = g_strconcat(raw_path, "-wal", NULL);
	long size_a =
	    (stat(path, &sa) == 0 ? sa.st_size : 0) + (stat(wal, &sb) == 0 ? sb.st_size : 0);
	long size_b =
	    (stat(raw_path, &sa) == 0 ? sa.st_size : 0) + (stat(rwal, &sb) == 0 ? sb.st_size : 0);
	printf("import %d hosts      %8.1f ms  (%.3f ms/host; %d profiles x %zu facts; "
	       "stored %ld profiles, %ld distinct facts)\n",
	       nhosts, import * 1e3, import * 1e3 / nhosts, nprofiles, per, pp, ff);
	printf("  baseline raw sqlite  %8.1f ms  (same %zu rows, one transaction)   ratio %.2fx\n",
	       base * 1e3, (size_t)nhosts * per, import / base);
	printf("  inventory size       %8.1f MiB  vs raw rows %.1f MiB   ratio %.3f\n",
	       size_a / 1048576.0, size_b / 1048576.0, (double)size_a / (double)size_b);
	for (int i = 0; i < nprofiles; i++)
		mc_facts_free(profiles[i]);
	g_free(profiles);
	g_unlink(wal);
	g_unlink(rwal);
	g_unlink(path);
	g_unlink(raw_path);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(shm);
	g_rmdir(dir);
	return 0;
}
