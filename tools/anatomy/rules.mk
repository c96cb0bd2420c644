# make anatomy: every instruction of one fault of each kind, attributed to
# functions and stages, on faultline and on Debian's Linux side by side
# (docs/anatomy.md). Always BOARD=qemu-virt under ICOUNT (exact counts).
#
#   make anatomy            ANATOMY_OUT/anatomy-<kind>.{csv,md,svg}, a line
#                           per boot and trace with the seconds since the start
#   make anatomy-smp        faultline only: run=anatomy cpus=N at each of
#                           ANATOMY_SMP_CPUS (2 4), every core faulting at
#                           once, traced per CPU (tools/anatomy/smp.py):
#                           ANATOMY_OUT/anatomy-smp-<kind>.{csv,md} and
#                           anatomy-smp-lines.csv
#   make test-anatomy       the checks (tier of make test), into build/; the
#                           traced fault is held to the committed
#                           results/qemu-virt/default.csv
#
# Variables: ANATOMY_OUT (output directory: build/results/<configuration>/,
# mode icount; make results gives results/qemu-virt), ANATOMY_TIMEOUT (seconds per
# QEMU boot), LINUX_PKG (see tools/linux/fetch-kernel.sh).

ANATOMY_DIR     := build/anatomy
ANATOMY_PROG    := $(ANATOMY_DIR)/anatomy-linux
ANATOMY_INITRD  := $(ANATOMY_DIR)/initramfs.cpio.gz
ANATOMY_OUT     ?= build/results/$(RESULTS_BOARD)-$(CPU)-$(GRANULE)-$(TOOLCHAIN)-icount
ANATOMY_TIMEOUT ?= 900
ANATOMY_PY      := $(PYTHON) -m tools.anatomy.anatomy
ANATOMY_OBJ     := $(ANATOMY_DIR)/obj/tools/anatomy/linux.c.o \
	$(ANATOMY_DIR)/obj/bench/anatomy.c.o $(ANATOMY_DIR)/obj/lib/printf.c.o \
	$(ANATOMY_DIR)/obj/lib/console.c.o $(ANATOMY_DIR)/obj/tools/linux/pid1.c.o \
	$(ANATOMY_DIR)/obj/tools/linux/atomics.c.o

$(ANATOMY_DIR)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC,$<)$(LINUX_CC) $(LINUX_CFLAGS) -c $< -o $@

$(ANATOMY_PROG): $(ANATOMY_OBJ)
	$(Q)$(call say,LD,$@)$(LINUX_CC) -static -o $@ $^

$(ANATOMY_INITRD): $(ANATOMY_PROG) tools/linux/mkinitramfs.sh
	tools/linux/mkinitramfs.sh $< $@

-include $(ANATOMY_OBJ:.o=.d)

# Linux's command line for the traces: the one make compare uses (each word
# explained in docs/compare.md), without the program's arguments.
ANATOMY_LINUX_APPEND ?= console=ttyAMA0 quiet rdinit=/init panic=-1 nokaslr \
	norandmaps transparent_hugepage=never
ANATOMY_ARGS = --faultline-img $(BUILD)/faultline.img --faultline-elf $(BUILD)/faultline.elf \
	--linux-initrd $(ANATOMY_INITRD) --linux-prog $(ANATOMY_PROG) \
	--linux-append "$(ANATOMY_LINUX_APPEND)" --board-args "$(QEMU_BOARD_ARGS)" \
	--timeout $(ANATOMY_TIMEOUT)

.PHONY: anatomy anatomy-smp anatomy-check-board test-anatomy
anatomy-check-board:
	@[ "$(BOARD)" = qemu-virt ] || { echo "make anatomy: BOARD=qemu-virt only (not $(BOARD))"; exit 1; }

anatomy: deps anatomy-check-board
	@$(MAKE) --no-print-directory kernel $(ANATOMY_INITRD) linux-kernel
	@img=$$(tools/linux/fetch-kernel.sh $(LINUX_CACHE)) && \
	$(ANATOMY_PY) run --work $(ANATOMY_DIR)/work --out $(ANATOMY_OUT) --runs 1 \
		$(ANATOMY_ARGS) --linux-image "$$img"

