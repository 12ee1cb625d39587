#include "plugin/import.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/discover.h"
#include "plugin/manifest.h"
#include "plugin/proc.h"
#include "util/lib.h"

#define IMPORT_MARK "envctl plugin import"
#define IMPORT_TIMEOUT_MS 60000L

/* Loads the manifest module's default export (or `manifest`) as JSON. */
static const char import_eval_js[] =
	"const { pathToFileURL } = await import('node:url');"
	"const mod = await import(pathToFileURL(process.argv[1]).href);"
	"const m = mod.default ?? mod.manifest ?? mod;"
	"process.stdout.write(JSON.stringify(m));";

void plugin_import_result_clear(PluginImportResult *r)
{
	free(r->id);
	free(r->version);
	free(r->manifest_path);
	free(r->link_path);
	free(r->drivers);
	memset(r, 0, sizeof *r);
}

static cJSON *import_eval_manifest(const char *dir, const char *module, Error *err)
{
	const char *path = getenv("PATH"), *home = getenv("HOME"), *tmp = getenv("TMPDIR");
	char *env[4] = { NULL, NULL, NULL, NULL };
	char *full = fs_join(dir, module);
	const char *argv[] = { "node", "--input-type=module", "-e", import_eval_js, full, NULL };
	PluginProcSpec spec;
	PluginProcResult res;
	cJSON *json = NULL;
	int k = 0;

	if (!full)
		goto nomem;
	/* node gets what a worker would: no secrets of the console. */
	if (asprintf(&env[k++], "PATH=%s", path ? path : "/usr/local/bin:/usr/bin:/bin") < 0 ||
	    (home && asprintf(&env[k++], "HOME=%s", home) < 0) ||
	    (tmp && asprintf(&env[k++], "TMPDIR=%s", tmp) < 0))
		goto nomem;
	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	spec.envp = env;
	spec.cwd = dir;
	spec.timeout_ms = IMPORT_TIMEOUT_MS;
	spec.pass_fd = -1;
	if (plugin_proc_run(&spec, &res, err) != ST_OK) {
		if (err->status == ST_E_NOT_FOUND)
			error_set(err, ST_E_NOT_FOUND,
				  "node is not on PATH: importing an SDK plugin evaluates its manifest "
				  "module with node (install nodejs)");
		goto out;
	}
	if (res.timed_out || res.exit_code != 0) {
		size_t len = strlen(res.err);

		error_set(err, ST_E_INVALID, "node could not load the manifest module %s: %s", full,
			  res.timed_out ? "it did not finish within 60 s"
					: (len > 600 ? res.err + len - 600 : res.err));
	} else {
		json = json_parse_named(res.out, "the evaluated manifest", err);
		if (json && !cJSON_IsObject(json)) {
			cJSON_Delete(json);
			json = NULL;
			error_set(err, ST_E_INVALID,
				  "the manifest module %s does not export a manifest object", full);
		}
	}
	plugin_proc_result_clear(&res);
	goto out;
nomem:
	error_set(err, ST_E_NOMEM, "out of memory");
out:
	for (int i = 0; i < 4; i++)
		free(env[i]);
	free(full);
	return json;
}

/* "./dist/worker.js" stays; "dist/worker.js" becomes "./dist/worker.js". */
static char *import_rel(const char *p)
{
	char *out = NULL;

	if (p[0] == '/' || strncmp(p, "./", 2) == 0)
		return strdup(p);
	return asprintf(&out, "./%s", p) < 0 ? NULL : out;
}

