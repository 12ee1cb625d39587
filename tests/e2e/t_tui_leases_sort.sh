# #15: the leases view sorted by STATUS or PROVIDER, either way, is still
# windowed by keyset (one status or provider at a time, see
# store_lease_each): whatever path the keys take, across the boundaries
# between statuses and from the far end, every screen shows the true
# window of the sorted list, checked against sqlite3 running the plain
# ORDER BY ... OFFSET query (ties newest first), with and without the
# status and provider filters.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C.UTF-8 TERM=xterm ENVCTL_TUI_NOW=2026-01-15T12:00:00.000Z ENVCTL_TUI_SIZE=100x30
bash "$here/../bench/seed.sh" 12 3000 >/dev/null || fail "seeding"
# A second provider for a third of the leases (the counts follow by trigger).
sqlite3 "$ENVCTL_DB" "UPDATE leases SET provider = 'bwrap' WHERE rowid % 3 = 0" ||
	fail "setting providers"

{
	# > from ACQUIRED to STATUS (still descending), S: ascending
	echo "> S"; repeat_line "<PgDn>" 30; echo "<Dump s1.txt> <Enter> <Dump s1-sel.txt> q"
	repeat_line "<Down>" 200; echo "<Dump s2.txt> <Enter> <Dump s2-sel.txt> q"
	echo "<End> <Dump s3.txt> <Enter> <Dump s3-sel.txt> q"
	repeat_line "<PgUp>" 40; echo "<Dump s4.txt> <Enter> <Dump s4-sel.txt> q"
	repeat_line "<Up>" 300; echo "<Dump s5.txt> <Enter> <Dump s5-sel.txt> q"
	echo "<Home> <Dump s6.txt> <Enter> <Dump s6-sel.txt> q"
	echo "S"; repeat_line "<PgDn>" 45; echo "<Dump d1.txt> <Enter> <Dump d1-sel.txt> q"
	echo "G <PgUp> <PgUp> <Dump d2.txt> <Enter> <Dump d2-sel.txt> q"
	echo "g /provider:bwrap<Enter>"; repeat_line "<PgDn>" 20; echo "<Dump b1.txt> <Enter> <Dump b1-sel.txt> q"
	echo "<End> <Up> <Dump b2.txt> <Enter> <Dump b2-sel.txt> q"
	# > from STATUS to PROVIDER (still descending), under a status filter;
	# then unfiltered and ascending (S)
	echo "<Esc> > /failed<Enter>"; repeat_line "<PgDn>" 5; echo "<Dump p1.txt> <Enter> <Dump p1-sel.txt> q"
	echo "<End> <PgUp> <Dump p2.txt> <Enter> <Dump p2-sel.txt> q"
	echo "<Esc> S"; repeat_line "<PgDn>" 60; echo "<Dump p3.txt> <Enter> <Dump p3-sel.txt> q"
	echo "<End> <Up> <Up> <Dump p4.txt> <Enter> <Dump p4-sel.txt> q"
} >keys.txt
envctl --view leases --script keys.txt >out.txt 2>&1 || fail "console: $(cat out.txt)"

tie="acquired_at DESC, id DESC"
for d in s1 s2 s3 s4 s5 s6; do lease_window_check $d.txt 1 "status, $tie" >/dev/null; done
read -r k pos < <(lease_window_check s3.txt 1 "status, $tie")
[ "$pos" = 3000 ] || fail "End of the STATUS order selects $pos, not the last lease"
read -r k pos < <(lease_window_check s6.txt 1 "status, $tie")
[ "$k" = 1 ] && [ "$pos" = 1 ] || fail "Home shows row $k, selects $pos"
lease_window_check d1.txt 1 "status DESC, $tie" >/dev/null
lease_window_check d2.txt 1 "status DESC, $tie" >/dev/null
lease_window_check b1.txt "provider = 'bwrap'" "status DESC, $tie" >/dev/null
lease_window_check b2.txt "provider = 'bwrap'" "status DESC, $tie" >/dev/null
lease_window_check p1.txt "status = 'failed'" "provider DESC, $tie" >/dev/null
lease_window_check p2.txt "status = 'failed'" "provider DESC, $tie" >/dev/null
lease_window_check p3.txt 1 "provider, $tie" >/dev/null
lease_window_check p4.txt 1 "provider, $tie" >/dev/null
grep -q 'STATUS▲' s1.txt && grep -q 'STATUS▼' d1.txt && grep -q 'PROVID…▼' p1.txt ||
	fail "the headings do not show the sort: $(for f in s1 d1 p1; do sed -n 3p $f.txt; done)"
