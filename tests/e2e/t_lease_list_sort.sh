# `lease list --sort/--reverse` is the CLI twin of the leases view's sort
# keys: the same orders, each compared with what SQL's ORDER BY gives.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 77; }
envctl env create a --provider fake >/dev/null || fail "env create a"
envctl env create b --provider bwrap >/dev/null 2>&1 || envctl env create b --provider fake >/dev/null || fail "env create b"
for i in 1 2 3 4 5 6; do
	env=a; [ $((i % 2)) -eq 0 ] && env=b
	expect_rc 0 envctl lease acquire "$env" --json
	id=$(json_get "$out" j.id)
	case $i in 2|5) envctl lease release "$id" >/dev/null || fail "release $i";; esac
done
order() { envctl lease list "$@" --json | node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(j.map(l=>l.id).join(" "))'; }
sql() { sqlite3 "$ENVCTL_DB" "SELECT group_concat(id, ' ') FROM (SELECT id FROM leases ORDER BY $1)"; }
[ "$(order)" = "$(sql 'acquired_at DESC, id DESC')" ] || fail "default order"
[ "$(order --reverse)" = "$(sql 'acquired_at, id')" ] || fail "--reverse"
[ "$(order --sort status)" = "$(sql 'status, acquired_at DESC, id DESC')" ] || fail "--sort status"
[ "$(order --sort status --reverse)" = "$(sql 'status DESC, acquired_at DESC, id DESC')" ] || fail "--sort status --reverse"
[ "$(order --sort provider)" = "$(sql 'provider, acquired_at DESC, id DESC')" ] || fail "--sort provider"
[ "$(order --sort status --status released)" = "$(sqlite3 "$ENVCTL_DB" "SELECT group_concat(id, ' ') FROM (SELECT id FROM leases WHERE status = 'released' ORDER BY acquired_at DESC, id DESC)")" ] || fail "--sort status --status released"
expect_rc 2 envctl lease list --sort policy
contains "$errout" 'unknown --sort "policy" (one of: acquired, status, provider)'
exit 0
