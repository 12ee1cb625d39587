/* Validation: every keyword of the subset, every message, and the schema
 * errors that must be reported instead of crashing or looping. */
#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "schema_tu.h"
#include "testutil.h"

#define CHECK(schema, value, want)                                         \
	do {                                                               \
		char *got_ = stu_check((schema), (value));                 \
		ck_assert_str_eq(got_, (want));                            \
		free(got_);                                                \
	} while (0)

#define SCHEMA_ERROR(schema, value, want_substr)                                     \
	do {                                                                         \
		char *got_ = stu_schema_error((schema), (value));                    \
		ck_assert_msg(strstr(got_, (want_substr)) != NULL, "got: %s", got_); \
		free(got_);                                                          \
	} while (0)

#define PORT "{\"type\":\"object\",\"properties\":{\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535}}}"

START_TEST(types)
{
	CHECK("{\"type\":\"string\"}", "\"x\"", "");
	CHECK("{\"type\":\"string\"}", "5", "(root): must be a string");
	CHECK("{\"type\":\"number\"}", "5.5", "");
	CHECK("{\"type\":\"number\"}", "\"5\"", "(root): must be a number");
	CHECK("{\"type\":\"integer\"}", "5", "");
	CHECK("{\"type\":\"boolean\"}", "true", "");
	CHECK("{\"type\":\"boolean\"}", "0", "(root): must be a boolean (true or false)");
	CHECK("{\"type\":\"object\"}", "{}", "");
	CHECK("{\"type\":\"object\"}", "[]", "(root): must be an object");
	CHECK("{\"type\":\"array\"}", "[]", "");
	CHECK("{\"type\":\"array\"}", "{}", "(root): must be an array");
	CHECK("{\"type\":\"null\"}", "null", "");
	CHECK("{\"type\":\"null\"}", "false", "(root): must be null");
	/* No type: anything goes. */
	CHECK("{}", "[1,{\"a\":null}]", "");
}
END_TEST

/* Any whole number is an integer, however large (ajv and the suite's
 * bignum cases); the old int64 rule refused 1e30. */
START_TEST(integers_are_whole_numbers)
{
	CHECK("{\"type\":\"integer\"}", "1.0", "");
	CHECK("{\"type\":\"integer\"}", "-0", "");
	CHECK("{\"type\":\"integer\"}", "1.5", "(root): must be an integer");
	CHECK("{\"type\":\"integer\"}", "1e30", "");
	CHECK("{\"type\":\"integer\"}", "-1e30", "");
	CHECK("{\"type\":\"integer\"}", "1e308", "");
	CHECK("{\"type\":\"integer\"}", "12345678910111213141516171819202122232425262728293031", "");
	CHECK("{\"type\":\"integer\"}", "9223372036854775808", "");
	CHECK("{\"type\":\"integer\"}", "1.0000000001", "(root): must be an integer");
	CHECK("{\"type\":\"integer\",\"multipleOf\":0.5}", "1e308", "");
	CHECK("{\"maximum\":18446744073709551615}", "18446744073709551600", "");
	CHECK("{\"minimum\":-1e300}", "-1e301", "(root): must be at least -1e+300");
	CHECK("{\"type\":\"integer\"}", "\"1\"", "(root): must be an integer");
}
END_TEST

START_TEST(type_arrays)
{
	const char *s = "{\"type\":[\"null\",\"string\"]}";

	CHECK(s, "null", "");
	CHECK(s, "\"a\"", "");
	CHECK(s, "5", "(root): must be null or a string");
	CHECK("{\"type\":[\"string\",\"integer\",\"null\"]}", "1.5",
	      "(root): must be a string, an integer or null");
	CHECK("{\"type\":[\"integer\",\"number\"]}", "1.5", "");
}
END_TEST

START_TEST(enum_and_const)
{
	const char *s = "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\","
			"\"enum\":[\"us-east-1\",\"eu-west-1\"]}}}";

	CHECK(s, "{\"region\":\"eu-west-1\"}", "");
	CHECK(s, "{\"region\":\"ap-south-1\"}", "/region: must be one of us-east-1, eu-west-1");
	/* A wrong type says so once, not also "one of". */
	CHECK(s, "{\"region\":5}", "/region: must be a string");
	CHECK("{\"enum\":[1,2,null,true]}", "3", "(root): must be one of 1, 2, null, true");
	CHECK("{\"enum\":[1,2]}", "2.0", "");
	CHECK("{\"enum\":[{\"a\":1,\"b\":2}]}", "{\"b\":2,\"a\":1}", "");
	CHECK("{\"const\":\"fake\"}", "\"fake\"", "");
	CHECK("{\"const\":\"fake\"}", "\"e2b\"", "(root): must equal fake");
	CHECK("{\"const\":3}", "4", "(root): must equal 3");
}
END_TEST

