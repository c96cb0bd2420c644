# Tier test-lava: faultline's LAVA jobs run by Debian's lava-dispatcher on
# this machine (lava-run, no server), judged from LAVA's log; the Raspberry
# Pi jobs validated against the stock device types; offline tests of the
# job, log and farm tools. tests/lava/tier.py lists the cases. The count
# recorded is of cases and offline tests: "<passed> <failed>".
#
#   make test-lava LAVA_CASES="tests uboot"   a subset

LAVA_CASES ?=
LAVA_TEST_OUT := build/test/lava

.PHONY: test-lava lava-build
TEST_TIERS += test-lava

# Kernels one make at a time (no two makes write the same build directory).
lava-build:
	@for b in qemu-virt rpi3 rpi4; do $(MAKE) --no-print-directory BOARD=$$b kernel || exit 1; done

test-lava: deps lava-build lava-templates
	@mkdir -p build/test; rm -rf $(LAVA_TEST_OUT)
	@$(PYTHON) -m tests.lava.tier --templates $(LAVA_TEMPLATES) --out $(LAVA_TEST_OUT) \
		--count build/test/test-lava.count $(LAVA_CASES)
