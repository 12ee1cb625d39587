#!/usr/bin/env bash
# doc/generate.sh ENVCTL [--check]: writes the generated parts of the docs
# from their one source each (#20), between the marker lines that hold them:
#   doc/envctl.1  SYNOPSIS, GLOBALS  `envctl help --man-synopsis|--man-globals`
#   doc/envctl.1  COMMANDS     `envctl help --man` (the CLI's own table)
#   doc/envctl.1  FIELDS       every bundled provider's configSchema
#   README.md     synopsis     `envctl help --synopsis` (the same table)
#   README.md     fields       the same configSchemas, as tables
#   README.md     golden NAME  tests/golden/tui/NAME, a screen the golden
#                              test (t_tui_golden) checks the console draws
# `make docs` runs it; with --check it rewrites nothing and exits 1 with a
# diff when a file differs from what it would write (t_docs_sync does that).
# It runs envctl in a scratch HOME, so only built-in and bundled providers
# (fake, bwrap, ssh) are seen, whatever is installed for the user.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
check=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
envctl() {
	env -u ENVCTL_PLUGIN_PATH -u ENVCTL_DB HOME="$scratch" XDG_DATA_HOME="$scratch/data" \
		XDG_CONFIG_HOME="$scratch/config" "$bin" --db "$scratch/envctl.db" "$@"
}
command -v jq >/dev/null || { echo "doc/generate.sh: needs jq (make deps)" >&2; exit 1; }

# The fields of each provider's configSchema, one TSV row each:
# pointer, type, default, required, secret, description; nested objects'
# properties as /a/b.
fields() { # KEY
	envctl provider show "$1" --json | jq -r '
	  def rows($s; $p):
	    ($s.required // []) as $req
	    | ($s.properties // {}) | to_entries[]
	    | .key as $k | .value as $v
	    | ( [ "\($p)/\($k)",
	          ($v.type // (if $v.enum then "enum" else "any" end) | if type == "array" then join("|") else . end),
	          (if $v | has("default") then ($v.default | tojson) else "" end),
	          (if ($req | index($k)) then "yes" else "" end),
	          (if $v.format == "secret-ref" then "yes" else "" end),
	          (($v.description // $v.title // "") | gsub("[\t\n]"; " "))
	        ] | @tsv ),
	      (if $v.type == "object" and $v.properties then rows($v; "\($p)/\($k)") else empty end);
	  rows(.configSchema; "")'
}
providers=$(envctl provider list --json | jq -r '.[].key')

md_fields() {
	echo "The fields come from each provider's \`configSchema\` (\`envctl provider show KEY\`"
	echo "prints it); a plugin's are whatever its manifest declares, and the console's"
	echo "form, \`--set\` and validation all read them from there. A secret field"
	echo "(\`format: \"secret-ref\"\`) is stored encrypted, its config keeps the id."
	for p in $providers; do
		echo
		echo "**$p**"
		echo
		echo "| field | type | default | required | secret | description |"
		echo "|---|---|---|---|---|---|"
		fields "$p" | awk -F'\t' '{ d = $3; gsub(/\|/, "\\|", d); s = $6; gsub(/\|/, "\\|", s)
			printf "| `%s` | %s | %s | %s | %s | %s |\n", $1, $2, d == "" ? "" : "`" d "`", $4, $5, s }'
	done
}

man_fields() {
	for p in $providers; do
		echo ".SS $p"
		fields "$p" | awk -F'\t' '{
			line = $6
			if ($3 != "") line = line " Default: " $3 "."
			if ($4 == "yes") line = line " Required."
			if ($5 == "yes") line = line " A secret."
			gsub(/\\/, "\\e", line); gsub(/-/, "\\-", $1)
			printf ".TP\n.B %s\n(%s) %s\n", $1, $2, line }'
	done
}

# replace FILE BEGIN END CONTENT-FILE: the lines strictly between the two
# marker lines become CONTENT-FILE.
replace() {
	local file=$1 begin=$2 end=$3 content=$4
	grep -qxF -- "$begin" "$file" || { echo "doc/generate.sh: $file lacks the marker line: $begin" >&2; exit 1; }
	grep -qxF -- "$end" "$file" || { echo "doc/generate.sh: $file lacks the marker line: $end" >&2; exit 1; }
	# ENVIRON, not -v: awk would undo the backslash of a roff comment (.\").
	B="$begin" E="$end" C="$content" awk '
		$0 == ENVIRON["B"] { print; while ((getline l < ENVIRON["C"]) > 0) print l; skip = 1; next }
		$0 == ENVIRON["E"] { skip = 0 }
		!skip' "$file" > "$file.gen" && mv "$file.gen" "$file"
}

mkdir -p "$scratch/out"
cp "$root/doc/envctl.1" "$scratch/out/envctl.1"
cp "$root/README.md" "$scratch/out/README.md"
man="$scratch/out/envctl.1" readme="$scratch/out/README.md"

envctl help --man-synopsis > "$scratch/synopsis.roff"
replace "$man" '.\" BEGIN GENERATED SYNOPSIS' '.\" END GENERATED SYNOPSIS' "$scratch/synopsis.roff"
envctl help --man-globals > "$scratch/globals.roff"
replace "$man" '.\" BEGIN GENERATED GLOBALS' '.\" END GENERATED GLOBALS' "$scratch/globals.roff"
envctl help --man > "$scratch/commands.roff"
replace "$man" '.\" BEGIN GENERATED COMMANDS' '.\" END GENERATED COMMANDS' "$scratch/commands.roff"
man_fields > "$scratch/fields.roff"
replace "$man" '.\" BEGIN GENERATED FIELDS' '.\" END GENERATED FIELDS' "$scratch/fields.roff"

{ echo; envctl help --synopsis | sed 's/^/    /'; echo; } > "$scratch/synopsis.md"
replace "$readme" '<!-- BEGIN GENERATED synopsis -->' '<!-- END GENERATED synopsis -->' "$scratch/synopsis.md"
{ echo; md_fields; echo; } > "$scratch/fields.md"
replace "$readme" '<!-- BEGIN GENERATED fields -->' '<!-- END GENERATED fields -->' "$scratch/fields.md"
for name in $(sed -n 's/^<!-- BEGIN GOLDEN \([a-z0-9-]*\.txt\) -->$/\1/p' "$readme"); do
	gold="$root/tests/golden/tui/$name"
	[ -f "$gold" ] || { echo "doc/generate.sh: README.md embeds $name, which tests/golden/tui lacks" >&2; exit 1; }
	{ echo; sed -e 's/[[:space:]]*$//' -e 's/^/    /' -e 's/^    $//' "$gold" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; echo; } > "$scratch/golden.md"
	replace "$readme" "<!-- BEGIN GOLDEN $name -->" "<!-- END GOLDEN -->" "$scratch/golden.md"
done

status=0
for f in envctl.1 README.md; do
	case $f in envctl.1) dest="$root/doc/envctl.1";; *) dest="$root/README.md";; esac
	if [ "$check" = --check ]; then
		diff -u "$dest" "$scratch/out/$f" || { echo "doc/generate.sh: $dest is stale; run \`make docs\`" >&2; status=1; }
	elif ! cmp -s "$dest" "$scratch/out/$f"; then
		cp "$scratch/out/$f" "$dest"
		echo "wrote $dest"
	fi
done
exit $status
