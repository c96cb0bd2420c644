/*
 * A minimal GICv2 driver (Arm IHI 0048B, "ARM Generic Interrupt Controller
 * Architecture Specification v2.0"): just enough to wake one CPU from WFI
 * with a software-generated interrupt (SGI). No handler is installed and
 * PSTATE.I stays masked: WFI completes on a pending interrupt whatever the
 * mask (Arm ARM D1.6.2, "Wait for Interrupt"), and the woken CPU
 * acknowledges it by GICC_IAR / GICC_EOIR itself.
 *
 * Found in the device tree by compatible: "arm,cortex-a15-gic" (QEMU virt),
 * "arm,gic-400" (Raspberry Pi 4), "arm,cortex-a9-gic"; reg[0] is the
 * distributor, reg[1] the CPU interface. The Raspberry Pi 3 has none.
 *
 *   gic_init(bi, &why)    boot CPU, MMU on: find, map, enable the distributor
 *   gic_cpu_init()        each CPU that waits: enable the SGI, the interface
 *   gic_send_sgi(cpu)     make GIC_WAKE_SGI pending on CPU cpu
 *   gic_ack()             take this CPU's pending SGIs (IAR, then EOIR)
 */
#ifndef ARCH_AARCH64_GIC_H
#define ARCH_AARCH64_GIC_H

#include "lib/dt.h"
#include "lib/types.h"

/* The SGI the benchmarks wake a parked CPU with. */
#define GIC_WAKE_SGI 1

/* Distributor registers (IHI 0048B 4.1.2). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER(n) (0x100 + 4 * (n))
#define GICD_IPRIORITYR(n) (0x400 + (n))   /* one byte per interrupt */
#define GICD_ITARGETSR(n) (0x800 + (n))    /* one byte per interrupt */
#define GICD_SGIR 0xf00
#define GICD_SGIR_TARGETS_SHIFT 16         /* CPUTargetList, TargetListFilter 0 */
#define GICD_SGIR_SELF (2u << 24)          /* TargetListFilter 0b10: this CPU */
/* CPU interface registers (IHI 0048B 4.1.3). */
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010
#define GICC_IAR_ID_MASK 0x3ff
#define GICC_IAR_SPURIOUS 1023

/*
 * gic_init: the GIC gic_find found in the tree: map its distributor and CPU
 * interface (mmu_map_device) and enable the distributor. Once; later
 * calls return the first one's answer. 0; -ENOENT when the tree has no
 * GICv2 node (*why: "no GIC in the device tree"); -EINVAL or pgt_map's
 * error with *why naming what failed.
 */
int gic_init(const struct bootinfo *bi, const char **why);

/*
 * gic_find: find the GIC in bi's tree and keep its register windows for
 * gic_init. Boot CPU, MMU off, before the blob may become unmapped (a
 * /reserved-memory no-map over it): the tree is not read after that.
 */
void gic_find(const struct bootinfo *bi);

/*
 * gic_exit: disable the distributor and unmap what gic_init mapped (its
 * table pages given back); the next gic_init starts again. Call with no
 * CPU waiting on an SGI.
 */
void gic_exit(void);

/* gic_present: whether gic_init succeeded. */
bool gic_present(void);

/*
 * gic_cpu_init: on the calling CPU (after gic_init): enable GIC_WAKE_SGI
 * at the highest priority, open the priority mask, enable the CPU
 * interface, and record the CPU's interface number (GICD_ITARGETSR0, a
 * banked read) for gic_send_sgi.
 */
void gic_cpu_init(void);

/* gic_send_sgi: make GIC_WAKE_SGI pending on CPU cpu (which ran gic_cpu_init). */
void gic_send_sgi(unsigned cpu);

/* gic_ack: acknowledge and end every interrupt pending on this CPU; how many. */
unsigned gic_ack(void);

/*
 * gic_self_test: on the calling CPU (after gic_cpu_init), send GIC_WAKE_SGI
 * to itself (TargetListFilter 0b10) and acknowledge it: true if it arrived
 * within a bounded number of GICC_IAR reads. A GIC whose Security
 * Extensions keep the SGI in Group 0, out of a Non-secure kernel's reach,
 * fails here instead of leaving a CPU in WFI for ever.
 */
bool gic_self_test(void);

#endif
