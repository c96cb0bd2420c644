/*
 * The GICv2 wake-up driver (gic.h). Register layout: Arm IHI 0048B, 4.1.
 * With the Security Extensions (the Pi 4's GIC-400, seen from Non-secure
 * EL1) bit 0 of GICD_CTLR and GICC_CTLR enables Group 1, where the
 * firmware put every interrupt; without them (QEMU virt) it enables Group
 * 0, signalled as IRQ while GICC_CTLR.FIQEn is 0. Either way writing 1
 * enables what this CPU may use.
 */
#include "arch/aarch64/gic.h"
#include "arch/aarch64/mmu_boot.h"
#include "lib/errno.h"
#include "lib/fdt.h"
#include <arch/atomic.h>
#include <arch/percpu.h>

static const char *const compatibles[] = {
	"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic", "arm,cortex-a7-gic",
};

static uintptr_t dist, cpuif;   /* 0: no GIC */
static int init_err = 1;        /* 1: gic_init not called yet */
static const char *init_why;
static uint8_t target[NR_CPUS]; /* CPU interface mask of each CPU */
static paddr_t map_lo[2];       /* what gic_init mapped: one or two */
static uint64_t map_len[2];     /* ranges (0: none) */

static uint32_t rd(uintptr_t base, uint32_t reg)
{
	return *(volatile uint32_t *)(base + reg);
}

static void wr(uintptr_t base, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(base + reg) = v;
}

/* find: the first GICv2 node's distributor and CPU interface (CPU physical). */
static int find(const struct fdt *fdt, paddr_t *d, uint64_t *dsz, paddr_t *c, uint64_t *csz)
{
	int depth = 0;

	for (int n = fdt_path(fdt, "/"); n >= 0 && depth >= 0; n = fdt_next_node(fdt, n, &depth)) {
		uint64_t a0, s0, a1, s1;
		bool match = false;

		for (size_t i = 0; i < ARRAY_SIZE(compatibles); i++)
			match |= fdt_compatible(fdt, n, compatibles[i]);
		if (!match)
			continue;
		if (fdt_reg(fdt, n, 0, &a0, &s0) || fdt_reg(fdt, n, 1, &a1, &s1) ||
		    fdt_translate(fdt, n, a0, d) || fdt_translate(fdt, n, a1, c))
			return -EINVAL;
		*dsz = s0;
		*csz = s1;
		return 0;
	}
	return -ENOENT;
}

/* What gic_find found in the tree (the blob is not read once the MMU is on). */
static struct {
	bool probed;
	int err;
	paddr_t d, c;
	uint64_t dsz, csz;
} found;

void gic_find(const struct bootinfo *bi)
{
	found.err = find(&bi->fdt, &found.d, &found.dsz, &found.c, &found.csz);
	found.probed = true;
}

int gic_init(const struct bootinfo *bi, const char **why)
{
	paddr_t d = found.d, c = found.c, lo, hi;
	uint64_t dsz = found.dsz, csz = found.csz;
	int err;

	(void)bi;
	if (init_err != 1) {
		*why = init_why;
		return init_err;
	}
	err = found.probed ? found.err : -ENOENT;
	if (err) {
		init_why = err == -ENOENT ? "no GIC in the device tree"
					  : "the GIC node's reg cannot be read or translated";
	} else if (dsz < 0x1000 || csz < 0x1000) {
		err = -EINVAL;
		init_why = "the GIC's register windows are smaller than 4 KiB";
	} else {
		/* one span when they are close: at 16 or 64 KiB pages the two
		 * windows may share a page (the GIC-400's are 4 KiB apart) */
		lo = d < c ? d : c;
		hi = (d > c ? d : c) + 0x1000;
		if (hi - lo <= (256u << 10)) {
			err = mmu_map_device(lo, hi - lo);
			if (!err)
				map_lo[0] = lo, map_len[0] = hi - lo;
		} else {
			err = mmu_map_device(d, 0x1000);
			if (!err) {
				map_lo[0] = d, map_len[0] = 0x1000;
				err = mmu_map_device(c, 0x1000);
			}
			if (!err)
				map_lo[1] = c, map_len[1] = 0x1000;
		}
		if (err)
			init_why = "cannot map the GIC's registers";
	}
	init_err = err;
	if (err) {
		*why = init_why;
		return err;
	}
	dist = (uintptr_t)d;
	cpuif = (uintptr_t)c;
	wr(dist, GICD_CTLR, 1);
	return 0;
}

void gic_exit(void)
{
	if (gic_present())
		wr(dist, GICD_CTLR, 0);
	for (int i = 0; i < 2; i++) {
		if (map_len[i])
			mmu_unmap_device(map_lo[i], map_len[i]);
		map_len[i] = 0;
	}
	dist = cpuif = 0;
	init_err = 1;
}

bool gic_present(void)
{
	return init_err == 0;
}

void gic_cpu_init(void)
{
	unsigned cpu = arch_cpu_id();
	uint8_t mask;

	if (!gic_present())
		return;
	wr(dist, GICD_ISENABLER(0), 1u << GIC_WAKE_SGI);
	*(volatile uint8_t *)(dist + GICD_IPRIORITYR(GIC_WAKE_SGI)) = 0;
	wr(cpuif, GICC_PMR, 0xff);
	wr(cpuif, GICC_CTLR, 1);
	/* banked: the reading CPU's own interface; 0 on a one-CPU GIC */
	mask = *(volatile uint8_t *)(dist + GICD_ITARGETSR(0));
	target[cpu] = mask ? mask : (uint8_t)(1u << cpu);
	__asm__ volatile("dsb sy" ::: "memory");
}

void gic_send_sgi(unsigned cpu)
{
	if (!gic_present() || cpu >= NR_CPUS)
		return;
	/* the stores the woken CPU will read are visible before the SGI */
	__asm__ volatile("dsb ish" ::: "memory");
	wr(dist, GICD_SGIR, (uint32_t)target[cpu] << GICD_SGIR_TARGETS_SHIFT | GIC_WAKE_SGI);
}

unsigned gic_ack(void)
{
	unsigned n = 0;

	if (!gic_present())
		return 0;
	while (n < 64) { /* bounded: at most a few SGIs are ever pending */
		uint32_t iar = rd(cpuif, GICC_IAR);

		if ((iar & GICC_IAR_ID_MASK) == GICC_IAR_SPURIOUS)
			break;
		wr(cpuif, GICC_EOIR, iar);
		n++;
	}
	return n;
}

bool gic_self_test(void)
{
	if (!gic_present())
		return false;
	__asm__ volatile("dsb ish" ::: "memory");
	wr(dist, GICD_SGIR, GICD_SGIR_SELF | GIC_WAKE_SGI);
	__asm__ volatile("dsb sy\n\tisb" ::: "memory");
	for (unsigned tries = 0; tries < 1000; tries++) {
		uint32_t iar = rd(cpuif, GICC_IAR);

		if ((iar & GICC_IAR_ID_MASK) == GICC_IAR_SPURIOUS)
			continue;
		wr(cpuif, GICC_EOIR, iar);
		if ((iar & GICC_IAR_ID_MASK) == GIC_WAKE_SGI)
			return true;
	}
	return false;
}
