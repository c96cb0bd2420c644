/*
 * Secondary CPUs: start, idle, run, stop (see smp.h).
 *
 * Start. CPU 0 is the boot CPU; CPUs 1..n-1 are the tree's other enabled
 * CPU nodes in tree order. For each, CPU 0 takes a kernel stack and an
 * exception stack from the page allocator, maps them at their own addresses
 * between guard pages (SMP_STACK_VA), fills its slot of smp_boot_params
 * and cleans the block to the PoC: the new CPU reads it with its MMU and
 * data cache off. Then:
 *
 *   psci        CPU_ON(reg, &secondary_entry_psci, cpu): the context id
 *               (x0 at entry) is the CPU index
 *   spin-table  the physical address of secondary_entry_spin is written to
 *               the node's cpu-release-addr and cleaned to the PoC (the
 *               waiting core reads it with caches off), DSB, SEV; the core
 *               finds its index by matching MPIDR_EL1 with the reg values
 *               (Linux's arch/arm64/kernel/smp_spin_table.c does the same
 *               cleaning; it too needs no write back from the core)
 *
 * The new CPU drops to EL1 as the boot CPU did (boot/entry.S), turns its MMU
 * on with the boot CPU's MAIR/TCR/TTBR0/SCTLR after a local TLBI VMALLE1 and
 * IC IALLU, takes its stacks, TPIDR_EL1 and VBAR_EL1, then here opens its
 * PMU (each core has its own) and says it is online (a bit in `online`,
 * then SEV). CPU 0 waits for that bit in WFE, bounded by CNTVCT_EL0.
 *
 * Run. Each secondary idles in WFE on its mailbox: a sequence number that
 * smp_run bumps after writing fn and arg (a store-release, then SEV); the
 * CPU runs fn and adds one to `finished` (then SEV), which CPU 0 waits for.
 *
 * Bring-up cost. CPU 0 reads CNTVCT_EL0 just before it releases a CPU
 * (the CPU_ON call, or the release-address write that SEV follows); the
 * new CPU reads it first thing in C (smp_secondary_main) and again just
 * before it sets its online bit. CNTVCT_EL0 is one count for every CPU,
 * so the differences are the bring-up's ticks (smp_bringup_of; a console
 * line per CPU: "smp bringup cpu=1 ...").
 *
 * Stop. `stopper` is 0 or the stopping CPU's index + 1, set once by
 * compare-and-swap. Every wait loop here checks it and parks.
 */
#include "arch/aarch64/cache.h"
#include "arch/aarch64/mmu_boot.h"
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/stop.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/image.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "mm/page_alloc.h"
#include "mm/percpu.h"
#include "mm/pgtable.h"

#include <arch/atomic.h>
#include <arch/mmu.h>

#define KSTACK_BYTES MAX(32u << 10, PAGE_SIZE)  /* as boot/linker.ld's */
#define EXC_STACK_BYTES MAX(16u << 10, PAGE_SIZE)

struct smp_boot_params smp_boot_params __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct smp_boot_params, mair) == SMP_PARAM_MAIR, "mair");
_Static_assert(__builtin_offsetof(struct smp_boot_params, tcr) == SMP_PARAM_TCR, "tcr");
_Static_assert(__builtin_offsetof(struct smp_boot_params, ttbr0) == SMP_PARAM_TTBR0, "ttbr0");
_Static_assert(__builtin_offsetof(struct smp_boot_params, sctlr) == SMP_PARAM_SCTLR, "sctlr");
_Static_assert(__builtin_offsetof(struct smp_boot_params, cpu) == SMP_PARAM_CPU, "cpu[]");
_Static_assert(sizeof(struct smp_cpu_boot) == 1u << SMP_CPU_SHIFT, "cpu[] stride");
_Static_assert(__builtin_offsetof(struct smp_cpu_boot, mpidr) == SMP_CPU_MPIDR, "mpidr");
_Static_assert(__builtin_offsetof(struct smp_cpu_boot, exc_top) == SMP_CPU_EXC_TOP, "exc");
_Static_assert(__builtin_offsetof(struct smp_cpu_boot, stack_top) == SMP_CPU_STACK_TOP, "stk");
_Static_assert(__builtin_offsetof(struct smp_cpu_boot, percpu) == SMP_CPU_PERCPU, "percpu");

