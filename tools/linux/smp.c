/*
 * The SMP cases of the Linux program (`run=smp`, `make compare-smp`):
 * will-it-scale-like page faults on every CPU Linux has, per task pinned to
 * its own CPU with sched_setaffinity (task i on CPU i).
 *
 *   page_fault1      will-it-scale's: per task, mmap 128 MiB (mb=) anonymous
 *                    private, write one byte per 4 KiB page, munmap; in
 *                    processes (fork) and threads (pthreads) shape.
 *                    placement=disjoint
 *   pft              one shared mapping (threads); task i faults its own
 *                    slice of mb MiB. placement=partitioned
 *   pft-interleaved  the same mapping, page j faulted by task j mod n:
 *                    neighbours on different CPUs share last-level tables.
 *                    placement=interleaved
 *   shootdown        task 0 unmaps (munmap) or drops (madvise
 *                    MADV_DONTNEED) k = 1, 16, 64, 512 pages that it
 *                    faulted and every other task then wrote (no fault),
 *                    so every CPU holds their translations.
 *                    placement=shootdown, initiator core 0
 *
 * Two ways of measuring, by mode=:
 *
 * icount (exact path length): after a warm-up (every task runs the case
 * once, so tables, allocator caches and LRU lists are shared state: one
 * task at a time by default, warmup=serial, since what a concurrent one
 * leaves depends on how QEMU interleaved the CPUs, which differs between
 * boots; warmup=concurrent runs them at once), the tasks measure one at a
 * time. Under icount
 * QEMU's PMCCNTR_EL0 counts every vCPU's instructions, so while task i
 * times its faults (two EL0 counter reads around each store, as make
 * compare does) every other task is blocked in FUTEX_WAIT, its CPU idle in
 * WFI. The measuring task checks that before its first window: every
 * other task's /proc/<tid>/stat says S (sleeping), then it sleeps 100 us
 * more so each idle CPU is past schedule() and in WFI. The rows say so:
 * peers=parked. Per core: p50 (and the rest) per fault in instructions
 * over the samples whose fault count (getrusage RUSAGE_THREAD, read
 * outside the window) moved.
 *
 * tcg (parallel TCG, emulated host time): every task runs the case in a
 * loop at the same time for secs= seconds of CLOCK_MONOTONIC, runs= times;
 * faults/s per task and in total, median and spread (min, max) over the
 * runs: the will-it-scale shape. Never exact; never asserted.
 *
 * THP: thp=never (default), always, or never,always: the program sets
 * /sys/kernel/mm/transparent_hugepage/enabled itself (folio.c) for each in
 * turn (Debian's cloud kernel defaults to always, where page_fault1 takes
 * 2 MiB faults). The shootdown cases run with thp=never only.
 *
 * Output: CSV block linux-smp (icount: the Linux summary columns, then
 * cpus, core, placement, tasks, peers, warmup, crng) or linux-smp-rate (tcg:
 * docs/contract.md), and a progress line per case.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/random.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/csv.h"
#include "bench/env.h"
#include "bench/stats.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "tools/linux/linux.h"

#define SMP_MAX_TASKS 8
#define SMP_PAGE 4096ull
#define SMP_MAX_RUNS 64
#define SMP_SHOOT_REPS 32     /* measured unmaps per k (one warm-up more) */
#define SMP_MAX_ROWS 128

static const unsigned shoot_pages[] = { 1, 16, 64, 512 };

enum smp_kind { PF1, PFT, PFT_INTERLEAVED, SHOOT_MUNMAP, SHOOT_DONTNEED };

struct smp_case {
	enum smp_kind kind;
	bool processes;      /* fork()ed tasks (page_fault1 only) */
	unsigned k;          /* shootdown: pages */
};

/* What one task measured (in the shared control page: processes write it too). */
struct smp_task_res {
	uint64_t n;          /* latencies in lat[] */
	uint64_t samples;    /* timed accesses */
	uint64_t faults;     /* faults inside them */
	uint64_t allocated;  /* resident pages the touches added */
	uint64_t overhead;   /* the counter-read overhead subtracted */
	uint64_t warm_total; /* icount: the counter's growth over the task's warm-up
				(the whole machine's instructions while it ran) */
	uint64_t rate_faults[SMP_MAX_RUNS]; /* tcg: faults in each run */
	uint64_t rate_ns[SMP_MAX_RUNS];     /* tcg: its length */
	int err;             /* 0, or -errno: the task failed */
	const char *why;     /* what failed (a string of the program: same in a child) */
};

/*
 * The control block, shared by the tasks (MAP_SHARED: fork()ed children see
 * it as threads do). The futex words are not FUTEX_PRIVATE: they work
 * across processes.
 */
