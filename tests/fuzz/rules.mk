# Tier: the fuzz targets (libFuzzer, clang), each run for a bounded time
# from its committed corpus. The corpus is copied to build/ so new inputs the
# run finds do not dirty the tree; a crash or a failed check is a failure.
#
#   fuzz_mm       mm/ against a reference model     tests/fuzz/corpus/
#                 (folios of every order, thp blocks)
#   fuzz_mm_g14   the same with 16 KiB pages (the fake's FAKE_GRANULE_SHIFT)
#   fuzz_mm_g16   the same with 64 KiB pages
#   fuzz_cmdline  bench/args.c, lib/cmdline.c: reasons printable,  tests/fuzz/corpus-cmdline/
#                 accepted lines print back the same
#   fuzz_fdt      lib/fdt.c, lib/dt.c against        tests/fuzz/corpus_fdt/
#                 Debian's libfdt (what is compared: the top of fuzz_fdt.c);
#                 a structure-aware mutator rewrites the mailbox, mini UART,
#                 PrimeCell, /reserved-memory and PCI nodes' values
#   fuzz_interleave  mm/ on 2-4 fake CPUs under the      tests/fuzz/corpus-interleave/
#                 interleaving scheduler (arch/fake/sched.c): the input
#                 chooses the operations and the interleaving; the outcome
#                 must be a serial order's (top of fuzz_interleave.c);
#                 SMP_MM=0 leaves it out (tests/unit/rules.mk)
#   fuzz_interleave_locked  the same with each operation     tests/fuzz/corpus-interleave/
#                 under one lock: the harness's own check (every outcome
#                 must pass, whatever mm/ does about SMP)
#
# FUZZ_TIME is per target (seconds); fuzz_mm_g14/g16 run half of it,
# fuzz_fdt runs FUZZ_FDT_TIME, fuzz_interleave FUZZ_INTERLEAVE_TIME.

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -I. -Iarch/fake/include \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-fsanitize-coverage-ignorelist=tests/fuzz/coverage.ignore
FUZZ_TIME ?= 30
FUZZ_TARGETS := fuzz_mm fuzz_mm_g14 fuzz_mm_g16 fuzz_cmdline fuzz_fdt fuzz_interleave_locked
fuzz_corpus_fuzz_mm := tests/fuzz/corpus
fuzz_corpus_fuzz_cmdline := tests/fuzz/corpus-cmdline
fuzz_corpus_fuzz_fdt := tests/fuzz/corpus_fdt
fuzz_corpus_fuzz_mm_g14 := tests/fuzz/corpus
fuzz_corpus_fuzz_mm_g16 := tests/fuzz/corpus
# The other granules run half as long: the same code, other geometry.
fuzz_time_fuzz_mm_g14 = $(shell echo $$(( ($(FUZZ_TIME) + 1) / 2 )))
fuzz_time_fuzz_mm_g16 = $(fuzz_time_fuzz_mm_g14)
FUZZ_FDT_TIME ?= 20
fuzz_time_fuzz_fdt = $(FUZZ_FDT_TIME)
fuzz_corpus_fuzz_interleave := tests/fuzz/corpus-interleave
fuzz_corpus_fuzz_interleave_locked := tests/fuzz/corpus-interleave
FUZZ_INTERLEAVE_TIME ?= 20
fuzz_time_fuzz_interleave = $(FUZZ_INTERLEAVE_TIME)
fuzz_time_fuzz_interleave_locked = $(shell echo $$(( ($(FUZZ_INTERLEAVE_TIME) + 1) / 2 )))
SMP_MM ?= 1
ifeq ($(SMP_MM),1)
FUZZ_TARGETS += fuzz_interleave
endif

# libfdt also defines fdt_next_node: faultline's is renamed in this build.
FUZZ_FDT_CFLAGS := $(FUZZ_CFLAGS) -Dfdt_next_node=faultline_fdt_next_node

build/fuzz/fuzz_fdt: tests/fuzz/fuzz_fdt.c $(HOST_SRC) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(call say,FUZZCC,$@)$(FUZZ_CC) $(FUZZ_FDT_CFLAGS) -o $@ $< $(HOST_SRC) -lfdt

build/fuzz/fuzz_mm_g%: tests/fuzz/fuzz_mm.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h) tests/fuzz/coverage.ignore
	@mkdir -p $(dir $@)
	$(Q)$(call say,FUZZCC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFAKE_GRANULE_SHIFT=$* -o $@ $< $(HOST_SRC)

build/fuzz/fuzz_interleave_locked: tests/fuzz/fuzz_interleave.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h) tests/fuzz/coverage.ignore
	@mkdir -p $(dir $@)
	$(Q)$(call say,FUZZCC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_INTERLEAVE_BIG_LOCK -o $@ $< $(HOST_SRC)

build/fuzz/%: tests/fuzz/%.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h) tests/fuzz/coverage.ignore
	@mkdir -p $(dir $@)
	$(Q)$(call say,FUZZCC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(HOST_SRC)

.PHONY: fuzz test-fuzz
fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))

TEST_TIERS += test-fuzz
# One target: $(1) name, $(2) corpus, $(3) seconds; one pass or failure.
define FUZZ_RUN
	rm -rf build/fuzz/$(1).corpus build/fuzz/$(1).artifacts; \
	cp -r $(2) build/fuzz/$(1).corpus; mkdir -p build/fuzz/$(1).artifacts; \
	tools/tier.sh test-fuzz check \
		"$(1) (log: build/fuzz/$(1).log, input in build/fuzz/$(1).artifacts/)" sh -c '\
		if build/fuzz/$(1) -max_total_time=$(3) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=build/fuzz/$(1).artifacts/ build/fuzz/$(1).corpus \
			> build/fuzz/$(1).log 2>&1; then \
			echo "fuzz: $(1) ran $(3) s, no failure ($$(grep -c "" build/fuzz/$(1).log) log lines)"; \
		else \
			tail -40 build/fuzz/$(1).log; exit 1; \
		fi';
endef

test-fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@tools/tier.sh test-fuzz start; \
	$(foreach t,$(FUZZ_TARGETS),$(call FUZZ_RUN,$(t),$(fuzz_corpus_$(t)),$(or $(fuzz_time_$(t)),$(FUZZ_TIME)))) \
	tools/tier.sh test-fuzz end "targets"
