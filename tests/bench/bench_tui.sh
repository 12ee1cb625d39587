# The console over a big database: 1,000 environments and 1,000,000
# leases. Reports the time to the leases view's first full frame, the
# latency of keys in it (scrolling, paging, jumping to the end, filtering,
# refreshing: from the key's arrival to its frame on screen), and peak
# memory, measured again with 10,000 leases to show it does not grow with
# the lease count. Also `lease list --json` over 100,000 leases against
# the sqlite3 shell running the same query.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
export LC_ALL=C.UTF-8 ENVCTL_TUI_NOW=2026-01-15T12:00:00.000Z
BIG=${BENCH_TUI_LEASES:-1000000}
keys() {
	local i
	for ((i = 0; i < 200; i++)); do echo "<Down>"; done
	for ((i = 0; i < 40; i++)); do echo "<PgDn>"; done
	echo "<End> <Home> G g"
	for ((i = 0; i < 40; i++)); do echo "<PgDn>"; done
	echo "/active<Enter>"
	for ((i = 0; i < 100; i++)); do echo "<Down>"; done
	echo "/<C-u>env-0500<Enter> <End> <Home>"
	echo "/<C-u>failed<Space>provider:fake<Enter> <End>"
	echo "<Esc> <C-r> <End> <PgUp> <PgUp>"
	for ((i = 0; i < 20; i++)); do echo "<C-r>"; done
}
keys >keys.txt
# The same keys over the list sorted by STATUS (#15: > moves from ACQUIRED
# to STATUS, S makes it ascending), then by PROVIDER under a status filter.
{ echo "> S"; keys; echo "<Esc> > /active<Enter> <End> <PgUp> <Home>"; } >keys-status.txt
seed() { # seed LEASES: prints the load time in ms
	local db="$PWD/bench-$1.db" t0
	rm -f "$db"*
	t0=$(ms)
	ENVCTL_DB="$db" bash "$here/seed.sh" 1000 "$1"
	echo $(($(ms) - t0))
}
run() { # run LEASES TAG [KEYS]
	ENVCTL_DB="$PWD/bench-$1.db" ENVCTL_TUI_STATS="$PWD/stats-$2" "$ENVCTL_BIN" --view leases --script "${3:-keys.txt}"
}
get() { sed -n "s/^$1 //p" "stats-$2"; }
t_seed=$(seed "$BIG")
echo "seeded 1,000 environments and $BIG leases in $t_seed ms"
row "seed $BIG leases (s)" "30 (target)" "$(ratio "$t_seed" 1000)" "$(ratio "$t_seed" 30000)" "< 30 s"
for r in 1 2 3; do run "$BIG" "big$r"; done
for k in first_frame_ms key_p95_ms key_max_ms key_mean_ms peak_rss_kb; do
	eval "$k=\$(for r in 1 2 3; do get $k big\$r; done | median)"
done
for r in 1 2 3; do run "$BIG" "sorted$r" keys-status.txt; done
for k in key_p95_ms key_max_ms; do
	eval "sorted_$k=\$(for r in 1 2 3; do get $k sorted\$r; done | median)"
done
seed 10000 >/dev/null
run 10000 small
echo "leases view, 1,000 environments, $BIG leases ($(get keys big1) keys, medians of 3 runs):"
row "console leases view, $BIG leases: key p95 (ms)" "16 (target)" "$key_p95_ms" "$(ratio "$key_p95_ms" 16)" "<= 16 ms"
row "console leases view, $BIG leases: key max (ms)" "50 (target)" "$key_max_ms" "$(ratio "$key_max_ms" 50)" "<= 50 ms"
row "console leases view, $BIG leases: first frame (ms)" "50 (target)" "$first_frame_ms" "$(ratio "$first_frame_ms" 50)" "<= 50 ms"
row "console leases view: peak RSS kB, 10k vs $BIG leases" "$(get peak_rss_kb small)" "$peak_rss_kb" "$(ratio "$peak_rss_kb" "$(get peak_rss_kb small)")" "flat"
echo "  (key latency mean $key_mean_ms ms)"
row "console leases view by STATUS, $BIG leases: key p95 (ms)" "16 (target)" "$sorted_key_p95_ms" "$(ratio "$sorted_key_p95_ms" 16)" "<= 16 ms"
row "console leases view by STATUS, $BIG leases: key max (ms)" "50 (target)" "$sorted_key_max_ms" "$(ratio "$sorted_key_max_ms" 50)" "<= 50 ms"

seed 100000 >/dev/null
export ENVCTL_DB="$PWD/bench-100000.db"
Q="SELECT id, environment_id, heartbeat_run_id, issue_id, status, lease_policy, provider, provider_lease_id, acquired_at, last_used_at, expires_at, released_at, failure_reason, cleanup_status, phase, json(metadata) AS metadata FROM leases ORDER BY acquired_at DESC, id DESC"
: >lc && : >ls
for _ in 1 2 3; do
	wall sqlite3 -json "$ENVCTL_DB" "$Q" >>ls
	wall "$ENVCTL_BIN" lease list --json >>lc
done
row "lease list --json, 100k leases (ms)" "$(median <ls)" "$(median <lc)" "$(ratio "$(median <lc)" "$(median <ls)")" "<= 2.00"
big=$(get peak_rss_kb big1) small=$(get peak_rss_kb small)
# Flat: a hundred times the leases may not cost more than 8 MB (SQLite's
# page cache is bounded; the view holds three screens of rows).
if [ "$big" -gt $((small + 8192)) ]; then
	echo "memory grows with the lease count: $small kB -> $big kB"; exit 1
fi
awk -v p="$key_p95_ms" 'BEGIN { exit !(p < 50) }' || { echo "keys too slow: p95 $key_p95_ms ms"; exit 1; }
