#!/usr/bin/env bash
# `make soak SECONDS=N`: the console (the ASan+UBSan build) in a real
# terminal (tmux) on a demo database takes random keys and resizes for N
# seconds while, beside it, the CLI churns bwrap leases (acquire, exec,
# release) and another loop lists leases and probes every environment.
# At the end: the console quits cleanly (^C through the unsaved-form guard,
# exit 0, no sanitizer report), `db check` is clean, no workspace and no
# plugin process is left over, and the console's descriptors and RSS are
# flat (sampled through the run and printed). Not part of make check: it
# takes as long as you ask.
set -u
: "${ENVCTL_BIN:?}" "${BUILD_DIR:?}"
seconds=${SOAK_SECONDS:-60}
command -v tmux >/dev/null || { echo "soak: tmux is not installed"; exit 1; }
tmp=$(mktemp -d /tmp/envctl-soak-XXXXXX)
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export ENVCTL_DB="$tmp/envctl.db" TMPDIR="$tmp" LC_ALL=C.UTF-8
# UB and leaks are failures; a small quarantine keeps RSS meaningful.
export ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=16:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1"
mkdir -p "$HOME"
sock="envctl-soak-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
pids=()
failures=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	tm kill-server 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "soak: FAIL: $*"; failures+=("$*"); }
envctl() { "$ENVCTL_BIN" "$@"; }
ws_root="$XDG_DATA_HOME/envctl/bwrap-workspaces"
# The "id" members of envctl's JSON (one member a line).
json_ids() { grep -oE '(^|[{,[:space:]])"id":[[:space:]]*"[^"]*"' | sed -E 's/.*"id":[[:space:]]*"([^"]*)"/\1/'; }
plugin_procs() { pgrep -f "$BUILD_DIR/plugins/" 2>/dev/null | grep -v "^$$\$" || true; }

envctl demo >/dev/null || { echo "soak: envctl demo failed"; exit 1; }
envctl env create churn --provider bwrap >/dev/null || { echo "soak: cannot create the bwrap environment"; exit 1; }
ws_before=$(ls "$ws_root" 2>/dev/null | sort)

tm new-session -d -s c -x 120 -y 40 "$ENVCTL_BIN 2>$tmp/console.err; echo \"exit=\$?\" >$tmp/exit"
tm set -g escape-time 0
for _ in $(seq 1 200); do
	cpid=$(tm list-panes -t c -F '#{pane_pid}' 2>/dev/null)
	[ -n "$cpid" ] && cpid=$(pgrep -P "$cpid" -f "$ENVCTL_BIN" | head -1)
	[ -n "$cpid" ] && tm capture-pane -p -t c | grep -q "Environments(" && break
	sleep 0.05
done
[ -n "${cpid:-}" ] || { echo "soak: the console did not start"; tm capture-pane -p -t c; exit 1; }
fds() { ls "/proc/$cpid/fd" 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$cpid/status" 2>/dev/null; }

# Beside the console: bwrap lease churn, and listing + probe-all. The
# random keys may delete or edit "churn" too (the console is the operator
# here): then it is created again, which is not a failure.
(
	n=0 bad=0 recreated=0 raced=0
	# A step that failed because the console released, destroyed or deleted
	# the lease meanwhile (its keys are an operator too) lost a race, which
	# is no defect; any other failure is one.
	step_failed() {
		local st
		st=$(envctl lease show "$id" --json 2>/dev/null | grep -oE '"status":[[:space:]]*"[a-z]+"' | head -1)
		case "$st" in
		*'"active"') bad=$((bad + 1)); echo "$1 failed" >>"$tmp/churn.err" ;;
		*) raced=$((raced + 1)); echo "$1 raced the console (lease ${st:-gone})" >>"$tmp/churn.err" ;;
		esac
	}
	while :; do
		if ! envctl env show churn >/dev/null 2>&1; then
			envctl env create churn --provider bwrap >/dev/null 2>>"$tmp/churn.err" && recreated=$((recreated + 1))
		fi
		if ! out=$(envctl lease acquire churn --json 2>>"$tmp/churn.err"); then
			envctl env show churn >/dev/null 2>&1 && { bad=$((bad + 1)); echo "acquire failed" >>"$tmp/churn.err"; }
			echo "$n $bad $recreated $raced" >"$tmp/churn.count"
			sleep 0.2
			continue
		fi
		id=$(printf '%s' "$out" | json_ids | head -1)
		envctl lease exec "$id" -- sh -c 'echo soak > f; cat f' >/dev/null 2>>"$tmp/churn.err" || step_failed exec
		envctl lease release "$id" >/dev/null 2>>"$tmp/churn.err" || step_failed release
		n=$((n + 1))
		echo "$n $bad $recreated $raced" >"$tmp/churn.count"
	done
) &
pids+=($!)
(
	n=0 bad=0
	while :; do
		envctl lease list --json >/dev/null 2>>"$tmp/list.err" || bad=$((bad + 1))
		envctl env probe --all >/dev/null 2>>"$tmp/list.err" || bad=$((bad + 1))
		n=$((n + 1))
		echo "$n $bad" >"$tmp/list.count"
	done
) &
pids+=($!)

