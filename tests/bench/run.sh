#!/usr/bin/env bash
# `make bench`: runs every tests/bench/bench_*.sh, then prints the rows
# they recorded (issue 16's table) as floor | envctl | ratio | target.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ENVCTL_BIN:?}" "${BUILD_DIR:?}"
export ENVCTL_BIN BUILD_DIR
BENCH_TABLE=$(mktemp /tmp/envctl-bench-table-XXXXXX)
export BENCH_TABLE
rc=0
for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	tmp=$(mktemp -d /tmp/envctl-bench-XXXXXX)
	(cd "$tmp" && HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
		ENVCTL_DB="$tmp/envctl.db" bash "$b") || { echo "bench $(basename "$b") failed"; rc=1; }
	rm -rf "$tmp"
done
echo
echo "== summary (one run; medians inside it)"
printf '| %s | %s | %s | %s | %s |\n' measure floor envctl ratio target
printf '|---|---|---|---|---|\n'
while IFS='|' read -r m f e r t; do
	printf '| %s | %s | %s | %s | %s |\n' "$m" "$f" "$e" "$r" "$t"
done <"$BENCH_TABLE"
rm -f "$BENCH_TABLE"
exit $rc
