# Environments at 10,000: the console's first screen (environments view),
# `env list --json` against sqlite3 -json running the same query, and
# `env probe --all` over fake environments against bare SQLite storing the
# same rows (probe + activity) in one transaction.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
export LC_ALL=C.UTF-8 ENVCTL_TUI_NOW=2026-01-15T12:00:00.000Z
N=${BENCH_ENVS:-10000}
for n in 1000 "$N"; do
	rm -f "envs-$n.db"*
	ENVCTL_DB="$PWD/envs-$n.db" bash "$here/seed.sh" "$n" $((n * 2))
done
printf '<Down> <PgDn> <End> /env-09<Enter> <Esc> <C-r>\n' >keys-envs.txt
get() { sed -n "s/^$1 //p" "stats-$2"; }
for r in 1 2 3; do
	ENVCTL_DB="$PWD/envs-$N.db" ENVCTL_TUI_STATS="$PWD/stats-e$r" "$ENVCTL_BIN" --script keys-envs.txt
done
ENVCTL_DB="$PWD/envs-1000.db" ENVCTL_TUI_STATS="$PWD/stats-small" "$ENVCTL_BIN" --script keys-envs.txt
ff=$(for r in 1 2 3; do get first_frame_ms e$r; done | median)
km=$(for r in 1 2 3; do get key_max_ms e$r; done | median)
echo "environments view, $N environments (medians of 3; key max $km ms):"
row "console environments view, $N envs: first frame (ms)" "20 (target)" "$ff" "$(ratio "$ff" 20)" "<= 20 ms"
row "console environments view: peak RSS kB, 1k vs $N envs" "$(get peak_rss_kb small)" "$(get peak_rss_kb e1)" "$(ratio "$(get peak_rss_kb e1)" "$(get peak_rss_kb small)")" "flat"

export ENVCTL_DB="$PWD/envs-$N.db"
Q="SELECT e.id, e.name, e.description, e.driver, e.status, e.provider, json(e.config) AS config, json(e.metadata) AS metadata, e.created_at AS createdAt, e.updated_at AS updatedAt, CASE WHEN p.id IS NULL THEN NULL ELSE json_object('ok', json(CASE p.ok WHEN 1 THEN 'true' ELSE 'false' END), 'summary', p.summary, 'at', p.created_at) END AS lastProbe, (SELECT count(*) FROM leases l WHERE l.environment_id = e.id AND l.status = 'active') AS activeLeases FROM environments e LEFT JOIN probes p ON p.id = (SELECT p2.id FROM probes p2 WHERE p2.environment_id = e.id ORDER BY p2.created_at DESC LIMIT 1) ORDER BY e.name"
# Each ratio is the median of each round's (a round's runs share the
# moment's load on this shared machine), the times medians of their own.
: >js && : >jc && : >jr
for _ in 1 2 3 4 5 6 7; do
	a=$(wall sqlite3 -json "$ENVCTL_DB" "$Q") && b=$(wall "$ENVCTL_BIN" env list --json)
	echo "$a" >>js && echo "$b" >>jc && ratio "$b" "$a" >>jr && echo >>jr
done
row "env list --json, $N envs (ms)" "$(median <js)" "$(median <jc)" "$(printf %.2f "$(median <jr)")" "<= 1.50"

"$ENVCTL_BIN" env create bench --provider fake >/dev/null
total=$(sqlite3 "$ENVCTL_DB" "SELECT count(*) FROM environments WHERE status = 'active'")
# Two floors: bare SQLite doing the whole job in one transaction (open,
# read the active environments, store a probe and an activity row for
# each, commit, close), timed from outside like envctl; and envctl itself
# holding every result for one transaction at the end
# (ENVCTL_PROBE_BATCH_MS=0: nothing visible until the run is over), which
# is what batches that show results while running cost against. Every
# run starts from the same copy of the database: each one adds 10k probe
# rows, and a later run on a bigger table is slower for that alone.
sqlite3 "$ENVCTL_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$ENVCTL_DB" probe-start.db
fresh() { cp probe-start.db "$ENVCTL_DB" && rm -f "$ENVCTL_DB-wal" "$ENVCTL_DB-shm"; }
: >ps && : >pl && : >pc && : >p1 && : >rs && : >r1
for _ in 1 2 3 4 5 6 7; do
	fresh && a=$(wall "$BUILD_DIR/tests/helpers/bench_floor" "$ENVCTL_DB" probes "$total")
	fresh && "$BUILD_DIR/tests/helpers/bench_floor" "$ENVCTL_DB" probes "$total" >>pl
	fresh && b=$(wall "$ENVCTL_BIN" env probe --all)
	fresh && c=$(ENVCTL_PROBE_BATCH_MS=0 wall "$ENVCTL_BIN" env probe --all)
	echo "$a" >>ps && echo "$b" >>pc && echo "$c" >>p1
	ratio "$b" "$a" >>rs && echo >>rs && ratio "$b" "$c" >>r1 && echo >>r1
done
echo "env probe --all, $total fake environments (medians of 7; the floor's insert loop alone $(median <pl) ms):"
row "env probe --all, $total fake envs (ms)" "$(median <ps)" "$(median <pc)" "$(printf %.2f "$(median <rs)")" "<= 1.50"
row "env probe --all vs the same run in one transaction (ms)" "$(median <p1)" "$(median <pc)" "$(printf %.2f "$(median <r1)")" "<= 1.50"
