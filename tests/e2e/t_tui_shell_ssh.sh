# s / lease shell on an ssh lease (#15): `ssh -t` to a real sshd on
# 127.0.0.1, in the lease's remote workspace, on a PTY the console relays;
# the private key (a secret) shows nowhere on the screen.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export LC_ALL=C.UTF-8
src=$(cd "$(dirname "$0")/../.." && pwd)
sshd="$PWD/sshd"
"$src/tests/helpers/test_sshd.sh" start "$sshd" >/dev/null || fail "cannot start sshd"
trap 'cleanup; "$src/tests/helpers/test_sshd.sh" stop "$sshd"' EXIT
port=$(cat "$sshd/port")
marker=$(sed -n 2p "$sshd/user_key" | cut -c1-40)
node -e '
const fs = require("fs"), [dir, port, user, remote] = process.argv.slice(1);
process.stdout.write(JSON.stringify({
  host: "127.0.0.1", port: +port, username: user, remoteWorkspacePath: remote,
  privateKey: fs.readFileSync(dir + "/user_key", "utf8"),
  knownHosts: fs.readFileSync(dir + "/known_hosts", "utf8") }));
' "$sshd" "$port" "$(id -un)" "$PWD/remote" >cfg.json
expect_rc 0 envctl env create remote --provider ssh --config-file cfg.json
rm -f cfg.json
expect_rc 0 envctl lease acquire remote --json
id=$(json_get "$out" j.id)
ws=$(json_get "$out" j.metadata.workspacePath)

tm new-session -d -s t -x 120 -y 30 "$ENVCTL_BIN --view leases; sleep 0.2"
tm set -g escape-time 0
wait_for "Leases(1)"
tm send-keys -t t s
for _ in $(seq 1 200); do screen | grep -v '^$' | tail -1 | grep -q '[$#] *$' && break; sleep 0.05; done
tm send-keys -t t 'tty >/dev/null && echo "tty in $(pwd)"; echo $((6*7)); exit' Enter
wait_for "back from the shell in lease $id"
wait_for "r release"
all=$(SCREEN_ARGS=-a screen)
contains "$all" "tty in $ws"
printf '%s\n' "$all" | grep -qx 42 || fail "the remote shell printed no 42: $all"
lacks "$all$(screen)" "$marker"
tm send-keys -t t q q
echo ok
