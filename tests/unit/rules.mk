# Tier 1: host unit tests of the portable code (mm/, lib/, bench/) against
# arch/fake, with cmocka, AddressSanitizer and UBSan. One binary per
# tests/unit/test_*.c, each linked with every portable source.

HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -DFAULTLINE_DEBUG -I. -Iarch/fake/include \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LDLIBS := -lcmocka
# lib/string.c provides memset & co. for the kernel; the host has libc's.
HOST_SRC := $(filter-out lib/string.c,$(sort $(wildcard mm/*.c lib/*.c bench/*.c arch/fake/*.c)))
UNIT_TESTS := $(patsubst tests/unit/%.c,build/host/%,$(wildcard tests/unit/test_*.c))
DTS_BLOBS := $(patsubst tests/unit/dts/%.dts,build/host/dts/%.dtb,$(wildcard tests/unit/dts/*.dts))

build/host/dts/%.dtb: tests/unit/dts/%.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

build/host/%: tests/unit/%.c $(HOST_SRC) $(wildcard tests/unit/*.h) $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_SRC) $(HOST_LDLIBS)

# test_esr also links the aarch64 ESR decoder (pure C, no hardware access).
build/host/test_esr: HOST_SRC += arch/aarch64/esr.c
build/host/test_esr: arch/aarch64/esr.c arch/aarch64/esr.h
# test_miniuart links the mini UART driver (MMIO through plain pointers).
build/host/test_miniuart: HOST_SRC += boot/miniuart.c
build/host/test_miniuart: boot/miniuart.c boot/miniuart.h

.PHONY: unit test-unit
unit: $(UNIT_TESTS) $(DTS_BLOBS)

# Each binary runs from the repo root (test data paths are relative to it).
TEST_TIERS += test-unit
# Counts are cmocka's test cases ("[  PASSED  ] N test(s)." / "[  FAILED  ]
# N test(s)."); a binary that exits non-zero without a failed case (a
# sanitizer report, a crash) counts as one more failure.
test-unit: unit
	@mkdir -p build/test/unit; p=0; f=0; \
	for t in $(UNIT_TESTS); do \
		log=build/test/unit/$$(basename $$t).log; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t > $$log 2>&1; rc=$$?; \
		cat $$log; \
		tp=$$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' $$log | tail -1); \
		tf=$$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' $$log | tail -1); \
		p=$$((p + $${tp:-0})); f=$$((f + $${tf:-0})); \
		if [ $$rc -ne 0 ] && [ $${tf:-0} -eq 0 ]; then f=$$((f+1)); fi; \
		[ $$rc -eq 0 ] || echo "FAILED: $$t (exit $$rc)"; \
	done; \
	echo "$$p $$f" > build/test/test-unit.count; \
	echo "unit: $$p passed, $$f failed (test cases)"; [ $$f -eq 0 ]
