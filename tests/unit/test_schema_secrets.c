/* Secret discovery: patterns from the schema, concrete pointers from a
 * config, through every construct of the subset, with RFC 6901 escaping. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "schema_tu.h"
#include "testutil.h"
#include "util/buf.h"

static char *joined(char **paths)
{
	Buf b = BUF_INIT;

	buf_puts(&b, "");
	for (size_t i = 0; paths[i]; i++)
		buf_printf(&b, "%s%s", i ? " " : "", paths[i]);
	return buf_take(&b);
}

static void patterns_are(const cJSON *schema, const char *want)
{
	char **paths = NULL, *j;
	Error err;

	error_clear(&err);
	ck_assert_msg(schema_secret_patterns(schema, &paths, &err) == ST_OK, "%s", err.msg);
	ck_assert_ptr_nonnull(paths);
	j = joined(paths);
	ck_assert_str_eq(j, want);
	free(j);
	schema_paths_free(paths);
}

static void paths_are(const cJSON *schema, const char *config, const char *want)
{
	cJSON *c = tu_json(config);
	char **paths = NULL, *j;
	Error err;

	error_clear(&err);
	ck_assert_msg(schema_secret_paths(schema, c, &paths, &err) == ST_OK, "%s", err.msg);
	j = joined(paths);
	ck_assert_str_eq(j, want);
	free(j);
	schema_paths_free(paths);
	cJSON_Delete(c);
}

/* Discovery reaches through every applicator of 2020-12 (before, a secret
 * under not/if/then/else, a tuple, patternProperties or dependentSchemas
 * was never found, so it was stored as plain text). */
START_TEST(new_branches)
{
	cJSON *s = tu_json("{\"properties\":{"
			   "\"a\":{\"not\":{\"format\":\"secret-ref\"}},"
			   "\"b\":{\"if\":{\"properties\":{\"m\":{\"const\":1}}},"
			   "\"then\":{\"properties\":{\"tok\":{\"format\":\"secret-ref\"}}},"
			   "\"else\":{\"properties\":{\"pw\":{\"format\":\"secret-ref\"}}}},"
			   "\"c\":{\"prefixItems\":[{\"type\":\"string\"},{\"format\":\"secret-ref\"}]},"
			   "\"d\":{\"patternProperties\":{\"^key-\":{\"format\":\"secret-ref\"}}},"
			   "\"e\":{\"dependentSchemas\":{\"user\":{\"properties\":{\"password\":"
			   "{\"format\":\"secret-ref\"}}}}},"
			   "\"f\":{\"items\":[{\"format\":\"secret-ref\"}]},"
			   "\"g\":{\"contains\":{\"properties\":{\"k\":{\"format\":\"secret-ref\"}}}},"
			   "\"h\":{\"$ref\":\"#sec\"}},"
			   "\"$defs\":{\"s\":{\"$anchor\":\"sec\",\"format\":\"secret-ref\"}}}");

	patterns_are(s, "/a /b/tok /b/pw /c/1 /d/* /e/password /f/0 /g/-/k /h");
	paths_are(s, "{\"d\":{\"key-1\":\"x\",\"other\":\"y\"},\"c\":[\"a\",\"b\"],"
		  "\"b\":{\"m\":1,\"tok\":\"t\"},\"g\":[{\"k\":1}],\"e\":{\"user\":\"u\",\"password\":\"p\"}}",
		  "/d/key-1 /c/1 /b/tok /g/0/k /e/password");
	cJSON_Delete(s);
}
END_TEST

START_TEST(fixtures)
{
	static const struct { const char *name, *want; } cases[] = {
		{ "schemas/e2b.json", "/apiKey" },
		{ "schemas/daytona.json", "/apiKey" },
		{ "schemas/cloudflare.json", "/apiToken" },
		{ "schemas/exedev.json", "/sshPrivateKey" },
	};

	for (size_t i = 0; i < 4; i++) {
		cJSON *s = stu_fixture(cases[i].name);

		patterns_are(s, cases[i].want);
		cJSON_Delete(s);
	}
}
END_TEST

START_TEST(keys_with_dot_and_slash)
{
	/* Paperclip joins with dots, so "a.b" and a -> b collide there. */
	cJSON *s = tu_json("{\"properties\":{"
			   "\"a.b\":{\"type\":\"string\",\"format\":\"secret-ref\"},"
			   "\"a\":{\"type\":\"object\",\"properties\":{\"b\":{\"format\":\"secret-ref\"}}},"
			   "\"c/d\":{\"type\":\"object\",\"properties\":{\"e~f\":{\"format\":\"secret-ref\"}}},"
			   "\"plain\":{\"type\":\"string\"}}}");

	patterns_are(s, "/a.b /a/b /c~1d/e~0f");
	paths_are(s, "{\"a.b\":\"x\",\"a\":{\"b\":\"y\"},\"c/d\":{\"e~f\":\"z\"},\"plain\":\"p\"}",
		  "/a.b /a/b /c~1d/e~0f");
	/* Only what the config holds. */
	paths_are(s, "{\"a\":{},\"plain\":\"p\"}", "");
	cJSON_Delete(s);
}
END_TEST

