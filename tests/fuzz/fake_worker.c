/* The worker fuzz_worker_proc drives: it answers `initialize` (every
 * environment method supported) and `shutdown` properly; to any other
 * request it writes the file $FUZZ_WORKER_INPUT to stdout, with each
 * "@ID" replaced by that request's id, then exits. So the fuzz input is
 * what the worker says, and it can still answer the call it was asked.
 * Plain libc: it must not be what the fuzzer measures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of "id" in a request line, as written (a number or a string). */
static void request_id(const char *line, char *out, size_t n)
{
	const char *p = strstr(line, "\"id\":");
	size_t len = 0;

	snprintf(out, n, "null");
	if (!p)
		return;
	p += 5;
	if (*p == '"') {
		const char *end = strchr(p + 1, '"');

		len = end ? (size_t)(end - p + 1) : 0;
	} else {
		len = strspn(p, "0123456789-");
	}
	if (len && len < n) {
		memcpy(out, p, len);
		out[len] = 0;
	}
}

static void dump_input(const char *id)
{
	const char *path = getenv("FUZZ_WORKER_INPUT");
	FILE *f = path ? fopen(path, "rb") : NULL;
	int c, at = 0;

	if (!f)
		return;
	/* A small matcher for "@ID": pending '@', 'I' are held back. */
	while ((c = fgetc(f)) != EOF) {
		if (at == 0 && c == '@') {
			at = 1;
		} else if (at == 1 && c == 'I') {
			at = 2;
		} else if (at == 2 && c == 'D') {
			fputs(id, stdout);
			at = 0;
		} else {
			if (at >= 1)
				fputc('@', stdout);
			if (at == 2)
				fputc('I', stdout);
			at = 0;
			if (c == '@')
				at = 1;
			else
				fputc(c, stdout);
		}
	}
	if (at >= 1)
		fputc('@', stdout);
	if (at == 2)
		fputc('I', stdout);
	fclose(f);
}

int main(void)
{
	char line[1 << 16], id[128];

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while (fgets(line, sizeof line, stdin)) {
		request_id(line, id, sizeof id);
		if (strstr(line, "\"method\":\"initialize\"")) {
			printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"ok\":true,"
			       "\"supportedMethods\":[\"environmentValidateConfig\","
			       "\"environmentProbe\",\"environmentAcquireLease\","
			       "\"environmentResumeLease\",\"environmentReleaseLease\","
			       "\"environmentDestroyLease\",\"environmentRealizeWorkspace\","
			       "\"environmentExecute\"]}}\n",
			       id);
			fflush(stdout);
			continue;
		}
		if (strstr(line, "\"method\":\"shutdown\"")) {
			printf("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":null}\n", id);
			fflush(stdout);
			return 0;
		}
		if (strstr(line, "\"method\":")) {
			dump_input(id);
			fflush(stdout);
			return 0;
		}
	}
	return 0;
}
