# Tier test-install: the README's install from scratch. For each release in
# INSTALL_RELEASES (the running Debian release, and trixie, Debian 13),
# tests/install/install.sh makes a minimal root with mmdebstrap (the bare
# tarball cached in INSTALL_CACHE, /var/cache/faultline, for
# INSTALL_ROOT_DAYS), unpacks it fresh on a tmpfs, clones the commit at HEAD
# into it and, chrooted, runs tools/deps.sh (twice: the second must find
# nothing to do), make and one run=tests boot on QEMU virt. A line per step
# with its time; logs in build/test/install/<codename>.log and
# <codename>-boot.log. The count is of releases. A release mmdebstrap cannot
# make here is skipped, saying why; the running one fails. Needs root.
#
# make test-install INSTALL_RELEASES=bookworm runs one.

INSTALL_RUNNING := $(shell . /etc/os-release 2>/dev/null; echo $$VERSION_CODENAME)
INSTALL_RELEASES ?= $(sort $(or $(INSTALL_RUNNING),bookworm) trixie)

.PHONY: test-install
TEST_TIERS += test-install

test-install:
	@tools/tier.sh test-install start; \
	for r in $(INSTALL_RELEASES); do \
		rc=0; tests/install/install.sh $$r || rc=$$?; \
		[ $$rc = 77 ] && [ $$r != "$(INSTALL_RUNNING)" ] && continue; \
		label="install $$r"; [ $$rc = 77 ] && label="$$label (the running release)"; \
		tools/tier.sh test-install check "$$label" test $$rc = 0; \
	done; \
	tools/tier.sh test-install end "Debian releases installed from scratch; logs in build/test/install"
