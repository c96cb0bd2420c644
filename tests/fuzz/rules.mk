# Tier: the fuzz targets (libFuzzer, clang), each run for a bounded time
# from its committed corpus: fuzz_mm (mm/ against a reference model) and
# fuzz_fdt (lib/fdt.c and lib/dt.c against Debian's libfdt; what is
# compared is described at the top of tests/fuzz/fuzz_fdt.c). The corpus is copied to build/ so new inputs the
# run finds do not dirty the tree; a crash or a failed check is a failure.

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -I. -Iarch/fake/include \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TIME ?= 30
FUZZ_FDT_TIME ?= 20

# libfdt also defines fdt_next_node: faultline's is renamed in this build.
FUZZ_FDT_CFLAGS := $(FUZZ_CFLAGS) -Dfdt_next_node=faultline_fdt_next_node

build/fuzz/fuzz_fdt: tests/fuzz/fuzz_fdt.c $(HOST_SRC) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FDT_CFLAGS) -o $@ $< $(HOST_SRC) -lfdt

build/fuzz/fuzz_mm: tests/fuzz/fuzz_mm.c $(HOST_SRC) $(wildcard mm/*.h lib/*.h arch/fake/include/arch/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(HOST_SRC)

.PHONY: fuzz test-fuzz
fuzz: build/fuzz/fuzz_mm build/fuzz/fuzz_fdt

TEST_TIERS += test-fuzz
# One target: $(1) name, $(2) corpus, $(3) seconds. Appends "pass fail" to the count file.
define FUZZ_RUN
	rm -rf build/fuzz/$(1).corpus build/fuzz/$(1).artifacts; \
	cp -r $(2) build/fuzz/$(1).corpus; mkdir -p build/fuzz/$(1).artifacts; \
	if build/fuzz/$(1) -max_total_time=$(3) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/$(1).artifacts/ build/fuzz/$(1).corpus \
		> build/fuzz/$(1).log 2>&1; then \
		p=$$((p+1)); \
		echo "fuzz: $(1) ran $(3) s, no failure ($$(grep -c '' build/fuzz/$(1).log) log lines)"; \
	else \
		f=$$((f+1)); tail -40 build/fuzz/$(1).log; \
		echo "FAILED: $(1) (log: build/fuzz/$(1).log, input in build/fuzz/$(1).artifacts/)"; \
	fi;
endef

test-fuzz: build/fuzz/fuzz_mm build/fuzz/fuzz_fdt
	@mkdir -p build/test; p=0; f=0; \
	$(call FUZZ_RUN,fuzz_mm,tests/fuzz/corpus,$(FUZZ_TIME)) \
	$(call FUZZ_RUN,fuzz_fdt,tests/fuzz/corpus_fdt,$(FUZZ_FDT_TIME)) \
	echo "$$p $$f" > build/test/test-fuzz.count; [ $$f -eq 0 ]
