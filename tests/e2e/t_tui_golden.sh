# Golden-screen tests: each tests/golden/tui/NAME.keys is a keystroke
# script run headless through the real binary; every screen it dumps
# (<Dump FILE>) must equal tests/golden/tui/FILE. UPDATE_GOLDEN=1
# rewrites the goldens from what the console draws now.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
gold="$here/../golden/tui"
root=$(cd "$here/../.." && pwd)
export LC_ALL=C.UTF-8 TERM=xterm ENVCTL_TUI_NOW=2026-01-15T12:00:00.000Z
unset NO_COLOR ENVCTL_TUI_SCRIPT ENVCTL_TUI_KEYS ENVCTL_TUI_SIZE
produced=""
for script in "$gold"/*.keys; do
	name=$(basename "$script" .keys)
	work="$TMPDIR/golden-$name"
	mkdir -p "$work"
	args=$(sed -n 's/^# args: //p' "$script" | head -1)
	envs=$(sed -n 's/^# env: //p' "$script" | head -1)
	# Each script has its own database; NAME.setup (bash) may fill it first.
	export ENVCTL_DB="$work/envctl.db"
	if [ -e "$gold/$name.setup" ]; then
		(cd "$work" && ROOT="$root" bash "$gold/$name.setup") >"$work/setup.out" 2>&1 ||
			fail "$name: setup failed: $(cat "$work/setup.out")"
	fi
	# Scripts refer to fixtures as $ROOT/...; dumps land in the work dir.
	sed "s|\$ROOT|$root|g" "$script" >"$work/script"
	(cd "$work" && env $envs "$ENVCTL_BIN" $args --script "$work/script") >"$work/out" 2>&1 ||
		fail "$name: the console exited $?: $(cat "$work/out")"
	for dump in "$work"/*.txt; do
		[ -e "$dump" ] || fail "$name: the script dumped no screen"
		f=$(basename "$dump")
		produced="$produced $f"
		if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
			cp "$dump" "$gold/$f"
		elif [ ! -e "$gold/$f" ]; then
			fail "$name: no golden $f (run with UPDATE_GOLDEN=1 to create it)"
		elif ! diff -u "$gold/$f" "$dump" >"$work/diff"; then
			cat "$work/diff"
			fail "$name: screen $f differs from its golden"
		fi
	done
done
# A golden no script produces any more is stale.
for g in "$gold"/*.txt; do
	[ -e "$g" ] || continue
	case " $produced " in *" $(basename "$g") "*) ;; *) fail "stale golden $(basename "$g")";; esac
done
echo "goldens: $(echo $produced | wc -w) screens"
