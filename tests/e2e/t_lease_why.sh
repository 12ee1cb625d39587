# `envctl lease why`: each candidate and, per config key, why it did or did
# not match, compared with tests/golden/lease-why/*.txt (ids normalized;
# UPDATE_GOLDEN=1 rewrites them). One file per kind: match, different
# value, missing key, secret id differs, skipped candidates. The test
# provider (tests/fixtures/plugins/reuse-node) also records what each call
# carried, which the end of this script checks.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
gold="$src/tests/golden/lease-why"
export ENVCTL_PLUGIN_PATH="$src/tests/fixtures/plugins/reuse-node"

# UUIDs become <ID1>, <ID2>... in order of first appearance.
norm() {
	node -e 'const t=require("fs").readFileSync(0,"utf8"); const m=new Map();
		process.stdout.write(t.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
			(u)=>{ if(!m.has(u)) m.set(u,"<ID"+(m.size+1)+">"); return m.get(u); }))'
}
golden() { # NAME: compares $out (normalized) with the golden file
	local got; got=$(printf '%s\n' "$out" | norm)
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then printf '%s\n' "$got" >"$gold/$1.txt"; return; fi
	[ -f "$gold/$1.txt" ] || fail "no golden $gold/$1.txt; run with UPDATE_GOLDEN=1"
	[ "$got" = "$(cat "$gold/$1.txt")" ] || fail "lease why ($1) differs from $gold/$1.txt:
$(diff <(printf '%s\n' "$got") "$gold/$1.txt")"
}
cfg() { printf '%s' "$1" >cfg.json; expect_rc 0 envctl env edit e --config-file cfg.json; rm -f cfg.json; }

printf '{"region":"eu","token":"tok-A-plain","reuseLease":true}' >cfg.json
expect_rc 0 envctl env create e --provider reuse-node --config-file cfg.json
rm -f cfg.json
tok_a=$(json_get "$(envctl env show e --json)" 'j.config.token.secretRef')
expect_rc 0 envctl lease acquire e --run r1 --issue ISS-1 --json
l1=$(json_get "$out" 'j.id')
expect_rc 0 envctl lease release "$l1"

expect_rc 0 envctl lease why e --run r2
golden match
# r2 resumes it and takes the sandbox over: r1's row is skipped from now on.
expect_rc 0 envctl lease acquire e --run r2 --issue ISS-2 --json
l2=$(json_get "$out" 'j.id')
[ "$(json_get "$out" 'j.resumed')" = true ] || fail "r2 did not resume: $out"
expect_rc 0 envctl lease release "$l2"
# r1's row gave its sandbox away: resuming it by id is refused.
expect_rc 5 envctl lease resume "$l1"
contains "$errout" "gave its sandbox to lease $l2"

cfg "{\"region\":\"us\",\"token\":{\"secretRef\":\"$tok_a\"},\"reuseLease\":true}"
expect_rc 0 envctl lease why e --run r2
golden different

cfg "{\"region\":\"eu\",\"size\":3,\"token\":{\"secretRef\":\"$tok_a\"},\"reuseLease\":true}"
expect_rc 0 envctl lease why e --run r2
golden missing

printf 'tok-B-plain' | envctl secret create tok-b --value-file - >/dev/null || fail "secret create"
tok_b=$(json_get "$(envctl secret show tok-b --json)" 'j.id')
cfg "{\"region\":\"eu\",\"token\":{\"secretRef\":\"$tok_b\"},\"reuseLease\":true}"
expect_rc 0 envctl lease why e --run r2
expect_rc 0 envctl env edit e --set size=
expect_rc 0 envctl lease why e --run r2
golden secret
lacks "$out" "tok-A-plain"
lacks "$out" "tok-B-plain"
expect_rc 0 envctl lease why e --run r2 --json
[ "$(json_get "$out" 'j.candidates[0].keys.find(k=>k.key==="token").result')" = secret_differs ] ||
	fail "json: $out"
[ "$(json_get "$out" '"config" in j.candidates[0].keys.find(k=>k.key==="token")')" = false ] ||
	fail "a secret field's value in JSON: $out"
lacks "$out" "$tok_b"

# Skipped: another run's active lease, a taken-over one, a destroyed one,
# and an acquire (not resumed) whose note sums up why.
expect_rc 0 envctl lease acquire e --run r3 --issue ISS-3 --json
l3=$(json_get "$out" 'j.id')
contains "$errout" "no lease reused; lease $l2: token secret id differs"
expect_rc 0 envctl lease acquire e --run r4 --json
l4=$(json_get "$out" 'j.id')
expect_rc 0 envctl lease destroy "$l4" --yes
expect_rc 0 envctl lease why e --run r5
golden skipped
expect_rc 0 envctl lease why e
contains "$out" "reuse is off: no run id"

# The same run's active lease is resumed in place, not duplicated.
expect_rc 0 envctl lease acquire e --run r3 --json
[ "$(json_get "$out" 'j.id')" = "$l3" ] || fail "same run got another lease: $out"
[ "$(json_get "$out" 'j.resumed')" = true ] || fail "same run not resumed: $out"

