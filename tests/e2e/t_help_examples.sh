# Every example --help shows runs (#20). For each command, the lines under
# "Examples:" in `envctl CMD --help` (the same lines each subcommand's own
# --help shows) run in order under `bash -e`, in a fresh directory and
# database; so do the examples of `envctl --help`.
. "$(dirname "$0")/lib.sh"
export PATH="$(dirname "$ENVCTL_BIN"):$PATH"
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
bwrap --ro-bind / / true 2>/dev/null || { echo "SKIP: bwrap cannot run here (the lease exec examples need it)"; exit 77; }
examples() { # the "Examples:" block of a help text
	sed -n '/^Examples:$/,/^$/p' | sed -e '1d' -e '/^$/d' -e 's/^  //'
}
run_block() { # name, then the lines on stdin
	local name=$1 dir="$TMPDIR/ex-$1"
	mkdir -p "$dir"
	cat > "$dir/run.sh"
	[ -s "$dir/run.sh" ] || return 0
	(cd "$dir" && ENVCTL_DB="$dir/envctl.db" bash -e -o pipefail "$dir/run.sh") >"$dir/out" 2>&1 ||
		fail "an example of envctl $name --help fails: $(tail -5 "$dir/out")
the examples were:
$(cat "$dir/run.sh")"
	ran=$((ran + $(wc -l < "$dir/run.sh")))
}
ran=0
run_block global < <(envctl --help | examples)
for cmd in $(envctl complete commands); do
	[ "$cmd" = help ] && continue
	run_block "$cmd" < <(envctl "$cmd" --help | examples)
	# A subcommand's --help shows its own examples, the command's show them all.
	for sub in $(envctl complete subcommands "$cmd"); do
		envctl "$cmd" "$sub" --help | examples > "$TMPDIR/sub.txt"
		envctl "$cmd" --help | examples > "$TMPDIR/all.txt"
		while IFS= read -r line; do
			grep -qxF -- "$line" "$TMPDIR/all.txt" || fail "envctl $cmd $sub --help shows an example envctl $cmd --help does not: $line"
		done < "$TMPDIR/sub.txt"
	done
done
[ "$ran" -gt 40 ] || fail "only $ran example lines ran"
echo "ran $ran example lines"
