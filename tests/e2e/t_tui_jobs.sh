# :jobs (#15): background work with its progress and elapsed time; x
# cancels the running job for real. A probe the plugin never answers is
# abandoned: the console is free for the next job at once, the worker is
# not killed for it. An acquire the plugin never answers, cancelled,
# leaves its intent marked abandoned, and the sweep finishes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export LC_ALL=C.UTF-8
mkdir -p plugins/tw
cat >plugins/tw/manifest.json <<JSON
{"id":"test.tw","name":"Test worker","version":"1","apiVersion":1,
 "worker":["$BUILD_DIR/tests/helpers/test_worker"],
 "environmentDrivers":[{"driverKey":"tw","kind":"sandbox_provider","displayName":"TW",
  "description":"test worker","configSchema":{"type":"object","properties":{
   "mode":{"type":"string","description":"how to misbehave"},
   "modeFor":{"type":"string","description":"which method misbehaves"}}}}]}
JSON
# A long host timeout: only the cancel can end the hung calls here.
export ENVCTL_PLUGIN_PATH="$PWD/plugins" ENVCTL_PLUGIN_TIMEOUT_MS=120000
expect_rc 0 envctl env create a-hungprobe --provider tw --set mode=hang --set modeFor=environmentProbe
expect_rc 0 envctl env create b-hungacquire --provider tw --set mode=hang --set modeFor=environmentAcquireLease
expect_rc 0 envctl env create c-fine --provider tw

tm new-session -d -s t -x 120 -y 30 "$ENVCTL_BIN; sleep 0.2"
tm set -g escape-time 0
wait_for "Environments(3)"
tm send-keys -t t ":jobs" Enter
wait_for "no background work yet"
tm send-keys -t t ":environments" Enter
wait_for "Environments(3)"
# The hung probe: Esc leaves it running in the background.
tm send-keys -t t p
wait_for "probing a-hungprobe"
tm send-keys -t t Escape
wait_for "goes on in the background"
tm send-keys -t t ":jobs" Enter
wait_for "running"
wait_for "probing a-hungprobe"
# Another job now is refused: the console is busy.
tm send-keys -t t x
wait_for "cancelling probing a-hungprobe"
wait_for "cancelled: "
contains "$(screen)" "cancelled: probe of a-hungprobe FAILED: plugin test.tw"
# Free again: the fine environment probes through the same worker.
tm send-keys -t t ":environments" Enter
wait_for "Environments(3)"
tm send-keys -t t End
tm send-keys -t t p
wait_for "Test worker is ready"
# The hung acquire, cancelled from :jobs.
tm send-keys -t t Home Down a
wait_for "Acquire"
tm send-keys -t t C-s
wait_for "acquiring"
tm send-keys -t t Escape
wait_for "goes on in the background"
# The form stays until its job ends; Esc closes it (nothing was typed).
tm send-keys -t t Escape
wait_for "Environments(3)"
tm send-keys -t t ":jobs" Enter
wait_for "running"
tm send-keys -t t x
wait_for "cancelled: acquire of lease"
tm send-keys -t t q q
wait_gone

expect_rc 0 envctl plugin log tw
contains "$out" "cancelled by the operator"
expect_rc 0 envctl lease list --json
[ "$(json_get "$out" 'j.filter(l => l.status === "active").length')" = 1 ] ||
	fail "the cancelled acquire's intent is not kept: $out"
expect_rc 0 envctl lease sweep --json
[ "$(json_get "$out" j.reconciled)" = 1 ] || fail "the sweep did not finish the intent: $out"
expect_rc 0 envctl lease list --json
contains "$out" "the operator cancelled the acquire"
lacks "$out" '"status":	"active"'
echo ok
