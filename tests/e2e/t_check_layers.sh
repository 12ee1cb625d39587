# `make check-layers` (tests/check_layers.sh) proven on synthetic source
# trees in $TMPDIR, never on the real src/: a tree that keeps every rule of
# doc/DESIGN.md, "Layers" must pass, and the same tree with one wrong line
# added must fail, naming that file, that line and that rule, and nothing
# else. The good tree holds the look-alikes a sloppy checker would trip on
# (a store call in a comment or a string, a member called store_*, a
# static db_* function of the CLI's own, restore_*), so a pass means the
# rules were read, and every rule has a failing case, so a checker that
# passes everything fails here.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
checker="$here/../check_layers.sh"
[ -f "$checker" ] || fail "no $checker"
work=$(mktemp -d "${TMPDIR:-/tmp}/layers-XXXXXX")

put() { # put FILE LINE...: writes FILE under the good tree
	local f="$work/good/$1"; shift
	mkdir -p "$(dirname "$f")"
	printf '%s\n' "$@" > "$f"
}
put util/lib.h '#include "util/buf.h"'
put util/buf.h '#include <stddef.h>' 'size_t buf_len(void);'
put util/buf.c '#include "buf.h"' '#include "util/buf.h"' 'size_t buf_len(void) { return 0; }'
put schema/lib.h '#include "schema/schema.h"' '#include "util/lib.h"'
put schema/schema.h '#include <cjson/cJSON.h>'
put schema/validate.c '#include "schema/lib.h"' '#include "schema/private.h"' '#include "util/lib.h"'
put schema/private.h '#include "util/lib.h"'
put store/lib.h '#include "store/store.h"' '#include "schema/lib.h"'
put store/store.h '#include "util/lib.h"' 'void store_lease_get(void);'
put store/private.h '#include <sqlite3.h>' '#include <libpq-fe.h>'
put store/store.c '#include "store/private.h"' '#include "private.h"' '#include "../store/store.h"' \
	'#include "schema/lib.h"' '#include "util/lib.h"' '#include "migrations.inc"' \
	'void store_lease_get(void) { db_exec(); }'
put plugin/lib.h '#include "plugin/rpc.h"'
put plugin/rpc.h '#include "util/lib.h"'
put plugin/rpc.c '#include "plugin/rpc.h"' '#include "schema/lib.h"' '#include <poll.h>'
put core/lib.h '#include "core/app.h"' '#include "store/lib.h"'
put core/app.h '#include "store/lib.h"' '#include "plugin/lib.h"' '#include "util/lib.h"'
put core/app.c '#include "core/lib.h"' '#include "core/app.h"' '#include "util/lib.h"' \
	'#include <pthread.h>' \
	'void app_run(void) { store_lease_get(); db_exec(); }'
put tui/lib.h '#include "tui/tui.h"'
put tui/tui.h '#include "core/lib.h"' '#include <curses.h>' '#include <form.h>'
put tui/view_envs.c '#include "tui/tui.h"' '#include "core/lib.h"' '#include "util/lib.h"' \
	'#include <panel.h>' \
	'/* Reads go through core, never store_env_get(): the' \
	'   detail screen is db_run() of nothing */' \
	'static void restore_view(void);' \
	'void view_envs(App *app) {' \
	'	StoreLease l; // not store_lease_get(app)' \
	'	core_lease_get(app, &l);' \
	'	store_lease_clear(&l);' \
	'	store_env_list_clear (list);' \
	'	app->store_hooks.store_reload(app);' \
	'	ops.db_refresh(app);' \
	'	restore_view();' \
	'	puts("store_lease_get(x) \" db_check(y)");' \
	"	char q = '('; (void)q;" \
	'}'
put cli/lib.h '#include "cli/cli.h"'
put cli/cli.h '#include "core/lib.h"' '#include "tui/lib.h"' '#include "util/lib.h"'
put cli/cmd_db.c '#include "cli/cli.h"' '#include "cli.h"' \
	'static int db_run(App *app, int argc, char **argv);' \
	'int cmd_db(App *app) { return db_run(app, 0, 0); }' \
	'static int db_run(App *app, int argc, char **argv)' \
	'{' '	store_check_report_clear(r);' '	return 0;' '}'
put main.c '#include "cli/lib.h"' '#include <stdio.h>'
put plugins/ssh/ssh.h '#include "util/lib.h"'
put plugins/ssh/ssh.c '#include "ssh.h"' '#include "plugins/ssh/ssh.h"' '#include "util/lib.h"' \
	'#include "schema/lib.h"' '#include "plugin/lib.h"' '#include <cjson/cJSON.h>' \
	'int main(void) { store_lease_get(); return 0; }'

