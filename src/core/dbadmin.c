#include "core/dbadmin.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/private.h"

Status dbadmin_check(App *app, DbCheck *out, Error *err)
{
	StoreOptions opts = { .key_text = app->master_key_text, .check_only = true };
	Store *own = NULL, *s;

	memset(out, 0, sizeof *out);
	/* A server's database exists whether or not envctl made it: checked
	 * as it is, never migrated (an empty one says it has no schema). */
	if (app_db_is_server(app) || access(app->db_path, F_OK) == 0) {
		if (store_open_ex(app->db_path, &opts, &own, err) != ST_OK)
			return err->status;
		s = own;
	} else if (app_store(app, &s, err) != ST_OK) {
		return err->status;
	}
	if (store_check(s, &out->report, err) != ST_OK) {
		store_close(own);
		return err->status;
	}
	out->path = strdup(store_path(s));
	out->schema_version = store_schema_version(s);
	store_close(own);
	if (!out->path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	return ST_OK;
}

void dbadmin_check_clear(DbCheck *c)
{
	store_check_report_clear(&c->report);
	free(c->path);
	memset(c, 0, sizeof *c);
}

Status dbadmin_backup(App *app, const char *dest, const char **db_path, Error *err)
{
	Store *s;

	*db_path = NULL;
	if (app_store(app, &s, err) != ST_OK || store_backup(s, dest, err) != ST_OK)
		return err->status;
	*db_path = store_path(s);
	return ST_OK;
}

Status dbadmin_copy(App *app, const char *src, const char *dst, bool force,
		    StoreCopyReport *out, Error *err)
{
	StoreOptions so = { .key_text = app->master_key_text };
	StoreOptions dopt = { .key_text = app->master_key_text };
	Store *from = NULL, *to = NULL;
	Status res;

	memset(out, 0, sizeof *out);
	if (app_check_writable(app, "copy a database", err) != ST_OK)
		return err->status;
	if (store_open_ex(src, &so, &from, err) != ST_OK)
		return error_prefix(err, "db copy: opening the source: ");
	res = store_open_ex(dst, &dopt, &to, err);
	if (res != ST_OK)
		error_prefix(err, "db copy: opening the destination: ");
	else
		res = store_copy(from, to, force, out, err);
	store_close(to);
	store_close(from);
	return res;
}

const char *dbadmin_copy_table_name(size_t i)
{
	return store_copy_table_name(i);
}

char *dbadmin_path_shown(const App *app)
{
	return store_path_shown(app->db_path);
}
