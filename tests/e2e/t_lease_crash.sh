# Crash injection: envctl is SIGKILLed at each step of acquire, release and
# destroy; after `lease sweep` the database and the provider agree — no
# sandbox at the provider that no lease tracks, no active lease without one.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
fl() { "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"
printf '{"token":"t"}' > cfg.json
expect_rc 0 fl env create c --provider flaky --config-file cfg.json

# agree: every sandbox file is the provider lease id of a lease whose
# cleanup is not done, and every active lease has its sandbox file.
agree() {
	local leases files
	leases=$(fl lease list --json) || fail "lease list"
	files=$(ls "$FLAKY_STATE" | sort | tr '\n' ' ')
	tracked=$(json_get "$leases" 'j.filter(l=>l.providerLeaseId && (l.status==="active" || l.cleanupStatus!=="success")).map(l=>l.providerLeaseId.replace("flaky://","")).sort().join(" ")')
	[ "$files" = "$tracked " ] || [ "$files" = "$tracked" ] || fail "$1: provider has [$files], database tracks [$tracked]"
	[ "$(json_get "$leases" 'j.filter(l=>l.phase).length')" = 0 ] || fail "$1: a lease is still mid-call: $leases"
}

for point in acquire:intent acquire:provider; do
	ENVCTL_CRASH_AT=$point fl lease acquire c >/dev/null 2>&1 && fail "$point: did not crash"
	expect_rc 0 fl lease sweep
	agree "$point"
done
for point in release:intent release:provider destroy:intent destroy:provider; do
	expect_rc 0 fl lease acquire c --json
	id=$(json_get "$out" j.id)
	case $point in
	release:*) ENVCTL_CRASH_AT=$point fl lease release "$id" >/dev/null 2>&1 && fail "$point: did not crash" ;;
	destroy:*) ENVCTL_CRASH_AT=$point fl lease destroy "$id" --yes >/dev/null 2>&1 && fail "$point: did not crash" ;;
	esac
	expect_rc 0 fl lease sweep --json
	[ "$(json_get "$out" j.reconciled)" = 1 ] || fail "$point: sweep reconciled $(json_get "$out" j.reconciled)"
	agree "$point"
done
expect_rc 0 fl db check

# Outcomes commit relaxed (synchronous=NORMAL, DESIGN §4.4): killed after
# one, nothing is lost and there is nothing to finish; a power cut that
# loses it (wal_cut drops the log's last transaction, which only the
# relaxed outcome can be: its intent was fsynced) leaves the intent, and
# the sweep finishes it like a crash during the provider call.
state() { fl lease show "$1" --json >/dev/null 2>&1 || { echo gone; return; }; json_get "$(fl lease show "$1" --json)" 'j.status+(j.phase?" "+j.phase.split(" ")[0]:"")'; }
for point in acquire:outcome release:outcome destroy:outcome; do
	for cut in no yes; do
		# (the cut comes straight after the kill: the next command to
		# close the database last checkpoints the log into it)
		if [ $point = acquire:outcome ]; then
			ENVCTL_CRASH_AT=$point fl lease acquire c >/dev/null 2>&1 && fail "$point: did not crash"
		else
			expect_rc 0 fl lease acquire c --json
			id=$(json_get "$out" j.id)
			case $point in
			release:*) ENVCTL_CRASH_AT=$point fl lease release "$id" >/dev/null 2>&1 && fail "$point: did not crash" ;;
			destroy:*) ENVCTL_CRASH_AT=$point fl lease destroy "$id" --yes >/dev/null 2>&1 && fail "$point: did not crash" ;;
			esac
		fi
		if [ $cut = yes ]; then
			"$BUILD_DIR/tests/helpers/wal_cut" "$ENVCTL_DB" >/dev/null || fail "$point: wal_cut"
		fi
		[ $point = acquire:outcome ] && id=$(json_get "$(fl lease list --json)" 'j.find(l=>l.status==="active").id')
		if [ $cut = yes ]; then
			case $point in
			acquire:*) want="active acquiring" ;;
			release:*) want="active releasing" ;;
			destroy:*) want="active destroying" ;;
			esac
			reconciled=1
		else
			case $point in
			acquire:*) want="active" ;;
			*) want="released" ;;
			esac
			reconciled=0
		fi
		[ "$(state "$id")" = "$want" ] || fail "$point, power cut $cut: lease is [$(state "$id")], expected [$want]"
		expect_rc 0 fl lease sweep --json
		[ "$(json_get "$out" j.reconciled)" = $reconciled ] || fail "$point, power cut $cut: sweep reconciled $(json_get "$out" j.reconciled)"
		agree "$point, power cut $cut"
		# the acquired lease of the next round must be the only active one
		for a in $(json_get "$(fl lease list --json)" 'j.filter(l=>l.status==="active").map(l=>l.id).join(" ")'); do
			expect_rc 0 fl lease release "$a"
		done
	done
done
expect_rc 0 fl db check

# Destroying a lease that is no longer active (released, expired, failed):
# its intent is on a row the sweep's active-lease pass does not see. Killed
# during the provider's destroy, and with the outcome lost to a power cut,
# the sweep still finishes it (it used to leave the row "busy" for good).
for cut in no yes; do
	expect_rc 0 fl lease acquire c --json
	id=$(json_get "$out" j.id)
	expect_rc 0 fl lease release "$id"
	if [ $cut = yes ]; then
		ENVCTL_CRASH_AT=destroy:outcome fl lease destroy "$id" --yes >/dev/null 2>&1 && fail "destroy:outcome: did not crash"
		"$BUILD_DIR/tests/helpers/wal_cut" "$ENVCTL_DB" >/dev/null || fail "released destroy: wal_cut"
	else
		ENVCTL_CRASH_AT=destroy:provider fl lease destroy "$id" --yes >/dev/null 2>&1 && fail "destroy:provider: did not crash"
	fi
	[ "$(state "$id")" = "released destroying" ] || fail "released destroy, power cut $cut: lease is [$(state "$id")]"
	expect_rc 0 fl lease sweep --json
	[ "$(json_get "$out" j.reconciled)" = 1 ] || fail "released destroy, power cut $cut: sweep reconciled $(json_get "$out" j.reconciled)"
	expect_rc 0 fl lease show "$id" --json
	[ -z "$(json_get "$out" 'j.phase||""')" ] || fail "released destroy, power cut $cut: still mid-call: $out"
	agree "released destroy, power cut $cut"
done

# two consoles releasing the same lease: exactly one wins
expect_rc 0 fl lease acquire c --json
id=$(json_get "$out" j.id)
FLAKY_SLEEP_MS=300 fl lease release "$id" >a.out 2>a.err & p1=$!
fl lease release "$id" >b.out 2>b.err; rc2=$?
wait $p1; rc1=$?
[ $((rc1 == 0)) -ne $((rc2 == 0)) ] || fail "both or neither release won: $rc1 $rc2"
cat a.err b.err | grep -q -e "already released" -e "busy in another console" || fail "loser's message: $(cat a.err b.err)"
