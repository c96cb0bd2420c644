/*
 * kmain: the boot CPU's C entry, called by boot/entry.S at EL1 with the MMU
 * off, on the kernel stack (SP_EL0), vectors installed, BSS zeroed.
 *
 *   fallback console -> device tree -> tree's console -> page allocator
 *   (RAM minus image, DTB and reserved ranges) -> MMU -> the mm the fault
 *   handler serves -> PMU/timer -> boot report -> command line ->
 *   cpus= (secondary CPUs started, arch/aarch64/smp.h) ->
 *   run=none | tests | bench -> stop
 *
 * The boot report (one line, key=value, parsed by tools/console.py):
 *
 *   faultline: boot board=qemu-virt cpu=cortex-a72 midr=0x410fd083 el=1
 *     ram=512MiB banks=1 cntfrq=62500000 pmu=yes inst=no boot_cycles=123456
 *     base=0x40200000 granule=4k
 *
 * pmu= says whether PMCCNTR_EL0 counts, inst= whether the PMU offers
 * INST_RETIRED (counter=inst; QEMU only under -icount). boot_cycles is
 * PMCCNTR_EL0 since the entry code started it (instructions under QEMU
 * -icount shift=0); without a PMU, boot_ticks counts CNTPCT_EL0. base is
 * where the image was loaded (it is linked at 0 and relocates itself): an
 * address in an instruction trace, less base, is an address of the ELF
 * (faultline.elf), as are the stage marks of mm/fault.h. granule is the
 * build's translation granule (GRANULE=4k|16k|64k), checked against
 * ID_AA64MMFR0_EL1 before the MMU goes on.
 *
 * With cpus= on the command line, a second line says how many CPUs run:
 *
 *   faultline: smp cpus=4 online=4 method=psci tree=4
 *
 * cpus, the CPUs asked for (all: the tree's, capped at NR_CPUS); online,
 * how many came up (the boot CPU included); method, how the others were
 * started (psci, spin-table, or none with one CPU); tree, the CPU nodes
 * the device tree lists.
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/expect.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/image.h"
#include "arch/aarch64/mmu_boot.h"
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/stop.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "bench/anatomy.h"
#include "bench/kernel/anatomy_smp.h"
#include "bench/args.h"
#include "bench/kernel/main.h"
#include "board/board.h"
#include "board/mailbox.h"
#include "boot/main.h"
#include "boot/ram.h"
#include "lib/dt.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "tests/guest/ktest.h"

#include <arch/atomic.h>
#include <arch/cpu.h>

/* booting.rst: the DTB is 8-byte aligned and at most 2 MiB. */
#define DTB_MAX_SIZE (2u << 20)

NORETURN void kmain(paddr_t dtb, unsigned entry_el, uint64_t entry_count);

static struct bootinfo bi;
static struct mm_struct kernel_mm;

const struct bootinfo *boot_info(void)
{
	return &bi;
}

/*
 * The bytes from dtb on that answer a read, up to DTB_MAX_SIZE, a word per
 * page (MMU off: where nothing answers, the read is an external abort,
 * caught). dt_parse gets only these, so a blob whose totalsize runs past
 * the memory behind it is refused as truncated instead of crashing.
 */
static size_t backed_bytes(paddr_t dtb)
{
	struct expected_fault f;
	uint32_t v;

	for (paddr_t p = dtb; p < dtb + DTB_MAX_SIZE; p = ALIGN_DOWN(p, PAGE_SIZE) + PAGE_SIZE)
		if (expect_probe_read32((uintptr_t)ALIGN_DOWN(p, 4), &v, &f))
			return (size_t)(p - dtb);
	return DTB_MAX_SIZE;
}

static void read_device_tree(paddr_t dtb)
{
	const char *why;
	size_t backed;

	if (dtb == 0 || !IS_ALIGNED(dtb, 8)) {
		info("device tree: bad address %#llx in x0 (need an 8-byte aligned DTB)",
		     (unsigned long long)dtb);
		stop_fail("no usable device tree");
	}
	backed = backed_bytes(dtb);
	if (backed == 0) {
		info("device tree: nothing answers at 0x%llx (x0): a synchronous external abort",
		     (unsigned long long)dtb);
		stop_fail("no usable device tree");
	}
	if (dt_parse((const void *)dtb, backed, &bi, &why)) {
		info("%s%s", why, backed < DTB_MAX_SIZE ? " (the memory behind it ends there)" : "");
		stop_fail("%s", why);
	}
	if (ram_check(&bi, dtb, &why)) {
		info("%s", why);
		stop_fail("%s", why);
	}
	if (!ram_contains(&bi, dtb, bi.dtb_size)) {
		info("device tree: the blob at 0x%llx (%u bytes) is not inside the RAM it "
		     "describes", (unsigned long long)dtb, bi.dtb_size);
		stop_fail("device tree outside the RAM it describes");
	}
}

