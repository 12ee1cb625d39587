# PostgreSQL figures (issue 17), on a private server (tests/helpers/pg.sh,
# fsync off for both sides alike):
# - acquire+release through the core API on a postgresql:// database
#   against bare libpq doing the same writes (tests/helpers/bench_floor_pg.c)
#   on the same database: 2 and 4 transactions per pair, as bench_lease.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../helpers/pg.sh"
pg_start
trap pg_stop EXIT
bl() { "$BUILD_DIR/tests/helpers/bench_lease" "$@"; }
bf() { "$BUILD_DIR/tests/helpers/bench_floor_pg" "$@"; }
ROUNDS=${BENCH_ROUNDS:-5}
db=$PG_URL
ENVCTL_DB="$db" "$ENVCTL_BIN" env create bench --provider fake --set reuseLease=false >/dev/null
bl "$db" cycle 50 >/dev/null
bf "$db" pairs 50 2 >/dev/null
PAIRS=200
: >f2 && : >f4 && : >ev
for _ in $(seq "$ROUNDS"); do
	bf "$db" pairs $PAIRS 2 >>f2
	BENCH_MS=1 bl "$db" cycle $PAIRS >>ev
	bf "$db" pairs $PAIRS 4 >>f4
done
f2=$(median <f2) f4=$(median <f4) ev=$(median <ev)
rate() { awk -v n=$PAIRS -v t="$1" 'BEGIN { printf "%.0f/s", n * 1000 / t }'; }
echo "PostgreSQL acquire+release, fake provider, core API, $PAIRS pairs x $ROUNDS (median ms: floor2 $f2, floor4 $f4, envctl $ev):"
row "PostgreSQL acquire+release pairs/s vs 2-transaction libpq floor" "$(rate "$f2")" "$(rate "$ev")" "$(ratio "$ev" "$f2")" "<= 1.50"
row "PostgreSQL acquire+release pairs/s vs 4-transaction libpq floor" "$(rate "$f4")" "$(rate "$ev")" "$(ratio "$ev" "$f4")" "<= 1.50"
