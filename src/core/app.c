#include "core/app.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "util/fs.h"

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

Status app_init(App *app, const char *db_path, Error *err)
{
	memset(app, 0, sizeof *app);
	app->db_path = db_path ? strdup(db_path) : app_default_db_path();
	if (!app->db_path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	app_set_actor(app, "envctl");
	app->forms_dir = fs_find_resource_dir("forms");
	if (registry_init(&app->registry, app->forms_dir, err) != ST_OK) {
		app_free(app);
		return err->status;
	}
	return ST_OK;
}

void app_free(App *app)
{
	registry_free(&app->registry);
	free(app->forms_dir);
	free(app->db_path);
	memset(app, 0, sizeof *app);
}

void app_set_actor(App *app, const char *frontend)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = pw ? pw->pw_name : getenv("USER");

	snprintf(app->actor, sizeof app->actor, "%s:%s", frontend, user ? user : "unknown");
}
