# The leak test: save environments with secrets through the CLI, then look
# for the plaintexts in the database, its WAL, the activity table, every
# CLI output (human and JSON) and every error message. They appear nowhere.
. "$(dirname "$0")/lib.sh"
export ENVCTL_SHARE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
tp() { "$BUILD_DIR/tests/helpers/envctl_testprov" "$@"; }
LOG="$TMPDIR/all-output.log"
: > "$LOG"
run() { "$@" >>"$LOG" 2>&1; }
S1='Pl41n-Api-Key-7f3e9'
S2='Pl41n-Bridge-Token-a81c'
S3='Pl41n-Host-Password-55d0'
S4='Pl41n-Rotated-Key-c0de'
S5='Pl41n-Operator-Secret-9b1d'
S6='Pl41n-Bad-Config-Secret-0e0e'
ALL="$S1 $S2 $S3 $S4 $S5 $S6"

# Create the database, then keep a reader in an open transaction so the
# WAL stays on disk, whole, to be searched (the last connection to close
# checkpoints and removes it).
run envctl db check
mkfifo "$TMPDIR/reader.fifo"
sqlite3 "$ENVCTL_DB" < "$TMPDIR/reader.fifo" > /dev/null 2>&1 &
reader=$!
exec 3> "$TMPDIR/reader.fifo"
echo "BEGIN; SELECT count(*) FROM environments;" >&3

cat > cfg.json <<JSON
{"apiKey": "$S1", "bridge": {"authToken": "$S2", "region": "eu"},
 "hosts": [{"name": "a", "password": "$S3"}]}
JSON
run tp env create leak1 --provider vault-test --config-file cfg.json || fail "create leak1"
run tp env create leak1-json --provider vault-test --config-file cfg.json --json || fail "create json"
printf '{"apiKey": "%s"}' "$S4" | run tp env edit leak1 --config-file - || fail "rotate via edit"
printf '%s' "$S5" | run envctl secret create op --value-file - || fail "secret create"
printf '%s' "$S5" | run envctl secret verify op --value-file -
printf 'x%s' "$S5" | run envctl secret verify op --value-file -
printf '%s' "$S4" | run envctl secret rotate op --value-file -
# error paths that had a secret in their input
printf '{"apiKey": "%s", "port": 123456}' "$S6" | run tp env create bad1 --provider vault-test --config-file -
printf '{"apiKey": "%s", "endpoint": "reject"}' "$S6" | run tp env create bad2 --provider vault-test --config-file -
printf '{"apiKey": "%s", "nope": "%s"}' "$S6" "$S6" | run tp env create bad3 --provider vault-test --config-file -
printf '{"apiKey": "%s"' "$S6" | run tp env create bad4 --provider vault-test --config-file -
printf '{"apiKey": "%s"}' "$S6" | run tp env create leak1 --provider vault-test --config-file -
printf '{"apiKey": %s}' "12345" | run tp env create bad5 --provider vault-test --config-file -
run tp env edit leak1 --set "apiKey=$S6"
run tp env edit leak1 --set "/hosts/0/password=$S6"
# every read view, human and JSON
for cmd in "env list" "env list --json" "env show leak1" "env show leak1 --json" \
	   "env show leak1-json --json" "secret list" "secret list --json" "secret list --all --json" \
	   "secret show op" "secret show op --json" "activity" "activity --json --limit 1000" \
	   "db check" "db check --json"; do
	run tp $cmd
done
run tp env delete leak1-json
run envctl db backup "$TMPDIR/backup.db"

# the runtime config does carry the value: the resolution path works
grep -q "secretRef" "$LOG" || fail "JSON output should show secret references"

# ---- a hostile plugin echoes the secret it is given (issue #12)
H='Hx7-Hostile-S3cr3tPlainXYZ7'
mkdir -p "$TMPDIR/hplugins/hostile"
cat > "$TMPDIR/hplugins/hostile/manifest.json" <<JSON
{"id":"test.hostile","name":"Hostile","version":"1","apiVersion":1,
 "worker":["$BUILD_DIR/tests/helpers/hostile_worker"],
 "environmentDrivers":[{"driverKey":"hostile","kind":"sandbox_provider",
  "displayName":"Hostile\u001b]0;PWN\u0007","description":"echoes secrets\u001b[2J","configSchema":{"type":"object","properties":{
   "mode":{"type":"string"},"label":{"type":"string"},
   "token":{"type":"string","format":"secret-ref"}}}}]}
JSON
hostile() { ENVCTL_PLUGIN_PATH="$TMPDIR/hplugins" run envctl "$@"; }
HLOG_START=$(wc -c < "$LOG")
for mode in long-error echo-validate copy json-key id-secret; do
	printf '{"mode":"%s","token":"%s"}' "$mode" "$H" | hostile env create "h-$mode" --provider hostile --config-file -
	hostile env create "h-$mode-j" --provider hostile --config-file - --json < <(printf '{"mode":"%s","token":"%s"}' "$mode" "$H")
	hostile env probe "h-$mode"
	hostile env probe "h-$mode" --json
	hostile lease acquire "h-$mode" --json
	hostile lease acquire "h-$mode"
done
for l in $(ENVCTL_PLUGIN_PATH="$TMPDIR/hplugins" envctl lease list --json | node -e 'for (const l of JSON.parse(require("fs").readFileSync(0,"utf8"))) console.log(l.id)'); do
	hostile lease release "$l"
	hostile lease show "$l" --json
	hostile lease show "$l"
