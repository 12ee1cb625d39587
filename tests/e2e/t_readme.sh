# The README's shell examples run (#20): every fenced block opened with
# "```sh runnable" runs under `bash -e`, in README order, in one temporary
# directory and database. "needs=TOOL" skips a block when TOOL cannot run
# here (said on stderr); a block that fails names its README line.
. "$(dirname "$0")/lib.sh"
readme="$(cd "$(dirname "$0")/../.." && pwd)/README.md"
export PATH="$(dirname "$ENVCTL_BIN"):$PATH"
command -v jq >/dev/null || { echo "SKIP: jq is not installed (make deps)"; exit 77; }
mkdir -p blocks
awk -v dir=blocks '
	/^```sh runnable/ { n++; f = sprintf("%s/%03d.sh", dir, n); need = ""
		if (match($0, /needs=[a-z0-9_-]+/)) need = substr($0, RSTART + 6, RLENGTH - 6)
		printf "# README line %d\n# needs: %s\n", NR, need > f; on = 1; next }
	on && /^```/ { on = 0; close(f); next }
	on { print > f }' "$readme"
ls blocks/*.sh >/dev/null 2>&1 || fail "no runnable blocks in README.md"
ran=0
for b in blocks/*.sh; do
	need=$(sed -n 's/^# needs: //p' "$b")
	case "$need" in
	bwrap) bwrap --ro-bind / / true 2>/dev/null || { echo "skipped $(head -1 "$b"): bwrap cannot run here" >&2; continue; } ;;
	"") ;;
	*) command -v "$need" >/dev/null || { echo "skipped $(head -1 "$b"): no $need" >&2; continue; } ;;
	esac
	bash -e "$b" >"$b.out" 2>&1 || fail "$(head -1 "$b" | cut -c3-) failed: $(cat "$b.out")"
	ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || fail "no README block could run"
