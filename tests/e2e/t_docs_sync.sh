# One source of truth for commands and options (#20): the CLI's own table
# (CliCommand.subs/.opts, read through `envctl complete subcommands|options`)
# prints --help, the man page's COMMANDS section and the README's synopsis
# (doc/generate.sh, `make docs`: the generated parts must be what it would
# write now) and feeds the bash completion. Every option the table names
# must be accepted by that subcommand's parser (the parser refuses any the
# table does not give it), appear in the man page's line for that command,
# and be offered by the completion.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
man="$here/../../doc/envctl.1"
export PATH="$(dirname "$ENVCTL_BIN"):$PATH"
. "$here/../../data/completion/envctl.bash"
complete_line() {
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
	_envctl; echo " ${COMPREPLY[*]} "
}
# The man page's command lines (".B env create ..."), fonts and \- undone,
# one per line, with "|" also splitting words.
manlines=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$man" | grep '^\.B ' |
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/^\.B //')
problems=""
note() { problems="$problems
$*"; }
has_sub() { # cmd sub: a man line for cmd naming sub as a word
	printf '%s\n' "$manlines" | grep "^$1 " | tr '|[]' '   ' | grep -qw -- "$2"
}
has_opt() { # cmd opt
	printf '%s\n' "$manlines" | grep "^$1 " | grep -q -- "$2\\b"
}
globals=$(complete_line envctl -)
for g in $(envctl complete globals); do
	case "$globals" in *" $g "*) ;; *) note "completion lacks global option $g";; esac
	grep -q -- "$(printf '%s' "$g" | sed 's/-/\\\\-/g')" "$man" || note "man page lacks global option $g"
done
for cmd in $(envctl complete commands); do
	printf '%s\n' "$manlines" | grep -q "^$cmd\\b" || note "man page lacks command $cmd"
	subs=$(envctl complete subcommands "$cmd")
	offered=$(complete_line envctl "$cmd" "")
	for sub in ${subs:-""}; do
		if [ -n "$sub" ]; then
			has_sub "$cmd" "$sub" || note "man page lacks $cmd $sub"
			case "$offered" in *" $sub "*) ;; *) note "completion lacks $cmd $sub";; esac
			optoffered=$(complete_line envctl "$cmd" "$sub" --)
		else
			optoffered=$(complete_line envctl "$cmd" --)
		fi
		for opt in $(envctl complete options "$cmd" $sub); do
			has_opt "$cmd" "$opt" || note "man page lacks $opt of $cmd $sub"
			case "$optoffered" in *" $opt "*) ;; *) note "completion lacks $opt of $cmd $sub";; esac
			# The parser knows it (no positional: at most a usage error).
			err=$(cd "$TMPDIR" && timeout 20 "$ENVCTL_BIN" --db "$TMPDIR/sync.db" "$cmd" $sub "$opt" </dev/null 2>&1 >/dev/null)
			case "$err" in *"unknown option"*|*"does not apply"*)
				note "$cmd $sub refuses its own documented $opt: $err";; esac
		done
	done
done
[ -z "$problems" ] || fail "docs and CLI diverge:$problems"

# The generated parts of README.md and doc/envctl.1 (commands, provider
# fields, and the README's screenshots, which are golden screens that
# t_tui_golden checks the console draws) are what `make docs` writes now.
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
bash "$here/../../doc/generate.sh" "$ENVCTL_BIN" --check > "$TMPDIR/gen.diff" 2>&1 ||
	fail "README.md or doc/envctl.1 is stale (run \`make docs\`):
$(head -60 "$TMPDIR/gen.diff")"
grep -q '^<!-- BEGIN GOLDEN readme-envs.txt -->$' "$here/../../README.md" ||
	fail "README.md's environments screenshot is not the golden screen"

# Every key of the console's key tables (src/tui/*.c, first column: a
# character, ^X or F2) is on the man page's CONSOLE section.
src="$here/../../src/tui"
if [ -d "$src" ]; then
	console=$(sed -n '/^\.SH CONSOLE/,/^\.SH ENVIRONMENT/p' "$man" | grep '^\.B' |
		sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/"//g' -e 's/,/ /g')
	for k in $(grep -ho "^\s*{ \('[^']*'\|TUI_CTRL('[a-z]')\|TUI_FN(KEY_F([0-9]*))\)," "$src"/*.c |
		sed "s/^\s*{ //; s/,$//" | sort -u |
		sed -e "s/^TUI_CTRL('\(.\)')$/^\1/" -e "s/^TUI_FN(KEY_F(\([0-9]*\)))$/F\1/" \
		    -e "s/^' '$/Space/" -e "s/^'\(.\)'$/\1/"); do
		case $k in ^?) k="^$(printf '%s' "${k#^}" | tr a-z A-Z)";; esac
		printf '%s\n' "$console" | tr ' ' '\n' | grep -qxF -- "$k" ||
			note "man page CONSOLE lacks the key $k"
	done
	[ -z "$problems" ] || fail "man page and console keys diverge:$problems"
fi

# Every ENVCTL_* variable the code reads or sets is in ENVIRONMENT.
if [ -d "$here/../../src" ]; then
	envsec=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH FILES/p' "$man")
	for v in $(grep -rhoE '"ENVCTL_[A-Z_]+[="]' "$here/../../src" | tr -d '"=' | sort -u); do
		case "$envsec" in *"$v"*) ;; *) note "man page ENVIRONMENT lacks $v";; esac
	done
	[ -z "$problems" ] || fail "man page and environment variables diverge:$problems"
fi

# Every view name and alias of command mode (the views tui.c lists in
# tui_top_views) is on the man page.
if [ -d "$src" ]; then
	for v in $(sed -n '/tui_top_views\[\] = {/,/};/p' "$src/tui.c" | grep -o 'tui_view_[a-z_]*'); do
		for w in $(cat "$src"/view_*.c | sed -n "/^const TuiViewOps $v = {/,/^};/p" |
			grep -oE '\.(name|alias) = "[a-z]+"' | sed 's/.*"\(.*\)"/\1/'); do
			grep -qE -- ":$w\b" "$man" || note "man page lacks the console command :$w"
		done
	done
	[ -z "$problems" ] || fail "man page and console commands diverge:$problems"
fi
