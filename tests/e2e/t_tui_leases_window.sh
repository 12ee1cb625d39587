# The leases view finds its windows by keyset from the edges of the last
# one (and from the far end for End), not by OFFSET. Whatever path the
# keys take, every screen must show the true window of the list at some
# position that holds the selection, with the true total: checked against
# sqlite3 running the plain OFFSET query, for the unfiltered list, a status
# filter, an environment filter and the oldest-first order. (The live
# refresh's change counter has its unit test in store_rows.)
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C.UTF-8 TERM=xterm ENVCTL_TUI_NOW=2026-01-15T12:00:00.000Z ENVCTL_TUI_SIZE=100x30
bash "$here/../bench/seed.sh" 12 5000 >/dev/null || fail "seeding"

rep() { local i; for ((i = 0; i < $2; i++)); do printf '%s\n' "$1"; done; }
{
	rep "<Down>" 30; echo "<Dump a1.txt> <Enter> <Dump a1-sel.txt> q"
	rep "<PgDn>" 50; echo "<Dump a2.txt> <Enter> <Dump a2-sel.txt> q"
	rep "<PgUp>" 7; echo "<Dump a3.txt> <Enter> <Dump a3-sel.txt> q"
	echo "<End> <Dump a4.txt> <Enter> <Dump a4-sel.txt> q"
	rep "<PgUp>" 3; echo "<Dump a5.txt> <Enter> <Dump a5-sel.txt> q"
	rep "<Up>" 45; echo "<Dump a6.txt> <Enter> <Dump a6-sel.txt> q"
	echo "<Home> <Dump a7.txt> <Enter> <Dump a7-sel.txt> q"
	echo "G <Dump a8.txt> <Enter> <Dump a8-sel.txt> q g"
	rep "<PgDn>" 120; echo "<C-r> <Dump a9.txt> <Enter> <Dump a9-sel.txt> q"
	echo "/failed<Enter>"; rep "<PgDn>" 9; echo "<Dump f1.txt> <Enter> <Dump f1-sel.txt> q"
	echo "<End> <PgUp> <Dump f2.txt> <Enter> <Dump f2-sel.txt> q"
	rep "<Down>" 7; echo "<Dump f3.txt> <Enter> <Dump f3-sel.txt> q"
	echo "/<C-u>env-0005<Enter>"; rep "<PgDn>" 6; echo "<Dump e1.txt> <Enter> <Dump e1-sel.txt> q"
	echo "<End> <Up> <Dump e2.txt> <Enter> <Dump e2-sel.txt> q"
	echo "<Esc> S"; rep "<PgDn>" 33; echo "<Dump o1.txt> <Enter> <Dump o1-sel.txt> q"
	rep "<PgUp>" 4; echo "<Dump o2.txt> <Enter> <Dump o2-sel.txt> q"
	echo "<End> <Dump o3.txt> <Enter> <Dump o3-sel.txt> q"
} >keys.txt
envctl --view leases --script keys.txt >out.txt 2>&1 || fail "console: $(cat out.txt)"

# check DUMP WHERE ORDER: the screen's rows are the OFFSET window of
# "SELECT ... WHERE ... ORDER BY ..." starting at the first row's position,
# the selection is inside it and the total is right.
check() {
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
newest="acquired_at DESC, id DESC" oldest="acquired_at, id"
check a1.txt 1 "$newest" >/dev/null
check a2.txt 1 "$newest" >/dev/null
check a3.txt 1 "$newest" >/dev/null
read -r k pos < <(check a4.txt 1 "$newest")
[ "$pos" = 5000 ] || fail "End selects $pos, not the last lease"
check a5.txt 1 "$newest" >/dev/null
check a6.txt 1 "$newest" >/dev/null
read -r k pos < <(check a7.txt 1 "$newest")
[ "$k" = 1 ] && [ "$pos" = 1 ] || fail "Home shows row $k, selects $pos"
read -r k pos < <(check a8.txt 1 "$newest")
[ "$pos" = 5000 ] || fail "G selects $pos"
check a9.txt 1 "$newest" >/dev/null
check f1.txt "status = 'failed'" "$newest" >/dev/null
check f2.txt "status = 'failed'" "$newest" >/dev/null
check f3.txt "status = 'failed'" "$newest" >/dev/null
env5=$(sqlite3 "$ENVCTL_DB" "SELECT id FROM environments WHERE name = 'env-0005'")
check e1.txt "environment_id = '$env5'" "$newest" >/dev/null
check e2.txt "environment_id = '$env5'" "$newest" >/dev/null
check o1.txt 1 "$oldest" >/dev/null
check o2.txt 1 "$oldest" >/dev/null
read -r k pos < <(check o3.txt 1 "$oldest")
[ "$pos" = 5000 ] || fail "End of the oldest-first list selects $pos"
