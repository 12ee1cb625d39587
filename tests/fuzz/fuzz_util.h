/* Shared by the libFuzzer harnesses: invariant checks that abort (so
 * libFuzzer keeps the input), a private temp directory per process, and
 * splitting an input into NUL-separated parts. Header-only: each harness
 * is one translation unit linked against the fuzz build of the library. */
#ifndef ENVCTL_TESTS_FUZZ_UTIL_H
#define ENVCTL_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
				__LINE__);                                             \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* A directory of this process's own under $TMPDIR, created once; the
 * harness may put anything in it. Never freed (it lives as long as the
 * process). */
static inline const char *fuzz_tmpdir(void)
{
	static char dir[512];

	if (!dir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(dir, sizeof dir, "%s/envctl-fuzz-XXXXXX", t && t[0] ? t : "/tmp");
		if (!mkdtemp(dir)) {
			perror("fuzz: mkdtemp");
			abort();
		}
	}
	return dir;
}

/* Splits data at NUL bytes into at most max NUL-terminated copies (the
 * rest stays in the last part). Returns how many; free each part. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char **parts, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= size && n < max; i++) {
		if (i == size || (data[i] == 0 && n + 1 < max)) {
			char *p = malloc(i - start + 1);

			if (!p)
				abort();
			memcpy(p, data + start, i - start);
			p[i - start] = 0;
			parts[n++] = p;
			start = i + 1;
		}
	}
	return n;
}

static inline void fuzz_parts_free(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
}

/* Writes text to path; aborts on failure (the harness's own set-up). */
static inline void fuzz_write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

#endif
