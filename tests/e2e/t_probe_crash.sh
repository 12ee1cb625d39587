# env probe --all stores results in batches (one transaction per bounded
# delay). Killed in the middle of a run, the database keeps whole batches
# only: every stored probe has its activity row and no probe is stored
# twice; a lease that was active before the run keeps its state (no intent
# written, none lost); the next run probes everything again.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
fl() { "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"
printf '{"token":"t"}' > cfg.json
N=40
for i in $(seq -w 1 $N); do
	fl env create "p$i" --provider flaky --config-file cfg.json >/dev/null || fail "create p$i"
done
expect_rc 0 fl lease acquire p01 --json
lease=$(json_get "$out" j.id)
q() { sqlite3 "$ENVCTL_DB" "$1"; }

# slow probes, two at a time: about a second in all, batches every 100 ms
FLAKY_SLEEP_MS=50 fl env probe --all --parallel 2 >run.out 2>&1 & pid=$!
deadline=$(($(date +%s) + 20))
until [ "$(q 'SELECT count(*) FROM probes')" -ge 4 ]; do
	kill -0 $pid 2>/dev/null || fail "the run ended before it could be killed: $(cat run.out)"
	[ "$(date +%s)" -lt $deadline ] || fail "no batch was stored within 20 s"
done
kill -9 $pid; wait $pid 2>/dev/null
stored=$(q 'SELECT count(*) FROM probes')
[ "$stored" -lt $N ] || fail "killed run stored all $N results; the test did not interrupt it"
[ "$(q "SELECT count(*) FROM activity WHERE action = 'environment.probed'")" = "$stored" ] ||
	fail "probes and their activity rows differ after the kill: $stored probes"
[ "$(q 'SELECT count(*) FROM (SELECT environment_id FROM probes GROUP BY 1 HAVING count(*) > 1)')" = 0 ] ||
	fail "an environment was stored twice"
expect_rc 0 fl lease show "$lease" --json
[ "$(json_get "$out" 'j.status+"/"+(j.phase||"")')" = "active/" ] || fail "lease after the kill: $out"
expect_rc 0 fl db check

FLAKY_SLEEP_MS=0 expect_rc 0 fl env probe --all
[ "$(q 'SELECT count(DISTINCT environment_id) FROM probes')" = $N ] || fail "second run did not probe all $N"
[ "$(q "SELECT count(*) FROM activity WHERE action = 'environment.probed'")" = "$(q 'SELECT count(*) FROM probes')" ] ||
	fail "probes and activity differ after the second run"
