/* Helpers for the store and environment suites: real SQLite files in a
 * fresh directory, with the master key file kept in that directory. */
#ifndef ENVCTL_TESTS_STOREUTIL_H
#define ENVCTL_TESTS_STOREUTIL_H

#include <stdbool.h>

#include "core/app.h"
#include "store/store.h"

/* A fresh directory; XDG_CONFIG_HOME points into it and ENVCTL_MASTER_KEY
 * is unset, so the key file is created there. Caller frees. */
char *tu_store_dir(void);
/* dir/name; caller frees. */
char *tu_path(const char *dir, const char *name);
/* ENVCTL_TEST_DB_URL names a PostgreSQL database: the store suites run
 * against it (a schema per test directory) instead of SQLite files. */
bool tu_pg(void);
/* The database of a test directory: dir/envctl.db, or the PostgreSQL URL
 * of the directory's schema. Caller frees. */
char *tu_db_path(const char *dir);
/* Opens tu_db_path(dir) or fails the test. */
Store *tu_store_open(const char *dir);
/* Runs SQL directly on a database (file or URL, for tampering); fails the test on error. */
void tu_sql(const char *db_path, const char *sql);
/* The first column of the first row as text (or "" when none); caller frees. */
char *tu_sql_text(const char *db_path, const char *sql);
/* Turns an SQLite database back into schema version 2 (before operator
 * keys, migration 0003) kept by a master key: writes key_hex to key_path
 * (0600), as envctl before #17 did. Fails the test on error. */
void tu_downgrade_to_master_key(const char *db_path, const char *key_path, const char *key_hex);
/* EXPLAIN QUERY PLAN details joined with ';'; caller frees. */
char *tu_sql_plan(const char *db_path, const char *sql);
/* Does the file contain the bytes of needle? For a PostgreSQL URL: does
 * any table's text, or a secret version's bytes? */
int tu_file_contains(const char *path, const char *needle);
/* File mode bits (07777) or -1. */
int tu_mode(const char *path);
/* The environment suites' fixture: *app on the database of a fresh store
 * directory, with the shipped forms and the providers `add` registers
 * (e.g. testprov_register), acting as "test"; err is cleared. Returns the
 * directory (caller frees it after app_clear(app)). Fails the test on error. */
char *tu_env_app(App *app, Status (*add)(Registry *registry, Error *err), Error *err);

#endif