static cJSON *import_build(const cJSON *pkg, cJSON *pm, const char *worker,
			   const PluginImportOptions *o, Error *err)
{
	cJSON *m = cJSON_CreateObject(), *argv, *env, *from;
	const cJSON *drivers = cJSON_GetObjectItemCaseSensitive(pm, "environmentDrivers");
	const char *name = json_get_string(pm, "displayName");
	char *rel = import_rel(worker);
	char stamp[TIME_STR_LEN];

	if (!m || !rel)
		goto nomem;
	if (!json_get_string(pm, "id") || !json_get_string(pm, "version"))
		goto invalid;
	time_now_iso(stamp);
	cJSON_AddStringToObject(m, "id", json_get_string(pm, "id"));
	cJSON_AddStringToObject(m, "name", name ? name : json_get_string(pm, "id"));
	cJSON_AddStringToObject(m, "version", json_get_string(pm, "version"));
	cJSON_AddItemToObject(m, "apiVersion",
			      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pm, "apiVersion"), 1));
	if (json_get_string(pm, "description"))
		cJSON_AddStringToObject(m, "description", json_get_string(pm, "description"));
	argv = cJSON_AddArrayToObject(m, "worker");
	cJSON_AddItemToArray(argv, cJSON_CreateString("node"));
	cJSON_AddItemToArray(argv, cJSON_CreateString(rel));
	env = cJSON_AddArrayToObject(m, "inheritEnv");
	for (size_t i = 0; o->inherit_env && o->inherit_env[i]; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(o->inherit_env[i]));
	cJSON_AddItemToObject(m, "environmentDrivers",
			      drivers ? cJSON_Duplicate(drivers, 1) : cJSON_CreateArray());
	from = cJSON_AddObjectToObject(m, "importedFrom");
	cJSON_AddStringToObject(from, "by", IMPORT_MARK);
	if (json_get_string(pkg, "name"))
		cJSON_AddStringToObject(from, "package", json_get_string(pkg, "name"));
	if (json_get_string(pkg, "version"))
		cJSON_AddStringToObject(from, "packageVersion", json_get_string(pkg, "version"));
	cJSON_AddStringToObject(from, "at", stamp);
	cJSON_AddItemToObject(m, "paperclipManifest", pm);
	free(rel);
	return m;
invalid:
	error_set(err, ST_E_INVALID, "the evaluated manifest has no \"id\" or \"version\"");
	goto fail;
nomem:
	error_set(err, ST_E_NOMEM, "out of memory");
fail:
	cJSON_Delete(pm);
	cJSON_Delete(m);
	free(rel);
	return NULL;
}

