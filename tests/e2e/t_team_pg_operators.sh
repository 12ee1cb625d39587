# Operator keys on PostgreSQL (#17): three consoles with their own HOMEs
# and keys (alice, bob, carol) on one database. Each sees the environments
# the others created and resolves their secrets (an acquire decrypts the
# token; the access event names who did). `operator remove bob` rotates the
# data key while carol keeps writing secrets: bob's sealed row is gone,
# every version re-encrypted, bob's console refused as not admitted, his
# old sealed row put back gives a key the database no longer accepts, and
# every secret carol wrote around the rotation decrypts with the new key.
# (A write queued behind the rotation from a handle opened before it is
# held deterministically by store_operator/test_pg_write_queued_behind_rotation.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../helpers/pg.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"

pg_start || fail "cannot start a private PostgreSQL server"
writer=
cleanup() { [ -n "$writer" ] && kill "$writer" 2>/dev/null; pg_stop; }
trap cleanup EXIT
export ENVCTL_DB=$PG_URL
unset ENVCTL_MASTER_KEY
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"
as() { # as HOME_NAME BIN ARGS...: a console of another machine
	local h="$TMPDIR/$1"; shift
	HOME="$h" XDG_CONFIG_HOME="$h/config" XDG_DATA_HOME="$h/data" "$@"
}
B() { as b "$ENVCTL_BIN" "$@"; }
C() { as c "$ENVCTL_BIN" "$@"; }
fl() { "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
flb() { as b "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
psql_() { "$PG_BIN_DIR/psql" -X -q -At -h "$PG_DIR" -U envctl -d envctl -c "$1"; }
pub_of() { printf '%s\n' "$1" | sed -n 's/^public key: *//p'; }

# alice creates the registry; bob has a key but is not admitted yet
expect_rc 0 envctl operator init alice
expect_rc 0 envctl env create from-a --provider fake --description "made by alice"
expect_rc 0 B operator init bob
pub_b=$(pub_of "$out")
[ -n "$pub_b" ] || fail "no public key for bob"
expect_rc 8 B env list
contains "$errout" "is not admitted"
contains "$errout" "one of its operators (alice)"
contains "$errout" "envctl operator add bob $pub_b"
expect_rc 0 envctl operator add bob "$pub_b"
expect_rc 0 C operator init carol
expect_rc 0 B operator add carol "$(pub_of "$out")"
expect_rc 0 C operator list --json
[ "$(json_get "$out" 'j.map(o => o.name + ":" + o.addedBy).join()')" = "alice:alice,bob:alice,carol:bob" ] ||
	fail "operators: $out"

# each sees what the other created
expect_rc 0 B env show from-a
contains "$out" "made by alice"
expect_rc 0 B env create from-b --provider fake --description "made by bob"
expect_rc 0 envctl env show from-b
contains "$out" "made by bob"

# secrets: a token stored by one console resolves in the other's acquire
printf '{"token":"tok-A-plain"}' >cfg.json
expect_rc 0 fl env create fa --provider flaky --config-file cfg.json
printf '{"token":"tok-B-plain"}' >cfg.json
expect_rc 0 flb env create fb --provider flaky --config-file cfg.json
rm -f cfg.json
tok_a=$(json_get "$(envctl env show fa --json)" 'j.config.token.secretRef')
tok_b=$(json_get "$(B env show fb --json)" 'j.config.token.secretRef')
expect_rc 0 flb lease acquire fa --json
lb=$(json_get "$out" j.id)
[ "$(psql_ "SELECT operator_name FROM secret_access_events WHERE secret_id = '$tok_a'
	ORDER BY id DESC LIMIT 1")" = bob ] || fail "bob's resolve of alice's token is not recorded as bob's"
# the acquire's activity row names bob's key too (its actor was taken
# before the store opened and freed when the open named the operator)
[ "$(psql_ "SELECT actor FROM activity WHERE action = 'environment.lease_acquired'
	ORDER BY id DESC LIMIT 1")" = cli:bob ] || fail "lease acquire activity does not name cli:bob"
expect_rc 0 fl lease acquire fb --json
la=$(json_get "$out" j.id)
[ "$(psql_ "SELECT operator_name FROM secret_access_events WHERE secret_id = '$tok_b'
	ORDER BY id DESC LIMIT 1")" = alice ] || fail "alice's resolve of bob's token is not recorded as alice's"
printf 'tok-B-plain' >vb; printf 'tok-A-plain' >va
expect_rc 0 envctl secret verify "$tok_b" --value-file vb
expect_rc 0 B secret verify "$tok_a" --value-file va
expect_rc 0 fl lease release "$la"
expect_rc 0 flb lease release "$lb"
n=$(psql_ "SELECT count(*) FROM secret_versions WHERE position(convert_to('tok-A-plain', 'UTF8') IN material) > 0
	OR position(convert_to('tok-B-plain', 'UTF8') IN material) > 0")
[ "$n" = 0 ] || fail "plaintext in secret_versions"

# remove bob while carol keeps writing: every write transaction takes the
# registry's advisory lock, then re-reads the key check, so a console that
# opened before the rotation writes under the new key or not at all
sealed_b=$(psql_ "SELECT encode(sealed_key, 'hex') FROM operators WHERE name = 'bob'")
mat() { psql_ "SELECT string_agg(encode(material, 'hex'), ',' ORDER BY secret_id, version)
	FROM secret_versions WHERE material IS NOT NULL"; }
mat_before=$(mat)
check_before=$(psql_ "SELECT value FROM meta WHERE key = 'key_check'")
(
	for i in $(seq 1 40); do
		printf 'carol-%s' "$i" | C secret create "c$i" --value-file - >/dev/null 2>"c$i.err" ||
			echo "c$i" >>c.failed
	done
) & writer=$!
# wait until carol is writing, so the rotation lands among her writes
deadline=$(( $(date +%s) + 20 ))
until [ "$(psql_ "SELECT count(*) FROM secrets WHERE name LIKE 'c%'")" -ge 3 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "carol wrote nothing within 20 s"
done
expect_rc 0 envctl operator remove bob
contains "$out" "re-encrypted"
at_remove=$(psql_ "SELECT count(*) FROM secrets WHERE name LIKE 'c%'")
wait "$writer"; writer=
echo "carol had written $at_remove of 40 secrets when the removal returned"
[ "$at_remove" -lt 40 ] || fail "carol finished before the removal: nothing crossed the rotation"
[ ! -e c.failed ] || fail "carol's writes failed across the rotation: $(cat c.failed); $(cat c*.err)"
[ "$(psql_ "SELECT count(*) FROM operators WHERE name = 'bob'")" = 0 ] || fail "bob's sealed key is still there"
[ "$(mat)" != "$mat_before" ] || fail "the secrets were not re-encrypted"
[ "$(psql_ "SELECT value FROM meta WHERE key = 'key_check'")" != "$check_before" ] ||
	fail "the data key did not change"

# bob decrypts nothing: his console is refused, his acquire resolves nothing
expect_rc 8 B secret verify "$tok_a" --value-file va
contains "$errout" "is not admitted"
contains "$errout" "$TMPDIR/b/config/envctl/operator.key"
expect_rc 8 flb lease acquire fa
contains "$errout" "is not admitted"
# his old sealed row, put back, opens the retired key, which no longer
# matches the database's key check
psql_ "INSERT INTO operators (name, public_key, sealed_key, added_at, added_by)
	VALUES ('bob', '$pub_b', decode('$sealed_b', 'hex'), 'now', 'mallory')"
expect_rc 8 B secret verify "$tok_a" --value-file va
contains "$errout" "does not match the database's key check"
psql_ "DELETE FROM operators WHERE name = 'bob'"

# alice and carol decrypt everything, carol's writes across the rotation too
expect_rc 0 envctl secret verify "$tok_a" --value-file va
expect_rc 0 C secret verify "$tok_b" --value-file vb
for i in $(seq 1 40); do
	printf 'carol-%s' "$i" >cv
	envctl secret verify "c$i" --value-file cv >/dev/null 2>cv.err ||
		fail "secret c$i (written by carol around the rotation) does not decrypt for alice: $(cat cv.err)"
done
expect_rc 0 fl lease acquire fa --json
expect_rc 0 fl lease release "$(json_get "$out" j.id)"
expect_rc 0 envctl db check
contains "$out" "0 problems"
expect_rc 0 envctl operator list --json
[ "$(json_get "$out" 'j.map(o => o.name).join()')" = "alice,carol" ] || fail "operators after remove: $out"

# README "Team mode": the five commands from nothing, as written there
# (createdb here is pg.sh's, onto the private server; new HOMEs d and e)
readme_url=$(pg_new_db readme) || fail "1. createdb"
D() { as d env ENVCTL_DB="$readme_url" "$ENVCTL_BIN" "$@"; }
E() { as e env ENVCTL_DB="$readme_url" "$ENVCTL_BIN" "$@"; }
expect_rc 0 D operator list
[ "$(D operator list --json | node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));
	console.log(j.length + " " + j[0].you)')" = "1 true" ] || fail "2. the first open did not admit its console"
[ -f "$TMPDIR/d/config/envctl/operator.key" ] || fail "2. the first open made no operator key"
expect_rc 0 E operator init bob
pub_e=$(pub_of "$out")
expect_rc 8 E env list
contains "$errout" "envctl operator add bob $pub_e"
expect_rc 0 D operator add bob "$pub_e"
expect_rc 0 E env list
contains "$out" "no environments"
printf 'readme-v' >rv
expect_rc 0 D secret create shared --value-file rv
expect_rc 0 E secret verify shared --value-file rv
