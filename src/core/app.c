#include "core/app.h"

#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/private.h"
#include "util/lib.h"

/* The actor string's size: allocated once at this size and rewritten in
 * place (app_actor_operator), so app_actor()'s pointer stays valid. */
#define APP_ACTOR_MAX 256

static char *app_default_db_path(void)
{
	const char *env = getenv("ENVCTL_DB");
	char *dir, *path;

	if (env && env[0])
		return strdup(env);
	dir = fs_xdg_data_dir();
	if (!dir)
		return NULL;
	path = fs_join(dir, "envctl.db");
	free(dir);
	return path;
}

static Status app_load_plugins(App *app, Error *err)
{
	PluginHostOptions opts = { .host_version = ENVCTL_VERSION };
	char **dirs = plugin_search_dirs();

	if (!dirs)
		return error_set(err, ST_E_NOMEM, "out of memory");
	app->plugin_host = plugin_host_new(&opts);
	if (!app->plugin_host) {
		plugin_dirs_free(dirs);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (plugin_catalog_load(&app->plugins, dirs, err) != ST_OK) {
		plugin_dirs_free(dirs);
		return err->status;
	}
	plugin_dirs_free(dirs);
	return provider_plugins_register(&app->registry, &app->plugins, app->plugin_host, err);
}

/* A plugin runs as the same user and could read the variable from
 * /proc/PPID/environ, which shows the process's original environment
 * block: the bytes are wiped there, not just unset. */
static Status app_take_master_key(App *app, Error *err)
{
	char *value = getenv("ENVCTL_MASTER_KEY");
	size_t len;

	if (!value)
		return ST_OK;
	len = strlen(value);
	app->master_key_text = sodium_malloc(len + 1);
	if (!app->master_key_text)
		return error_set(err, ST_E_NOMEM, "out of memory for the master key");
	memcpy(app->master_key_text, value, len + 1);
	sodium_memzero(value, len);
	unsetenv("ENVCTL_MASTER_KEY");
	return ST_OK;
}

Status app_init(App *app, const char *db_path, Error *err)
{
	memset(app, 0, sizeof *app);
	if (app_take_master_key(app, err) != ST_OK)
		return err->status;
	app->db_path = db_path ? strdup(db_path) : app_default_db_path();
	if (!app->db_path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	app->forms_dir = fs_find_resource_dir("forms");
	if (registry_init(&app->registry, app->forms_dir, err) != ST_OK ||
	    app_load_plugins(app, err) != ST_OK) {
		app_clear(app);
		return err->status;
	}
	return ST_OK;
}

void app_clear(App *app)
{
	store_close(app->store);
	free(app->actor);
	/* Providers point at workers, workers at manifests: free in that order. */
	registry_clear(&app->registry);
	plugin_host_free(app->plugin_host);
	plugin_catalog_clear(&app->plugins);
	free(app->forms_dir);
	free(app->db_path);
	sodium_free(app->master_key_text);
	memset(app, 0, sizeof *app);
}

/* Activity rows name the operator whose key opened the database
 * ("cli:alice"), not the login, once one did: two operators may share a
 * login on a build machine. */
static void app_actor_operator(App *app)
{
	const char *op = store_operator_name(app->store);
	const char *colon = app->actor ? strchr(app->actor, ':') : NULL;
	char actor[APP_ACTOR_MAX];
	char *copy;

	if (!op)
		return;
	snprintf(actor, sizeof actor, "%.*s:%s", colon ? (int)(colon - app->actor) : 6,
		 colon ? app->actor : "envctl", op);
	/* A console's worker copies the App (tui/job.c) and opens its own
	 * store: by then the actor already names the operator, and the string
	 * is the console's, not the copy's to touch. */
	if (app->actor && strcmp(app->actor, actor) == 0)
		return;
	/* Rewritten in place, never freed: a caller may hold app_actor()'s
	 * pointer from before the store opened (lease acquire takes it into
	 * its request first), and then names the operator too. */
	if (app->actor) {
		snprintf(app->actor, APP_ACTOR_MAX, "%s", actor);
		return;
	}
	copy = malloc(APP_ACTOR_MAX);
	if (!copy)
		return; /* activity says "envctl" */
	snprintf(copy, APP_ACTOR_MAX, "%s", actor);
	app->actor = copy;
}

Status app_store(App *app, Store **out, Error *err)
{
	StoreOptions opts = { .key_text = app->master_key_text, .readonly = app->readonly };

	if (!app->store) {
		if (store_open_ex(app->db_path, &opts, &app->store, err) != ST_OK) {
			*out = NULL;
			return err->status;
		}
		app_actor_operator(app);
	}
	*out = app->store;
	return ST_OK;
}

static const char *app_login(void)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = getenv("USER");

	if (pw && pw->pw_name && pw->pw_name[0])
		return pw->pw_name;
	return user && user[0] ? user : "unknown";
}

Status app_set_actor(App *app, const char *frontend, Error *err)
{
	char actor[APP_ACTOR_MAX];
	char *copy;

	snprintf(actor, sizeof actor, "%s:%s", frontend, app_login());
	/* APP_ACTOR_MAX bytes whatever the text: app_actor_operator rewrites
	 * it in place */
	copy = malloc(APP_ACTOR_MAX);
	if (!copy)
		return error_set(err, ST_E_NOMEM, "out of memory");
	snprintf(copy, APP_ACTOR_MAX, "%s", actor);
	free(app->actor);
	app->actor = copy;
	if (app->store)
		app_actor_operator(app);
	return ST_OK;
}

const char *app_actor(App *app)
{
	if (!app->actor && app_set_actor(app, "envctl", NULL) != ST_OK)
		return "envctl";
	return app->actor;
}

Status app_check_writable(const App *app, const char *what, Error *err)
{
	if (app->readonly)
		return error_set(err, ST_E_UNSUPPORTED,
				 "cannot %s: envctl runs read-only (--readonly); run without it "
				 "to make changes",
				 what);
	/* Said before anything is typed or asked of a provider (#14), not as
	 * SQLite's "attempt to write a readonly database" at the end. */
	if (app->store && store_readonly(app->store))
		return error_set(err, ST_E_UNSUPPORTED,
				 "cannot %s: database %s is read-only for this user; fix its "
				 "permissions (file and directory), or browse with --readonly",
				 what, store_path(app->store));
	return ST_OK;
}

bool app_db_is_server(const App *app)
{
	return store_path_is_server(app->db_path);
}
