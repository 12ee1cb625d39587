# The console's data-safety rules in a real terminal (#14): tmux runs
# build/envctl, send-keys types, paste-buffer pastes, capture-pane reads.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
sock="envctl-safety-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; }
trap cleanup EXIT
screen() { tm capture-pane -p -t t 2>/dev/null; }
wait_for() {
	for _ in $(seq 1 200); do
		case "$(screen)" in *"$1"*) return 0;; esac
		sleep 0.05
	done
	fail "the console never showed \"$1\"; screen:
$(screen)"
}
wait_gone() {
	for _ in $(seq 1 200); do
		tm has-session -t t 2>/dev/null || return 0
		sleep 0.05
	done
	fail "the console did not exit; screen:
$(screen)"
}
start() { # start ARGS...: a fresh console session "t"
	tm kill-session -t t 2>/dev/null || true
	tm new-session -d -s t -x 120 -y 40 "$*; echo \"exit=\$?\" >$TMPDIR/exit; sleep 0.2"
	tm set -g escape-time 0
}
export LC_ALL=C.UTF-8
envctl env create web-1 --provider fake --description "first" >/dev/null || fail "env create"

# --- --readonly on a database in a directory this user cannot write
# (run as nobody: root writes anywhere). It opens and browses, and
# creates nothing beside the database.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	ro="$TMPDIR/ro"
	mkdir -p "$ro/db" "$ro/home"
	envctl db backup "$ro/db/envctl.db" >/dev/null || fail "db backup"
	chmod 755 "$TMPDIR" "$ro" "$ro/db"
	chmod 644 "$ro/db/envctl.db"
	chown nobody "$ro/home"
	key=$(cat "$XDG_CONFIG_HOME/envctl/master.key" 2>/dev/null || cat "$HOME/.config/envctl/master.key")
	start setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$ro/home" \
		XDG_CONFIG_HOME="$ro/home" ENVCTL_MASTER_KEY="$key" ENVCTL_DB="$ro/db/envctl.db" \
		"$ENVCTL_BIN" --readonly
	wait_for "web-1"
	tm send-keys -t t Enter
	wait_for "first"
	tm send-keys -t t q q
	wait_gone
	grep -q "exit=0" "$TMPDIR/exit" || fail "readonly console exit: $(cat "$TMPDIR/exit")"
	[ "$(ls "$ro/db")" = envctl.db ] || fail "read-only open left files: $(ls "$ro/db")"
else
	echo "note: not root or no setpriv: the read-only directory case is not run"
fi
echo "t_tui_safety: ok"
