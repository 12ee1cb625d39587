# bash completion for envctl. Every word comes from envctl itself:
# commands, global options, subcommands and options from the CLI's own
# usage text (`envctl complete commands|globals`, `complete subcommands
# CMD`, `complete options CMD SUB`), names from the database through
# `envctl complete envs|leases|providers|plugins|secrets`, which reads only.
# Only the kinds of values an option takes are written here.
_envctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
	}
	local db=() i cmd="" sub="" n=0 subs
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--db) db=(--db "${words[i+1]}"); ((i++)) ;;
		--script|--view) [ -z "$cmd" ] && ((i++)) ;;
		--db=*) db=("${words[i]}") ;;
		-*) ;;
		*) if [ -z "$cmd" ]; then cmd=${words[i]}
		   elif [ -z "$sub" ] && [ -n "$(envctl complete subcommands "$cmd" 2>/dev/null)" ]; then sub=${words[i]}
		   else ((n++)); fi ;;
		esac
	done
	_envctl_words() { envctl "${db[@]}" complete "$@" 2>/dev/null; }
	case $prev in
	--db|--config-file|--value-file|--stdin-file|--script) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--cwd|--local-path) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--view) COMPREPLY=($(compgen -W "environments leases providers secrets activity" -- "$cur")); return ;;
	--provider) COMPREPLY=($(compgen -W "$(_envctl_words providers)" -- "$cur")); return ;;
	--env) # lease exec --env takes K=V, not an environment
		[ "$cmd:$sub" = lease:exec ] && return
		COMPREPLY=($(compgen -W "$(_envctl_words envs)" -- "$cur")); return ;;
	--status)
		case $cmd in
		env) COMPREPLY=($(compgen -W "active archived" -- "$cur")) ;;
		lease) [ "$sub" = release ] && COMPREPLY=($(compgen -W "released expired failed" -- "$cur")) ||
			COMPREPLY=($(compgen -W "active released expired failed retained" -- "$cur")) ;;
		esac
		return ;;
	--parallel) COMPREPLY=($(compgen -W "1 2 4 8 16 32 64" -- "$cur")); return ;;
	--entity) COMPREPLY=($(compgen -W "$(_envctl_words envs) $(_envctl_words secrets)" -- "$cur")); return ;;
	--run|--issue|--ttl|--limit|--lines|--timeout|--name|--description|--set|--if-revision|--reason|--inherit-env|--remote-path|--mode)
		return ;; # free text or a number
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_envctl_words commands) $(_envctl_words globals)" -- "$cur"))
		return
	fi
	subs=$(_envctl_words subcommands "$cmd")
	if [ -z "$sub" ] && [ -n "$subs" ]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_envctl_words options "$cmd" $sub)" -- "$cur"))
		return
	fi
	[ "$n" -gt 0 ] && return
	case $cmd:$sub in
	env:create|env:list|secret:create|secret:list|lease:list|lease:sweep|db:check|db:path|plugin:list|operator:*) ;;
	env:*) COMPREPLY=($(compgen -W "$(_envctl_words envs)" -- "$cur")) ;;
	lease:acquire|lease:why) COMPREPLY=($(compgen -W "$(_envctl_words envs)" -- "$cur")) ;;
	lease:*) COMPREPLY=($(compgen -W "$(_envctl_words leases)" -- "$cur")) ;;
	provider:show) COMPREPLY=($(compgen -W "$(_envctl_words providers)" -- "$cur")) ;;
	plugin:show|plugin:log|plugin:restart) COMPREPLY=($(compgen -W "$(_envctl_words plugins)" -- "$cur")) ;;
	plugin:import) COMPREPLY=($(compgen -d -- "$cur")) ;;
	plugin:lint|db:backup|db:copy) COMPREPLY=($(compgen -f -- "$cur")) ;;
	secret:*) COMPREPLY=($(compgen -W "$(_envctl_words secrets)" -- "$cur")) ;;
	complete:subcommands|complete:options) COMPREPLY=($(compgen -W "$(_envctl_words commands)" -- "$cur")) ;;
	esac
}
complete -F _envctl envctl