expect_rc 0 bash "$checker" "$work/good"
contains "$out" "layers ok"
lacks "$out" "]"

n=0
# bad FILE RULE LINE: the good tree plus LINE appended to FILE must fail
# with exactly one violation, at that file and line, of that rule.
bad() {
	local file=$1 rule=$2 text=$3 dir line got
	n=$((n + 1)); dir="$work/bad$n"
	cp -r "$work/good" "$dir"
	mkdir -p "$(dirname "$dir/$file")"
	printf '%s\n' "$text" >> "$dir/$file"
	line=$(wc -l < "$dir/$file")
	expect_rc 1 bash "$checker" "$dir" </dev/null
	contains "$out" "$dir/$file:$line: [$rule]"
	got=$(printf '%s\n' "$out" | grep -c ': \[')
	[ "$got" -eq 1 ] || fail "case $n ($file: $text): want one violation, got $got: $out"
	contains "$out" "1 violation(s)"
}

# Each case: FILE|RULE|LINE (lines starting with # are comments).
while IFS='|' read -r file rule text; do
	case $file in '#'*|'') continue;; esac
	bad "$file" "$rule" "$text"
done <<'CASES'
# A higher layer, from each layer up.
util/buf.c|higher-layer|#include "schema/lib.h"
schema/validate.c|higher-layer|#include "store/lib.h"
plugin/rpc.c|higher-layer|#include "core/lib.h"
core/app.c|higher-layer|#include "tui/lib.h"
core/app.h|higher-layer|#include "cli/cli.h"
tui/view_envs.c|higher-layer|#include "cli/lib.h"
tui/view_envs.c|higher-layer|#include <cli/lib.h>
# A lower layer's header other than its lib.h.
tui/view_envs.c|lib-only|#include "util/buf.h"
tui/view_envs.c|lib-only|#include "store/store.h"
tui/view_envs.c|lib-only|#include "../store/private.h"
tui/view_envs.c|lib-only|#  include "core/app.h"
cli/cmd_db.c|lib-only|#include "tui/tui.h"
core/app.c|lib-only|#include "plugin/rpc.h"
main.c|lib-only|#include "cli/cli.h"
plugins/ssh/ssh.c|lib-only|#include "plugin/rpc.h"
# Plugin programs use util, schema and plugin only, and nothing includes them.
plugins/ssh/ssh.c|plugins|#include "store/lib.h"
plugins/ssh/ssh.c|plugins|#include "core/lib.h"
plugins/bwrap/bwrap.c|plugins|#include "plugins/ssh/ssh.h"
core/app.c|plugins|#include "plugins/ssh/ssh.h"
# No terminal and no SQL in core.
core/app.c|core-headers|#include <curses.h>
core/app.c|core-headers|#include <ncurses.h>
core/app.c|core-headers|#include <ncursesw/curses.h>
core/app.c|core-headers|#include <form.h>
core/app.c|core-headers|#include <menu.h>
core/app.c|core-headers|#include <panel.h>
core/app.c|core-headers|#include <sqlite3.h>
core/app.c|core-headers|#include <libpq-fe.h>
core/app.c|core-headers|#include <postgresql/libpq-fe.h>
core/lib.h|core-headers|#include "sqlite3.h"
# The store knows no provider and no front end.
store/store.c|store-higher|#include "plugin/lib.h"
store/store.c|store-higher|#include "core/lib.h"
store/store.c|store-higher|#include "tui/lib.h"
store/store.c|store-higher|#include "cli/lib.h"
store/private.h|store-higher|#include "core/app.h"
# Front ends read through core.
tui/view_envs.c|front-end-call|	store_lease_get(app, id, &l);
tui/view_envs.c|front-end-call|	if (store_env_list (app->store, &list) != ST_OK) return;
tui/view_envs.c|front-end-call|	db_exec(app->db, "x");
cli/cmd_db.c|front-end-call|	return db_check(app, json);
cli/cmd_db.c|front-end-call|	n = store_lease_clear_all(app); /* not a destructor */
cli/cli.h|front-end-call|#define CLI_PATH(a) store_path((a)->store)
CASES
[ "$n" -eq 40 ] || fail "ran $n of the 40 wrong trees"

# Usage errors are not a pass.
expect_rc 2 bash "$checker" "$work/missing"
rm -rf "$work"
echo "check-layers: good tree passes, $n wrong trees fail at their line and rule"