keys=(Enter Escape Tab BTab Up Down Left Right PageUp PageDown Home End BSpace DC Space
	C-r C-l C-u C-s C-t F1 : / '?' j k g G S '>' '<' n e a p P r d x y 1 2 3 4 5 b c f h i l m o s t u v w z 0 9)
start=$(date +%s)
end=$((start + seconds))
samples=()
next_sample=$start
events=0
echo "soak: ${seconds}s; console pid $cpid (ASan build)"
while [ "$(date +%s)" -lt "$end" ]; do
	now=$(date +%s)
	if [ "$now" -ge "$next_sample" ]; then
		samples+=("$((now - start))s fds=$(fds) rss=$(rss)kB")
		next_sample=$((now + (seconds / 10 > 0 ? seconds / 10 : 1)))
	fi
	r=$((RANDOM % 100))
	if ((r < 90)); then
		# A burst of keys per tmux call, as a fast typist.
		tm send-keys -t c "${keys[RANDOM % ${#keys[@]}]}" "${keys[RANDOM % ${#keys[@]}]}" \
			"${keys[RANDOM % ${#keys[@]}]}" "${keys[RANDOM % ${#keys[@]}]}" 2>/dev/null
		events=$((events + 3))
	elif ((r < 96)); then
		tm resize-window -t c -x $((RANDOM % 160 + 1)) -y $((RANDOM % 50 + 1)) 2>/dev/null
	else
		tm resize-window -t c -x 120 -y 40 2>/dev/null
	fi
	events=$((events + 1))
	tm has-session -t c 2>/dev/null || break
done
tm resize-window -t c -x 120 -y 40 2>/dev/null
sleep 1
samples+=("$(( $(date +%s) - start ))s fds=$(fds) rss=$(rss)kB")
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
wait "${pids[@]}" 2>/dev/null
pids=()

# Quit: Esc out of any prompt, then ^C (a second one when a form has
# unsaved changes).
if tm has-session -t c 2>/dev/null; then
	tm send-keys -t c Escape Escape Escape
	tm send-keys -t c C-c
	for _ in $(seq 1 40); do tm has-session -t c 2>/dev/null || break; sleep 0.05; done
	tm has-session -t c 2>/dev/null && tm send-keys -t c C-c
	for _ in $(seq 1 400); do tm has-session -t c 2>/dev/null || break; sleep 0.05; done
fi
tm has-session -t c 2>/dev/null && { fail "the console did not quit on ^C"; tm capture-pane -p -t c; }
[ "$(cat "$tmp/exit" 2>/dev/null)" = "exit=0" ] || fail "console exit: $(cat "$tmp/exit" 2>/dev/null || echo none)"
if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$tmp/console.err"; then
	fail "sanitizer report from the console:"; head -60 "$tmp/console.err"
fi

read -r churn churn_bad churn_recreated churn_raced <"$tmp/churn.count" 2>/dev/null ||
	churn=0 churn_bad=0 churn_recreated=0 churn_raced=0