START_TEST(string_lengths_and_pattern)
{
	CHECK("{\"minLength\":3}", "\"ab\"", "(root): must be at least 3 characters");
	CHECK("{\"minLength\":1}", "\"\"", "(root): must be at least 1 character");
	CHECK("{\"maxLength\":2}", "\"abc\"", "(root): must be at most 2 characters");
	CHECK("{\"maxLength\":1}", "\"ab\"", "(root): must be at most 1 character");
	/* Characters are code points, not bytes. */
	CHECK("{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", "");
	CHECK("{\"minLength\":3}", "\"\xc3\xa9\xc3\xa9\"", "(root): must be at least 3 characters");
	/* Lengths apply to strings only. */
	CHECK("{\"minLength\":3}", "5", "");
	CHECK("{\"pattern\":\"^[a-z]+$\"}", "\"abc\"", "");
	CHECK("{\"pattern\":\"^[a-z]+$\"}", "\"Abc\"", "(root): must match the pattern ^[a-z]+$");
	/* Searched, not anchored. */
	CHECK("{\"pattern\":\"b\"}", "\"abc\"", "");
	/* ECMA escapes are translated. */
	CHECK("{\"pattern\":\"^\\\\d{2,3}$\"}", "\"123\"", "");
	CHECK("{\"pattern\":\"^\\\\d{2,3}$\"}", "\"1234\"", "(root): must match the pattern ^\\d{2,3}$");
	CHECK("{\"pattern\":\"^[\\\\w.-]+@[\\\\w.-]+$\"}", "\"a.b-c@x.y\"", "");
	CHECK("{\"pattern\":\"^[\\\\w.-]+@[\\\\w.-]+$\"}", "\"a b@x\"",
	      "(root): must match the pattern ^[\\w.-]+@[\\w.-]+$");
	CHECK("{\"pattern\":\"^(?:ab)+?$\"}", "\"abab\"", "");
	CHECK("{\"pattern\":\"^\\\\u00e9$\"}", "\"\xc3\xa9\"", "");
	CHECK("{\"pattern\":\"^a\\\\.b\\\\/c$\"}", "\"a.b/c\"", "");
	CHECK("{\"pattern\":\"^a\\\\.b$\"}", "\"axb\"", "(root): must match the pattern ^a\\.b$");
	CHECK("{\"pattern\":\"^[^\\\\s]+$\"}", "\"a b\"", "(root): must match the pattern ^[^\\s]+$");
	CHECK("{\"pattern\":\"^[\\\\]\\\\-^]+$\"}", "\"]-^\"", "");
	CHECK("{\"pattern\":\"^[\\\\]\\\\-^]+$\"}", "\"a\"", "(root): must match the pattern ^[\\]\\-^]+$");
	CHECK("{\"pattern\":\"^\\\\S+\\\\s\\\\W$\"}", "\"ab !\"", "");
	CHECK("{\"pattern\":\"{x}\"}", "\"a{x}\"", "");
	CHECK("{\"pattern\":\"^a+?b*?c??d{1,2}?$\"}", "\"aabd\"", "");
	CHECK("{\"pattern\":\"^(a+)+$\"}", "\"aaa\"", "");
}
END_TEST

START_TEST(format_uri)
{
	const char *s = "{\"type\":\"string\",\"format\":\"uri\"}";
	const char *msg = "(root): must be a URI such as https://example.com/path";

	CHECK(s, "\"https://example.com\"", "");
	CHECK(s, "\"http://localhost:8080/x?y=1#z\"", "");
	CHECK(s, "\"mailto:ops@example.com\"", "");
	CHECK(s, "\"urn:isbn:0451450523\"", "");
	CHECK(s, "\"git+ssh://git@host/repo\"", "");
	CHECK(s, "\"example.com\"", msg);
	CHECK(s, "\"https:example.com\"", msg);
	CHECK(s, "\"https://\"", msg);
	CHECK(s, "\"https:///path\"", msg);
	CHECK(s, "\"http://a b\"", msg);
	CHECK(s, "\"1http://x\"", msg);
	CHECK(s, "\"x:\"", msg);
	CHECK(s, "\"\"", msg);
	/* RFC 3986, strictly (the issue's false accepts). */
	CHECK(s, "\"https://[@example.org/\"", msg);
	CHECK(s, "\"https://example.org/<>\"", msg);
	CHECK(s, "\"https://example.org/foo%6Gbar\"", msg);
	CHECK(s, "\"https://example.org/a%20b\"", "");
	CHECK(s, "\"http://[2001:db8::7]/c=GB?one\"", "");
	CHECK(s, "\"https://\\u00e9.example\"", msg);
	/* The other formats envctl knows are asserted too... */
	CHECK("{\"format\":\"email\"}", "\"nope\"",
	      "(root): must be an email address such as ops@example.com");
	CHECK("{\"format\":\"email\"}", "\"ops@example.com\"", "");
	CHECK("{\"format\":\"date-time\"}", "\"2024-02-30T00:00:00Z\"",
	      "(root): must be a date and time such as 2024-05-01T12:00:00Z");
	CHECK("{\"format\":\"uuid\"}", "\"123e4567-e89b-12d3-a456-42661417400\"",
	      "(root): must be a UUID such as 123e4567-e89b-12d3-a456-426614174000");
	CHECK("{\"format\":\"ipv4\"}", "\"10.0.0.01\"", "(root): must be an IPv4 address such as 192.0.2.1");
	CHECK("{\"format\":\"ipv6\"}", "\"::1\"", "");
	CHECK("{\"format\":\"hostname\"}", "\"-a.example\"",
	      "(root): must be a host name such as api.example.com");
	/* IDNA2008 labels: A-labels in hostname, U-labels in idn-hostname. */
	CHECK("{\"format\":\"hostname\"}", "\"xn--bcher-kva.example\"", "");
	CHECK("{\"format\":\"hostname\"}", "\"xn--X.example\"",
	      "(root): must be a host name such as api.example.com");
	CHECK("{\"format\":\"idn-hostname\"}", "\"b\\u00fccher.example\"", "");
	CHECK("{\"format\":\"idn-hostname\"}", "\"a\\u00b7l.example\"",
	      "(root): must be a host name such as xn--bcher-kva.example");
	CHECK("{\"format\":\"idn-hostname\"}", "\"a\\u05d0.example\"",
	      "(root): must be a host name such as xn--bcher-kva.example");
	CHECK("{\"format\":\"idn-email\"}", "\"\\u00e9@b\\u00fccher.example\"", "");
	/* ...unknown ones are annotations, and so are non-strings. */
	CHECK("{\"format\":\"color\"}", "\"anything\"", "");
	CHECK("{\"format\":\"email\"}", "5", "");
}
END_TEST

