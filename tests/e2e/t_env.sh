# Environments through the CLI with the built-in fake provider: create,
# list, show, edit, archive, delete; exit codes; files and modes; backup.
. "$(dirname "$0")/lib.sh"

mode() { stat -c %a "$1"; }

# --- the default path: $XDG_DATA_HOME/envctl/envctl.db, 0600 in a 0700 dir
(
	unset ENVCTL_DB
	expect_rc 0 envctl env create first --provider fake
	[ -f "$XDG_DATA_HOME/envctl/envctl.db" ] || fail "default database not created"
	[ "$(mode "$XDG_DATA_HOME/envctl")" = 700 ] || fail "data dir mode $(mode "$XDG_DATA_HOME/envctl")"
	[ "$(mode "$XDG_DATA_HOME/envctl/envctl.db")" = 600 ] || fail "db mode"
	[ "$(mode "$XDG_CONFIG_HOME/envctl/operator.key")" = 600 ] || fail "key mode"
	[ "$(mode "$XDG_CONFIG_HOME/envctl")" = 700 ] || fail "key dir mode"
) || exit 1
# --db beats ENVCTL_DB
expect_rc 0 envctl --db "$TMPDIR/other/x.db" env list
[ "$(mode "$TMPDIR/other/x.db")" = 600 ] || fail "--db file mode"
[ ! -e "$ENVCTL_DB" ] || fail "--db should win over ENVCTL_DB"
# commands that need no database create none
expect_rc 0 envctl provider list
[ ! -e "$ENVCTL_DB" ] || fail "provider list created a database"

# --- create
expect_rc 0 envctl env create demo --provider fake --description "a demo" --set image=debian:12
contains "$out" "created environment demo"
expect_rc 0 envctl env create reuse --provider fake --set /reuseLease=yes --json
json_ok "$out"
[ "$(json_get "$out" 'j.config.reuseLease')" = true ] || fail "--set coerced to boolean"
[ "$(json_get "$out" 'j.config.image')" = "ubuntu:24.04" ] || fail "default image"
[ "$(json_get "$out" 'j.status')" = active ] || fail "status"
expect_rc 5 envctl env create demo --provider fake
contains "$errout" 'already exists'
expect_rc 0 envctl env create blank --provider fake --set image= --json
[ "$(json_get "$out" 'j.config.image')" = "ubuntu:24.04" ] || fail "empty --set removes; default back"
expect_rc 0 envctl env delete blank
# An optional field left empty is absent (#11), in a file as with --set:
# the provider's default applies, "" is never stored.
printf '{"image": ""}' > empty-image.json
expect_rc 0 envctl env create blank2 --provider fake --config-file empty-image.json --json
[ "$(json_get "$out" 'j.config.image')" = "ubuntu:24.04" ] || fail "empty image in a file is absent"
expect_rc 0 envctl env delete blank2
printf '{"image": 7}' > bad-image.json
expect_rc 4 envctl env create bad --provider fake --config-file bad-image.json
contains "$errout" "Image (/image): must be a string"
expect_rc 4 envctl env create bad --provider fake --set nope=1
contains "$errout" "/nope: unknown field"
expect_rc 4 envctl env create bad --provider fake --set reuseLease=maybe
expect_rc 3 envctl env create bad --provider nope
contains "$errout" 'unknown provider "nope"'
expect_rc 2 envctl env create bad
contains "$errout" "--provider"
expect_rc 2 envctl env create
expect_rc 2 envctl env create x --provider fake --frob
printf '{"image": "alpine:3", "reuseLease": true}' > cfg.json
expect_rc 0 envctl env create fromfile --provider fake --config-file cfg.json --json
[ "$(json_get "$out" 'j.config.image')" = "alpine:3" ] || fail "config file"
printf '{"image": ' > broken.json
expect_rc 4 envctl env create broken --provider fake --config-file broken.json
contains "$errout" "not valid JSON"
printf '{"provider":"fake","image":"x:1"}' | envctl env create stdin --config-file - >/dev/null || fail "provider from config file"

