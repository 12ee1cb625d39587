/* The form model: fields, flags, order, titles, merging through $ref and
 * the combiners, recursion, and lookups by pointer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "schema_tu.h"
#include "testutil.h"
#include "util/buf.h"

static SchemaField *load(const cJSON *schema)
{
	SchemaField *root = NULL;
	Error err;

	error_clear(&err);
	ck_assert_msg(schema_form_load(schema, &root, &err) == ST_OK, "load: %s", err.msg);
	ck_assert_ptr_nonnull(root);
	return root;
}

static const SchemaField *find(const SchemaField *root, const char *ptr)
{
	const SchemaField *f = schema_field_find(root, ptr);

	ck_assert_msg(f != NULL, "no field at %s", ptr);
	return f;
}

static char *child_keys(const SchemaField *f)
{
	Buf b = BUF_INIT;

	buf_puts(&b, "");
	for (size_t i = 0; i < f->child_count; i++)
		buf_printf(&b, "%s%s", i ? "," : "", f->children[i]->key);
	return buf_take(&b);
}

START_TEST(e2b_fixture)
{
	cJSON *s = stu_fixture("schemas/e2b.json");
	SchemaField *root = load(s);
	const SchemaField *f;
	char *keys = child_keys(root);

	ck_assert_int_eq(root->type, SCHEMA_OBJECT);
	ck_assert_str_eq(root->pointer, "");
	ck_assert_ptr_null(root->key);
	ck_assert_ptr_null(root->parent);
	ck_assert_str_eq(root->title, "E2B sandbox");
	ck_assert_str_eq(keys, "apiKey,template,apiUrl,region,timeoutMs,resources,startupScript,"
			       "envVars,allowedHosts,sdkVersion,reuseLease");
	free(keys);

	f = find(root, "/apiKey");
	ck_assert(f->secret && f->required && !f->credential_warning);
	ck_assert_str_eq(f->title, "API key");
	ck_assert_str_eq(f->key, "apiKey");
	ck_assert_ptr_eq(f->parent, root);
	ck_assert(f->has_min_length && f->min_length == 1);

	f = find(root, "/template");
	ck_assert(f->required && !f->secret);
	ck_assert_str_eq(f->default_value->valuestring, "base");
	ck_assert_str_eq(f->pattern, "^[A-Za-z0-9][A-Za-z0-9._-]*$");
	ck_assert(f->has_max_length && f->max_length == 128);

	ck_assert(find(root, "/apiUrl")->uri);
	f = find(root, "/region");
	ck_assert_int_eq(cJSON_GetArraySize(f->enum_values), 2);
	ck_assert(!f->required);
	f = find(root, "/timeoutMs");
	ck_assert_int_eq(f->type, SCHEMA_INTEGER);
	ck_assert(f->has_minimum && f->minimum == 1000 && f->has_maximum && f->maximum == 86400000);
	ck_assert(!f->exclusive_minimum && !f->exclusive_maximum);

	f = find(root, "/resources/memoryMb");
	ck_assert(f->has_multiple_of && f->multiple_of == 512);
	ck_assert_str_eq(f->pointer, "/resources/memoryMb");
	ck_assert_str_eq(f->parent->key, "resources");

	ck_assert(find(root, "/startupScript")->textarea);
	f = find(root, "/envVars");
	ck_assert_int_eq(f->type, SCHEMA_OBJECT);
	ck_assert_ptr_nonnull(f->additional);
	ck_assert_str_eq(f->additional->pointer, "/envVars/*");
	ck_assert_int_eq(f->additional->type, SCHEMA_STRING);
	ck_assert_ptr_eq(find(root, "/envVars/ANY_NAME"), f->additional);

	f = find(root, "/allowedHosts");
	ck_assert_int_eq(f->type, SCHEMA_ARRAY);
	ck_assert(f->has_max_items && f->max_items == 64 && !f->has_min_items);
	ck_assert_str_eq(f->items->pointer, "/allowedHosts/-");
	ck_assert_str_eq(f->items->title, "Item");
	ck_assert_ptr_eq(find(root, "/allowedHosts/3"), f->items);
	ck_assert_ptr_eq(find(root, "/allowedHosts/-"), f->items);
	ck_assert_ptr_null(schema_field_find(root, "/allowedHosts/x"));

	ck_assert(find(root, "/sdkVersion")->read_only);
	ck_assert_int_eq(find(root, "/reuseLease")->type, SCHEMA_BOOLEAN);
	ck_assert_ptr_eq(schema_field_find(root, ""), root);
	ck_assert_ptr_null(schema_field_find(root, "/nope"));
	ck_assert_ptr_null(schema_field_find(root, "nope"));
	ck_assert_ptr_null(schema_field_find(NULL, ""));
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(every_fixture_loads)
{
	static const char *const names[] = { "schemas/e2b.json", "schemas/daytona.json",
					     "schemas/cloudflare.json", "schemas/exedev.json" };

	for (size_t i = 0; i < 4; i++) {
		cJSON *s = stu_fixture(names[i]);
		SchemaField *root = load(s);

		ck_assert_uint_gt(root->child_count, 8);
		schema_field_free(root);
		cJSON_Delete(s);
	}
}
END_TEST

START_TEST(refs_nullable_and_items_of_objects)
{
	cJSON *d = stu_fixture("schemas/daytona.json"), *x = stu_fixture("schemas/exedev.json");
	SchemaField *dr = load(d), *xr = load(x);
	const SchemaField *f;

	f = find(dr, "/image");
	ck_assert_int_eq(f->type, SCHEMA_STRING);
	ck_assert(f->nullable);
	f = find(dr, "/volumes");
	ck_assert_ptr_nonnull(f->items);
	ck_assert_int_eq(f->items->type, SCHEMA_OBJECT);
	ck_assert_str_eq(f->items->title, "Volume");
	f = find(dr, "/volumes/0/mountPath");
	ck_assert_str_eq(f->pointer, "/volumes/-/mountPath");
	ck_assert(f->required);
	/* A property named like a keyword is just a property. */
	f = find(dr, "/volumes/-/readOnly");
	ck_assert_int_eq(f->type, SCHEMA_BOOLEAN);
	ck_assert(!f->read_only && !f->required);
	ck_assert(find(dr, "/organizationId")->read_only);
	f = find(dr, "/resources/memoryGb");
	ck_assert_int_eq(f->type, SCHEMA_NUMBER);
	ck_assert(f->multiple_of == 0.5);

	/* $ref with a sibling: the node's own description wins, the target
	 * gives the rest. */
	f = find(xr, "/sshPrivateKey");
	ck_assert(f->secret && f->required);
	ck_assert_str_eq(f->title, "SSH private key");
	ck_assert_str_eq(f->description,
			 "Private key of the account (OpenSSH format). Stored encrypted as a secret.");
	ck_assert_int_eq(f->type, SCHEMA_STRING);
	ck_assert_ptr_nonnull(f->node);
	ck_assert_ptr_null(cJSON_GetObjectItem(f->node, "$ref"));
	f = find(xr, "/forwards/2/remotePort");
	ck_assert(f->required && f->has_maximum && f->maximum == 65535);
	schema_field_free(dr);
	schema_field_free(xr);
	cJSON_Delete(d);
	cJSON_Delete(x);
}
END_TEST

