# The CLI's hints and refusals say what is true (#20): each check here
# failed on the code before it.
. "$(dirname "$0")/lib.sh"

envctl env create web --provider fake >/dev/null || fail "create web"

# Read-only refusals read as sentences ("cannot release a lease").
expect_rc 10 envctl --readonly lease sweep
contains "$errout" "cannot run the sweep:"
expect_rc 10 envctl --readonly demo
contains "$errout" "cannot load demo data:"
lease=$(envctl lease acquire web --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).id)')
[ -n "$lease" ] || fail "no lease"
expect_rc 10 envctl --readonly lease release "$lease"
contains "$errout" "cannot release a lease:"
expect_rc 10 envctl --readonly lease destroy "$lease" --yes
contains "$errout" "cannot destroy a lease:"
expect_rc 10 envctl --readonly lease exec "$lease" -- true
contains "$errout" "cannot execute in a lease:"
for v in releasing destroying executing loading importing acquiring resuming; do
	lacks "$errout" "cannot $v"
done

# A group without subcommands: no stray space; a did-you-mean and where
# the help is.
expect_rc 2 envctl activity --jsn
contains "$errout" 'activity: unknown option "--jsn"; did you mean --json?'
contains "$errout" 'see `envctl activity --help`'
expect_rc 2 envctl env create x --provider fake --desc y
contains "$errout" "did you mean --description?"
contains "$errout" 'see `envctl env --help`'

# An unknown subcommand is called that, with the valid ones.
expect_rc 2 envctl env bogus
contains "$errout" 'env: unknown subcommand "bogus"'
contains "$errout" "unarchive"
lacks "$errout" "missing NAME"

# A bad --status names the valid ones instead of "no environments".
expect_rc 2 envctl env list --status bogus
contains "$errout" 'unknown --status "bogus" (one of: active, archived)'
lacks "$out" "no environments"

# Options that do not apply are refused, not ignored.
expect_rc 2 envctl env archive web --set a=b
contains "$errout" "env archive: --set does not apply here"
envctl env show web --json >/dev/null || fail "show web"
expect_rc 2 envctl env show web --provider zzz
contains "$errout" "env show: --provider does not apply here"
expect_rc 2 envctl env delete web --json
[ "$(envctl env list --json | node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0,"utf8")).length))')" = 1 ] \
	|| fail "a refused delete deleted"

# `envctl help`, `envctl help CMD [SUB]`, and `envctl CMD SUB --help`
# showing only that subcommand's usage lines.
expect_rc 0 envctl help
contains "$out" "Commands:"
expect_rc 0 envctl help lease
contains "$out" "envctl lease acquire"
expect_rc 0 envctl env list --help
contains "$out" "usage: envctl env list"
lacks "$out" "envctl env create"
expect_rc 0 envctl help env show
contains "$out" "usage: envctl env show"
lacks "$out" "envctl env list"
expect_rc 2 envctl help bogus
contains "$errout" 'help: unknown command "bogus"'

# plugin lint: usage errors exit 2, findings with errors exit 4.
printf '{"type":"object","properties":{"a":{"type":"nope"}}}' > bad.json
expect_rc 4 envctl plugin lint bad.json
expect_rc 2 envctl plugin lint

# A provider without release/destroy (-32601 / not in supportedMethods):
# the lease ends, but no "destroyed" and no cleanup success is claimed.
fx="$(cd "$(dirname "$0")/../fixtures/plugins" && pwd)"
mkdir -p plugins && cp -r "$fx/echo-node" plugins/norelease
node -e '
const fs = require("fs"), f = "plugins/norelease/worker.js";
let s = fs.readFileSync(f, "utf8");
s = s.replace("const methods = {", "const methods = {}; const all = {");
s = s.replace(/\n};\n\nlet buf/, "\n};\nfor (const k of Object.keys(all)) if (!/ReleaseLease|DestroyLease|ResumeLease/.test(k)) methods[k] = all[k];\n\nlet buf");
s = s.replace("supportedMethods: Object.keys(methods)", "supportedMethods: Object.keys(methods).concat(process.env.NR_ADVERTISE ? [\"environmentReleaseLease\", \"environmentDestroyLease\", \"environmentResumeLease\"] : [])");
fs.writeFileSync(f, s);
const m = JSON.parse(fs.readFileSync("plugins/norelease/manifest.json", "utf8"));
m.id = "example.norelease"; m.environmentDrivers[0].driverKey = "norelease";
m.inheritEnv = ["NR_ADVERTISE"];
fs.writeFileSync("plugins/norelease/manifest.json", JSON.stringify(m));'
export ENVCTL_PLUGIN_PATH="$PWD/plugins"
for advertise in "" 1; do
	export NR_ADVERTISE=$advertise
	expect_rc 0 envctl env create "nr$advertise" --provider norelease --set greeting=hi
	expect_rc 0 envctl lease acquire "nr$advertise" --json
	id=$(json_get "$out" j.id)
	expect_rc 0 envctl lease destroy "$id" --yes
	lacks "$out" "destroyed and"
	contains "$out" "does not implement environmentDestroyLease, so nothing was destroyed"
	expect_rc 0 envctl lease show "$id" --json
	[ "$(json_get "$out" j.cleanupStatus)" = null ] || fail "cleanupStatus: $out"
	[ "$(json_get "$out" j.metadata.envctlCleanupUnsupported)" = environmentDestroyLease ] \
		|| fail "no envctlCleanupUnsupported: $out"
	expect_rc 0 envctl lease acquire "nr$advertise" --json
	id=$(json_get "$out" j.id)
	expect_rc 0 envctl lease release "$id"
	contains "$out" "does not implement environmentReleaseLease, so nothing was cleaned up"
	expect_rc 0 envctl activity --json --entity "$id"
	lacks "$out" "cleanup succeeded"
	# Cannot resume is said as such, not "no longer has sandbox".
	expect_rc 10 envctl lease resume "$id"
	contains "$errout" "does not implement environmentResumeLease"
	lacks "$errout" "no longer has"
	# Nothing to retry, and the environment is not held by it.
	expect_rc 0 envctl lease sweep --json
	expect_rc 0 envctl env delete "nr$advertise"
