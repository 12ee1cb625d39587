# Shared by the bench scripts: rows of the issue-16 table go to
# $BENCH_TABLE as "measure|floor|envctl|ratio|target" and run.sh prints
# them together at the end. The machine is shared and noisy: a figure is
# the median of several runs, the floor and envctl interleaved in the
# same loop so both see the same load.
: "${BENCH_TABLE:=/dev/null}"
ms() { date +%s%3N; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# row MEASURE FLOOR ENVCTL RATIO TARGET
row() {
	printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" >>"$BENCH_TABLE"
	printf '  %-58s floor %-12s envctl %-12s ratio %-6s (target %s)\n' "$1" "$2" "$3" "$4" "$5"
}
# wall MS of "$@" > /dev/null
wall() { local t0 t1; t0=$(ms); "$@" >/dev/null || return 1; t1=$(ms); echo $((t1 - t0)); }
# fast_load DB: the bench's scratch databases load without a journal (a
# crash only loses the scratch file); WAL is switched back on after.
fast_sql() {
	sqlite3 "$1" >/dev/null <<SQL
PRAGMA journal_mode = DELETE;
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
PRAGMA foreign_keys = ON;
BEGIN;
$2
COMMIT;
PRAGMA journal_mode = WAL;
SQL
}
# pairs_bench DB: warms up, then ROUNDS rounds of PAIRS acquire+release
# pairs through the core API (bench_lease) interleaved with the floor
# program bf (defined by the caller: bare SQLite or bare libpq) at 2 and
# 4 transactions per pair; sets f2, f4, ev (median ms of each) and r2, r4
# (median of each round's envctl/floor ratio: a round's three runs share
# the machine's load of the moment, which moves a lot on a shared disk).
pairs_bench() {
	local a b c
	"$BUILD_DIR/tests/helpers/bench_lease" "$1" cycle 50 >/dev/null
	bf "$1" pairs 50 2 >/dev/null
	: >f2 && : >f4 && : >ev && : >r2 && : >r4
	for _ in $(seq "$ROUNDS"); do
		a=$(bf "$1" pairs "$PAIRS" 2)
		b=$(BENCH_MS=1 "$BUILD_DIR/tests/helpers/bench_lease" "$1" cycle "$PAIRS")
		c=$(bf "$1" pairs "$PAIRS" 4)
		echo "$a" >>f2 && echo "$b" >>ev && echo "$c" >>f4
		ratio "$b" "$a" >>r2 && echo >>r2
		ratio "$b" "$c" >>r4 && echo >>r4
	done
	f2=$(median <f2) f4=$(median <f4) ev=$(median <ev)
	r2=$(median <r2) r4=$(median <r4)
}
# rate MS: PAIRS pairs in MS milliseconds, as pairs per second.
rate() { awk -v n="$PAIRS" -v t="$1" 'BEGIN { printf "%.0f/s", n * 1000 / t }'; }
