# The README's example provider (plain node, no SDK, in
# tests/fixtures/plugins/echo-node) works end to end: the proof that a
# provider can be written in any language against the protocol alone.
. "$(dirname "$0")/lib.sh"
export ENVCTL_PLUGIN_PATH="$(cd "$(dirname "$0")/../fixtures/plugins" && pwd)"
expect_rc 0 envctl provider show echo-node --json
[ "$(json_get "$out" j.source)" = plugin ] || fail "not a plugin provider"
expect_rc 4 envctl env create bad --provider echo-node --config-file <(echo '{"greeting":""}')
contains "$errout" "greeting must not be empty"
expect_rc 0 envctl env create ex --provider echo-node --set greeting=hi --set reuseLease=true
expect_rc 0 envctl env probe ex
contains "$out" "hi from echo-node"
expect_rc 0 envctl lease acquire ex --run r1 --json
id=$(json_get "$out" j.id)
expect_rc 0 envctl lease exec "$id" -- sh -c 'echo there > f; cat f'
[ "$out" = there ] || fail "exec: $out"
expect_rc 0 envctl lease release "$id"
expect_rc 0 envctl lease acquire ex --run r2 --json
[ "$(json_get "$out" j.resumed)" = true ] || fail "not resumed"
id2=$(json_get "$out" j.id)
expect_rc 0 envctl lease exec "$id2" -- cat f
[ "$out" = there ] || fail "resumed sandbox lost its file: $out"
expect_rc 0 envctl lease destroy "$id2" --yes
