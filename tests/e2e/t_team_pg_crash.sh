# Crash recovery across machines on PostgreSQL (#17): an intent names its
# console's session advisory lock ("owner=pg:KEY"); a sweep from another
# console (another HOME) finishes an intent whose owner lock is free, even
# when a live process on this host has the pid the intent names, and
# leaves one whose owner lock is held alone, even when that pid is dead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../helpers/pg.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"

pg_start || fail "cannot start a private PostgreSQL server"
holder=
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; pg_stop; }
trap cleanup EXIT
export ENVCTL_DB=$PG_URL
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"
fl() { "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
# Console B: another HOME, the same registry and sandbox backend.
flb() { HOME="$TMPDIR/b" XDG_CONFIG_HOME="$TMPDIR/b/config" XDG_DATA_HOME="$TMPDIR/b/data" fl "$@"; }
mkdir -p "$TMPDIR/b"
pg_operators "$TMPDIR/b" || fail "cannot admit console B's operator key"
psql_() { "$PG_BIN_DIR/psql" -X -q -At -h "$PG_DIR" -U envctl -d envctl -c "$1"; }
# hold_lock KEY: a separate psql session takes the advisory lock KEY and
# keeps it (a live console elsewhere) until fd 3 is closed; returns once
# the server shows it granted.
mkfifo hold
hold_lock() {
	local deadline
	"$PG_BIN_DIR/psql" -X -q -h "$PG_DIR" -U envctl -d envctl <hold >/dev/null & holder=$!
	exec 3>hold
	echo "SELECT pg_advisory_lock($1);" >&3
	deadline=$(( $(date +%s) + 10 ))
	until [ "$(psql_ "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND
		((classid::bigint << 32) | objid::bigint) = $1")" = 1 ]; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "the holder did not take lock $1"
	done
}

printf '{"token":"t"}' > cfg.json
expect_rc 0 fl env create c --provider flaky --config-file cfg.json

# sweep_until N: B sweeps until N intents were reconciled, within 10 s
# (the server frees a killed console's lock as it sees the socket close).
sweep_until() {
	local want=$1 got=0 deadline=$(( $(date +%s) + 10 ))
	while :; do
		out=$(flb lease sweep --json) || fail "sweep: $out"
		got=$(( got + $(json_get "$out" j.reconciled) ))
		[ "$got" -ge "$want" ] && break
		[ "$(date +%s)" -lt "$deadline" ] || fail "sweep reconciled $got of $want within 10 s"
	done
	[ "$got" -eq "$want" ] || fail "sweep reconciled $got, want $want"
}

# 1. kill -9 mid-acquire on console A; B's sweep finishes it.
for point in acquire:intent acquire:provider; do
	ENVCTL_CRASH_AT=$point fl lease acquire c >/dev/null 2>&1 && fail "$point: did not crash"
	phase=$(psql_ "SELECT phase FROM leases WHERE phase IS NOT NULL")
	contains "$phase" " owner=pg:"
	sweep_until 1
	[ -z "$(psql_ "SELECT id FROM leases WHERE phase IS NOT NULL")" ] || fail "$point: still mid-call"
	[ "$(psql_ "SELECT count(*) FROM leases WHERE status = 'active'")" = 0 ] ||
		fail "$point: an active lease is left"
done

# 2. The owner lock decides, not the pid: an intent naming a live pid of
# this host ($$) but a free lock is finished...
expect_rc 0 fl lease acquire c --json
id=$(json_get "$out" j.id)
psql_ "UPDATE leases SET phase = 'releasing pid=$$ owner=pg:4242424242' WHERE id = '$id'"
sweep_until 1
[ "$(psql_ "SELECT status FROM leases WHERE id = '$id'")" = released ] || fail "not released"

# ...and one naming a dead pid but a lock a live session holds is not.
expect_rc 0 fl lease acquire c --json
id=$(json_get "$out" j.id)
hold_lock 4343434343
dead=999999; while kill -0 $dead 2>/dev/null; do dead=$((dead - 1)); done
psql_ "UPDATE leases SET phase = 'releasing pid=$dead owner=pg:4343434343' WHERE id = '$id'"
expect_rc 0 flb lease sweep --json
[ "$(json_get "$out" j.reconciled)" = 0 ] || fail "swept an intent whose owner is alive"
[ "$(psql_ "SELECT status FROM leases WHERE id = '$id'")" = active ] || fail "touched a live intent"
# The holder goes: now it is finished.
exec 3>&-
wait "$holder"; holder=
sweep_until 1
[ "$(psql_ "SELECT status FROM leases WHERE id = '$id'")" = released ] || fail "not released after its owner went"

# 3. One sweeper at a time: while a session holds the sweep lock, a sweep
# does nothing.
expect_rc 0 fl lease acquire c --json
id=$(json_get "$out" j.id)
psql_ "UPDATE leases SET phase = 'releasing pid=$$ owner=pg:4444444444' WHERE id = '$id'"
hold_lock 1701737060
expect_rc 0 flb lease sweep --json
[ "$(json_get "$out" j.reconciled)" = 0 ] || fail "a second sweeper ran"
exec 3>&-
wait "$holder"; holder=
sweep_until 1
expect_rc 0 fl db check
