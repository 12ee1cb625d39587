# Team mode on PostgreSQL (#17): a private server (tests/helpers/pg.sh),
# two consoles with their own HOMEs sharing one registry by URL; two
# processes releasing one lease at the same moment get one winner and one
# exit 5; the reuse race of t_lease_race.sh holds on PostgreSQL too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../helpers/pg.sh"

pg_start || fail "cannot start a private PostgreSQL server"
trap pg_stop EXIT
export ENVCTL_DB=$PG_URL

# libpq is loaded when a postgresql:// database is opened, not linked:
# linked, it cost every command 4 ms at start, SQLite or not.
! ldd "$ENVCTL_BIN" | grep -q 'libpq' || fail "envctl links libpq: $(ldd "$ENVCTL_BIN" | grep libpq)"

# Console B: another HOME (another machine's config and data), another
# operator with its own key, admitted by A.
b() { HOME="$TMPDIR/b" XDG_CONFIG_HOME="$TMPDIR/b/config" XDG_DATA_HOME="$TMPDIR/b/data" "$ENVCTL_BIN" "$@"; }
mkdir -p "$TMPDIR/b"
pg_operators "$TMPDIR/b" || fail "cannot admit console B's operator key"

# Four consoles opening a new database at once: one migrates, the others
# wait for its lock and find the work done (to_regclass's catalog cache
# missed the committed table before, and a second one migrated again).
# With operator keys, the one that initialises the keys admits its
# operator and the others open by it (reading the key check and the
# operators in two statements saw the operator without its check: a
# "key check" mismatch, ~3% of opens).
for round in $(seq 1 10); do
	fresh=$(pg_new_db "fresh$round") || fail "createdb"
	for k in 1 2 3 4; do envctl --db "$fresh" env list >"open.$k" 2>&1 & done
	wait
	for k in 1 2 3 4; do
		grep -q "no environments" "open.$k" || fail "round $round, console $k: $(cat "open.$k")"
	done
done

expect_rc 0 envctl env create shared --provider fake
out=$(b env list --json) || fail "console B cannot list: $out"
contains "$out" '"shared"'
expect_rc 0 b env create from-b --provider fake --description "made on B"
expect_rc 0 envctl env show from-b
contains "$out" "made on B"

# Secrets are ciphertext in bytea, decrypted by either console.
printf 'tok-PLAIN-pg' | envctl secret create api --value-file - >/dev/null || fail "secret create"
printf 'tok-PLAIN-pg' | b secret verify api --value-file - >/dev/null || fail "B cannot verify the secret A stored"
n=$("$PG_BIN_DIR/psql" -X -At -h "$PG_DIR" -U envctl -d envctl -c \
	"SELECT count(*) FROM secret_versions WHERE position(convert_to('tok-PLAIN-pg', 'UTF8') IN material) > 0")
[ "$n" = 0 ] || fail "plaintext found in secret_versions"

# The URL is shown, never a password in it.
expect_rc 0 envctl --db "postgresql://envctl:s3cr3t-pw@/envctl?host=$PG_DIR" db check
lacks "$out$errout" "s3cr3t-pw"
contains "$out" "postgresql://envctl@/envctl"
expect_rc 0 envctl db check
contains "$out" "0 problems"