struct smp_ctl {
	uint32_t bar_count, bar_gen;   /* the barrier */
	uint32_t turn;                 /* the task whose turn it is (n: none) */
	uint32_t go[SMP_MAX_TASKS];    /* per task: bumped when its turn comes (its futex word) */
	bool serial_warmup;            /* warmup=serial: one task at a time */
	uint32_t stop;                 /* tcg, shared region: the run is over */
	int32_t tid[SMP_MAX_TASKS + 1]; /* each task's tid; [n] the main thread */
	unsigned n;                    /* tasks */
	char *shared;                  /* pft: the shared mapping (threads) */
	struct smp_case c;
	uint64_t mb;
	unsigned runs;
	uint64_t secs;
	bool rate;                     /* tcg mode */
	uint64_t *lat[SMP_MAX_TASKS];  /* per task: room for every page's latency */
	uint64_t lat_max;
	struct smp_task_res res[SMP_MAX_TASKS];
};

static struct smp_ctl *ctl;

/* Whether the kernel's CRNG is ready (getrandom would not block). */
static bool crng_ready(void)
{
	char b;

	return getrandom(&b, 1, GRND_NONBLOCK) == 1;
}

/*
 * crng_seed: make the kernel's CRNG ready now, the same way in every boot:
 * credit it 256 bits of a fixed seed (RNDADDENTROPY, root). The CSV
 * "crng" value: "ready" (it was: a boot loader's rng-seed), "seeded" (by
 * this), or "unseeded" (refused: then every get_random_u16(), which arm64
 * calls on each system call for the kernel stack's random offset, runs
 * ChaCha20 in full, about 9,500 instructions, until interrupts have
 * credited it enough; see docs/compare.md, "Repeatable runs").
 */
static const char *crng_seed(void)
{
	struct {
		struct rand_pool_info info;
		uint32_t buf[8];
	} e = {
		.info = { .entropy_count = 256, .buf_size = 32 },
		.buf = { 0x66617574, 0x6c696e65, 0x2d736d70, 0x2d726570,
			 0x65617461, 0x626c652d, 0x6e6f742d, 0x73656372 },
	};
	int fd;

	if (crng_ready())
		return "ready";
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, RNDADDENTROPY, &e);
		close(fd);
	}
	return crng_ready() ? "seeded" : "unseeded";
}

static const char *crng_state = "unseeded";

/* One row's worth, kept until the block is printed. */
struct smp_row {
	struct smp_case c;
	unsigned core;
	const char *thp;
	struct stats s;
	struct smp_task_res r;
	uint64_t rate_p50, rate_min, rate_max; /* tcg: faults/s */
	uint64_t runs;
};

static struct smp_row rows[SMP_MAX_ROWS];
static size_t nrows;

/* futex: the futex(2) system call on word w, without a timeout. */
static long futex(uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* futex_wait_while: block while *w == v (a FUTEX_WAIT, not a spin). */
static void futex_wait_while(uint32_t *w, uint32_t v)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == v)
		futex(w, FUTEX_WAIT, v);
}

/* futex_wake_all: wake every task blocked on w. */
static void futex_wake_all(uint32_t *w)
{
	futex(w, FUTEX_WAKE, INT_MAX);
}

/* barrier: wait until all ctl->n tasks arrive (the waiters sleep in FUTEX_WAIT). */
static void barrier(void)
{
	uint32_t gen = __atomic_load_n(&ctl->bar_gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&ctl->bar_count, 1, __ATOMIC_ACQ_REL) == ctl->n) {
		__atomic_store_n(&ctl->bar_count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&ctl->bar_gen, gen + 1, __ATOMIC_RELEASE);
		futex_wake_all(&ctl->bar_gen);
		return;
	}
	futex_wait_while(&ctl->bar_gen, gen);
}

/* The state letter of task tid (/proc/<tid>/stat's third field), or '?'. */
static char task_state(int tid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	ksnprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	/* "pid (comm) S ...": the comm may hold spaces; the state follows the last ')'. */
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* sleep_us: sleep (nanosleep) for us microseconds. */
static void sleep_us(unsigned us)
{
	struct timespec t = { .tv_sec = 0, .tv_nsec = (long)us * 1000 };

	nanosleep(&t, NULL);
}

/*
 * peers_parked: wait until every other task and the main thread sleep
 * (state S: blocked, here in FUTEX_WAIT or wait4), then 100 us more so
 * their CPUs are idle; 0, or -EBUSY after a second.
 */
static int peers_parked(unsigned self)
{
	for (unsigned tries = 0; tries < 10000; tries++) {
		bool all = true;

		for (unsigned j = 0; j <= ctl->n && all; j++)
			if (j != self && ctl->tid[j] > 0 && task_state(ctl->tid[j]) != 'S')
				all = false;
		if (all) {
			sleep_us(100);
			return 0;
		}
		sleep_us(100);
	}
	return -EBUSY;
}

/* This thread's minor + major faults so far. */
static uint64_t thread_faults(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_THREAD, &u) < 0)
		return 0;
	return (uint64_t)u.ru_minflt + (uint64_t)u.ru_majflt;
}

