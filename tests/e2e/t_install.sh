# `make install PREFIX=...` gives a binary that finds its forms, demo data
# and bundled plugins without the source tree; the man page renders;
# `make uninstall` removes it all.
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)
rel=${BUILD_DIR#"$src"/}
make -s -C "$src" install BUILD="$rel" PREFIX="$PWD/p" >make.log 2>&1 || fail "make install: $(tail -5 make.log)"
mkdir elsewhere && cd elsewhere
expect_rc 0 env -u ENVCTL_SHARE_DIR "$PWD/../p/bin/envctl" provider list --json
for k in fake bwrap ssh; do
	[ "$(json_get "$out" "j.some(p=>p.key==='$k')")" = true ] || fail "installed envctl lacks provider $k: $out"
done
[ "$(json_get "$out" "j.find(p=>p.key==='bwrap').origin.startsWith('$PWD/../p/share/envctl/plugins') || j.find(p=>p.key==='bwrap').origin.includes('/p/share/envctl/plugins')")" = true ] || fail "bwrap not from the installed tree: $out"
expect_rc 0 env -u ENVCTL_SHARE_DIR "$PWD/../p/bin/envctl" --db "$PWD/demo.db" demo
man -l "$PWD/../p/share/man/man1/envctl.1" >man.txt 2>man.err || fail "man -l: $(cat man.err)"
grep -Eq "lease +exec" man.txt || fail "man page lacks lease exec"  # man may justify with two spaces
[ -f "$PWD/../p/share/bash-completion/completions/envctl" ] || fail "no completion installed"
cd ..
make -s -C "$src" uninstall BUILD="$rel" PREFIX="$PWD/p" >/dev/null 2>&1 || fail "make uninstall"
[ ! -e p/bin/envctl ] && [ ! -e p/share/envctl ] || fail "uninstall left files: $(find p -type f)"
