#!/usr/bin/env bash
# seed.sh ENVS LEASES: fills $ENVCTL_DB with ENVS fake environments
# (env-0001 ...) and LEASES leases spread over them, with fixed ids and
# times (leases one second apart, newest at 2026-01-15T12:00:00Z), so
# golden screens and benchmarks see the same data every run. The database
# is created by envctl itself (migrations, master key); rows go in through
# sqlite3 in one transaction, which is what makes 100,000 leases quick;
# for a million the load skips the WAL (journal off, no fsync, a big page
# cache: a crash here only loses the bench's own scratch database) and
# switches back to WAL after. Triggers keep lease_counts right as rows go in.
set -eu
envs=${1:?envs} leases=${2:?leases}
: "${ENVCTL_BIN:?}" "${ENVCTL_DB:?}"
"$ENVCTL_BIN" env list >/dev/null
# The lease_counts trigger is set aside for the bulk insert and the counts
# are rebuilt from the rows after: the database's own trigger text goes
# back, so nothing here can drift from the migration.
trigger=$(sqlite3 "$ENVCTL_DB" "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'leases_count_insert'")
sqlite3 "$ENVCTL_DB" <<SQL >/dev/null
PRAGMA journal_mode = DELETE;
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
PRAGMA temp_store = MEMORY;
PRAGMA foreign_keys = ON;
BEGIN;
DROP TRIGGER leases_count_insert;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $envs)
INSERT INTO environments (id, name, description, provider, config, created_at, updated_at)
SELECT printf('00000000-0000-4000-8000-%012d', i), printf('env-%04d', i),
       CASE WHEN i % 3 = 0 THEN 'nightly builds' ELSE '' END, 'fake',
       json_object('provider', 'fake', 'image', 'ubuntu:24.04', 'reuseLease', json(CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END)),
       '2026-01-14T09:00:00.000Z', '2026-01-14T09:00:00.000Z'
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 WHERE $leases > 0 UNION ALL SELECT i + 1 FROM n WHERE i < $leases),
-- each lease's time once (the table uses it three times)
t(i, at) AS MATERIALIZED (SELECT i, strftime('%Y-%m-%dT%H:%M:%fZ', 1768478400 - (i - 1), 'unixepoch') FROM n)
INSERT INTO leases (id, environment_id, heartbeat_run_id, status, lease_policy, provider,
                    provider_lease_id, acquired_at, last_used_at, expires_at, released_at,
                    failure_reason, metadata, updated_at)
SELECT printf('10000000-0000-4000-8000-%012d', i),
       printf('00000000-0000-4000-8000-%012d', (i - 1) % $envs + 1),
       'run-' || i,
       CASE WHEN i % 10 < 3 THEN 'active' WHEN i % 10 < 8 THEN 'released'
            WHEN i % 10 = 8 THEN 'expired' ELSE 'failed' END,
       CASE WHEN i % 2 = 0 THEN 'reuse_by_environment' ELSE 'ephemeral' END,
       'fake', 'sandbox://fake/run-' || i,
       at, at,
       CASE WHEN i % 10 < 3 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 1768482000 - (i - 1), 'unixepoch') END,
       CASE WHEN i % 10 BETWEEN 3 AND 7 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 1768480200 - (i - 1), 'unixepoch') END,
       CASE WHEN i % 10 = 9 THEN 'provider said no' END,
       '{"provider":"fake","image":"ubuntu:24.04"}',
       at
FROM t;
INSERT INTO probes (id, environment_id, provider, ok, summary, duration_ms, created_at)
SELECT printf('20000000-0000-4000-8000-%012d', rowid), id, 'fake', rowid % 4 != 0,
       CASE WHEN rowid % 4 != 0 THEN 'Fake sandbox provider is ready for image ubuntu:24.04.'
            ELSE 'image pull failed' END, 3, '2026-01-15T11:55:00.000Z'
FROM environments WHERE rowid <= 5;
DELETE FROM lease_counts;
INSERT INTO lease_counts (environment_id, provider, status, n)
SELECT environment_id, provider, status, count(*) FROM leases GROUP BY environment_id, provider, status;
$trigger;
COMMIT;
PRAGMA journal_mode = WAL;
SQL