START_TEST(titles)
{
	cJSON *s = tu_json("{\"properties\":{\"apiKey\":{},\"timeout_ms\":{},\"URLPath\":{},"
			   "\"sshPrivateKeyPEM\":{},\"max-retries\":{},\"a.b\":{},\"x\":{},"
			   "\"cpu2Count\":{},\"titled\":{\"title\":\"My own\"}}}");
	SchemaField *root = load(s);
	static const char *const want[] = { "Api Key", "Timeout Ms", "URL Path", "Ssh Private Key PEM",
					    "Max Retries", "A B", "X", "Cpu2 Count", "My own" };

	ck_assert_uint_eq(root->child_count, 9);
	for (size_t i = 0; i < 9; i++)
		ck_assert_str_eq(root->children[i]->title, want[i]);
	ck_assert_str_eq(root->title, "");
	ck_assert_ptr_null(root->children[0]->description);
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(type_inference_and_bounds)
{
	cJSON *s = tu_json("{\"properties\":{"
			   "\"e\":{\"enum\":[\"a\",\"b\"]},\"n\":{\"enum\":[1,2.5]},\"i\":{\"enum\":[1,2]},"
			   "\"o\":{\"properties\":{}},\"m\":{\"additionalProperties\":{}},"
			   "\"l\":{\"items\":{}},\"d\":{\"default\":5},\"c\":{\"const\":true},\"any\":{},"
			   "\"t\":{\"type\":[\"null\"]},"
			   "\"x\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":10},"
			   "\"y\":{\"type\":\"number\",\"minimum\":5,\"exclusiveMinimum\":1,\"maximum\":3,"
			   "\"exclusiveMaximum\":true},"
			   "\"z\":{\"type\":\"string\",\"minLength\":-1,\"maxLength\":2.5}}}");
	SchemaField *root = load(s);
	const SchemaField *f;

	ck_assert_int_eq(root->type, SCHEMA_OBJECT);
	ck_assert_int_eq(find(root, "/e")->type, SCHEMA_STRING);
	ck_assert_int_eq(find(root, "/n")->type, SCHEMA_NUMBER);
	ck_assert_int_eq(find(root, "/i")->type, SCHEMA_INTEGER);
	ck_assert_int_eq(find(root, "/o")->type, SCHEMA_OBJECT);
	ck_assert_int_eq(find(root, "/m")->type, SCHEMA_OBJECT);
	ck_assert_int_eq(find(root, "/l")->type, SCHEMA_ARRAY);
	ck_assert_int_eq(find(root, "/d")->type, SCHEMA_INTEGER);
	ck_assert_int_eq(find(root, "/c")->type, SCHEMA_BOOLEAN);
	ck_assert(cJSON_IsTrue(find(root, "/c")->const_value));
	ck_assert_int_eq(find(root, "/any")->type, SCHEMA_ANY);
	ck_assert_int_eq(find(root, "/t")->type, SCHEMA_NULL);
	f = find(root, "/x");
	ck_assert(f->has_minimum && f->exclusive_minimum && f->minimum == 0);
	ck_assert(f->has_maximum && f->exclusive_maximum && f->maximum == 10);
	/* minimum 5 is tighter than exclusiveMinimum 1; the boolean form
	 * makes maximum exclusive. */
	f = find(root, "/y");
	ck_assert(f->has_minimum && !f->exclusive_minimum && f->minimum == 5);
	ck_assert(f->has_maximum && f->exclusive_maximum && f->maximum == 3);
	f = find(root, "/z");
	ck_assert(!f->has_min_length && !f->has_max_length);
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(all_of_merges)
{
	cJSON *s = tu_json("{\"definitions\":{\"base\":{\"properties\":{\"a\":{\"type\":\"string\"}},"
			   "\"required\":[\"a\"]}},"
			   "\"allOf\":[{\"$ref\":\"#/definitions/base\"},"
			   "{\"properties\":{\"b\":{\"type\":\"integer\"},\"a\":{\"title\":\"Alpha\"}}}],"
			   "\"properties\":{\"c\":{\"type\":\"boolean\"}}}");
	SchemaField *root = load(s);
	char *keys = child_keys(root);

	ck_assert_str_eq(keys, "c,a,b");
	ck_assert(find(root, "/a")->required);
	ck_assert_str_eq(find(root, "/a")->title, "Alpha");
	ck_assert_int_eq(find(root, "/a")->type, SCHEMA_STRING);
	ck_assert(!find(root, "/b")->required);
	free(keys);
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(one_of_shows_every_branch)
{
	cJSON *s = tu_json("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
			   "\"oneOf\":[{\"properties\":{\"mode\":{\"const\":\"token\"},"
			   "\"token\":{\"type\":\"string\",\"format\":\"secret-ref\"}},\"required\":[\"mode\",\"token\"]},"
			   "{\"properties\":{\"mode\":{\"const\":\"password\"},\"user\":{\"type\":\"string\"},"
			   "\"password\":{\"type\":\"string\",\"format\":\"secret-ref\"}},"
			   "\"required\":[\"mode\",\"user\"]}]}");
	SchemaField *root = load(s);
	const SchemaField *mode;
	char *keys = child_keys(root), *e;

	ck_assert_str_eq(keys, "name,mode,token,user,password");
	mode = find(root, "/mode");
	/* The discriminator offers both values. */
	ck_assert_ptr_null(mode->const_value);
	ck_assert_ptr_nonnull(mode->enum_values);
	e = cJSON_PrintUnformatted(mode->enum_values);
	ck_assert_str_eq(e, "[\"token\",\"password\"]");
	ck_assert_int_eq(mode->type, SCHEMA_STRING);
	/* Required by every branch: required; by one branch: left to validation. */
	ck_assert(mode->required);
	ck_assert(!find(root, "/token")->required);
	ck_assert(!find(root, "/user")->required);
	ck_assert(find(root, "/token")->secret && find(root, "/password")->secret);
	free(e);
	free(keys);
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(recursive_ref_stops)
{
	cJSON *s = tu_json("{\"definitions\":{\"node\":{\"type\":\"object\",\"properties\":{"
			   "\"name\":{\"type\":\"string\"},\"children\":{\"type\":\"array\","
			   "\"items\":{\"$ref\":\"#/definitions/node\"}},"
			   "\"parent\":{\"$ref\":\"#/definitions/node\"}}}},"
			   "\"type\":\"object\",\"properties\":{\"tree\":{\"$ref\":\"#/definitions/node\"}}}");
	SchemaField *root = load(s);
	const SchemaField *f;

	f = find(root, "/tree");
	ck_assert(!f->recursive);
	ck_assert_uint_eq(f->child_count, 3);
	f = find(root, "/tree/children/-");
	ck_assert(f->recursive);
	ck_assert_int_eq(f->type, SCHEMA_OBJECT);
	ck_assert_uint_eq(f->child_count, 0);
	ck_assert(find(root, "/tree/parent")->recursive);
	/* Lookups stop where the form stops. */
	ck_assert_ptr_null(schema_field_find(root, "/tree/children/0/name"));
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(misc_fields)
{
	cJSON *s = tu_json("{\"properties\":{\"gone\":false,\"anything\":true,\"apiToken\":{\"type\":\"string\"},"
			   "\"useToken\":{\"type\":\"boolean\"},\"a/b\":{\"type\":\"string\"},"
			   "\"publicKey\":{\"type\":\"string\"}}}");
	SchemaField *root = load(s);
	char *keys = child_keys(root);

	/* A false property is not shown; true is an untyped field. */
	ck_assert_str_eq(keys, "anything,apiToken,useToken,a/b,publicKey");
	ck_assert_int_eq(find(root, "/anything")->type, SCHEMA_ANY);
	ck_assert(find(root, "/apiToken")->credential_warning);
	ck_assert(!find(root, "/useToken")->credential_warning);
	ck_assert(!find(root, "/publicKey")->credential_warning);
	ck_assert_str_eq(find(root, "/a~1b")->pointer, "/a~1b");
	ck_assert_str_eq(find(root, "/a~1b")->key, "a/b");
	free(keys);
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(load_errors)
{
	static const struct { const char *schema, *want; } cases[] = {
		{ "{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/a\"}},\"properties\":{\"x\":"
		  "{\"$ref\":\"#/definitions/a\"}}}", "$ref cycle at /definitions/a" },
		{ "{\"properties\":{\"x\":{\"$ref\":\"#/definitions/missing\"}}}",
		  "unknown $ref \"#/definitions/missing\"" },
		{ "[]", "must be a JSON object" },
		{ "{\"properties\":{\"x\":{\"pattern\":\"(\"}}}", "invalid pattern" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *s = tu_json(cases[i].schema);
		SchemaField *root = (SchemaField *)1;
		Error err;

		error_clear(&err);
		ck_assert_int_eq(schema_form_load(s, &root, &err), ST_E_INVALID);
		ck_assert_ptr_null(root);
		ck_assert_msg(strstr(err.msg, cases[i].want), "%s: got %s", cases[i].schema, err.msg);
		cJSON_Delete(s);
	}
	schema_field_free(NULL);
}
END_TEST


/* ------------------------------------------------------------ 2020-12 applicators (#13) */

/* then/else fields are fields of the object, shown as the condition
 * changes; the condition's own properties and `not`'s are not fields. */
START_TEST(if_then_else_shows_the_outcome)
{
	cJSON *s = tu_json("{\"type\":\"object\",\"properties\":{\"mode\":{\"enum\":[\"ssh\",\"local\"]}},"
			   "\"if\":{\"properties\":{\"mode\":{\"const\":\"ssh\"}},\"required\":[\"mode\"]},"
			   "\"then\":{\"properties\":{\"host\":{\"type\":\"string\"}},\"required\":[\"host\"]},"
			   "\"else\":{\"properties\":{\"dir\":{\"type\":\"string\"}}},"
			   "\"not\":{\"properties\":{\"banned\":{}},\"required\":[\"banned\"]}}");
	cJSON *ssh = tu_json("{\"mode\":\"ssh\"}"), *local = tu_json("{\"mode\":\"local\"}");
	SchemaField *root = load(s);
	char *keys = child_keys(root);

	ck_assert_str_eq(keys, "mode,host,dir");
	ck_assert_uint_eq(root->cond_count, 1);
	ck_assert(!find(root, "/host")->required);
	ck_assert_int_eq(find(root, "/host")->type, SCHEMA_STRING);
	/* mode is declared outside the condition: always shown */
	ck_assert(schema_field_shown(root, ssh, "mode") && schema_field_shown(root, local, "mode"));
	ck_assert(schema_field_shown(root, ssh, "host"));
	ck_assert(!schema_field_shown(root, ssh, "dir"));
	ck_assert(!schema_field_shown(root, local, "host"));
	ck_assert(schema_field_shown(root, local, "dir"));
	/* nothing typed yet: the if requires mode, so else applies */
	ck_assert(!schema_field_shown(root, NULL, "host"));
	ck_assert(schema_field_shown(root, NULL, "dir"));
	ck_assert(schema_field_required_now(root, ssh, "host"));
	ck_assert(!schema_field_required_now(root, local, "host"));
	ck_assert_str_eq(root->not_text, "must not match the schema under \"not\"");
	free(keys);
	schema_field_free(root);
	cJSON_Delete(s);
	cJSON_Delete(ssh);
	cJSON_Delete(local);
}
END_TEST

/* A condition that cannot be decided on its own shows both outcomes. */
START_TEST(if_with_ref_shows_both)
{
	cJSON *s = tu_json("{\"$defs\":{\"on\":{\"const\":true}},\"properties\":{\"on\":{}},"
			   "\"if\":{\"properties\":{\"on\":{\"$ref\":\"#/$defs/on\"}}},"
			   "\"then\":{\"properties\":{\"a\":{}}},\"else\":{\"properties\":{\"b\":{}}}}");
	cJSON *v = tu_json("{\"on\":true}");
	SchemaField *root = load(s);

	ck_assert(schema_field_shown(root, v, "a") && schema_field_shown(root, v, "b"));
	schema_field_free(root);
	cJSON_Delete(s);
	cJSON_Delete(v);
}
END_TEST

START_TEST(dependent_required_follows_the_trigger)
{
	const char *schemas[] = {
		"{\"properties\":{\"user\":{},\"password\":{}},\"dependentRequired\":{\"user\":[\"password\"]}}",
		"{\"properties\":{\"user\":{},\"password\":{}},\"dependencies\":{\"user\":[\"password\"]}}",
	};

	for (size_t i = 0; i < 2; i++) {
		cJSON *s = tu_json(schemas[i]);
		cJSON *empty = tu_json("{}"), *user = tu_json("{\"user\":\"a\"}");
		SchemaField *root = load(s);

		ck_assert(!find(root, "/password")->required);
		ck_assert(!schema_field_required_now(root, empty, "password"));
		ck_assert(schema_field_required_now(root, user, "password"));
		ck_assert(!schema_field_required_now(root, user, "user"));
		schema_field_free(root);
		cJSON_Delete(s);
		cJSON_Delete(empty);
		cJSON_Delete(user);
	}
}
END_TEST

START_TEST(prefix_items_is_a_tuple)
{
	const char *schemas[] = {
		"{\"properties\":{\"pair\":{\"prefixItems\":[{\"type\":\"string\",\"title\":\"Host\"},"
		"{\"type\":\"integer\"}],\"items\":false}}}",
		"{\"properties\":{\"pair\":{\"items\":[{\"type\":\"string\",\"title\":\"Host\"},"
		"{\"type\":\"integer\"}],\"additionalItems\":false}}}",
	};

	for (size_t i = 0; i < 2; i++) {
		cJSON *s = tu_json(schemas[i]);
		SchemaField *root = load(s);
		const SchemaField *pair = find(root, "/pair");

		ck_assert_int_eq(pair->type, SCHEMA_ARRAY);
		ck_assert_uint_eq(pair->tuple_count, 2);
		ck_assert_ptr_null(pair->items);
		ck_assert_str_eq(pair->tuple[0]->title, "Host");
		ck_assert_str_eq(pair->tuple[0]->pointer, "/pair/0");
		ck_assert_str_eq(pair->tuple[1]->title, "Item 2");
		ck_assert_int_eq(pair->tuple[1]->type, SCHEMA_INTEGER);
		ck_assert_ptr_eq(find(root, "/pair/1"), pair->tuple[1]);
		ck_assert_ptr_null(schema_field_find(root, "/pair/2"));
		schema_field_free(root);
		cJSON_Delete(s);
	}
}
END_TEST

START_TEST(pattern_properties_map_checks_keys)
{
	cJSON *s = tu_json("{\"properties\":{\"env\":{\"type\":\"object\",\"patternProperties\":"
			   "{\"^[A-Z_]+$\":{\"type\":\"string\"}},\"additionalProperties\":false,"
			   "\"propertyNames\":{\"maxLength\":8}},"
			   "\"open\":{\"patternProperties\":{\"^x-\":{\"type\":\"integer\"}}}}}");
	SchemaField *root = load(s);
	const SchemaField *env = find(root, "/env"), *open = find(root, "/open");
	char why[200];

	ck_assert_ptr_nonnull(env->additional);
	ck_assert_str_eq(env->additional->pointer, "/env/*");
	ck_assert_int_eq(env->additional->type, SCHEMA_STRING);
	ck_assert_ptr_eq(find(root, "/env/PATH"), env->additional);
	ck_assert(schema_map_key_check(env, "PATH", why, sizeof why));
	ck_assert_str_eq(why, "");
	ck_assert(!schema_map_key_check(env, "path", why, sizeof why));
	ck_assert_str_eq(why, "the name \"path\" must match ^[A-Z_]+$");
	ck_assert(!schema_map_key_check(env, "LONG_NAME_X", why, sizeof why));
	ck_assert_str_eq(why, "the name \"LONG_NAME_X\" is not allowed: must be at most 8 characters");
	/* not closed: any name goes, the pattern's names get its template */
	ck_assert_int_eq(open->type, SCHEMA_OBJECT);
	ck_assert(schema_map_key_check(open, "whatever", why, sizeof why));
	ck_assert_int_eq(open->additional->type, SCHEMA_INTEGER);
	schema_field_free(root);
	cJSON_Delete(s);
}
END_TEST

START_TEST(unique_items_marks_the_duplicate)
{
	cJSON *s = tu_json("{\"properties\":{\"tags\":{\"type\":\"array\",\"uniqueItems\":true},"
			   "\"any\":{\"type\":\"array\"}}}");
	cJSON *v = tu_json("[\"a\",{\"k\":1},\"a\",{\"k\":1.0},\"b\"]");
	SchemaField *root = load(s);
	const SchemaField *tags = find(root, "/tags");

	ck_assert_int_eq(schema_array_duplicate(tags, v, 0), -1);
	ck_assert_int_eq(schema_array_duplicate(tags, v, 1), -1);
	ck_assert_int_eq(schema_array_duplicate(tags, v, 2), 0);
	ck_assert_int_eq(schema_array_duplicate(tags, v, 3), 1);
	ck_assert_int_eq(schema_array_duplicate(tags, v, 4), -1);
	ck_assert_int_eq(schema_array_duplicate(tags, v, 9), -1);
	ck_assert_int_eq(schema_array_duplicate(find(root, "/any"), v, 2), -1);
	schema_field_free(root);
	cJSON_Delete(s);
	cJSON_Delete(v);
}
END_TEST

START_TEST(not_in_plain_words)
{
	static const struct { const char *schema, *text; } cases[] = {
		{ "{\"not\":{\"const\":\"root\"}}", "must not be \"root\"" },
		{ "{\"not\":{\"enum\":[1,2]}}", "must not be any of 1, 2" },
		{ "{\"not\":{\"type\":\"string\"}}", "must not be a string" },
		{ "{\"not\":{\"type\":\"integer\"}}", "must not be an integer" },
		{ "{\"not\":{\"pattern\":\"^tmp\"}}", "must not match the pattern ^tmp" },
		{ "{\"not\":{\"required\":[\"a\",\"b\",\"c\"]}}", "must not set \"a\", \"b\" and \"c\"" },
		{ "{\"not\":{}}", "no value is allowed here" },
		{ "{\"not\":{\"minimum\":3,\"maximum\":5}}", "must not match the schema under \"not\"" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *s = tu_json(cases[i].schema);
		SchemaField *root = load(s);

		ck_assert_ptr_nonnull(root->not_text);
		ck_assert_str_eq(root->not_text, cases[i].text);
		schema_field_free(root);
		cJSON_Delete(s);
	}
}
END_TEST

/* The form goes through the one walker with the one overflow rule: the
 * message is the defaults' and secrets' (it had its own wording). */
START_TEST(merge_overflow_is_the_common_error)
{
	Buf b = BUF_INIT;
	cJSON *s;
	SchemaField *root = NULL;
	Error err;

	buf_puts(&b, "{\"allOf\":[");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "%s{\"properties\":{\"k%d\":{}}}", i ? "," : "", i);
	buf_puts(&b, "]}");
	s = tu_json(b.data);
	error_clear(&err);
	ck_assert_int_ne(schema_form_load(s, &root, &err), ST_OK);
	ck_assert_ptr_null(root);
	ck_assert_msg(strstr(err.msg, "more than 256 schemas apply to one value"), "%s", err.msg);
	cJSON_Delete(s);
	buf_clear(&b);
}
END_TEST

TEST_SUITE(schema_form)
{
	Suite *s = suite_create("schema_form");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, e2b_fixture);
	tcase_add_test(tc, every_fixture_loads);
	tcase_add_test(tc, refs_nullable_and_items_of_objects);
	tcase_add_test(tc, titles);
	tcase_add_test(tc, type_inference_and_bounds);
	tcase_add_test(tc, all_of_merges);
	tcase_add_test(tc, one_of_shows_every_branch);
	tcase_add_test(tc, recursive_ref_stops);
	tcase_add_test(tc, misc_fields);
	tcase_add_test(tc, load_errors);
	tcase_add_test(tc, if_then_else_shows_the_outcome);
	tcase_add_test(tc, if_with_ref_shows_both);
	tcase_add_test(tc, dependent_required_follows_the_trigger);
	tcase_add_test(tc, prefix_items_is_a_tuple);
	tcase_add_test(tc, pattern_properties_map_checks_keys);
	tcase_add_test(tc, unique_items_marks_the_duplicate);
	tcase_add_test(tc, not_in_plain_words);
	tcase_add_test(tc, merge_overflow_is_the_common_error);
	suite_add_tcase(s, tc);
	return s;
}
