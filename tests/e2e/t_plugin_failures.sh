# Every worker failure mode through the CLI (env probe) with a real
# misbehaving worker: a precise error naming plugin, method and cause, the
# other environments still answered, and the next call working again.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
mkdir -p plugins/tw
cat >plugins/tw/manifest.json <<JSON
{"id":"test.tw","name":"Misbehaving worker","version":"1","apiVersion":1,
 "worker":["$BUILD_DIR/tests/helpers/test_worker"],
 "environmentDrivers":[{"driverKey":"tw","kind":"sandbox_provider","displayName":"TW",
  "description":"test worker","configSchema":{"type":"object","properties":{
   "mode":{"type":"string","description":"how to misbehave"},
   "modeFor":{"type":"string","description":"which method misbehaves"},
   "bytes":{"type":"integer","description":"stderr flood size"}}}}]}
JSON
export ENVCTL_PLUGIN_PATH="$PWD/plugins" ENVCTL_PLUGIN_TIMEOUT_MS=3000
mk() { expect_rc 0 envctl env create "$1" --provider tw --set "mode=$2" --set modeFor=environmentProbe "${@:3}"; }
expect_rc 0 envctl env create fine --provider tw

probe_fails() { # ENV CAUSE
	expect_rc 1 envctl env probe "$1"
	contains "$out" "FAIL $1: plugin test.tw: environmentProbe "
	contains "$out" "$2"
	expect_rc 0 envctl env probe fine
	contains "$out" "OK   fine: Test worker is ready."
}
mk crash crash
probe_fails crash "failed: the worker exited with status 3"
mk segv segv
probe_fails segv "failed: the worker was killed by signal SIGSEGV"
mk garbage garbage
probe_fails garbage "failed: the worker wrote a line to stdout that is not JSON"
# The log says what the worker wrote.
expect_rc 0 envctl plugin log tw
contains "$out" "[host] protocol error: stdout line of 16 bytes is not JSON (starts with \"this is not json\")"
mk notrpc not-rpc
probe_fails notrpc "failed: the worker wrote a message that is not JSON-RPC 2.0"
mk unknownid unknown-id
probe_fails unknownid "failed: the worker answered request id 1002, which envctl never sent"
mk closed close-stdout
probe_fails closed "failed: the worker closed its stdout and did not exit, so it was killed"
mk exits exit-clean
probe_fails exits "failed: the worker exited with status 0"
mk errs error
probe_fails errs "failed: boom: the test worker failed on purpose (worker error -32002)"

# A hung probe times out alone; the others in flight are answered at once.
for e in crash segv garbage notrpc unknownid closed exits errs; do
	expect_rc 0 envctl env archive "$e"
done
mk hang hang
for i in 1 2 3 4 5; do expect_rc 0 envctl env create "ok$i" --provider tw; done
start=$(date +%s%3N)
ENVCTL_PLUGIN_TIMEOUT_MS=700 expect_rc 1 envctl env probe --all --parallel 8
elapsed=$(( $(date +%s%3N) - start ))
contains "$out" "plugin test.tw: environmentProbe did not answer within 700 ms; the worker was stopped"
[ "$(printf '%s\n' "$out" | grep -c '^ok[1-5] .* ok ')" -eq 5 ] || fail "the healthy environments were not all answered: $out"
[ "$elapsed" -lt 4000 ] || fail "probe --all took $elapsed ms with one hung worker call"

# A worker flooding stderr still answers, and its log stays bounded.
mk flood flood-stderr --set bytes=3000000
expect_rc 0 envctl env probe flood
contains "$out" "OK   flood"
log="$XDG_DATA_HOME/envctl/logs/test.tw.log"
[ -f "$log" ] && [ -f "$log.1" ] || fail "log not rotated"
size=$(( $(stat -c %s "$log") + $(stat -c %s "$log.1") ))
[ "$size" -le $((2 * 262144)) ] || fail "log grew to $size bytes"
expect_rc 0 envctl plugin log tw --lines 5
contains "$out" "[stderr] flood"
