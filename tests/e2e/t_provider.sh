. "$(dirname "$0")/lib.sh"

expect_rc 0 envctl --version
contains "$out" "envctl "

expect_rc 0 envctl --help
contains "$out" "provider"

expect_rc 0 envctl provider list --json
json_ok "$out"
[ "$(json_get "$out" 'j.find(p=>p.key==="fake").source')" = builtin ] || fail "fake not builtin"
[ "$(json_get "$out" 'j.find(p=>p.key==="fake").capabilities.testOnly')" = true ] || fail "fake not test-only"

expect_rc 0 envctl provider list
contains "$out" "fake"

expect_rc 0 envctl provider show fake --json
[ "$(json_get "$out" 'j.configSchema.properties.image.default')" = "ubuntu:24.04" ] || fail "schema default"

expect_rc 3 envctl provider show nope
contains "$errout" 'unknown provider "nope"'
contains "$errout" "fake"

expect_rc 2 envctl frobnicate
contains "$errout" "usage:"
# An unknown option points at the help instead of printing it (#20).
expect_rc 2 envctl --frob
contains "$errout" 'see `envctl --help`'
expect_rc 2 envctl provider list --frob
contains "$errout" 'see `envctl provider --help`'
expect_rc 2 envctl provider
expect_rc 0 envctl provider --help
contains "$out" "provider show"
