# corpusd — make run: the daemon on ./state; make test: the whole suite. Both install what they need.
SWIFT      ?= swift
STATE      ?= $(CURDIR)/state
CONFIG     ?= debug
BIN        := .build/$(CONFIG)
APT_PKGS   := libsqlite3-dev libsystemd-dev libssl-dev libxml2-dev zlib1g-dev pkg-config
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# Shell completions and man pages, generated from the command definitions, laid out as under $(PREFIX)/share
# so that `make install` can copy the folder as it is.
SHARE      := .build/share

.PHONY: all deps build release run test soak clean completions man bench bench-at-state bench-at-scale bench-life bench-profile bench-neardup neardup-eval

all: build

# Debian packages the build links against; installed only when missing.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Only the two programs: the lab and benchmark tools are not needed to run or install corpusd.
build: deps
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS) --product corpusd
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS) --product corpusctl

# Linked as `make install` links them (RELEASE_FLAGS, deploy/install.mk: the Swift runtime statically).
release:
	$(MAKE) build CONFIG=release BUILD_FLAGS=--static-swift-stdlib

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
	@$(MAKE) --no-print-directory test-systemd

# The kill -9 test at full size (10,000 files, 10 cycles), then 10,000- and 100,000-file bursts with the
# daemon's peak memory and time to the last outcome. Not part of `make test`: it takes many minutes.
soak: deps
	$(SWIFT) build --build-tests
	CORPUSD_BIN_DIR=$(CURDIR)/.build/debug CORPUSD_CRASH_FILES=10000 CORPUSD_CRASH_CYCLES=10 CORPUSD_TEST_SEED=random \
		$(SWIFT) test --skip-build --filter killNineCycles
	scripts/burst-rss.sh 10000
	scripts/burst-rss.sh 100000

