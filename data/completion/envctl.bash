# bash completion for envctl. Names come from the database through
# `envctl complete envs|leases|providers|secrets`, which reads only.
_envctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
	}
	local db=() i cmd="" sub="" n=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--db) db=(--db "${words[i+1]}"); ((i++)) ;;
		--db=*) db=("${words[i]}") ;;
		-*) ;;
		*) if [ -z "$cmd" ]; then cmd=${words[i]}; elif [ -z "$sub" ]; then sub=${words[i]}; else ((n++)); fi ;;
		esac
	done
	_envctl_words() { envctl "${db[@]}" complete "$1" 2>/dev/null; }
	case $prev in
	--db|--config-file|--value-file|--stdin-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--provider) COMPREPLY=($(compgen -W "$(_envctl_words providers)" -- "$cur")); return ;;
	--env) # lease exec --env takes K=V, not an environment
		[ "$cmd:$sub" = lease:exec ] && return
		COMPREPLY=($(compgen -W "$(_envctl_words envs)" -- "$cur")); return ;;
	--status) COMPREPLY=($(compgen -W "active released expired failed retained archived" -- "$cur")); return ;;
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_envctl_words commands) --db --readonly --no-color --help --version" -- "$cur"))
		return
	fi
	if [ -z "$sub" ]; then
		local subs=""
		case $cmd in
		provider) subs="list show" ;;
		env) subs="create edit archive unarchive delete list show probe" ;;
		secret) subs="create rotate verify disable enable delete list show" ;;
		db) subs="check backup path" ;;
		plugin) subs="list show log restart import lint" ;;
		lease) subs="acquire why list show resume release destroy sweep exec workspace shell" ;;
		complete) subs="commands envs leases providers secrets" ;;
		esac
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	[ "$n" -gt 0 ] && return
	case $cmd:$sub in
	env:create) ;;
	env:*) COMPREPLY=($(compgen -W "$(_envctl_words envs) --all" -- "$cur")) ;;
	lease:acquire|lease:why) COMPREPLY=($(compgen -W "$(_envctl_words envs)" -- "$cur")) ;;
	lease:show|lease:resume|lease:release|lease:destroy|lease:exec|lease:workspace|lease:shell)
		COMPREPLY=($(compgen -W "$(_envctl_words leases)" -- "$cur")) ;;
	provider:show|plugin:show|plugin:log|plugin:restart)
		COMPREPLY=($(compgen -W "$(_envctl_words providers)" -- "$cur")) ;;
	secret:create) ;;
	secret:*) COMPREPLY=($(compgen -W "$(_envctl_words secrets)" -- "$cur")) ;;
	esac
}
complete -F _envctl envctl
