# `db copy` between backends (#17): a SQLite registry (two operators,
# environments, secret versions, leases, probes, activity, access events)
# into a private PostgreSQL server (tests/helpers/pg.sh) and back into a
# new SQLite file. Each way: every table's row count matches, every secret
# decrypts at the destination for both operators, and the destination
# takes new writes — PostgreSQL's identity ids (activity,
# secret_access_events) continue after the copied ones instead of
# colliding with them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../helpers/pg.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
command -v sqlite3 >/dev/null || { echo "SKIP: needs the sqlite3 shell to count rows"; exit 77; }

pg_start || fail "cannot start a private PostgreSQL server"
trap pg_stop EXIT
unset ENVCTL_MASTER_KEY ENVCTL_DB
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"
A() { HOME="$TMPDIR/alice" XDG_CONFIG_HOME="$TMPDIR/alice/cfg" "$ENVCTL_BIN" "$@"; }
B() { HOME="$TMPDIR/bob" XDG_CONFIG_HOME="$TMPDIR/bob/cfg" "$ENVCTL_BIN" "$@"; }
FA() { HOME="$TMPDIR/alice" XDG_CONFIG_HOME="$TMPDIR/alice/cfg" "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
psql_() { "$PG_BIN_DIR/psql" -X -q -At -h "$PG_DIR" -U envctl -d "$1" -c "$2"; }
tables="meta operators environments secrets secret_versions secret_bindings leases probes
	secret_access_events activity lease_counts"
# counts DB: "table=n ..." for every copied table, by the backend's own
# shell (lease_counts is rebuilt by the destination's triggers, which drop
# nothing to zero: only its rows that count something)
counts() {
	local t line= q
	for t in $tables; do
		q="SELECT count(*) FROM $t"
		[ "$t" = lease_counts ] && q="$q WHERE n > 0"
		case "$1" in
		postgresql://*) n=$(psql_ "$(printf '%s' "$1" | sed 's|^.*/\([^?]*\)?.*$|\1|')" "$q") ;;
		*) n=$(sqlite3 "$1" "$q") ;;
		esac
		line="$line $t=$n"
	done
	echo "$line"
}
# verify_all DB: every secret's value checks for alice and for bob
verify_all() {
	expect_rc 0 A --db "$1" secret verify one --value-file v2
	expect_rc 0 B --db "$1" secret verify one --value-file v2
	expect_rc 0 B --db "$1" secret verify two --value-file v3
	expect_rc 0 A --db "$1" secret verify "$tok" --value-file vt
	expect_rc 0 A --db "$1" db check
	contains "$out" "0 problems"
}

src="$TMPDIR/src.db"
expect_rc 0 A operator init alice
expect_rc 0 A --db "$src" demo
printf 'one-v1' > v1; printf 'one-v2' > v2; printf 'two' > v3; printf 'tok-plain' > vt
expect_rc 0 A --db "$src" secret create one --value-file v1
expect_rc 0 A --db "$src" secret rotate one --value-file v2
expect_rc 0 A --db "$src" secret create two --value-file v3
expect_rc 0 A --db "$src" secret verify two --value-file v3
pub=$(B operator init bob | sed -n 's/^public key: *//p')
expect_rc 0 A --db "$src" operator add bob "$pub"
# an environment whose token resolves at acquire: access events to copy
printf '{"token":"tok-plain"}' > cfg.json
expect_rc 0 FA --db "$src" env create fl --provider flaky --config-file cfg.json
tok=$(json_get "$(A --db "$src" env show fl --json)" 'j.config.token.secretRef')
expect_rc 0 FA --db "$src" lease acquire fl --json
expect_rc 0 FA --db "$src" lease release "$(json_get "$out" j.id)"
expect_rc 0 FA --db "$src" env probe fl
want=$(counts "$src")
for t in secret_access_events activity probes leases; do
	case "$want" in *" $t=0"*) fail "the source has no $t rows to copy: $want" ;; esac
done

# SQLite -> PostgreSQL
pg=$(pg_new_db copy1) || fail "createdb"
expect_rc 0 A db copy "$src" "$pg"
contains "$out" "row counts match; 4 secret versions decrypted at the destination"
[ "$(counts "$pg")" = "$want" ] || fail "SQLite -> PostgreSQL counts:
source     $want
PostgreSQL $(counts "$pg")"
[ "$(A --db "$src" env list --json)" = "$(A --db "$pg" env list --json)" ] || fail "environments differ"
[ "$(A --db "$src" lease list --json)" = "$(A --db "$pg" lease list --json)" ] || fail "leases differ"
verify_all "$pg"
# new writes at the destination: the ids continue after the copied ones
max_act=$(psql_ copy1 "SELECT max(id) FROM activity")
max_sae=$(psql_ copy1 "SELECT max(id) FROM secret_access_events")
expect_rc 0 A --db "$pg" env create after-copy --provider fake
expect_rc 0 FA --db "$pg" lease acquire fl --json
expect_rc 0 FA --db "$pg" lease release "$(json_get "$out" j.id)"
[ "$(psql_ copy1 "SELECT count(*) FROM activity WHERE id > $max_act")" -ge 3 ] ||
	fail "no new activity after the copy"
[ "$(psql_ copy1 "SELECT count(*) FROM secret_access_events WHERE id > $max_sae")" -ge 1 ] ||
	fail "no new access event after the copy"
expect_rc 0 A --db "$pg" activity --json --limit 1
[ "$(json_get "$out" 'j[0].action')" != "" ] || fail "activity after the copy: $out"

# --force onto a PostgreSQL database with data, then writes again
expect_rc 5 A db copy "$src" "$pg"
contains "$errout" "is not empty"
expect_rc 0 A db copy "$src" "$pg" --force
contains "$out" "old contents replaced"
[ "$(counts "$pg")" = "$want" ] || fail "forced copy counts: $(counts "$pg")"
expect_rc 0 A --db "$pg" env create after-force --provider fake
verify_all "$pg"

# PostgreSQL -> SQLite (a new file), with what was written there since
back="$TMPDIR/back.db"
want_pg=$(counts "$pg")
expect_rc 0 A db copy "$pg" "$back"
contains "$out" "row counts match; 4 secret versions decrypted at the destination"
[ "$(counts "$back")" = "$want_pg" ] || fail "PostgreSQL -> SQLite counts:
PostgreSQL $want_pg
SQLite     $(counts "$back")"
[ "$(A --db "$pg" env list --json)" = "$(A --db "$back" env list --json)" ] || fail "environments differ"
verify_all "$back"
expect_rc 0 A --db "$back" env create after-back --provider fake
expect_rc 0 FA --db "$back" lease acquire fl --json
expect_rc 0 FA --db "$back" lease release "$(json_get "$out" j.id)"

# PostgreSQL -> PostgreSQL (another database on the server)
pg2=$(pg_new_db copy2) || fail "createdb"
expect_rc 0 A db copy "$pg" "$pg2"
[ "$(counts "$pg2")" = "$want_pg" ] || fail "PostgreSQL -> PostgreSQL counts: $(counts "$pg2")"
expect_rc 0 B --db "$pg2" env create after-pg2 --provider fake
verify_all "$pg2"