# Completion reads names from the server too, and neither it, `db check`
# nor --readonly creates a schema in an empty database.
out=$(envctl complete envs) || fail "complete envs"
contains "$out" "shared"
contains "$out" "from-b"
empty=$(pg_new_db empty) || fail "createdb"
expect_rc 0 envctl --db "$empty" complete envs
[ -z "$out" ] || fail "completion on an empty database printed: $out"
expect_rc 7 envctl --db "$empty" db check
contains "$errout" "has no envctl schema (version 0)"
contains "$errout" "without --readonly creates the schema"
expect_rc 7 envctl --db "$empty" --readonly env list
contains "$errout" "has no envctl schema (version 0)"
n=$("$PG_BIN_DIR/psql" -X -At -h "$PG_DIR" -U envctl -d empty -c \
	"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
[ "$n" = 0 ] || fail "an empty database got $n tables from completion, db check or --readonly"

# Two releases of one lease, from two processes (one per console): one
# winner, the other exits 5.
for i in $(seq 1 6); do
	expect_rc 0 envctl lease acquire shared --json
	id=$(json_get "$out" 'j.id')
	envctl lease release "$id" >a.out 2>a.err & pa=$!
	b lease release "$id" >b.out 2>b.err & pb=$!
	wait $pa; ra=$?
	wait $pb; rb=$?
	case "$ra:$rb" in
	0:5) grep -q -e "already released" -e "busy in another console" b.err ||
		fail "round $i: loser said: $(cat b.err)" ;;
	5:0) grep -q -e "already released" -e "busy in another console" a.err ||
		fail "round $i: loser said: $(cat a.err)" ;;
	*) fail "round $i: exit codes $ra and $rb, want one 0 and one 5; $(cat a.err b.err)" ;;
	esac
done

# The reuse race, as t_lease_race.sh runs it on SQLite.
bash "$(dirname "$0")/t_lease_race.sh" || fail "t_lease_race.sh on PostgreSQL"

# Wrong schema version and an unreachable server name the URL and the fix.
"$PG_BIN_DIR/psql" -X -q -h "$PG_DIR" -U envctl -d envctl -c \
	"INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', 'x')"
expect_rc 7 envctl env list
contains "$errout" "postgresql://envctl@/envctl"
contains "$errout" "upgrade envctl"
"$PG_BIN_DIR/psql" -X -q -h "$PG_DIR" -U envctl -d envctl -c "DELETE FROM schema_migrations WHERE version = 99"
expect_rc 11 envctl --db "postgresql://envctl:pw@/envctl?host=$TMPDIR/nowhere" env list
contains "$errout" "cannot connect to PostgreSQL database postgresql://envctl@/envctl"
lacks "$errout" ":pw@"

# A wrong password: "cannot log in", the URL shown without it.
"$PG_BIN_DIR/psql" -X -q -h "$PG_DIR" -U envctl -d envctl -c \
	"CREATE ROLE pwuser LOGIN PASSWORD 'right-pw'" || fail "create role"
sed -i '1i local all pwuser scram-sha-256' "$PG_DIR/data/pg_hba.conf"
pg_as "$PG_BIN_DIR/pg_ctl" -D "$PG_DIR/data" reload >/dev/null || fail "reload"
# The reload is a signal: wait until the server asks pwuser for a password.
deadline=$(( $(date +%s) + 20 ))
while PGPASSWORD=wrong-pw "$PG_BIN_DIR/psql" -X -q -w -h "$PG_DIR" -U pwuser -d envctl -c "SELECT 1" \
	>/dev/null 2>&1; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "the server did not reload pg_hba.conf"
done
expect_rc 7 envctl --db "postgresql://pwuser:wrong-pw@/envctl?host=$PG_DIR" env list
contains "$errout" "cannot log in to PostgreSQL database postgresql://pwuser@/envctl"
contains "$errout" "password"
lacks "$errout" "wrong-pw"

# A session holding the registry's write lock past the 5 s lock timeout:
# the write says so (exit 13, busy), and the next one works.
mkfifo hold
"$PG_BIN_DIR/psql" -X -q -h "$PG_DIR" -U envctl -d envctl <hold >/dev/null & holder=$!
exec 3>hold
echo "SELECT pg_advisory_lock(1701737059);" >&3
deadline=$(( $(date +%s) + 10 ))
until [ "$("$PG_BIN_DIR/psql" -X -At -h "$PG_DIR" -U envctl -d envctl -c "SELECT count(*) FROM
	pg_locks WHERE locktype = 'advisory' AND granted AND objid = 1701737059")" = 1 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "the holder did not take the write lock"
done
expect_rc 13 envctl env create blocked --provider fake
contains "$errout" "stayed locked by another program for more than 5 s"
contains "$errout" "psql"
exec 3>&-
wait "$holder"
expect_rc 0 envctl env create unblocked --provider fake
