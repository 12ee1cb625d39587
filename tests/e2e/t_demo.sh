# `envctl demo` fills an empty database with every status, and refuses a
# database that already holds environments.
. "$(dirname "$0")/lib.sh"
expect_rc 0 envctl demo
contains "$out" "Loaded demo data"
expect_rc 0 envctl lease list --json
for s in active released expired failed retained; do
	[ "$(json_get "$out" "j.filter(l=>l.status==='$s').length > 0")" = true ] || fail "no $s lease"
done
expect_rc 0 envctl env list --json
[ "$(json_get "$out" "j.some(e=>e.status==='archived')")" = true ] || fail "no archived environment"
[ "$(json_get "$out" "j.some(e=>e.lastProbe && e.lastProbe.ok)")" = true ] || fail "no probe"
expect_rc 5 envctl demo
contains "$errout" "already holds"
expect_rc 0 envctl --db "$PWD/other.db" demo
