# Plugin runtime: no-op round trip and 100 probes of 100 ms, serial vs
# bounded parallelism (tests/helpers/bench_plugin.c).
: "${BUILD_DIR:?}"
"$BUILD_DIR/tests/helpers/bench_plugin" "$BUILD_DIR/tests/helpers/test_worker" "$PWD"

# The same through the CLI: 100 saved environments on a test-worker plugin
# whose probe sleeps 100 ms, `env probe --all` serial and 16 in parallel.
mkdir -p plugins/sleeper
cat >plugins/sleeper/manifest.json <<JSON
{"id":"bench.sleeper","name":"Sleeper","version":"1","apiVersion":1,
 "worker":["$BUILD_DIR/tests/helpers/test_worker"],
 "environmentDrivers":[{"driverKey":"sleeper","kind":"sandbox_provider","displayName":"Sleeper",
   "description":"probe sleeps","configSchema":{"type":"object","properties":{
   "sleepMs":{"type":"integer","description":"probe delay"}}}}]}
JSON
export ENVCTL_PLUGIN_PATH="$PWD/plugins"
for i in $(seq 100); do
	"$ENVCTL_BIN" env create "sleep-$i" --provider sleeper --set sleepMs=100 >/dev/null 2>&1 || exit 1
done
ms() { date +%s%3N; }
t0=$(ms); "$ENVCTL_BIN" env probe --all --parallel 1 >/dev/null || exit 1; t1=$(ms)
"$ENVCTL_BIN" env probe --all --parallel 16 >/dev/null || exit 1; t2=$(ms)
echo "env probe --all, 100 environments, probe sleeps 100 ms: --parallel 1 $((t1 - t0)) ms, --parallel 16 $((t2 - t1)) ms (CLI, one worker)"
