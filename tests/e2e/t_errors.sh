# Errors that used to mislead (issue #12): a worker that never answers
# initialize did not reject anything, and JSON nested too deep is not a
# syntax error.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
mkdir -p plugins/tw
cat >plugins/tw/manifest.json <<JSON
{"id":"test.tw","name":"Misbehaving worker","version":"1","apiVersion":1,
 "worker":["$BUILD_DIR/tests/helpers/test_worker"], "inheritEnv":["TEST_WORKER_INIT"],
 "environmentDrivers":[{"driverKey":"tw","kind":"sandbox_provider","displayName":"TW",
  "description":"test worker","configSchema":{"type":"object","properties":{"mode":{"type":"string"}}}}]}
JSON
export ENVCTL_PLUGIN_PATH="$PWD/plugins" ENVCTL_PLUGIN_TIMEOUT_MS=1000
TEST_WORKER_INIT=hang expect_rc 9 envctl env create x --provider tw
contains "$errout" "provider tw could not check the config: "
contains "$errout" "initialize did not answer within 1000 ms"
lacks "$errout" "rejected the config"

node -e 'process.stdout.write("{\"image\":" + "[".repeat(1500) + "]".repeat(1500) + "}")' > deep.json
expect_rc 4 envctl env create deep --provider fake --config-file deep.json
contains "$errout" "levels deep"
lacks "$errout" "not valid JSON"