/* A mailbox per CPU, each on its own cache line. */
struct mailbox {
	uint64_t seq;            /* bumped by CPU 0 for each smp_run */
	void (*fn)(void *arg);
	void *arg;
} __attribute__((aligned(64)));

static struct mailbox mailbox[NR_CPUS];
static uint64_t online __attribute__((aligned(64))); /* bit cpu: online */
static unsigned nonline = 1, requested = 1;
static bool started; /* smp_boot began starting CPUs: stops go by CAS */
static enum smp_method method;
static uint64_t finished __attribute__((aligned(64)));
static uint64_t stopper __attribute__((aligned(64)));  /* 0, or stopping CPU + 1 */
static uint64_t parked __attribute__((aligned(64)));   /* CPUs parked */
static unsigned run_cpus; /* participants of the current smp_run, 0 outside */

/* Each CPU's bring-up stamps (CNTVCT_EL0), written by CPU 0 (release) and
 * by the CPU itself (entry, online), each on its own line. */
static struct {
	uint64_t release, entry, online;
} __attribute__((aligned(64))) bringup[NR_CPUS];

struct barrier {
	uint64_t count __attribute__((aligned(64)));
	uint64_t gen __attribute__((aligned(64)));
};
static struct barrier barrier;

/* ms_to_ticks: ms milliseconds in CNTVCT_EL0 ticks. */
static uint64_t ms_to_ticks(unsigned ms)
{
	return (read_sysreg(cntfrq_el0) & 0xffffffffu) * ms / 1000;
}

