# Drives the real console in a real terminal: tmux runs build/envctl,
# send-keys types, capture-pane reads the screen, resize-window resizes.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 0; }
sock="envctl-e2e-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; }
trap cleanup EXIT
screen() { tm capture-pane -p -t t 2>/dev/null; }
# wait_for TEXT: until the screen shows TEXT (5 s).
wait_for() {
	for _ in $(seq 1 100); do
		case "$(screen)" in *"$1"*) return 0;; esac
		sleep 0.05
	done
	fail "the console never showed \"$1\"; screen:
$(screen)"
}
wait_gone() {
	for _ in $(seq 1 100); do
		tm has-session -t t 2>/dev/null || return 0
		sleep 0.05
	done
	fail "the console did not exit; screen:
$(screen)"
}

export LC_ALL=C.UTF-8
tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN; echo \"exit=\$?\" >$TMPDIR/exit; sleep 0.2"
tm set -g escape-time 0
wait_for "Environments(0)"
wait_for "no environments yet"
tm send-keys -t t ":providers" Enter
wait_for "Providers(1)"
screen | grep -q "? help" || fail "no footer"

# Help lists the view's keys, Esc closes it.
tm send-keys -t t "?"
wait_for "Keys of Providers"
tm send-keys -t t Escape
wait_for "Providers(1)"

# Resize below the minimum and back.
tm resize-window -t t -x 50 -y 10
wait_for "terminal too small"
wait_for "(need 60×12)"
tm resize-window -t t -x 100 -y 30
wait_for "Providers(1)"

# Command mode completes and opens; Enter opens a provider's detail.
tm send-keys -t t ":" "prov" Tab
wait_for ":providers :prov"
tm send-keys -t t "i" Enter
wait_for "Providers(1)"
tm send-keys -t t Enter
wait_for "Provider fake"
wait_for "reuseLease"
tm send-keys -t t q
wait_for "Providers(1)"

# A filter that matches nothing says so; Esc clears it.
tm send-keys -t t "/" "zzz" Enter
wait_for 'no rows match "zzz"'
tm send-keys -t t Escape
wait_for "fake"

# q on the first view quits with status 0 (:providers replaced the stack).
tm send-keys -t t q
wait_gone
[ "$(cat "$TMPDIR/exit")" = "exit=0" ] || fail "console exit: $(cat "$TMPDIR/exit")"

# Without a terminal the console refuses clearly instead of drawing garbage.
expect_rc 2 envctl </dev/null
contains "$errout" "needs a terminal"
