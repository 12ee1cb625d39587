# Random input must never crash the console: random keys, resizes (down
# to 1x1) and mouse events, fed through the script path, for a bounded
# time (TUI_RANDOM_SECONDS, default 20). Under `make asan` the binary is
# the ASan+UBSan build, so any memory error fails the run. Each run's
# seed is printed; TUI_RANDOM_SEED=N replays one.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
seconds=${TUI_RANDOM_SECONDS:-20}
keys=("<Enter>" "<Esc>" "<Tab>" "<S-Tab>" "<Up>" "<Down>" "<Left>" "<Right>" "<PgUp>" "<PgDn>"
	"<Home>" "<End>" "<BS>" "<Del>" "<Space>" "<Lt>" "<C-r>" "<C-l>" "<C-u>" "<C-s>" "<C-d>"
	"<C-t>" "<F1>" ":" "/" "?" "j" "k" "g" "G" "S" ">" "f" "a" "x" "1" "-" "é" "世" "<Gt>")
# Letters except q (and no ^C): the run should not end itself early.
letters=abcdefghijklmnoprstuvwxyz
gen() {
	local n=$1 i r
	for ((i = 0; i < n; i++)); do
		r=$((RANDOM % 100))
		if ((r < 55)); then
			printf '%s\n' "${keys[RANDOM % ${#keys[@]}]}"
		elif ((r < 80)); then
			printf '%s\n' "${letters:RANDOM % ${#letters}:1}"
		elif ((r < 88)); then
			printf '<Resize %dx%d>\n' $((RANDOM % 160 + 1)) $((RANDOM % 60 + 1))
		else
			local kinds=(click double wheelup wheeldown)
			printf '<Mouse %s %d %d>\n' "${kinds[RANDOM % 4]}" $((RANDOM % 170)) $((RANDOM % 65))
		fi
	done
	echo "<Resize 80x24>"
}
# Some data, so the data views, their actions and the forms get keys too.
bash "$(dirname "$0")/../bench/seed.sh" 6 40 >/dev/null
start=$(date +%s)
runs=0
while :; do
	seed=${TUI_RANDOM_SEED:-$(( (start * 7919 + runs * 104729) % 32768 ))}
	RANDOM=$seed
	gen 1500 >"$TMPDIR/script"
	if ! "$ENVCTL_BIN" --script "$TMPDIR/script" >"$TMPDIR/out" 2>&1; then
		cp "$TMPDIR/script" /tmp/envctl-random-failed.keys
		fail "seed $seed: the console failed (script kept in /tmp/envctl-random-failed.keys): $(tail -30 "$TMPDIR/out")"
	fi
	runs=$((runs + 1))
	[ -n "${TUI_RANDOM_SEED:-}" ] && break
	(( $(date +%s) - start >= seconds )) && break
done
echo "random input: $runs runs of 1500 events, no crash (first seed $(( (start * 7919) % 32768 )))"
