/* libFuzzer target for JSON Pointer get/set/remove/append (util/jsonptr).
 * The input is a document, a NUL, a pointer, a NUL and a value (JSON).
 * Invariants:
 *  - after a successful set, get at the same pointer gives the value (at
 *    "-", the array's new last element);
 *  - after a successful remove the document is still printable and one
 *    child fewer sits under the parent;
 *  - jsonptr_append escapes any token so that get finds exactly that key. */
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "util/json.h"
#include "util/jsonptr.h"

static int count_children(const cJSON *node)
{
	return cJSON_IsArray(node) || cJSON_IsObject(node) ? cJSON_GetArraySize(node) : -1;
}

static char *parent_of(const char *ptr)
{
	const char *slash = strrchr(ptr, '/');

	return slash ? strndup(ptr, (size_t)(slash - ptr)) : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *parts[3] = { NULL, NULL, NULL };
	size_t n = fuzz_split(data, size, parts, 3);
	cJSON *doc, *value, *key_doc;
	const char *ptr = n > 1 ? parts[1] : "/a";
	char *appended, *parent_ptr;
	Error err;

	doc = cJSON_Parse(parts[0]);
	if (!doc)
		doc = cJSON_CreateObject();
	value = n > 2 ? cJSON_Parse(parts[2]) : NULL;
	if (!value)
		value = cJSON_CreateString(n > 2 ? parts[2] : "v");
	FUZZ_ASSERT(doc && value);

	(void)jsonptr_get(doc, ptr);
	if (jsonptr_set(doc, ptr, cJSON_Duplicate(value, 1), &err) == ST_OK) {
		const char *last = strrchr(ptr, '/');
		const cJSON *got;

		if (last && strcmp(last, "/-") == 0) {
			char *pp = parent_of(ptr);
			const cJSON *arr = jsonptr_get(doc, pp);

			/* "-" on an object is an ordinary key "-". */
			got = cJSON_IsArray(arr) ? cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1)
						 : jsonptr_get(doc, ptr);
			free(pp);
		} else {
			got = jsonptr_get(doc, ptr);
		}
		FUZZ_ASSERT(got != NULL);
		FUZZ_ASSERT(json_equal(got, value));
	} else {
		FUZZ_ASSERT(err.msg[0]);
	}

	parent_ptr = parent_of(ptr);
	if (parent_ptr) {
		const cJSON *parent = jsonptr_get(doc, parent_ptr);
		int before = count_children(parent);

		if (jsonptr_remove(doc, ptr) == ST_OK) {
			char *text = cJSON_PrintUnformatted(doc);

			FUZZ_ASSERT(text != NULL);
			free(text);
			FUZZ_ASSERT(count_children(jsonptr_get(doc, parent_ptr)) == before - 1);
		}
		free(parent_ptr);
	}

	/* Any text is a key: escaped, get finds it again. */
	appended = jsonptr_append("", ptr);
	key_doc = cJSON_CreateObject();
	FUZZ_ASSERT(appended && key_doc);
	cJSON_AddItemToObject(key_doc, ptr, cJSON_CreateNumber(7));
	{
		const cJSON *got = jsonptr_get(key_doc, appended);

		FUZZ_ASSERT(cJSON_IsNumber(got) && got->valuedouble == 7);
	}
	free(appended);
	cJSON_Delete(key_doc);
	cJSON_Delete(doc);
	cJSON_Delete(value);
	fuzz_parts_free(parts, n);
	return 0;
}
