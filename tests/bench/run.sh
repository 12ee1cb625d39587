#!/usr/bin/env bash
# `make bench`: runs every tests/bench/bench_*.sh and prints their figures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ENVCTL_BIN:?}" "${BUILD_DIR:?}"
export ENVCTL_BIN BUILD_DIR
rc=0
for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	tmp=$(mktemp -d /tmp/envctl-bench-XXXXXX)
	(cd "$tmp" && HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
		ENVCTL_DB="$tmp/envctl.db" bash "$b") || { echo "bench $(basename "$b") failed"; rc=1; }
	rm -rf "$tmp"
done
exit $rc
