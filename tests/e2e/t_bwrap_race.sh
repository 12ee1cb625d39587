# Issue #12 (critical): a command still running in a bwrap lease swaps a
# directory of its workspace with a symlink to a host directory in a loop
# (renameat2 RENAME_EXCHANGE) while `lease destroy` removes the workspace.
# Destroy must stop the command first and remove with directory descriptors
# only: not one host file deleted or chmod-ed in 20 rounds, and the command
# is gone when destroy returns.
. "$(dirname "$0")/lib.sh"
ws_root="$XDG_DATA_HOME/envctl/bwrap-workspaces"
helper="${BUILD_DIR:-$(dirname "$ENVCTL_BIN")}/tests/helpers/swap_race"
[ -x "$helper" ] || fail "no $helper (make helpers)"
rounds=${RACE_ROUNDS:-20}
files=200

victim="$PWD/victim"
mkdir -p "$victim/sub"
for i in $(seq 0 $((files - 1))); do : > "$victim/f$i"; done
chmod 0755 "$victim" "$victim/sub"
snapshot() { find "$victim" -printf '%P %m %i\n' | sort; }
before=$(snapshot)

# wait_for DESC CMD...: polls CMD with a 10 s deadline.
wait_for() {
	local desc=$1 i; shift
	for i in $(seq 200); do "$@" && return 0; sleep 0.05; done
	fail "timed out waiting for $desc"
}

expect_rc 0 envctl env create racebox --provider bwrap --set timeoutMs=20000
touched=0
for r in $(seq "$rounds"); do
	expect_rc 0 envctl lease acquire racebox --json
	id=$(json_get "$out" j.id)
	ws="$ws_root/$(json_get "$out" j.metadata.workspaceId)"
	cp "$helper" "$ws/swap_race" && chmod 0755 "$ws/swap_race"
	envctl lease exec "$id" -- /workspace/swap_race "$victim" "$files" 15 >/dev/null 2>&1 &
	runner=$!
	wait_for "the swapper to start (round $r)" test -e "$ws/ready"
	envctl lease destroy "$id" --yes >/dev/null 2>"$PWD/destroy.err"
	now=$(snapshot)
	if [ "$now" != "$before" ]; then
		touched=$(diff <(echo "$before") <(echo "$now") | grep -c '^<')
		kill "$runner" 2>/dev/null
		fail "round $r: $touched host files deleted or changed outside the workspace"
	fi
	# The command must not outlive the destroy.
	gone() { ! kill -0 "$runner" 2>/dev/null; }
	for _ in $(seq 60); do gone && break; sleep 0.05; done
	gone || { kill "$runner"; fail "round $r: the command still runs 3 s after destroy"; }
	wait "$runner" 2>/dev/null
	[ ! -e "$ws" ] || fail "round $r: workspace $ws left: $(cat "$PWD/destroy.err")"
done
echo "bwrap race: $rounds rounds, $touched host files touched"

# Deeper than the removal keeps descriptors open for (64 levels), with
# read-only and mode-000 directories: all gone.
expect_rc 0 envctl lease acquire racebox --json
id=$(json_get "$out" j.id)
ws="$ws_root/$(json_get "$out" j.metadata.workspaceId)"
expect_rc 0 envctl lease exec "$id" -- sh -c \
	'p=.; for i in $(seq 300); do p=$p/d; mkdir $p; : > $p/f; done; chmod 000 d/d/d; chmod 500 d/d/d/d 2>/dev/null; true'
expect_rc 0 envctl lease destroy "$id" --yes
[ ! -e "$ws" ] || fail "deep workspace left"

# A mount point inside a workspace is refused, not crossed (root only).
if [ "$(id -u)" = 0 ]; then
	expect_rc 0 envctl lease acquire racebox --json
	id=$(json_get "$out" j.id)
	ws="$ws_root/$(json_get "$out" j.metadata.workspaceId)"
	mkdir "$ws/m"
	if mount -t tmpfs envctl-test "$ws/m" 2>/dev/null; then
		: > "$ws/m/keep"
		envctl lease destroy "$id" --yes >/dev/null 2>"$PWD/destroy.err" && {
			umount "$ws/m"; fail "destroy crossed a mount point"; }
		contains "$(cat "$PWD/destroy.err")" "mount point"
		mp=$(find "$ws_root" -name m -type d | head -1)
		[ -e "$mp/keep" ] || { umount "$mp"; fail "a file on the mounted device was removed"; }
		umount "$mp"
		echo "mount point refused and kept"
		expect_rc 0 envctl lease destroy "$id" --yes
		[ -z "$(ls -A "$ws_root" | grep -v '^.runs$')" ] || fail "left in $ws_root: $(ls -A "$ws_root")"
	fi
fi