read -r lists lists_bad <"$tmp/list.count" 2>/dev/null || lists=0 lists_bad=0
# The churn loop was killed mid-cycle, and the console's random keys may
# have acquired bwrap leases of their own (or left one retained): destroy
# every bwrap lease still holding a sandbox, which must take its workspace.
for st in active retained; do
	for id in $(envctl lease list --provider bwrap --status $st --json 2>/dev/null | json_ids); do
		envctl lease destroy "$id" --yes >/dev/null 2>>"$tmp/cleanup.err" || fail "lease destroy $id: $(tail -1 "$tmp/cleanup.err")"
	done
done
# The console's I/O on a killed CLI: give plugin processes a moment to go.
for _ in $(seq 1 100); do [ -z "$(plugin_procs)" ] && break; sleep 0.05; done
left=$(plugin_procs)
[ -z "$left" ] || { fail "plugin processes left over: $left"; ps -o pid,args -p "$(echo $left | tr ' ' ,)"; }
ws_after=$(ls "$ws_root" 2>/dev/null | sort)
# The console may release or destroy the demo's leases (their workspaces
# go): only new ones count as left over.
extra=$(comm -13 <(echo "$ws_before") <(echo "$ws_after") | tr '\n' ' ')
[ -z "${extra// /}" ] || fail "workspaces left over: $extra"
if ! check=$(envctl db check 2>&1); then fail "db check: $check"; fi
if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$tmp"/*.err; then
	fail "sanitizer report from the CLI:"; grep -hE -A20 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$tmp"/*.err | head -60
fi
grep -v "^acquire failed\|^exec failed\|^release failed\|raced the console" "$tmp/churn.err" 2>/dev/null | sort | uniq -c | sort -rn | head -5 | sed 's/^/soak: churn stderr: /'

echo "soak: console samples: ${samples[*]}"
# Flat: from the middle of the run to its end nothing grows (the first half
# is warm-up: the store opens, plugin workers start, caches fill).
field() { local v=${1#*$2=}; v=${v%% *}; echo "${v%kB}"; }
mid=$(( ${#samples[@]} / 2 ))
first_fds=$(field "${samples[0]}" fds); first_rss=$(field "${samples[0]}" rss)
mid_fds=$(field "${samples[$mid]}" fds); mid_rss=$(field "${samples[$mid]}" rss)
last_fds=$(field "${samples[-1]}" fds); last_rss=$(field "${samples[-1]}" rss)
max_fds=0
for s in "${samples[@]:0:$((mid + 1))}"; do f=$(field "$s" fds); [ "$f" -gt "$max_fds" ] && max_fds=$f; done
echo "soak: console fds start ${first_fds}, mid ${mid_fds}, end ${last_fds}; RSS start ${first_rss} kB, mid ${mid_rss} kB, end ${last_rss} kB"
echo "soak: ${events} console key/resize events; ${churn} bwrap acquire/exec/release cycles (${churn_bad} failed; ${churn_raced} steps lost a race with the console's own release/destroy/delete; it deleted the environment ${churn_recreated} times); ${lists} lease list + probe --all rounds (${lists_bad} failed)"
echo "soak: db check: $(echo "$check" | tail -1)"
[ "${last_fds:-0}" -le "$max_fds" ] || fail "console descriptors grew after warm-up: at most ${max_fds} in the first half, ${last_fds} at the end"
[ "${last_rss:-0}" -le $(( ${mid_rss:-0} * 5 / 4 + 8192 )) ] || fail "console RSS grew after warm-up: ${mid_rss} -> ${last_rss} kB"
[ "$churn" -gt 0 ] || fail "no bwrap churn cycle completed"
[ "$churn_bad" -eq 0 ] || fail "$churn_bad bwrap churn steps failed: $(grep -B3 "^[a-z]* failed$" "$tmp/churn.err" | tail -8)"
if [ ${#failures[@]} -eq 0 ]; then
	echo "soak: PASS"
	rm -rf "$tmp"
	exit 0
fi
echo "soak: ${#failures[@]} failure(s); files kept in $tmp"
exit 1
