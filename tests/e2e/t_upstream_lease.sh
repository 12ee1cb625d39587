# Paperclip's own sandbox-provider plugins (../shared/upstream-plugins),
# unmodified, through the whole lease lifecycle: fake-plugin and cloudflare
# (against the loopback bridge). Reuse must resume the same sandbox, every
# call must carry what Paperclip's host sends, exec runs in the lease's
# workspace.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
shared=${ENVCTL_SHARED_DIR:-$src/../shared}
up="$shared/upstream-plugins"
[ -d "$up/fake-sandbox/dist" ] && [ -d "$up/cloudflare/dist" ] ||
	fail "the upstream plugins are not in $up (set ENVCTL_SHARED_DIR to the shared folder)"

# The SDK both plugins are built against, installed once under the build
# dir (npm's cache there too) and copied into each plugin's copy.
sdk="$BUILD_DIR/tests/upstream-sdk"
if [ ! -f "$sdk/node_modules/@paperclipai/plugin-sdk/package.json" ]; then
	mkdir -p "$sdk"
	cp "$up/fake-sandbox/package.json" "$sdk/package.json"
	(cd "$sdk" && npm install --no-audit --no-fund --loglevel=error \
		--cache "$BUILD_DIR/npm-cache") ||
		fail "npm install of @paperclipai/plugin-sdk failed: the npm registry must be reachable"
fi
for p in fake-sandbox cloudflare; do
	cp -r "$up/$p" "$p"
	cp -r "$sdk/node_modules" "$p/"
	expect_rc 0 envctl plugin import "$p"
done
contains "$(envctl provider list)" "fake-plugin"

lease_id() { json_get "$1" 'j.id'; }

# ------------------------------------------------------------ fake-plugin

expect_rc 0 envctl env create fk --provider fake-plugin --set reuseLease=true
expect_rc 0 envctl env probe fk
contains "$out" "Fake sandbox provider is ready for image fake:latest."

expect_rc 0 envctl lease acquire fk --run r1 --issue ISS-1 --json
l1=$(lease_id "$out")
plid=$(json_get "$out" 'j.providerLeaseId')
[ "$(json_get "$out" 'j.resumed')" = false ] || fail "first acquire resumed: $out"
# Paperclip's lease metadata: the stored config is there for matching.
[ "$(json_get "$out" 'j.metadata.timeoutMs')" = 300000 ] || fail "config not in metadata: $out"
[ "$(json_get "$out" 'j.metadata.image')" = fake:latest ] || fail "image: $out"
expect_rc 0 envctl lease release "$l1"

expect_rc 0 envctl lease why fk --run r2
contains "$out" "resumed: it matches"
contains "$out" "= timeoutMs"
expect_rc 0 envctl lease acquire fk --run r2 --issue ISS-2 --explain --json
l2=$(lease_id "$out")
[ "$(json_get "$out" 'j.resumed')" = true ] || fail "second run did not resume: $out"
[ "$(json_get "$out" 'j.providerLeaseId')" = "$plid" ] || fail "not the same sandbox: $out"
[ "$(json_get "$out" 'j.reuse.chosen')" = "$l1" ] || fail "explain: $out"
ws=$(json_get "$out" 'j.metadata.remoteCwd')
[ -d "$ws" ] || fail "remoteCwd $ws is not a directory"

# Another run, while r2 holds the sandbox: refused, never shared.
expect_rc 5 envctl lease acquire fk --run r3
contains "$errout" "which active lease $l2 (run r2) holds"
[ "$(envctl lease list --env fk --status active --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).length)')" = 1 ] ||
	fail "two active leases on one sandbox"

# exec: the lease's workspace by default, env passed through.
expect_rc 0 envctl lease exec "$l2" -- pwd
[ "$out" = "$ws" ] || fail "exec cwd $out, want the lease workspace $ws"
expect_rc 0 envctl lease exec "$l2" --env GREETING=hello -- sh -c 'echo "$GREETING"'
[ "$out" = hello ] || fail "env: $out"
expect_rc 2 envctl lease exec "$l2" --env 1BAD=x -- true
contains "$errout" "--env takes NAME=VALUE"
expect_rc 0 envctl lease workspace "$l2" --json
[ "$(json_get "$out" 'j.cwd')" = "$ws" ] || fail "workspace: $out"
expect_rc 0 envctl lease exec "$l2" -- pwd
[ "$out" = "$ws" ] || fail "exec after workspace: $out"
expect_rc 0 envctl lease destroy "$l2" --yes
expect_rc 0 envctl lease why fk --run r4
contains "$out" "its sandbox was destroyed"

