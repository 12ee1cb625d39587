#include "plugin/discover.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/private.h"
#include "util/lib.h"

char *plugin_user_dir(void)
{
	char *data = fs_xdg_data_dir();
	char *dir;

	if (!data)
		return NULL;
	dir = fs_join(data, "plugins");
	free(data);
	return dir;
}

/* The bundled plugins directory, or NULL. Caller frees. */
static char *plugin_bundled_dir(void)
{
	char *exe = fs_exe_dir();
	char *dir = exe ? fs_join(exe, "plugins") : NULL;

	free(exe);
	/* A binary in the build tree (build/envctl) finds build/plugins. */
	if (dir && fs_is_dir(dir))
		return dir;
	free(dir);
	return fs_find_resource_dir("plugins");
}

void plugin_dirs_free(char **dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

static bool plugin_dirs_push(char ***dirs, size_t *n, size_t *cap, char *dir)
{
	if (!dir)
		return false;
	if (!fs_is_dir(dir)) {
		free(dir);
		return true;
	}
	/* Room for dir and the NULL after it. */
	if (!array_reserve(dirs, cap, *n + 1, sizeof **dirs)) {
		free(dir);
		return false;
	}
	(*dirs)[(*n)++] = dir;
	(*dirs)[*n] = NULL;
	return true;
}

char **plugin_search_dirs(void)
{
	const char *path = getenv("ENVCTL_PLUGIN_PATH");
	char **dirs = calloc(1, sizeof *dirs);
	size_t n = 0, cap = 1;
	bool ok = dirs != NULL;

	if (ok && path && path[0]) {
		char *copy = strdup(path), *save = NULL;

		ok = copy != NULL;
		for (char *tok = ok ? strtok_r(copy, ":", &save) : NULL; ok && tok;
		     tok = strtok_r(NULL, ":", &save))
			ok = plugin_dirs_push(&dirs, &n, &cap, strdup(tok));
		free(copy);
	}
	if (ok)
		ok = plugin_dirs_push(&dirs, &n, &cap, plugin_user_dir());
	if (ok) {
		char *bundled = plugin_bundled_dir();

		ok = !bundled || plugin_dirs_push(&dirs, &n, &cap, bundled);
	}
	if (!ok) {
		plugin_dirs_free(dirs);
		return NULL;
	}
	return dirs;
}

static int plugin_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool plugin_catalog_has_dir(const PluginCatalog *c, const char *real)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->items[i]->dir, real) == 0)
			return true;
	return false;
}

/* A plugin's worker runs as the operator: a folder (or manifest) that
 * someone else owns or may write to lets them run code as the operator.
 * Refused as ssh refuses such a ~/.ssh, naming the path and the fix. */
static void plugin_check_owner(PluginManifest *m, const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return;
	if (st.st_uid != geteuid() && st.st_uid != 0)
		plugin_manifest_error(m,
				      "%s is owned by uid %d, not by you or root: its worker would "
				      "run as you; chown it to yourself (or root), or remove it",
				      path, (int)st.st_uid);
	else if (!S_ISLNK(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)))
		plugin_manifest_error(m,
				      "%s is writable by %s (mode %04o): anyone there could change "
				      "what runs as you; chmod go-w '%s'",
				      path, st.st_mode & S_IWOTH ? "others" : "its group",
				      (unsigned)(st.st_mode & 07777), path);
}

static Status plugin_catalog_add(PluginCatalog *c, const char *folder, Error *err)
{
	char real[PATH_MAX];
	PluginManifest *m;

	if (!realpath(folder, real))
		return ST_OK; /* vanished or a dangling link: nothing to list */
	if (plugin_catalog_has_dir(c, real))
		return ST_OK;
	m = plugin_manifest_load(real);
	if (!m)
		return error_set(err, ST_E_NOMEM, "out of memory");
	{
		char *manifest = fs_join(real, PLUGIN_MANIFEST_FILE);

		plugin_check_owner(m, real);
		if (manifest)
			plugin_check_owner(m, manifest);
		free(manifest);
	}
	for (size_t i = 0; m->id && i < c->count; i++) {
		PluginManifest *o = c->items[i];

		if (!o->id || strcmp(o->id, m->id) != 0)
			continue;
		plugin_manifest_error(m,
				      "plugin id \"%s\" is already provided by %s; remove one of the "
				      "two folders",
				      m->id, o->dir);
		break;
	}
	if (!array_reserve(&c->items, &c->cap, c->count, sizeof *c->items)) {
		plugin_manifest_free(m);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	c->items[c->count++] = m;
	return ST_OK;
}

static Status plugin_catalog_scan(PluginCatalog *c, const char *dir, Error *err)
{
	char *own = fs_join(dir, PLUGIN_MANIFEST_FILE);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	Status st = ST_OK;

	if (!own)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (fs_is_file(own)) {
		free(own);
		return plugin_catalog_add(c, dir, err);
	}
	free(own);
	d = opendir(dir);
	if (!d)
		return ST_OK;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!array_reserve(&names, &cap, n, sizeof *names) ||
		    !(names[n] = strdup(de->d_name))) {
			st = error_set(err, ST_E_NOMEM, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, plugin_name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *folder = st == ST_OK ? fs_join(dir, names[i]) : NULL;
		char *manifest = folder ? fs_join(folder, PLUGIN_MANIFEST_FILE) : NULL;

		/* A folder without a manifest is not a plugin (node_modules, ...). */
		if (st == ST_OK && (!folder || !manifest))
			st = error_set(err, ST_E_NOMEM, "out of memory");
		else if (st == ST_OK && fs_is_dir(folder) && fs_is_file(manifest))
			st = plugin_catalog_add(c, folder, err);
		free(folder);
		free(manifest);
		free(names[i]);
	}
	free(names);
	return st;
}

Status plugin_catalog_load(PluginCatalog *c, char *const *dirs, Error *err)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; dirs && dirs[i]; i++)
		if (plugin_catalog_scan(c, dirs[i], err) != ST_OK) {
			plugin_catalog_clear(c);
			return err->status;
		}
	return ST_OK;
}

void plugin_catalog_clear(PluginCatalog *c)
{
	for (size_t i = 0; i < c->count; i++)
		plugin_manifest_free(c->items[i]);
	free(c->items);
	memset(c, 0, sizeof *c);
}

PluginManifest *plugin_catalog_find(const PluginCatalog *c, const char *id_or_driver)
{
	if (!id_or_driver)
		return NULL;
	for (size_t i = 0; i < c->count; i++)
		if (c->items[i]->id && strcmp(c->items[i]->id, id_or_driver) == 0)
			return c->items[i];
	for (size_t i = 0; i < c->count; i++)
		if (plugin_manifest_driver(c->items[i], id_or_driver))
			return c->items[i];
	return NULL;
}
