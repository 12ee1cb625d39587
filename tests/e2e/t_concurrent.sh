# Two consoles writing one database at once: they queue on the write lock
# (busy timeout) instead of failing, and nothing is lost.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
batch="$BUILD_DIR/tests/helpers/env_batch"

expect_rc 0 envctl db check
"$batch" a 60 > a.out 2> a.err &
pa=$!
"$batch" b 60 > b.out 2> b.err &
pb=$!
for i in $(seq 1 30); do
	envctl env create "c-$i" --provider fake > /dev/null 2>> c.err || fail "CLI create c-$i failed: $(cat c.err)"
done
wait "$pa" || fail "writer a failed: $(cat a.err)"
wait "$pb" || fail "writer b failed: $(cat b.err)"
expect_rc 0 envctl env list --json
[ "$(json_get "$out" 'j.length')" = 150 ] || fail "want 150 environments, got $(json_get "$out" 'j.length')"
expect_rc 0 envctl secret list --json
[ "$(json_get "$out" 'j.length')" = 120 ] || fail "want 120 secrets"
expect_rc 0 envctl db check
