#!/usr/bin/env bash
# check_layers.sh [SRC_DIR] — the layer rules of doc/DESIGN.md §2.1
# (Include rules and `make check-layers`), checked on every .c and .h under
# SRC_DIR (default: src). `make check-layers` runs it;
# tests/e2e/t_check_layers.sh proves each rule on synthetic trees. Prints
# FILE:LINE: [rule] what is wrong, and exits 1 when anything is; 0 when the
# tree is clean; 2 on a usage error.
#
# The rules (lowest layer first: util schema store plugin core tui cli;
# src/main.c on top; src/plugins/NAME/ are separate programs):
#   higher-layer   no file includes a header of a layer above its own;
#   lib-only       of a lower layer, only that layer's lib.h (its own
#                  layer's headers are free);
#   plugins        src/plugins/NAME/ includes only its own folder and the
#                  lib.h of util, schema and plugin; no layer includes it;
#   core-headers   core/ includes no curses, form, menu, panel, sqlite3 or
#                  libpq header: it knows no terminal and no SQL;
#   store-higher   store/ includes nothing of plugin/, core/, tui/, cli/;
#   front-end-call tui/ and cli/ call no store_* or db_* function but the
#                  destructors store_*_clear and store_*_free: reads go
#                  through core.
# Comments and string literals are skipped; a `static` function of the
# file's own (say cli's `static int db_run(...)`) is not a store call.
# Plain bash and awk (POSIX, mawk-compatible): no dependency of its own.
set -u