/* The process's resident pages (/proc/self/statm, second field). */
static uint64_t resident_pages(void)
{
	char buf[128];
	uint64_t v = 0;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strchr(buf, ' ');
	if (!p)
		return 0;
	for (p++; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/* now_ns: CLOCK_MONOTONIC in ns (under TCG: the host's time). */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* map_anon: an anonymous private mapping of bytes (no reservation), or NULL. */
static void *map_anon(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* task_pages: how many pages each task faults (mb= MiB of 4 KiB pages). */
static uint64_t task_pages(void)
{
	return (ctl->mb << 20) / SMP_PAGE;
}

/* page_offset: the byte offset of task's i-th page in the case's region. */
static uint64_t page_offset(unsigned task, uint64_t i)
{
	if (ctl->c.kind == PFT_INTERLEAVED)
		return (i * ctl->n + task) * SMP_PAGE;
	if (ctl->c.kind == PFT)
		return ((uint64_t)task * task_pages() + i) * SMP_PAGE;
	return i * SMP_PAGE;
}

/* Write one byte to each of the task's pages of base (no timing). */
static void touch_all(char *base, unsigned task)
{
	for (uint64_t i = 0; i < task_pages(); i++)
		((volatile char *)base)[page_offset(task, i)] = 1;
}

/* The task's counter now (0 without one: the task has failed already). */
static uint64_t rd(const volatile struct perf_event_mmap_page *pc)
{
	return pc ? linux_pmu_read(pc) : 0;
}

/* Time each store to the task's pages of base; fill r and lat (faulting samples). */
static void touch_timed(char *base, unsigned task,
			const volatile struct perf_event_mmap_page *pc,
			struct smp_task_res *r)
{
	uint64_t *lat = ctl->lat[task];
	uint64_t before = resident_pages();

	for (uint64_t i = 0; i < task_pages(); i++) {
		volatile char *p = base + page_offset(task, i);
		uint64_t f0 = thread_faults(), t0, t1, f1;

		t0 = rd(pc);
		*p = 1;
		t1 = rd(pc);
		f1 = thread_faults();
		r->samples++;
		if (f1 != f0) {
			r->faults += f1 - f0;
			if (r->n < ctl->lat_max)
				lat[r->n++] = t1 - t0 > r->overhead ? t1 - t0 - r->overhead : 0;
		}
	}
	r->allocated = resident_pages() - before;
}

/* The counter-read overhead: the least of back-to-back reads. */
static uint64_t calibrate(const volatile struct perf_event_mmap_page *pc)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < 256; i++) {
		uint64_t a = rd(pc), b = rd(pc);

		if (b - a < best)
			best = b - a;
	}
	return best;
}

/* Fail task `task` with err and why (the result says it; peers carry on). */
static void fail(struct smp_task_res *r, int err, const char *why)
{
	if (!r->err) {
		r->err = err;
		r->why = why;
	}
}

/* wait_turn: block (FUTEX_WAIT on the task's own word) until it is task's turn. */
static void wait_turn(unsigned task)
{
	for (;;) {
		uint32_t g = __atomic_load_n(&ctl->go[task], __ATOMIC_ACQUIRE);

		if (__atomic_load_n(&ctl->turn, __ATOMIC_ACQUIRE) == task)
			return;
		futex(&ctl->go[task], FUTEX_WAIT, g);
	}
}

/* pass_turn: hand the turn to the next task, waking it alone (no other task stirs). */
static void pass_turn(unsigned task)
{
	unsigned next = task + 1;

	__atomic_store_n(&ctl->turn, next, __ATOMIC_RELEASE);
	if (next < ctl->n) {
		__atomic_add_fetch(&ctl->go[next], 1, __ATOMIC_RELEASE);
		futex(&ctl->go[next], FUTEX_WAKE, 1);
	}
}

/* A new round of turns, from task 0 (every task between two barriers). */
static void turns_reset(unsigned task)
{
	barrier();
	if (task == 0)
		__atomic_store_n(&ctl->turn, 0, __ATOMIC_RELEASE);
	barrier();
}

/*
 * icount: the page-fault cases. A warm-up iteration on every task (all at
 * once with warmup=concurrent; one after another, the others parked, with
 * warmup=serial, the default: see docs/compare.md, "Repeatable runs"),
 * then the measured iteration, one task after another, the others blocked
 * in FUTEX_WAIT.
 */
static void pf_icount(unsigned task, const volatile struct perf_event_mmap_page *pc,
		      struct smp_task_res *r)
{
	bool shared = ctl->c.kind != PF1;
	uint64_t shared_bytes = (ctl->mb << 20) * ctl->n;
	char *mine = NULL;

	if (shared && task == 0 && !(ctl->shared = map_anon(shared_bytes)))
		fail(r, -ENOMEM, "mmap of the shared region");
	turns_reset(task);
	if (ctl->serial_warmup)
		wait_turn(task);
	r->warm_total = rd(pc);
	if (shared) {
		if (ctl->shared)
			touch_all(ctl->shared, task);
	} else if ((mine = map_anon(ctl->mb << 20))) {
		touch_all(mine, task);
		munmap(mine, ctl->mb << 20);
	} else {
		fail(r, -ENOMEM, "mmap of the task's region");
	}
	r->warm_total = rd(pc) - r->warm_total;
	if (ctl->serial_warmup)
		pass_turn(task);
	barrier();
	if (shared && task == 0) {
		if (ctl->shared)
			munmap(ctl->shared, shared_bytes);
		if (!(ctl->shared = map_anon(shared_bytes)))
			fail(r, -ENOMEM, "mmap of the shared region");
	}
	turns_reset(task);

	/* Measured: one task at a time, the others blocked in FUTEX_WAIT. */
	wait_turn(task);
	if (!shared)
		mine = map_anon(ctl->mb << 20);
	if (peers_parked(task) < 0)
		fail(r, -EBUSY, "peers not parked");
	else if (shared ? !ctl->shared : !mine)
		fail(r, -ENOMEM, "mmap of the measured region");
	else
		touch_timed(shared ? ctl->shared : mine, task, pc, r);
	if (mine)
		munmap(mine, ctl->mb << 20);
	pass_turn(task);
	barrier();
	if (shared && task == 0 && ctl->shared) {
		munmap(ctl->shared, shared_bytes);
		ctl->shared = NULL;
	}
	barrier();
}

/*
 * icount: a shootdown case. Per repetition task 0 maps k pages and writes
 * them, the others parked (so the same CPU allocates every page and table
 * in every boot); then every other task writes them all at once (no fault:
 * each CPU's TLB then holds their translations); then those park in the
 * barrier and task 0 times the munmap or madvise.
 */
static void shoot_icount(unsigned task, const volatile struct perf_event_mmap_page *pc,
			 struct smp_task_res *r)
{
	uint64_t bytes = ctl->c.k * SMP_PAGE;
	uint64_t *lat = ctl->lat[task];
	bool dontneed = ctl->c.kind == SHOOT_DONTNEED;

	for (unsigned rep = 0; rep <= SMP_SHOOT_REPS; rep++) {
		if (task == 0) {
			if ((!ctl->shared || !dontneed) && !(ctl->shared = map_anon(bytes)))
				fail(r, -ENOMEM, "mmap of the pages to shoot down");
			if (ctl->shared)
				for (uint64_t i = 0; i < ctl->c.k; i++)
					((volatile char *)ctl->shared)[i * SMP_PAGE] = 0;
		}
		barrier();
		if (task != 0 && ctl->shared)
			for (uint64_t i = 0; i < ctl->c.k; i++)
				((volatile char *)ctl->shared)[i * SMP_PAGE] = (char)task;
		barrier();
		if (task == 0 && ctl->shared) {
			uint64_t t0, t1;
			int ret;

			if (peers_parked(0) < 0)
				fail(r, -EBUSY, "peers not parked");
			t0 = rd(pc);
			ret = dontneed ? madvise(ctl->shared, bytes, MADV_DONTNEED) :
				munmap(ctl->shared, bytes);
			t1 = rd(pc);
			if (ret < 0)
				fail(r, -EIO, dontneed ? "madvise" : "munmap");
			if (!dontneed)
				ctl->shared = NULL;
			if (rep > 0 && r->n < ctl->lat_max) { /* rep 0: the warm-up */
				lat[r->n++] = t1 - t0 > r->overhead ? t1 - t0 - r->overhead : 0;
				r->samples++;
			}
		}
		barrier();
	}
	if (task == 0 && ctl->shared) {
		munmap(ctl->shared, bytes);
		ctl->shared = NULL;
	}
	barrier();
}

/*
 * tcg: every task faults its pages in a loop for ctl->secs seconds of
 * CLOCK_MONOTONIC, ctl->runs times, all starting together (a barrier).
 * Shared mapping: per loop task 0 decides whether the run goes on and maps
 * the region, all fault their pages (every 512 pages task 0 checks the
 * time and the others its stop word), task 0 unmaps.
 */
static void pf_rate(unsigned task, struct smp_task_res *r)
{
	bool shared = ctl->c.kind != PF1;
	uint64_t shared_bytes = (ctl->mb << 20) * ctl->n;
	uint64_t len = ctl->secs * 1000000000ull;

	for (unsigned run = 0; run < ctl->runs; run++) {
		uint64_t f0, t0;

		barrier();
		f0 = thread_faults();
		t0 = now_ns();
		for (;;) {
			char *base;

			if (shared) {
				if (task == 0) {
					ctl->stop = now_ns() - t0 >= len;
					if (!ctl->stop && !(ctl->shared = map_anon(shared_bytes))) {
						fail(r, -ENOMEM, "mmap");
						ctl->stop = 1;
					}
				}
				barrier();
				if (ctl->stop)
					break;
				base = ctl->shared;
			} else {
				if (now_ns() - t0 >= len)
					break;
				if (!(base = map_anon(ctl->mb << 20))) {
					fail(r, -ENOMEM, "mmap");
					break;
				}
			}
			for (uint64_t i = 0; i < task_pages(); i++) {
				((volatile char *)base)[page_offset(task, i)] = 1;
				if ((i & 511) != 511)
					continue;
				if (!shared) {
					if (now_ns() - t0 >= len)
						break;
					continue;
				}
				/* shared: task 0 keeps the time; everyone stops on its word */
				if (task == 0 && now_ns() - t0 >= len)
					__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELAXED);
				if (__atomic_load_n(&ctl->stop, __ATOMIC_RELAXED))
					break;
			}
			if (shared) {
				barrier();
				if (task == 0)
					munmap(ctl->shared, shared_bytes);
			} else {
				munmap(base, ctl->mb << 20);
			}
		}
		r->rate_ns[run] = now_ns() - t0;
		r->rate_faults[run] = thread_faults() - f0;
		barrier();
	}
}

