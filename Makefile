SHELL := /bin/bash
# Thin wrapper: every target installs what is missing, then defers to meson/ninja.
BUILD ?= build
SAN_BUILD ?= build-san
TSAN_BUILD ?= build-tsan
MESON_OPTS ?= --buildtype=debugoptimized -Dwerror=true

FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
# One clang-19 build serves both: ASan + UBSan for the whole test suite, and the libFuzzer targets.
# It inflates compressed debug sections with zlib, so that both inflaters are tested (`make test`
# uses libdeflate).
SAN_OPTS = --buildtype=debugoptimized -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled -Dlibdeflate=disabled

.PHONY: all deps build test demo clean bench fuzz test-sanitize test-tsan

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	@set -o pipefail; meson test -C $(BUILD) --print-errorlogs --num-processes 2 | tee $(BUILD)/test-summary.log; \
	  status=$$?; awk '/^Ok:/ {ok=$$2} /^Fail:/ {f=$$2} /^Timeout:/ {f+=$$2} END {print ok " passed, " f " failed"}' $(BUILD)/test-summary.log; \
	  exit $$status

demo: build
	@bash examples/demo.sh $(BUILD)

# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang-19).
$(SAN_BUILD)/build.ninja:
	CXX=clang++-19 CC=clang-19 meson setup $(SAN_BUILD) $(SAN_OPTS)

test-sanitize: deps $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)
	@set -o pipefail; ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(SAN_BUILD) --print-errorlogs --num-processes 2 | tee $(SAN_BUILD)/test-summary.log; \
	  status=$$?; awk '/^Ok:/ {ok=$$2} /^Fail:/ {f=$$2} /^Timeout:/ {f+=$$2} END {print "sanitize: " ok " passed, " f " failed"}' $(SAN_BUILD)/test-summary.log; \
	  exit $$status

# The whole test suite under ThreadSanitizer (clang-19) with 4 threads, for what runs on several
# threads (Module::prepare, inflating debug sections). Not in CI (one more full build, ~15 min on
# 2 cores); run it after touching that code.
$(TSAN_BUILD)/build.ninja:
	CXX=clang++-19 CC=clang-19 meson setup $(TSAN_BUILD) --buildtype=debugoptimized -Dwerror=true -Db_sanitize=thread -Db_lundef=false

test-tsan: deps $(TSAN_BUILD)/build.ninja
	ninja -C $(TSAN_BUILD)
	LIBSYM_THREADS=4 TSAN_OPTIONS=halt_on_error=1 meson test -C $(TSAN_BUILD) --no-rebuild \
	  --print-errorlogs --num-processes 2

# libFuzzer campaigns: each target for FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600).
fuzz: deps $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)
	@FUZZ_RUNS=$(FUZZ_RUNS) bash fuzz/run.sh $(SAN_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD)

# Benchmark against llvm-symbolizer, addr2line, eu-addr2line, gimli and jeprof (release build in
# build-bench; ~9 minutes, ~16 the first time; BENCH_QUICK=1 for a quick run). Results:
# docs/performance.md.
bench: deps
	@bash bench/run.sh