/* ECMA-262 semantics through PCRE2 (each of these was wrong with the old
 * POSIX translator: "." took a newline, \\s was POSIX, \\p was refused,
 * lookaround and backreferences were schema errors). */
START_TEST(ecma_patterns)
{
	CHECK("{\"pattern\":\"^a.*$\"}", "\"a\\nb\"", "(root): must match the pattern ^a.*$");
	CHECK("{\"pattern\":\"^a.*$\"}", "\"a\\u2028b\"", "(root): must match the pattern ^a.*$");
	CHECK("{\"pattern\":\"^a.b$\"}", "\"a\\u000bb\"", "");
	CHECK("{\"pattern\":\"^a$\"}", "\"a\\n\"", "(root): must match the pattern ^a$");
	CHECK("{\"pattern\":\"^\\\\s$\"}", "\"\\u00a0\"", "");
	CHECK("{\"pattern\":\"^\\\\s$\"}", "\"\\ufeff\"", "");
	CHECK("{\"pattern\":\"^\\\\S$\"}", "\"\\u00a0\"", "(root): must match the pattern ^\\S$");
	CHECK("{\"pattern\":\"^\\\\d$\"}", "\"\\u0661\"", "(root): must match the pattern ^\\d$");
	CHECK("{\"pattern\":\"^\\\\w$\"}", "\"\\u00e9\"", "(root): must match the pattern ^\\w$");
	CHECK("{\"pattern\":\"^[\\\\D]$\"}", "\"x\"", "");
	CHECK("{\"pattern\":\"^[^\\\\W]$\"}", "\"\\u00e9\"", "(root): must match the pattern ^[^\\W]$");
	CHECK("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"\\u00e9t\\u00e9\"", "");
	CHECK("{\"pattern\":\"^\\\\p{L}$\"}", "\"1\"", "(root): must match the pattern ^\\p{L}$");
	CHECK("{\"pattern\":\"^\\\\p{Script=Greek}$\"}", "\"\\u03b1\"", "");
	CHECK("{\"pattern\":\"^.{2}$\"}", "\"\\u00e9\"", "(root): must match the pattern ^.{2}$");
	CHECK("{\"pattern\":\"^.$\"}", "\"\\ud83d\\ude00\"", "");
	CHECK("{\"pattern\":\"^\\\\ud83d\\\\ude00$\"}", "\"\\ud83d\\ude00\"", "");
	CHECK("{\"pattern\":\"^(?=a)\\\\w+$\"}", "\"ab\"", "");
	CHECK("{\"pattern\":\"(a)\\\\1\"}", "\"a\"", "(root): must match the pattern (a)\\1");
	CHECK("{\"pattern\":\"[]\"}", "\"a\"", "(root): must match the pattern []");
	CHECK("{\"pattern\":\"^[^]$\"}", "\"\\n\"", "");
	CHECK("{\"pattern\":\"^[[:alpha:]]+$\"}", "\"a]]\"", ""); /* a class, then "]+" */
	CHECK("{\"pattern\":\"\\\\bfoo\\\\b\"}", "\"\\u00e9foo\"", "");
	/* Nested quantifiers compile; matching stays bounded (the match limit). */
	CHECK("{\"pattern\":\"((((a+)+)+)+)$\"}", "\"aaaa\"", "");
}
END_TEST

/* The verdict does not depend on the process locale (the console calls
 * setlocale, the CLI does not). */
