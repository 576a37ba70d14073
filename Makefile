# ringspec — build, run and test.
#
#   make run    build spec/arena.toml and serve it on :8080
#   make test   build everything (release + ASan/UBSan) and run every suite
#   make test-specs   run the [[route.test]] cases of spec/arena.toml and spec/examples/
#   make fuzz   run each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make stress run the stress tests at full length on both builds
#   make arena-entry  write the HttpArena entry folders into frameworks/
#   make arena-check  build each entry folder with its build.sh and run the arena's checks
#   make readme rewrite docs/spec-reference.md from codegen/spec/spec_keys.py
#   make install PREFIX=DIR   PREFIX/bin/ringspec, working from any directory
#
# Both install missing Debian packages first (scripts/install-deps.sh).
# `ringspec build` calls the internal `server` target below to compile a
# generated directory against the runtime.

SPEC        ?= spec/arena.toml
SPEC_NAME   := $(basename $(notdir $(SPEC)))
PYTHON      := /usr/bin/python3
RAGEL       := ragel
CC          ?= cc
# The arena request files the tests read, copied into the repository (tests/fixtures/arena/README.md).
ARENA_DIR   ?= tests/fixtures/arena
FRAMEWORKS  ?= frameworks
ARENA_PORT  ?= 8080
RUN_ARGS    ?=

WARN        := -Wall -Wextra -Werror
BASE_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) -Iruntime -I/usr/include/postgresql -MMD -MP
SANITIZE    ?= 0
ifeq ($(SANITIZE),1)
VARIANT     := asan
OPT_CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
VARIANT     := release
OPT_CFLAGS  := -O2 -g
endif
CFLAGS_ALL  := $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS)

# Optional runtime layers, as codegen decided for the build (GEN_DIR/features.mk): without a
# TLS listener the TLS layer is replaced by runtime/tls/tls_absent.c and libssl/libcrypto are
# not linked; without a statement the Postgres pool by runtime/db/db_absent.c and libpq is not
# linked (mapping those libraries alone costs ~5 MiB of resident memory). Default: both.
RS_TLS      := 1
RS_DB       := 1
ifneq ($(GEN_DIR),)
-include $(GEN_DIR)/features.mk
endif
LDLIBS      := -luring -lpthread -ljansson -lbrotlienc -ldeflate -lnghttp2 $(if $(filter 1,$(RS_TLS)),-lssl -lcrypto) \
               $(if $(filter 1,$(RS_DB)),-lpq)

