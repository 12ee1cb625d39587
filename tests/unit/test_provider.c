/* The fake provider and the generic rules of DESIGN §4.1 (Acquire and reuse). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry.h"
#include "testutil.h"
#include "util/ids.h"
#include "util/json.h"

static Registry reg;
static Provider *fake;

static void setup(void)
{
	Error err;

	error_clear(&err);
	ck_assert_msg(registry_init(&reg, tu_forms_dir(), &err) == ST_OK, "%s", err.msg);
	fake = registry_find(&reg, "fake");
	ck_assert_ptr_nonnull(fake);
}

static void teardown(void)
{
	registry_clear(&reg);
}

START_TEST(fake_registered_with_schema)
{
	const cJSON *props = cJSON_GetObjectItem(fake->config_schema, "properties");

	ck_assert_int_eq(fake->source, PROVIDER_BUILTIN);
	ck_assert(fake->caps & PROVIDER_CAP_TEST_ONLY);
	ck_assert(!(fake->caps & PROVIDER_CAP_EXECUTE));
	ck_assert_ptr_null(fake->ops->execute);
	ck_assert_str_eq(json_get_string(cJSON_GetObjectItem(props, "image"), "default"),
			 "ubuntu:24.04");
}
END_TEST

START_TEST(fake_probe_summary)
{
	cJSON *cfg = tu_json("{\"provider\":\"fake\",\"image\":\"debian:12\",\"reuseLease\":false}");
	ProbeResult r;
	Error err;

	ck_assert_int_eq(fake->ops->probe(fake, cfg, NULL, &r, &err), ST_OK);
	ck_assert(r.ok);
	ck_assert_str_eq(r.summary, "Fake sandbox provider is ready for image debian:12.");
	ck_assert_str_eq(json_get_string(r.details, "image"), "debian:12");
	probe_result_clear(&r);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(fake_rejects_other_provider_config)
{
	cJSON *cfg = tu_json("{\"provider\":\"e2b\"}");
	ProbeResult r;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(fake->ops->probe(fake, cfg, NULL, &r, &err), ST_E_INVALID);
	ck_assert_str_eq(err.msg,
			 "Sandbox provider \"fake\" received config for provider \"e2b\".");
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(fake_acquire_reuse_id)
{
	cJSON *cfg = tu_json("{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}");
	AcquireInput in = { cfg, "env-1", "run-1", NULL, NULL };
	LeaseHandle h;
	Error err;

	ck_assert_int_eq(fake->ops->acquire_lease(fake, &in, &h, &err), ST_OK);
	ck_assert_str_eq(h.provider_lease_id, "sandbox://fake/env-1");
	ck_assert_str_eq(json_get_string(h.metadata, "provider"), "fake");
	ck_assert_str_eq(json_get_string(h.metadata, "image"), "img");
	ck_assert(json_is_true(h.metadata, "reuseLease"));
	ck_assert_int_eq(cJSON_GetArraySize(h.metadata), 3);
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(fake_acquire_fresh_id)
{
	cJSON *cfg = tu_json("{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":false}");
	AcquireInput in = { cfg, "env-1", "run-7", NULL, NULL };
	LeaseHandle a, b;
	Error err;
	const char *prefix = "sandbox://fake/run-7/";

	ck_assert_int_eq(fake->ops->acquire_lease(fake, &in, &a, &err), ST_OK);
	ck_assert_int_eq(fake->ops->acquire_lease(fake, &in, &b, &err), ST_OK);
	ck_assert(strncmp(a.provider_lease_id, prefix, strlen(prefix)) == 0);
	ck_assert(id_is_uuid(a.provider_lease_id + strlen(prefix)));
	ck_assert_str_ne(a.provider_lease_id, b.provider_lease_id);
	ck_assert(!json_is_true(a.metadata, "reuseLease"));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(a.metadata, "reuseLease")));
	lease_handle_clear(&a);
	lease_handle_clear(&b);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(fake_resume_marks_resumed)
{
	cJSON *cfg = tu_json("{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}");
	LeaseInput in = { .config = cfg, .provider_lease_id = "sandbox://fake/env-1" };
	LeaseHandle h;
	Error err;

	ck_assert_int_eq(fake->ops->resume_lease(fake, &in, &h, &err), ST_OK);
	ck_assert_str_eq(h.provider_lease_id, "sandbox://fake/env-1");
	ck_assert(json_is_true(h.metadata, "resumedLease"));
	ck_assert(json_is_true(h.metadata, "reuseLease"));
	ck_assert_str_eq(json_get_string(h.metadata, "image"), "img");
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(fake_release_destroy_noop)
{
	cJSON *cfg = tu_json("{\"provider\":\"fake\"}");
	LeaseInput in = { .config = cfg, .provider_lease_id = "x", .status = "released" };
	Error err;

	ck_assert_int_eq(fake->ops->release_lease(fake, &in, &err), ST_OK);
	ck_assert_int_eq(fake->ops->destroy_lease(fake, &in, &err), ST_OK);
	cJSON_Delete(cfg);
}
END_TEST

static bool fake_match(const char *cfg_text, const char *id, const char *meta_text)
{
	cJSON *cfg = tu_json(cfg_text), *meta = meta_text ? tu_json(meta_text) : NULL;
	bool r = provider_matches_reusable_lease(fake, cfg, id, meta);

	cJSON_Delete(cfg);
	cJSON_Delete(meta);
	return r;
}

START_TEST(fake_matching)
{
	const char *cfg = "{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}";

	ck_assert(fake_match(cfg, "sandbox://fake/e",
			     "{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}"));
	/* each negative case */
	ck_assert(!fake_match(cfg, "", "{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}"));
	ck_assert(!fake_match(cfg, NULL, "{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}"));
	ck_assert(!fake_match(cfg, "x", "{\"provider\":\"other\",\"image\":\"img\",\"reuseLease\":true}"));
	ck_assert(!fake_match(cfg, "x", "{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":false}"));
	ck_assert(!fake_match(cfg, "x", "{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":\"true\"}"));
	ck_assert(!fake_match(cfg, "x", "{\"provider\":\"fake\",\"image\":\"other\",\"reuseLease\":true}"));
	ck_assert(!fake_match(cfg, "x", "{\"provider\":\"fake\",\"reuseLease\":true}"));
	ck_assert(!fake_match(cfg, "x", NULL));
}
END_TEST