done
for cmd in "env list" "env list --json" "env show h-long-error --json" "env show h-copy --json" \
	   "lease list" "lease list --json --all" "activity --json --limit 1000" "probe list --json"; do
	hostile $cmd
done
grep -q "xxxxxxxxxx" "$LOG" || fail "the long error was not seen"
grep -q "is refused" "$LOG" || fail "the validation echo was not seen"
grep -q "returned a providerLeaseId that holds a secret value" "$LOG" || fail "the secret lease id was not refused"
for s in "$H" "${H:0:12}" "${H: -12}"; do
	grep -aq -- "$s" "$LOG" && fail "hostile plugin: \"$s\" in CLI output: $(grep -a -- "$s" "$LOG" | cut -c1-300 | head -3)"
	grep -aq -- "$s" "$ENVCTL_DB" && fail "hostile plugin: \"$s\" in the database"
	sqlite3 "$ENVCTL_DB" "SELECT * FROM probes; SELECT * FROM leases; SELECT * FROM activity; SELECT config FROM environments;" | grep -q -- "$s" && fail "hostile plugin: \"$s\" in a table"
done

# A worker runs as the console's user: the master key is not in what it can
# read of its parent (/proc/PPID/environ shows the original environment).
MK=$(head -c 32 /dev/urandom | base64)
mkdb="$TMPDIR/mk.db"
ENVCTL_DB="$mkdb" ENVCTL_MASTER_KEY="$MK" ENVCTL_PLUGIN_PATH="$TMPDIR/hplugins" \
	expect_rc 0 envctl env create mk --provider hostile --set mode=read-parent
ENVCTL_DB="$mkdb" ENVCTL_MASTER_KEY="$MK" ENVCTL_PLUGIN_PATH="$TMPDIR/hplugins" \
	expect_rc 0 envctl env probe mk
contains "$out" "parent environ: clean"

# ---- terminal escapes through the CLI (issue #12): refused in names,
# escaped in every human-readable output, exact in JSON.
ESC=$(printf '\033')
ELOG="$TMPDIR/escapes.log"
: > "$ELOG"
erun() { ENVCTL_PLUGIN_PATH="$TMPDIR/hplugins" envctl "$@" >>"$ELOG" 2>&1; }
envctl env create "$(printf 'bad\033]0;PWN\007')" --provider fake 2>"$TMPDIR/e.err" && fail "a name with an escape was accepted"
contains "$(cat "$TMPDIR/e.err")" 'holds a control character or invalid UTF-8'
cat "$TMPDIR/e.err" >> "$ELOG"
printf 'v4lue-x' | erun secret create "$(printf 's\033[2J')" --value-file - && fail "a secret name with an escape was accepted"
printf 'v4lue-x' | erun secret create "$(printf 'bad\377utf8')" --value-file - && fail "a name that is not UTF-8 was accepted"
DESC=$(printf 'desc\033]0;PWN\007\033[2J end')
erun env create esc-ok --provider fake --description "$DESC"
erun env create h-esc --provider hostile --set mode=escapes
for cmd in "env show esc-ok" "env list" "env probe h-esc" "env show h-esc" "provider list" \
	   "provider show hostile" "plugin list" "plugin show hostile" "plugin log hostile" \
	   "activity" "lease acquire h-esc"; do
	erun $cmd
done
for l in $(ENVCTL_PLUGIN_PATH="$TMPDIR/hplugins" envctl lease list --json --env h-esc | node -e 'for (const l of JSON.parse(require("fs").readFileSync(0,"utf8"))) console.log(l.id)'); do
	erun lease release "$l"
	erun lease show "$l"
done
grep -q 'x1b]0;PWN' "$ELOG" || fail "the escaped forms were not seen: $(head -c 2000 "$ELOG")"
grep -aq "$ESC" "$ELOG" && fail "a raw ESC reached the terminal: $(grep -a "$ESC" "$ELOG" | cat -v | head -5)"
out=$(envctl env show esc-ok --json)
[ "$(json_get "$out" j.description)" = "$DESC" ] || fail "JSON output is not exact: $out"

[ -s "$ENVCTL_DB-wal" ] || fail "expected a WAL file to search"
for s in $ALL; do
	grep -aq "$s" "$LOG" && fail "plaintext $s in CLI output or errors: $(grep -a "$s" "$LOG" | head -3)"
	grep -aq "$s" "$ENVCTL_DB" && fail "plaintext $s in the database file"
	grep -aq "$s" "$ENVCTL_DB-wal" && fail "plaintext $s in the WAL"
	grep -aq "$s" "$TMPDIR/backup.db" && fail "plaintext $s in the backup"
	sqlite3 "$ENVCTL_DB" "SELECT * FROM activity; SELECT * FROM secret_access_events; SELECT config FROM environments;" | grep -q "$s" && fail "plaintext $s in a table"
done
exec 3>&-
wait "$reader"
for s in $ALL; do
	grep -aq "$s" "$ENVCTL_DB" && fail "plaintext $s in the database after checkpoint"
done
# and the error paths really were taken
grep -q "must be at most 65535" "$LOG" || fail "schema error not seen"
grep -q 'endpoint "reject" is refused' "$LOG" || fail "provider error not seen"
grep -q "not valid JSON" "$LOG" || fail "JSON error not seen"
grep -q "is a secret field" "$LOG" || fail "--set refusal not seen"
grep -q "no match" "$LOG" || fail "verify mismatch not seen"
true