completions: build
	@mkdir -p $(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions $(SHARE)/fish/vendor_completions.d
	@for tool in corpusctl corpusd; do \
		$(BIN)/$$tool --generate-completion-script bash > $(SHARE)/bash-completion/completions/$$tool && \
		$(BIN)/$$tool --generate-completion-script zsh  > $(SHARE)/zsh/site-functions/_$$tool && \
		$(BIN)/$$tool --generate-completion-script fish > $(SHARE)/fish/vendor_completions.d/$$tool.fish || exit 1; \
	done
	@echo "completions in $(SHARE)/{bash-completion/completions,zsh/site-functions,fish/vendor_completions.d}"

# One page per command and subcommand (corpusctl.1, corpusctl.list.1, …), by argument-parser's generate-manual
# plugin over the debug build.
man: deps
	@mkdir -p $(SHARE)/man/man1
	$(SWIFT) package --disable-sandbox generate-manual --configuration debug --multi-page
	cp .build/plugins/GenerateManual/outputs/*/*.1 $(SHARE)/man/man1/
	@echo "man pages in $(SHARE)/man/man1"

# Speed, latency, memory and scale on generated corpora, into BENCHMARKS.md (not part of make test). The driver
# is bounded to 19 minutes (--budget) and reports how far it got; corpora are cached in .build/bench/cache.
# BENCH_ARGS passes options to bench/run_bench.py: BENCH_ARGS=--quick for a 5-minute smoke run (report in
# .build/bench/quick.md), BENCH_ARGS="--sizes 10000,100000" for two tiers. The near-duplicate cost check is
# its own target (make bench-neardup): it does not fit in make bench's 20 minutes. The binaries are linked as
# `make install` links them (RELEASE_FLAGS): with the Swift runtime dynamic, each corpusctl call spent ~15 ms more
# starting, and corpusd held ~4 MB more of libraries.
BENCH_VENV := .build/bench-venv
BENCH_ARGS ?=
# The run's budget counts from here: the build and the set-up come out of it.
bench: BENCH_STARTED := $(shell date +%s.%N)
bench: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusd
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusctl
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c "import datasketch" 2>/dev/null || $(BENCH_VENV)/bin/pip install -q datasketch
	$(BENCH_VENV)/bin/python bench/run_bench.py --bin-dir $(CURDIR)/.build/release --started-at $(BENCH_STARTED) $(BENCH_ARGS)

# Queries, listing, export and start-up on a state folder grown beyond what make bench reaches in its budget
# (e.g. to 1 M documents from make bench's cached dumps): make bench-at-state STATE=path/to/state. No corpusd
# may be running on it; its start-up files stay ingested.
bench-at-state: deps
	@[ -n "$(STATE)" ] || { echo "usage: make bench-at-state STATE=path/to/state"; exit 2; }
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusd
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusctl
	python3 bench/at_state.py --bin-dir $(CURDIR)/.build/release --state $(STATE) --out $(CURDIR)/.build/bench/at-state.json

# Ingest speed on a state folder grown from make bench's corpus: the next 4 cached dumps it has not seen, dropped into a
# corpusd on it (make bench-at-scale STATE=path/to/state; the state keeps them). Figures in .build/bench/at-scale.json.
bench-at-scale: deps
	@[ -n "$(STATE)" ] || { echo "usage: make bench-at-scale STATE=path/to/state"; exit 2; }
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusd
	python3 bench/at_scale.py --bin-dir $(CURDIR)/.build/release --state $(STATE) --out $(CURDIR)/.build/bench/at-scale.json

# One corpusd life from an empty state folder to 1 M documents (issue #8's memory target: make bench reaches ~765 k
# in its budget), all dumps dropped at once, then bench-at-state on what it leaves: make bench-life STATE=path (made
# empty; ~9 GB, ~20 minutes on 2 cores). Figures in .build/bench/life.json and life-at-state.json.
bench-life: deps
	@[ -n "$(STATE)" ] || { echo "usage: make bench-life STATE=path/to/new/state"; exit 2; }
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusd
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusctl
	python3 bench/life.py --bin-dir $(CURDIR)/.build/release --state $(STATE) --out $(CURDIR)/.build/bench/life.json
	python3 bench/at_state.py --bin-dir $(CURDIR)/.build/release --state $(STATE) --reached 1000000 \
		--out $(CURDIR)/.build/bench/life-at-state.json

# Where corpusd spends its time while ingesting (perf record on the release build).
bench-profile: deps
	$(SWIFT) build $(RELEASE_FLAGS)
	python3 bench/profile.py --bin-dir $(CURDIR)/.build/release

# Near-duplicate detection: ingest throughput (pipeline + record, as the ingestor does it) when the corpus
# holds 10 k and 200 k documents; it must not depend on the corpus size. NEARDUP_SIZES overrides the sizes.
NEARDUP_SIZES ?= 10000 200000
bench-neardup: deps
	$(SWIFT) build -c release --product neardup-lab
	.build/release/neardup-lab bench $(NEARDUP_SIZES)

# Precision, recall and F1 of exact-only, MinHash and the final method on the labelled near-duplicate set,
# with the parameter sweeps the defaults were chosen from.
neardup-eval: deps
	$(SWIFT) build -c release --product neardup-lab
	.build/release/neardup-lab eval

clean:
	rm -rf .build

# Extraction quality and speed beside trafilatura (installed into .build/extraction-venv by the script, never
# into the product) on our 80 pages and on the public real-world pages of trafilatura 1.0.0's source archive
# (downloaded into .build/extraction-public at run time, never committed), then a 50,000-article JSON Lines
# dump streamed through corpusd. Rewrites the extraction section of BENCHMARKS.md. Not part of `make test`
# or `make bench`.
.PHONY: bench-extraction
bench-extraction: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusctl
	$(SWIFT) build $(RELEASE_FLAGS) --product corpusd
	python3 bench/extraction/run.py --bin $(CURDIR)/.build/release/corpusctl --update BENCHMARKS.md \
		--stream-bin-dir $(CURDIR)/.build/release

include deploy/install.mk
