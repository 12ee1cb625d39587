# Lease actions through the CLI: fake provider, reuse, statuses, conflicts,
# exit codes, JSON shape, exec passthrough and secrets kept out of output.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
fl() { "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"

expect_rc 0 envctl env create demo --provider fake --set reuseLease=true
expect_rc 0 envctl lease acquire demo --run run-1 --json
json_ok "$out"
id1=$(json_get "$out" j.id)
[ "$(json_get "$out" j.leasePolicy)" = reuse_by_environment ] || fail "policy"
[ "$(json_get "$out" j.resumed)" = false ] || fail "resumed on first acquire"
for k in id environmentId status leasePolicy provider providerLeaseId acquiredAt lastUsedAt expiresAt releasedAt failureReason cleanupStatus metadata; do
	[ "$(json_get "$out" "'$k' in j")" = true ] || fail "lease JSON lacks $k"
done
expect_rc 0 envctl lease release "$id1"
expect_rc 5 envctl lease release "$id1"
contains "$errout" "already released"
expect_rc 0 envctl lease acquire demo --run run-2 --json
[ "$(json_get "$out" j.resumed)" = true ] || fail "second run did not resume"
id2=$(json_get "$out" j.id)

# The fake names a reuse sandbox after its environment: while run-2 holds
# it, no other lease gets it (issue #11: never two active leases on one
# sandbox); the refused attempt stays as a failed row.
expect_rc 5 envctl lease acquire demo --json
contains "$errout" "which active lease $id2 (run run-2) holds"

# operator test lease: ephemeral
expect_rc 0 envctl env create scratch --provider fake
expect_rc 0 envctl lease acquire scratch --json
[ "$(json_get "$out" j.leasePolicy)" = ephemeral ] || fail "test lease not ephemeral"
id3=$(json_get "$out" j.id)

expect_rc 0 envctl lease list --json
json_ok "$out"
[ "$(json_get "$out" j.length)" = 4 ] || fail "4 leases expected: $out"
expect_rc 0 envctl lease list --status active --json
[ "$(json_get "$out" j.length)" = 2 ] || fail "2 active expected"
expect_rc 0 envctl lease list --env demo --provider fake --limit 1 --json
[ "$(json_get "$out" j.length)" = 1 ] || fail "limit"
expect_rc 3 envctl lease list --env nosuch
expect_rc 0 envctl lease show "$id2"
contains "$out" "reuse_by_environment"
expect_rc 3 envctl lease show 00000000-0000-4000-8000-000000000000
expect_rc 2 envctl lease release "$id3" --status bogus
expect_rc 0 envctl lease release "$id3" --status failed --reason "tests failed"
expect_rc 2 envctl lease destroy "$id2"
contains "$errout" "--yes"
expect_rc 0 envctl lease destroy "$id2" --yes
expect_rc 5 envctl lease destroy "$id2" --yes
expect_rc 5 envctl lease exec "$id2" -- true
expect_rc 0 envctl lease acquire scratch --json
expect_rc 10 envctl lease exec "$(json_get "$out" j.id)" -- true
contains "$errout" "The fake sandbox provider cannot execute runs."
expect_rc 2 envctl lease exec "$id2"
expect_rc 0 envctl lease acquire scratch --json
expect_rc 10 envctl lease workspace "$(json_get "$out" j.id)"
contains "$errout" "cannot realize workspaces"
expect_rc 0 envctl lease sweep --json
json_ok "$out"
expect_rc 0 envctl env list --json
[ "$(json_get "$out" 'j.find(e=>e.name==="scratch").activeLeases')" = 2 ] || fail "active lease count: $out"
expect_rc 0 envctl activity --json
contains "$out" "environment.lease_acquired"
contains "$out" "environment.lease_released"
contains "$out" "environment.lease_destroyed"

# a provider with a secret: exec passes output and exit code, redacted
printf '{"token":"tok-E2E-PLAIN","reuseLease":false}' > cfg.json
expect_rc 0 fl env create sx --provider flaky --config-file cfg.json
rm -f cfg.json
expect_rc 0 fl lease acquire sx --json
lid=$(json_get "$out" j.id)
lacks "$out" "tok-E2E-PLAIN"
expect_rc 3 fl lease exec "$lid" -- uname -a
[ "$out" = "ran uname with token [redacted]" ] || fail "exec output: $out"
FLAKY_PROBE=echo expect_rc 0 fl env probe sx --json
lacks "$out" "tok-E2E-PLAIN"
FLAKY_RELEASE=fail expect_rc 6 fl lease release "$lid"
contains "$errout" "will retry"
expect_rc 0 fl lease show "$lid" --json
[ "$(json_get "$out" j.cleanupStatus)" = failed ] || fail "cleanup status"
[ "$(json_get "$out" j.status)" = released ] || fail "status after failed cleanup"
! grep -q "tok-E2E-PLAIN" "$ENVCTL_DB" "$ENVCTL_DB-wal" 2>/dev/null || fail "plaintext in the database"

# read-only refuses changes, allows reads
expect_rc 0 envctl --readonly lease list
expect_rc 10 envctl --readonly lease acquire demo
contains "$errout" "read-only"
