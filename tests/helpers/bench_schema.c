/* `make bench` figures for the schema engine: validation of a 200-field
 * config (strings with patterns and formats, bounded integers, enums,
 * booleans, a nested object, a unique array, a conditional), median of
 * 2000 runs in microseconds:
 *   - schema_validate: the whole call (checks the schema, compiles its
 *     patterns, validates), as core calls it today;
 *   - schema_validate_compiled: the schema compiled once, as ajv does;
 *   - the core path: provider_schema_validate, what env save/validate and
 *     the draft probe call, on a provider holding the schema (compiled
 *     on its first call, then cached in the provider).
 * It writes the schema and the config it used to DIR/schema.json and
 * DIR/config.json so ajv validates exactly the same (bench_schema.sh).
 * Usage: bench_schema DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/registry.h"
#include "schema/lib.h"
#include "util/buf.h"

#define FIELDS 200
#define RUNS 2000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Field i of the schema and its (valid) value in the config. */
static void field(Buf *s, Buf *c, int i)
{
	const char *sep = i ? "," : "";

	switch (i % 8) {
	case 0:
		buf_printf(s, "%s\"name%d\":{\"type\":\"string\",\"description\":\"Name.\","
			   "\"pattern\":\"^[a-z][a-z0-9-]{0,62}$\",\"minLength\":1,\"maxLength\":63}", sep, i);
		buf_printf(c, "%s\"name%d\":\"host-%d\"", sep, i, i);
		break;
	case 1:
		buf_printf(s, "%s\"url%d\":{\"type\":\"string\",\"format\":\"uri\",\"description\":\"URL.\"}",
			   sep, i);
		buf_printf(c, "%s\"url%d\":\"https://api.example.com/v1/items/%d?x=1\"", sep, i, i);
		break;
	case 2:
		buf_printf(s, "%s\"port%d\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,"
			   "\"description\":\"Port.\"}", sep, i);
		buf_printf(c, "%s\"port%d\":%d", sep, i, 1000 + i);
		break;
	case 3:
		buf_printf(s, "%s\"region%d\":{\"enum\":[\"eu-west-1\",\"us-east-1\",\"ap-south-1\"],"
			   "\"description\":\"Region.\"}", sep, i);
		buf_printf(c, "%s\"region%d\":\"us-east-1\"", sep, i);
		break;
	case 4:
		buf_printf(s, "%s\"flag%d\":{\"type\":\"boolean\",\"description\":\"Flag.\"}", sep, i);
		buf_printf(c, "%s\"flag%d\":%s", sep, i, i % 3 ? "true" : "false");
		break;
	case 5:
		buf_printf(s, "%s\"mail%d\":{\"type\":\"string\",\"format\":\"email\","
			   "\"description\":\"Mail.\"}", sep, i);
		buf_printf(c, "%s\"mail%d\":\"ops%d@example.com\"", sep, i, i);
		break;
	case 6:
		buf_printf(s, "%s\"res%d\":{\"type\":\"object\",\"description\":\"Resources.\","
			   "\"properties\":{\"cpu\":{\"type\":\"number\",\"multipleOf\":0.5},"
			   "\"mem\":{\"type\":\"integer\",\"minimum\":128}},\"required\":[\"cpu\"],"
			   "\"additionalProperties\":false}", sep, i);
		buf_printf(c, "%s\"res%d\":{\"cpu\":1.5,\"mem\":512}", sep, i);
		break;
	default:
		buf_printf(s, "%s\"tags%d\":{\"type\":\"array\",\"uniqueItems\":true,\"maxItems\":8,"
			   "\"items\":{\"type\":\"string\",\"maxLength\":32},\"description\":\"Tags.\"}",
			   sep, i);
		buf_printf(c, "%s\"tags%d\":[\"a\",\"b\",\"c%d\"]", sep, i, i);
		break;
	}
}

static bool write_file(const char *path, const Buf *b)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;

	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "bench_schema: cannot write %s\n", path);
	return ok;
}

static double median(double *t, size_t n)
{
	qsort(t, n, sizeof *t, cmp_double);
	return t[n / 2];
}

