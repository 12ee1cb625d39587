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

{
	repeat_line "<Down>" 30; echo "<Dump a1.txt> <Enter> <Dump a1-sel.txt> q"
	repeat_line "<PgDn>" 50; echo "<Dump a2.txt> <Enter> <Dump a2-sel.txt> q"
	repeat_line "<PgUp>" 7; echo "<Dump a3.txt> <Enter> <Dump a3-sel.txt> q"
	echo "<End> <Dump a4.txt> <Enter> <Dump a4-sel.txt> q"
	repeat_line "<PgUp>" 3; echo "<Dump a5.txt> <Enter> <Dump a5-sel.txt> q"
	repeat_line "<Up>" 45; echo "<Dump a6.txt> <Enter> <Dump a6-sel.txt> q"
	echo "<Home> <Dump a7.txt> <Enter> <Dump a7-sel.txt> q"
	echo "G <Dump a8.txt> <Enter> <Dump a8-sel.txt> q g"
	repeat_line "<PgDn>" 120; echo "<C-r> <Dump a9.txt> <Enter> <Dump a9-sel.txt> q"
	echo "/failed<Enter>"; repeat_line "<PgDn>" 9; echo "<Dump f1.txt> <Enter> <Dump f1-sel.txt> q"
	echo "<End> <PgUp> <Dump f2.txt> <Enter> <Dump f2-sel.txt> q"
	repeat_line "<Down>" 7; echo "<Dump f3.txt> <Enter> <Dump f3-sel.txt> q"
	echo "/<C-u>env-0005<Enter>"; repeat_line "<PgDn>" 6; echo "<Dump e1.txt> <Enter> <Dump e1-sel.txt> q"
	echo "<End> <Up> <Dump e2.txt> <Enter> <Dump e2-sel.txt> q"
	echo "<Esc> S"; repeat_line "<PgDn>" 33; echo "<Dump o1.txt> <Enter> <Dump o1-sel.txt> q"
	repeat_line "<PgUp>" 4; echo "<Dump o2.txt> <Enter> <Dump o2-sel.txt> q"
	echo "<End> <Dump o3.txt> <Enter> <Dump o3-sel.txt> q"
} >keys.txt
envctl --view leases --script keys.txt >out.txt 2>&1 || fail "console: $(cat out.txt)"

newest="acquired_at DESC, id DESC" oldest="acquired_at, id"
lease_window_check a1.txt 1 "$newest" >/dev/null
lease_window_check a2.txt 1 "$newest" >/dev/null
lease_window_check a3.txt 1 "$newest" >/dev/null
read -r k pos < <(lease_window_check a4.txt 1 "$newest")
[ "$pos" = 5000 ] || fail "End selects $pos, not the last lease"
lease_window_check a5.txt 1 "$newest" >/dev/null
lease_window_check a6.txt 1 "$newest" >/dev/null
read -r k pos < <(lease_window_check a7.txt 1 "$newest")
[ "$k" = 1 ] && [ "$pos" = 1 ] || fail "Home shows row $k, selects $pos"
read -r k pos < <(lease_window_check a8.txt 1 "$newest")
[ "$pos" = 5000 ] || fail "G selects $pos"
lease_window_check a9.txt 1 "$newest" >/dev/null
lease_window_check f1.txt "status = 'failed'" "$newest" >/dev/null
lease_window_check f2.txt "status = 'failed'" "$newest" >/dev/null
lease_window_check f3.txt "status = 'failed'" "$newest" >/dev/null
env5=$(sqlite3 "$ENVCTL_DB" "SELECT id FROM environments WHERE name = 'env-0005'")
lease_window_check e1.txt "environment_id = '$env5'" "$newest" >/dev/null
lease_window_check e2.txt "environment_id = '$env5'" "$newest" >/dev/null
lease_window_check o1.txt 1 "$oldest" >/dev/null
lease_window_check o2.txt 1 "$oldest" >/dev/null
read -r k pos < <(lease_window_check o3.txt 1 "$oldest")
[ "$pos" = 5000 ] || fail "End of the oldest-first list selects $pos"
