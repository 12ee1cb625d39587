# Assertions for the e2e scripts. Each failure names what was expected.
set -u
envctl() { "$ENVCTL_BIN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc WANT CMD...: runs CMD, checks its exit code, keeps its output in $out/$errout.
expect_rc() {
	local want=$1; shift
	out=$("$@" 2>/tmp/e2e-stderr.$$); rc=$?
	errout=$(cat /tmp/e2e-stderr.$$); rm -f /tmp/e2e-stderr.$$
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want; stdout: $out; stderr: $errout"
}
contains() { case "$1" in *"$2"*) ;; *) fail "expected \"$2\" in: $1";; esac; }
lacks() { case "$1" in *"$2"*) fail "did not expect \"$2\" in: $1";; *) ;; esac; }
json_ok() { printf '%s' "$1" | node -e 'JSON.parse(require("fs").readFileSync(0,"utf8"))' || fail "invalid JSON: $1"; }
# json_get JSON EXPR: evaluates a JS expression over `j`.
json_get() { printf '%s' "$1" | node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8')); const v=($2); process.stdout.write(typeof v==='string'?v:JSON.stringify(v))"; }
# repeat_line LINE N: LINE, N times (key scripts).
repeat_line() { local i; for ((i = 0; i < $2; i++)); do printf '%s\n' "$1"; done; }
# lease_window_check DUMP WHERE ORDER, for a leases-view screen DUMP that
# `envctl --script` wrote (and DUMP-sel.txt, the lease Enter opened from
# it): the screen's rows are the OFFSET window of "SELECT ... WHERE ...
# ORDER BY ..." starting at the first row's position, the selection is
# inside it and the total is right. Prints the first row's position and
# the selection's.
lease_window_check() {
	local dump=$1 where=$2 order=$3 first pos total rows n expect k sel
	[ -e "$dump" ] || fail "no screen $dump"
	rows=$(grep -o 'sandbox://fake/run-[0-9]*' "$dump")
	n=$(printf '%s\n' "$rows" | grep -c .)
	[ "$n" -gt 0 ] || fail "$dump shows no lease: $(cat "$dump")"
	first=$(printf '%s\n' "$rows" | head -1)
	read -r pos total < <(grep -o '[0-9]*/[0-9]* ─┘' "$dump" | tr '/' ' ' | tr -d '─┘')
	expect=$(sqlite3 "$ENVCTL_DB" "SELECT count(*) FROM leases WHERE $where")
	[ "$total" = "$expect" ] || fail "$dump: total $total, the table has $expect"
	k=$(sqlite3 "$ENVCTL_DB" "WITH o AS (SELECT provider_lease_id p, row_number() OVER (ORDER BY $order) r FROM leases WHERE $where) SELECT r FROM o WHERE p = '$first'")
	expect=$(sqlite3 "$ENVCTL_DB" "SELECT provider_lease_id FROM leases WHERE $where ORDER BY $order LIMIT $n OFFSET $((k - 1))")
	[ "$rows" = "$expect" ] || fail "$dump: rows from position $k are not the list's: $(diff <(echo "$rows") <(echo "$expect") | head -5)"
	[ "$pos" -ge "$k" ] && [ "$pos" -le $((k + n - 1)) ] ||
		fail "$dump: selection $pos is not on the screen (rows $k..$((k + n - 1)))"
	# Enter opened the selected lease: it must be the one at that position.
	sel=$(grep -o 'sandbox://fake/run-[0-9]*' "${dump%.txt}-sel.txt" | head -1)
	[ "$sel" = "$(printf '%s\n' "$rows" | sed -n "$((pos - k + 1))p")" ] ||
		fail "$dump: position $pos shows $(printf '%s\n' "$rows" | sed -n "$((pos - k + 1))p"), Enter opened $sel"
	expect=$(sqlite3 "$ENVCTL_DB" "SELECT provider_lease_id FROM leases WHERE $where ORDER BY $order LIMIT 1 OFFSET $((pos - 1))")
	[ "$sel" = "$expect" ] || fail "$dump: the lease at position $pos is $expect, the view selected $sel"
	echo "$k $pos"
}
