/*
 * run=anatomy on several CPUs (cpus=N, N > 1): after anatomy_run's
 * single-core faults, faults on every online CPU at once, made to be traced
 * instruction by instruction from the host (make anatomy-smp,
 * tools/anatomy/smp.py, docs/anatomy.md "Several cores").
 *
 * For each kind of bench/anatomy.h but the control (write, read,
 * read-then-write), one region whose pages are interleaved between the
 * cores (core i's j-th touch is page j x cores + i, as suite=smp's
 * interleaved placement: neighbouring pages belong to different cores and
 * share last-level tables, their entries' cache lines and the allocator's
 * words):
 *
 *   1. warm-up: each core touches ANATOMY_SMP_WARM pages, after a gate
 *      (below) CPU 0 opens;
 *   2. at the next gate, once every other core waits in WFE, CPU 0 passes
 *      the label anatomy_smp_begin (where a tracer turns its log on);
 *   3. the concurrent phase: every core touches ANATOMY_SMP_TOUCHES more
 *      pages, each through the labelled access anatomy_smp_store or
 *      anatomy_smp_load, timed as anatomy_run times its touches, with a
 *      YIELD after each: under QEMU -icount, where the vCPUs run in turn,
 *      the cores then take turns fault by fault, each on state the others
 *      have just changed;
 *   4. after a barrier, CPU 0 passes anatomy_smp_end (the log off).
 *
 * Then one line per touch:
 *
 *   faultline: anatomy-smp kind=write cpus=2 cpu=1 touch=3 page=35 count=302 overhead=15
 *
 * count as anatomy_run's: under -icount the counter counts every vCPU's
 * instructions, so it is the access's retired instructions (itself once)
 * plus those of any other core that ran inside the window.
 */
#ifndef BENCH_KERNEL_ANATOMY_SMP_H
#define BENCH_KERNEL_ANATOMY_SMP_H

#define ANATOMY_SMP_WARM 14
/* More than 64: every core's page cache (one 64-page map word) runs dry
 * and is refilled at least once in the phase of a write kind. */
#define ANATOMY_SMP_TOUCHES 72

/* anatomy_smp_run: the concurrent faults on every online CPU, their report
 * lines; 0, or -ENOMEM (no region) / an smp_run error. */
int anatomy_smp_run(void);

#endif
