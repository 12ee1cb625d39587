# The bundled bwrap provider end to end through the CLI: a lease runs
# commands in its own workspace, cannot reach the network or write outside
# it, is resumed by the next run with reuse on, and destroy removes it.
. "$(dirname "$0")/lib.sh"
ws_root="$XDG_DATA_HOME/envctl/bwrap-workspaces"

expect_rc 0 envctl env create box --provider bwrap --set reuseLease=true
expect_rc 0 envctl env probe box
contains "$out" "bubblewrap is ready"
contains "$out" "network off"

expect_rc 0 envctl lease acquire box --run run-1 --json
json_ok "$out"
l1=$(json_get "$out" j.id)
wsid=$(json_get "$out" j.metadata.workspaceId)
[ -d "$ws_root/$wsid" ] || fail "no workspace $ws_root/$wsid"
expect_rc 0 envctl lease exec "$l1" -- sh -c 'echo hi > f; cat f'
[ "$out" = hi ] || fail "exec printed: $out"
[ -f "$ws_root/$wsid/f" ] || fail "f not in the workspace"
expect_rc 7 envctl lease exec "$l1" -- sh -c 'echo out; echo err >&2; exit 7'
[ "$out" = out ] && [ "$errout" = err ] || fail "passthrough: $out / $errout"

# No network: a listener on this machine's loopback is out of reach.
port_file="$PWD/port"
node -e 'const s=require("net").createServer(c=>c.end()).listen(0,"127.0.0.1",()=>{require("fs").writeFileSync(process.argv[1],String(s.address().port))});setTimeout(()=>process.exit(0),20000)' "$port_file" &
listener=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
port=$(cat "$port_file")
(exec 3<>"/dev/tcp/127.0.0.1/$port") || fail "the test listener is not reachable from the host"
expect_rc 1 envctl lease exec "$l1" -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
kill "$listener" 2>/dev/null

# No writes outside the workspace: the root is read-only, host paths are
# not there, /tmp is private.
expect_rc 2 envctl lease exec "$l1" -- sh -c 'echo x > /etc/envctl-escape'
contains "$errout" "Read-only file system"
[ ! -e /etc/envctl-escape ] || fail "wrote /etc"
expect_rc 2 envctl lease exec "$l1" -- sh -c "echo x > '$PWD/escape'"
[ ! -e "$PWD/escape" ] || fail "wrote the host's directory"
expect_rc 0 envctl lease exec "$l1" -- sh -c 'echo x > /tmp/private-file; ls /tmp'
contains "$out" "private-file"
[ ! -e /tmp/private-file ] || fail "sandbox /tmp is the host's"

# Released with reuse on, the next run resumes the same workspace.
expect_rc 0 envctl lease release "$l1"
[ -d "$ws_root/$wsid" ] || fail "reuse workspace removed at release"
expect_rc 0 envctl lease acquire box --run run-2 --json
l2=$(json_get "$out" j.id)
[ "$(json_get "$out" j.resumed)" = true ] || fail "run 2 did not resume: $out"
[ "$(json_get "$out" j.metadata.workspaceId)" = "$wsid" ] || fail "other workspace"
expect_rc 0 envctl lease exec "$l2" -- cat f
[ "$out" = hi ] || fail "state lost: $out"

# Destroy removes the workspace.
expect_rc 0 envctl lease destroy "$l2" --yes
[ ! -e "$ws_root/$wsid" ] || fail "workspace left after destroy"
expect_rc 0 envctl plugin log bwrap
contains "$out" "removed workspace $ws_root/$wsid"