/* now: CNTVCT_EL0, not read early (ISB first). */
static uint64_t now(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

/* park: stop this CPU for good: counted, all interrupts masked, WFI. */
static NORETURN void park(void)
{
	arch_fetch_add(&parked, 1);
	arch_send_event();
	for (;;)
		__asm__ volatile("msr daifset, #0xf\n\twfi" ::: "memory");
}

/* park_if_stopping: park when another CPU has claimed the stop. */
static void park_if_stopping(void)
{
	uint64_t s = arch_load_acquire(&stopper);

	if (s && s != arch_cpu_id() + 1)
		park();
}

/*
 * console_wait: the console lock's wait hook (lib/console.h): park when
 * another CPU stops; the stopper itself takes the console after
 * SMP_PARK_TIMEOUT_MS (its holder may be a CPU that will never let go).
 */
static bool console_wait(void)
{
	static uint64_t since[NR_CPUS];
	unsigned me = arch_cpu_id();

	park_if_stopping();
	if (arch_load_acquire(&stopper) != me + 1) {
		arch_wait_event();
		return false;
	}
	if (!since[me])
		since[me] = now() | 1;
	if (now() - since[me] > ms_to_ticks(SMP_PARK_TIMEOUT_MS))
		return true;
	arch_wait_event();
	return false;
}

unsigned smp_cpus_online(void)
{
	return nonline;
}

unsigned smp_cpus_requested(void)
{
	return requested;
}

const char *smp_method_name(void)
{
	return method == SMP_METHOD_PSCI ? "psci" :
	       method == SMP_METHOD_SPIN_TABLE ? "spin-table" : "none";
}

int smp_cpus_wanted(const struct bootinfo *bi, uint64_t cpus, bool all, unsigned *n,
		    const char **why)
{
	size_t tree = bi->ncpus;

	if (all) {
		if (tree == 0) {
			info("smp: cpus=all: the device tree lists no CPU nodes; running "
			     "on the boot CPU only");
			tree = 1;
		}
		if (tree > NR_CPUS) {
			info("smp: cpus=all: the device tree lists %zu CPUs; this kernel runs "
			     "at most %u (NR_CPUS)", tree, NR_CPUS);
			tree = NR_CPUS;
		}
		*n = (unsigned)tree;
		return 0;
	}
	if (cpus == 0)
		return reject(why, "bad command line: cpus=0 (at least 1 CPU runs the kernel)");
	if (cpus > NR_CPUS)
		return reject(why, "cpus=%llu is more than this kernel runs (NR_CPUS %u)",
			      (unsigned long long)cpus, NR_CPUS);
	if (cpus > 1 && cpus > tree)
		return reject(why, "cpus=%llu is more than the %zu CPU%s the device tree "
			      "lists", (unsigned long long)cpus, tree, tree == 1 ? "" : "s");
	*n = (unsigned)cpus;
	return 0;
}

/* in_range: [a, a + n) lies inside [base, base + size). */
static bool in_range(uint64_t a, uint64_t n, uint64_t base, uint64_t size)
{
	return a >= base && n <= size && a - base <= size - n;
}

/* overlaps: [a, a + n) and [base, base + size) share a byte. */
static bool overlaps(uint64_t a, uint64_t n, uint64_t base, uint64_t size)
{
	return a < base + size && base < a + n;
}

/*
 * release_addr_ok: a spin-table release address the kernel may write: 8
 * bytes, aligned, inside RAM, outside the image and inside a range the
 * tree reserves (so not the page allocator's). Else -EINVAL, *why set.
 */
static int release_addr_ok(const struct bootinfo *bi, const char *node, paddr_t a,
			   const char **why)
{
	bool ram = false, reserved = false;

	for (size_t i = 0; i < bi->nmem; i++)
		ram |= in_range(a, 8, bi->mem[i].base, bi->mem[i].size);
	for (size_t i = 0; i < bi->nrsv; i++)
		reserved |= in_range(a, 8, bi->rsv[i].base, bi->rsv[i].size);
	if (a & 7)
		return reject(why, "smp: %s: spin-table cpu-release-addr 0x%llx is not "
			      "8-byte aligned", node, (unsigned long long)a);
	if (!ram)
		return reject(why, "smp: %s: spin-table cpu-release-addr 0x%llx is outside "
			      "RAM", node, (unsigned long long)a);
	if (overlaps(a, 8, (paddr_t)__image_start, (uint64_t)(__image_end - __image_start)))
		return reject(why, "smp: %s: spin-table cpu-release-addr 0x%llx is inside "
			      "the kernel image", node, (unsigned long long)a);
	if (!reserved)
		return reject(why, "smp: %s: spin-table cpu-release-addr 0x%llx is in RAM "
			      "the page allocator manages (no /memreserve/ or "
			      "/reserved-memory covers it)", node, (unsigned long long)a);
	return 0;
}

/*
 * spin_release: write entry to *a (physical), clean it to the PoC, DSB,
 * SEV. The page may be outside the kernel's map (page 0 stays unmapped to
 * catch NULL): then it is mapped for the write and unmapped after.
 */
static int spin_release(paddr_t a, paddr_t entry, unsigned spin_cpu)
{
	paddr_t page = ALIGN_DOWN(a, PAGE_SIZE);
	bool mapped = pgt_lookup(&kernel_pgt, page, NULL, NULL, NULL) == 0;
	int err;

	if (!mapped) {
		err = pgt_map(&kernel_pgt, page, page, PAGE_SIZE, MM_READ | MM_WRITE, 0);
		if (err)
			return err;
	}
	arch_write_once(&bringup[spin_cpu].release, now());
	arch_write_once((uint64_t *)a, entry);
	dcache_clean_poc(a, a + 8);
	arch_send_event();
	if (!mapped)
		err = pgt_unmap(&kernel_pgt, page, PAGE_SIZE, NULL, NULL);
	else
		err = 0;
	return err;
}

/* node_name: how a CPU is named in a reason. */
static const char *node_name(const struct dt_cpu *c)
{
	static char buf[48];

	ksnprintf(buf, sizeof(buf), "cpu with reg 0x%llx", (unsigned long long)c->mpidr);
	return buf;
}

/* wait_online: wait (WFE, bounded) for cpu's online bit. */
static bool wait_online(unsigned cpu)
{
	uint64_t start = now(), limit = ms_to_ticks(SMP_ONLINE_TIMEOUT_MS);

	while (!(arch_load_acquire(&online) & BIT(cpu))) {
		if (now() - start > limit)
			return false;
		arch_wait_event();
	}
	return true;
}

/*
 * The secondaries' stacks live at their own virtual addresses, below the
 * mm's window (mm/mm.h, TASK_UNMAPPED_BASE) and above any RAM the identity
 * map holds here, one slot per CPU:
 *
 *   slot + 0                   guard page (never mapped)
 *   slot + PAGE_SIZE           kernel stack (SP_EL0), KSTACK_BYTES
 *   ...                        guard page
 *   ...                        exception stack (SP_EL1), EXC_STACK_BYTES
 *
 * so an overflow faults in a guard page, as the boot CPU's do (its guards
 * are the image's, boot/linker.ld). The pages come from the allocator and
 * are never freed.
 */
#define SMP_STACK_VA 0x0fff00000000ull
#define SMP_STACK_SLOT (1ull << 20)
_Static_assert(2 * PAGE_SIZE + KSTACK_BYTES + EXC_STACK_BYTES <= SMP_STACK_SLOT, "slot");

static uint64_t slot_of(unsigned cpu)
{
	return SMP_STACK_VA + (uint64_t)cpu * SMP_STACK_SLOT;
}

/* map_stack: `bytes` of fresh pages at va; 0 or the error. */
static int map_stack(uint64_t va, size_t bytes)
{
	paddr_t pa = page_alloc_run(bytes / PAGE_SIZE);
	int err;

	if (!pa)
		return -ENOMEM;
	err = pgt_map(&kernel_pgt, va, pa, bytes, MM_READ | MM_WRITE, 0);
	if (err)
		page_free_run(pa, bytes / PAGE_SIZE);
	return err;
}

/* stacks: map cpu's kernel and exception stacks in its slot. */
static int stacks(unsigned cpu)
{
	uint64_t k = slot_of(cpu) + PAGE_SIZE, e = k + KSTACK_BYTES + PAGE_SIZE;
	int err = map_stack(k, KSTACK_BYTES);

	if (!err)
		err = map_stack(e, EXC_STACK_BYTES);
	if (err)
		return err;
	smp_boot_params.cpu[cpu].stack_top = k + KSTACK_BYTES;
	smp_boot_params.cpu[cpu].exc_top = e + EXC_STACK_BYTES;
	return 0;
}

int smp_bringup_of(unsigned cpu, struct smp_bringup *out)
{
	if (cpu == 0 || cpu >= nonline)
		return -EINVAL;
	*out = (struct smp_bringup){
		.mpidr = smp_boot_params.cpu[cpu].mpidr,
		.to_entry = bringup[cpu].entry - bringup[cpu].release,
		.to_online = bringup[cpu].online - bringup[cpu].release,
	};
	return 0;
}

/* report_bringup: the console line of cpu's bring-up, once it is online. */
static void report_bringup(unsigned cpu, uint64_t mpidr)
{
	uint64_t r = arch_read_once(&bringup[cpu].release);

	info("smp bringup cpu=%u mpidr=0x%llx method=%s release_to_entry=%llu "
	     "release_to_online=%llu unit=ticks cntfrq=%llu", cpu,
	     (unsigned long long)mpidr, smp_method_name(),
	     (unsigned long long)(arch_read_once(&bringup[cpu].entry) - r),
	     (unsigned long long)(arch_read_once(&bringup[cpu].online) - r),
	     (unsigned long long)(read_sysreg(cntfrq_el0) & 0xffffffffu));
}

/* start_one: start tree CPU c as index cpu and wait for it. */
static int start_one(const struct bootinfo *bi, const struct dt_cpu *c, unsigned cpu,
		     const char **why)
{
	const char *name = node_name(c);
	int ret, err;

	switch (c->enable) {
	case CPU_ENABLE_PSCI:
		if (bi->psci == PSCI_NONE)
			return reject(why, "smp: %s: enable-method \"psci\" but no PSCI "
				      "conduit answers", name);
		arch_write_once(&bringup[cpu].release, now());
		ret = psci_cpu_on(c->mpidr, (paddr_t)(uintptr_t)secondary_entry_psci, cpu);
		if (ret != PSCI_RET_SUCCESS) {
			reject(why, "smp: %s: PSCI CPU_ON failed: %s (%d)", name,
			       psci_ret_name(ret), ret);
			return -EIO;
		}
		if (method == SMP_METHOD_NONE)
			method = SMP_METHOD_PSCI;
		break;
	case CPU_ENABLE_SPIN_TABLE:
		err = release_addr_ok(bi, name, c->release_addr, why);
		if (err)
			return err;
		err = spin_release(c->release_addr, (paddr_t)(uintptr_t)secondary_entry_spin,
				   cpu);
		if (err) {
			reject(why, "smp: %s: cannot map spin-table cpu-release-addr 0x%llx: %s",
			       name, (unsigned long long)c->release_addr, errno_name(err));
			return err;
		}
		if (method == SMP_METHOD_NONE)
			method = SMP_METHOD_SPIN_TABLE;
		break;
	case CPU_ENABLE_NONE:
		return reject(why, "smp: %s has no enable-method", name);
	default:
		return reject(why, "smp: %s: unknown enable-method (expected psci or "
			      "spin-table)", name);
	}
	if (!wait_online(cpu)) {
		reject(why, "smp: %s (cpu %u) did not come online within %u ms", name, cpu,
		       SMP_ONLINE_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	report_bringup(cpu, c->mpidr);
	return 0;
}

int smp_boot(const struct bootinfo *bi, unsigned n, const char **why)
{
	uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	const struct dt_cpu *order[NR_CPUS];
	unsigned k = 1;
	int err;

	requested = n;
	if (n <= 1)
		return 0;
	if (bi->ncpus > DT_MAX_CPUS)
		return reject(why, "smp: the device tree lists %zu CPUs; only the first %u "
			      "are recorded", bi->ncpus, DT_MAX_CPUS);
	for (size_t i = 0; i < bi->ncpus && k < n; i++)
		if ((bi->cpu[i].mpidr & MPIDR_AFF_MASK) != self)
			order[k++] = &bi->cpu[i];
	if (k < n)
		return reject(why, "smp: the device tree's CPU nodes do not include this "
			      "boot CPU (MPIDR 0x%llx): %u of %u CPUs found",
			      (unsigned long long)self, k, n);

	smp_boot_params.mair = read_sysreg(mair_el1);
	smp_boot_params.tcr = read_sysreg(tcr_el1);
	smp_boot_params.ttbr0 = read_sysreg(ttbr0_el1);
	smp_boot_params.sctlr = read_sysreg(sctlr_el1);
	smp_boot_params.cpu[0].mpidr = self;
	smp_boot_params.cpu[0].percpu = (uint64_t)(uintptr_t)&percpu_blocks[0];
	for (unsigned cpu = 1; cpu < n; cpu++) {
		err = stacks(cpu);
		if (err)
			return reject(why, "smp: cannot map cpu %u's stacks: %s", cpu,
				      errno_name(err)), err;
		smp_boot_params.cpu[cpu].mpidr = order[cpu]->mpidr & MPIDR_AFF_MASK;
		smp_boot_params.cpu[cpu].percpu = (uint64_t)(uintptr_t)&percpu_blocks[cpu];
		percpu_blocks[cpu].arch.cpu = cpu;
	}
	started = true; /* ordered before any start by the DSB SY below */
	/* The secondaries read these with their caches off. */
	dcache_clean_poc((uintptr_t)&smp_boot_params,
			 (uintptr_t)&smp_boot_params + sizeof(smp_boot_params));
	dcache_clean_poc((uintptr_t)percpu_blocks, (uintptr_t)(percpu_blocks + NR_CPUS));
	console_lock_enable(console_wait);

	for (unsigned cpu = 1; cpu < n; cpu++) {
		err = start_one(bi, order[cpu], cpu, why);
		if (err)
			return err;
		nonline = cpu + 1;
	}
	return 0;
}

/* idle: a secondary's loop: wait for its mailbox, run, report, again. */
static NORETURN void idle(unsigned cpu)
{
	struct mailbox *m = &mailbox[cpu];
	uint64_t seen = arch_load_acquire(&m->seq);

	for (;;) {
		uint64_t s;

		while ((s = arch_load_acquire(&m->seq)) == seen) {
			park_if_stopping();
			arch_wait_event();
		}
		park_if_stopping();
		seen = s;
		m->fn(m->arg);
		arch_fetch_add(&finished, 1);
		arch_send_event();
	}
}

void smp_secondary_main(unsigned cpu)
{
	arch_write_once(&bringup[cpu].entry, now());
	percpu_enter(cpu);
	pmu_init();
	arch_write_once(&bringup[cpu].online, now());
	arch_atomic_or(&online, BIT(cpu));
	arch_send_event();
	idle(cpu);
}

int smp_run(unsigned ncpus, void (*fn)(void *arg), void *arg)
{
	if (ncpus == 0 || ncpus > nonline)
		return -EINVAL;
	if (arch_cpu_id() != 0 || run_cpus)
		return -EPERM;
	run_cpus = ncpus;
	arch_write_once(&finished, 0);
	arch_write_once(&barrier.count, 0);
	for (unsigned cpu = 1; cpu < ncpus; cpu++) {
		mailbox[cpu].fn = fn;
		mailbox[cpu].arg = arg;
		arch_store_release(&mailbox[cpu].seq, mailbox[cpu].seq + 1);
	}
	arch_send_event();
	fn(arg);
	while (arch_load_acquire(&finished) != ncpus - 1) {
		park_if_stopping();
		arch_wait_event();
	}
	run_cpus = 0;
	return 0;
}

void smp_barrier(void)
{
	unsigned n = run_cpus;
	uint64_t gen;

	if (n <= 1)
		return;
	gen = arch_load_acquire(&barrier.gen);
	if (arch_fetch_add(&barrier.count, 1) == n - 1) {
		arch_write_once(&barrier.count, 0);
		arch_store_release(&barrier.gen, gen + 1);
		arch_send_event();
		return;
	}
	while (arch_load_acquire(&barrier.gen) == gen) {
		park_if_stopping();
		arch_wait_event();
	}
}

bool smp_stop_claim(void)
{
	uint64_t me = arch_cpu_id() + 1, expected = 0, start, limit;
	unsigned others = nonline - 1;

	if (!started)
		return true; /* one CPU (and maybe the MMU off: no atomics) */
	if (!arch_cmpxchg(&stopper, &expected, me) && expected != me)
		park();
	if (expected == me)
		return true; /* stopping again (a fault while stopping) */
	arch_send_event();
	start = now();
	limit = ms_to_ticks(SMP_PARK_TIMEOUT_MS);
	while (arch_load_acquire(&parked) < others && now() - start <= limit)
		arch_wait_event();
	return true;
}

int smp_guard_of(uint64_t addr)
{
	for (unsigned cpu = 1; cpu < nonline; cpu++) {
		uint64_t g = slot_of(cpu);

		if (addr >= g && addr < g + PAGE_SIZE)
			return 1;
		g += PAGE_SIZE + KSTACK_BYTES;
		if (addr >= g && addr < g + PAGE_SIZE)
			return 2;
	}
	return 0;
}

int smp_stack_of(unsigned cpu, uint64_t fp)
{
	const struct smp_cpu_boot *c;

	if (cpu == 0 || cpu >= nonline)
		return 0;
	c = &smp_boot_params.cpu[cpu];
	if (fp >= c->stack_top - KSTACK_BYTES && fp + 16 <= c->stack_top)
		return 1;
	if (fp >= c->exc_top - EXC_STACK_BYTES && fp + 16 <= c->exc_top)
		return 2;
	return 0;
}