src=${1:-src}
if [ $# -gt 1 ] || [ ! -d "$src" ]; then
	echo "usage: check_layers.sh [SRC_DIR]  (${src}: not a directory)" >&2
	exit 2
fi
src=${src%/}

list=$(cd "$src" && find . -type f \( -name '*.c' -o -name '*.h' \) | sed 's|^\./||' | LC_ALL=C sort)
if [ -z "$list" ]; then
	echo "check-layers: $src: no .c or .h files" >&2
	exit 2
fi

# shellcheck disable=SC2086 # file names under src/ have no blanks
cd "$src" && LC_ALL=C awk -v root="$src" '
function rank(layer) {
	if (layer in RANK) return RANK[layer]
	return -1
}
# The layer of a path relative to the source root: its first directory,
# "main" for a file at the root, "plugins" for a plugin program.
function layer_of(path,    i) {
	i = index(path, "/")
	if (i == 0) return "main"
	return substr(path, 1, i - 1)
}
function dirname_of(path,    i, d) {
	d = ""
	for (i = length(path); i > 0; i--)
		if (substr(path, i, 1) == "/") { d = substr(path, 1, i - 1); break }
	return d
}
# Collapses "." and ".." in a relative path.
function normalize(path,    n, parts, out, i, k) {
	n = split(path, parts, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "" || parts[i] == ".") continue
		if (parts[i] == "..") { if (k > 0) k--; continue }
		out[++k] = parts[i]
	}
	path = ""
	for (i = 1; i <= k; i++) path = path (i > 1 ? "/" : "") out[i]
	return path
}
# Where an include lands, relative to the source root, or "" when it is
# not a file of this tree (a system header, a generated file).
function resolve(name, quoted, from,    dir, cand, first) {
	dir = dirname_of(from)
	if (quoted && (substr(name, 1, 2) == "./" || substr(name, 1, 3) == "../"))
		return normalize((dir == "" ? "" : dir "/") name)
	if (quoted && index(name, "/") == 0)
		return (dir == "" ? "" : dir "/") name
	first = layer_of(name)
	if (first in RANK || first == "plugins") return normalize(name)
	cand = normalize((dir == "" ? "" : dir "/") name)
	if (quoted && (cand in FILES)) return cand
	return ""
}
function report(line, rule, msg) {
	printf "%s/%s:%d: [%s] %s\n", root, FILENAME, line, rule, msg
	bad++
}
function base_of(path,    i) {
	for (i = length(path); i > 0; i--)
		if (substr(path, i, 1) == "/") return substr(path, i + 1)
	return path
}
function check_include(name, quoted, line,    me, to, tl, mr, tr, lib, shown) {
	me = layer_of(FILENAME)
	shown = (quoted ? "\"" name "\"" : "<" name ">")
	if (me == "core" && name ~ CORE_BANNED)
		report(line, "core-headers", "core includes " shown ": core knows no terminal and no SQL; call a store or tui function through its lib.h instead")
	to = resolve(name, quoted, FILENAME)
	if (to == "") return
	tl = layer_of(to)
	if (tl == "main") return
	if (me == tl) {
		if (me == "plugins" && dirname_of(to) != dirname_of(FILENAME))
			report(line, "plugins", "includes " shown ", another plugin program'"'"'s file; a plugin includes only its own folder and util/, schema/, plugin/ lib.h")
		return
	}
	lib = (to == tl "/lib.h")
	if (tl == "plugins") {
		report(line, "plugins", "includes " shown ", a plugin program'"'"'s file; src/plugins/ are separate programs and no layer includes them")
		return
	}
	if (me == "plugins") {
		if (!(tl == "util" || tl == "schema" || tl == "plugin"))
			report(line, "plugins", "includes " shown ": a plugin program uses only util, schema and plugin (their lib.h)")
		else if (!lib)
			report(line, "lib-only", "includes " shown ": of another layer include only " tl "/lib.h, its public surface")
		return
	}
	mr = rank(me); tr = rank(tl)
	if (mr < 0 || tr < 0) return
	if (me == "store" && tr > mr) {
		report(line, "store-higher", "store includes " shown ": store knows nothing of plugin/, core/, tui/ or cli/")
		return
	}
	if (tr > mr) {
		report(line, "higher-layer", "includes " shown " of a higher layer (" tl " is above " me "); move what you need down, or call it from " tl)
		return
	}
	if (!lib)
		report(line, "lib-only", "includes " shown " of the lower layer " tl ": include " tl "/lib.h, its public surface")
}
# The code of one line with comments and string and character literals
# blanked out; C_IN_COMMENT carries a block comment across lines.
function code_of(s,    out, i, c, n, q) {
	out = ""; n = length(s); i = 1
	while (i <= n) {
		c = substr(s, i, 1)
		if (C_IN_COMMENT) {
			if (c == "*" && substr(s, i + 1, 1) == "/") { C_IN_COMMENT = 0; i += 2; out = out "  "; continue }
			out = out " "; i++; continue
		}
		if (c == "/" && substr(s, i + 1, 1) == "*") { C_IN_COMMENT = 1; out = out "  "; i += 2; continue }
		if (c == "/" && substr(s, i + 1, 1) == "/") break
		if (c == "\"" || c == "'"'"'") {
			q = c; out = out " "; i++
			while (i <= n) {
				c = substr(s, i, 1)
				if (c == "\\") { out = out "  "; i += 2; continue }
				out = out " "; i++
				if (c == q) break
			}
			continue
		}
		out = out c; i++
	}
	return out
}
function check_calls(code, raw, line,    rest, name, pre, at) {
	rest = code; at = 0
	while (match(rest, /(store|db)_[A-Za-z0-9_]*[ \t]*\(/)) {
		name = substr(rest, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", name)
		pre = substr(rest, 1, RSTART - 1)
		rest = substr(rest, RSTART + RLENGTH)
		if (pre ~ /([A-Za-z0-9_.]|->)$/) continue	# part of a longer name, or a member
		if (name ~ /^store_[A-Za-z0-9_]+_(clear|free)$/) continue
		if (raw ~ /^static[ \t]/) { LOCAL[name] = 1; continue }	# its own definition
		if (name in LOCAL) continue
		report(line, "front-end-call", "calls " name "(): tui/ and cli/ read through a core query; of the store they call only store_*_clear and store_*_free")
	}
}
BEGIN {
	split("util schema store plugin core tui cli", order, " ")
	for (i = 1; i in order; i++) RANK[order[i]] = i
	RANK["main"] = 99
	for (i = 1; i < ARGC; i++) FILES[ARGV[i]] = 1
	CORE_BANNED = "^((n?cursesw?|ncurses)/)?(curses|ncurses|ncursesw|form|menu|panel|term)\\.h$|^sqlite3(ext)?\\.h$|^(postgresql/)?libpq-fe\\.h$"
	bad = 0; nfiles = 0
}
FNR == 1 { C_IN_COMMENT = 0; nfiles++; split("", LOCAL); front = (layer_of(FILENAME) == "tui" || layer_of(FILENAME) == "cli") }
{
	was_comment = C_IN_COMMENT
	code = code_of($0)
	if (!was_comment && $0 ~ /^[ \t]*#[ \t]*include[ \t]*[<"]/) {
		s = $0
		sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
		quoted = (substr(s, 1, 1) == "\"")
		s = substr(s, 2)
		e = index(s, quoted ? "\"" : ">")
		if (e > 1) check_include(substr(s, 1, e - 1), quoted, FNR)
		next
	}
	if (front && code ~ /(store|db)_/) check_calls(code, $0, FNR)
}
END {
	if (bad) { printf "check-layers: %d violation(s) in %s (the rules: doc/DESIGN.md §2.1)\n", bad, root; exit 1 }
	printf "check-layers: %s: %d files, layers ok\n", root, nfiles
}' $list