int main(int argc, char **argv)
{
	Buf s = BUF_INIT, c = BUF_INIT, path = BUF_INIT;
	cJSON *schema, *config;
	SchemaCompiled *compiled = NULL;
	SchemaIssues issues;
	Error err;
	double *t = malloc(RUNS * sizeof *t);

	if (argc < 2 || !t) {
		fprintf(stderr, "usage: bench_schema DIR\n");
		return 2;
	}
	buf_puts(&s, "{\"type\":\"object\",\"properties\":{");
	buf_puts(&c, "{");
	for (int i = 0; i < FIELDS; i++)
		field(&s, &c, i);
	buf_puts(&s, "},\"required\":[\"name0\",\"url1\",\"port2\",\"region3\"],"
		 "\"additionalProperties\":false,"
		 "\"if\":{\"properties\":{\"flag4\":{\"const\":true}}},\"then\":{\"required\":[\"mail5\"]}}");
	buf_puts(&c, "}");
	schema = cJSON_Parse(s.data);
	config = cJSON_Parse(c.data);
	if (!schema || !config) {
		fprintf(stderr, "bench_schema: generated JSON does not parse\n");
		return 1;
	}
	buf_printf(&path, "%s/schema.json", argv[1]);
	if (!write_file(path.data, &s))
		return 1;
	buf_reset(&path);
	buf_printf(&path, "%s/config.json", argv[1]);
	if (!write_file(path.data, &c))
		return 1;

	/* BENCH_SCHEMA_COMPILED_ONLY: skip the first figure (for profiling). */
	for (int i = 0; i < (getenv("BENCH_SCHEMA_COMPILED_ONLY") ? 1 : RUNS); i++) {
		double t0 = now_us();

		if (schema_validate(schema, config, &issues, &err) != ST_OK)
			goto fail;
		t[i] = now_us() - t0;
		if (issues.count) {
			fprintf(stderr, "bench_schema: the config should be valid: %s\n",
				issues.items[0].message);
			return 1;
		}
		schema_issues_clear(&issues);
	}
	printf("schema_validate, %d-field config: median %.1f us (schema checked on every call)\n",
	       FIELDS, median(t, RUNS));
	if (schema_compile(schema, NULL, &compiled, &err) != ST_OK)
		goto fail;
	for (int i = 0; i < RUNS * (getenv("BENCH_SCHEMA_COMPILED_ONLY") ? 10 : 1); i++) {
		double t0 = now_us();

		if (schema_validate_compiled(compiled, config, &issues, &err) != ST_OK)
			goto fail;
		t[i % RUNS] = now_us() - t0;
		schema_issues_clear(&issues);
	}
	printf("schema_validate_compiled, %d-field config: median %.1f us (target <= 50 us)\n",
	       FIELDS, median(t, RUNS));
	schema_compiled_free(compiled);

	{
		cJSON *dup = cJSON_Duplicate(schema, 1);
		Provider *p = dup ? provider_fake_new(dup) : NULL;
		double first;

		if (!p) {
			fprintf(stderr, "bench_schema: out of memory\n");
			return 1;
		}
		for (int i = 0; i < RUNS; i++) {
			double t0 = now_us();

			if (provider_schema_validate(p, config, &issues, &err) != ST_OK)
				goto fail;
			t[i] = now_us() - t0;
			if (issues.count) {
				fprintf(stderr, "bench_schema: core path: the config should be valid: %s\n",
					issues.items[0].message);
				return 1;
			}
			schema_issues_clear(&issues);
		}
		first = t[0];
		printf("validation of a %d-field config through the core path "
		       "(provider_schema_validate): median %.1f us (target <= 50 us; first call, "
		       "which compiles: %.0f us)\n", FIELDS, median(t, RUNS), first);
		provider_free(p);
	}
	cJSON_Delete(schema);
	cJSON_Delete(config);
	buf_clear(&s);
	buf_clear(&c);
	buf_clear(&path);
	free(t);
	return 0;
fail:
	fprintf(stderr, "bench_schema: %s\n", err.msg);
	return 1;
}