done

# The same did-you-mean for global options and for commands that parse
# their own (provider, plugin lint).
expect_rc 2 envctl --readonyl
contains "$errout" 'unknown option "--readonyl"; did you mean --readonly?'
contains "$errout" 'see `envctl --help`'
expect_rc 2 envctl provider list --jsn
contains "$errout" 'did you mean --json?'
contains "$errout" 'see `envctl provider --help`'
expect_rc 2 envctl plugin lint --strct x.json
contains "$errout" 'did you mean --strict?'

# One --help layout from the table (#20): a subcommand's help has its
# usage, its options with their defaults, its examples and exit codes;
# unknown commands and subcommands get a did-you-mean; a usage error shows
# the subcommand's usage only; an option the table does not give a
# subcommand is refused (plugin list took --force silently before).
expect_rc 0 envctl lease list --help
contains "$out" "usage: envctl lease list"
contains "$out" "Options:"
contains "$out" "(default: no limit)"
contains "$out" "Examples:"
contains "$out" "Exit codes:"
lacks "$out" "--yes"
expect_rc 2 envctl lese list
contains "$errout" 'unknown command "lese"; did you mean lease?'
expect_rc 2 envctl secret rotat x --value-file -
contains "$errout" 'secret: unknown subcommand "rotat"; did you mean rotate?'
expect_rc 2 envctl env create
contains "$errout" "usage: envctl env create NAME --provider KEY"
lacks "$errout" "env edit"
contains "$errout" 'see `envctl env create --help`'
expect_rc 2 envctl plugin list --force
contains "$errout" "--force does not apply here (only to plugin import)"
expect_rc 2 envctl lease show x --status failed
contains "$errout" "--status does not apply here (only to lease list release)"
expect_rc 2 envctl --db
contains "$errout" "--db needs a value"

# README: on a top-level view q quits, also after :leases (it goes back
# only from a detail or a form): nothing after the q runs.
printf ':leases<Enter> q <Dump after-q.txt>\n' > quit.keys
ENVCTL_TUI_SIZE=80x24 envctl --script quit.keys >/dev/null 2>&1 || fail "the console exited $? on :leases then q"
[ ! -e after-q.txt ] || fail "q on the leases view did not quit"

# The rest of the issue's false claims, as they read today (#20).
readme="$(cd "$(dirname "$0")/../.." && pwd)/README.md"
# An archived environment's hint names the command that restores it.
envctl env create arch --provider fake >/dev/null && envctl env archive arch >/dev/null
expect_rc 5 envctl lease acquire arch
contains "$errout" "envctl env unarchive"
lacks "$errout" "env edit"
# plugin list --json is an object, and the README and --help say so.
expect_rc 0 envctl plugin list --json
[ "$(printf '%s' "$out" | jq -r 'type + " " + (.plugins|type) + " " + (.problems|type)')" = "object array array" ] ||
	fail "plugin list --json: $out"
grep -q 'except `plugin list --json`, an object' "$readme" || fail "README no longer says plugin list --json is an object"
expect_rc 0 envctl plugin list --help
contains "$out" "prints an object"
# A draft-07 tuple (items as a list) is a form tuple: lint finds no error.
printf '{"type":"object","properties":{"p":{"type":"array","description":"d","items":[{"type":"string","description":"d"}]}}}' > tuple.json
expect_rc 0 envctl plugin lint tuple.json
contains "$out" "schema is clean"
grep -q 'ignored, lint warns' "$readme" && fail "README still says tuple items are ignored"
grep -q 'until plugins are wired in' "$readme" && fail "README still says 'until plugins are wired in'"
true
