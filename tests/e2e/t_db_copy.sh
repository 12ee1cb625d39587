# `db copy SRC DST` (#17): a whole registry through the store API into
# another database, in one transaction there: environments, secrets with
# every version, leases, probes, activity and operators; row counts match
# and every secret decrypts at the destination, for every operator of the
# source. A destination with data is refused unless --force.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
src="$TMPDIR/src.db" dst="$TMPDIR/dst.db"
A() { HOME="$TMPDIR/alice" XDG_CONFIG_HOME="$TMPDIR/alice/cfg" "$ENVCTL_BIN" "$@"; }
B() { HOME="$TMPDIR/bob" XDG_CONFIG_HOME="$TMPDIR/bob/cfg" "$ENVCTL_BIN" "$@"; }

expect_rc 0 A operator init alice
expect_rc 0 A --db "$src" demo
printf 'one-v1' > v1; printf 'one-v2' > v2; printf 'two' > v3
expect_rc 0 A --db "$src" secret create one --value-file v1
expect_rc 0 A --db "$src" secret rotate one --value-file v2
expect_rc 0 A --db "$src" secret create two --value-file v3
expect_rc 0 A --db "$src" secret verify two --value-file v3
pub=$(B operator init bob | sed -n 's/^public key: *//p')
expect_rc 0 A --db "$src" operator add bob "$pub"
before=$(A --db "$src" db check --json)
acts=$(A --db "$src" activity --json --limit 1000 | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).length)')

expect_rc 0 A db copy "$src" "$dst"
contains "$out" "row counts match; 3 secret versions decrypted at the destination"
contains "$out" "operators              2 rows"
after=$(A --db "$dst" db check --json)
for k in environments leases secrets bindings activity; do
	[ "$(json_get "$before" "j.$k")" = "$(json_get "$after" "j.$k")" ] ||
		fail "$k: source $(json_get "$before" "j.$k"), copy $(json_get "$after" "j.$k")"
done
[ "$(json_get "$after" 'j.ok')" = true ] || fail "copy is not clean: $after"
[ "$(A --db "$dst" activity --json --limit 1000 | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).length)')" = "$acts" ] ||
	fail "activity rows differ"
[ "$(A --db "$src" lease list --json)" = "$(A --db "$dst" lease list --json)" ] || fail "leases differ"
[ "$(A --db "$src" env list --json)" = "$(A --db "$dst" env list --json)" ] || fail "environments differ"
# both operators decrypt the copy, the current and the previous version kept
expect_rc 0 A --db "$dst" secret verify one --value-file v2
expect_rc 0 B --db "$dst" secret verify two --value-file v3
expect_rc 0 B --db "$dst" operator list --json
[ "$(json_get "$out" 'j.map(o => o.name).join()')" = "alice,bob" ] || fail "operators: $out"
[ "$(json_get "$(A --db "$dst" secret show one --json)" 'j.latestVersion')" = 2 ] || fail "versions"

# a destination with data is refused and left as it was; --force replaces it
expect_rc 0 A --db "$dst" env create extra --provider fake
expect_rc 5 A db copy "$src" "$dst"
contains "$errout" "is not empty"
contains "$errout" "--force"
A --db "$dst" env list | grep -q extra || fail "refused copy changed the destination"
expect_rc 0 A db copy "$src" "$dst" --force
contains "$out" "old contents replaced"
lacks "$(A --db "$dst" env list)" "extra"
expect_rc 0 A --db "$dst" secret verify one --value-file v2
# usage and the same file twice
expect_rc 2 A db copy "$src"
expect_rc 4 A db copy "$src" "$src"
expect_rc 2 A db check --force
