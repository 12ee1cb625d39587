# Drives the real console in a real terminal: tmux runs build/envctl,
# send-keys types, capture-pane reads the screen, resize-window resizes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

export LC_ALL=C.UTF-8
tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN; echo \"exit=\$?\" >$TMPDIR/exit; sleep 0.2"
tm set -g escape-time 0
wait_for "Environments(0)"
wait_for "no environments yet"
tm send-keys -t t ":providers" Enter
wait_for "Providers("
screen | grep -q "? help" || fail "no footer"

# Help lists the view's keys, Esc closes it.
tm send-keys -t t "?"
wait_for "Keys of Providers"
tm send-keys -t t Escape
wait_for "Providers("

# Resize below the minimum and back.
tm resize-window -t t -x 50 -y 10
wait_for "terminal too small"
wait_for "(need 60×12)"
tm resize-window -t t -x 100 -y 30
wait_for "Providers("

# Command mode completes and opens; Enter opens a provider's detail.
tm send-keys -t t ":" "prov" Tab
wait_for ":providers :prov"
tm send-keys -t t "i" Enter
wait_for "Providers("
tm send-keys -t t "/" "fake" Enter Enter
wait_for "Provider fake"
wait_for "reuseLease"
tm send-keys -t t q
wait_for "Providers("

# A filter that matches nothing says so; Esc clears it.
tm send-keys -t t "/" C-u "zzz" Enter
wait_for 'no rows match "zzz"'
tm send-keys -t t Escape
wait_for "fake"

# q on the first view quits with status 0 (:providers replaced the stack).
tm send-keys -t t q
wait_gone
[ "$(cat "$TMPDIR/exit")" = "exit=0" ] || fail "console exit: $(cat "$TMPDIR/exit")"

# The whole loop in a real terminal: create an environment through the
# form, probe it, acquire and release a lease; then the CLI reads the
# database the console wrote.
tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN; echo \"exit=\$?\" >$TMPDIR/exit2; sleep 0.2"
wait_for "no environments yet"
tm send-keys -t t n
wait_for "pick its provider"
tm send-keys -t t "/" "fake" Enter Enter
wait_for "New Fake sandbox"
tm send-keys -t t "tmux-env" Tab "made in tmux" Tab C-u "alpine:3.20"
# Resizing mid-form keeps what was typed.
tm resize-window -t t -x 90 -y 26
wait_for "alpine:3.20"
tm send-keys -t t C-s
wait_for "created environment tmux-env"
wait_for "tmux-env"
tm send-keys -t t p
wait_for "probe of tmux-env ok"
tm send-keys -t t a
wait_for "Acquire a lease on tmux-env"
tm send-keys -t t "run-42" Tab "ISS-1" C-s
wait_for "acquired lease"
tm send-keys -t t ":leases" Enter
wait_for "Leases(1)"
wait_for "active"
# Releasing an active lease asks first (#14), naming the lease and its
# environment, focus on Cancel: Enter there keeps it.
tm send-keys -t t r
wait_for "Release the active lease"
wait_for "environment tmux-env"
tm send-keys -t t Enter
wait_for "cancelled"
[ "$(json_get "$(envctl lease list --json)" 'j[0].status')" = active ] || fail "Enter on Cancel released"
tm send-keys -t t r
wait_for "Release the active lease"
tm send-keys -t t Tab Enter
wait_for "released sandbox://fake/"
tm send-keys -t t q
wait_gone
[ "$(cat "$TMPDIR/exit2")" = "exit=0" ] || fail "console exit: $(cat "$TMPDIR/exit2")"

expect_rc 0 envctl env list --json
json_ok "$out"
[ "$(json_get "$out" 'j.length')" = 1 ] || fail "want one environment: $out"
[ "$(json_get "$out" 'j[0].name')" = tmux-env ] || fail "name: $out"
[ "$(json_get "$out" 'j[0].description')" = "made in tmux" ] || fail "description: $out"
expect_rc 0 envctl env show tmux-env --json
[ "$(json_get "$out" 'j.config.image')" = "alpine:3.20" ] || fail "image: $out"
expect_rc 0 envctl lease list --json
json_ok "$out"
[ "$(json_get "$out" 'j.length')" = 1 ] || fail "want one lease: $out"
[ "$(json_get "$out" 'j[0].heartbeatRunId')" = run-42 ] || fail "run id: $out"
[ "$(json_get "$out" 'j[0].issueId')" = ISS-1 ] || fail "issue id: $out"
[ "$(json_get "$out" 'j[0].status')" = released ] || fail "status: $out"
expect_rc 0 envctl activity --json
contains "$out" "environment.created"
contains "$out" "tui:"

# Without a terminal the console refuses clearly instead of drawing garbage.
expect_rc 2 envctl </dev/null
contains "$errout" "needs a terminal"
