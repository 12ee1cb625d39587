#!/usr/bin/env bash
# The store's unit suites (and the lease, environment-save and describe
# suites above it) once more, against a private PostgreSQL server
# (tests/helpers/pg.sh): the same suites, parameterised by
# ENVCTL_TEST_DB_URL. Usage: pg_unit.sh UNIT_BIN [SUITE...]
set -u
bin=$1; shift
suites=${*:-store_rows store_secret store_operator lease env_save describe}
. "$(dirname "$0")/pg.sh"
pg_start || exit 1
trap pg_stop EXIT
export ENVCTL_TEST_DB_URL=$PG_URL
rc=0
for s in $suites; do
	echo "PostgreSQL: suite $s"
	CK_RUN_SUITE=$s CK_FORK=yes CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60} "$bin" || rc=1
done
exit $rc
