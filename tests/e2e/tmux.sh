# The console in a real terminal, for tests/e2e/t_tui_*.sh (sourced after
# lib.sh): tm runs tmux on a private server that is killed on exit,
# screen reads the pane ($SCREEN_ARGS adds capture-pane options, e.g.
# scrollback), wait_for and wait_gone poll the state with a 10 s deadline.
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
sock="envctl-e2e-$(basename "$0" .sh)-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; }
trap cleanup EXIT
# shellcheck disable=SC2086 # SCREEN_ARGS holds several words on purpose
screen() { tm capture-pane -p -t t ${SCREEN_ARGS:-} 2>/dev/null; }
# wait_for TEXT: until the screen shows TEXT.
wait_for() {
	for _ in $(seq 1 200); do
		case "$(screen)" in *"$1"*) return 0;; esac
		sleep 0.05
	done
	fail "the console never showed \"$1\"; screen:
$(screen)"
}
# wait_gone: until the console's session has ended.
wait_gone() {
	for _ in $(seq 1 200); do
		tm has-session -t t 2>/dev/null || return 0
		sleep 0.05
	done
	fail "the console did not exit; screen:
$(screen)"
}
