# envctl plugin lint: exit codes 0 (clean, or warnings without --strict),
# 1 (warnings with --strict), 4 (errors, unreadable or invalid JSON),
# 2 (usage: distinct from errors found, #20).
. "$(dirname "$0")/lib.sh"
fx="$(cd "$(dirname "$0")/../fixtures" && pwd)"

# Clean provider schemas and a clean manifest.
for s in e2b daytona cloudflare exedev; do
	expect_rc 0 envctl plugin lint --strict "$fx/schemas/$s.json"
	contains "$out" "schema is clean"
done
expect_rc 0 envctl plugin lint "$fx/lint/good_manifest.json"
contains "$out" "manifest is clean"

# Warnings only: 0 normally, 1 with --strict.
expect_rc 0 envctl plugin lint "$fx/lint/warn_schema.json"
contains "$out" 'warning: /properties/apiKey: "apiKey" looks like a credential but is not format "secret-ref"'
contains "$out" "warning: /properties/sshKey: a secret field has a default"
contains "$out" "0 errors, 9 warnings"
lacks "$out" "error:"
expect_rc 1 envctl plugin lint "$fx/lint/warn_schema.json" --strict

# Errors: 2, with or without --strict; errors listed before warnings.
expect_rc 4 envctl plugin lint "$fx/lint/bad_manifest.json"
contains "$out" 'error: /environmentDrivers/0/driverKey: driverKey "E2B!" is invalid'
contains "$out" 'error: /environmentDrivers/2/driverKey: duplicate driverKey "dup"'
contains "$out" 'error: /environmentDrivers/4/configSchema/properties/region/$ref: unknown $ref'
contains "$out" 'error: /environmentDrivers/4/configSchema/properties/name/pattern: invalid pattern'
contains "$out" 'error: /environmentDrivers/4/configSchema/properties/port/default: the default 70000 does not fit'
contains "$out" 'error: /environmentDrivers/4/configSchema/required/1: "apiKey" is required but no property'
contains "$out" "12 errors, 3 warnings"
first=$(printf '%s\n' "$out" | head -1)
contains "$first" "error:"
expect_rc 4 envctl plugin lint --strict "$fx/lint/bad_manifest.json"

# JSON output.
expect_rc 4 envctl plugin lint "$fx/lint/bad_manifest.json" --json
json_ok "$out"
[ "$(json_get "$out" 'j.kind')" = manifest ] || fail "kind"
[ "$(json_get "$out" 'j.errors')" = 12 ] || fail "errors count"
[ "$(json_get "$out" 'j.findings.filter(f=>f.level==="warning").length')" = 3 ] || fail "warnings"
[ "$(json_get "$out" 'j.findings[0].pointer')" = /worker ] || fail "first pointer"
expect_rc 0 envctl plugin lint "$fx/schemas/e2b.json" --json
[ "$(json_get "$out" 'j.findings.length')" = 0 ] || fail "clean json"
[ "$(json_get "$out" 'j.kind')" = schema ] || fail "schema kind"

# A self-referencing $ref is an error, not a hang.
printf '%s' '{"definitions":{"a":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a","description":"X."}}}' > cyc.json
expect_rc 4 timeout 10 "$ENVCTL_BIN" plugin lint cyc.json
contains "$out" "error: /definitions/a: \$ref cycle"

# Standard input, not JSON, missing file, usage.
expect_rc 0 sh -c "\"$ENVCTL_BIN\" plugin lint - < \"$fx/schemas/exedev.json\""
printf '{"type": "object",' > broken.json
expect_rc 4 envctl plugin lint broken.json
contains "$out" "broken.json is not valid JSON"
expect_rc 4 envctl plugin lint broken.json --json
json_ok "$out"
contains "$(json_get "$out" 'j.findings[0].message')" "not valid JSON"
expect_rc 4 envctl plugin lint does-not-exist.json
contains "$out" "error:"
expect_rc 2 envctl plugin lint
contains "$errout" "missing FILE"
contains "$errout" "usage:"
expect_rc 2 envctl plugin lint a.json b.json
expect_rc 2 envctl plugin lint --frob x.json
contains "$errout" 'unknown option "--frob"'
expect_rc 2 envctl plugin
contains "$errout" "missing subcommand"
expect_rc 2 envctl plugin frob
contains "$errout" 'unknown subcommand "frob"'
expect_rc 0 envctl plugin --help
contains "$out" "plugin lint FILE"
expect_rc 0 envctl --help
contains "$out" "plugin"
