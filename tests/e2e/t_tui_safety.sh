# The console's data-safety rules in a real terminal (#14): tmux runs
# build/envctl, send-keys types, paste-buffer pastes, capture-pane reads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
start() { # start ARGS...: a fresh console session "t"
	tm kill-session -t t 2>/dev/null || true
	tm new-session -d -s t -x 120 -y 40 "$*; echo \"exit=\$?\" >$TMPDIR/exit; sleep 0.2"
	tm set -g escape-time 0
}
export LC_ALL=C.UTF-8
here_gold="$(cd "$(dirname "$0")/../golden/tmux" && pwd)"
envctl env create web-1 --provider fake --description "first" >/dev/null || fail "env create"

# --- --readonly on a database in a directory this user cannot write
# (run as nobody: root writes anywhere). It opens and browses, and
# creates nothing beside the database.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	ro="$TMPDIR/ro"
	mkdir -p "$ro/db" "$ro/home"
	chmod 755 "$TMPDIR" "$ro" "$ro/db"
	chown nobody "$ro/home"
	# nobody gets an operator key of its own, admitted before the copy
	pub=$(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$ro/home" \
		XDG_CONFIG_HOME="$ro/home" "$ENVCTL_BIN" operator init viewer |
		sed -n 's/^public key: *//p')
	envctl operator add viewer "$pub" >/dev/null || fail "operator add viewer"
	envctl db backup "$ro/db/envctl.db" >/dev/null || fail "db backup"
	chmod 644 "$ro/db/envctl.db"
	start setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$ro/home" \
		XDG_CONFIG_HOME="$ro/home" ENVCTL_DB="$ro/db/envctl.db" \
		"$ENVCTL_BIN" --readonly
	wait_for "web-1"
	tm send-keys -t t Enter
	wait_for "first"
	tm send-keys -t t q q
	wait_gone
	grep -q "exit=0" "$TMPDIR/exit" || fail "readonly console exit: $(cat "$TMPDIR/exit")"
	[ "$(ls "$ro/db")" = envctl.db ] || fail "read-only open left files: $(ls "$ro/db")"
else
	echo "note: not root or no setpriv: the read-only directory case is not run"
fi
# --- A 4-line OpenSSH-style key pasted (bracketed, tmux paste-buffer -p)
# into the ssh form's Private key is stored whole; Known hosts stays empty.
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZgAAAJgAAAAA\n-----END OPENSSH PRIVATE KEY-----\n' >"$TMPDIR/key"
start "$ENVCTL_BIN"
wait_for "web-1"
tm send-keys -t t n
wait_for "pick its provider"
tm send-keys -t t "/" "ssh" Enter Enter
wait_for "New SSH host environment"
tm send-keys -t t "ssh-1" Tab Tab "example.invalid" Tab Tab "deploy" Tab
wait_for "Private key"
tm load-buffer -b key "$TMPDIR/key"
tm paste-buffer -p -b key -t t
wait_for "typed, 4 lines"
screen | grep -q "BEGIN OPENSSH\|b3Blbn" && fail "the pasted key is on the screen"
# Strict host key checking off (no Known hosts), then save.
tm send-keys -t t Tab Tab Space C-s
wait_for "created environment ssh-1"
show=$(envctl env show ssh-1 --json) || fail "env show ssh-1"
[ "$(json_get "$show" 'j.config.knownHosts === undefined ? "" : j.config.knownHosts')" = "" ] ||
	fail "Known hosts got text: $(json_get "$show" 'j.config.knownHosts')"
name=$(json_get "$show" 'j.config.privateKey.name')
# verify drops one trailing newline from its file: the key keeps its own.
printf '\n' | cat "$TMPDIR/key" - >"$TMPDIR/key.verify"
expect_rc 0 envctl secret verify "$name" --value-file "$TMPDIR/key.verify"
tm send-keys -t t q
wait_gone

# --- `d` on a secret that an environment uses asks first and names it;
# Enter on the focused Cancel keeps it active.
start "$ENVCTL_BIN" --view secrets
wait_for "environment-ssh-ssh-1-privatekey"
tm send-keys -t t d
wait_for "Disable secret"
wait_for "ssh-1/privateKey"
tm send-keys -t t Enter
wait_for "cancelled"
[ "$(json_get "$(envctl secret show "$name" --json)" 'j.status')" = active ] || fail "Enter on Cancel disabled it"
tm send-keys -t t d
wait_for "Disable secret"
tm send-keys -t t Tab Enter
for _ in $(seq 1 100); do
	[ "$(json_get "$(envctl secret show "$name" --json)" 'j.status')" = disabled ] && break
	sleep 0.05
done
[ "$(json_get "$(envctl secret show "$name" --json)" 'j.status')" = disabled ] || fail "Disable did not disable"
tm send-keys -t t q
wait_gone

# --- Lost update: `e` opens the form at the environment's revision; the
# CLI changes the description meanwhile; the form changes only the image;
# ^S ends in the conflict view, which names both fields. Cancel keeps the
# form; Reload shows the CLI's description; nothing was reverted.
start "$ENVCTL_BIN"
wait_for "web-1"
tm send-keys -t t "/" "web-1" Enter e
wait_for "Edit web-1"
envctl env edit web-1 --description "from the CLI" >/dev/null || fail "cli edit"
tm send-keys -t t Tab Tab "debian:12"
tm send-keys -t t C-s
wait_for "Changed elsewhere"
wait_for "description: changed there"
wait_for "config/image: changed here"
# The dialog box alone, cut out of the screen at its own columns.
dialog=$(screen | node -e '
const l = require("fs").readFileSync(0, "utf8").split("\n").map(s => [...s]);
const y = l.findIndex(r => r.join("").includes("┌─ Changed elsewhere"));
const x = l[y].indexOf("┌"), w = l[y].indexOf("┐", x) - x + 1;
for (let i = y; i < l.length; i++) {
	const row = l[i].slice(x, x + w).join("");
	console.log(row);
	if (row.startsWith("└")) break;
}')
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	printf '%s\n' "$dialog" >"$here_gold/conflict.txt"
else
	diff -u "$here_gold/conflict.txt" <(printf '%s\n' "$dialog") || fail "the conflict view differs from tests/golden/tmux/conflict.txt"
fi
[ "$(json_get "$(envctl env show web-1 --json)" 'j.description')" = "from the CLI" ] || fail "the CLI's description was reverted"
tm send-keys -t t Enter
wait_for "not saved: changed elsewhere"
# Saving again asks again; Reload drops the form's image and shows theirs.
tm send-keys -t t C-s
wait_for "Changed elsewhere"
tm send-keys -t t Tab Enter
wait_for "reloaded at revision"
wait_for "from the CLI"
tm send-keys -t t Escape q
wait_gone
[ "$(json_get "$(envctl env show web-1 --json)" 'j.description')" = "from the CLI" ] || fail "description lost"

# --- The unsaved-changes guard holds on the too-small screen: Esc and q
# there keep the form with what was typed.
start "$ENVCTL_BIN"
wait_for "web-1"
tm send-keys -t t n
wait_for "pick its provider"
tm send-keys -t t "/" "fake" Enter Enter
wait_for "New Fake sandbox (test only) environment"
tm send-keys -t t "kept-env"
wait_for "kept-env"
tm resize-window -t t -x 40 -y 10
wait_for "terminal too small"
tm send-keys -t t Escape q Escape
wait_for "unsaved changes are kept"
tm resize-window -t t -x 120 -y 40
wait_for "New Fake sandbox (test only) environment"
wait_for "kept-env"
tm send-keys -t t C-c C-c
wait_gone

echo "t_tui_safety: ok"
