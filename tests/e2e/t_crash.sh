# SIGKILL in the middle of a batch of writes: the database still passes
# `envctl db check` and holds every write that was acknowledged.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
batch="$BUILD_DIR/tests/helpers/env_batch"

expect_rc 0 envctl db check
total_acked=0
for round in 1 2 3 4; do
	"$batch" "r$round" 100000 > "acks.$round" 2> "err.$round" &
	pid=$!
	# let it get going: wait for a round-dependent number of acks
	want=$((round * 7))
	for _ in $(seq 1 200); do
		[ "$(grep -c '^ack' "acks.$round")" -ge "$want" ] && break
		sleep 0.02
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	acked=$(grep -c '^ack' "acks.$round")
	[ "$acked" -ge "$want" ] || fail "round $round: only $acked acknowledged saves: $(cat "err.$round")"
	total_acked=$((total_acked + acked))
	expect_rc 0 envctl db check
	expect_rc 0 envctl env list --json
	names=$(json_get "$out" 'j.map(e=>e.name).join("\n")')
	for name in $(sed -n 's/^ack //p' "acks.$round"); do
		printf '%s\n' "$names" | grep -qx "$name" || fail "acknowledged $name is missing after SIGKILL"
	done
done
echo "acknowledged saves kept: $total_acked"

# The same with the CLI itself: envctl processes killed at random points.
for i in $(seq 1 25); do
	envctl env create "cli-$i" --provider fake > "cli.$i" 2>&1 &
	pid=$!
	sleep "0.00$((RANDOM % 10))"
	kill -KILL "$pid" 2>/dev/null
	if wait "$pid"; then echo "cli-$i" >> cli.acked; fi
done
echo "CLI creates acknowledged before the kill: $(wc -l < cli.acked 2>/dev/null || echo 0) of 25"
expect_rc 0 envctl db check
expect_rc 0 envctl env list --json
names=$(json_get "$out" 'j.map(e=>e.name).join("\n")')
for name in $(cat cli.acked 2>/dev/null); do
	printf '%s\n' "$names" | grep -qx "$name" || fail "acknowledged $name is missing"
done
# a killed create is all or nothing: no environment without its secrets
expect_rc 0 envctl db check --json
[ "$(json_get "$out" 'j.problems.length')" = 0 ] || fail "problems after kills"