/*
 * What the kernel keeps of the tree after the MMU goes on: the command line,
 * the model and the console node's name. They point into the blob, which a
 * /reserved-memory "no-map" region may leave out of the linear map; so they
 * are copied here, MMU off, and the blob is not read after that. A no-map
 * over the blob is said; one over the kernel image is mapped anyway (the
 * kernel runs from it) and warned about.
 */
#define BOOTARGS_MAX 4096 /* Linux arm64's COMMAND_LINE_SIZE is 2048 */

static void keep_tree_strings(paddr_t dtb)
{
	static char bootargs[BOOTARGS_MAX], model[128], uart_node[64];
	paddr_t img = (paddr_t)__image_start;
	uint64_t img_size = (uint64_t)(__image_end - __image_start);

	if (strlen(bi.bootargs) >= sizeof(bootargs))
		stop_fail("device tree: /chosen/bootargs is %zu bytes long, more than the "
			  "%zu this kernel keeps", strlen(bi.bootargs), sizeof(bootargs) - 1);
	ksnprintf(bootargs, sizeof(bootargs), "%s", bi.bootargs);
	ksnprintf(model, sizeof(model), "%s", bi.model);
	bi.bootargs = bootargs;
	bi.model = model;
	if (bi.uart.node) {
		ksnprintf(uart_node, sizeof(uart_node), "%s", bi.uart.node);
		bi.uart.node = uart_node;
	}
	for (size_t i = 0; i < bi.nnomap; i++) {
		uint64_t b = bi.nomap[i].base, e = b + bi.nomap[i].size;

		if (dtb < e && b < dtb + bi.dtb_size)
			info("device tree: the blob at 0x%llx (%u bytes) lies in the /reserved-memory "
			     "no-map region [0x%llx, 0x%llx): left unmapped; the command line, "
			     "model and node names were copied before the MMU went on",
			     (unsigned long long)dtb, bi.dtb_size, (unsigned long long)b,
			     (unsigned long long)e);
		if (img < e && b < img + img_size)
			info("warning: the /reserved-memory no-map region [0x%llx, 0x%llx) covers "
			     "the kernel image [0x%llx, 0x%llx): mapped anyway (the kernel runs "
			     "from it)", (unsigned long long)b, (unsigned long long)e,
			     (unsigned long long)img, (unsigned long long)(img + img_size));
	}
}

/* The page allocator gets RAM minus the image, the DTB and what the tree
 * reserves; when that leaves nothing (-ENOMEM: not even room for its
 * bitmaps), the console says what took the RAM. */
static void memory_init(paddr_t dtb)
{
	struct mem_range rsv[DT_MAX_RSV + 2];
	uint64_t ram = 0;
	size_t n = 0;
	int err;

	rsv[n++] = (struct mem_range){ (paddr_t)__image_start,
				       (uint64_t)(__image_end - __image_start) };
	rsv[n++] = (struct mem_range){ dtb, bi.dtb_size };
	for (size_t i = 0; i < bi.nrsv; i++)
		rsv[n++] = bi.rsv[i];
	err = page_alloc_init(bi.mem, bi.nmem, rsv, n);
	if (err == -ENOMEM) {
		for (size_t i = 0; i < bi.nmem; i++)
			ram += bi.mem[i].size;
		info("no free RAM after reservations: %llu KiB of RAM in %zu bank%s, "
		     "taken by the kernel image (%llu KiB), the device tree (%u bytes) "
		     "and %zu reserved range%s of the tree (/memreserve/, "
		     "/reserved-memory)", (unsigned long long)(ram >> 10), bi.nmem,
		     bi.nmem == 1 ? "" : "s",
		     (unsigned long long)((__image_end - __image_start) >> 10),
		     bi.dtb_size, bi.nrsv, bi.nrsv == 1 ? "" : "s");
	}
	if (err)
		stop_fail("page allocator: %s", errno_name(err));
}

static void boot_report(unsigned entry_el, uint64_t entry_count)
{
	uint64_t midr = read_sysreg(midr_el1);
	const char *cpu = cpu_name(midr);
	uint64_t ram = 0;
	bool pmu = pmu_init();

	for (size_t i = 0; i < bi.nmem; i++)
		ram += bi.mem[i].size;
	info("boot board=%s cpu=%s midr=%#010llx el=%u ram=%lluMiB banks=%zu "
	     "cntfrq=%llu pmu=%s inst=%s %s=%llu base=%#llx granule=%s",
	     FAULTLINE_BOARD, cpu ? cpu : "unknown", (unsigned long long)midr,
	     entry_el, (unsigned long long)(ram >> 20), bi.nmem,
	     (unsigned long long)timer_freq(), pmu ? "yes" : "no",
	     pmu_inst() ? "yes" : "no",
	     pmu ? "boot_cycles" : "boot_ticks",
	     (unsigned long long)(pmu ? pmu_cycles() : timer_count() - entry_count),
	     (unsigned long long)(uintptr_t)__image_start, mmu_granule_name());
	info("console %s, psci=%s, %zu cpus, %zu of %zu pages free, build %s",
	     board_console_name(), dt_psci_name(bi.psci), bi.ncpus,
	     page_free_count(), page_total_count(), FAULTLINE_BUILD_ID);
}