START_TEST(patterns_ignore_locale)
{
	const char *locales[] = { "C", "C.UTF-8" };

	for (size_t i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(setlocale(LC_ALL, locales[i]));
		CHECK("{\"pattern\":\"^.{2}$\"}", "\"\\u00e9\"", "(root): must match the pattern ^.{2}$");
		CHECK("{\"pattern\":\"^.$\"}", "\"\\u00e9\"", "");
		CHECK("{\"pattern\":\"^\\\\w+$\"}", "\"\\u00e9\"", "(root): must match the pattern ^\\w+$");
		CHECK("{\"maxLength\":1}", "\"\\u00e9\"", "");
	}
	setlocale(LC_ALL, "C");
}
END_TEST

/* The keywords envctl used to ignore silently (each case was a false
 * accept before). */
START_TEST(applicators_and_assertions)
{
	CHECK("{\"not\":{\"const\":\"root\"}}", "\"root\"", "(root): must not equal root");
	CHECK("{\"not\":{\"const\":\"root\"}}", "\"admin\"", "");
	CHECK("{\"not\":{\"type\":\"string\"}}", "\"x\"", "(root): must not be a string");
	CHECK("{\"enum\":[]}", "1", "(root): no value is allowed here (the enum is empty)");
	CHECK("{\"if\":{\"properties\":{\"mode\":{\"const\":\"ssh\"}}},"
	      "\"then\":{\"required\":[\"host\"]},\"else\":{\"required\":[\"url\"]}}",
	      "{\"mode\":\"ssh\"}", "/host: required");
	CHECK("{\"if\":{\"properties\":{\"mode\":{\"const\":\"ssh\"}}},"
	      "\"then\":{\"required\":[\"host\"]},\"else\":{\"required\":[\"url\"]}}",
	      "{\"mode\":\"http\"}", "/url: required");
	CHECK("{\"uniqueItems\":true}", "[1,{\"a\":1},1.0,{\"a\":1}]",
	      "/2: must not repeat item 0 (items must be unique); "
	      "/3: must not repeat item 1 (items must be unique)");
	CHECK("{\"patternProperties\":{\"^x-\":{\"type\":\"string\"}},"
	      "\"additionalProperties\":false}", "{\"x-a\":1,\"b\":2}",
	      "/x-a: must be a string; /b: unknown field");
	CHECK("{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
	      "[\"a\",\"b\",3]", "/1: must be an integer; /2: not allowed");
	CHECK("{\"items\":[{\"type\":\"string\"}],\"additionalItems\":{\"type\":\"integer\"}}",
	      "[\"a\",\"b\"]", "/1: must be an integer");
	CHECK("{\"contains\":{\"const\":1},\"minContains\":2,\"maxContains\":2}", "[1,2]",
	      "(root): must contain at least 2 items matching the \"contains\" schema");
	CHECK("{\"contains\":{\"const\":1},\"maxContains\":1}", "[1,1]",
	      "(root): must contain at most 1 item matching the \"contains\" schema");
	CHECK("{\"dependentRequired\":{\"user\":[\"password\"]}}", "{\"user\":\"a\"}",
	      "/password: required when \"user\" is set");
	CHECK("{\"dependencies\":{\"user\":[\"password\"]}}", "{\"user\":\"a\"}",
	      "/password: required when \"user\" is set");
	CHECK("{\"dependentSchemas\":{\"tls\":{\"required\":[\"cert\"]}}}", "{\"tls\":true}",
	      "/cert: required");
	CHECK("{\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}}", "{\"Bad\":1}",
	      "/Bad: the field name \"Bad\" is not allowed: must match the pattern ^[a-z]+$");
	CHECK("{\"minProperties\":2,\"maxProperties\":2}", "{\"a\":1}",
	      "(root): must have at least 2 fields");
	CHECK("{\"allOf\":[{\"properties\":{\"a\":true}}],\"unevaluatedProperties\":false}",
	      "{\"a\":1,\"b\":2}", "/b: unknown field");
	CHECK("{\"anyOf\":[{\"properties\":{\"a\":true}},{\"properties\":{\"b\":true}}],"
	      "\"unevaluatedProperties\":false}", "{\"a\":1,\"b\":2}", "");
	CHECK("{\"prefixItems\":[true],\"unevaluatedItems\":false}", "[1,2]", "/1: unexpected item");
	CHECK("{\"$defs\":{\"n\":{\"$anchor\":\"num\",\"type\":\"number\"}},"
	      "\"properties\":{\"a\":{\"$ref\":\"#num\"}}}", "{\"a\":\"x\"}", "/a: must be a number");
	CHECK("{\"$id\":\"https://example.com/root.json\",\"$defs\":{\"s\":{\"$id\":\"s.json\","
	      "\"type\":\"string\"}},\"properties\":{\"a\":{\"$ref\":\"s.json\"}}}",
	      "{\"a\":1}", "/a: must be a string");
	SCHEMA_ERROR("{\"$ref\":\"https://example.com/other.json\"}", "1",
		     "envctl never fetches schemas");
}
END_TEST

