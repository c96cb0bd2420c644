/*
 * The benchmark environment (bench/env.h) for a static Linux program, so the
 * access patterns of bench/ run unchanged as a Linux process (`make compare`).
 *
 * Memory comes from mmap(MAP_PRIVATE | MAP_ANONYMOUS) and brk, the latency
 * counter is a PMU counter read from EL0 (pmu.c, rdpmc.h) where Linux
 * offers one, else CNTVCT_EL0 (Linux sets CNTKCTL_EL1.EL0VCTEN, so EL0 may
 * read it: Arm ARM D12.2.6 / DDI0487 K.a), faults are the process's minor
 * faults.
 *
 * Linux has no "data pages allocated by faults" counter, so it is derived
 * from the process's resident anonymous pages (/proc/self/statm, kept open):
 *
 *   allocated = resident_now - resident_start + released
 *
 * where released counts the allocated pages env_unmap and a shrinking
 * env_brk gave back (read from /proc/self/pagemap just before they go), so
 * the total only grows, like the kernel's counter. The zero page and
 * page-table pages are not resident anonymous pages, so a read fault counts
 * 0 and a write fault 1. Since Linux 6.2 RSS is a per-CPU counter: statm
 * reports its exact sum on kernels with "mm: fix the inaccurate memory
 * statistics issue for users" (6.16, and the 6.12.y Debian kernel used
 * here); older ones report only the folded part, which lags by up to 31
 * pages per CPU (percpu_counter_batch), and envcheck.c says so. faults, from
 * getrusage(), is exact everywhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "bench/env.h"
#include "tools/linux/linux.h"
#include "tools/linux/rdpmc.h"

/*
 * /proc/self/pagemap: one little-endian u64 per virtual page
 * (Documentation/admin-guide/mm/pagemap.rst):
 *
 *   63     62    61    57    56    55   54:0
 *  +------+-----+-----+-----+-----+----+------+
 *  |PRESENT|SWAP|FILE | WP  |EXCL |DRTY| PFN  |
 *  +------+-----+-----+-----+-----+----+------+
 *
 * A private anonymous page a fault allocated is PRESENT and EXCLUSIVE (mapped
 * once); the shared zero page is PRESENT but never EXCLUSIVE.
 */
#define PM_PRESENT BIT(63)
#define PM_FILE BIT(61)
#define PM_MMAP_EXCLUSIVE BIT(56)

static struct linux_fault_log *flog; /* the case being logged, or NULL */
static unsigned reads_since;    /* env_counter() reads since env_faults() */
static uint64_t read_prev, read_last; /* the last two of them */
static uint64_t faults_prev;    /* what env_faults() returned last */

static uint64_t resident_start; /* resident pages when counting started */
static uint64_t released;   /* allocated pages given back since then */
static bool counting;

/*
 * Resident pages of this process: field 2 of /proc/self/statm
 * ("size resident shared text lib data dt", in pages; proc(5)). The program
 * maps no files after start-up, so changes are anonymous pages.
 */