/* start_cpus: cpus= against the tree, then the secondaries; the smp line. */
static void start_cpus(const struct cmdline *cl)
{
	const char *why;
	unsigned n;

	if (smp_cpus_wanted(&bi, cl->cpus, cl->cpus_all, &n, &why) ||
	    smp_boot(&bi, n, &why)) {
		info("%s", why);
		stop_fail("%s", why);
	}
	if (cl->given & CMDLINE_CPUS)
		info("smp cpus=%u online=%u method=%s tree=%zu", n, smp_cpus_online(),
		     smp_method_name(), bi.ncpus);
}

/* crash_last: on the last CPU online, an instruction that is undefined (UDF). */
static void crash_last(void *arg)
{
	(void)arg;
	if (arch_cpu_id() == smp_cpus_online() - 1)
		__asm__ volatile("udf #0" ::: "memory");
	smp_barrier(); /* the others wait here until the crash stops them */
}

static NORETURN void run(const struct cmdline *cl)
{
	const char *why;
	int err;

	switch (cl->run) {
	case RUN_NONE:
		stop_ok();
	case RUN_TESTS:
		err = ktest_run_all();
		if (err)
			stop_fail("%d in-guest test%s failed", err, err == 1 ? "" : "s");
		stop_ok();
	case RUN_ANATOMY:
		err = anatomy_run();
		if (!err && smp_cpus_online() > 1)
			err = anatomy_smp_run(); /* cpus=N: the faults on every core at once */
		if (err)
			stop_fail("anatomy: %s", errno_name(err));
		stop_ok();
	case RUN_CRASH: /* the crash report and stop, on any CPU (tests/expect) */
		err = smp_run(smp_cpus_online(), crash_last, NULL);
		stop_fail("run=crash: no exception (smp_run: %s)", errno_name(err));
	case RUN_BENCH:
		err = bench_main(cl, &why);
		if (err)
			stop_fail("benchmark suite '%s': %s", cl->suite, why);
		stop_ok();
	}
	stop_fail("unknown run mode %d", (int)cl->run);
}

void kmain(paddr_t dtb, unsigned entry_el, uint64_t entry_count)
{
	static struct cmdline cl;
	enum psci_conduit psci;
	const char *why;
	int err;

	board_early_console();
	read_device_tree(dtb);
	if (board_console_init(&bi, &why))
		info("%s", why);
	psci = psci_probe(bi.psci, entry_el);
	if (psci != bi.psci && psci_refusal(bi.psci, entry_el))
		info("psci: the tree's method %s is refused: %s; %s", dt_psci_name(bi.psci),
		     psci_refusal(bi.psci, entry_el),
		     psci == PSCI_NONE ? "powering off by semihosting or WFI only" :
		     psci == PSCI_HVC ? "using hvc" : "using smc");
	else if (psci != bi.psci)
		info("psci: the tree's method %s does not answer (PSCI_VERSION faulted "
		     "or was refused); %s", dt_psci_name(bi.psci),
		     psci == PSCI_NONE ? "powering off by semihosting or WFI only" :
		     psci == PSCI_HVC ? "using hvc" : "using smc");
	bi.psci = psci;
	mailbox_report(&bi); /* Raspberry Pi: the firmware's ARM clock; MMU still off */

	/* Before anything is built for it: does this CPU have the granule? */
	if (!mmu_granule_supported(read_sysreg(id_aa64mmfr0_el1), &why))
		stop_fail("%s", why);
	keep_tree_strings(dtb);
	gic_find(&bi); /* MMU off: the tree is not read after that */
	memory_init(dtb);
	mmu_set_nomap(bi.nomap, bi.nnomap);
	err = mmu_init(bi.mem, bi.nmem, board_console_mmio(), &why);
	if (err)
		stop_fail("MMU: %s: %s", why, errno_name(err));
	arch_cpu_init_zva();
	arch_atomics_init(false);
	page_alloc_smp(); /* the MMU is on: the bitmaps take atomics from here */
	err = mm_setup(&kernel_mm, &kernel_pgt);
	if (err)
		stop_fail("address space: %s", errno_name(err));

	boot_report(entry_el, entry_count);

	if (cmdline_parse(bi.bootargs, &cl, &why)) {
		info("%s", why);
		stop_fail("%s", why);
	}
	mm_set_thp(&kernel_mm, cl.thp);
	start_cpus(&cl);
	run(&cl);
}
