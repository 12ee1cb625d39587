# Paperclip's own e2b, modal and kubernetes plugins (../shared/upstream-plugins),
# unmodified: import, lint, save their minimal valid configs as Paperclip
# persists them (#11), operator input checked before the plugin (#19), and
# a probe that fails offline says the plugin's reason in plain text.
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)
shared="$src/../shared/upstream-plugins"
[ -d "$shared/e2b" ] || fail "no $shared (the shared test data)"

# plugin NAME: a copy of the upstream folder with its npm dependencies (the
# SDK, and e2b's and modal's cloud SDKs) from a cache under the build dir.
plugin() {
	local cache="$BUILD_DIR/tests/upstream-npm/$1"
	if [ ! -f "$cache/node_modules/@paperclipai/plugin-sdk/package.json" ]; then
		rm -rf "$cache"
		mkdir -p "$(dirname "$cache")"
		cp -r "$shared/$1" "$cache"
		(cd "$cache" && npm install --no-audit --no-fund --loglevel=error) ||
			fail "npm install for $1 failed: the npm registry must be reachable"
	fi
	mkdir -p plugins
	cp -r "$shared/$1" "plugins/$1"
	cp -r "$cache/node_modules" "plugins/$1/"
	expect_rc 0 envctl plugin import "plugins/$1"
	expect_rc 0 envctl plugin lint "plugins/$1/manifest.json"
	# docker's schema has no descriptions: warnings, no errors
	case $1 in
	docker) contains "$out" "0 errors" ;;
	*) contains "$out" "manifest is clean" ;;
	esac
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ------------------------------------------------------------ e2b
plugin e2b
printf '{"template": "base", "apiKey": "e2b_test_key_not_real"}' >e2b.json
expect_rc 0 envctl env create e --provider e2b --config-file e2b.json --json
json_ok "$out"
lacks "$out" "e2b_test_key_not_real"
[ "$(json_get "$out" 'typeof j.config.apiKey.secretRef')" = string ] || fail "apiKey is not a secret: $out"
sid=$(json_get "$out" j.config.apiKey.secretRef)
# normalized by the plugin: its defaults are stored because it returned them
[ "$(json_get "$out" 'j.config.timeoutMs')" = 300000 ] || fail "e2b normalizedConfig not kept: $out"
t=$(ms)
expect_rc 1 envctl env probe e
dt=$(( $(ms) - t ))
[ $dt -lt 10000 ] || fail "the e2b probe took $dt ms"
contains "$out" "FAIL e: E2B sandbox probe failed for template base. (cause: "
lacks "$out" "e2b_test_key_not_real"
# both secret-reference shapes, in a file and with --set; an unknown id is
# an error naming the field and the id, never a new secret
expect_rc 0 envctl env create e2 --provider e2b --set template=base \
	--set "apiKey={\"type\":\"secret_ref\",\"secretId\":\"$sid\",\"version\":\"latest\"}" --json
[ "$(json_get "$out" j.config.apiKey.secretRef)" = "$sid" ] || fail "Paperclip's ref shape: $out"
printf '{"template": "base", "apiKey": {"secretRef": "%s"}}' "$sid" >ref.json
expect_rc 0 envctl env create e3 --provider e2b --config-file ref.json --json
[ "$(json_get "$out" j.config.apiKey.secretRef)" = "$sid" ] || fail "our ref shape: $out"
before=$(envctl secret list --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).length)')
printf '{"template": "base", "apiKey": {"type": "secret_ref", "secretId": "0b7e2a8c-1d5e-4c4f-9a57-0f6c2d9e3b11"}}' >unknown.json
expect_rc 4 envctl env create e4 --provider e2b --config-file unknown.json
contains "$errout" "(/apiKey) refers to secret 0b7e2a8c-1d5e-4c4f-9a57-0f6c2d9e3b11, which does not exist"
printf '{"template": "base", "apiKey": "0b7e2a8c-1d5e-4c4f-9a57-0f6c2d9e3b11"}' >bare.json
expect_rc 4 envctl env create e4 --provider e2b --config-file bare.json
contains "$errout" "(/apiKey) holds a secret id that names no secret"
after=$(envctl secret list --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).length)')
[ "$before" = "$after" ] || fail "a refused save created a secret ($before -> $after)"

