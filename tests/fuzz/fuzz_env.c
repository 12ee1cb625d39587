/* libFuzzer target for environment config ingestion against a real store
 * (a fresh SQLite file per input, the master key in a temp config dir).
 * The input is lines; the first byte picks the provider (the test provider
 * with top-level, nested and array-item secrets, or the built-in fake),
 * then each line is an operation, as the CLI would run them:
 *   S<assignment>  --set (parsed now, applied by the next C or E)
 *   C<json>        create from a config file's text (env create --config-file)
 *   E<json>        edit the last environment (merge), with the pending --sets
 *   R              resolve its runtime config (secrets decrypted), wipe it
 *   V              its display config (secrets as references)
 *   A              archive / restore it
 *   D / F          delete it (F: --force)
 * Invariants: a stored config holds only secret ids at secret paths (never
 * the text that was typed); a resolved config has none of those ids left; after
 * every input `db check` finds nothing. */
#include <stdlib.h>
#include <sys/stat.h>

#include "../helpers/testprov.h"
#include "core/environment.h"
#include "fuzz_util.h"
#include "schema/schema.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/jsonptr.h"

#define FZ_MAX_SETS 8

static char *fz_forms;
static char fz_db[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char cfg[600];

	fz_forms = fs_find_resource_dir("forms");
	FUZZ_ASSERT(fz_forms);
	snprintf(cfg, sizeof cfg, "%s/config", fuzz_tmpdir());
	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("ENVCTL_MASTER_KEY");
	snprintf(fz_db, sizeof fz_db, "%s/envctl.db", fuzz_tmpdir());
	return 0;
}

static bool is_secret_id(const char *s)
{
	size_t n = strlen(s);

	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
							    : !strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* Secret paths of a stored config hold ids, nothing else. */
static void check_stored(App *app, const char *provider, const cJSON *config)
{
	char **paths = NULL;
	Error err;

	if (env_secret_paths(app, provider, config, &paths, &err) != ST_OK)
		return;
	for (size_t i = 0; paths[i]; i++) {
		const cJSON *v = jsonptr_get(config, paths[i]);

		FUZZ_ASSERT(cJSON_IsString(v) && is_secret_id(v->valuestring));
	}
	schema_paths_free(paths);
}

/* Each secret id of the stored config is replaced in the resolved one (a
 * plaintext may look like an id: it is compared with the id it replaced). */
static void check_resolved(App *app, const char *provider, const cJSON *stored,
			   const cJSON *resolved)
{
	char **paths = NULL;
	Error err;

	if (env_secret_paths(app, provider, stored, &paths, &err) != ST_OK)
		return;
	for (size_t i = 0; paths[i]; i++) {
		const cJSON *id = jsonptr_get(stored, paths[i]);
		const cJSON *v = jsonptr_get(resolved, paths[i]);

		FUZZ_ASSERT(v && !json_equal(v, id));
	}
	schema_paths_free(paths);
}

static void remove_db(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[700];

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(path, sizeof path, "%s%s", fz_db, suffixes[i]);
		unlink(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	App app;
	Error err;
	EnvSet sets[FZ_MAX_SETS];
	size_t nsets = 0, start = 1;
	char last[64] = "", name[32];
	const char *provider;
	int created = 0;
	Store *s;
	StoreCheckReport rep;

	if (size == 0 || size > 64 * 1024)
		return 0;
	provider = data[0] & 1 ? "fake" : TESTPROV_KEY;
	remove_db();
	memset(&app, 0, sizeof app);
	FUZZ_ASSERT(registry_init(&app.registry, fz_forms, &err) == ST_OK);
	FUZZ_ASSERT(testprov_register(&app.registry, &err) == ST_OK);
	app.db_path = strdup(fz_db);
	FUZZ_ASSERT(app.db_path && app_set_actor(&app, "fuzz", &err) == ST_OK);

	for (size_t i = 1; i <= size; i++) {
		char *line;
		size_t len;

		if (i < size && data[i] != '\n')
			continue;
		len = i - start;
		line = strndup((const char *)data + start, len);
		FUZZ_ASSERT(line);
		start = i + 1;
		if (!line[0]) {
			free(line);
			continue;
		}
		error_clear(&err);
		switch (line[0]) {
		case 'S':
			if (nsets < FZ_MAX_SETS) {
				char *ptr = NULL;
				cJSON *v = NULL;

				if (env_parse_set(&app, provider, line + 1, &ptr, &v, &err) == ST_OK) {
					FUZZ_ASSERT(ptr && ptr[0] == '/');
					sets[nsets].pointer = ptr;
					sets[nsets].value = v;
					nsets++;
				} else {
					FUZZ_ASSERT(err.msg[0] && !ptr && !v);
				}
			}
			break;
		case 'C':
		case 'E': {
			cJSON *config = line[1] ? json_parse_named(line + 1, "the config file", &err)
						: NULL;
			EnvSaveInput in = { .config = config, .sets = sets, .set_count = nsets };
			StoreEnv e;

			if (line[1] && !config)
				break;
			if (line[0] == 'C' || !last[0]) {
				snprintf(name, sizeof name, "env-%d", created++);
				in.name = name;
				in.provider = provider;
			} else {
				in.target = last;
			}
			memset(&e, 0, sizeof e);
			if (env_save(&app, &in, &e, NULL, &err) == ST_OK) {
				snprintf(last, sizeof last, "%s", e.id);
				check_stored(&app, provider, e.config);
				store_env_clear(&e);
			} else {
				FUZZ_ASSERT(err.msg[0]);
			}
			json_wipe(config);
			for (size_t k = 0; k < nsets; k++) {
				free((char *)sets[k].pointer);
				json_wipe((cJSON *)sets[k].value);
			}
			nsets = 0;
			break;
		}
		case 'R':
		case 'V': {
			StoreEnv e;

			if (!last[0] || env_get(&app, last, &e, &err) != ST_OK)
				break;
			if (line[0] == 'R') {
				EnvResolveCtx ctx = { .consumer = "probe" };
				cJSON *rt = NULL;

				if (env_resolve_runtime_config(&app, &e, &ctx, &rt, &err) == ST_OK)
					check_resolved(&app, provider, e.config, rt);
				env_config_wipe(rt);
			} else {
				cJSON *shown = NULL;

				if (env_display_config(&app, &e, &shown, &err) == ST_OK) {
					char *text = cJSON_PrintUnformatted(shown);

					FUZZ_ASSERT(text);
					free(text);
				}
				cJSON_Delete(shown);
			}
			store_env_clear(&e);
			break;
		}
		case 'A':
			if (last[0]) {
				StoreEnv e;

				if (env_get(&app, last, &e, &err) == ST_OK) {
					bool archived = e.status && !strcmp(e.status, "archived");

					store_env_clear(&e);
					(void)env_archive(&app, last, !archived, &err);
				}
			}
			break;
		case 'D':
		case 'F':
			if (last[0] && env_delete(&app, last, line[0] == 'F', &err) == ST_OK)
				last[0] = 0;
			break;
		default:
			break;
		}
		free(line);
	}
	for (size_t k = 0; k < nsets; k++) {
		free((char *)sets[k].pointer);
		json_wipe((cJSON *)sets[k].value);
	}
	if (app_store(&app, &s, &err) == ST_OK) {
		FUZZ_ASSERT(store_check(s, &rep, &err) == ST_OK);
		for (size_t k = 0; k < rep.count; k++)
			fprintf(stderr, "db check: %s\n", rep.problems[k]);
		FUZZ_ASSERT(rep.count == 0);
		store_check_report_clear(&rep);
	}
	app_clear(&app);
	return 0;
}
