# :columns (#15) in a real terminal: the choice is written to tui.conf
# (its own line; the operator's other lines stay) and the next console
# starts with it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export LC_ALL=C.UTF-8
expect_rc 0 envctl env create web --provider fake
expect_rc 0 envctl lease acquire web --run run-77
mkdir -p "$XDG_CONFIG_HOME/envctl"
printf '# my settings\nrefresh = 3\n' >"$XDG_CONFIG_HOME/envctl/tui.conf"

tm new-session -d -s t -x 120 -y 30 "$ENVCTL_BIN --view leases; sleep 0.2"
tm set -g escape-time 0
wait_for "Leases(1)"
case "$(screen)" in *"RUN ID"*) fail "run id shown before it was chosen";; esac
tm send-keys -t t ":columns +run-id,-policy" Enter
wait_for "(kept in tui.conf)"
wait_for "RUN ID"
wait_for "run-77"
tm send-keys -t t q
wait_gone
conf=$(cat "$XDG_CONFIG_HOME/envctl/tui.conf")
contains "$conf" "# my settings"
contains "$conf" "refresh = 3"
contains "$conf" "columns.leases = environment,status,provider,provider-lease-id,acquired,expires,run-id"

tm new-session -d -s t -x 120 -y 30 "$ENVCTL_BIN --view leases; sleep 0.2"
wait_for "RUN ID"
case "$(screen)" in *POLICY*) fail "the hidden policy column came back: $(screen)";; esac
tm send-keys -t t q
wait_gone
echo ok