START_TEST(through_combiners_and_refs)
{
	cJSON *s = tu_json("{\"definitions\":{\"cred\":{\"type\":\"object\",\"properties\":{"
			   "\"token\":{\"type\":\"string\",\"format\":\"secret-ref\"}}},"
			   "\"key\":{\"type\":\"string\",\"format\":\"secret-ref\"}},"
			   "\"$defs\":{\"pw\":{\"$ref\":\"#/definitions/key\"}},"
			   "\"properties\":{\"auth\":{\"$ref\":\"#/definitions/cred\"},"
			   "\"pw\":{\"$ref\":\"#/$defs/pw\"}},"
			   "\"allOf\":[{\"properties\":{\"x\":{\"format\":\"secret-ref\"}}}],"
			   "\"anyOf\":[{\"properties\":{\"y\":{\"format\":\"secret-ref\"}}},{\"type\":\"object\"}],"
			   "\"oneOf\":[{\"properties\":{\"z\":{\"format\":\"secret-ref\"}}},"
			   "{\"properties\":{\"z\":{\"type\":\"string\"},\"w\":{\"allOf\":[{\"format\":\"secret-ref\"}]}}}]}");

	patterns_are(s, "/auth/token /pw /x /y /z /w");
	paths_are(s, "{\"auth\":{\"token\":\"t\"},\"pw\":\"p\",\"x\":1,\"y\":2,\"z\":3,\"w\":4,\"q\":5}",
		  "/auth/token /pw /x /y /z /w");
	cJSON_Delete(s);
}
END_TEST

START_TEST(array_items_and_maps)
{
	cJSON *s = tu_json("{\"properties\":{"
			   "\"hosts\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
			   "\"name\":{\"type\":\"string\"},\"password\":{\"type\":\"string\",\"format\":\"secret-ref\"}}}},"
			   "\"keys\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":"
			   "{\"format\":\"secret-ref\"}}},"
			   "\"secrets\":{\"type\":\"object\",\"additionalProperties\":{\"format\":\"secret-ref\"}},"
			   "\"mixed\":{\"type\":\"object\",\"properties\":{\"known\":{\"type\":\"string\"}},"
			   "\"additionalProperties\":{\"format\":\"secret-ref\"}}}}");

	patterns_are(s, "/hosts/-/password /keys/-/- /secrets/* /mixed/*");
	paths_are(s, "{\"hosts\":[{\"password\":\"a\"},{\"name\":\"n\"},{\"password\":\"b\"}],"
		     "\"keys\":[[\"k\",\"l\"],[],[\"m\"]],\"secrets\":{\"A\":\"1\",\"B/C\":\"2\"},"
		     "\"mixed\":{\"known\":\"k\",\"other\":\"o\"}}",
		  "/hosts/0/password /hosts/2/password /keys/0/0 /keys/0/1 /keys/2/0 /secrets/A "
		  "/secrets/B~1C /mixed/other");
	cJSON_Delete(s);
}
END_TEST

START_TEST(recursive_schema)
{
	cJSON *s = tu_json("{\"type\":\"object\",\"properties\":{\"token\":{\"format\":\"secret-ref\"},"
			   "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}}}");

	/* Patterns stop where the schema repeats; concrete paths follow the
	 * config to any depth. */
	patterns_are(s, "/token");
	paths_are(s, "{\"token\":\"a\",\"children\":[{\"children\":[{\"token\":\"c\"}]},{\"token\":\"b\"}]}",
		  "/token /children/0/children/0/token /children/1/token");
	cJSON_Delete(s);
}
END_TEST

START_TEST(none_and_errors)
{
	cJSON *s = tu_json("{\"properties\":{\"a\":{\"type\":\"string\"}}}");
	cJSON *bad = tu_json("{\"properties\":{\"a\":{\"$ref\":\"#/definitions/x\"}}}");
	cJSON *cyc = tu_json("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/a\"}},\"$ref\":\"#/definitions/a\"}");
	char **paths = (char **)1;
	Error err;

	patterns_are(s, "");
	paths_are(s, "{\"a\":\"x\"}", "");
	ck_assert_int_eq(schema_secret_patterns(bad, &paths, &err), ST_E_INVALID);
	ck_assert_ptr_null(paths);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown $ref"));
	ck_assert_int_eq(schema_secret_paths(cyc, s, &paths, &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "$ref cycle at /definitions/a"));
	ck_assert_int_eq(schema_secret_paths(s, NULL, &paths, &err), ST_E_INVALID);
	schema_paths_free(NULL);
	cJSON_Delete(s);
	cJSON_Delete(bad);
	cJSON_Delete(cyc);
}
END_TEST

TEST_SUITE(schema_secrets)
{
	Suite *s = suite_create("schema_secrets");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fixtures);
	tcase_add_test(tc, new_branches);
	tcase_add_test(tc, keys_with_dot_and_slash);
	tcase_add_test(tc, through_combiners_and_refs);
	tcase_add_test(tc, array_items_and_maps);
	tcase_add_test(tc, recursive_schema);
	tcase_add_test(tc, none_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