/* A draft-07 document keeps its $ref siblings by default (ajv 8 does);
 * strict draft-07 rules are an option. */
START_TEST(dialects)
{
	const char *doc = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
			  "\"definitions\":{\"a\":{\"type\":\"integer\"}},"
			  "\"properties\":{\"p\":{\"$ref\":\"#/definitions/a\",\"maximum\":100}}}";
	cJSON *schema = tu_json(doc), *value = tu_json("{\"p\":200}");
	SchemaOptions strict = { .dialect = SCHEMA_DIALECT_DRAFT7 };
	SchemaIssues issues;
	Error err;

	CHECK(doc, "{\"p\":200}", "/p: must be at most 100");
	ck_assert_int_eq(schema_validate_opts(schema, value, &strict, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 0);
	schema_issues_clear(&issues);
	cJSON_Delete(schema);
	cJSON_Delete(value);
}
END_TEST

START_TEST(numeric_bounds)
{
	CHECK(PORT, "{\"port\":65535}", "");
	CHECK(PORT, "{\"port\":65536}", "/port: must be at most 65535");
	CHECK(PORT, "{\"port\":0}", "/port: must be at least 1");
	CHECK(PORT, "{\"port\":0.5}", "/port: must be an integer; /port: must be at least 1");
	CHECK(PORT, "{\"port\":1.5}", "/port: must be an integer");
	CHECK("{\"exclusiveMinimum\":0}", "0", "(root): must be greater than 0");
	CHECK("{\"exclusiveMinimum\":0}", "0.001", "");
	CHECK("{\"exclusiveMaximum\":100}", "100", "(root): must be less than 100");
	CHECK("{\"exclusiveMaximum\":100}", "99.5", "");
	/* Draft 4's boolean spelling. */
	CHECK("{\"minimum\":1.5,\"exclusiveMinimum\":true}", "1.5", "(root): must be greater than 1.5");
	CHECK("{\"maximum\":2,\"exclusiveMaximum\":true}", "2", "(root): must be less than 2");
	CHECK("{\"maximum\":2,\"exclusiveMaximum\":false}", "2", "");
	CHECK("{\"minimum\":0.1}", "0.05", "(root): must be at least 0.1");
	/* Bounds apply to numbers only. */
	CHECK("{\"minimum\":10}", "\"5\"", "");
}
END_TEST

START_TEST(multiple_of_in_decimal)
{
	CHECK("{\"multipleOf\":0.1}", "0.3", "");
	CHECK("{\"multipleOf\":0.1}", "0.7", "");
	CHECK("{\"multipleOf\":0.1}", "1.1", "");
	CHECK("{\"multipleOf\":0.1}", "-2.2", "");
	CHECK("{\"multipleOf\":0.01}", "19.99", "");
	CHECK("{\"multipleOf\":0.5}", "4.5", "");
	CHECK("{\"multipleOf\":1.5}", "4.5", "");
	CHECK("{\"multipleOf\":512}", "1024", "");
	CHECK("{\"multipleOf\":0.1}", "0", "");
	CHECK("{\"multipleOf\":0.1}", "0.35", "(root): must be a multiple of 0.1");
	CHECK("{\"multipleOf\":3}", "10", "(root): must be a multiple of 3");
	CHECK("{\"multipleOf\":0.01}", "19.995", "(root): must be a multiple of 0.01");
	CHECK("{\"multipleOf\":512}", "1000", "(root): must be a multiple of 512");
	CHECK("{\"multipleOf\":1e-8}", "0.00000003", "");
	CHECK("{\"multipleOf\":1e-8}", "0.000000035", "(root): must be a multiple of 1e-08");
	CHECK("{\"multipleOf\":1e300}", "2e300", "");
	CHECK("{\"multipleOf\":1e20}", "5", "(root): must be a multiple of 1e+20");
	CHECK("{\"multipleOf\":7}", "1e300", "(root): must be a multiple of 7");
	CHECK("{\"multipleOf\":5}", "1e300", "");
	/* multipleOf <= 0 is a schema mistake (lint reports it): ignored here. */
	CHECK("{\"multipleOf\":0}", "3", "");
}
END_TEST

START_TEST(arrays)
{
	const char *s = "{\"type\":\"object\",\"properties\":{\"hosts\":{\"type\":\"array\","
			"\"minItems\":1,\"maxItems\":2,\"items\":" PORT "}}}";

	CHECK(s, "{\"hosts\":[{\"port\":1}]}", "");
	CHECK(s, "{\"hosts\":[]}", "/hosts: must have at least 1 item");
	CHECK(s, "{\"hosts\":[{},{\"port\":70000},{\"port\":\"x\"}]}",
	      "/hosts: must have at most 2 items; /hosts/1/port: must be at most 65535; "
	      "/hosts/2/port: must be an integer");
	CHECK("{\"minItems\":2}", "[1]", "(root): must have at least 2 items");
	CHECK("{\"maxItems\":1}", "[1,2]", "(root): must have at most 1 item");
}
END_TEST

START_TEST(objects_required_and_additional)
{
	const char *s = "{\"type\":\"object\",\"required\":[\"apiKey\",\"region\"],\"properties\":{"
			"\"apiKey\":{\"type\":\"string\",\"format\":\"secret-ref\"},"
			"\"region\":{\"enum\":[\"us-east-1\",\"eu-west-1\"]},"
			"\"bridge\":{\"type\":\"object\",\"required\":[\"authToken\"],\"properties\":{"
			"\"authToken\":{\"type\":\"string\"}}},"
			"\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}},"
			"\"additionalProperties\":false}";

	CHECK(s, "{\"apiKey\":\"k\",\"region\":\"us-east-1\"}", "");
	CHECK(s, "{}", "/apiKey: required; /region: required");
	CHECK(s, "{\"apiKey\":\"k\",\"region\":\"x\",\"bridge\":{\"authToken\":5},\"extra\":1,"
		 "\"env\":{\"A\":\"1\",\"B\":2}}",
	      "/region: must be one of us-east-1, eu-west-1; /bridge/authToken: must be a string; "
	      "/extra: unknown field; /env/B: must be a string");
	CHECK(s, "{\"apiKey\":\"k\",\"region\":\"us-east-1\",\"bridge\":{}}", "/bridge/authToken: required");
	/* Keys with "/" and "~" are escaped in pointers (RFC 6901). */
	CHECK("{\"properties\":{\"a/b\":{\"type\":\"string\"},\"c~d\":{\"type\":\"string\"}},"
	      "\"required\":[\"x.y\"]}",
	      "{\"a/b\":1,\"c~d\":2}", "/x.y: required; /a~1b: must be a string; /c~0d: must be a string");
	/* A false schema forbids its property. */
	CHECK("{\"properties\":{\"x\":false}}", "{\"x\":1}", "/x: not allowed");
	CHECK("{\"properties\":{\"x\":false}}", "{}", "");
	/* Object keywords apply to objects only. */
	CHECK("{\"required\":[\"a\"]}", "5", "");
}
END_TEST

START_TEST(combiners)
{
	const char *one = "{\"type\":\"object\",\"oneOf\":["
			  "{\"properties\":{\"mode\":{\"const\":\"token\"},\"token\":{\"type\":\"string\"}},"
			  "\"required\":[\"mode\",\"token\"]},"
			  "{\"properties\":{\"mode\":{\"const\":\"password\"},\"user\":{\"type\":\"string\"},"
			  "\"password\":{\"type\":\"string\"}},\"required\":[\"mode\",\"user\",\"password\"]}]}";

	CHECK("{\"allOf\":[{\"minimum\":1},{\"maximum\":5},{\"type\":\"integer\"}]}", "3", "");
	CHECK("{\"allOf\":[{\"minimum\":1},{\"maximum\":5},{\"type\":\"integer\"}]}", "7.5",
	      "(root): must be at most 5; (root): must be an integer");
	CHECK("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "5", "");
	CHECK("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "true",
	      "(root): must match one of the 2 alternatives");
	CHECK(one, "{\"mode\":\"token\",\"token\":\"t\"}", "");
	CHECK(one, "{\"mode\":\"password\",\"user\":\"u\",\"password\":\"p\"}", "");
	/* The branch the operator meant speaks (its discriminator matched). */
	CHECK(one, "{\"mode\":\"password\",\"user\":\"u\"}", "/password: required");
	CHECK(one, "{\"mode\":\"token\"}", "/token: required");
	/* No branch is close: the message is about the alternatives. */
	CHECK(one, "{\"mode\":\"other\"}", "(root): must match one of the 2 alternatives");
	CHECK("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "5",
	      "(root): must match exactly one of the 2 alternatives, but matches 2");
	CHECK("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "-5", "");
	CHECK("{\"anyOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "5", "");
	/* Duplicate findings through allOf [A, A] are reported once. */
	CHECK("{\"definitions\":{\"a\":{\"maximum\":1}},\"allOf\":[{\"$ref\":\"#/definitions/a\"},"
	      "{\"$ref\":\"#/definitions/a\"}]}", "2", "(root): must be at most 1");
}
END_TEST

START_TEST(refs)
{
	const char *s = "{\"definitions\":{\"port\":{\"type\":\"integer\",\"maximum\":65535}},"
			"\"$defs\":{\"name\":{\"type\":\"string\",\"minLength\":1}},"
			"\"properties\":{\"port\":{\"$ref\":\"#/definitions/port\",\"minimum\":10},"
			"\"name\":{\"$ref\":\"#/$defs/name\"}}}";

	/* A sibling keyword applies together with the reference. */
	CHECK(s, "{\"port\":70000,\"name\":\"\"}", "/port: must be at most 65535; /name: must be at least 1 character");
	CHECK(s, "{\"port\":5}", "/port: must be at least 10");
	CHECK("{\"definitions\":{\"odd def\":{\"type\":\"string\"},\"a/b\":{\"type\":\"integer\"}},"
	      "\"properties\":{\"x\":{\"$ref\":\"#/definitions/odd%20def\"},"
	      "\"y\":{\"$ref\":\"#/definitions/a~1b\"}}}",
	      "{\"x\":1,\"y\":\"s\"}", "/x: must be a string; /y: must be an integer");
	/* "#" is the whole schema: a recursive tree, checked to any depth. */
	CHECK("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
	      "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}}}",
	      "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"name\":\"c\","
	      "\"children\":[{\"name\":4}]}]}]}",
	      "/children/0/children/0/children/0/name: must be a string");
}
END_TEST

START_TEST(schema_errors_not_crashes)
{
	SCHEMA_ERROR("{\"properties\":{\"a\":{\"$ref\":\"#/definitions/nope\"}}}", "{}",
		     "/properties/a/$ref: unknown $ref \"#/definitions/nope\"");
	SCHEMA_ERROR("{\"properties\":{\"a\":{\"$ref\":\"https://example.com/s.json\"}}}", "{}",
		     "is not local");
	SCHEMA_ERROR("{\"properties\":{\"a\":{\"$ref\":5}}}", "{}", "$ref must be a string");
	SCHEMA_ERROR("{\"properties\":{\"a\":{\"$ref\":\"#/properties\"},\"b\":{\"$ref\":\"#/required\"}},"
		     "\"required\":[]}", "{}", "points at a list");
	SCHEMA_ERROR("{\"properties\":{\"a\":{\"pattern\":\"[a-\"}}}", "{}",
		     "/properties/a/pattern: invalid pattern \"[a-\"");
	SCHEMA_ERROR("{\"pattern\":\"(?i)x\"}", "\"x\"", "no inline flags");
	SCHEMA_ERROR("{\"pattern\":\"\\\\a\"}", "\"x\"", "invalid escape \\a");
	SCHEMA_ERROR("{\"pattern\":\"\\\\p{NoSuchThing}\"}", "\"x\"", "unknown property");
	SCHEMA_ERROR("{\"pattern\":\"a{2000}\"}", "\"a\"", "larger than 1000");
	/* Found by fuzz_schema: strtol saturates this to LONG_MAX, and {n,}
	 * computed n + 1 before the range check (signed overflow). */
	SCHEMA_ERROR("{\"pattern\":\"a{99999999999999999999,}\"}", "\"a\"", "larger than 1000");
	SCHEMA_ERROR("{\"pattern\":\"((a{1000}){1000}){1000}\"}", "\"a\"", "too large");
	SCHEMA_ERROR("{\"pattern\":\"(a\"}", "\"a\"", "never closed");
	SCHEMA_ERROR("{\"pattern\":\"a)\"}", "\"a\"", "no matching (");
	SCHEMA_ERROR("{\"pattern\":\"a\\\\\"}", "\"a\"", "lone backslash");
	/* Stacked quantifiers: an ECMA syntax error, and glibc would double
	 * the operand for each "+" (the fuzzer found this one). */
	SCHEMA_ERROR("{\"pattern\":\"\xa4\xa1\xa3++++++++++++++++++++++\"}", "\"a\"", "nothing to repeat");
	SCHEMA_ERROR("{\"pattern\":\"a{2}{3}\"}", "\"a\"", "nothing to repeat");
	SCHEMA_ERROR("{\"pattern\":\"*a\"}", "\"a\"", "nothing to repeat");
	SCHEMA_ERROR("{\"pattern\":\"(|+)\"}", "\"a\"", "nothing to repeat");
	SCHEMA_ERROR("{\"pattern\":\"^*\"}", "\"a\"", "nothing to repeat");
	/* A self-referencing $ref is an error, not endless recursion. */
	SCHEMA_ERROR("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/a\"}},"
		     "\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}", "{\"x\":1}",
		     "$ref cycle at /definitions/a");
	SCHEMA_ERROR("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"allOf\":["
		     "{\"$ref\":\"#/definitions/a\"}]}}}", "1", "$ref cycle at /definitions/");
	SCHEMA_ERROR("{\"$ref\":\"#\"}", "1", "$ref cycle at the root");
	SCHEMA_ERROR("[1]", "1", "must be a JSON object");
	SCHEMA_ERROR("5", "1", "must be a JSON object");
	SCHEMA_ERROR("true", "1", "must be a JSON object");
}
END_TEST

START_TEST(all_violations_at_once)
{
	cJSON *schema = stu_fixture("schemas/e2b.json");
	cJSON *bad = tu_json("{\"template\":\"-x\",\"apiUrl\":\"nope\",\"region\":\"mars\","
			     "\"timeoutMs\":5,\"resources\":{\"cpuCount\":3,\"memoryMb\":1000,\"gpu\":1},"
			     "\"envVars\":{\"A\":1},\"allowedHosts\":[\"\"],\"reuseLease\":\"yes\","
			     "\"unknown\":true}");
	SchemaIssues issues;
	Error err;
	char *joined;

	ck_assert_int_eq(schema_validate(schema, bad, &issues, &err), ST_OK);
	joined = schema_issues_join(&issues, "\n");
	ck_assert_str_eq(joined,
			 "/apiKey: required\n"
			 "/template: must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]*$\n"
			 "/apiUrl: must be a URI such as https://example.com/path\n"
			 "/region: must be one of us-east-1, eu-west-1\n"
			 "/timeoutMs: must be at least 1000\n"
			 "/resources/cpuCount: must be one of 1, 2, 4, 8\n"
			 "/resources/memoryMb: must be a multiple of 512\n"
			 "/resources/gpu: unknown field\n"
			 "/envVars/A: must be a string\n"
			 "/allowedHosts/0: must be at least 1 character\n"
			 "/reuseLease: must be a boolean (true or false)\n"
			 "/unknown: unknown field");
	ck_assert_uint_eq(issues.count, 12);
	ck_assert_str_eq(issues.items[0].pointer, "/apiKey");
	ck_assert_str_eq(issues.items[0].message, "required");
	free(joined);
	schema_issues_clear(&issues);
	ck_assert_uint_eq(issues.count, 0);
	cJSON_Delete(bad);
	cJSON_Delete(schema);
}
END_TEST

START_TEST(fixtures_accept_good_configs)
{
	static const struct { const char *schema, *config; } cases[] = {
		{ "schemas/e2b.json", "{\"apiKey\":\"00000000-0000-4000-8000-000000000000\","
				      "\"template\":\"base\",\"resources\":{\"memoryMb\":2048},"
				      "\"envVars\":{\"A\":\"b\"},\"allowedHosts\":[\"example.com\"]}" },
		{ "schemas/daytona.json", "{\"apiKey\":\"k\",\"target\":\"eu\",\"image\":null,"
					  "\"resources\":{\"memoryGb\":2.5},\"volumes\":[{\"volumeId\":\"v\","
					  "\"mountPath\":\"/data\"}]}" },
		{ "schemas/cloudflare.json", "{\"accountId\":\"0123456789abcdef0123456789abcdef\","
					     "\"apiToken\":\"t\",\"container\":{\"image\":\"x\"},"
					     "\"sleepAfter\":\"15m\",\"routes\":[\"https://a.example.com/\"]}" },
		{ "schemas/exedev.json", "{\"sshUser\":\"ops\",\"sshPrivateKey\":\"k\",\"vmName\":\"dev-box\","
					 "\"forwards\":[{\"localPort\":8080,\"remotePort\":80}]}" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *s = stu_fixture(cases[i].schema), *c = tu_json(cases[i].config);
		SchemaIssues issues;
		Error err;
		char *joined;

		ck_assert_int_eq(schema_validate(s, c, &issues, &err), ST_OK);
		joined = schema_issues_join(&issues, "; ");
		ck_assert_msg(issues.count == 0, "%s: %s", cases[i].schema, joined);
		free(joined);
		schema_issues_clear(&issues);
		cJSON_Delete(s);
		cJSON_Delete(c);
	}
}
END_TEST

START_TEST(api_edges)
{
	cJSON *s = tu_json("{}");
	SchemaIssues issues = { NULL, 0, 0 };
	Error err;
	char *j;

	ck_assert_int_eq(schema_validate(s, NULL, &issues, &err), ST_E_INVALID);
	ck_assert_int_eq(schema_validate(NULL, s, &issues, &err), ST_E_INVALID);
	j = schema_issues_join(&issues, "; ");
	ck_assert_str_eq(j, "");
	free(j);
	j = schema_issues_join(NULL, NULL);
	ck_assert_str_eq(j, "");
	free(j);
	schema_issues_clear(NULL);
	cJSON_Delete(s);
}
END_TEST

TEST_SUITE(schema_validate)
{
	Suite *s = suite_create("schema_validate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, types);
	tcase_add_test(tc, integers_are_whole_numbers);
	tcase_add_test(tc, type_arrays);
	tcase_add_test(tc, enum_and_const);
	tcase_add_test(tc, string_lengths_and_pattern);
	tcase_add_test(tc, format_uri);
	tcase_add_test(tc, ecma_patterns);
	tcase_add_test(tc, patterns_ignore_locale);
	tcase_add_test(tc, applicators_and_assertions);
	tcase_add_test(tc, dialects);
	tcase_add_test(tc, numeric_bounds);
	tcase_add_test(tc, multiple_of_in_decimal);
	tcase_add_test(tc, arrays);
	tcase_add_test(tc, objects_required_and_additional);
	tcase_add_test(tc, combiners);
	tcase_add_test(tc, refs);
	tcase_add_test(tc, schema_errors_not_crashes);
	tcase_add_test(tc, all_violations_at_once);
	tcase_add_test(tc, fixtures_accept_good_configs);
	tcase_add_test(tc, api_edges);
	suite_add_tcase(s, tc);
	return s;
}
