# make install / make uninstall / make test-systemd — included by the Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   release binaries (Swift runtime linked in statically),
#                                                 systemd unit, sysusers and tmpfiles entries, the example
#                                                 config and taxonomy (never over existing ones), man pages, completions
#   make uninstall [PREFIX=…] [DESTDIR=]          removes all of that but /etc/corpusd/{corpusd,taxonomy}.yaml and the state
#   make test-systemd                             boots Debian 12 in systemd-nspawn and runs corpusd as a real
#                                                 service (see Tests/systemd/run.sh); skipped with a reason when
#                                                 this machine cannot
PREFIX        ?= /usr/local
DESTDIR       ?=
BINDIR        := $(PREFIX)/bin
MANDIR        := $(PREFIX)/share/man
UNITDIR       := $(PREFIX)/lib/systemd/system
SYSUSERSDIR   := $(PREFIX)/lib/sysusers.d
TMPFILESDIR   := $(PREFIX)/lib/tmpfiles.d
DOCDIR        := $(PREFIX)/share/doc/corpusd
CONFDIR       ?= /etc/corpusd
INSTALL_BUILD := .build/install
RELEASE_BIN   := .build/release
# The Swift runtime (stdlib, Foundation, Dispatch) is linked into the binaries, so that they run on a
# Debian machine without /opt/swift; they still use the system's glibc, libsqlite3, libsystemd and libcrypto.
RELEASE_FLAGS := -c release --static-swift-stdlib
# The target's systemd version picks the unit's Type: notify-reload from 253 on, else notify with
# ExecReload=kill -HUP (Debian 12 has 252). Read from this machine; set it when installing for another.
SYSTEMD_VERSION ?= $(shell systemctl --version 2>/dev/null | awk 'NR == 1 { print $$2 + 0 }')
UNIT_TYPE_EDIT  := $(shell [ "$(SYSTEMD_VERSION)" -ge 253 ] 2>/dev/null && echo 's/^Type=notify$$/Type=notify-reload/; /^ExecReload=/d')

.PHONY: install-build install uninstall runtime-deps test-systemd

# Completions come from the Makefile's `completions` target run on the release binaries, so that
# they match what is installed; man pages from argument-parser's generate-manual, one page per
# command (corpusctl.1, corpusctl.list.1, …; corpusd is a daemon: section 8).
install-build: deps
	$(MAKE) --no-print-directory completions CONFIG=release BUILD_FLAGS=--static-swift-stdlib SHARE=$(INSTALL_BUILD)/share
	$(SWIFT) build $(RELEASE_FLAGS) --product generate-manual
	rm -rf $(INSTALL_BUILD)/share/man && mkdir -p $(INSTALL_BUILD)/share/man/man1 $(INSTALL_BUILD)/share/man/man8
	$(RELEASE_BIN)/generate-manual $(RELEASE_BIN)/corpusctl --multi-page --section 1 -o $(INSTALL_BUILD)/share/man/man1
	$(RELEASE_BIN)/generate-manual $(RELEASE_BIN)/corpusd --section 8 -o $(INSTALL_BUILD)/share/man/man8
	sed 's|@BINDIR@|$(BINDIR)|g; $(UNIT_TYPE_EDIT)' deploy/systemd/corpusd.service.in > $(INSTALL_BUILD)/corpusd.service

install: install-build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(PREFIX)/share $(DESTDIR)$(DOCDIR) $(DESTDIR)$(CONFDIR)
	install -m 0755 $(RELEASE_BIN)/corpusd $(RELEASE_BIN)/corpusctl $(DESTDIR)$(BINDIR)/
	install -m 0644 $(INSTALL_BUILD)/corpusd.service $(DESTDIR)$(UNITDIR)/corpusd.service
	install -m 0644 deploy/systemd/corpusd.sysusers $(DESTDIR)$(SYSUSERSDIR)/corpusd.conf
	install -m 0644 deploy/systemd/corpusd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/corpusd.conf
	cp -R $(INSTALL_BUILD)/share/. $(DESTDIR)$(PREFIX)/share/
	install -m 0644 deploy/corpusd.yaml $(DESTDIR)$(DOCDIR)/corpusd.yaml.example
	[ -e $(DESTDIR)$(CONFDIR)/corpusd.yaml ] || install -m 0644 deploy/corpusd.yaml $(DESTDIR)$(CONFDIR)/corpusd.yaml
	install -m 0644 Sources/Pipeline/Resources/taxonomy.yaml $(DESTDIR)$(DOCDIR)/taxonomy.yaml.example
	[ -e $(DESTDIR)$(CONFDIR)/taxonomy.yaml ] || install -m 0644 Sources/Pipeline/Resources/taxonomy.yaml $(DESTDIR)$(CONFDIR)/taxonomy.yaml
	@echo
	@echo "corpusd installed under $(DESTDIR)$(PREFIX). On the target machine, as root:"
	@echo "  systemd-sysusers && systemd-tmpfiles --create corpusd.conf   # user, group and inbox"
	@echo "  systemctl daemon-reload && systemctl enable --now corpusd"
	@echo "  usermod -aG corpusd NAME    # lets NAME drop files into /var/lib/corpusd/inbox and run corpusctl"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/corpusd $(DESTDIR)$(BINDIR)/corpusctl \
		$(DESTDIR)$(UNITDIR)/corpusd.service $(DESTDIR)$(SYSUSERSDIR)/corpusd.conf $(DESTDIR)$(TMPFILESDIR)/corpusd.conf \
		$(DESTDIR)$(MANDIR)/man8/corpusd.8 $(DESTDIR)$(MANDIR)/man1/corpusctl.1 $(DESTDIR)$(MANDIR)/man1/corpusctl.*.1 \
		$(DESTDIR)$(DOCDIR)/corpusd.yaml.example $(DESTDIR)$(DOCDIR)/taxonomy.yaml.example
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	for tool in corpusd corpusctl; do \
		rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$tool \
			$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$tool \
			$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$tool.fish; \
	done
	@echo "corpusd removed from $(DESTDIR)$(PREFIX); kept $(CONFDIR)/corpusd.yaml, $(CONFDIR)/taxonomy.yaml and /var/lib/corpusd."
	@echo "  systemctl daemon-reload   # so that systemd forgets the unit"

# The Debian packages the installed binaries need at run time, from the shared libraries they load
# (after install-build): what a target machine must have, and what test-systemd's container gets.
runtime-deps:
	@for bin in $(RELEASE_BIN)/corpusd $(RELEASE_BIN)/corpusctl; do ldd $$bin; done | \
		awk '/=> \// { print $$3 }' | sort -u | \
		while read -r lib; do dpkg -S "$$lib" 2>/dev/null || dpkg -S "$$(readlink -f "$$lib")"; done | \
		cut -d: -f1 | sort -u | tr '\n' ' ' | sed 's/ $$/\n/'

test-systemd:
	@bash Tests/systemd/run.sh