OBJ_DIR     := build/obj/$(VARIANT)
# The runtime, one folder per layer (docs/runtime.md): every runtime/<layer>/*.c.
RUNTIME_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard runtime/*/*.c runtime/*/*.h))))
ALL_RUNTIME_SRC := $(wildcard $(RUNTIME_DIRS:%=%/*.c))
RUNTIME_HDR := $(wildcard $(RUNTIME_DIRS:%=%/*.h))
ABSENT_SRC  := $(filter %_absent.c,$(ALL_RUNTIME_SRC))
TLS_SRC     := $(filter-out $(ABSENT_SRC),$(filter runtime/tls/%,$(ALL_RUNTIME_SRC)))
DB_SRC      := $(filter %/db_pool.c %/db_connect.c %/db_cache.c,$(ALL_RUNTIME_SRC))
RUNTIME_SRC := $(filter-out $(ABSENT_SRC),$(ALL_RUNTIME_SRC))
ifeq ($(RS_TLS),0)
RUNTIME_SRC := $(filter-out $(TLS_SRC),$(RUNTIME_SRC)) $(filter %/tls_absent.c,$(ABSENT_SRC))
endif
ifeq ($(RS_DB),0)
RUNTIME_SRC := $(filter-out $(DB_SRC),$(RUNTIME_SRC)) $(filter %/db_absent.c,$(ABSENT_SRC))
endif
PARSERS     := http1_parser ws_parser
PARSER_OBJ  := $(PARSERS:%=$(OBJ_DIR)/generated/%.o)
RUNTIME_OBJ := $(patsubst runtime/%.c,$(OBJ_DIR)/runtime/%.o,$(RUNTIME_SRC)) $(PARSER_OBJ)
# Every object any build may link (make install ships them all prebuilt).
ALL_RUNTIME_OBJ := $(patsubst runtime/%.c,$(OBJ_DIR)/runtime/%.o,$(ALL_RUNTIME_SRC)) $(PARSER_OBJ)

.PHONY: all deps deps-test build build-asan run server test unit test-codegen test-conformance fuzz readme \
        stress test-stress test-specs test-db format clean help bench bench-ws arena-entry arena-check install runtime-objects

all: build

help:
	@sed -n '2,13p' Makefile

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build: deps
	@./ringspec build $(SPEC)

build-asan: deps
	@./ringspec build $(SPEC) --sanitize

# Users have no /data: `ringspec run` serves the sample data shipped in data/ (its default
# --data-root for specs of this checkout). make run RUN_ARGS='--workers 1' passes server flags.
run: deps
	@exec ./ringspec run $(SPEC) -- $(RUN_ARGS)

# ---- compile (used by `ringspec build`: GEN_DIR=generated/<name> OUT=<dir>) ----

# Each Ragel parser lives in the folder of its protocol.
generated/http1_parser.c: runtime/http1/http1_parser.rl
generated/ws_parser.c: runtime/ws/ws_parser.rl
generated/%_parser.c:
	@mkdir -p generated
	$(RAGEL) -G2 -o $@ $<

$(OBJ_DIR)/runtime/%.o: runtime/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(OBJ_DIR)/generated/%_parser.o: generated/%_parser.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# HANDLERS: the spec's handlers/*.c (ringspec build passes them; codegen has already
# checked that each handler the spec names is defined there).
server:
	@test -n "$(GEN_DIR)" -a -n "$(OUT)" || { echo "usage: make server GEN_DIR=generated/<name> OUT=<dir> [SANITIZE=1] [HANDLERS=...]"; exit 2; }
	@$(MAKE) --no-print-directory $(RUNTIME_OBJ)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS_ALL) -I$(GEN_DIR) -o $(OUT)/server $(GEN_DIR)/*.c $(HANDLERS) $(RUNTIME_OBJ) $(LDLIBS)

# ---- install: PREFIX/lib/ringspec holds what `ringspec build` needs (the files an arena
# entry copies: codegen, runtime, Makefile, the CLI, .clang-format) with the Ragel parsers and
# both variants of the runtime objects already built, so the installed tree is only read;
# PREFIX/bin/ringspec links to its CLI. A spec's output goes beside the spec. ----
PREFIX      ?= /usr/local
INSTALL_LIB := $(PREFIX)/lib/ringspec

runtime-objects: $(ALL_RUNTIME_OBJ)

install: deps
	@$(MAKE) --no-print-directory runtime-objects SANITIZE=0
	@$(MAKE) --no-print-directory runtime-objects SANITIZE=1
	@rm -rf $(INSTALL_LIB)
	@mkdir -p $(INSTALL_LIB)/generated $(PREFIX)/bin
	@cp -Rp codegen runtime Makefile ringspec .clang-format $(INSTALL_LIB)/
	@cp -p $(PARSERS:%=generated/%.c) $(INSTALL_LIB)/generated/
	@for v in release asan; do mkdir -p $(INSTALL_LIB)/build/obj/$$v; \
	    cp -Rp build/obj/$$v/runtime build/obj/$$v/generated $(INSTALL_LIB)/build/obj/$$v/; done
	@find $(INSTALL_LIB) -name __pycache__ -prune -exec rm -rf {} +
	@ln -sf ../lib/ringspec/ringspec $(PREFIX)/bin/ringspec
	@echo "installed $(PREFIX)/bin/ringspec ($(INSTALL_LIB))"

# ---- tests ----

HTTP1_TESTS := test_http1_api test_http1_request_line test_http1_headers test_http1_bodies test_http1_limits \
               test_http1_fixtures
UNIT_TESTS  := $(HTTP1_TESTS) test_outq test_timers test_json_writer test_accept_encoding test_request_headers \
               test_ws_parser test_utf8 test_port_owners test_tls_handshake test_tls_records test_tls_memory \
               test_tls_budget test_h2_mem test_pb_codec test_grpc_wire test_static_open
UNIT_BIN    := $(patsubst %,$(OBJ_DIR)/tests/%,$(UNIT_TESTS))

# Each unit test links only the runtime pieces it exercises.
# The HTTP/1.1 parser suites share their case machinery (tests/unit/http1_case.h).
$(patsubst %,$(OBJ_DIR)/tests/%,$(HTTP1_TESTS)): generated/http1_parser.c tests/unit/http1_case.h
$(OBJ_DIR)/tests/test_outq: runtime/core/outq.c
$(OBJ_DIR)/tests/test_timers: runtime/core/timers.c runtime/core/conn.c
$(OBJ_DIR)/tests/test_json_writer: runtime/app/json_writer.c runtime/app/http_util.c
$(OBJ_DIR)/tests/test_accept_encoding: runtime/app/accept_encoding.c
$(OBJ_DIR)/tests/test_request_headers: runtime/app/request_headers.c
$(OBJ_DIR)/tests/test_ws_parser: generated/ws_parser.c
$(OBJ_DIR)/tests/test_utf8: runtime/ws/utf8.c
$(OBJ_DIR)/tests/test_port_owners: runtime/core/port_owners.c
$(OBJ_DIR)/tests/test_static_open: runtime/static/static_open.c
$(OBJ_DIR)/tests/test_h2_mem: runtime/h2/h2_mem.c
# The TLS stream layer against a real OpenSSL client, in memory (tests/unit/tls_pair.h).
TLS_TESTS   := test_tls_handshake test_tls_records test_tls_memory test_tls_budget
$(patsubst %,$(OBJ_DIR)/tests/%,$(TLS_TESTS)): $(filter-out runtime/tls/tls_stream.c %_absent.c,$(wildcard runtime/tls/*.c)) runtime/core/outq.c tests/unit/tls_pair.h
$(patsubst %,$(OBJ_DIR)/tests/%,$(TLS_TESTS)): TEST_LIBS := -lssl -lcrypto
# The protobuf codecs generated from a spec with every type (tests/codegen/specs/grpc/codecs.toml).
PB_SPEC     := tests/codegen/specs/grpc/codecs.toml
PB_CODEGEN  := $(wildcard codegen/grpc/*.py codegen/grpc/templates/*.j2)
$(OBJ_DIR)/pb_codecs/messages.c: $(PB_SPEC) $(PB_CODEGEN)
	@./ringspec generate $(PB_SPEC) -o $(dir $@) >/dev/null
$(OBJ_DIR)/tests/test_pb_codec: $(OBJ_DIR)/pb_codecs/messages.c runtime/ws/utf8.c runtime/grpc/pb_wire.h
$(OBJ_DIR)/tests/test_grpc_wire: runtime/grpc/grpc_wire.c
$(OBJ_DIR)/tests/test_pb_codec: TEST_CFLAGS := -I$(OBJ_DIR)/pb_codecs
$(OBJ_DIR)/tests/%: tests/unit/%.c tests/unit/test_util.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests/unit -o $@ $(filter %.c,$^) $(TEST_LIBS)

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t $(ARENA_DIR)/requests || exit 1; done

test-codegen:
	$(PYTHON) -m pytest -q tests/codegen

# docs/spec-reference.md, from the validator's key registry (codegen/spec/spec_keys.py).
readme:
	@./ringspec reference --readme docs/spec-reference.md

# ---- fuzzing (clang + libFuzzer, ASan+UBSan) ----
#
# Each harness runs for FUZZ_SECONDS on its own corpus under build/fuzz,
# seeded from tests/fuzz/seeds-<harness> (else tests/fuzz/seeds), with
# tests/fuzz/<harness>.dict (else http1.dict); all run at once.  A crash
# leaves its input in build/fuzz/artifacts/ and fails the target: turn it
# into a case in the tests/unit/test_http1_*.c suite of its concern,
# test_ws_parser.c, or tests/conformance/test_json_bodies.py.
CLANG        ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_http1 fuzz_http1_split fuzz_ws_split fuzz_json_body fuzz_h2 fuzz_pb_decode
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS  := -std=c17 -D_GNU_SOURCE $(WARN) -Iruntime -I/usr/include/postgresql -Itests/fuzz -O1 -g \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

$(FUZZ_DIR)/%: tests/fuzz/%.c tests/fuzz/http1_drive.h generated/http1_parser.c runtime/http1/http1_parser.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< generated/http1_parser.c

$(FUZZ_DIR)/fuzz_ws_split: tests/fuzz/fuzz_ws_split.c generated/ws_parser.c runtime/ws/ws_parser.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< generated/ws_parser.c

# JSON request bodies: the routes generated from the conformance spec, read
# through runtime/app/json_body.c (the reply writers are stood in for).
FUZZ_JSON_SPEC := tests/conformance/specs/json_bodies
FUZZ_JSON_GEN  := $(FUZZ_DIR)/json_bodies_gen
$(FUZZ_DIR)/fuzz_json_body: tests/fuzz/fuzz_json_body.c runtime/app/json_body.c runtime/app/json_body.h runtime/app/ringspec.h \
                            $(FUZZ_JSON_SPEC)/json_bodies.toml $(wildcard $(FUZZ_JSON_SPEC)/handlers/*.c) \
                            $(wildcard codegen/*.py codegen/*/*.py codegen/templates/*.j2)
	@mkdir -p $(dir $@)
	@./ringspec generate $(FUZZ_JSON_SPEC)/json_bodies.toml -o $(FUZZ_JSON_GEN) >/dev/null
	$(CLANG) $(FUZZ_CFLAGS) -I$(FUZZ_JSON_GEN) -o $@ $< $(FUZZ_JSON_GEN)/*.c $(FUZZ_JSON_SPEC)/handlers/*.c \
	    runtime/app/json_body.c runtime/app/json_writer.c runtime/app/http_util.c runtime/app/request_headers.c -ljansson

# HTTP/2 input: the whole runtime (but main) with spec/arena.toml's routes, fed
# through rs_h2_input without a ring (tests/fuzz/fuzz_h2.c).
FUZZ_H2_GEN := $(FUZZ_DIR)/arena_gen
$(FUZZ_DIR)/fuzz_h2: tests/fuzz/fuzz_h2.c $(filter-out runtime/server/server_main.c,$(RUNTIME_SRC)) $(RUNTIME_HDR) \
                     $(PARSERS:%=generated/%.c) spec/arena.toml $(wildcard codegen/*.py codegen/*/*.py codegen/templates/*.j2)
	@mkdir -p $(dir $@)
	@./ringspec generate spec/arena.toml -o $(FUZZ_H2_GEN) >/dev/null
	$(CLANG) $(FUZZ_CFLAGS) -Igenerated -I$(FUZZ_H2_GEN) -o $@ $< $(FUZZ_H2_GEN)/*.c \
	    $(filter-out runtime/server/server_main.c,$(RUNTIME_SRC)) $(PARSERS:%=generated/%.c) $(LDLIBS)

# Protobuf decoders: the codecs generated from the spec with every type (as test_pb_codec).
FUZZ_PB_GEN := $(FUZZ_DIR)/pb_codecs
$(FUZZ_DIR)/fuzz_pb_decode: tests/fuzz/fuzz_pb_decode.c $(PB_SPEC) $(PB_CODEGEN) runtime/grpc/pb_wire.h runtime/ws/utf8.c
	@mkdir -p $(dir $@)
	@./ringspec generate $(PB_SPEC) -o $(FUZZ_PB_GEN) >/dev/null
	$(CLANG) $(FUZZ_CFLAGS) -I$(FUZZ_PB_GEN) -o $@ $< $(FUZZ_PB_GEN)/messages.c runtime/ws/utf8.c

fuzz: $(patsubst %,$(FUZZ_DIR)/%,$(FUZZ_TARGETS))
	@mkdir -p $(FUZZ_DIR)/artifacts
	@pids=""; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus-$$t; \
	    dict=tests/fuzz/$${t#fuzz_}.dict; [ -f $$dict ] || dict=tests/fuzz/http1.dict; \
	    seeds=tests/fuzz/seeds-$${t#fuzz_}; [ -d $$seeds ] || seeds=tests/fuzz/seeds; \
	    $(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=4096 \
	        -dict=$$dict -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
	        $(FUZZ_DIR)/corpus-$$t $$seeds > $(FUZZ_DIR)/$$t.log 2>&1 & pids="$$pids $$!"; \
	done; fail=0; for p in $$pids; do wait $$p || fail=1; done; \
	for t in $(FUZZ_TARGETS); do \
	    echo "$$t: $$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_DIR)/$$t.log | tr '\n' ' ')"; \
	done; \
	if [ $$fail -ne 0 ]; then grep -h -B2 -A30 -E 'ERROR|invariant|differs' $(FUZZ_DIR)/*.log | head -80; \
	    echo "fuzz: a harness failed (inputs in $(FUZZ_DIR)/artifacts/)"; exit 1; fi

# In-spec tests: `ringspec test` builds each spec, serves it on a free loopback port and runs
# its [[route.test]] cases, on a release and an ASan/UBSan build. Examples are picked up by
# glob: spec/examples/<name>/<name>.toml (handlers/ and data/ beside it) or spec/examples/<name>.toml.
EXAMPLES    ?= spec/examples
EXAMPLE_DIRS = $(patsubst %/,%,$(wildcard $(EXAMPLES)/*/))
SPEC_TESTS   = $(SPEC) $(wildcard $(foreach d,$(EXAMPLE_DIRS),$(d)/$(notdir $(d)).toml) $(EXAMPLES)/*.toml)

test-specs: deps-test
	@fail=0; for s in $(SPEC_TESTS); do \
	    for v in "" --sanitize; do ./ringspec test $$s --keep-going $$v || fail=1; done; \
	done; exit $$fail

# Postgres-backed tests (tests/db): a throw-away PostgreSQL 15 cluster per session
# (initdb in a temp dir, free port, run as an unprivileged user when we are root).
test-db:
	RS_SERVER=$(RS_SERVER) $(PYTHON) -m pytest -q tests/db

test-conformance:
	RS_SERVER=$(RS_SERVER) RS_ARENA_DIR=$(ARENA_DIR) $(PYTHON) -m pytest -q tests/conformance

# ---- stress (tests/stress): short in `make test`, full length in `make stress` ----
STRESS_REPORT ?= $(CURDIR)/build/stress-report.txt

test-stress:
	RS_SERVER=$(RS_SERVER) RS_STRESS=$(RS_STRESS) RS_STRESS_REPORT=$(STRESS_REPORT) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/stress

stress: deps-test
	@./ringspec build $(SPEC)
	@./ringspec build $(SPEC) --sanitize
	@$(MAKE) --no-print-directory -C bench/loadgen
	@rm -f $(STRESS_REPORT)
	@$(MAKE) --no-print-directory test-stress RS_STRESS=long RS_SERVER=$(CURDIR)/build/$(SPEC_NAME)/server
	@$(MAKE) --no-print-directory test-stress RS_STRESS=long RS_SERVER=$(CURDIR)/build/$(SPEC_NAME)-asan/server
	@cat $(STRESS_REPORT)

test: deps-test
	@./ringspec build $(SPEC)
	@./ringspec build $(SPEC) --sanitize
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit SANITIZE=1
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory test-codegen
	@$(MAKE) --no-print-directory -C bench/loadgen test
	@$(MAKE) --no-print-directory test-specs
	@$(MAKE) --no-print-directory test-conformance RS_SERVER=$(CURDIR)/build/$(SPEC_NAME)/server
	@$(MAKE) --no-print-directory test-conformance RS_SERVER=$(CURDIR)/build/$(SPEC_NAME)-asan/server
	@$(MAKE) --no-print-directory test-db
	@rm -f $(STRESS_REPORT)
	@$(MAKE) --no-print-directory test-stress RS_SERVER=$(CURDIR)/build/$(SPEC_NAME)/server
	@$(MAKE) --no-print-directory test-stress RS_SERVER=$(CURDIR)/build/$(SPEC_NAME)-asan/server
	@cat $(STRESS_REPORT)
	@$(MAKE) --no-print-directory arena-entry
	@$(MAKE) --no-print-directory arena-check ARENA_PORT=$${ARENA_PORT:-auto}

# ---- HttpArena entries (ARENA.md §7): profile `all` -> frameworks/ringspec, every
# other profile of the spec -> frameworks/ringspec-<profile> ----
ARENA_PROFILES = $(shell sed -n 's/^\[profile\."\{0,1\}\([A-Za-z0-9_-]*\)"\{0,1\}\].*/\1/p' $(SPEC))

arena-entry: deps
	@rm -rf $(FRAMEWORKS)/ringspec $(FRAMEWORKS)/ringspec-*
	@for p in $(ARENA_PROFILES); do \
	    if [ "$$p" = all ]; then dir=$(FRAMEWORKS)/ringspec; else dir=$(FRAMEWORKS)/ringspec-$$p; fi; \
	    ./ringspec arena $(SPEC) --profile $$p -o $$dir || exit 1; \
	done

# ARENA_PORT=N (or auto) if 8080 is taken on this machine; the arena itself always uses 8080.
arena-check: deps-test
	@test -d $(FRAMEWORKS)/ringspec || { echo "arena-check: run make arena-entry first"; exit 2; }
	@ARENA_PORT=$(ARENA_PORT) $(PYTHON) tests/arena/arena_check.py $(FRAMEWORKS)/ringspec $(filter-out $(FRAMEWORKS)/ringspec,$(wildcard $(FRAMEWORKS)/ringspec-*))

# Benchmarks (BENCHMARKS.md): make bench BENCH_ARGS='--quick' | '--update-benchmarks-md' ...
bench: ; bench/run $(BENCH_ARGS)

# Only the WebSocket echo scenarios of bench/run (ringspec against Node's ws package):
# make bench-ws BENCH_WS_ARGS='--runs 5'
bench-ws: ; bench/run --only echo-ws,echo-ws-p16 $(BENCH_WS_ARGS)

format:
	clang-format -i $(ALL_RUNTIME_SRC) $(RUNTIME_HDR) tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h 2>/dev/null || true

clean:
	rm -rf build generated

-include $(shell find build/obj -name '*.d' 2>/dev/null)
