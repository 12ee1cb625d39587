# Schema engine: validation of a 200-field config (tests/helpers/bench_schema.c)
# and the official test suite per keyword file, each side by side with ajv
# (8.x with ajv-formats, as Paperclip plugins use it) in the same run.
# ajv is npm-installed once into $BUILD_DIR/tests/ajv (npm registry only);
# without it the envctl figures are still printed.
: "${BUILD_DIR:?}"
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$BUILD_DIR/tests/helpers/bench_schema" "$PWD" || exit 1

ajv="$BUILD_DIR/tests/ajv"
if [ ! -d "$ajv/node_modules/ajv-formats" ] && command -v npm >/dev/null 2>&1; then
	mkdir -p "$ajv"
	[ -f "$ajv/package.json" ] || echo '{"name":"envctl-bench-ajv","private":true}' >"$ajv/package.json"
	(cd "$ajv" && npm install --silent --no-audit --no-fund ajv@8 ajv-formats@3 >npm.log 2>&1) ||
		echo "ajv: npm install failed (see $ajv/npm.log); ajv figures skipped"
fi
have_ajv=0
[ -d "$ajv/node_modules/ajv-formats" ] && have_ajv=1
[ $have_ajv = 1 ] && NODE_PATH="$ajv/node_modules" node "$repo/tests/bench/schema_ajv.js" bench "$PWD"

# The suite, per file: envctl's counts come from the unit test's report.
suite="$repo/../shared/json-schema-test-suite/tests"
[ -d "$suite" ] && [ -x "$BUILD_DIR/tests/unit-tests" ] || { echo "suite table skipped (no suite or unit-tests)"; exit 0; }
ENVCTL_SCHEMA_SUITE="$suite" ENVCTL_SCHEMA_EXPECTED="$repo/tests/fixtures/schema-suite/expected.txt" \
	ENVCTL_SUITE_REPORT="$PWD/envctl.tsv" CK_RUN_SUITE=schema_suite CK_FORK=yes \
	"$BUILD_DIR/tests/unit-tests" >suite.log 2>&1 || { tail -20 suite.log; exit 1; }
grep '^schema suite:' suite.log
if [ $have_ajv = 1 ]; then
	NODE_PATH="$ajv/node_modules" node "$repo/tests/bench/schema_ajv.js" suite "$suite" \
		"$repo/tests/fixtures/schema-suite/expected.txt" >ajv.tsv || exit 1
else
	awk -F'\t' '{print $1 "\t-\t" $3}' envctl.tsv >ajv.tsv
fi
join -t "$(printf '\t')" envctl.tsv ajv.tsv | awk -F'\t' '
	BEGIN { printf "%-52s %8s %8s %6s\n", "file", "envctl", "ajv", "cases" }
	{ printf "%-52s %8s %8s %6s\n", $1, $2, $4, $3; e += $2; a += $4; t += $3 }
	END { printf "%-52s %8d %8d %6d\n%-52s %7.2f%% %7.2f%%\n", "total", e, a, t, "pass rate", 100*e/t, 100*a/t }'