START_TEST(fake_config_from_metadata)
{
	cJSON *meta = tu_json("{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true,"
			      "\"resumedLease\":true}");
	cJSON *want = tu_json("{\"provider\":\"fake\",\"image\":\"img\",\"reuseLease\":true}");
	cJSON *got = provider_config_from_lease_metadata(fake, meta);
	cJSON *bad = tu_json("{\"provider\":\"fake\",\"image\":3}");
	cJSON *other = tu_json("{\"provider\":\"e2b\",\"image\":\"img\"}");
	cJSON *noreuse = tu_json("{\"provider\":\"fake\",\"image\":\"i\",\"reuseLease\":\"yes\"}");
	cJSON *got2;

	ck_assert(json_equal(got, want));
	ck_assert_ptr_null(provider_config_from_lease_metadata(fake, bad));
	ck_assert_ptr_null(provider_config_from_lease_metadata(fake, other));
	got2 = provider_config_from_lease_metadata(fake, noreuse);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(got2, "reuseLease")));
	cJSON_Delete(got2);
	cJSON_Delete(got);
	cJSON_Delete(want);
	cJSON_Delete(meta);
	cJSON_Delete(bad);
	cJSON_Delete(other);
	cJSON_Delete(noreuse);
}
END_TEST

static bool generic(const char *cfg_text, const char *id, const char *meta_text)
{
	cJSON *cfg = tu_json(cfg_text), *meta = tu_json(meta_text);
	bool r = provider_generic_matches(cfg, id, meta);

	cJSON_Delete(cfg);
	cJSON_Delete(meta);
	return r;
}

START_TEST(generic_matching)
{
	const char *cfg = "{\"provider\":\"e2b\",\"reuseLease\":true,\"template\":\"base\","
			  "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-1\"}";

	ck_assert(generic(cfg, "sbx-1",
			  "{\"provider\":\"e2b\",\"reuseLease\":true,\"template\":\"base\","
			  "\"opts\":{\"b\":2,\"a\":1},\"apiKey\":\"secret-id-1\",\"extra\":5}"));
	ck_assert(!generic(cfg, "", "{\"provider\":\"e2b\",\"reuseLease\":true,\"template\":\"base\","
				    "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-1\"}"));
	ck_assert(!generic(cfg, "s", "{\"provider\":\"x\",\"reuseLease\":true,\"template\":\"base\","
				     "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-1\"}"));
	ck_assert(!generic(cfg, "s", "{\"provider\":\"e2b\",\"reuseLease\":false,\"template\":\"base\","
				     "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-1\"}"));
	ck_assert(!generic(cfg, "s", "{\"provider\":\"e2b\",\"reuseLease\":true,\"template\":\"other\","
				     "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-1\"}"));
	ck_assert(!generic(cfg, "s", "{\"provider\":\"e2b\",\"reuseLease\":true,\"template\":\"base\","
				     "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-2\"}"));
	ck_assert(!generic(cfg, "s", "{\"provider\":\"e2b\",\"reuseLease\":true,"
				     "\"opts\":{\"a\":1,\"b\":2},\"apiKey\":\"secret-id-1\"}"));
}
END_TEST

