/* What SQLite alone costs for the writes envctl makes, on the same database
 * (same schema, indexes, triggers and pragmas: WAL, synchronous=FULL), so
 * `make bench` can print envctl against a floor measured in the same run:
 *   bench_floor DB pairs N TX   N lease acquire+release pairs, TX fsynced
 *                               transactions per pair: 2 (insert+activity,
 *                               update+activity) or 4 (the crash-safe
 *                               protocol: intent, outcome, intent, outcome)
 *   bench_floor DB probes N     N probe rows (and their activity rows) in
 *                               one transaction, with the contents envctl
 *                               gives them for a fake environment, one
 *                               for each active environment in name order
 *                               (as `env probe --all` spreads them over
 *                               the indexes), round again if N is more
 * Prints "<ms>" (wall time) on stdout. The database must hold an
 * environment named "bench". */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/lib.h"

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench_floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(db, sql);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(db, sql);
	return st;
}

static void run(sqlite3 *db, sqlite3_stmt *st, const char *a, const char *b)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		die(db, "step");
}

/* Binds ?1..?3 (a NULL a leaves ?1 unbound) and runs st to its end. */
static void run3(sqlite3 *db, sqlite3_stmt *st, const char *a, const char *b, const char *c)
{
	sqlite3_reset(st);
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, c, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		die(db, "step");
}

/* The active environments' (id, name), in name order. */
static void envs_load(sqlite3 *db, char *(**out)[2], size_t *n)
{
	sqlite3_stmt *st = prep(db, "SELECT id, name FROM environments WHERE status = 'active' "
				    "ORDER BY name");
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			*out = realloc(*out, cap * sizeof **out);
			if (!*out)
				die(db, "out of memory");
		}
		(*out)[*n][0] = strdup((const char *)sqlite3_column_text(st, 0));
		(*out)[*n][1] = strdup((const char *)sqlite3_column_text(st, 1));
		if (!(*out)[*n][0] || !(*out)[*n][1])
			die(db, "out of memory");
		(*n)++;
	}
	sqlite3_finalize(st);
	if (*n == 0)
		die(db, "no active environment");
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *env, *ins, *upd, *act, *probe, *probed;
	char env_id[64] = "", id[64];
	long n, tx;
	long long t0;
	char *(*envs)[2] = NULL;
	size_t n_envs = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_floor DB pairs N TX | DB probes N\n");
		return 2;
	}
	n = atol(argv[3]);
	tx = argc > 4 ? atol(argv[4]) : 2;
	/* As store_open configures it: statement journals in memory. */
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 1024 * 1024);
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die(db, "open");
	sqlite3_busy_timeout(db, 5000);
	exec(db, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
	env = prep(db, "SELECT id FROM environments WHERE name = 'bench'");
	if (sqlite3_step(env) == SQLITE_ROW)
		snprintf(env_id, sizeof env_id, "%s", (const char *)sqlite3_column_text(env, 0));
	sqlite3_finalize(env);
	if (!env_id[0])
		die(db, "no environment named bench");
	ins = prep(db, "INSERT INTO leases (id, environment_id, status, lease_policy, provider, "
		       "provider_lease_id, acquired_at, last_used_at, metadata, phase, updated_at) "
		       "VALUES (?1, ?2, 'active', 'ephemeral', 'fake', 'sandbox://fake/x', "
		       "strftime('%Y-%m-%dT%H:%M:%fZ'), strftime('%Y-%m-%dT%H:%M:%fZ'), "
		       "'{\"provider\":\"fake\"}', 'acquiring', strftime('%Y-%m-%dT%H:%M:%fZ'))");
	upd = prep(db, "UPDATE leases SET status = ?2, phase = NULL, "
		       "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ') WHERE id = ?1");
	act = prep(db, "INSERT INTO activity (created_at, actor, action, entity_type, entity_id, "
		       "details) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ'), 'bench', ?2, 'lease', ?1, "
		       "'{\"status\":\"active\",\"provider\":\"fake\"}')");
	/* The rows `env probe --all` writes for a fake environment, as it
	 * writes them: the provider's details, the record's name and details,
	 * times bound as text. */
	probe = prep(db, "INSERT INTO probes (id, environment_id, provider, ok, summary, details, "
			 "duration_ms, created_at) VALUES (?1, ?2, 'fake', 1, "
			 "'Fake sandbox provider is ready for image ubuntu:24.04.', "
			 "'{\"provider\":\"fake\",\"image\":\"ubuntu:24.04\",\"reuseLease\":false}', 0, ?3)");
	probed = prep(db, "INSERT INTO activity (created_at, actor, action, entity_type, entity_id, "
			  "entity_name, changed_fields, details) VALUES (?3, 'bench', "
			  "'environment.probed', 'environment', ?2, ?1, '[]', "
			  "'{\"ok\":true,\"durationMs\":0}')");
	if (!strcmp(argv[2], "probes"))
		envs_load(db, &envs, &n_envs);
	t0 = time_now_ms();
	if (!strcmp(argv[2], "probes")) {
		exec(db, "BEGIN IMMEDIATE");
		for (long i = 0; i < n; i++) {
			char at[32];

			char **e = envs[i % n_envs];

			id_new(id);
			time_now_iso(at);
			run3(db, probe, id, e[0], at);
			run3(db, probed, e[1], e[0], at);
		}
		exec(db, "COMMIT");
	} else {
		for (long i = 0; i < n; i++) {
			id_new(id);
			exec(db, "BEGIN IMMEDIATE");
			run(db, ins, id, env_id);
			if (tx == 4) {
				exec(db, "COMMIT");
				exec(db, "BEGIN IMMEDIATE");
				run(db, upd, id, "active");
			}
			run(db, act, id, "environment.lease_acquired");
			exec(db, "COMMIT");
			exec(db, "BEGIN IMMEDIATE");
			if (tx == 4) {
				run(db, upd, id, "active");
				exec(db, "COMMIT");
				exec(db, "BEGIN IMMEDIATE");
			}
			run(db, upd, id, "released");
			run(db, act, id, "environment.lease_released");
			exec(db, "COMMIT");
		}
	}
	printf("%lld\n", time_now_ms() - t0);
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_finalize(act);
	sqlite3_finalize(probe);
	sqlite3_finalize(probed);
	sqlite3_close(db);
	for (size_t i = 0; i < n_envs; i++) {
		free(envs[i][0]);
		free(envs[i][1]);
	}
	free(envs);
	return 0;
}
