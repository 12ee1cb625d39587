# Secrets through the CLI: values from files and stdin only, verify exit
# codes, rotation, disable, delete rules with a bound environment.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
tp() { "$BUILD_DIR/tests/helpers/envctl_testprov" "$@"; }

printf 'file-value-1\n' > v1
expect_rc 0 envctl secret create api --value-file v1 --description "API key"
contains "$out" "created secret api"
expect_rc 0 sh -c 'printf "stdin-value" | "$ENVCTL_BIN" secret create other --value-file -'
expect_rc 2 envctl secret create nov
contains "$errout" "--value-file"
expect_rc 2 envctl secret create argv --value hunter2
lacks "$(envctl secret list)" "argv"
expect_rc 5 envctl secret create api --value-file v1
contains "$errout" "already exists"
printf '' > empty
expect_rc 4 envctl secret create e --value-file empty
expect_rc 3 envctl secret create e --value-file missing-file

# verify: 0 on match (the trailing newline of the file is not part of it), 1 otherwise
expect_rc 0 envctl secret verify api --value-file v1
contains "$out" "match"
printf 'file-value-1' > v1nl
expect_rc 0 envctl secret verify api --value-file v1nl
printf 'wrong' > bad
expect_rc 1 envctl secret verify api --value-file bad
contains "$out" "no match"
expect_rc 0 sh -c 'printf "stdin-value" | "$ENVCTL_BIN" secret verify other --value-file -'
expect_rc 3 envctl secret verify nope --value-file v1

# rotate
printf 'file-value-2' > v2
expect_rc 0 envctl secret rotate api --value-file v2
contains "$out" "version 2"
expect_rc 1 envctl secret verify api --value-file v1
expect_rc 0 envctl secret verify api --value-file v2
# every verify is audited (issue #12): an activity row saying whether it matched
expect_rc 0 envctl activity --json --limit 1000
[ "$(json_get "$out" 'j.filter(a => a.action === "secret.verified").length')" -ge 5 ] ||
	fail "verify left no activity rows: $out"
# a value that is not UTF-8 is refused, not altered in transit
printf 'a\377b' > binval
expect_rc 4 envctl secret create binary --value-file binval
contains "$errout" "not valid UTF-8"
expect_rc 0 envctl secret show api --json
[ "$(json_get "$out" 'j.currentVersion')" = 2 ] || fail "version 2"
[ "$(json_get "$out" 'j.lastRotatedAt === null')" = false ] || fail "lastRotatedAt"

# disable / enable
expect_rc 0 envctl secret disable api
expect_rc 0 envctl secret list --json
[ "$(json_get "$out" 'j.find(s=>s.name==="api").status')" = disabled ] || fail "disabled"
expect_rc 0 envctl secret enable api

# bound to an environment: delete refused, --force unbinds and takes the field out
api_id=$(json_get "$(envctl secret show api --json)" 'j.id')
printf '{"apiKey": "%s", "bridge": {"authToken": {"secretRef": "%s"}}}' "$api_id" "$api_id" > cfg.json
expect_rc 0 tp env create bound --provider vault-test --config-file cfg.json
expect_rc 0 envctl secret list --json
[ "$(json_get "$out" 'j.find(s=>s.name==="api").bindings.length')" = 2 ] || fail "two bindings"
[ "$(json_get "$out" 'j.find(s=>s.name==="api").bindings[0].targetName')" = bound ] || fail "binding names env"
expect_rc 0 envctl secret list
contains "$out" "bound/apiKey"
expect_rc 5 envctl secret delete api
contains "$errout" "used by environment bound"
contains "$errout" "--force"
# a disabled secret cannot be newly referenced by a save
expect_rc 0 envctl secret disable other
other_id=$(json_get "$(envctl secret show other --json)" 'j.id')
printf '{"apiKey": "%s"}' "$other_id" > cfg2.json
expect_rc 4 tp env create uses-disabled --provider vault-test --config-file cfg2.json
contains "$errout" "disabled"
expect_rc 0 tp secret delete api --force
expect_rc 0 tp env show bound --json
[ "$(json_get "$out" 'j.config.apiKey === undefined')" = true ] || fail "field removed by --force"
expect_rc 0 envctl activity --json
[ "$(json_get "$out" 'j[0].action')" = environment.updated ] || fail "unbind recorded"
expect_rc 3 envctl secret show api
expect_rc 0 envctl secret list --all --json
[ "$(json_get "$out" 'j.find(s=>s.name==="api").status')" = deleted ] || fail "kept as deleted"
# the name is free again
expect_rc 0 envctl secret create api --value-file v1
# a config holding a dead reference is reported by db check? No: --force removed it.
expect_rc 0 envctl db check
