/* Lint: every error and warning, on manifests and bare schemas, with the
 * fixtures under tests/fixtures/lint and inline cases. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "schema_tu.h"
#include "testutil.h"

static void has(const char *report, const char *line)
{
	ck_assert_msg(strstr(report, line) != NULL, "expected \"%s\" in:\n%s", line, report);
}

static void lacks(const char *report, const char *text)
{
	ck_assert_msg(strstr(report, text) == NULL, "did not expect \"%s\" in:\n%s", text, report);
}

/* Lints inline JSON; returns the report text and the counts. */
static char *lint_text(const char *json, size_t *errors, size_t *warnings)
{
	cJSON *doc = tu_json(json);
	LintReport r;
	char *text = stu_lint(doc, &r);

	*errors = r.errors;
	*warnings = r.warnings;
	ck_assert_uint_eq(r.errors + r.warnings, r.count);
	lint_report_clear(&r);
	cJSON_Delete(doc);
	return text;
}

START_TEST(clean_fixtures)
{
	static const char *const names[] = { "schemas/e2b.json", "schemas/daytona.json",
					     "schemas/cloudflare.json", "schemas/exedev.json",
					     "lint/good_manifest.json" };

	for (size_t i = 0; i < 5; i++) {
		cJSON *doc = stu_fixture(names[i]);
		LintReport r;
		char *text = stu_lint(doc, &r);

		ck_assert_msg(r.count == 0, "%s:\n%s", names[i], text);
		free(text);
		lint_report_clear(&r);
		cJSON_Delete(doc);
	}
}
END_TEST