# ------------------------------------------------------------ modal
plugin modal
printf '{"appName": "envctl-e2e", "image": "python:3.13", "tokenId": "ak-not-real", "tokenSecret": "as-not-real"}' >modal.json
expect_rc 0 envctl env create m --provider modal --config-file modal.json --json
# the plugin returns environment/idleTimeoutMs/cidrAllowlist as null:
# absent, not refused and never stored as null
for k in environment idleTimeoutMs cidrAllowlist; do
	[ "$(json_get "$out" "'$k' in j.config")" = false ] || fail "modal's null $k was stored: $out"
done
lacks "$out" "null"
lacks "$out" "not-real"
[ "$(json_get "$out" j.config.workdir)" = /workspace/paperclip ] || fail "modal's normalized workdir: $out"
t=$(ms)
expect_rc 1 envctl env probe m
dt=$(( $(ms) - t ))
[ $dt -lt 10000 ] || fail "the modal probe took $dt ms"
contains "$out" "FAIL m: Modal sandbox probe failed. (cause: "
# probe --all: the cause in the text; --json keeps summary and details apart
expect_rc 1 envctl env probe --all
contains "$out" "Modal sandbox probe failed. (cause: "
contains "$out" "E2B sandbox probe failed for template base. (cause: "
expect_rc 1 envctl env probe m --json
[ "$(json_get "$out" j.summary)" = "Modal sandbox probe failed." ] || fail "json summary: $out"
# an optional field left empty is absent, never ""
expect_rc 0 envctl env edit m --set environment= --set /idleTimeoutMs= --json
[ "$(json_get "$out" "'environment' in j.config")" = false ] || fail "empty environment stored: $out"
printf '{"environment": ""}' >empty.json
expect_rc 0 envctl env edit m --config-file empty.json --json
[ "$(json_get "$out" "'environment' in j.config")" = false ] || fail "\"\" environment stored: $out"

# ------------------------------------------------------------ docker (no daemon needed)
plugin docker
printf '{"image": 123}' >d0.json
expect_rc 4 envctl env create d --provider docker --config-file d0.json
contains "$errout" "config for provider docker is invalid: Image (/image): must be a string"
# the plugin clamps memoryMb to its bounds: stored as it says, never silently
printf '{"image": "busybox:1", "memoryMb": 100}' >d1.json
expect_rc 0 envctl env create d --provider docker --config-file d1.json --json
[ "$(json_get "$out" j.config.memoryMb)" = 256 ] || fail "docker's normalized memoryMb: $out"
contains "$errout" "warning: Memory Mb (/memoryMb): provider docker replaced the value you gave (100) with 256"

# ------------------------------------------------------------ kubernetes
plugin kubernetes
# every violation, with its label, before the plugin (whose worker is a
# placeholder that exits) is asked anything
printf '{}' >k0.json
expect_rc 4 envctl env create k --provider kubernetes --config-file k0.json
contains "$errout" "config for provider kubernetes is invalid: config: must match"
contains "$errout" "(choose In Cluster: inCluster = true, or Kubeconfig: kubeconfig)"
printf '{"inCluster": true, "egressMode": "open", "namespacePrefix": "a-prefix-far-longer-than-twenty"}' >k1.json
expect_rc 4 envctl env create k --provider kubernetes --config-file k1.json
contains "$errout" "Egress Mode (/egressMode): must be one of standard, cilium"
contains "$errout" "Namespace Prefix (/namespacePrefix): must be at most 20 characters"
lacks "$errout" "worker"
# a valid config does reach the plugin, whose failure is then reported
printf '{"inCluster": true}' >k2.json
envctl env create k --provider kubernetes --config-file k2.json >/dev/null 2>k2.err &&
	fail "the placeholder kubernetes worker cannot validate, yet the save passed"
contains "$(cat k2.err)" "kubernetes"
expect_rc 0 envctl db check
