# Bash completion completes `envctl env probe <TAB>` with names from the
# database, lease ids for lease commands, and never creates a database.
. "$(dirname "$0")/lib.sh"
export PATH="$(dirname "$ENVCTL_BIN"):$PATH"
. "$(dirname "$0")/../../data/completion/envctl.bash"
complete_line() { # words... -> COMPREPLY joined by spaces
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
	_envctl; echo "${COMPREPLY[*]}"
}
r=$(complete_line envctl env probe "")
[ -z "$r" ] || [ "$r" = "--all" ] || fail "completion before any database: $r"
[ ! -e "$ENVCTL_DB" ] || fail "completion created the database"
expect_rc 0 envctl env create alpha --provider fake
expect_rc 0 envctl env create beta --provider fake
r=$(complete_line envctl env probe "")
contains "$r" "alpha"
contains "$r" "beta"
r=$(complete_line envctl env probe al)
[ "$r" = "alpha" ] || fail "prefix completion: $r"
r=$(complete_line envctl le)
[ "$r" = "lease" ] || fail "command completion: $r"
expect_rc 0 envctl lease acquire alpha --json
id=$(json_get "$out" j.id)
r=$(complete_line envctl lease release "")
[ "$r" = "$id" ] || fail "lease id completion: $r"
r=$(complete_line envctl --db "$PWD/other.db" env show "")
[ -z "$r" ] || fail "--db honoured (no names from the other database): $r"
r=$(complete_line envctl env create x --provider "")
contains "$r" "fake"

# Values per option and the right names per command (#20).
r=$(complete_line envctl env list --status "")
[ "$r" = "active archived" ] || fail "env --status: $r"
r=$(complete_line envctl lease list --status "")
contains "$r" retained
lacks "$r" archived
r=$(complete_line envctl env probe --all --parallel "")
contains "$r" 16
export ENVCTL_PLUGIN_PATH="$(cd "$(dirname "$0")/../fixtures/plugins" && pwd)"
r=$(complete_line envctl plugin show "")
contains "$r" example.echo-node
lacks "$r" fake
r=$(complete_line envctl lease list "")
[ -z "$r" ] || fail "lease list takes no names: $r"
r=$(complete_line envctl lease workspace "$id" --)
contains "$r" --local-path
r=$(complete_line envctl --)
contains "$r" --ascii
contains "$r" --view
mkdir -p somedir && : > somefile
r=$(complete_line envctl plugin import some)
[ "$r" = somedir ] || fail "plugin import completes directories: $r"
r=$(complete_line envctl db backup some)
contains "$r" somefile

# Every word comes from the CLI's table now (#20): global option values,
# files for lint and --config-file, commands after help, nothing for free
# text, and an option's value is skipped when finding the subcommand.
r=$(complete_line envctl --view "")
[ "$r" = "environments leases providers secrets activity" ] || fail "--view: $r"
r=$(complete_line envctl plugin lint some)
contains "$r" somefile
r=$(complete_line envctl env create x --config-file some)
contains "$r" somefile
r=$(complete_line envctl help "")
contains "$r" lease
r=$(complete_line envctl activity --entity "")
[ -z "$r" ] || fail "activity --entity takes an id, nothing to offer: $r"
r=$(complete_line envctl --db "$ENVCTL_DB" env list --status "")
[ "$r" = "active archived" ] || fail "--db before the command: $r"
r=$(complete_line envctl lease release "$id" --status "")
[ "$r" = "released expired failed" ] || fail "release --status: $r"