START_TEST(bad_manifest)
{
	cJSON *doc = stu_fixture("lint/bad_manifest.json");
	LintReport r;
	char *t;

	ck_assert(schema_is_manifest(doc));
	t = stu_lint(doc, &r);
	has(t, "error /worker: worker must be a non-empty list of strings");
	has(t, "error /environmentDrivers/0/driverKey: driverKey \"E2B!\" is invalid");
	has(t, "error /environmentDrivers/2/driverKey: duplicate driverKey \"dup\" (also "
	       "/environmentDrivers/1)");
	lacks(t, "/environmentDrivers/1/driverKey");
	has(t, "error /environmentDrivers/2/kind: kind is missing");
	has(t, "error /environmentDrivers/3/configSchema: the schema must be a JSON object");
	has(t, "error /environmentDrivers/4/configSchema/properties/region/$ref: unknown $ref "
	       "\"#/definitions/region\"");
	has(t, "error /environmentDrivers/4/configSchema/properties/name/pattern: invalid pattern "
	       "\"^[a-z\"");
	has(t, "error /environmentDrivers/4/configSchema/properties/port/default: the default 70000 "
	       "does not fit the field's own schema: must be at most 65535");
	has(t, "error /environmentDrivers/4/configSchema/required/1: \"apiKey\" is required but no "
	       "property of that name is defined");
	lacks(t, "required/0");
	has(t, "error /environmentDrivers/4/configSchema/properties/level/type: unknown type \"strng\"");
	has(t, "error /environmentDrivers/4/configSchema/properties/size: minimum 10 is greater than "
	       "maximum 1");
	has(t, "error /environmentDrivers/5/driverKey: driverKey is missing");
	has(t, "warning /environmentDrivers/5/kind: kind is not \"sandbox_provider\"");
	has(t, "warning /environmentDrivers/5/displayName: no displayName");
	has(t, "warning /environmentDrivers/5/description: no description");
	ck_assert_uint_eq(r.errors, 12);
	ck_assert_uint_eq(r.warnings, 3);
	free(t);
	lint_report_clear(&r);
	ck_assert_uint_eq(r.count, 0);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(warnings_schema)
{
	cJSON *doc = stu_fixture("lint/warn_schema.json");
	LintReport r;
	char *t;

	ck_assert(!schema_is_manifest(doc));
	t = stu_lint(doc, &r);
	ck_assert_uint_eq(r.errors, 0);
	has(t, "warning /properties/apiKey: no description");
	has(t, "warning /properties/apiKey: \"apiKey\" looks like a credential but is not format "
	       "\"secret-ref\": its value would be stored in plain text");
	has(t, "warning /properties/authToken: \"authToken\" looks like a credential");
	has(t, "warning /properties/dbPassword: \"dbPassword\" looks like a credential");
	has(t, "warning /properties/privateKeyPem: \"privateKeyPem\" looks like a credential");
	has(t, "warning /properties/clientSecret: \"clientSecret\" looks like a credential");
	has(t, "warning /properties/clientSecret/format: did you mean format \"secret-ref\"?");
	has(t, "warning /properties/sshKey: a secret field has a default");
	/* uniqueItems is validated now; a misspelling is still reported. */
	lacks(t, "/properties/tags/uniqueItems");
	has(t, "warning /properties/tags/uniqueItem: \"uniqueItem\" is not a keyword envctl "
	       "supports; it is ignored");
	lacks(t, "publicKey");
	lacks(t, "maxTokens");
	lacks(t, "useToken");
	lacks(t, "x-vendor");
	lacks(t, "x-note");
	ck_assert_uint_eq(r.warnings, 9);
	free(t);
	lint_report_clear(&r);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(schema_errors)
{
	size_t e, w;
	char *t;

	t = lint_text("[1,2]", &e, &w);
	has(t, "error : the schema must be a JSON object");
	ck_assert_uint_eq(e, 1);
	free(t);
	t = lint_text("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"$ref\":"
		      "\"#/definitions/a\"}},\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\","
		      "\"description\":\"X.\",\"default\":1}}}", &e, &w);
	has(t, "error /definitions/a: $ref cycle");
	ck_assert_uint_eq(e, 1);
	free(t);
	t = lint_text("{\"properties\":{\"a\":{\"$ref\":\"other.json#/x\",\"description\":\"A.\"}}}", &e, &w);
	has(t, "error /properties/a/$ref: $ref \"other.json#/x\" is not local");
	free(t);
	t = lint_text("{\"type\":\"object\",\"properties\":{"
		      "\"a\":{\"type\":[\"string\",5],\"description\":\"A.\"},"
		      "\"b\":{\"type\":[],\"description\":\"B.\"},"
		      "\"c\":{\"type\":7,\"description\":\"C.\"},"
		      "\"d\":{\"enum\":[],\"description\":\"D.\"},"
		      "\"e\":{\"minLength\":-1,\"maxLength\":1.5,\"minItems\":\"2\",\"description\":\"E.\"},"
		      "\"f\":{\"minLength\":3,\"maxLength\":2,\"minItems\":3,\"maxItems\":1,\"description\":\"F.\"},"
		      "\"g\":{\"multipleOf\":0,\"minimum\":\"1\",\"exclusiveMinimum\":true,\"description\":\"G.\"},"
		      "\"h\":{\"title\":5,\"description\":true,\"pattern\":1,\"format\":2,\"readOnly\":\"yes\"},"
		      "\"i\":{\"items\":[{}],\"description\":\"I.\"},"
		      "\"j\":{\"properties\":[],\"allOf\":[],\"anyOf\":{},\"required\":\"x\",\"description\":\"J.\"},"
		      "\"k\":{\"additionalProperties\":5,\"oneOf\":[5],\"definitions\":[],\"description\":\"K.\"},"
		      "\"l\":{\"properties\":{\"m\":5},\"required\":[5],\"description\":\"L.\"},"
		      "\"n\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},"
		      "\"required\":[\"PATH\"],\"description\":\"A map may require keys.\"},"
		      "\"o\":{\"allOf\":[{\"properties\":{\"p\":{\"description\":\"P.\"}}}],"
		      "\"required\":[\"p\"],\"description\":\"Required through allOf.\"}"
		      "}}", &e, &w);
	has(t, "error /properties/a/type: unknown type (not a string)");
	has(t, "error /properties/b/type: type must not be an empty list");
	has(t, "error /properties/c/type: type must be a type name or a list of them");
	has(t, "error /properties/d/enum: enum must be a non-empty list");
	has(t, "error /properties/e/minLength: minLength must be a whole number of 0 or more");
	has(t, "error /properties/e/maxLength: maxLength must be a whole number of 0 or more");
	has(t, "error /properties/e/minItems: minItems must be a whole number of 0 or more");
	has(t, "error /properties/f: minLength 3 is greater than maxLength 2");
	has(t, "error /properties/f: minItems 3 is greater than maxItems 1");
	has(t, "error /properties/g/multipleOf: multipleOf must be greater than 0");
	has(t, "error /properties/g/minimum: minimum must be a number");
	lacks(t, "/properties/g/exclusiveMinimum");
	has(t, "error /properties/h/title: title must be a string");
	has(t, "error /properties/h/description: description must be a string");
	has(t, "error /properties/h/pattern: pattern must be a string");
	has(t, "error /properties/h/format: format must be a string");
	has(t, "error /properties/h/readOnly: readOnly must be true or false");
	/* the form lays a tuple out now (#13) */
	lacks(t, "warning /properties/i/items:");
	has(t, "error /properties/j/properties: properties must be an object");
	has(t, "error /properties/j/allOf: allOf must be a non-empty list of schemas");
	has(t, "error /properties/j/anyOf: anyOf must be a non-empty list of schemas");
	has(t, "error /properties/j/required: required must be a list of property names");
	has(t, "error /properties/k/additionalProperties: must be a schema");
	has(t, "error /properties/k/oneOf/0: must be a schema");
	has(t, "error /properties/k/definitions: must be an object mapping names to schemas");
	has(t, "error /properties/l/properties/m: must be a schema");
	has(t, "error /properties/l/required/0: required must list property names");
	lacks(t, "/properties/n/required");
	lacks(t, "/properties/o/required");
	free(t);
}
END_TEST

/* What validation now checks is not reported as ignored; what a form
 * cannot lay out is still reported, and the new subschemas are linted. */
START_TEST(new_keywords)
{
	size_t e, w;
	char *t;

	t = lint_text("{\"description\":\"D.\",\"properties\":{"
		      "\"a\":{\"description\":\"A.\",\"not\":{\"const\":\"root\"},\"minProperties\":1,"
		      "\"propertyNames\":{\"pattern\":\"^[a-z]+$\"},\"unevaluatedProperties\":false},"
		      "\"b\":{\"description\":\"B.\",\"if\":{\"required\":[]},\"then\":{\"pattern\":\"(\"}},"
		      "\"c\":{\"description\":\"C.\",\"patternProperties\":{\"^x-\":{\"type\":\"nope\"}}},"
		      "\"d\":{\"description\":\"D.\",\"prefixItems\":[{\"minLength\":-1}],"
		      "\"contains\":{\"type\":\"string\"},\"uniqueItems\":true}}}", &e, &w);
	lacks(t, "/properties/a/");
	/* the form renders these now (#13): no warning, the subschemas linted */
	lacks(t, "/properties/b/if:");
	lacks(t, "/properties/b/then:");
	has(t, "error /properties/b/then/pattern: invalid pattern");
	lacks(t, "warning /properties/c/patternProperties:");
	has(t, "error /properties/c/patternProperties/^x-/type");
	lacks(t, "warning /properties/d/prefixItems:");
	has(t, "error /properties/d/prefixItems/0/minLength");
	lacks(t, "ignored");
	free(t);
	/* what it still cannot lay out well is reported */
	t = lint_text("{\"description\":\"D.\",\"properties\":{\"a\":{\"description\":\"A.\"},"
		      "\"b\":{\"description\":\"B.\"}},\"dependentSchemas\":{\"a\":{\"minProperties\":2}},"
		      "\"dependencies\":{\"b\":[\"a\"]},\"items\":[{}],\"additionalItems\":false}", &e, &w);
	has(t, "warning /dependentSchemas: \"dependentSchemas\" is validated, but the form shows");
	has(t, "warning /additionalItems: \"additionalItems\" is validated");
	lacks(t, "/dependencies:");
	lacks(t, "warning /items:");
	free(t);
}
END_TEST

START_TEST(default_checks)
{
	size_t e, w;
	char *t;

	t = lint_text("{\"properties\":{"
		      "\"o\":{\"type\":\"object\",\"description\":\"O.\",\"properties\":{\"p\":{\"type\":\"integer\","
		      "\"description\":\"P.\"}},\"default\":{\"p\":\"x\",\"q\":1},\"additionalProperties\":false},"
		      "\"r\":{\"enum\":[\"a\",\"b\"],\"default\":\"c\",\"description\":\"R.\"},"
		      "\"s\":{\"type\":\"string\",\"format\":\"secret-ref\",\"minLength\":40,"
		      "\"default\":\"hunter2\",\"description\":\"S.\"},"
		      "\"t\":{\"$ref\":\"#/definitions/sec\",\"default\":\"hunter3\",\"description\":\"T.\"},"
		      "\"u\":{\"type\":\"string\",\"default\":\"fine\",\"description\":\"U.\"}},"
		      "\"definitions\":{\"sec\":{\"type\":\"integer\",\"format\":\"secret-ref\"}}}", &e, &w);
	has(t, "error /properties/o/default: the default {\"p\":\"x\",\"q\":1} does not fit the field's "
	       "own schema: /p: must be an integer; /q: unknown field");
	has(t, "error /properties/r/default: the default c does not fit the field's own schema: must be "
	       "one of a, b");
	has(t, "error /properties/s/default: the default does not fit the field's own schema: must be at "
	       "least 40 characters");
	has(t, "warning /properties/s: a secret field has a default");
	has(t, "warning /properties/t: a secret field has a default");
	has(t, "warning /properties/t: a \"secret-ref\" field holds a secret id");
	has(t, "error /properties/t/default: the default does not fit the field's own schema: must be "
	       "an integer");
	/* A secret's default is never repeated. */
	lacks(t, "hunter");
	lacks(t, "/properties/u");
	ck_assert_uint_eq(e, 4);
	free(t);
}
END_TEST

START_TEST(manifest_shapes)
{
	size_t e, w;
	char *t;

	t = lint_text("{\"environmentDrivers\":{}}", &e, &w);
	has(t, "error /environmentDrivers: environmentDrivers must be a list");
	free(t);
	t = lint_text("{\"environmentDrivers\":[]}", &e, &w);
	has(t, "warning /environmentDrivers: the manifest declares no environment drivers");
	ck_assert_uint_eq(e, 0);
	free(t);
	t = lint_text("{\"environmentDrivers\":[5,{\"driverKey\":\"ok\",\"kind\":5,\"displayName\":1,"
		      "\"description\":[],\"configSchema\":{\"type\":\"object\"}},"
		      "{\"driverKey\":\"a_b.c-9\",\"kind\":\"sandbox_provider\",\"displayName\":\"A\","
		      "\"description\":\"B\"},{\"driverKey\":\"-x\",\"kind\":\"sandbox_provider\","
		      "\"displayName\":\"A\",\"description\":\"B\",\"configSchema\":{}},"
		      "{\"driverKey\":\"\",\"kind\":\"sandbox_provider\",\"displayName\":\"A\",\"description\":\"B\","
		      "\"configSchema\":{}}],\"worker\":[\"ok\",\"\"]}", &e, &w);
	has(t, "error /environmentDrivers/0: each environment driver must be an object");
	has(t, "error /environmentDrivers/1/kind: kind must be the string \"sandbox_provider\"");
	has(t, "error /environmentDrivers/1/displayName: displayName must be a string");
	has(t, "error /environmentDrivers/1/description: description must be a string");
	has(t, "error /environmentDrivers/2/configSchema: configSchema is missing");
	lacks(t, "/environmentDrivers/2/driverKey");
	has(t, "error /environmentDrivers/3/driverKey: driverKey \"-x\" is invalid");
	has(t, "error /environmentDrivers/4/driverKey: driverKey \"\" is invalid");
	has(t, "error /worker: worker must be a non-empty list of strings");
	free(t);
	/* Through the manifest entry point, a non-object and a missing list. */
	{
		cJSON *doc = tu_json("[]");
		LintReport r;
		Error err;

		ck_assert_int_eq(schema_lint_manifest(doc, &r, &err), ST_OK);
		ck_assert_uint_eq(r.errors, 1);
		lint_report_clear(&r);
		cJSON_Delete(doc);
		doc = tu_json("{\"id\":\"x\"}");
		ck_assert(!schema_is_manifest(doc));
		ck_assert_int_eq(schema_lint_manifest(doc, &r, &err), ST_OK);
		ck_assert_str_eq(r.items[0].pointer, "/environmentDrivers");
		lint_report_clear(&r);
		lint_report_clear(NULL);
		cJSON_Delete(doc);
	}
}
END_TEST

START_TEST(credential_names)
{
	static const char *const yes[] = { "apiKey", "api_key", "APIKEY", "token", "authToken",
					   "accessToken", "secret", "clientSecret", "password", "dbPassword",
					   "passwordHash", "privateKey", "sshPrivateKeyPem", "secretAccessKey",
					   "AWS_SECRET_ACCESS_KEY", "passphrase", "credentials", "key",
					   "github-pat", "x.token" };
	static const char *const no[] = { "publicKey", "keyName", "maxTokens", "tokenUrl", "region",
					  "monkey", "sortKey", "cacheKey", "useToken", "secretName",
					  "passwordlessLogin", "requirePassword", "hostKey", "keyId", "", "idempotencyKey" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ck_assert_msg(schema_name_looks_secret(yes[i]), "%s should look secret", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!schema_name_looks_secret(no[i]), "%s should not look secret", no[i]);
	ck_assert(!schema_name_looks_secret(NULL));
}
END_TEST


/* #19: a branch's `required` refers to the instance's properties, which
 * the enclosing schema declares (kubernetes: inCluster | kubeconfig); a
 * name declared nowhere is still an error. */
START_TEST(branch_required_declared_elsewhere)
{
	size_t e, w;
	char *t = lint_text(
		"{\"type\":\"object\",\"properties\":{"
		"\"inCluster\":{\"type\":\"boolean\",\"description\":\"in-pod credentials\"},"
		"\"kubeconfig\":{\"type\":\"string\",\"format\":\"secret-ref\","
		"\"description\":\"a kubeconfig\"}},"
		"\"anyOf\":[{\"properties\":{\"inCluster\":{\"const\":true}},\"required\":[\"inCluster\"]},"
		"{\"required\":[\"kubeconfig\"]}]}",
		&e, &w);

	ck_assert_msg(e == 0 && w == 0, "%s", t);
	free(t);
	t = lint_text("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\","
		      "\"description\":\"a\"}},\"anyOf\":[{\"required\":[\"a\"]},"
		      "{\"required\":[\"nowhere\"]}]}",
		      &e, &w);
	ck_assert_uint_eq(e, 1);
	has(t, "/anyOf/1/required/0: \"nowhere\" is required but no property");
	lacks(t, "\"a\" is required");
	free(t);
	/* a property's own object is another instance: its branches do not
	 * see the outer properties */
	t = lint_text("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\","
		      "\"description\":\"a\"},\"o\":{\"type\":\"object\",\"description\":\"o\","
		      "\"anyOf\":[{\"required\":[\"a\"]},{\"required\":[\"a\"]}]}}}",
		      &e, &w);
	ck_assert_uint_eq(e, 2);
	free(t);
}
END_TEST

TEST_SUITE(schema_lint)
{
	Suite *s = suite_create("schema_lint");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, clean_fixtures);
	tcase_add_test(tc, bad_manifest);
	tcase_add_test(tc, warnings_schema);
	tcase_add_test(tc, schema_errors);
	tcase_add_test(tc, default_checks);
	tcase_add_test(tc, new_keywords);
	tcase_add_test(tc, manifest_shapes);
	tcase_add_test(tc, credential_names);
	tcase_add_test(tc, branch_required_declared_elsewhere);
	suite_add_tcase(s, tc);
	return s;
}
