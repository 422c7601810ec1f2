/* migcheck fuzz targets: each tests/fuzz/fuzz_NAME.c defines the libFuzzer
 * entry point below. Built three ways: with clang -fsanitize=fuzzer (make
 * fuzz), with afl-clang-fast or any compiler and tests/fuzz/driver.c (AFL++,
 * and the corpus/regression replay that make check runs). A target aborts
 * (FUZZ_CHECK) when an invariant breaks, so every engine sees a crash. */
#ifndef MC_FUZZ_H
#define MC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional per target; util.c has the default (libxml2 initialised). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", __FILE__,          \
				__LINE__, #cond);                                                  \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Split data at the first occurrence of the line "%%\n" (at most `max`
 * parts); parts are NUL-terminated copies the caller frees with fuzz_parts_free. */
size_t fuzz_split(const uint8_t *data, size_t size, char **parts, size_t *lens, size_t max);
void fuzz_parts_free(char **parts, size_t n);

#endif
