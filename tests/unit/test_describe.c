/* core/describe (#15): the one JSON form of each entity, printed by the
 * CLI's show --json and shown by the console's `y`. A secret's value never
 * appears in it, wherever the secret field sits in the config. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/testprov.h"
#include "core/describe.h"
#include "core/environment.h"
#include "core/secrets.h"
#include "store/private.h"
#include "storeutil.h"
#include "testutil.h"
#include "util/json.h"

static App app;
static char *dir;
static Error err;

static void setup(void)
{
	dir = tu_env_app(&app, testprov_register, &err);
}

static void teardown(void)
{
	app_clear(&app);
	free(dir);
}

START_TEST(test_env_masks_every_secret)
{
	EnvSaveInput in = { .name = "web", .provider = TESTPROV_KEY };
	EnvSaveReport rep;
	StoreEnv e = { 0 };
	cJSON *o, *config;
	char *text;

	in.config = config = tu_json("{\"apiKey\":\"PLAIN-api\",\"bridge\":{\"authToken\":\"PLAIN-bridge\","
			    "\"region\":\"eu\"},\"hosts\":[{\"name\":\"a\",\"password\":\"PLAIN-host\"}]}");
	memset(&rep, 0, sizeof rep);
	ck_assert_int_eq(env_save(&app, &in, &e, &rep, &err), ST_OK);
	json_wipe(config);
	env_save_report_clear(&rep);
	o = describe_env(&app, &e, &err);
	ck_assert_ptr_nonnull(o);
	text = cJSON_PrintUnformatted(o);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(!strstr(text, "PLAIN-"), "a secret value in %s", text);
	ck_assert_ptr_nonnull(strstr(text, "\"secretRef\""));
	ck_assert_str_eq(json_get_string(o, "name"), "web");
	ck_assert_str_eq(json_get_string(o, "id"), e.id);
	ck_assert_str_eq(json_get_string(cJSON_GetObjectItem(o, "config"), "provider"), TESTPROV_KEY);
	free(text);
	cJSON_Delete(o);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_secret_and_provider)
{
	StoreSecret sec;
	Provider *p = registry_find(&app.registry, TESTPROV_KEY);
	cJSON *o;
	char *text, *status;

	ck_assert_int_eq(secrets_create(&app, "deploy", NULL, (const unsigned char *)"PLAIN-deploy",
					12, &sec, &err),
			 ST_OK);
	o = describe_secret(&sec);
	text = cJSON_PrintUnformatted(o);
	ck_assert_msg(!strstr(text, "PLAIN-"), "a secret value in %s", text);
	ck_assert_str_eq(json_get_string(o, "name"), "deploy");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(o, "bindings")));
	free(text);
	cJSON_Delete(o);
	store_secret_clear(&sec);

	ck_assert_ptr_nonnull(p);
	o = describe_provider(p, true);
	ck_assert_str_eq(json_get_string(o, "key"), TESTPROV_KEY);
	ck_assert(cJSON_IsObject(cJSON_GetObjectItem(o, "configSchema")));
	ck_assert(cJSON_IsObject(cJSON_GetObjectItem(o, "capabilities")));
	cJSON_Delete(o);
	o = describe_provider(p, false);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "configSchema"));
	cJSON_Delete(o);
	status = describe_provider_status(p);
	ck_assert_ptr_nonnull(status);
	ck_assert(status[0]);
	free(status);
}
END_TEST

typedef struct ListSeen {
	cJSON *items; /* copies of what describe_env_list handed out */
} ListSeen;

static bool list_keep(const cJSON *env, void *ctx)
{
	ListSeen *seen = ctx;

	cJSON_AddItemToArray(seen->items, cJSON_Duplicate(env, 1));
	return true;
}

static void count_binding_queries(void *ctx, const char *sql)
{
	if (strstr(sql, "FROM secret_bindings"))
		(*(int *)ctx)++;
}

/* `env list --json` (#16): each element is describe_env's object plus
 * lastProbe and activeLeases, in name order, secret fields as references
 * (from one bindings query for the whole list, not one per environment). */
START_TEST(test_env_list_is_describe_per_env)
{
	const char *names[] = { "web", "api", "zed", "Big" };
	ListSeen seen = { cJSON_CreateArray() };
	int binding_queries = 0;
	Store *s;

	for (size_t i = 0; i < 4; i++) {
		EnvSaveInput in = { .name = names[i], .provider = TESTPROV_KEY };
		EnvSaveReport rep;
		StoreEnv e = { 0 };
		cJSON *config = tu_json(i % 2 ? "{\"apiKey\":\"PLAIN-api\",\"bridge\":{\"region\":\"eu\"}}"
					      : "{\"apiKey\":\"PLAIN-a2\",\"bridge\":{\"authToken\":"
						"\"PLAIN-b\",\"region\":\"us\"}}");

		in.config = config;
		memset(&rep, 0, sizeof rep);
		ck_assert_msg(env_save(&app, &in, &e, &rep, &err) == ST_OK, "%s", err.msg);
		json_wipe(config);
		env_save_report_clear(&rep);
		store_env_clear(&e);
	}
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	db_trace(s->db, count_binding_queries, &binding_queries);
	ck_assert_int_eq(describe_env_list(&app, NULL, list_keep, &seen, &err), ST_OK);
	db_trace(s->db, NULL, NULL);
	ck_assert_int_eq(binding_queries, 1);
	ck_assert_int_eq(cJSON_GetArraySize(seen.items), 4);
	{
		const char *order[] = { "Big", "api", "web", "zed" }; /* ORDER BY name, binary */
		int i = 0;
		const cJSON *item;

		cJSON_ArrayForEach(item, seen.items) {
			StoreEnv e = { 0 };
			cJSON *one, *want;
			char *text = cJSON_PrintUnformatted(item);

			ck_assert_str_eq(json_get_string(item, "name"), order[i]);
			ck_assert_msg(!strstr(text, "PLAIN-"), "a secret value in %s", text);
			ck_assert_ptr_nonnull(strstr(text, "\"secretRef\""));
			ck_assert(cJSON_IsNull(cJSON_GetObjectItem(item, "lastProbe")));
			ck_assert_int_eq(cJSON_GetObjectItem(item, "activeLeases")->valueint, 0);
			ck_assert_int_eq(env_get(&app, order[i], &e, &err), ST_OK);
			one = describe_env(&app, &e, &err);
			want = cJSON_Duplicate(item, 1);
			cJSON_DeleteItemFromObject(want, "lastProbe");
			cJSON_DeleteItemFromObject(want, "activeLeases");
			ck_assert_msg(json_equal(one, want), "%s", text);
			cJSON_Delete(one);
			cJSON_Delete(want);
			store_env_clear(&e);
			free(text);
			i++;
		}
	}
	cJSON_Delete(seen.items);
}
END_TEST

TEST_SUITE(describe)
{
	Suite *s = suite_create("describe");
	TCase *tc = tcase_create("describe");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_env_masks_every_secret);
	tcase_add_test(tc, test_secret_and_provider);
	tcase_add_test(tc, test_env_list_is_describe_per_env);
	suite_add_tcase(s, tc);
	return s;
}
