/* The `db` commands' work: checking the database, backing it up, copying
 * a registry between two databases, and its path as it may be shown. */
#ifndef ENVCTL_CORE_DBADMIN_H
#define ENVCTL_CORE_DBADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"

typedef struct DbCheck {
	StoreCheckReport report;
	char *path;         /* the checked database, as the store names it */
	int schema_version;
} DbCheck;

/* `db check`: an existing database is checked read-only (nothing written
 * into the file being checked, a 0-byte file is an error); a missing one
 * is created as any command would, then checked. Free with
 * dbadmin_check_clear (also after a failure). */
Status dbadmin_check(App *app, DbCheck *out, Error *err);
void dbadmin_check_clear(DbCheck *c);

/* `db backup FILE`: an online backup of app's database into a new file.
 * *db_path gets the backed-up database's path (the App's store owns it). */
Status dbadmin_backup(App *app, const char *dest, const char **db_path, Error *err);

/* `db copy SRC DST`: the whole registry of the database at src (a path
 * or URL, as --db takes it) into dst, in one transaction on dst with the
 * row counts and every secret checked there (store_copy). Both are opened
 * with this console's keys; dst is created when missing. */
Status dbadmin_copy(App *app, const char *src, const char *dst, bool force,
		    StoreCopyReport *out, Error *err);
/* The i-th table of a copy report; NULL past the last. */
const char *dbadmin_copy_table_name(size_t i);

/* app's database path or URL as it may be shown (a URL without its
 * password). Malloc'd; NULL when out of memory. */
char *dbadmin_path_shown(const App *app);

#endif
