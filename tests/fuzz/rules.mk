# Tier: the mm fuzz target (libFuzzer, clang) run for a bounded time from
# the committed corpus. The corpus is copied to build/ so new inputs the
# run finds do not dirty the tree; a crash or a failed check is a failure.

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -I. -Iarch/fake/include \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TIME ?= 30

build/fuzz/fuzz_mm: tests/fuzz/fuzz_mm.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h arch/fake/include/arch/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(HOST_SRC)

.PHONY: fuzz test-fuzz
fuzz: build/fuzz/fuzz_mm

TEST_TIERS += test-fuzz
test-fuzz: build/fuzz/fuzz_mm
	@mkdir -p build/test; rm -rf build/fuzz/corpus build/fuzz/artifacts; \
	cp -r tests/fuzz/corpus build/fuzz/corpus; mkdir -p build/fuzz/artifacts; \
	if build/fuzz/fuzz_mm -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/artifacts/ build/fuzz/corpus \
		> build/fuzz/fuzz_mm.log 2>&1; then \
		echo "1 0" > build/test/test-fuzz.count; \
		echo "fuzz: fuzz_mm ran $(FUZZ_TIME) s, no failure ($$(grep -c '' build/fuzz/fuzz_mm.log) log lines)"; \
	else \
		echo "0 1" > build/test/test-fuzz.count; \
		tail -40 build/fuzz/fuzz_mm.log; \
		echo "FAILED: fuzz_mm (log: build/fuzz/fuzz_mm.log, input in build/fuzz/artifacts/)"; \
		exit 1; \
	fi
