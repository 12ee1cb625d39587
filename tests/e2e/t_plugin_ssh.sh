# The bundled ssh provider end to end through the CLI against a real sshd on
# 127.0.0.1 (its own port), the private key stored as a secret: it never
# appears in any process's argv or environment, nor in any output.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
sshd="$PWD/sshd"
"$src/tests/helpers/test_sshd.sh" start "$sshd" >/dev/null || fail "cannot start sshd"
trap '"$src/tests/helpers/test_sshd.sh" stop "$sshd"' EXIT
port=$(cat "$sshd/port")
remote="$PWD/remote"
marker=$(sed -n 2p "$sshd/user_key" | cut -c1-40)
[ ${#marker} -eq 40 ] || fail "no key marker"

node -e '
const fs = require("fs"), [dir, port, user, remote] = process.argv.slice(1);
process.stdout.write(JSON.stringify({
  host: "127.0.0.1", port: +port, username: user, remoteWorkspacePath: remote,
  privateKey: fs.readFileSync(dir + "/user_key", "utf8"),
  knownHosts: fs.readFileSync(dir + "/known_hosts", "utf8"), reuseLease: true }));
' "$sshd" "$port" "$(id -un)" "$remote" >cfg.json
all=""
expect_rc 0 envctl env create remote --provider ssh --config-file cfg.json --json
all="$all$out$errout"
rm -f cfg.json
[ "$(json_get "$out" j.config.privateKey.version)" = 1 ] || fail "key not stored as a secret: $out"
expect_rc 0 envctl env probe remote
all="$all$out$errout"
contains "$out" "Connected to $(id -un)@127.0.0.1:$port"

expect_rc 0 envctl lease acquire remote --run run-1 --json
all="$all$out$errout"
l1=$(json_get "$out" j.id)
ws=$(json_get "$out" j.metadata.workspacePath)
[ -d "$ws" ] || fail "no remote workspace $ws"
expect_rc 0 envctl lease exec "$l1" -- sh -c 'echo hi > f; cat f'
all="$all$out$errout"
[ "$out" = hi ] || fail "exec printed: $out"
expect_rc 3 envctl lease exec "$l1" -- sh -c 'exit 3'

# While a command runs, no process holds the key in its argv or environment.
# The command says it has started (the file started in its workspace) and
# holds its session open until the scan is done (the file go), at most 10 s.
envctl lease exec "$l1" -- sh -c 'touch started; i=0; while [ ! -e go ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done' >/dev/null 2>&1 &
runner=$!
for _ in $(seq 1 200); do [ -e "$ws/started" ] && break; sleep 0.05; done
[ -e "$ws/started" ] || fail "the command did not start within 10 s"
kill -0 "$runner" 2>/dev/null || fail "the exec ended before the scan"
hits=0
for p in /proc/[0-9]*; do
	for f in cmdline environ; do
		if [ -r "$p/$f" ] && { tr '\0' '\n' <"$p/$f"; } 2>/dev/null | grep -qF "$marker"; then
			hits=$((hits + 1)); echo "key found in $p/$f" >&2
		fi
	done
done
: > "$ws/go"
wait "$runner" || fail "the waiting exec failed"
[ "$hits" -eq 0 ] || fail "the private key showed up in $hits argv/environment"

expect_rc 0 envctl lease release "$l1"
[ -d "$ws" ] || fail "reuse workspace removed at release"
expect_rc 0 envctl lease acquire remote --run run-2 --json
all="$all$out$errout"
l2=$(json_get "$out" j.id)
[ "$(json_get "$out" j.resumed)" = true ] || fail "run 2 did not resume: $out"
expect_rc 0 envctl lease exec "$l2" -- cat f
[ "$out" = hi ] || fail "state lost: $out"
expect_rc 0 envctl lease destroy "$l2" --yes
[ ! -e "$ws" ] || fail "remote workspace left after destroy"

expect_rc 0 envctl lease list --json
all="$all$out"
expect_rc 0 envctl activity --json
all="$all$out"
expect_rc 0 envctl plugin log ssh
all="$all$out"
lacks "$all" "$marker"
lacks "$all" "PRIVATE KEY"
for f in "$ENVCTL_DB"*; do
	! grep -qF "$marker" "$f" || fail "key in $f"
done
