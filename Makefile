# envctl — see README.md. `make run` and `make check` are the two commands.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
SHAREDIR = $(PREFIX)/share/envctl
MANDIR   = $(PREFIX)/share/man/man1
COMPLDIR = $(PREFIX)/share/bash-completion/completions

BUILD ?= build
CC    ?= cc

PKGS      = ncursesw formw menuw panelw libcjson sqlite3 libpq uuid libsodium libpcre2-8
TEST_PKGS = check

# Debian packages: build libraries, then the tools the tests drive for real.
DEB_PKGS = gcc make pkg-config libncurses-dev libcjson-dev libsqlite3-dev uuid-dev \
	   libsodium-dev check sqlite3 tmux bubblewrap openssh-server openssh-client \
	   nodejs clang libclang-rt-dev valgrind cppcheck docker.io busybox-static jq \
	   postgresql libpq-dev

# Error messages live in fixed buffers and truncate by design, hence
# -Wno-format-truncation; everything else in the strict set is an error.
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
       -Wno-unused-parameter -Wno-format-truncation
CSTD = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
OPT ?= -O2 -g
SAN ?=
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANFLAGS = $(if $(SAN),$(SANITIZE))

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpq is loaded at run time by the PostgreSQL driver (src/store/pq.h):
# its headers come from pkg-config, its library is linked only into the
# tests that talk to a server directly.
PKG_LIBS   = $(shell pkg-config --libs $(filter-out libpq,$(PKGS)) 2>/dev/null) -ldl -lm
PQ_LIBS    = $(shell pkg-config --libs libpq 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

CPPFLAGS += -Isrc -I$(BUILD)/gen -DENVCTL_SHARE_DIR='"$(SHAREDIR)"'
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

LAYERS   = util schema store plugin core cli tui
LIB_SRCS = $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libenvctl.a
BIN      = $(BUILD)/envctl

# Bundled plugins: each src/plugins/NAME/ builds $(BUILD)/plugins/NAME/NAME
# and ships the folder's manifest.json next to it.
PLUGIN_NAMES = $(notdir $(wildcard src/plugins/*))
PLUGIN_BINS  = $(foreach p,$(PLUGIN_NAMES),$(BUILD)/plugins/$(p)/$(p))
PLUGIN_MANIFESTS = $(foreach p,$(PLUGIN_NAMES),$(BUILD)/plugins/$(p)/manifest.json)

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_SUPPORT = $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_OBJS = $(UNIT_SRCS:%.c=$(BUILD)/%.o) $(UNIT_SUPPORT:%.c=$(BUILD)/%.o)
UNIT_BIN  = $(BUILD)/tests/unit-tests
TEST_HELPER_SRCS = $(wildcard tests/helpers/*.c)
TEST_HELPERS = $(TEST_HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all run check check-layers test unit e2e deps bench asan valgrind fuzz soak lint install uninstall clean helpers docs

all: $(BIN) $(PLUGIN_BINS) $(PLUGIN_MANIFESTS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The SQL migrations are compiled into the binary (one C string per
# data/migrations/NNNN_name.sql), so a build tree, an installed copy and a
# test runner all migrate the same way with nothing to find at run time.
MIGRATIONS = $(sort $(wildcard data/migrations/*.sql))
$(BUILD)/gen/migrations.inc: $(MIGRATIONS) Makefile
	@mkdir -p $(dir $@)
	@for f in $(MIGRATIONS); do \
		b=$$(basename $$f .sql); \
		printf '{ %d, "%s",\n' "$$(echo $$b | sed 's/_.*//; s/^0*//')" "$$b"; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
		printf '},\n'; \
	done > $@.tmp && mv $@.tmp $@
$(BUILD)/src/store/migrate.o: $(BUILD)/gen/migrations.inc

$(BUILD)/plugins/%/manifest.json: src/plugins/%/manifest.json
	@mkdir -p $(dir $@)
	cp $< $@

# One explicit link rule per plugin (a pattern rule would substitute its
# stem into the patsubst below).
define PLUGIN_RULE
$(BUILD)/plugins/$(1)/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/plugins/$(1)/*.c)) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach p,$(PLUGIN_NAMES),$(eval $(call PLUGIN_RULE,$(p))))

# Each tests/unit/test_NAME.c defines `Suite *NAME_suite(void)`; the runner
# learns the list from this generated file, so adding a suite edits nothing.
$(BUILD)/tests/suites.inc: $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	@for f in $(UNIT_SRCS); do echo "SUITE($$(basename $$f .c | sed 's/^test_//'))"; done \
		> $@.tmp && mv $@.tmp $@

$(BUILD)/tests/unit/main.o: $(BUILD)/tests/suites.inc
$(BUILD)/tests/unit/main.o: CPPFLAGS += -I$(BUILD)/tests

$(UNIT_BIN): $(UNIT_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(PQ_LIBS) $(CHECK_LIBS)

helpers: $(TEST_HELPERS)

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) $(PQ_LIBS)

# swap_race runs inside a bwrap sandbox under RLIMIT_AS, where a sanitizer
# runtime cannot reserve its shadow memory: it is always built plain.
$(BUILD)/tests/helpers/swap_race: SANFLAGS =

# ---------------------------------------------------------------- set-up
# Installs missing Debian packages when we may (root, or sudo without a
# password); otherwise stops with the exact command to run.
deps:
	@command -v dpkg-query >/dev/null 2>&1 || { echo "deps: not a Debian system; install: $(DEB_PKGS)"; exit 0; }; \
	missing=""; \
	for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	[ -z "$$missing" ] && exit 0; \
	echo "deps: missing Debian packages:$$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; echo "deps: installing them with apt-get"; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; echo "deps: installing them with sudo apt-get"; \
	else echo "deps: cannot install as $$(id -un); run:"; \
	     echo "  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; fi; \
	for try in 1 2 3; do \
		{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } && exit 0; \
		echo "deps: apt-get failed (attempt $$try of 3)"; sleep 5; \
	done; \
	echo "deps: run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1

# ---------------------------------------------------------------- use
run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN)

check: deps check-layers
	@$(MAKE) --no-print-directory test

# The include and call rules of doc/DESIGN.md, "Layers" (which layer may
# include which header, no curses or SQL in core, reads through core).
check-layers:
	@bash tests/check_layers.sh src

test: all $(UNIT_BIN) $(TEST_HELPERS)
	@$(MAKE) --no-print-directory unit e2e

# The plugin suites drive real workers: the test helpers and the bundled
# plugins of this build.
unit: $(UNIT_BIN) $(TEST_HELPERS) $(PLUGIN_BINS) $(PLUGIN_MANIFESTS)
	CK_FORK=yes CK_DEFAULT_TIMEOUT=60 ./$(UNIT_BIN)
	bash tests/helpers/pg_unit.sh ./$(UNIT_BIN)

e2e: all $(TEST_HELPERS)
	@ENVCTL_BIN=$(abspath $(BIN)) BUILD_DIR=$(abspath $(BUILD)) tests/e2e/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" test

valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build/vg OPT="-O0 -g" all helpers build/vg/tests/unit-tests
	CK_FORK=no valgrind --quiet --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite ./build/vg/tests/unit-tests

bench: deps all $(TEST_HELPERS) $(UNIT_BIN)
	@BUILD_DIR=$(abspath $(BUILD)) ENVCTL_BIN=$(abspath $(BIN)) tests/bench/run.sh

# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/).
# The library is built once with clang for them (ASan+UBSan, UB aborts);
# each harness links it with -fsanitize=fuzzer. FUZZ_SECONDS is the time of
# each harness; FUZZ_TOTAL, when set, is shared out among them instead (the
# CI smoke's bound). tests/fuzz/NAME.options holds extra libFuzzer flags
# for a harness (slow ones start at full input length: libFuzzer's slow
# ramp-up would keep their inputs tiny). build/fuzz/fake_worker is the
# worker fuzz_worker_proc drives: it answers initialize, then writes the
# fuzz input as its stdout.
FUZZ_DIR ?= build/fuzz
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_SECONDS ?= 60
FUZZ_TOTAL ?=
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = $(CSTD) -g -O1 $(FUZZ_SAN) $(PKG_CFLAGS)
# The front end the harnesses drive is the console; the CLI layer is left
# out to keep the build short.
FUZZ_OBJS = $(filter-out $(FUZZ_DIR)/obj/src/cli/%,$(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o))
FUZZ_LIB = $(FUZZ_DIR)/libenvctl-fuzz.a

$(FUZZ_DIR)/obj/%.o: %.c $(BUILD)/gen/migrations.inc
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

$(FUZZ_DIR)/fake_worker: tests/fuzz/fake_worker.c
	@mkdir -p $(dir $@)
	clang $(CSTD) -g -O1 -o $@ $<

# Recipes run under /bin/sh (no PIPESTATUS): the log goes to a file, and a
# failing run prints its tail (ENVCTL_SHARE_DIR finds forms/ and data/ when
# FUZZ_DIR is outside the tree); crash inputs land in $(FUZZ_DIR)/. The
# corpus a run grows stays in $(FUZZ_DIR)/corpus-NAME (the repo's seeds are
# only read).
fuzz: deps $(FUZZ_BINS) $(FUZZ_DIR)/fake_worker
	@n_h=$(words $(FUZZ_BINS)); secs=$(FUZZ_SECONDS); \
	if [ -n "$(FUZZ_TOTAL)" ]; then secs=$$(( $(FUZZ_TOTAL) / n_h )); [ $$secs -ge 1 ] || secs=1; fi; \
	for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		echo "fuzz: $$n for $${secs}s"; \
		mkdir -p $(FUZZ_DIR)/corpus-$$n; \
		opts=$$(cat tests/fuzz/$$n.options 2>/dev/null); \
		ENVCTL_SHARE_DIR=$(CURDIR) $$f -max_total_time=$$secs -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/$$n- $$opts \
			$(FUZZ_DIR)/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} >$(FUZZ_DIR)/$$n.log 2>&1; rc=$$?; \
		grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' $(FUZZ_DIR)/$$n.log; \
		grep -E '^#[0-9]+.*(DONE|cov:)' $(FUZZ_DIR)/$$n.log | tail -1; \
		if [ $$rc -ne 0 ]; then tail -40 $(FUZZ_DIR)/$$n.log; exit 1; fi; done

# The console under ASan on a demo database with random keys and resizes,
# beside bwrap lease churn and lease listing + probe-all (tests/soak/soak.sh).
# SECONDS=N sets its length. Not part of make check.
SOAK_SECONDS = $(if $(SECONDS),$(SECONDS),60)
soak: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" all helpers
	@SOAK_SECONDS=$(SOAK_SECONDS) ENVCTL_BIN=$(abspath build/asan/envctl) \
		BUILD_DIR=$(abspath build/asan) tests/soak/soak.sh

# The generated parts of README.md and doc/envctl.1 (commands and options
# from the CLI's table, provider fields, screenshots from the goldens);
# t_docs_sync fails when they are stale.
docs: all
	bash doc/generate.sh $(BIN)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--std=c11 -Isrc -I$(BUILD)/gen --suppress=missingIncludeSystem \
		--include=.ci/cppcheck-macros.h \
		src tests/helpers

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/forms $(DESTDIR)$(SHAREDIR)/demo \
		$(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPLDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/envctl
	install -m 644 forms/*.json $(DESTDIR)$(SHAREDIR)/forms/
	install -m 644 data/demo/*.json $(DESTDIR)$(SHAREDIR)/demo/
	install -m 644 doc/envctl.1 $(DESTDIR)$(MANDIR)/envctl.1
	install -m 644 data/completion/envctl.bash $(DESTDIR)$(COMPLDIR)/envctl
	for p in $(PLUGIN_NAMES); do \
		install -d $(DESTDIR)$(SHAREDIR)/plugins/$$p; \
		install -m 755 $(BUILD)/plugins/$$p/$$p $(DESTDIR)$(SHAREDIR)/plugins/$$p/$$p; \
		install -m 644 src/plugins/$$p/manifest.json $(DESTDIR)$(SHAREDIR)/plugins/$$p/; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/envctl $(DESTDIR)$(MANDIR)/envctl.1 $(DESTDIR)$(COMPLDIR)/envctl
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
