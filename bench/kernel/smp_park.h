/*
 * Parking the CPUs a measurement leaves out (suite=smp's rate mode,
 * bench/kernel/smp_rate.c): halted in WFI, woken by an SGI, where the tree
 * has a GICv2 that delivers one to every online CPU (QEMU virt, the
 * Raspberry Pi 4's GIC-400); else waiting in WFE. Under multi-threaded TCG a
 * WFE loop is a host thread spinning (QEMU runs WFE as a yield), a WFI a
 * halted one; on hardware the core sleeps either way.
 *
 *   smp_park_init(online, &why)   CPU 0, before the runs: whether WFI works
 *   smp_park_cpu()                each CPU inside smp_run, before it parks
 *   smp_park_halt()               park once: PARKED, halted, RUNNING again
 *   smp_park_wait(flag)           park until *flag is non-zero
 *   smp_park_settle(online, skip) the measuring CPU: wait until the others
 *                                 have parked, then end its icount slice
 *   smp_park_wake(cpu)            after setting the flag: wake cpu
 *   smp_park_done()               each CPU at the end of its smp_run part
 *   smp_park_exit()               CPU 0, after the last run
 *
 * Users: suite=smp's windows, churn and shootdown cases (smp_bench.c,
 * smp_churn.c, smp_shootdown.c) and its rate mode (smp_rate.c).
 */
#ifndef BENCH_KERNEL_SMP_PARK_H
#define BENCH_KERNEL_SMP_PARK_H

#include "lib/types.h"

/*
 * smp_park_init: map the GIC and check, on each of the `online` CPUs, that
 * an SGI it sends itself comes back (smp_run). True: parked CPUs wait in
 * WFI. False: in WFE, *why saying what is missing (no GIC in the tree, an
 * SGI that did not arrive, smp_run refused).
 */
bool smp_park_init(unsigned online, const char **why);

/* smp_park_cpu: on the calling CPU: RUNNING, its GIC interface on, nothing stale pending. */
void smp_park_cpu(void);

/* smp_park_halt: announce PARKED, halt once (WFI woken by an SGI, or WFE), RUNNING again. */
void smp_park_halt(void);

/* smp_park_wait: halt (smp_park_halt) until *flag is non-zero (load-acquire). */
void smp_park_wait(const uint64_t *flag);

/*
 * smp_park_settle: wait until each of CPUs 0 .. online-1 but the caller
 * and those in the `skip` bit mask has parked (announced PARKED), then
 * YIELD once: under QEMU -icount that ends the caller's slice, so each of
 * them runs its few instructions from the announcement to its WFI and
 * halts before the caller's first window (on hardware YIELD is a hint
 * that does nothing).
 */
void smp_park_settle(unsigned online, uint64_t skip);

/* smp_park_done: the calling CPU's part of an smp_run ends: nothing stale pending. */
void smp_park_done(void);

/* smp_park_wake: wake CPU cpu from smp_park_wait (an SGI, or SEV). */
void smp_park_wake(unsigned cpu);

/* smp_park_exit: the GIC off and unmapped (gic_exit) if smp_park_init mapped it. */
void smp_park_exit(void);

/* smp_park_wfi: smp_park_init's answer. */
bool smp_park_wfi(void);

#endif
