#include <libxml/parser.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

size_t fuzz_split(const uint8_t *data, size_t size, char **parts, size_t *lens, size_t max)
{
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0;
	while (n < max) {
		const char *sep = NULL;
		if (n + 1 < max) {
			for (const char *q = p; q + 3 <= end; q++) {
				if ((q == (const char *)data || q[-1] == '\n') &&
				    memcmp(q, "%%\n", 3) == 0) {
					sep = q;
					break;
				}
			}
		}
		size_t len = (size_t)((sep ? sep : end) - p);
		parts[n] = malloc(len + 1);
		if (!parts[n])
			abort();
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		lens[n++] = len;
		if (!sep)
			break;
		p = sep + 3;
	}
	return n;
}

void fuzz_parts_free(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
}

/* The default for targets without their own (weak: a target's wins). */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}
