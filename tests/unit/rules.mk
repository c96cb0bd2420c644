# Tier 1: host unit tests of the portable code (mm/, lib/, bench/) against
# arch/fake, with cmocka, AddressSanitizer and UBSan. One binary per
# tests/unit/test_*.c, each linked with the portable objects (HOST_SRC,
# declared in the Makefile), which are compiled once into build/host/obj.

HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -DFAULTLINE_DEBUG -I. -Iarch/fake/include \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LDLIBS := -lcmocka
UNIT_TESTS := $(patsubst tests/unit/%.c,build/host/%,$(sort $(wildcard tests/unit/test_*.c)))
DTS_BLOBS := $(patsubst tests/unit/dts/%.dts,build/host/dts/%.dtb,$(wildcard tests/unit/dts/*.dts))
HOST_HDRS := $(wildcard mm/*.h lib/*.h bench/*.h arch/fake/include/arch/*.h)

build/host/dts/%.dtb: tests/unit/dts/%.dts
	@mkdir -p $(dir $@)
	$(Q)$(call say,DTC,$<)dtc -q -I dts -O dtb -o $@ $<

# The portable objects at one granule: $(1) is the directory, $(2) the
# extra flags. Each object and test records its header dependencies (-MMD).
define host_rules
HOST_OBJ_$(1) := $$(patsubst %.c,build/host/$(1)obj/%.o,$$(HOST_SRC))
build/host/$(1)obj/%.o: %.c tests/unit/rules.mk
	@mkdir -p $$(dir $$@)
	$$(Q)$$(call say,HOSTCC,$$<)$$(HOSTCC) $$(HOST_CFLAGS) $(2) -MMD -MP -c $$< -o $$@
build/host/$(1)%: tests/unit/%.c $$(HOST_OBJ_$(1)) tests/unit/rules.mk
	@mkdir -p $$(dir $$@)
	$$(Q)$$(call say,HOSTLD,$$@)$$(HOSTCC) $$(HOST_CFLAGS) $(2) -MMD -MP -o $$@ $$< \
		$$(HOST_OBJ_$(1)) $$(HOST_EXTRA) $$(HOST_LDLIBS)
.SECONDARY: $$(HOST_OBJ_$(1))
-include $$(HOST_OBJ_$(1):.o=.d)
endef
$(eval $(call host_rules,,))

# test_esr also links the aarch64 ESR decoder (pure C, no hardware access);
# test_miniuart the mini UART driver (MMIO through plain pointers).
build/host/test_esr: HOST_EXTRA := build/host/obj/arch/aarch64/esr.o
build/host/test_esr: build/host/obj/arch/aarch64/esr.o
build/host/test_miniuart: HOST_EXTRA := build/host/obj/board/miniuart.o
build/host/test_miniuart: build/host/obj/board/miniuart.o
.SECONDARY: build/host/obj/arch/aarch64/esr.o build/host/obj/board/miniuart.o

# test_rdpmc tests the Linux program's header-only PMU reader.
build/host/test_rdpmc: tools/linux/rdpmc.h

# The mm tests again with the fake MMU at the 16 KiB and 64 KiB granules
# (FAKE_GRANULE_SHIFT; arch/fake/include/arch/page.h), so that a 4 KiB
# assumption left in mm/ fails on the host. The portable sources are
# compiled once per granule into build/host/g<shift>/obj.
GRANULE_SHIFTS := 14 16
GRANULE_TESTS := test_granule test_pgtable test_fault test_folio test_thp test_mmap test_brk test_vma test_benchfit \
	test_tlb test_tlb_cpus test_races
$(foreach g,$(GRANULE_SHIFTS),$(eval $(call host_rules,g$(g)/,-DFAKE_GRANULE_SHIFT=$(g))))
UNIT_TESTS += $(foreach g,$(GRANULE_SHIFTS),$(patsubst %,build/host/g$(g)/%,$(GRANULE_TESTS)))
-include $(UNIT_TESTS:=.d)

# The aarch64 seam headers at every granule (compile only: the kernel boots
# 4 KiB so far): their static_asserts, the TLBI operand's among them, hold.
AARCH64_GRANULE_CHECKS := $(patsubst %,build/host/aarch64-g%.ok,12 14 16)
build/host/aarch64-g%.ok: arch/aarch64/tlb.c $(wildcard arch/aarch64/include/arch/*.h) $(HOST_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CHECK,$< GRANULE_SHIFT=$*)aarch64-linux-gnu-gcc -std=gnu11 $(WARN) \
		-ffreestanding -nostdinc -isystem $(shell aarch64-linux-gnu-gcc -print-file-name=include) \
		-I. -Iarch/aarch64/include -DGRANULE_SHIFT=$* -fsyntax-only $<
	@touch $@

# The per-CPU block and the spinlock of arch/fake on real threads, under
# ThreadSanitizer (clang; it cannot share a binary with AddressSanitizer,
# so the few sources it needs are compiled again into build/host/tsan).
TSAN_CFLAGS := -std=gnu11 -O1 -g $(WARN) -DFAULTLINE_HOST -DFAULTLINE_DEBUG -I. -Iarch/fake/include \
	-fsanitize=thread -fno-omit-frame-pointer
TSAN_SRC := mm/percpu.c arch/fake/cpu.c arch/fake/ram.c arch/fake/mmu.c
build/host/tsan/test_percpu_tsan: tests/unit/tsan/test_percpu_tsan.c $(TSAN_SRC) $(HOST_HDRS) tests/unit/rules.mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,TSANLD,$@)clang $(TSAN_CFLAGS) -o $@ $< $(TSAN_SRC) -lcmocka -lpthread
UNIT_TESTS += build/host/tsan/test_percpu_tsan
# The page allocator on NR_CPUS threads (it reports through lib/printf).
TSAN_ALLOC_SRC := mm/page_alloc.c lib/printf.c lib/console.c lib/lockstat.c $(TSAN_SRC)
build/host/tsan/test_page_alloc_tsan: tests/unit/tsan/test_page_alloc_tsan.c $(TSAN_ALLOC_SRC) $(HOST_HDRS) tests/unit/rules.mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,TSANLD,$@)clang $(TSAN_CFLAGS) -o $@ $< $(TSAN_ALLOC_SRC) -lcmocka -lpthread
UNIT_TESTS += build/host/tsan/test_page_alloc_tsan

# The interleaving scheduler's own tests again under ThreadSanitizer: the
# baton must order each fake CPU's steps after the previous CPU's.
build/host/tsan/test_interleave: tests/unit/test_interleave.c $(TSAN_SRC) arch/fake/sched.c $(HOST_HDRS) tests/unit/rules.mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,TSANLD,$@)clang $(TSAN_CFLAGS) -o $@ $< $(TSAN_SRC) arch/fake/sched.c -lcmocka -lpthread
UNIT_TESTS += build/host/tsan/test_interleave

# mm/ itself on NR_CPUS free-running fake CPUs under ThreadSanitizer: all
# the portable sources again, in build/host/tsan/obj. SMP_MM=0 leaves it
# (and fuzz_interleave) out of make test, for a tree whose mm/ is not
# SMP-safe; make build/host/tsan/test_mm_smp_tsan builds it any time.
SMP_MM ?= 1
TSAN_OBJ := $(patsubst %.c,build/host/tsan/obj/%.o,$(HOST_SRC))
build/host/tsan/obj/%.o: %.c tests/unit/rules.mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,TSANCC,$<)clang $(TSAN_CFLAGS) -MMD -MP -c $< -o $@
-include $(TSAN_OBJ:.o=.d)
build/host/tsan/test_mm_smp_tsan: tests/unit/tsan/test_mm_smp_tsan.c $(TSAN_OBJ) $(HOST_HDRS) tests/unit/rules.mk
	@mkdir -p $(dir $@)
	$(Q)$(call say,TSANLD,$@)clang $(TSAN_CFLAGS) -o $@ $< $(TSAN_OBJ) -lcmocka -lpthread
ifeq ($(SMP_MM),1)
UNIT_TESTS += build/host/tsan/test_mm_smp_tsan
endif

.PHONY: unit test-unit
unit: $(UNIT_TESTS) $(DTS_BLOBS) $(AARCH64_GRANULE_CHECKS)

# Each binary runs from the repo root (test data paths are relative to it).
# Counts are cmocka's test cases ("[  PASSED  ] N test(s)." / "[  FAILED  ]
# N test(s)."); a binary that exits non-zero without a failed case (a
# sanitizer report, a crash) counts as one more failure (tools/tier.sh).
TEST_TIERS += test-unit
test-unit: unit
	@mkdir -p build/test/unit; tools/tier.sh test-unit start; \
	for t in $(UNIT_TESTS); do \
		tools/tier.sh test-unit cmocka $$t build/test/unit/$$(echo $${t#build/host/} | tr / -).log; \
	done; \
	tools/tier.sh test-unit end "test cases"
