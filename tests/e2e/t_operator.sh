# A key per operator (#17) on one SQLite file shared by two HOMEs: alice
# makes the database, bob makes a key and is admitted, both decrypt; after
# `operator remove bob` bob's sealed data key is gone, every secret version
# is re-encrypted with a new data key, and bob's console is refused with
# who can admit it. Also: the last operator stays, and a master-key
# database from before operator keys migrates on first open.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: needs the sqlite3 shell to inspect the file"; exit 77; }
db="$TMPDIR/team.db"
A() { HOME="$TMPDIR/alice" XDG_CONFIG_HOME="$TMPDIR/alice/cfg" ENVCTL_DB="$db" "$ENVCTL_BIN" "$@"; }
B() { HOME="$TMPDIR/bob" XDG_CONFIG_HOME="$TMPDIR/bob/cfg" ENVCTL_DB="$db" "$ENVCTL_BIN" "$@"; }
sql() { sqlite3 "$db" "$1"; }

expect_rc 0 A operator init alice
contains "$out" "created operator key for alice in $TMPDIR/alice/cfg/envctl/operator.key"
[ "$(stat -c %a "$TMPDIR/alice/cfg/envctl/operator.key")" = 600 ] || fail "alice key mode"
[ "$(stat -c %a "$TMPDIR/alice/cfg/envctl")" = 700 ] || fail "alice key dir mode"
printf 'alpha-value' > v1
expect_rc 0 A secret create alpha --value-file v1
printf 'beta-value' > v2
expect_rc 0 A secret create beta --value-file v2
printf 'alpha-value-2' > v3
expect_rc 0 A secret rotate alpha --value-file v3
# no secret material or private key in what list prints
expect_rc 0 A operator list --json
json_ok "$out"
[ "$(json_get "$out" 'j.length')" = 1 ] || fail "one operator: $out"
[ "$(json_get "$out" 'j[0].name + " " + j[0].addedBy + " " + j[0].you')" = "alice alice true" ] || fail "list: $out"
secret_line=$(grep '^secret ' "$TMPDIR/alice/cfg/envctl/operator.key" | cut -d' ' -f2)
lacks "$out" "$secret_line"

# bob has a key but is not admitted: told who can admit him and how
expect_rc 0 B operator init bob
pub=$(printf '%s\n' "$out" | sed -n 's/^public key: *//p')
[ -n "$pub" ] || fail "no public key in: $out"
expect_rc 8 B secret list
contains "$errout" "$TMPDIR/bob/cfg/envctl/operator.key"
contains "$errout" "is not admitted"
contains "$errout" "one of its operators (alice)"
contains "$errout" "envctl operator add bob $pub"
# a console with no key at all is told to make one
expect_rc 8 env HOME="$TMPDIR/carol" XDG_CONFIG_HOME="$TMPDIR/carol/cfg" ENVCTL_DB="$db" "$ENVCTL_BIN" secret list
contains "$errout" "envctl operator init"
[ ! -e "$TMPDIR/carol/cfg/envctl/operator.key" ] || fail "a key was made for an unadmitted console"

# alice admits bob; bob decrypts (verify matches) and is named
expect_rc 2 A operator add bob
expect_rc 4 A operator add bob not-a-key
expect_rc 0 A operator add bob "$pub"
contains "$out" "admitted operator bob"
expect_rc 5 A operator add bob2 "$pub"
contains "$errout" "already admitted"
expect_rc 0 B secret verify alpha --value-file v3
expect_rc 0 B operator list
contains "$out" "bob"
contains "$out" "(you)"
[ "$(sql "select added_by from operators where name = 'bob'")" = alice ] || fail "added_by"
[ "$(sql "select operator_name from secret_access_events order by id desc limit 1")" = bob ] ||
	fail "access event does not name bob"
expect_rc 0 A activity --json
[ "$(json_get "$out" 'j.filter(a => a.action === "operator.added")[0].actor')" = cli:alice ] ||
	fail "operator.added activity: $out"

# remove bob: one transaction rotates the data key
mat_before=$(sql "select group_concat(hex(material)) from secret_versions where material is not null")
check_before=$(sql "select value from meta where key = 'key_check'")
expect_rc 0 A operator remove bob
contains "$out" "re-encrypted 3 secret versions"
[ "$(sql "select count(*) from operators where name = 'bob'")" = 0 ] || fail "bob's sealed key still there"
mat_after=$(sql "select group_concat(hex(material)) from secret_versions where material is not null")
[ "$mat_before" != "$mat_after" ] || fail "secrets were not re-encrypted"
[ "$check_before" != "$(sql "select value from meta where key = 'key_check'")" ] || fail "data key did not change"
expect_rc 8 B secret verify alpha --value-file v3
contains "$errout" "is not admitted"
expect_rc 0 A secret verify alpha --value-file v3
expect_rc 0 A secret verify beta --value-file v2
expect_rc 0 A activity --json
[ "$(json_get "$out" 'j.filter(a => a.action === "operator.removed").map(a => a.entityName + " " + a.actor).join()')" = "bob cli:alice" ] ||
	fail "remove activity: $out"
# the last operator is never removed; an unknown one is named
expect_rc 5 A operator remove alice
contains "$errout" "last operator"
expect_rc 3 A operator remove nobody
contains "$errout" "operators: alice"
expect_rc 2 A operator remove
expect_rc 2 A operator list --jsn

# a database from before operator keys (schema 2, master key file)
old="$TMPDIR/old.db"
mk=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
HOME="$TMPDIR/m" XDG_CONFIG_HOME="$TMPDIR/m/cfg" ENVCTL_MASTER_KEY=$mk ENVCTL_DB="$old" \
	"$ENVCTL_BIN" secret create legacy --value-file v1 >/dev/null || fail "legacy create"
rm -f "$TMPDIR/m/cfg/envctl/operator.key"
sqlite3 "$old" "DROP TABLE operators; ALTER TABLE secret_access_events DROP COLUMN operator_name;
	DELETE FROM schema_migrations WHERE version = 3; PRAGMA user_version = 2;" || fail "downgrade"
printf '%s\n' "$mk" > "$TMPDIR/m/cfg/envctl/master.key"; chmod 600 "$TMPDIR/m/cfg/envctl/master.key"
mat=$(sqlite3 "$old" "select hex(material) from secret_versions")
M() { HOME="$TMPDIR/m" XDG_CONFIG_HOME="$TMPDIR/m/cfg" ENVCTL_DB="$old" "$ENVCTL_BIN" "$@"; }
expect_rc 0 M secret verify legacy --value-file v1
[ -f "$TMPDIR/m/cfg/envctl/operator.key" ] || fail "migration made no operator key"
[ "$(sqlite3 "$old" "select hex(material) from secret_versions")" = "$mat" ] || fail "migration re-encrypted"
[ "$(sqlite3 "$old" "select count(*) from operators")" = 1 ] || fail "opener not admitted"
rm "$TMPDIR/m/cfg/envctl/master.key"
expect_rc 0 M secret verify legacy --value-file v1
expect_rc 0 M activity --json
contains "$out" "migrated from the master key"
