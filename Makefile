SHELL := /bin/bash
# Thin wrapper: every target installs what is missing, then defers to meson/ninja.
BUILD ?= build
SAN_BUILD ?= build-san
MESON_OPTS ?= --buildtype=debugoptimized -Dwerror=true

.PHONY: all deps build test demo clean bench fuzz test-sanitize

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

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
