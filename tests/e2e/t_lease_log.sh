# Issue #15 (Logs): every lease exec leaves a record; `lease log` prints a
# lease's exec history oldest first, redacted of its secrets, never the
# --env values; --follow prints new ones as they come.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
fl() { "$BUILD_DIR/tests/helpers/envctl_flaky" "$@"; }
export FLAKY_STATE="$PWD/sandboxes"; mkdir -p "$FLAKY_STATE"

# bwrap: a real command, its exit code and cwd recorded.
expect_rc 0 envctl env create box --provider bwrap
expect_rc 0 envctl lease acquire box --json
lid=$(json_get "$out" j.id)
expect_rc 0 envctl lease log "$lid" --json
[ "$out" = "[]" ] || fail "history before any exec: $out"
expect_rc 0 envctl lease log "$lid"
contains "$out" "no execs in lease"
expect_rc 0 envctl lease exec "$lid" -- sh -c 'echo hi'
[ "$out" = hi ] || fail "exec output: $out"
expect_rc 7 envctl lease exec "$lid" --env PLAIN=env-VALUE-xyz -- sh -c 'exit 7'
expect_rc 0 envctl lease log "$lid" --json
json_ok "$out"
[ "$(json_get "$out" j.length)" = 2 ] || fail "two execs recorded: $out"
[ "$(json_get "$out" 'j[0].command')" = "sh -c echo hi" ] || fail "first command: $out"
[ "$(json_get "$out" 'j[0].exitCode')" = 0 ] || fail "first exit code: $out"
[ "$(json_get "$out" 'j[1].exitCode')" = 7 ] || fail "second exit code: $out"
[ "$(json_get "$out" 'typeof j[0].durationMs')" = number ] || fail "duration: $out"
[ "$(json_get "$out" '"cwd" in j[0]')" = true ] || fail "cwd: $out"
[ "$(json_get "$out" 'j[0].id < j[1].id')" = true ] || fail "oldest first: $out"
lacks "$out" "env-VALUE-xyz"
lacks "$out" "PLAIN"
expect_rc 0 envctl lease log "$lid"
contains "$out" "exit 0"
contains "$out" "exit 7"
contains "$out" "sh -c echo hi"
# the record is an activity row on the lease
expect_rc 0 envctl activity --entity "$lid" --json
contains "$out" "environment.lease_exec"
# line-mode shell lines go through exec: one record each
printf 'echo one\nexit\n' | envctl lease shell "$lid" >/dev/null || fail "shell line mode"
expect_rc 0 envctl lease log "$lid" --json
[ "$(json_get "$out" 'j[2].command')" = "sh -c echo one" ] || fail "shell line: $out"
# a long command is cut at 1 KiB
long=$(head -c 3000 /dev/zero | tr '\0' a)
expect_rc 0 envctl lease exec "$lid" -- true "$long"
expect_rc 0 envctl lease log "$lid" --json
n=$(json_get "$out" 'j[3].command.length')
[ "$n" -le 1024 ] && [ "$n" -ge 1000 ] || fail "long command length $n"
expect_rc 3 envctl lease log no-such-lease
# --follow: prints what comes after, until interrupted
envctl lease log "$lid" --follow > follow.out 2>&1 &
fpid=$!
expect_rc 0 envctl lease exec "$lid" -- sh -c 'echo later'
for i in $(seq 200); do grep -q "echo later" follow.out && break; sleep 0.05; done
grep -q "echo later" follow.out || { kill "$fpid"; fail "follow did not print the new exec: $(cat follow.out)"; }
grep -q "echo hi" follow.out || { kill "$fpid"; fail "follow lacks the history"; }
kill "$fpid"; wait "$fpid" 2>/dev/null

# a secret: passed with --env K=secret:ID and written in the command, the
# plaintext reaches neither the log nor the database.
printf '{"token":"tok-LOG-PLAIN","reuseLease":false}' > cfg.json
expect_rc 0 fl env create sx --provider flaky --config-file cfg.json
rm -f cfg.json
sid=$(json_get "$(fl secret list --json)" 'j.find(s=>s.bindings.some(b=>b.targetName==="sx")).id')
expect_rc 0 fl lease acquire sx --json
sl=$(json_get "$out" j.id)
expect_rc 3 fl lease exec "$sl" --env K=secret:"$sid" -- echo tok-LOG-PLAIN x
expect_rc 0 fl lease log "$sl" --json
[ "$(json_get "$out" 'j[0].command')" = "echo [redacted] x" ] || fail "redacted command: $out"
[ "$(json_get "$out" 'j[0].exitCode')" = 3 ] || fail "flaky exit code: $out"
lacks "$out" "tok-LOG-PLAIN"
lacks "$out" "secret:"
expect_rc 0 fl lease log "$sl"
lacks "$out" "tok-LOG-PLAIN"
! grep -q "tok-LOG-PLAIN" "$ENVCTL_DB" "$ENVCTL_DB-wal" 2>/dev/null || fail "plaintext in the database"
# redacted before the cut: a secret straddling the 1 KiB bound leaves no prefix
pad=$(head -c 1010 /dev/zero | tr '\0' b)
expect_rc 3 fl lease exec "$sl" -- echo "$pad" tok-LOG-PLAIN
expect_rc 0 fl lease log "$sl" --json
lacks "$out" "tok-LOG"
lacks "$out" "tok-L"
echo "lease log: ok"
