#!/usr/bin/env bash
# Runs every tests/e2e/t_*.sh against the built binary, each in its own
# temporary HOME and database, and prints one closing line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ENVCTL_BIN:?}"
export ENVCTL_BIN
pass=0 fail=0 skip=0
for t in "$here"/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	tmp=$(mktemp -d /tmp/envctl-e2e-XXXXXX)
	if (cd "$tmp" && HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
		ENVCTL_DB="$tmp/envctl.db" TMPDIR="$tmp" bash "$t") >"$tmp/log" 2>&1; then
		pass=$((pass + 1)); echo "PASS $name"
	elif [ $? -eq 77 ]; then
		# A test that cannot run here says why; it is not a pass.
		skip=$((skip + 1)); echo "SKIP $name: $(grep -m1 '^SKIP: ' "$tmp/log" | cut -c7-)"
	else
		fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/    /' "$tmp/log" | tail -40
	fi
	rm -rf "$tmp"
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
