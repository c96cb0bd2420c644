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

# test_rdpmc tests the Linux program's header-only PMU reader.
build/host/test_rdpmc: tools/linux/rdpmc.h

# The mm tests again with the fake MMU at the 16 KiB and 64 KiB granules
# (FAKE_GRANULE_SHIFT; arch/fake/include/arch/page.h), so that a 4 KiB
# assumption left in mm/ fails on the host. The portable sources are
# compiled once per granule into build/host/g<shift>/obj.
GRANULE_SHIFTS := 14 16
GRANULE_TESTS := test_granule test_fault test_folio test_mmap test_brk test_vma
HOST_HDRS := $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h)

define granule_rules
GRANULE_OBJ_$(1) := $$(patsubst %.c,build/host/g$(1)/obj/%.o,$$(HOST_SRC))
build/host/g$(1)/obj/%.o: %.c $$(HOST_HDRS)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOST_CFLAGS) -DFAKE_GRANULE_SHIFT=$(1) -c $$< -o $$@
build/host/g$(1)/%: tests/unit/%.c $$(GRANULE_OBJ_$(1)) $$(HOST_HDRS) $$(wildcard tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOST_CFLAGS) -DFAKE_GRANULE_SHIFT=$(1) -o $$@ $$< $$(GRANULE_OBJ_$(1)) $$(HOST_LDLIBS)
endef
$(foreach g,$(GRANULE_SHIFTS),$(eval $(call granule_rules,$(g))))
UNIT_TESTS += $(foreach g,$(GRANULE_SHIFTS),$(patsubst %,build/host/g$(g)/%,$(GRANULE_TESTS)))

# The aarch64 seam headers at every granule (compile only: the kernel boots
# 4 KiB so far): their static_asserts, the TLBI operand's among them, hold.
AARCH64_GRANULE_CHECKS := $(patsubst %,build/host/aarch64-g%.ok,12 14 16)
build/host/aarch64-g%.ok: arch/aarch64/tlb.c $(wildcard arch/aarch64/include/arch/*.h) $(HOST_HDRS)
	@mkdir -p $(dir $@)
	aarch64-linux-gnu-gcc -std=gnu11 $(WARN) -ffreestanding -nostdinc \
		-isystem $(shell aarch64-linux-gnu-gcc -print-file-name=include) \
		-I. -Iarch/aarch64/include -DGRANULE_SHIFT=$* -fsyntax-only $<
	@touch $@

.PHONY: unit test-unit
unit: $(UNIT_TESTS) $(DTS_BLOBS) $(AARCH64_GRANULE_CHECKS)

# Each binary runs from the repo root (test data paths are relative to it).
TEST_TIERS += test-unit
# Counts are cmocka's test cases ("[  PASSED  ] N test(s)." / "[  FAILED  ]
# N test(s)."); a binary that exits non-zero without a failed case (a
# sanitizer report, a crash) counts as one more failure.
test-unit: unit
	@mkdir -p build/test/unit; p=0; f=0; \
	for t in $(UNIT_TESTS); do \
		log=build/test/unit/$$(echo $${t#build/host/} | tr / -).log; \
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