# The concurrent faults (faultline only): one boot per CPU count in
# ANATOMY_SMP_CPUS, its -smp set by smp.py.
ANATOMY_SMP_CPUS ?= 2 4
ANATOMY_SMP_PY   := $(PYTHON) -m tools.anatomy.smp
ANATOMY_SMP_ARGS  = --faultline-img $(BUILD)/faultline.img --faultline-elf $(BUILD)/faultline.elf \
	--board-args "$(QEMU_BOARD_ARGS)" --timeout $(ANATOMY_TIMEOUT)

anatomy-smp: deps anatomy-check-board
	@$(MAKE) --no-print-directory kernel
	@$(ANATOMY_SMP_PY) run --cpus "$(ANATOMY_SMP_CPUS)" --work $(ANATOMY_DIR)/smp-work \
		--out $(ANATOMY_OUT) --runs 1 $(ANATOMY_SMP_ARGS)

# Tier: the host tests of the tools, then two traced runs of each kernel
# into build/test/anatomy and the checks (anatomy.py check): trace = PMU
# count + constant, the runs identical, every function mapped; then two
# traced boots of the concurrent faults at -smp 2 (about 15 s) and their
# checks (smp.py check), held to the single-core traces just taken.
TEST_TIERS += test-anatomy
ANATOMY_TEST := build/test/anatomy
test-anatomy: anatomy-check-board kernel $(ANATOMY_INITRD) linux-kernel
	@mkdir -p build/test; rm -rf $(ANATOMY_TEST); mkdir -p $(ANATOMY_TEST); \
	tools/tier.sh test-anatomy start; \
	if $(PYTHON) -m unittest -q tools/anatomy/test_anatomy.py tools/anatomy/test_smp.py; then \
		tools/tier.sh test-anatomy add 1 0; \
	else tools/tier.sh test-anatomy add 0 1; echo "FAILED: tools/anatomy/test_anatomy.py, test_smp.py"; fi; \
	img=$$(tools/linux/fetch-kernel.sh $(LINUX_CACHE)); \
	if $(ANATOMY_PY) run --work $(ANATOMY_TEST)/work --out $(ANATOMY_TEST)/out --runs 2 \
		$(ANATOMY_ARGS) --linux-image "$$img"; then tools/tier.sh test-anatomy add 1 0; \
	else tools/tier.sh test-anatomy add 0 1; echo "FAILED: anatomy runs"; fi; \
	$(ANATOMY_PY) check --work $(ANATOMY_TEST)/work $(ANATOMY_ARGS) --linux-image "$$img" \
		--csv $(RESULTS_DIR)/default.csv \
		--count-file $(ANATOMY_TEST)/check.count; \
	read cp cf < $(ANATOMY_TEST)/check.count 2>/dev/null || { cp=0; cf=1; }; \
	tools/tier.sh test-anatomy add $$cp $$cf; \
	if $(ANATOMY_SMP_PY) run --work $(ANATOMY_TEST)/smp-work --out $(ANATOMY_TEST)/smp-out \
		--runs 2 --cpus 2 $(ANATOMY_SMP_ARGS); then tools/tier.sh test-anatomy add 1 0; \
	else tools/tier.sh test-anatomy add 0 1; echo "FAILED: anatomy-smp runs"; fi; \
	$(ANATOMY_SMP_PY) check --work $(ANATOMY_TEST)/smp-work $(ANATOMY_SMP_ARGS) \
		--single $(ANATOMY_TEST)/work/faultline/run1 \
		--count-file $(ANATOMY_TEST)/smp-check.count; \
	read cp cf < $(ANATOMY_TEST)/smp-check.count 2>/dev/null || { cp=0; cf=1; }; \
	tools/tier.sh test-anatomy add $$cp $$cf; \
	tools/tier.sh test-anatomy end
