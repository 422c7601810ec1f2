/* A main() for the fuzz targets without libFuzzer: runs every file named on
 * the command line (directories: every regular file in them, sorted), or
 * standard input when none is named. This is how AFL++ runs a target built
 * with afl-clang-fast (`afl-fuzz ... -- target @@`), and how make check
 * replays the seed corpora and the crash regressions under any compiler. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN
/* afl-clang-fast: persistent mode with the test case in shared memory when
 * no file is named (afl.sh runs the target without @@). */
__AFL_FUZZ_INIT();
#endif

static int run_file(const char *path, size_t *count)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int bad = ferror(f) || !buf;
	if (f != stdin)
		fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, size_t *count)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)))
		return run_file(path, count);
	struct dirent **ents = NULL;
	int n = scandir(path, &ents, NULL, NULL);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = calloc((size_t)n + 1, sizeof(*names));
	int k = 0, r = 0;
	for (int i = 0; i < n; i++) {
		if (names && ents[i]->d_name[0] != '.' && ents[i]->d_type != DT_DIR)
			names[k++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	if (!names)
		return -1;
	qsort(names, (size_t)k, sizeof(*names), cmp_names);
	for (int i = 0; i < k; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *p = malloc(len);
		if (p) {
			snprintf(p, len, "%s/%s", path, names[i]);
			if (run_file(p, count) < 0)
				r = -1;
		}
		free(p);
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int r = 0;
	LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_FUZZ_TESTCASE_LEN
	if (argc < 2) {
		__AFL_INIT();
		const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
		while (__AFL_LOOP(10000))
			LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
		return 0;
	}
#endif
	if (argc < 2)
		return run_path("-", &count) < 0;
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			r = 1;
	fprintf(stderr, "%s: %zu inputs ran\n", argv[0], count);
	return r;
}
