# Tier: the fuzz targets (libFuzzer, clang), each run for a bounded time
# from its committed corpus. The corpus is copied to build/ so new inputs a
# run finds do not dirty the tree; a crash or a failed check is a failure.
#
#   fuzz_mm       mm/ against a reference model     tests/fuzz/corpus/
#   fuzz_mm_g14   the same with 16 KiB pages (the fake's FAKE_GRANULE_SHIFT)
#   fuzz_mm_g16   the same with 64 KiB pages
#   fuzz_cmdline  lib/cmdline.c: reasons printable,  tests/fuzz/corpus-cmdline/
#                 accepted lines print back the same
#
# FUZZ_TIME is per target (seconds).

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -I. -Iarch/fake/include \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TIME ?= 30
FUZZ_TARGETS := fuzz_mm fuzz_mm_g14 fuzz_mm_g16 fuzz_cmdline
fuzz_corpus_fuzz_mm := tests/fuzz/corpus
fuzz_corpus_fuzz_cmdline := tests/fuzz/corpus-cmdline

build/fuzz/fuzz_mm_g%: tests/fuzz/fuzz_mm.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFAKE_GRANULE_SHIFT=$* -o $@ $< $(HOST_SRC)

build/fuzz/%: tests/fuzz/%.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(HOST_SRC)

.PHONY: fuzz test-fuzz
fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))

TEST_TIERS += test-fuzz
test-fuzz: fuzz
	@mkdir -p build/test; p=0; f=0; \
	for t in $(FUZZ_TARGETS); do \
		case $$t in fuzz_mm*) c=$(fuzz_corpus_fuzz_mm);; *) c=$(fuzz_corpus_fuzz_cmdline);; esac; \
		rm -rf build/fuzz/$$t.corpus build/fuzz/$$t.artifacts; \
		cp -r $$c build/fuzz/$$t.corpus; mkdir -p build/fuzz/$$t.artifacts; \
		if build/fuzz/$$t -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=build/fuzz/$$t.artifacts/ build/fuzz/$$t.corpus \
			> build/fuzz/$$t.log 2>&1; then \
			p=$$((p+1)); \
			echo "fuzz: $$t ran $(FUZZ_TIME) s, no failure ($$(grep -c '' build/fuzz/$$t.log) log lines)"; \
		else \
			f=$$((f+1)); tail -40 build/fuzz/$$t.log; \
			echo "FAILED: $$t (log: build/fuzz/$$t.log, input in build/fuzz/$$t.artifacts/)"; \
		fi; \
	done; \
	echo "$$p $$f" > build/test/test-fuzz.count; [ $$f -eq 0 ]
