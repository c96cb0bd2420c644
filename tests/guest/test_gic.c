/*
 * In-guest tests of the GICv2 wake-up driver (arch/aarch64/gic.h) and of
 * mmu_map_device, which maps its registers: the tree's GIC is found and
 * mapped; every online CPU gets an SGI it sends itself; WFI completes on a
 * pending SGI with PSTATE.I masked (no handler), the SGI then acknowledged;
 * CPU 0 wakes each other CPU from WFI with an SGI, as suite=smp passes its
 * turns; gic_exit gives the mapping's table pages back. A tree without a
 * GICv2 (Raspberry Pi 3, virt with gic-version=3) skips them, named.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/gic.h"
#include "arch/aarch64/mmu_boot.h"
#include "arch/aarch64/smp.h"
#include "boot/main.h"
#include "lib/errno.h"
#include <arch/atomic.h>

enum { IDLE, PARKED, WOKEN };

static struct {
	uint64_t self_ok;     /* bit per CPU: its self-sent SGI came back */
	uint64_t wfi_acked;   /* bit per CPU: WFI returned on a pending SGI, acked */
	struct {
		uint64_t state;
		uint64_t acked;   /* SGIs it took after its WFI */
	} __attribute__((aligned(64))) cpu[NR_CPUS];
} g;

/*
 * gic_here: whether this tree has a GICv2 the driver can use and that
 * delivers an SGI to this CPU at this exception level (else skipped, named:
 * with the GIC's security extensions on, as QEMU's secure=on machine, SGIs
 * are Group 0 and never reach Non-secure EL1; suite=smp's peers then wait
 * in WFE).
 */
static bool gic_here(void)
{
	const char *why = NULL;

	if (gic_init(boot_info(), &why) == 0) {
		gic_cpu_init();
		gic_ack();
		if (gic_self_test())
			return true;
		why = "an SGI sent to this CPU never arrives (Group 0 under the GIC's "
		      "security extensions?)";
	}
	ktest_skip("%s", why);
	gic_exit(); /* a later test tries again */
	return false;
}

static void self_sgi(void *arg)
{
	unsigned me = arch_cpu_id();

	(void)arg;
	gic_cpu_init();
	gic_ack();
	if (!gic_self_test())
		return; /* no WFI on an SGI that is not delivered: it would not end */
	arch_atomic_or(&g.self_ok, BIT(me));
	/* pending before the WFI: it must complete at once, I masked */
	__asm__ volatile("dsb ish" ::: "memory");
	gic_send_sgi(me);
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
	if (gic_ack() == 1)
		arch_atomic_or(&g.wfi_acked, BIT(me));
}

KTEST(gic_every_cpu_takes_its_own_sgi_and_wfi_completes_on_it)
{
	unsigned n = smp_cpus_online();

	if (!gic_here())
		return;
	g.self_ok = g.wfi_acked = 0;
	KASSERT_EQ(smp_run(n, self_sgi, NULL), 0);
	KEXPECT_EQ(g.self_ok, BIT(n) - 1);
	KEXPECT_EQ(g.wfi_acked, BIT(n) - 1);
	gic_exit(); /* its table pages back: the runner counts them */
}

/* wake_each: CPU 0 wakes every other CPU from WFI in turn by an SGI. */
static void wake_each(void *arg)
{
	unsigned me = arch_cpu_id(), n = smp_cpus_online();

	(void)arg;
	gic_cpu_init();
	gic_ack();
	if (me == 0) {
		for (unsigned t = 1; t < n; t++) {
			while (arch_load_acquire(&g.cpu[t].state) != PARKED)
				arch_wait_event();
			gic_send_sgi(t);
			while (arch_load_acquire(&g.cpu[t].state) != WOKEN)
				arch_wait_event();
		}
		return;
	}
	arch_store_release(&g.cpu[me].state, PARKED);
	arch_send_event();
	/* the SGI stays pending until acknowledged: sent before or after
	 * this WFI, it ends it */
	while (!g.cpu[me].acked) {
		__asm__ volatile("dsb sy\n\twfi" ::: "memory");
		g.cpu[me].acked += gic_ack();
	}
	arch_store_release(&g.cpu[me].state, WOKEN);
	arch_send_event();
}

KTEST(gic_sgi_wakes_a_cpu_from_wfi)
{
	unsigned n = smp_cpus_online();

	if (n < 2) {
		ktest_skip("one CPU online (cpus=)");
		return;
	}
	if (!gic_here())
		return;
	for (unsigned c = 0; c < NR_CPUS; c++)
		g.cpu[c].state = IDLE, g.cpu[c].acked = 0;
	KASSERT_EQ(smp_run(n, wake_each, NULL), 0);
	for (unsigned c = 1; c < n; c++) {
		KEXPECT_EQ(g.cpu[c].state, (uint64_t)WOKEN);
		KEXPECT_EQ(g.cpu[c].acked, 1u);
	}
	gic_exit();
}

KTEST(mmu_map_device_refuses_bad_ranges)
{
	const struct bootinfo *bi = boot_info();

	KEXPECT_EQ(mmu_map_device(0x1000, 0), -EINVAL);
	KEXPECT_EQ(mmu_map_device(~0ull - 0x10, 0x100), -EINVAL);
	if (bi->uart.found) /* the console page is mapped since boot */
		KEXPECT_EQ(mmu_map_device(bi->uart.base, 4), -EEXIST);
}
