# Live views on PostgreSQL (#17): console B shows console A's new lease
# without a key press, by the NOTIFY of A's write, with B's timed refresh
# set to an hour (so it is not the 2 s poll that shows it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
. "$(dirname "$0")/../helpers/pg.sh"

pg_start || fail "cannot start a private PostgreSQL server"
trap 'cleanup; pg_stop' EXIT
export ENVCTL_DB=$PG_URL LC_ALL=C.UTF-8
pg_operators "$TMPDIR/b" || fail "cannot admit console B's operator key"
expect_rc 0 envctl env create live --provider fake
mkdir -p "$TMPDIR/b/config/envctl"
echo "refresh = 3600" >"$TMPDIR/b/config/envctl/tui.conf"
tm new-session -d -s t -x 120 -y 30 \
	"HOME=$TMPDIR/b XDG_CONFIG_HOME=$TMPDIR/b/config XDG_DATA_HOME=$TMPDIR/b/data $ENVCTL_BIN --view leases; sleep 0.2"
tm set -g escape-time 0
wait_for "Leases(0)"
expect_rc 0 envctl lease acquire live --json
id=$(json_get "$out" j.id)
t0=$(date +%s%3N)
# Within 2 s (the refresh is an hour away); the store's wake-up itself is
# held to 200 ms by store_rows/test_change_fd_wakes_on_other_commit.
until screen | grep -q "Leases(1)"; do
	[ $(( $(date +%s%3N) - t0 )) -lt 2000 ] || fail "console B did not show lease $id within 2 s; screen:
$(screen)"
done
echo "console B showed the lease $(( $(date +%s%3N) - t0 )) ms after A's acquire returned"
screen | grep -q "live .*active" || fail "the new lease is not on B's screen: $(screen)"
expect_rc 0 envctl lease release "$id"
wait_for "released"