# fake-plugin keeps its sandboxes in the worker's memory: each CLI call is
# a new worker, so only a host that keeps one worker for the whole
# lifecycle (the console) can remove what it made. Through the console:
# acquire, release, acquire for another run (resumes), destroy; nothing
# may be left behind.
expect_rc 0 envctl env delete fk --force
rm -rf "$TMPDIR"/paperclip-fake-sandbox-*
expect_rc 0 envctl env create fk2 --provider fake-plugin --set reuseLease=true
cat >tui.keys <<'EOF'
a t1 <Tab> ISS-7 <C-s> <Idle> <Dump tui-1.txt>
:leases<Enter> <Idle> r <Idle> <Dump tui-2.txt>
1 <Idle> a t2 <C-s> <Idle> <Dump tui-3.txt>
2 <Idle> D <Tab> <Enter> <Idle> <Dump tui-4.txt>
:q<Enter>
EOF
ENVCTL_TUI_SIZE=120x30 envctl --script tui.keys >tui.out 2>&1 || fail "console script: $(cat tui.out)"
contains "$(cat tui-1.txt)" "acquired lease fake-plugin://"
contains "$(cat tui-3.txt)" "resumed lease fake-plugin://"
contains "$(cat tui-4.txt)" "destroyed fake-plugin://"
left=$(ls -d "$TMPDIR"/paperclip-fake-sandbox-* 2>/dev/null)
[ -z "$left" ] || fail "fake-plugin sandboxes left behind: $left"

# ------------------------------------------------------------ cloudflare

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
token="cf-token-$$-secret"
log="$PWD/bridge.log"
(PORT=$port BRIDGE_ROOT="$PWD/bridge" BRIDGE_AUTH_TOKEN="$token" exec node cloudflare/loopback-bridge.mjs) &
bridge=$!
trap 'kill $bridge 2>/dev/null' EXIT
for _ in $(seq 1 200); do
	grep -q listening "$log" 2>/dev/null && break
	kill -0 $bridge 2>/dev/null || fail "the loopback bridge exited"
	sleep 0.05
done
grep -q listening "$log" || fail "the loopback bridge did not start"

# previewHostname is set only because a plugin's null normalizedConfig is
# still refused by the save pipeline (the config side of issue #11).
cat >cf.json <<EOF
{"bridgeBaseUrl":"http://127.0.0.1:$port","bridgeAuthToken":"$token","reuseLease":true,
 "keepAlive":true,"previewHostname":"preview.localhost"}
EOF
expect_rc 0 envctl env create cfe --provider cloudflare --config-file cf.json
rm -f cf.json
expect_rc 0 envctl env probe cfe
contains "$out" "Connected to Cloudflare sandbox bridge."
cfe_id=$(json_get "$(envctl env show cfe --json)" 'j.id')
grep -q "POST /api/paperclip-sandbox/v1/probe auth=ok env=$cfe_id " "$log" ||
	fail "probe did not carry the environment id: $(cat "$log")"

expect_rc 0 envctl lease acquire cfe --run r1 --issue ISS-41 --json
c1=$(lease_id "$out")
cplid=$(json_get "$out" 'j.providerLeaseId')
lacks "$out" "$token"
# the secret field is in the metadata as its secret id, never the value
sid=$(json_get "$(envctl env show cfe --json)" 'j.config.bridgeAuthToken.secretRef')
[ "$(json_get "$out" 'j.metadata.bridgeAuthToken')" = "$sid" ] || fail "secret in metadata: $out"
expect_rc 0 envctl lease release "$c1"
grep -q "POST /api/paperclip-sandbox/v1/leases/release auth=ok .* issue=ISS-41 " "$log" ||
	fail "release did not carry X-Paperclip-Issue-Id: $(cat "$log")"

expect_rc 0 envctl lease acquire cfe --run r2 --issue ISS-42 --json
c2=$(lease_id "$out")
[ "$(json_get "$out" 'j.resumed')" = true ] || fail "cloudflare did not resume: $out"
[ "$(json_get "$out" 'j.providerLeaseId')" = "$cplid" ] || fail "not the same sandbox: $out"
grep -q "POST /api/paperclip-sandbox/v1/leases/resume auth=ok .* issue=ISS-42 body={\"providerLeaseId\":\"$cplid\",\"requestedCwd\":\"/workspace/paperclip\"" "$log" ||
	fail "no resume call with the lease's remoteCwd: $(cat "$log")"

expect_rc 0 envctl lease exec "$c2" -- pwd
[ "$out" = "$PWD/bridge/$cplid/workspace/paperclip" ] || fail "exec cwd: $out"
grep -q "POST /api/paperclip-sandbox/v1/exec auth=ok .* issue=ISS-42 .*\"cwd\":\"/workspace/paperclip\"" "$log" ||
	fail "exec did not get the lease workspace and issue: $(cat "$log")"
expect_rc 0 envctl lease exec "$c2" --env A_VAR=from-env -- sh -c 'echo "$A_VAR"'
[ "$out" = from-env ] || fail "env: $out"
expect_rc 0 envctl lease workspace "$c2"
contains "$out" "/workspace/paperclip"
expect_rc 0 envctl lease release "$c2"
expect_rc 0 envctl lease destroy "$c2" --yes
grep -q "DELETE /api/paperclip-sandbox/v1/leases/$cplid auth=ok .* issue=ISS-42 " "$log" ||
	fail "destroy: $(cat "$log")"
[ ! -e "$PWD/bridge/$cplid" ] || fail "the bridge sandbox is still there"
# The token went only to the bridge: nothing envctl stored or logged has it.
! grep -rq "$token" "$XDG_DATA_HOME" "$ENVCTL_DB" 2>/dev/null || fail "the token leaked"
echo ok