# --- list and show
expect_rc 0 envctl env list
contains "$out" "demo"
contains "$out" "LAST PROBE"
contains "$out" "LEASES"
expect_rc 0 envctl env list --json
json_ok "$out"
[ "$(json_get "$out" 'j.length')" = 4 ] || fail "4 environments, got $(json_get "$out" 'j.length')"
[ "$(json_get "$out" 'j.find(e=>e.name==="demo").activeLeases')" = 0 ] || fail "activeLeases"
[ "$(json_get "$out" 'j.find(e=>e.name==="demo").lastProbe')" = null ] || fail "lastProbe"
expect_rc 0 envctl env show demo
contains "$out" "/image = debian:12"
contains "$out" "a demo"
expect_rc 0 envctl env show demo --json
id=$(json_get "$out" 'j.id')
expect_rc 0 envctl env show "$id" --json
[ "$(json_get "$out" 'j.name')" = demo ] || fail "show by id"
expect_rc 3 envctl env show nope
contains "$errout" 'no environment named or with id "nope"'

# --- edit: merge, --set, rename
expect_rc 0 envctl env edit demo --set reuseLease=true --name demo2 --description ""
expect_rc 0 envctl env show demo2 --json
[ "$(json_get "$out" 'j.config.image')" = "debian:12" ] || fail "edit kept image"
[ "$(json_get "$out" 'j.config.reuseLease')" = true ] || fail "edit set reuseLease"
[ "$(json_get "$out" 'j.description')" = "" ] || fail "description cleared"
printf '{"image": null}' | envctl env edit demo2 --config-file - >/dev/null || fail "edit null"
expect_rc 0 envctl env show demo2 --json
[ "$(json_get "$out" 'j.config.image')" = "ubuntu:24.04" ] || fail "null removes, default back"
expect_rc 4 envctl env edit demo2 --set image=  --set reuseLease=perhaps
expect_rc 4 envctl env edit demo2 --provider other

# --- archive
expect_rc 0 envctl env archive demo2
expect_rc 0 envctl env list --status archived --json
[ "$(json_get "$out" 'j.map(e=>e.name).join()')" = demo2 ] || fail "archived filter"
expect_rc 0 envctl env unarchive demo2
expect_rc 0 envctl env list --status archived --json
[ "$(json_get "$out" 'j.length')" = 0 ] || fail "unarchived"

# --- read-only refuses changes, still reads
expect_rc 10 envctl --readonly env create ro --provider fake
contains "$errout" "read-only"
expect_rc 0 envctl --readonly env list

# --- activity
expect_rc 0 envctl activity --json --limit 3
[ "$(json_get "$out" 'j.length')" = 3 ] || fail "activity limit"
[ "$(json_get "$out" 'j[0].action')" = environment.updated ] || fail "newest first"
[ "$(json_get "$out" 'j[0].actor')" = "cli:$(id -un)" ] || fail "actor"
expect_rc 0 envctl activity
contains "$out" "environment.created"
expect_rc 2 envctl activity --limit x

# --- delete
expect_rc 0 envctl env delete fromfile
expect_rc 3 envctl env delete fromfile

# --- db check and backup
expect_rc 0 envctl db check
contains "$out" "ok:"
expect_rc 0 envctl db check --json
[ "$(json_get "$out" 'j.ok')" = true ] || fail "check json"
expect_rc 0 envctl db backup "$TMPDIR/backup.db"
[ "$(mode "$TMPDIR/backup.db")" = 600 ] || fail "backup mode"
expect_rc 5 envctl db backup "$TMPDIR/backup.db"
ENVCTL_DB="$TMPDIR/backup.db" envctl env list --json > list.json || fail "backup opens"
[ "$(json_get "$(cat list.json)" 'j.length')" = 3 ] || fail "backup holds the environments"

# --- a newer database is refused with both versions named
sqlite3 "$ENVCTL_DB" 'PRAGMA user_version = 42'
expect_rc 7 envctl env list
contains "$errout" "schema version 42"
contains "$errout" "newer envctl"
