# Plugin runtime: no-op round trip and 100 probes of 100 ms, serial vs
# bounded parallelism (tests/helpers/bench_plugin.c).
: "${BUILD_DIR:?}"
"$BUILD_DIR/tests/helpers/bench_plugin" "$BUILD_DIR/tests/helpers/test_worker" "$PWD"
