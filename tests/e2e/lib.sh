# Assertions for the e2e scripts. Each failure names what was expected.
set -u
envctl() { "$ENVCTL_BIN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc WANT CMD...: runs CMD, checks its exit code, keeps its output in $out/$errout.
expect_rc() {
	local want=$1; shift
	out=$("$@" 2>/tmp/e2e-stderr.$$); rc=$?
	errout=$(cat /tmp/e2e-stderr.$$); rm -f /tmp/e2e-stderr.$$
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want; stdout: $out; stderr: $errout"
}
contains() { case "$1" in *"$2"*) ;; *) fail "expected \"$2\" in: $1";; esac; }
lacks() { case "$1" in *"$2"*) fail "did not expect \"$2\" in: $1";; *) ;; esac; }
json_ok() { printf '%s' "$1" | node -e 'JSON.parse(require("fs").readFileSync(0,"utf8"))' || fail "invalid JSON: $1"; }
# json_get JSON EXPR: evaluates a JS expression over `j`.
json_get() { printf '%s' "$1" | node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8')); const v=($2); process.stdout.write(typeof v==='string'?v:JSON.stringify(v))"; }
