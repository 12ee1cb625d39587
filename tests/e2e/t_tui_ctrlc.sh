# ^C in a real terminal is a key, not SIGINT: it goes through the
# unsaved-form guard, then quits cleanly (exit 0) and the console shuts its
# plugin workers down. Regression: cbreak() kept ISIG, so ^C was SIGINT and
# ncurses' handler exited 1 with the form, the guard and the workers'
# shutdown skipped.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
. "$(dirname "$0")/tmux.sh"

# A plugin whose worker is a copy of the test worker at a path of its own,
# so this test can see whether that process is still alive.
worker="$TMPDIR/ctrlc-worker"
cp "$BUILD_DIR/tests/helpers/test_worker" "$worker"
mkdir -p "$TMPDIR/plugins/tw"
cat >"$TMPDIR/plugins/tw/manifest.json" <<JSON
{"id":"test.ctrlc","name":"Test ctrlc","version":"1.0.0","apiVersion":1,
 "worker":["$worker"],
 "environmentDrivers":[{"driverKey":"testc","kind":"sandbox_provider","displayName":"Test C",
   "configSchema":{"type":"object","properties":{"mode":{"type":"string"}}}}]}
JSON
export ENVCTL_PLUGIN_PATH="$TMPDIR/plugins"
expect_rc 0 envctl env create plug-env --provider testc

export LC_ALL=C.UTF-8
tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN; echo \"exit=\$?\" >$TMPDIR/exit; sleep 0.2"
tm set -g escape-time 0
wait_for "plug-env"
# A probe starts the plugin's worker.
tm send-keys -t t p
wait_for "probe of plug-env ok"
pgrep -f "$worker" >/dev/null || fail "the probe left no worker running"

# ^C over a form with unsaved changes warns and keeps the console.
tm send-keys -t t n
wait_for "pick its provider"
tm send-keys -t t "/" "fake" Enter Enter
wait_for "New Fake sandbox"
tm send-keys -t t "half-typed"
wait_for "half-typed"
tm send-keys -t t C-c
wait_for "unsaved changes in"
tm has-session -t t 2>/dev/null || fail "the first ^C quit over unsaved changes"
# A key in between disarms it: ^C warns again.
tm send-keys -t t "x"
wait_for "half-typedx"
tm send-keys -t t C-c
wait_for "unsaved changes in"
[ -e "$TMPDIR/exit" ] && fail "console exited: $(cat "$TMPDIR/exit")"
# The second ^C in a row quits, with status 0.
tm send-keys -t t C-c
wait_gone
[ "$(cat "$TMPDIR/exit")" = "exit=0" ] || fail "console exit after ^C: $(cat "$TMPDIR/exit")"
for _ in $(seq 1 100); do
	pgrep -f "$worker" >/dev/null || break
	sleep 0.05
done
pgrep -f "$worker" >/dev/null && fail "the plugin worker outlived the console"

# Nothing unsaved: one ^C quits, exit 0.
rm -f "$TMPDIR/exit"
tm new-session -d -s t -x 100 -y 30 "$ENVCTL_BIN; echo \"exit=\$?\" >$TMPDIR/exit; sleep 0.2"
wait_for "plug-env"
tm send-keys -t t C-c
wait_gone
[ "$(cat "$TMPDIR/exit")" = "exit=0" ] || fail "console exit after ^C: $(cat "$TMPDIR/exit")"
expect_rc 0 envctl db check
