# s on an active bwrap lease (#15): the console hands the terminal to the
# line-mode shell (each line one execute call in the sandbox), and comes
# back to an intact leases view on exit. The CLI twin is lease shell.
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

# The CLI twin: lines in, output out, escapes made visible, exit leaves.
out=$(printf 'echo $$\nprintf "\\033]0;pwned\\a"\nexit\necho never\n' | "$ENVCTL_BIN" lease shell "$id") ||
	fail "lease shell exited $?: $out"
contains "$out" "Line mode"
printf '%s\n' "$out" | grep -q '^lease\$ 1$' || fail "echo \$\$ in the sandbox's pid namespace is not 1: $out"
contains "$out" '\x1b]0;pwned\x07'
case "$out" in *never*) fail "a line after exit ran: $out";; esac
# A provider that cannot execute is refused, naming why.
"$ENVCTL_BIN" env create f --provider fake >/dev/null
expect_rc 0 envctl lease acquire f --json
fid=$(json_get "$out" 'j.id')
expect_rc 10 envctl lease shell "$fid" </dev/null
contains "$errout" "cannot execute"

tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN --view leases; sleep 0.2"
tm set -g escape-time 0
wait_for "Leases(2)"
tm send-keys -t t "/" "provider:bwrap" Enter
wait_for "Leases(1"
tm send-keys -t t s
wait_for "Line mode"
tm send-keys -t t 'echo $$' Enter
wait_for 'lease$ echo $$'
for _ in $(seq 1 200); do screen | grep -qx 1 && break; sleep 0.05; done
screen | grep -qx 1 || fail "echo \$\$ printed no 1: $(screen)"
tm send-keys -t t 'exit' Enter
wait_for "back from the shell in lease $id"
wait_for "Leases(1"
wait_for "r release"
case "$(screen)" in *"Line mode"*) fail "the shell's lines are left on the console: $(screen)";; esac
tm send-keys -t t q q
echo ok
