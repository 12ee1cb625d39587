# The acquire form's TTL and retain on failure (#15) reach the lease as
# lease acquire --ttl and --retain-on-failure do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export LC_ALL=C.UTF-8
expect_rc 0 envctl env create web --provider fake
tm new-session -d -s t -x 120 -y 30 "$ENVCTL_BIN; sleep 0.2"
tm set -g escape-time 0
wait_for "Environments(1)"
tm send-keys -t t a
wait_for "TTL (seconds)"
tm send-keys -t t Tab Tab 3600 Tab Space C-s
# The form closes once the acquire is done; the list counts the lease.
wait_for "Environments(1)"
for _ in $(seq 1 200); do screen | grep -q "^│ web .* 1  *│" && break; sleep 0.05; done
tm send-keys -t t q
wait_gone
expect_rc 0 envctl lease list --json
[ "$(json_get "$out" 'j[0].leasePolicy')" = retain_on_failure ] || fail "not retained on failure: $out"
exp=$(json_get "$out" 'j[0].expiresAt')
acq=$(json_get "$out" 'j[0].acquiredAt')
d=$(json_get "$out" "Math.round((Date.parse(j[0].expiresAt) - Date.parse(j[0].acquiredAt)) / 1000)")
[ "$d" -ge 3595 ] && [ "$d" -le 3605 ] || fail "expires $exp is not an hour after $acq"
echo ok
