# Two runs acquiring one reuse environment at the same moment, from two
# processes: one gets the sandbox (resuming the released lease), the other
# is refused (exit 5) — never two active leases on one sandbox. The old
# code resumed another run's active lease, so both "won".
. "$(dirname "$0")/lib.sh"

expect_rc 0 envctl env create racy --provider fake --set reuseLease=true
expect_rc 0 envctl lease acquire racy --run r0 --json
expect_rc 0 envctl lease release "$(json_get "$out" 'j.id')"

active_per_sandbox() {
	envctl lease list --env racy --status active --json |
		node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));
			const n={}; for (const l of j) n[l.providerLeaseId]=(n[l.providerLeaseId]||0)+1;
			console.log(Math.max(0,...Object.values(n)))'
}

for i in $(seq 1 8); do
	envctl lease acquire racy --run "a-$i" --json >a.out 2>a.err & pa=$!
	envctl lease acquire racy --run "b-$i" --json >b.out 2>b.err & pb=$!
	wait $pa; ra=$?
	wait $pb; rb=$?
	[ "$(active_per_sandbox)" -le 1 ] || fail "round $i: two active leases on one sandbox"
	case "$ra:$rb" in
	0:5) win=a.out; grep -q "holds; release that lease first" b.err || fail "round $i: loser said: $(cat b.err)" ;;
	5:0) win=b.out; grep -q "holds; release that lease first" a.err || fail "round $i: loser said: $(cat a.err)" ;;
	*) fail "round $i: exit codes $ra and $rb, want one 0 and one 5; $(cat a.err b.err)" ;;
	esac
	[ "$(json_get "$(cat $win)" 'j.resumed')" = true ] || fail "round $i: the winner did not resume: $(cat $win)"
	expect_rc 0 envctl lease release "$(json_get "$(cat $win)" 'j.id')"
done
# Every lease that took the sandbox over is the only one holding it.
expect_rc 0 envctl lease why racy --run z
contains "$out" "resumed: it matches"