static Status import_write(const char *path, const cJSON *m, bool force, Error *err)
{
	char *text, *tmp = NULL;
	FILE *f;

	if (fs_is_file(path) && !force) {
		cJSON *old = json_parse_file(path, err);
		const cJSON *from = cJSON_GetObjectItemCaseSensitive(old, "importedFrom");
		bool ours = json_get_string(from, "by") &&
			    strcmp(json_get_string(from, "by"), IMPORT_MARK) == 0;

		cJSON_Delete(old);
		error_clear(err);
		if (!ours)
			return error_set(err, ST_E_CONFLICT,
					 "%s exists and was not written by `envctl plugin import`; move "
					 "it away or pass --force",
					 path);
	}
	text = cJSON_Print(m);
	if (!text || asprintf(&tmp, "%s.tmp", path) < 0) {
		free(text);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		error_set(err, ST_E_IO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		free(text);
		return ST_E_IO;
	}
	free(tmp);
	free(text);
	return ST_OK;
}

static Status import_link(const char *real, const char *id, bool force, char **out, Error *err)
{
	char *dir = plugin_user_dir(), *link = NULL;
	char target[PATH_MAX];
	Buf name = BUF_INIT;
	ssize_t n;

	*out = NULL;
	for (const char *p = id; *p; p++)
		buf_putc(&name, (*p == '/' || *p == '@' || (*p == '.' && p == id)) ? '_' : *p);
	if (!dir || !name.data || !(link = fs_join(dir, name.data))) {
		free(dir);
		buf_clear(&name);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	buf_clear(&name);
	if (fs_mkdir_p(dir, 0700, err) != ST_OK) {
		free(dir);
		free(link);
		return err->status;
	}
	free(dir);
	n = readlink(link, target, sizeof target - 1);
	if (n > 0) {
		char resolved[PATH_MAX];

		target[n] = '\0';
		if (realpath(link, resolved) && strcmp(resolved, real) == 0) {
			*out = link;
			return ST_OK;
		}
		if (!force) {
			error_set(err, ST_E_CONFLICT,
				  "%s already links to %s; remove it or pass --force", link, target);
			free(link);
			return ST_E_CONFLICT;
		}
		unlink(link);
	} else if (access(link, F_OK) == 0) {
		error_set(err, ST_E_CONFLICT, "%s exists and is not a link; remove it first", link);
		free(link);
		return ST_E_CONFLICT;
	}
	if (symlink(real, link) != 0) {
		error_set(err, ST_E_IO, "cannot link %s to %s: %s", link, real, strerror(errno));
		free(link);
		return ST_E_IO;
	}
	*out = link;
	return ST_OK;
}

Status plugin_import(const char *dir, const PluginImportOptions *o, PluginImportResult *out,
		     Error *err)
{
	char real[PATH_MAX];
	char *pkg_path = NULL, *manifest_path = NULL, *text;
	cJSON *pkg = NULL, *pm, *m = NULL;
	const cJSON *pp;
	const char *module, *worker;
	PluginManifest *check = NULL;
	Buf drivers = BUF_INIT;
	Status st;

	memset(out, 0, sizeof *out);
	if (!realpath(dir, real) || !fs_is_dir(real))
		return error_set(err, ST_E_NOT_FOUND, "%s is not a directory", dir);
	pkg_path = fs_join(real, "package.json");
	manifest_path = fs_join(real, PLUGIN_MANIFEST_FILE);
	if (!pkg_path || !manifest_path) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto out;
	}
	pkg = json_parse_file(pkg_path, err);
	if (!pkg) {
		st = err->status;
		goto out;
	}
	pp = cJSON_GetObjectItemCaseSensitive(pkg, "paperclipPlugin");
	module = json_get_string(pp, "manifest");
	worker = json_get_string(pp, "worker");
	if (!module || !worker) {
		st = error_set(err, ST_E_INVALID,
			       "%s has no paperclipPlugin.manifest and paperclipPlugin.worker: is it a "
			       "Paperclip plugin package built with @paperclipai/plugin-sdk?",
			       pkg_path);
		goto out;
	}
	text = fs_join(real, worker);
	if (!text || !fs_is_file(text)) {
		st = error_set(err, ST_E_NOT_FOUND,
			       "the worker %s named by package.json does not exist; build the package "
			       "first",
			       text ? text : worker);
		free(text);
		goto out;
	}
	free(text);
	pm = import_eval_manifest(real, module, err);
	if (!pm) {
		st = err->status;
		goto out;
	}
	m = import_build(pkg, pm, worker, o, err);
	if (!m) {
		st = err->status;
		goto out;
	}
	st = import_write(manifest_path, m, o->force, err);
	if (st != ST_OK)
		goto out;
	/* What the console will load: refuse (and remove) a manifest it cannot. */
	check = plugin_manifest_load(real);
	if (!check || !plugin_manifest_ok(check)) {
		char *errors = check ? plugin_manifest_errors_text(check) : NULL;

		st = error_set(err, ST_E_INVALID, "the imported manifest is not usable: %s",
			       errors ? errors : "out of memory");
		free(errors);
		unlink(manifest_path);
		goto out;
	}
	for (size_t i = 0; i < check->driver_count; i++)
		buf_printf(&drivers, "%s%s", i ? ", " : "", check->drivers[i].driver_key);
	out->id = strdup(check->id);
	out->version = strdup(check->version);
	out->manifest_path = strdup(manifest_path);
	out->drivers = buf_take(&drivers);
	if (!out->id || !out->version || !out->manifest_path || !out->drivers) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto out;
	}
	if (o->link)
		st = import_link(real, check->id, o->force, &out->link_path, err);
out:
	if (st != ST_OK)
		plugin_import_result_clear(out);
	buf_clear(&drivers);
	plugin_manifest_free(check);
	cJSON_Delete(pkg);
	cJSON_Delete(m);
	free(pkg_path);
	free(manifest_path);
	return st;
}
