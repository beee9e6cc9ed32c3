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
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

demo: build
	@bash examples/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
