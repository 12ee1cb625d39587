# bash completion for envctl. Every word comes from envctl itself, from the
# CLI's own table (the one --help and the man page are printed from):
# commands and global options (`envctl complete commands|globals`), a
# command's subcommands and options (`complete subcommands CMD`, `complete
# options CMD SUB`), what an option's value is (`complete values CMD SUB
# OPT`) and what a subcommand's argument is (`complete args CMD SUB`): words,
# or @file, @dir, @number, @text (free text), or names from the database (@envs, @leases,
# @providers, @plugins, @secrets, @commands, through `envctl complete
# envs|...`, which reads only). Nothing about a command is written here.
_envctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
	}
	local db=() i cmd="" sub="" n=0 subs="" w spec
	_envctl_words() { envctl "${db[@]}" complete "$@" 2>/dev/null; }
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--db) db=(--db "${words[i+1]}"); ((i++)); continue ;;
		--db=*) db=("$w"); continue ;;
		--*=*|--) continue ;;
		-*)
			# An option that takes a value skips it (its table says so).
			[ -n "$(_envctl_values "$w")" ] && ((i++))
			continue ;;
		esac
		if [ -z "$cmd" ]; then cmd=$w; subs=$(_envctl_words subcommands "$cmd")
		elif [ -z "$sub" ] && [ -n "$subs" ]; then sub=$w
		else ((n++)); fi
	done
	# The value of an option.
	if [[ $prev == -* ]]; then
		spec=$(_envctl_values "$prev")
		if [ -n "$spec" ]; then
			_envctl_expand $spec
			return
		fi
	fi
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_envctl_words commands) $(_envctl_words globals)" -- "$cur"))
		return
	fi
	if [ -z "$sub" ] && [ -n "$subs" ]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_envctl_words options "$cmd" "${sub:---}")" -- "$cur"))
		return
	fi
	# The first argument only; later ones are free (lease exec's command).
	[ "$n" -gt 0 ] && return
	_envctl_expand $(_envctl_words args "$cmd" "$sub")
}
# What the value of option $1 completes to, for the command line so far;
# nothing for a flag.
_envctl_values() {
	if [ -z "$cmd" ]; then _envctl_words values - "$1"
	else _envctl_words values "$cmd" "${sub:---}" "$1"; fi
}
# Expands a values spec into COMPREPLY.
_envctl_expand() {
	local s words=""
	COMPREPLY=()
	for s in "$@"; do
		case $s in
		@file) COMPREPLY+=($(compgen -f -- "$cur")) ;;
		@dir) COMPREPLY+=($(compgen -d -- "$cur")) ;;
		@number|@text) ;;
		@*) words="$words $(_envctl_words "${s#@}")" ;;
		*) words="$words $s" ;;
		esac
	done
	[ -n "$words" ] && COMPREPLY+=($(compgen -W "$words" -- "$cur"))
	return 0
}
complete -F _envctl envctl
