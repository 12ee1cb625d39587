# A provider written against @paperclipai/plugin-sdk (tests/sdk-provider),
# installed from the npm registry, imported and run unmodified.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)

mkdir pkg
cp "$src/tests/sdk-provider/package.json" "$src/tests/sdk-provider/manifest.js" \
	"$src/tests/sdk-provider/worker.js" pkg/
if [ -d "$BUILD_DIR/tests/sdk-provider/node_modules/@paperclipai/plugin-sdk" ]; then
	# Installed from the registry by the unit suite already.
	cp -r "$BUILD_DIR/tests/sdk-provider/node_modules" pkg/
else
	(cd pkg && npm install --no-audit --no-fund --loglevel=error) ||
		fail "npm install of @paperclipai/plugin-sdk failed: the npm registry must be reachable"
fi
[ -f pkg/node_modules/@paperclipai/plugin-sdk/package.json ] || fail "SDK not installed"

expect_rc 0 envctl plugin import pkg
contains "$out" "imported envctl-test.sdk-provider 0.1.0: providers sdk-local"
contains "$out" "linked:   $XDG_DATA_HOME/envctl/plugins/envctl-test.sdk-provider"
[ -L "$XDG_DATA_HOME/envctl/plugins/envctl-test.sdk-provider" ] || fail "no link"
json_ok "$(cat pkg/manifest.json)"
[ "$(json_get "$(cat pkg/manifest.json)" 'j.worker.join(" ")')" = "node ./worker.js" ] || fail "worker argv"
[ "$(json_get "$(cat pkg/manifest.json)" 'j.paperclipManifest.entrypoints.worker')" = "./worker.js" ] || fail "sdk manifest"

expect_rc 0 envctl provider list --json
[ "$(json_get "$out" 'j.find(p=>p.key==="sdk-local").source')" = plugin ] || fail "sdk-local not a plugin provider"
expect_rc 0 envctl provider show sdk-local --json
[ "$(json_get "$out" 'j.configSchema.properties.apiToken.format')" = secret-ref ] || fail "schema"
expect_rc 0 envctl plugin restart sdk-local
contains "$out" "restarted envctl-test.sdk-provider: running"
contains "$out" "health: ok"
expect_rc 0 envctl plugin log envctl-test.sdk-provider
contains "$out" "[worker info] sdk test provider ready"
contains "$out" "/usr/bin/node"

# Importing again is fine; a manifest.json that is not ours is protected.
expect_rc 0 envctl plugin import pkg
echo '{"id":"hand-written"}' >pkg/manifest.json
expect_rc 5 envctl plugin import pkg
contains "$errout" "was not written by \`envctl plugin import\`"
expect_rc 0 envctl plugin import pkg --force