# What the calls carried (Paperclip's host parameters).
calls="$TMPDIR/reuse-node-calls.log"
call() { node -e 'const want=process.argv[1]; const l=require("fs").readFileSync(process.argv[2],"utf8").trim().split("\n").map(JSON.parse).filter(c=>c.method===want); console.log(JSON.stringify(l[l.length-1]||null))' "$1" "$calls"; }
c=$(call environmentResumeLease)
# (the last resume: r3's own lease, in place, keeps its issue)
[ "$(json_get "$c" 'j.issueId')" = ISS-3 ] || fail "resume issueId: $c"
[ "$(json_get "$c" 'j.leaseMetadataKeys.includes("region")')" = true ] || fail "resume leaseMetadata: $c"
c=$(call environmentReleaseLease)
[ "$(json_get "$c" 'j.issueId')" = ISS-2 ] || fail "release issueId: $c"
[ "$(json_get "$c" 'j.leaseMetadataKeys.includes("zone")')" = true ] || fail "release leaseMetadata: $c"
[ "$(json_get "$c" 'j.configKeys.includes("provider")')" = false ] || fail "config has provider: $c"
c=$(call environmentDestroyLease)
[ "$(json_get "$c" 'typeof j.providerLeaseId')" = string ] || fail "destroy: $c"
expect_rc 0 envctl env probe e
c=$(call environmentProbe)
[ "$(json_get "$c" 'j.environmentId')" = "$(json_get "$(envctl env show e --json)" 'j.id')" ] ||
	fail "probe environmentId: $c"
expect_rc 0 envctl lease exec "$l3" --env A=1 -- true
[ "$out" = / ] || fail "exec default cwd (remoteCwd): $out"
c=$(call environmentExecute)
[ "$(json_get "$c" 'typeof j.lease.providerLeaseId')" = string ] || fail "execute lease: $c"
[ "$(json_get "$c" 'j.params.includes("issueId")')" = true ] || fail "execute issueId: $c"
[ "$(json_get "$c" 'j.lease.expiresAt')" = null ] || fail "execute lease.expiresAt: $c"
[ "$(json_get "$c" 'j.envKeys')" = '["A"]' ] || fail "execute env: $c"
expect_rc 0 envctl lease workspace "$l3"
expect_rc 0 envctl lease exec "$l3" -- true
[ "$out" = /tmp ] || fail "exec cwd after workspace: $out"
c=$(call environmentRealizeWorkspace)
[ "$(json_get "$c" 'j.params.includes("issueId")')" = true ] || fail "realize issueId: $c"
# --env secret:NAME: only a secret bound to the environment, never on argv.
expect_rc 0 envctl lease exec "$l3" --env T=secret:tok-b -- true
printf 'x' | envctl secret create loose --value-file - >/dev/null
expect_rc 4 envctl lease exec "$l3" --env T=secret:loose -- true
contains "$errout" "is not bound to environment"
# config never carries the host's provider and streamRunLogs keys.
expect_rc 0 envctl env create sr --provider reuse-node --set streamRunLogs=true --set region=eu
expect_rc 0 envctl env probe sr
c=$(call environmentProbe)
[ "$(json_get "$c" 'j.configKeys')" = '["region"]' ] || fail "probe config keys: $c"
expect_rc 0 envctl env delete sr

# The console's acquire result says the same as the CLI's note.
printf 'a r9 <C-s> <Idle> <Dump tui-acquire.txt>\n:q<Enter>\n' >tui.keys
ENVCTL_TUI_SIZE=200x30 envctl --script tui.keys >tui.out 2>&1 || fail "console: $(cat tui.out)"
contains "$(cat tui-acquire.txt)" "acquired lease reuse-node://"
contains "$(cat tui-acquire.txt)" "no lease reused; lease $l3: active for run r3: in use"

# A driver that declares supportsReusableLeases: false never resumes (docker does).
cp -r "$src/tests/fixtures/plugins/reuse-node" noreuse
node -e 'const f="noreuse/manifest.json", fs=require("fs"); const m=JSON.parse(fs.readFileSync(f,"utf8"));
	m.id="test.noreuse"; m.environmentDrivers[0].driverKey="noreuse"; m.environmentDrivers[0].supportsReusableLeases=false;
	fs.writeFileSync(f, JSON.stringify(m))'
export ENVCTL_PLUGIN_PATH="$ENVCTL_PLUGIN_PATH:$PWD/noreuse"
expect_rc 0 envctl env create nr --provider noreuse --set reuseLease=true
expect_rc 0 envctl lease acquire nr --run r1 --json
expect_rc 0 envctl lease release "$(json_get "$out" 'j.id')"
expect_rc 0 envctl lease acquire nr --run r2 --json
[ "$(json_get "$out" 'j.resumed')" = false ] || fail "a driver without reusable leases resumed: $out"
expect_rc 0 envctl lease why nr --run r3
contains "$out" "reuse is off: provider noreuse does not support reusable leases"
