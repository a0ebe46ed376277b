# corpusd — make run: the daemon on ./state; make test: the whole suite. Both install what they need.
SWIFT      ?= swift
STATE      ?= $(CURDIR)/state
CONFIG     ?= debug
BIN        := .build/$(CONFIG)
APT_PKGS   := libsqlite3-dev libsystemd-dev libssl-dev pkg-config
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps build release run test clean

all: build

# Debian packages the build links against; installed only when missing.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

release:
	$(MAKE) build CONFIG=release

run: build
	@mkdir -p $(STATE)/inbox
	@echo "corpusd: state in $(STATE)"
	@echo "  drop files into   $(STATE)/inbox   (try: cp seeds/*.txt $(STATE)/inbox/)"
	@echo "  then, elsewhere:  $(BIN)/corpusctl status --state-dir $(STATE)"
	@echo "                    $(BIN)/corpusctl list --tag china --state-dir $(STATE)"
	@echo "  (or export CORPUSD_STATE_DIR=$(STATE) and drop the flag)"
	exec $(BIN)/corpusd --state-dir $(STATE)

test: deps
	$(SWIFT) build --build-tests
	CORPUSD_BIN_DIR=$(CURDIR)/.build/debug $(SWIFT) test --skip-build

clean:
	rm -rf .build