static uint64_t resident_pages(void)
{
	static int fd = -1;
	char buf[128], *p = buf;
	uint64_t v = 0;
	ssize_t n;

	if (fd < 0 && (fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

/*
 * env_table_pages: VmPTE of /proc/self/status (kB of page tables) in
 * pages, or ENV_UNKNOWN when it cannot be read.
 */
uint64_t env_table_pages(void)
{
	char buf[4096], *p;
	uint64_t kb = 0;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ENV_UNKNOWN;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return ENV_UNKNOWN;
	buf[n] = '\0';
	p = strstr(buf, "VmPTE:");
	if (!p)
		return ENV_UNKNOWN;
	for (p += 6; *p == ' ' || *p == '\t'; p++)
		;
	while (*p >= '0' && *p <= '9')
		kb = kb * 10 + (uint64_t)(*p++ - '0');
	return kb * 1024 / (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * Pages of [p, p+bytes) that hold an allocated anonymous page right now, in
 * the kernel's pages (getpagesize(): pagemap has one entry per page of the
 * kernel's granule, 16 KiB on a 16K kernel, not per PAGE_SIZE of bench/).
 */
static uint64_t allocated_in(void *p, uint64_t bytes)
{
	static uint64_t entries[512]; /* not on the stack (see run.c) */
	uint64_t n = 0, page = (uint64_t)getpagesize();
	uint64_t first = (uint64_t)p / page;
	uint64_t count = (ALIGN_DOWN((uint64_t)p + bytes + page - 1, page) -
			  first * page) / page;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (count) {
		uint64_t chunk = MIN(count, ARRAY_SIZE(entries));
		ssize_t got = pread(fd, entries, chunk * 8, (off_t)(first * 8));

		if (got <= 0)
			break;
		for (uint64_t i = 0; i < (uint64_t)got / 8; i++) {
			uint64_t e = entries[i];

			if ((e & PM_PRESENT) && (e & PM_MMAP_EXCLUSIVE) &&
			    !(e & PM_FILE))
				n++;
		}
		first += (uint64_t)got / 8;
		count -= (uint64_t)got / 8;
	}
	close(fd);
	return n;
}

/* Whether a logged case's samples are still to come or under way. */
static bool table_watch(void)
{
	return flog && flog->samples < flog->total;
}

void *env_map(uint64_t bytes, unsigned prot)
{
	int p = PROT_NONE;
	void *m;

	if (prot & ENV_PROT_READ)
		p |= PROT_READ;
	if (prot & ENV_PROT_WRITE)
		p |= PROT_WRITE;
	/*
	 * No reservation: like faultline's mappings, only touched pages take
	 * memory, so a sparse 512 MiB stride region fits in 512 MiB of RAM
	 * (the default overcommit heuristic would refuse it).
	 */
	m = mmap(NULL, bytes, p, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (table_watch())
		flog->table_base = linux_table_pages();
	return m == MAP_FAILED ? NULL : m;
}

/* Note the page-table pages the touches since table_base added. */
static void table_note(void)
{
	uint64_t now = linux_table_pages();

	if (now > flog->table_base && now - flog->table_base > flog->table_peak)
		flog->table_peak = now - flog->table_base;
}

int env_unmap(void *p, uint64_t bytes)
{
	uint64_t gone = counting ? allocated_in(p, bytes) : 0;

	if (table_watch())
		table_note();
	if (munmap(p, bytes) < 0)
		return -errno;
	released += gone;
	return 0;
}

void *env_brk(void *addr)
{
	void *old = (void *)syscall(SYS_brk, 0);
	uint64_t gone = 0;
	void *now;

	if (table_watch() && !addr)
		flog->table_base = linux_table_pages();
	if (table_watch() && addr && (uint64_t)addr < (uint64_t)old)
		table_note();
	if (counting && addr && (uint64_t)addr < (uint64_t)old) {
		uint64_t from = ALIGN_UP((uint64_t)addr, (uint64_t)getpagesize());

		if (from < (uint64_t)old)
			gone = allocated_in((void *)from, (uint64_t)old - from);
	}
	now = (void *)syscall(SYS_brk, addr);
	if ((uint64_t)now < (uint64_t)old)
		released += gone;
	return now;
}

/*
 * A PMU counter by its perf_event_mmap_page number (rdpmc.h): 32 is
 * PMCCNTR_EL0, n < 32 is PMEVCNTR<n-1>_EL0 (Arm ARM DDI0487 K.a, D24
 * "Performance Monitors registers"), whose number is part of the
 * instruction, hence the switch. The ISB keeps
 * the read from being done before earlier instructions complete.
 */
#define PMEVCNTR_CASE(n)                                                      \
	case (n) + 1:                                                         \
		__asm__ volatile("isb\n\tmrs %0, pmevcntr" #n "_el0" : "=r"(v)); \
		break;

static inline uint64_t pmu_counter(uint32_t index)
{
	uint64_t v = 0;

	switch (index) {
	case RDPMC_INDEX_CYCLES:
		__asm__ volatile("isb\n\tmrs %0, pmccntr_el0" : "=r"(v));
		break;
	PMEVCNTR_CASE(0) PMEVCNTR_CASE(1) PMEVCNTR_CASE(2) PMEVCNTR_CASE(3)
	PMEVCNTR_CASE(4) PMEVCNTR_CASE(5) PMEVCNTR_CASE(6) PMEVCNTR_CASE(7)
	PMEVCNTR_CASE(8) PMEVCNTR_CASE(9) PMEVCNTR_CASE(10) PMEVCNTR_CASE(11)
	PMEVCNTR_CASE(12) PMEVCNTR_CASE(13) PMEVCNTR_CASE(14) PMEVCNTR_CASE(15)
	PMEVCNTR_CASE(16) PMEVCNTR_CASE(17) PMEVCNTR_CASE(18) PMEVCNTR_CASE(19)
	PMEVCNTR_CASE(20) PMEVCNTR_CASE(21) PMEVCNTR_CASE(22) PMEVCNTR_CASE(23)
	PMEVCNTR_CASE(24) PMEVCNTR_CASE(25) PMEVCNTR_CASE(26) PMEVCNTR_CASE(27)
	PMEVCNTR_CASE(28) PMEVCNTR_CASE(29) PMEVCNTR_CASE(30)
	default:
		break;
	}
	return v;
}

static enum linux_counter counter = LINUX_CNTVCT;
static const volatile struct perf_event_mmap_page *pmu_page;

int linux_counter_use(enum linux_counter c)
{
	const volatile struct perf_event_mmap_page *pc;

	pmu_page = NULL;
	if (c == LINUX_CNTVCT) {
		linux_pmu_close();
		counter = c;
		return 0;
	}
	pc = linux_pmu_open(c);
	if (!pc) {
		counter = LINUX_CNTVCT;
		return -ENODEV;
	}
	counter = c;
	pmu_page = pc;
	return 0;
}

enum linux_counter linux_counter_now(void)
{
	return counter;
}

const char *linux_counter_name(enum linux_counter c)
{
	switch (c) {
	case LINUX_PMCCNTR:
		return "pmccntr";
	case LINUX_INST:
		return "inst_retired";
	default:
		return "cntvct";
	}
}

/*
 * The PMU count by the perf_event_mmap_page protocol, or CNTVCT_EL0 (Arm
 * ARM D24.6.5) when no PMU counter is in use; both bracketed by ISB so the
 * read is neither hoisted above earlier instructions nor overtaken by later
 * ones. Either way the instructions are the same on every call, so the
 * calibrated counter-read overhead (bench_calibrate) subtracts them.
 */
uint64_t env_counter(void)
{
	uint64_t v;

	if (pmu_page) {
		v = rdpmc_read(pmu_page, pmu_counter);
		__asm__ volatile("isb" ::: "memory");
	} else {
		__asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(v) : : "memory");
	}
	/* After the read: the bookkeeping is outside the timed window. */
	read_prev = read_last;
	read_last = v;
	reads_since++;
	return v;
}

uint64_t linux_pmu_read(const volatile struct perf_event_mmap_page *pc)
{
	uint64_t v = rdpmc_read(pc, pmu_counter);

	__asm__ volatile("isb" ::: "memory");
	return v;
}

void linux_fault_log_start(struct linux_fault_log *l, uint64_t per_rep,
			   uint64_t reps)
{
	flog = l;
	reads_since = 0;
	if (!l)
		return;
	l->per_rep = per_rep;
	l->total = per_rep * (reps + 1);
	l->samples = l->faults = l->n = 0;
	l->table_base = linux_table_pages();
	l->table_peak = 0;
	linux_folio_stats(&l->at_measure);
	l->at_end = l->at_measure;
}

/*
 * Log a sample when this call closes one: exactly two counter reads (the
 * timed access's t0 and t1) since the previous call, which opened it (in
 * a measured repetition bench/ reads env_faults() right after t1; in the
 * warm-up it does not, and the next sample's first call closes it, which
 * keeps the count of samples right: only measured ones are logged). A
 * sample of a measured repetition (index >= per_rep) whose fault count
 * moved is a faulting sample; at the end of the warm-up and after the last
 * sample the folio counters are read, so their deltas cover the measured
 * repetitions only (not bench/'s own mappings before and after).
 */
static void fault_log(uint64_t faults)
{
	struct linux_fault_log *l = flog;

	if (reads_since == 2) {
		uint64_t i = l->samples++;

		if (i >= l->per_rep && faults > faults_prev) {
			l->faults += faults - faults_prev;
			if (l->n < l->max)
				l->lat[l->n++] = read_last - read_prev;
		}
		if (i + 1 == l->per_rep)
			linux_folio_stats(&l->at_measure);
		if (i + 1 == l->total) {
			linux_folio_stats(&l->at_end);
			table_note(); /* the last repetition's, before its unmap */
		}
	}
	reads_since = 0;
}

uint64_t env_faults(void)
{
	struct rusage ru;
	uint64_t v;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	v = (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
	if (flog)
		fault_log(v);
	faults_prev = v;
	return v;
}

uint64_t env_pages_allocated(void)
{
	uint64_t now;

	if (!counting) {
		resident_start = resident_pages();
		counting = true;
	}
	/* Pages the C library or the stack give back are not ours to count. */
	now = resident_pages() + released;
	return now > resident_start ? now - resident_start : 0;
}

/*
 * The largest data or unified cache of CPU 0: the largest "size" under
 * /sys/devices/system/cpu/cpu0/cache/indexN (Linux fills it from
 * CLIDR_EL1/CCSIDR_EL1 or the firmware's tables); 0 when there is none.
 */
uint64_t env_cache_bytes(void)
{
	uint64_t best = 0;

	for (int i = 0; i < 8; i++) {
		char path[80], unit = 0;
		unsigned long long n = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu%c", &n, &unit) >= 1) {
			uint64_t b = n << (unit == 'K' ? 10 : unit == 'M' ? 20 : 0);
			if (b > best)
				best = b;
		}
		fclose(f);
	}
	return best;
}

uint64_t env_ram_bytes(void)
{
	struct sysinfo si;
	uint64_t free;

	if (sysinfo(&si) < 0)
		return 0;
	free = (uint64_t)si.freeram * si.mem_unit;
	/* Leave an eighth for page tables, the page cache and the kernel. */
	return free - free / 8;
}

uint64_t linux_counter_freq(void)
{
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}
