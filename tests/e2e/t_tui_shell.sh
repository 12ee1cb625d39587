# s on an active lease (#15). bwrap has an interactive shell: the console
# suspends, a real PTY shell runs in the sandbox (echo $$ is 1, the
# sandbox's pid namespace; the title escape it prints never reaches the
# terminal), and exit comes back to an intact leases view. The CLI twin
# lease shell does the same on a terminal, and line mode on a pipe. A
# plugin provider that only has environmentExecute gets line mode, and
# the screen says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export LC_ALL=C.UTF-8

"$ENVCTL_BIN" env create box --provider bwrap >/dev/null
if ! "$ENVCTL_BIN" env probe box >/dev/null 2>&1; then
	echo "SKIP: bwrap cannot run here"
	exit 77
fi
expect_rc 0 envctl lease acquire box --json
id=$(json_get "$out" 'j.id')

# The CLI twin on a pipe: line mode, saying why; escapes made visible.
out=$(printf 'echo $$\nprintf "\\033]0;pwned\\a"\nexit\necho never\n' | "$ENVCTL_BIN" lease shell "$id") ||
	fail "lease shell exited $?: $out"
contains "$out" "Line mode (input is not a terminal)"
printf '%s\n' "$out" | grep -q '^lease\$ 1$' || fail "echo \$\$ in the sandbox's pid namespace is not 1: $out"
contains "$out" '\x1b]0;pwned\x07'
case "$out" in *never*) fail "a line after exit ran: $out";; esac
# A provider that cannot execute is refused, naming why.
"$ENVCTL_BIN" env create f --provider fake >/dev/null
expect_rc 0 envctl lease acquire f --json
fid=$(json_get "$out" 'j.id')
expect_rc 10 envctl lease shell "$fid" </dev/null
contains "$errout" "cannot execute"

# wait_prompt: until the shell's prompt ends the screen (typed ahead, the
# line would race the shell's start).
wait_prompt() {
	for _ in $(seq 1 200); do screen | grep -v '^$' | tail -1 | grep -q '\$ *$' && return 0; sleep 0.05; done
	fail "no shell prompt: $(screen)"
}
# The CLI twin on a terminal: the PTY shell; the OSC title is dropped.
tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN lease shell $id; echo \"cli rc=\$?\"; sleep 30"
tm set -g escape-time 0
wait_prompt
tm send-keys -t t 'tty >/dev/null && echo "is a tty $$"; printf "\033]2;pwned\007"; exit' Enter
wait_for "cli rc=0"
screen | grep -q '^is a tty 1$' || fail "the CLI shell is no PTY in the sandbox: $(screen)"
case "$(tm display -p -t t '#{pane_title}')" in *pwned*) fail "the sandbox set the terminal's title";; esac
tm kill-session -t t

tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN --view leases; sleep 0.2"
wait_for "Leases(2)"
tm send-keys -t t "/" "provider:bwrap" Enter
wait_for "Leases(1"
tm send-keys -t t s
# The PTY shell: a prompt, then the operator's line.
wait_prompt
tm send-keys -t t 'echo $$; exit' Enter
wait_for "back from the shell in lease $id"
wait_for "Leases(1"
wait_for "r release"
wait_for "$(printf '%.8s' "$id")"
# What the shell printed is on the normal screen the console left.
SCREEN_ARGS=-a screen | grep -qx 1 || fail "echo \$\$ printed no 1: $(SCREEN_ARGS=-a screen)"
case "$(screen)" in *'echo $$'*) fail "the shell's lines are left on the console: $(screen)";; esac
tm send-keys -t t q q
wait_gone

# A plugin provider with only environmentExecute: line mode, and why.
mkdir -p plugins/tw
cat >plugins/tw/manifest.json <<JSON
{"id":"test.tw","name":"Test worker","version":"1","apiVersion":1,
 "worker":["$BUILD_DIR/tests/helpers/test_worker"],
 "environmentDrivers":[{"driverKey":"tw","kind":"sandbox_provider","displayName":"TW",
  "description":"test worker","capabilities":["execute"],
  "configSchema":{"type":"object","properties":{}}}]}
JSON
export ENVCTL_PLUGIN_PATH="$PWD/plugins"
expect_rc 0 envctl env create lm --provider tw
expect_rc 0 envctl lease acquire lm --json
tid=$(json_get "$out" 'j.id')
tm new-session -d -s t -x 120 -y 30 "$ENVCTL_BIN --view leases; sleep 0.2"
wait_for "Leases(3)"
tm send-keys -t t "/" "provider:tw" Enter
wait_for "Leases(1"
tm send-keys -t t s
wait_for "Line mode (the provider has no interactive shell, only environmentExecute)"
tm send-keys -t t 'echo hi' Enter
wait_for "ran sh -c echo hi"
tm send-keys -t t 'exit' Enter
wait_for "back from the shell in lease $tid"
wait_for "r release"
tm send-keys -t t q q
echo ok
