# Plugins per machine (#17): an environment saved on a console that has
# its provider's plugin, opened by a console that lacks it. It shows as
# "provider not installed here (plugin ID VERSION)" in env list, env show
# and the console's environments view, can still be browsed, and edit,
# probe and acquire are refused with that sentence, leaving it unchanged.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
worker="$BUILD_DIR/tests/helpers/test_worker"
mkdir -p plugins/remote
cat >plugins/remote/manifest.json <<JSON
{"id":"acme.remote","name":"Remote","version":"2.4.1","apiVersion":1,
 "worker":["$worker"],
 "environmentDrivers":[{"driverKey":"remote","kind":"sandbox_provider","displayName":"Remote",
   "configSchema":{"type":"object","properties":{"mode":{"type":"string"}}}}]}
JSON
chmod -R go-w plugins
# the console that has the plugin
expect_rc 0 env ENVCTL_PLUGIN_PATH="$PWD/plugins" "$ENVCTL_BIN" env create far --provider remote --set /mode=fast --description "made elsewhere"
expect_rc 0 env ENVCTL_PLUGIN_PATH="$PWD/plugins" "$ENVCTL_BIN" env show far --json
[ "$(json_get "$out" 'j.metadata.envctlPlugin.id + " " + j.metadata.envctlPlugin.version')" = "acme.remote 2.4.1" ] ||
	fail "plugin id and version not recorded: $out"
[ "$(json_get "$out" 'j.providerMissing === undefined')" = true ] || fail "installed provider shown missing"
expect_rc 0 envctl env create near --provider fake
before=$(envctl env show far --json)

# this console has no such plugin
msg="provider not installed here (plugin acme.remote 2.4.1)"
expect_rc 0 envctl env list
contains "$out" "$msg"
contains "$out" "made elsewhere"
expect_rc 0 envctl env show far
contains "$out" "$msg"
contains "$out" "mode = fast"
expect_rc 0 envctl env show far --json
[ "$(json_get "$out" 'j.providerMissing')" = "$msg" ] || fail "json: $out"
expect_rc 0 envctl env list --json
[ "$(json_get "$out" 'j.find(e => e.name === "far").providerMissing')" = "$msg" ] || fail "list json"
[ "$(json_get "$out" 'j.find(e => e.name === "near").providerMissing === undefined')" = true ] || fail "near"
# refused, with the sentence, and nothing changed
expect_rc 10 envctl env edit far --set /mode=slow
contains "$errout" "$msg"
contains "$errout" "cannot edit it"
expect_rc 10 envctl env edit far --description "changed"
expect_rc 10 envctl env probe far
contains "$errout" "$msg"
# probe --all reads environments bare (no metadata): the message still
# names the plugin, and the other environment is probed
expect_rc 1 envctl env probe --all
contains "$out" "$msg"
contains "$out" "1 ok, 1 failed"
expect_rc 10 envctl lease acquire far
contains "$errout" "$msg"
[ "$(envctl env show far --json)" = "$before" ] || fail "the environment changed"
[ "$(json_get "$(envctl lease list --json)" 'j.length')" = 0 ] || fail "a lease was made"
# the console's environments view says it too
printf '<Dump envs.txt>\n' > script
ENVCTL_TUI_SIZE=160x12 "$ENVCTL_BIN" --script script >/dev/null 2>&1 || fail "console script"
grep -q "$msg" envs.txt || fail "console: $(cat envs.txt)"
# back on a console with the plugin, it works again
expect_rc 0 env ENVCTL_PLUGIN_PATH="$PWD/plugins" "$ENVCTL_BIN" env edit far --set /mode=slow
