# Lease figures: acquire+release throughput with the fake provider; the
# reuse lookup with 1k vs 100k released leases in the environment (an index,
# not a scan: the per-acquire cost must stay flat); `lease list --json` over
# 100,000 leases against the sqlite3 shell running the same query.
set -eu
bl() { "$BUILD_DIR/tests/helpers/bench_lease" "$ENVCTL_DB" "$@"; }
ms() { date +%s%3N; }
best_of_3() { # prints the best wall time in ms of "$@" > /dev/null
	local best=999999999 t0 t1
	for _ in 1 2 3; do t0=$(ms); "$@" >/dev/null; t1=$(ms); [ $((t1 - t0)) -lt $best ] && best=$((t1 - t0)); done
	echo $best
}
"$ENVCTL_BIN" env create bench --provider fake --set reuseLease=true >/dev/null
ENV_ID=$("$ENVCTL_BIN" env show bench --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).id)')

bl cycle 2000

# seed N released reuse leases for the environment, straight into SQLite
seed() {
	sqlite3 "$ENVCTL_DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $1)
	INSERT INTO leases (id, environment_id, status, lease_policy, provider, provider_lease_id,
	  acquired_at, last_used_at, released_at, cleanup_status, metadata, updated_at)
	SELECT lower(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),2)||'-a'||substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6))),
	  '$ENV_ID', 'released', 'reuse_by_environment', 'fake', 'sandbox://fake/old-' || i,
	  strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'),
	  strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'),
	  strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || i || ' seconds'), 'success',
	  '{\"provider\":\"fake\",\"image\":\"other:' || i || '\",\"reuseLease\":true}',
	  '2020-01-01T00:00:00.000Z' FROM n;"
}
seed 1000
echo "reuse lookup, 1k released leases that do not match:"
bl reuse 300
seed 99000
echo "reuse lookup, 100k released leases that do not match:"
bl reuse 300
echo "query plan of the reuse lookup:"
sqlite3 "$ENVCTL_DB" "EXPLAIN QUERY PLAN SELECT id FROM leases INDEXED BY leases_reuse WHERE environment_id = '$ENV_ID' AND lease_policy = 'reuse_by_environment' ORDER BY last_used_at DESC LIMIT 50" | sed 's/^/  /'

total=$(sqlite3 "$ENVCTL_DB" "SELECT count(*) FROM leases")
Q="SELECT id, environment_id, heartbeat_run_id, issue_id, status, lease_policy, provider, provider_lease_id, acquired_at, last_used_at, expires_at, released_at, failure_reason, cleanup_status, phase, json(metadata) AS metadata FROM leases ORDER BY acquired_at DESC, id DESC"
t_cli=$(best_of_3 "$ENVCTL_BIN" lease list --json)
t_sql=$(best_of_3 sqlite3 -json "$ENVCTL_DB" "$Q")
echo "lease list --json over $total leases: envctl ${t_cli} ms, sqlite3 -json ${t_sql} ms, ratio $(awk "BEGIN{printf \"%.2f\", $t_cli/$t_sql}") (target <= 2.00)"
