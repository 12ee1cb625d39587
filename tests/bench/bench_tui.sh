# The console over a big database: 1,000 environments and 100,000 leases.
# Reports the time to the leases view's first full frame, the latency of
# keys in it (scrolling, paging, jumping to the end, filtering: from the
# key's arrival to its frame on screen), and peak memory — measured again
# with 10,000 leases to show it does not grow with the lease count (the
# view asks the store for a window, never for every row).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C.UTF-8 ENVCTL_TUI_NOW=2026-01-15T12:00:00.000Z
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
run() {
	local leases=$1 db="$PWD/bench-$1.db"
	rm -f "$db"*
	ENVCTL_DB="$db" bash "$here/seed.sh" 1000 "$leases"
	keys >keys.txt
	local start end
	start=$(date +%s%N)
	ENVCTL_DB="$db" ENVCTL_TUI_STATS="$PWD/stats-$leases" "$ENVCTL_BIN" --view leases --script keys.txt
	end=$(date +%s%N)
	echo "wall_ms $(( (end - start) / 1000000 ))" >>"stats-$leases"
}
run 100000
# The console's own first screen (environments, 1,000 of them, each with
# its last probe and active lease count), then a few keys there.
printf '<Down> <PgDn> <End> /env-09<Enter> <Esc> <C-r>\n' >keys-envs.txt
ENVCTL_DB="$PWD/bench-100000.db" ENVCTL_TUI_STATS="$PWD/stats-envs" "$ENVCTL_BIN" --script keys-envs.txt
run 10000
get() { sed -n "s/^$1 //p" "stats-$2"; }
printf 'leases view, 1,000 environments, 100,000 leases:\n'
printf '  first full frame     %8s ms (whole run, %s keys: %s ms)\n' "$(get first_frame_ms 100000)" "$(get keys 100000)" "$(get wall_ms 100000)"
printf '  key latency mean     %8s ms\n' "$(get key_mean_ms 100000)"
printf '  key latency p95      %8s ms\n' "$(get key_p95_ms 100000)"
printf '  key latency max      %8s ms\n' "$(get key_max_ms 100000)"
printf '  peak memory          %8s kB (with 10,000 leases: %s kB)\n' "$(get peak_rss_kb 100000)" "$(get peak_rss_kb 10000)"
printf 'environments view (the first screen), same database:\n'
printf '  first full frame     %8s ms\n' "$(get first_frame_ms envs)"
printf '  key latency max      %8s ms (%s keys, reloads included)\n' "$(get key_max_ms envs)" "$(get keys envs)"
big=$(get peak_rss_kb 100000) small=$(get peak_rss_kb 10000)
# Flat: ten times the leases may not cost more than 8 MB (SQLite's page
# cache is bounded; the view holds three screens of rows).
if [ "$big" -gt $((small + 8192)) ]; then
	echo "memory grows with the lease count: $small kB -> $big kB"; exit 1
fi
p95=$(get key_p95_ms 100000)
# "Without perceptible delay": a key's frame within 50 ms at the 95th percentile.
awk -v p="$p95" 'BEGIN { exit !(p < 50) }' || { echo "keys too slow: p95 $p95 ms"; exit 1; }
