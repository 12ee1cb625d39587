# Plugin discovery and the `plugin` commands with real workers.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
worker="$BUILD_DIR/tests/helpers/test_worker"

# A plugin folder for the test worker: make_plugin DIR ID KEY [EXTRA]
make_plugin() {
	mkdir -p "$1"
	cat >"$1/manifest.json" <<JSON
{"id":"$2","name":"Test $2","version":"1.2.3","apiVersion":1,
 "worker":["$worker"],"inheritEnv":["TEST_WORKER_INIT"],${4:-}
 "environmentDrivers":[{"driverKey":"$3","kind":"sandbox_provider","displayName":"Test $3",
   "configSchema":{"type":"object","properties":{"mode":{"type":"string"}}}}]}
JSON
}

# The bundled plugins are found from the build tree.
expect_rc 0 envctl plugin list
contains "$out" "envctl.bwrap"
contains "$out" "envctl.ssh"
lacks "$out" "broken"
expect_rc 0 envctl plugin list --json
json_ok "$out"
[ "$(json_get "$out" 'j.plugins.find(p=>p.id==="envctl.bwrap").drivers[0].registered')" = true ] || fail "bwrap not registered"
expect_rc 0 envctl provider list --json
[ "$(json_get "$out" 'j.find(p=>p.key==="bwrap").source')" = plugin ] || fail "bwrap source"
[ "$(json_get "$out" 'j.find(p=>p.key==="ssh").capabilities.execute')" = true ] || fail "ssh caps"
expect_rc 0 envctl provider show ssh --json
[ "$(json_get "$out" 'j.configSchema.properties.privateKey.format')" = secret-ref ] || fail "ssh schema"

# show by plugin id or provider key; unknown is "not found".
expect_rc 0 envctl plugin show bwrap
contains "$out" "Plugin:       envctl.bwrap"
contains "$out" "XDG_DATA_HOME"
expect_rc 0 envctl plugin show envctl.ssh --json
[ "$(json_get "$out" 'j.argv[0]')" = "./ssh" ] || fail "ssh argv"
expect_rc 3 envctl plugin show nope
contains "$errout" 'unknown plugin "nope"'
contains "$errout" "envctl.bwrap"

# restart starts a real worker and asks for its health; the log shows it.
expect_rc 0 envctl plugin restart bwrap
contains "$out" "restarted envctl.bwrap: running (pid"
contains "$out" "health: ok"
expect_rc 0 envctl plugin log bwrap
contains "$out" "[host] started worker pid"
contains "$out" "exited with status 0"
expect_rc 0 envctl plugin log bwrap --lines 1
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "--lines 1 printed: $out"

# Plugins on ENVCTL_PLUGIN_PATH; broken ones and key conflicts are listed,
# never fatal.
extra="$PWD/extra"
make_plugin "$extra/good" test.good good-key
make_plugin "$extra/clash1" test.clash1 shared
make_plugin "$extra/clash2" test.clash2 shared
mkdir -p "$extra/broken" && echo '{"id":"test.broken",' >"$extra/broken/manifest.json"
make_plugin "$extra/initcrash" test.initcrash crashy
export ENVCTL_PLUGIN_PATH="$extra"
expect_rc 0 envctl plugin list
contains "$out" "test.good"
contains "$out" "broken"
contains "$out" "problem: provider key \"shared\" is claimed by the plugins in $extra/clash1 and $extra/clash2; neither is used"
contains "$out" "problem: plugin (no id) in $extra/broken is not loaded"
expect_rc 0 envctl provider list
contains "$out" "good-key"
lacks "$out" "shared "
contains "$out" "problem: provider key \"shared\""
expect_rc 3 envctl provider show shared
expect_rc 0 envctl plugin restart good-key --json
[ "$(json_get "$out" 'j.state')" = running ] || fail "good-key not running: $out"
[ "$(json_get "$out" 'j.health.status')" = ok ] || fail "health: $out"

# A worker that dies during initialize: a precise error, exit 6.
TEST_WORKER_INIT=crash expect_rc 6 envctl plugin restart crashy
contains "$errout" "plugin test.initcrash: initialize failed: the worker exited with status 4"
expect_rc 0 envctl plugin log crashy
contains "$out" "exited with status 4"

# import refuses what is not an SDK package.
mkdir -p notapkg && echo '{"name":"x"}' >notapkg/package.json
expect_rc 4 envctl plugin import notapkg
contains "$errout" "has no paperclipPlugin.manifest and paperclipPlugin.worker"
expect_rc 3 envctl plugin import does-not-exist
expect_rc 2 envctl plugin import
expect_rc 2 envctl plugin frob
expect_rc 2 envctl plugin list extra-arg
expect_rc 2 envctl plugin log bwrap --lines 0
expect_rc 0 envctl plugin --help
contains "$out" "plugin import DIR"
