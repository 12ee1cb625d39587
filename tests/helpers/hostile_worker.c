/* A hostile plugin worker for the leak tests (issue #12): it echoes the
 * secret it is given (config.token) wherever a provider's text goes, chosen
 * by config.mode:
 *   long-error      every call fails with 840 x "x" + the secret
 *   echo-validate   validation errors and warnings quote the secret
 *   copy            normalizedConfig copies the secret into /label
 *   json-key        probe and lease metadata use the secret as an object key
 *   id-secret       the providerLeaseId carries the secret
 *   escapes         probe summary and errors carry terminal escapes
 *   read-parent     the probe summary says whether the parent's
 *                   /proc/PPID/environ still shows ENVCTL_MASTER_KEY
 * Otherwise it answers like a well-behaved provider. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/serve.h"
#include "util/json.h"

#define HW_ESCAPES "\x1b]0;PWN\x07\x1b[2J"

static const char *hw_mode(const cJSON *params)
{
	const char *m = json_get_string(cJSON_GetObjectItemCaseSensitive(params, "config"), "mode");

	return m ? m : "";
}

static const char *hw_token(const cJSON *params)
{
	const char *t = json_get_string(cJSON_GetObjectItemCaseSensitive(params, "config"), "token");

	return t ? t : "";
}

/* True (and err set) when the mode makes every call fail. */
static bool hw_fail(const cJSON *params, Status *st, Error *err)
{
	char pad[841];

	if (strcmp(hw_mode(params), "long-error") == 0) {
		memset(pad, 'x', 840);
		pad[840] = '\0';
		*st = error_set(err, ST_E_PROVIDER, "%s%s", pad, hw_token(params));
		return true;
	}
	if (strcmp(hw_mode(params), "escapes") == 0) {
		plugin_serve_log("log line" HW_ESCAPES "from the worker");
		*st = error_set(err, ST_E_PROVIDER, "bad" HW_ESCAPES "thing");
		return true;
	}
	return false;
}

static Status hw_validate(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const char *mode = hw_mode(params);
	cJSON *r = cJSON_CreateObject();
	char text[512];

	(void)ctx;
	cJSON_AddBoolToObject(r, "ok", strcmp(mode, "echo-validate") != 0);
	if (strcmp(mode, "echo-validate") == 0) {
		snprintf(text, sizeof text, "token %s is refused", hw_token(params));
		cJSON_AddItemToObject(r, "errors", cJSON_CreateStringArray((const char *[]){ text }, 1));
		snprintf(text, sizeof text, "saw %s", hw_token(params));
		cJSON_AddItemToObject(r, "warnings",
				      cJSON_CreateStringArray((const char *[]){ text }, 1));
	} else if (strcmp(mode, "copy") == 0) {
		cJSON *norm = cJSON_Duplicate(config, 1);

		json_set_string(norm, "label", hw_token(params));
		cJSON_AddItemToObject(r, "normalizedConfig", norm);
	}
	*result = r;
	return ST_OK;
}

static cJSON *hw_metadata(const cJSON *params)
{
	cJSON *m = cJSON_CreateObject();

	if (strcmp(hw_mode(params), "json-key") == 0) {
		cJSON_AddStringToObject(m, hw_token(params), "as a key");
		cJSON_AddObjectToObject(m, "nested");
		cJSON_AddNumberToObject(cJSON_GetObjectItem(m, "nested"), hw_token(params), 1);
	}
	return m;
}

/* What a worker running as the console's user can see of its parent. */
static const char *hw_parent_environ(void)
{
	char path[64], buf[65536];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/environ", (int)getppid());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "parent environ: unreadable";
	while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)n;
	close(fd);
	for (size_t i = 0; i + 18 <= len; i++)
		if (memcmp(buf + i, "ENVCTL_MASTER_KEY=", 18) == 0 && i + 18 < len && buf[i + 18])
			return "parent environ: holds ENVCTL_MASTER_KEY";
	return "parent environ: clean";
}

static Status hw_probe(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const char *mode = hw_mode(params);
	Status st;
	cJSON *r;

	(void)ctx;
	if (strcmp(mode, "escapes") != 0 && hw_fail(params, &st, err))
		return st;
	if (strcmp(mode, "escapes") == 0)
		plugin_serve_log("probe log" HW_ESCAPES "from the worker");
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddStringToObject(r, "summary", strcmp(mode, "escapes") == 0 ? "ready" HW_ESCAPES "now"
					      : strcmp(mode, "read-parent") == 0
						      ? hw_parent_environ()
						      : "hostile worker is ready");
	cJSON_AddItemToObject(r, "metadata", hw_metadata(params));
	*result = r;
	return ST_OK;
}

static Status hw_acquire(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	Status st;
	cJSON *r;

	(void)ctx;
	if (strcmp(hw_mode(params), "long-error") != 0 && hw_fail(params, &st, err))
		return st;
	r = cJSON_CreateObject();
	if (strcmp(hw_mode(params), "id-secret") == 0) {
		char id[300];

		snprintf(id, sizeof id, "hostile://%s", hw_token(params));
		cJSON_AddStringToObject(r, "providerLeaseId", id);
	} else {
		cJSON_AddStringToObject(r, "providerLeaseId", "hostile://lease");
	}
	cJSON_AddItemToObject(r, "metadata", hw_metadata(params));
	*result = r;
	return ST_OK;
}

static Status hw_end(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	Status st;

	(void)ctx;
	*result = NULL;
	return hw_fail(params, &st, err) ? st : ST_OK;
}

int main(void)
{
	static const PluginHandler handlers[] = {
		{ "environmentValidateConfig", hw_validate },
		{ "environmentProbe", hw_probe },
		{ "environmentAcquireLease", hw_acquire },
		{ "environmentReleaseLease", hw_end },
		{ "environmentDestroyLease", hw_end },
	};
	PluginServeSpec spec = {
		.name = "hostile",
		.handlers = handlers,
		.count = sizeof handlers / sizeof handlers[0],
	};

	return plugin_serve(&spec);
}
