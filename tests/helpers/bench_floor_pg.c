/* What PostgreSQL alone costs for the writes envctl makes (the statements
 * of bench_floor.c, through bare libpq, prepared once) on the same
 * database, so `make bench` prints envctl on PostgreSQL against a floor
 * measured in the same run:
 *   bench_floor_pg URL pairs N TX   N lease acquire+release pairs, TX
 *                                   transactions per pair (2 or 4, as
 *                                   bench_floor)
 * Prints "<ms>" (wall time) on stdout. The database must hold an
 * environment named "bench". */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/lib.h"

static void die(PGconn *c, const char *what)
{
	fprintf(stderr, "bench_floor_pg: %s: %s\n", what, c ? PQerrorMessage(c) : "?");
	exit(1);
}

static void exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die(c, sql);
	PQclear(r);
}

static void prep(PGconn *c, const char *name, const char *sql, int n)
{
	PGresult *r = PQprepare(c, name, sql, n, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(c, sql);
	PQclear(r);
}

static void run(PGconn *c, const char *name, const char *a, const char *b)
{
	char now[32];
	const char *v[3] = { a, b, now };
	PGresult *r;

	time_now_iso(now);
	r = PQexecPrepared(c, name, 3, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(c, name);
	PQclear(r);
}

int main(int argc, char **argv)
{
	PGconn *c;
	PGresult *r;
	char env_id[64] = "", id[37];
	long n, tx;
	long long t0;

	if (argc < 4 || strcmp(argv[2], "pairs") != 0) {
		fprintf(stderr, "usage: bench_floor_pg URL pairs N TX\n");
		return 2;
	}
	n = atol(argv[3]);
	tx = argc > 4 ? atol(argv[4]) : 2;
	c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK)
		die(c, "connect");
	r = PQexec(c, "SELECT id FROM environments WHERE name = 'bench'");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		snprintf(env_id, sizeof env_id, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!env_id[0])
		die(c, "no environment named bench");
	prep(c, "ins",
	     "INSERT INTO leases (id, environment_id, status, lease_policy, provider, "
	     "provider_lease_id, acquired_at, last_used_at, metadata, phase, updated_at) "
	     "VALUES ($1, $2, 'active', 'ephemeral', 'fake', 'sandbox://fake/x', $3, $3, "
	     "'{\"provider\":\"fake\"}', 'acquiring', $3)",
	     3);
	prep(c, "upd", "UPDATE leases SET status = $2, phase = NULL, updated_at = $3 WHERE id = $1",
	     3);
	prep(c, "act",
	     "INSERT INTO activity (created_at, actor, action, entity_type, entity_id, details) "
	     "VALUES ($3, 'bench', $2, 'lease', $1, '{\"status\":\"active\",\"provider\":\"fake\"}')",
	     3);
	t0 = time_now_ms();
	for (long i = 0; i < n; i++) {
		id_new(id);
		exec(c, "BEGIN");
		run(c, "ins", id, env_id);
		if (tx == 4) {
			exec(c, "COMMIT");
			exec(c, "BEGIN");
			run(c, "upd", id, "active");
		}
		run(c, "act", id, "environment.lease_acquired");
		exec(c, "COMMIT");
		exec(c, "BEGIN");
		if (tx == 4) {
			run(c, "upd", id, "active");
			exec(c, "COMMIT");
			exec(c, "BEGIN");
		}
		run(c, "upd", id, "released");
		run(c, "act", id, "environment.lease_released");
		exec(c, "COMMIT");
	}
	printf("%lld\n", time_now_ms() - t0);
	PQfinish(c);
	return 0;
}
