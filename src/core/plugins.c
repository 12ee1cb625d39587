#include "core/plugins.h"

#include <stdlib.h>
#include <string.h>

#include "core/private.h"
#include "util/lib.h"

Status plugins_find(App *app, const char *key, const PluginManifest **out, Error *err)
{
	Buf known = BUF_INIT;

	*out = key ? plugin_catalog_find(&app->plugins, key) : NULL;
	if (*out)
		return ST_OK;
	for (size_t i = 0; i < app->plugins.count; i++)
		if (app->plugins.items[i]->id)
			buf_printf(&known, "%s%s", known.len ? ", " : "", app->plugins.items[i]->id);
	error_set(err, ST_E_NOT_FOUND, "unknown plugin \"%s\" (known plugins: %s)",
		  key ? key : "", known.data ? known.data : "none");
	buf_clear(&known);
	return ST_E_NOT_FOUND;
}

static PluginWorker *plugins_worker(App *app, const PluginManifest *m)
{
	return m->id ? plugin_host_find(app->plugin_host, m->id) : NULL;
}

Status plugins_view(App *app, const PluginManifest *m, PluginView *out, Error *err)
{
	PluginWorker *w = plugins_worker(app, m);

	memset(out, 0, sizeof *out);
	out->manifest = m;
	out->loaded = w != NULL;
	out->state = "not loaded";
	if (w) {
		plugin_worker_info(w, &out->info);
		out->state = plugin_worker_state_name(out->info.state);
		out->status = plugin_worker_describe(w);
	} else {
		out->status = strdup("not loaded (see its manifest errors)");
	}
	if (m->id)
		out->log_path = plugin_log_path(plugin_host_log_dir(app->plugin_host), m->id);
	if (!out->status || (m->id && !out->log_path)) {
		plugins_view_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

void plugins_view_clear(PluginView *v)
{
	free(v->status);
	free(v->log_path);
	memset(v, 0, sizeof *v);
}

bool plugins_driver_registered(App *app, const PluginManifest *m, const char *driver_key)
{
	Provider *p = registry_find(&app->registry, driver_key);

	return p && provider_plugin_worker(p) && strcmp(p->origin, m->dir) == 0;
}

Status plugins_restart(App *app, const char *key, cJSON **health, Error *err)
{
	const PluginManifest *m;
	PluginWorker *w;
	cJSON *h = NULL;

	if (health)
		*health = NULL;
	if (plugins_find(app, key, &m, err) != ST_OK)
		return err->status;
	w = plugins_worker(app, m);
	if (!w) {
		char *errors = plugin_manifest_errors_text(m);

		error_set(err, ST_E_INVALID, "plugin %s is not loaded: %s; fix its manifest",
			  m->id ? m->id : m->dir, errors ? errors : "");
		free(errors);
		return ST_E_INVALID;
	}
	if (plugin_worker_restart(w, err) != ST_OK ||
	    plugin_worker_call(w, "health", NULL, 0, &h, err) != ST_OK)
		return err->status;
	if (health)
		*health = h;
	else
		cJSON_Delete(h);
	return ST_OK;
}

Status plugins_log_tail(App *app, const char *key, size_t lines, char **out, Error *err)
{
	const PluginManifest *m;

	*out = NULL;
	if (plugins_find(app, key, &m, err) != ST_OK)
		return err->status;
	*out = plugin_log_tail(plugin_host_log_dir(app->plugin_host), m->id ? m->id : "", lines,
			       err);
	return *out ? ST_OK : err->status;
}

Status plugins_log_file(App *app, const char *key, char **out, Error *err)
{
	const PluginManifest *m;

	*out = NULL;
	if (plugins_find(app, key, &m, err) != ST_OK)
		return err->status;
	*out = plugin_log_path(plugin_host_log_dir(app->plugin_host), m->id ? m->id : "");
	return *out ? ST_OK : error_set(err, ST_E_NOMEM, "out of memory");
}

Status plugins_import(App *app, const char *dir, const PluginImportOptions *opts,
		      PluginImportResult *out, Error *err)
{
	if (app_check_writable(app, "import a plugin", err) != ST_OK)
		return err->status;
	return plugin_import(dir, opts, out, err);
}