/* A thread task's argument. */
struct task_arg {
	unsigned task;
};

/* One task: pin, open its counter, run the case. */
static void task_main(unsigned task)
{
	struct smp_task_res *r = &ctl->res[task];
	const volatile struct perf_event_mmap_page *pc = NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	ctl->tid[task] = (int32_t)syscall(SYS_gettid);
	CPU_ZERO(&set);
	CPU_SET((int)(task % (unsigned)(ncpu > 0 ? ncpu : 1)), &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fail(r, -EINVAL, "sched_setaffinity");
	linux_prepare();
	if (!ctl->rate) {
		pc = linux_pmu_open_thread(LINUX_PMCCNTR);
		if (!pc)
			fail(r, -ENOTSUP, "no EL0 PMCCNTR_EL0 for the task");
		else
			r->overhead = calibrate(pc);
	}
	barrier();
	if (ctl->rate)
		pf_rate(task, r);
	else if (ctl->c.kind == SHOOT_MUNMAP || ctl->c.kind == SHOOT_DONTNEED)
		shoot_icount(task, pc, r);
	else
		pf_icount(task, pc, r);
	/* pc stays mapped; the event goes with the thread or process */
}

/* thread_main: a thread task's start. */
static void *thread_main(void *arg)
{
	task_main(((struct task_arg *)arg)->task);
	return NULL;
}

/* Run one case on n tasks; 0, or -errno after saying which task failed and why. */
static int run_case(const struct smp_case *c, unsigned n)
{
	pthread_t th[SMP_MAX_TASKS];
	struct task_arg args[SMP_MAX_TASKS];
	pid_t pid[SMP_MAX_TASKS];
	int err = 0;

	ctl->c = *c;
	ctl->n = n;
	ctl->turn = 0;
	memset(ctl->go, 0, sizeof(ctl->go));
	ctl->bar_count = 0;
	ctl->stop = 0;
	ctl->shared = NULL;
	ctl->tid[n] = (int32_t)syscall(SYS_gettid);
	for (unsigned i = 0; i < n; i++) {
		memset(&ctl->res[i], 0, sizeof(ctl->res[i]));
		ctl->tid[i] = 0;
	}
	for (unsigned i = 0; i < n; i++) {
		args[i].task = i;
		if (c->processes) {
			pid[i] = fork();
			if (pid[i] == 0) {
				task_main(i);
				_exit(0);
			}
			if (pid[i] < 0)
				return -ENOSPC;
		} else if (pthread_create(&th[i], NULL, thread_main, &args[i])) {
			return -ENOSPC;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (c->processes) {
			int st;

			if (waitpid(pid[i], &st, 0) < 0 || !WIFEXITED(st) ||
			    WEXITSTATUS(st))
				fail(&ctl->res[i], -EIO, "the task's process died");
		} else {
			pthread_join(th[i], NULL);
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (ctl->res[i].err) {
			info("task %u: %s (%s)", i, ctl->res[i].why ? ctl->res[i].why : "?",
			     errno_name(ctl->res[i].err));
			err = ctl->res[i].err;
		}
	return err;
}

/* kind_pattern: the CSV "pattern" of case kind k. */
static const char *kind_pattern(enum smp_kind k)
{
	switch (k) {
	case PF1: return "page_fault1";
	case PFT: return "pft";
	case PFT_INTERLEAVED: return "pft-interleaved";
	default: return "shootdown";
	}
}

/* kind_access: the CSV "access" of case kind k. */
static const char *kind_access(enum smp_kind k)
{
	switch (k) {
	case SHOOT_MUNMAP: return "munmap";
	case SHOOT_DONTNEED: return "madvise-dontneed";
	default: return "write";
	}
}

/* kind_placement: the CSV "placement" of case kind k. */
static const char *kind_placement(enum smp_kind k)
{
	switch (k) {
	case PF1: return "disjoint";
	case PFT: return "partitioned";
	case PFT_INTERLEAVED: return "interleaved";
	default: return "shootdown";
	}
}

/* The cases of one THP setting, in order: page-fault cases, then shootdowns (never only). */
static size_t case_list(struct smp_case *out, bool thp_always)
{
	size_t n = 0;

	out[n++] = (struct smp_case){ .kind = PF1, .processes = true };
	out[n++] = (struct smp_case){ .kind = PF1, .processes = false };
	out[n++] = (struct smp_case){ .kind = PFT };
	out[n++] = (struct smp_case){ .kind = PFT_INTERLEAVED };
	if (!thp_always)
		for (size_t i = 0; i < ARRAY_SIZE(shoot_pages); i++) {
			out[n++] = (struct smp_case){ .kind = SHOOT_MUNMAP, .k = shoot_pages[i] };
			out[n++] = (struct smp_case){ .kind = SHOOT_DONTNEED, .k = shoot_pages[i] };
		}
	return n;
}

/* Keep the rows of a finished case (per task; tcg: per task and the total). */
static void keep_rows(const struct smp_case *c, unsigned n, const char *thp)
{
	unsigned cores = ctl->rate ? n + 1 : n;

	for (unsigned t = 0; t < cores && nrows < SMP_MAX_ROWS; t++) {
		struct smp_row *w = &rows[nrows];

		memset(w, 0, sizeof(*w));
		w->c = *c;
		w->core = t;
		w->thp = thp;
		if (ctl->rate) {
			uint64_t v[SMP_MAX_RUNS];

			for (unsigned run = 0; run < ctl->runs; run++) {
				uint64_t f = 0, rate = 0;

				for (unsigned i = 0; i < n; i++) {
					const struct smp_task_res *r = &ctl->res[i];
					uint64_t ri = r->rate_ns[run] ?
						r->rate_faults[run] * 1000000000ull / r->rate_ns[run] : 0;

					if (t == n || t == i) {
						rate += ri;
						f += r->rate_faults[run];
					}
				}
				v[run] = rate;
				w->r.faults += f;
			}
			stats_sort(v, ctl->runs);
			w->rate_p50 = stats_rank(v, ctl->runs, 500);
			w->rate_min = v[0];
			w->rate_max = v[ctl->runs - 1];
			w->runs = ctl->runs;
		} else {
			if (c->kind >= SHOOT_MUNMAP && t != 0)
				continue; /* only the initiator measured */
			w->r = ctl->res[t];
			stats_compute(ctl->lat[t], w->r.n, &w->s);
		}
		nrows++;
	}
}

/* print_icount_block: the linux-smp CSV block (icount rows). */
static void print_icount_block(const struct bench_meta *m0, const struct linux_opts *o,
			       unsigned n)
{
	struct csv_line l;

	kprintf("faultline-csv begin linux-smp\n");
	csv_reset(&l);
	linux_csv_header(&l);
	csv_str(&l, "cpus");
	csv_str(&l, "core");
	csv_str(&l, "placement");
	csv_str(&l, "tasks");
	csv_str(&l, "peers");
	csv_str(&l, "warmup");
	csv_str(&l, "crng");
	kprintf("%s\n", l.buf);
	for (size_t i = 0; i < nrows; i++) {
		const struct smp_row *w = &rows[i];
		struct bench_meta m = *m0;
		bool shoot = w->c.kind >= SHOOT_MUNMAP;
		struct bench_row row = {
			.pattern = kind_pattern(w->c.kind),
			.access = kind_access(w->c.kind),
			.pages = shoot ? w->c.k : task_pages(),
			.samples = w->r.samples,
			.faults = w->r.faults,
			.pages_allocated = w->r.allocated,
			.lat = &w->s,
			.table_pages = ENV_UNKNOWN,
			.iters = 1,
			.thp = !strcmp(w->thp, "always"),
		};

		m.thp = w->thp;
		m.folio = strcmp(w->thp, "always") ? "none" : "thp-always";
		if (shoot)
			row.iters = SMP_SHOOT_REPS;
		csv_reset(&l);
		bench_summary_row(&l, &m, &row);
		linux_csv_config(&l, &m, o);
		bench_page_row(&l, &(struct bench_page_row){ .counted = false });
		bench_run_row(&l, &m, &row);
		csv_str(&l, linux_release());
		csv_u64(&l, n);
		csv_u64(&l, w->core);
		csv_str(&l, kind_placement(w->c.kind));
		csv_str(&l, shoot || w->c.kind != PF1 ? "threads" :
			w->c.processes ? "processes" : "threads");
		csv_str(&l, "parked");
		csv_str(&l, shoot ? "serial" : ctl->serial_warmup ? "serial" : "concurrent");
		csv_str(&l, crng_state);
		if (l.overflow) {
			info("CSV row of %s overflows; left out", row.pattern);
			continue;
		}
		kprintf("%s\n", l.buf);
	}
	kprintf("faultline-csv end linux-smp\n");
}

/* print_rate_block: the linux-smp-rate CSV block (parallel-TCG rows). */
static void print_rate_block(const struct bench_meta *m, const struct linux_opts *o,
			     unsigned n)
{
	struct csv_line l;

	kprintf("faultline-csv begin linux-smp-rate\n");
	csv_reset(&l);
	for (const char *const *h = (const char *const[]){ "board", "cpu", "mode",
		"unit", "pattern", "access", "pages", "cpus", "core", "placement",
		"tasks", "thp", "runs", "secs", "faults", "faults_per_s",
		"faults_per_s_min", "faults_per_s_max", "spread", "resolution", "linux_config",
		"cmdline", "kernel_release", "build", NULL }; *h; h++)
		csv_str(&l, *h);
	kprintf("%s\n", l.buf);
	for (size_t i = 0; i < nrows; i++) {
		const struct smp_row *w = &rows[i];

		csv_reset(&l);
		csv_str(&l, m->board);
		csv_str(&l, m->cpu);
		csv_str(&l, m->mode);
		csv_str(&l, "faults/s-emulated-host-time");
		csv_str(&l, kind_pattern(w->c.kind));
		csv_str(&l, kind_access(w->c.kind));
		csv_u64(&l, task_pages());
		csv_u64(&l, n);
		if (w->core == n)
			csv_str(&l, "all");
		else
			csv_u64(&l, w->core);
		csv_str(&l, kind_placement(w->c.kind));
		csv_str(&l, w->c.kind == PF1 && w->c.processes ? "processes" : "threads");
		csv_str(&l, w->thp);
		csv_u64(&l, w->runs);
		csv_u64(&l, ctl->secs);
		csv_u64(&l, w->r.faults);
		csv_u64(&l, w->rate_p50);
		csv_u64(&l, w->rate_min);
		csv_u64(&l, w->rate_max);
		csv_fixed2(&l, w->rate_min ? (w->rate_max * 100 + w->rate_min / 2) / w->rate_min : 0);
		linux_csv_config(&l, m, o); /* resolution, linux_config, cmdline */
		csv_str(&l, linux_release());
		csv_str(&l, m->build);
		if (l.overflow) {
			info("CSV row of %s overflows; left out", kind_pattern(w->c.kind));
			continue;
		}
		kprintf("%s\n", l.buf);
	}
	kprintf("faultline-csv end linux-smp-rate\n");
}

/* The progress line of a finished case: per core p50s (icount) or faults/s (tcg). */
static void say_case(const struct smp_case *c, const char *thp, unsigned n, size_t first)
{
	char buf[256];
	size_t len = 0;

	for (size_t i = first; i < nrows && len < sizeof(buf) - 32; i++)
		len += (size_t)ksnprintf(buf + len, sizeof(buf) - len, " %llu",
					 (unsigned long long)(ctl->rate ? rows[i].rate_p50 :
							      rows[i].s.p50));
	buf[len] = '\0';
	if (!ctl->rate && c->kind < SHOOT_MUNMAP) {
		/* the warm-up phase's totals: with warmup=concurrent, every CPU's
		 * instructions while the task ran (docs/compare.md) */
		len += (size_t)ksnprintf(buf + len, sizeof(buf) - len, "; warm-up totals");
		for (unsigned i = 0; i < n && len < sizeof(buf) - 32; i++)
			len += (size_t)ksnprintf(buf + len, sizeof(buf) - len, " %llu",
						 (unsigned long long)ctl->res[i].warm_total);
	}
	char k[24] = "";

	if (c->k)
		ksnprintf(k, sizeof(k), " k=%u", c->k);
	info("smp cpus=%u %s %s %s%s%s thp=%s: %s%s", n, kind_pattern(c->kind),
	     kind_access(c->kind), kind_placement(c->kind),
	     c->kind == PF1 ? (c->processes ? " processes" : " threads") : "",
	     k, thp, ctl->rate ? "faults/s per core, then all (median):" :
	     "p50 instructions per core:", buf);
}

/* Whether case c is selected by pattern= (NULL: all). */
static bool selected(const struct smp_case *c, const char *pattern)
{
	return !pattern || !strcmp(pattern, kind_pattern(c->kind)) ||
	       (!strcmp(pattern, "shootdown-munmap") && c->kind == SHOOT_MUNMAP);
}

int linux_smp(const struct linux_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = o->tasks ? (unsigned)o->tasks : (unsigned)(ncpu > 0 ? ncpu : 1);
	const char *thps[2];
	size_t nthp = 0;
	struct bench_meta m;
	uint64_t lat_bytes;
	int failed = 0;

	if (n > SMP_MAX_TASKS) {
		info("%u tasks: at most %d", n, SMP_MAX_TASKS);
		return -EINVAL;
	}
	if (!strcmp(o->mode, "hw")) {
		info("run=smp needs mode=icount or mode=tcg");
		return -EINVAL;
	}
	if (!o->thp || !strcmp(o->thp, "never"))
		thps[nthp++] = "never";
	else if (!strcmp(o->thp, "always"))
		thps[nthp++] = "always";
	else if (!strcmp(o->thp, "both")) {
		thps[nthp++] = "never";
		thps[nthp++] = "always";
	} else {
		info("bad value for thp: '%s' (never, always or both)", o->thp);
		return -EINVAL;
	}
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ctl == MAP_FAILED)
		return -ENOMEM;
	memset(ctl, 0, sizeof(*ctl));
	ctl->mb = o->mb ? o->mb : 128;
	ctl->rate = !strcmp(o->mode, "tcg");
	ctl->runs = o->runs ? (unsigned)o->runs : 10;
	ctl->secs = o->secs ? o->secs : 1;
	ctl->serial_warmup = !o->warmup || strcmp(o->warmup, "concurrent");
	if (ctl->runs > SMP_MAX_RUNS)
		ctl->runs = SMP_MAX_RUNS;
	/* every page's latency, per task, shared so fork()ed tasks fill it too */
	ctl->lat_max = MAX(task_pages(), (uint64_t)SMP_SHOOT_REPS);
	lat_bytes = ALIGN_UP(ctl->lat_max * 8, SMP_PAGE);
	for (unsigned i = 0; i < n; i++) {
		ctl->lat[i] = mmap(NULL, lat_bytes, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (ctl->lat[i] == MAP_FAILED)
			return -ENOMEM;
	}
	linux_prepare();
	crng_state = o->crng && !strcmp(o->crng, "leave") ?
		(crng_ready() ? "ready" : "unseeded") : crng_seed();
	info("smp: kernel CRNG %s%s", crng_state,
	     !strcmp(crng_state, "seeded") ? " (a fixed 256-bit seed: RNDADDENTROPY)" :
	     !strcmp(crng_state, "unseeded") ? " (each system call's get_random_u16 "
	     "runs ChaCha20 in full until it is)" : "");
	info("smp: %u tasks on %ld CPUs, %llu MiB per task, mode %s%s", n, ncpu,
	     (unsigned long long)ctl->mb, o->mode,
	     ctl->rate ? " (faults/s in emulated host time)" :
	     " (instructions; peers parked in FUTEX_WAIT while one task measures)");
	for (size_t t = 0; t < nthp; t++) {
		struct smp_case cases[16];
		size_t nc = case_list(cases, !strcmp(thps[t], "always"));

		if (linux_folio_set(strcmp(thps[t], "always") ? "none" : "thp-always") < 0)
			return -EIO;
		/* PR_SET_THP_DISABLE (init.c) would keep THP off whatever sysfs says */
		prctl(PR_SET_THP_DISABLE, strcmp(thps[t], "always") ? 1 : 0, 0, 0, 0);
		linux_meta(&m, o);
		for (size_t i = 0; i < nc; i++) {
			const struct smp_case *c = &cases[i];
			int err;

			if (!selected(c, o->pattern))
				continue;
			if (ctl->rate && c->kind >= SHOOT_MUNMAP)
				continue; /* a rate of unmaps is not this benchmark's */
			err = run_case(c, n);
			if (err < 0) {
				info("smp %s %s%s k=%u thp=%s: %s", kind_pattern(c->kind),
				     kind_access(c->kind), c->processes ? " processes" : "",
				     c->k, thps[t], errno_name(err));
				failed++;
				continue;
			}
			size_t first = nrows;

			keep_rows(c, n, thps[t]);
			say_case(c, thps[t], n, first);
		}
	}
	if (ctl->rate)
		print_rate_block(&m, o, n);
	else
		print_icount_block(&m, o, n);
	return failed ? -EIO : 0;
}