START_TEST(generic_config_from_metadata_strips_host_keys)
{
	cJSON *meta = tu_json("{\"provider\":\"e2b\",\"template\":\"base\",\"reuseLease\":1,"
			      "\"resumedLease\":true,\"environmentId\":\"e\",\"runId\":\"r\"}");
	cJSON *want = tu_json("{\"provider\":\"e2b\",\"template\":\"base\",\"reuseLease\":false}");
	cJSON *got = provider_generic_config_from_metadata(meta);
	cJSON *none = tu_json("{\"template\":\"base\"}");

	ck_assert(json_equal(got, want));
	ck_assert_ptr_null(provider_generic_config_from_metadata(none));
	cJSON_Delete(got);
	cJSON_Delete(want);
	cJSON_Delete(meta);
	cJSON_Delete(none);
}
END_TEST

/* The core validates through the provider's compiled schema: compiled on
 * the first call, reused after, with the same verdicts as schema_validate;
 * a broken schema is not cached and keeps being reported. */
START_TEST(schema_validate_compiled_once)
{
	Provider *p = provider_fake_new(cJSON_Parse(
		"{\"type\":\"object\",\"properties\":{\"port\":{\"type\":\"integer\","
		"\"maximum\":65535},\"name\":{\"pattern\":\"^[a-z]+$\"}},\"required\":[\"port\"]}"));
	cJSON *bad = cJSON_Parse("{\"port\":70000,\"name\":\"A\"}");
	cJSON *good = cJSON_Parse("{\"port\":22,\"name\":\"a\"}");
	SchemaIssues issues;
	Error err;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(p->schema_compiled);
	ck_assert_int_eq(provider_schema_validate(p, bad, &issues, &err), ST_OK);
	ck_assert_ptr_nonnull(p->schema_compiled);
	ck_assert_uint_eq(issues.count, 2);
	ck_assert_str_eq(issues.items[0].pointer, "/port");
	ck_assert_str_eq(issues.items[0].message, "must be at most 65535");
	schema_issues_clear(&issues);
	SchemaCompiled *first = p->schema_compiled;
	ck_assert_int_eq(provider_schema_validate(p, good, &issues, &err), ST_OK);
	ck_assert_ptr_eq(p->schema_compiled, first);
	ck_assert_uint_eq(issues.count, 0);
	schema_issues_clear(&issues);
	provider_free(p);

	p = provider_fake_new(cJSON_Parse("{\"properties\":{\"a\":{\"$ref\":\"#/$defs/none\"}}}"));
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_ne(provider_schema_validate(p, good, &issues, &err), ST_OK);
		ck_assert_ptr_nonnull(strstr(err.msg, "/$defs/none"));
		ck_assert_ptr_null(p->schema_compiled);
		schema_issues_clear(&issues);
	}
	provider_free(p);
	cJSON_Delete(bad);
	cJSON_Delete(good);
}
END_TEST

START_TEST(registry_unknown_names_known)
{
	Provider *p;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(registry_require(&reg, "nope", &p, &err), ST_E_NOT_FOUND);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.msg, "unknown provider \"nope\" (known providers: fake)");
}
END_TEST

START_TEST(registry_duplicate_is_conflict)
{
	Error err;
	Provider *dup = provider_fake_new(cJSON_CreateObject());

	error_clear(&err);
	ck_assert_int_eq(registry_add(&reg, dup, &err), ST_E_CONFLICT);
	ck_assert_int_eq(reg.count, 1);
	ck_assert_msg(strstr(err.msg, "already registered") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(registry_missing_forms)
{
	Registry r;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(registry_init(&r, "/nonexistent", &err), ST_E_NOT_FOUND);
	ck_assert_msg(strstr(err.msg, "fake provider's schema") != NULL, "%s", err.msg);
	registry_clear(&r);
}
END_TEST

TEST_SUITE(provider)
{
	Suite *s = suite_create("provider");
	TCase *tc = tcase_create("fake");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fake_registered_with_schema);
	tcase_add_test(tc, fake_probe_summary);
	tcase_add_test(tc, fake_rejects_other_provider_config);
	tcase_add_test(tc, fake_acquire_reuse_id);
	tcase_add_test(tc, fake_acquire_fresh_id);
	tcase_add_test(tc, fake_resume_marks_resumed);
	tcase_add_test(tc, fake_release_destroy_noop);
	tcase_add_test(tc, fake_matching);
	tcase_add_test(tc, fake_config_from_metadata);
	tcase_add_test(tc, generic_matching);
	tcase_add_test(tc, generic_config_from_metadata_strips_host_keys);
	tcase_add_test(tc, schema_validate_compiled_once);
	tcase_add_test(tc, registry_unknown_names_known);
	tcase_add_test(tc, registry_duplicate_is_conflict);
	tcase_add_test(tc, registry_missing_forms);
	suite_add_tcase(s, tc);
	return s;
}
