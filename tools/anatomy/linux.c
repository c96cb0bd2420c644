/*
 * The Linux side of `make anatomy`: /init of an initramfs on Debian's arm64
 * kernel that runs bench/anatomy.c (the same traced touches as faultline's
 * run=anatomy), timed with PMCCNTR_EL0 read from user space, then hands the
 * running kernel's text symbols (/proc/kallsyms) to the host's debugger.
 *
 * The counter. perf_event_open() of the CPU-cycles event with attr.config1
 * bit 0 ("long": a 64-bit counter) and bit 1 ("rdpmc": user access), after
 * /proc/sys/kernel/perf_user_access is set to 1 (Linux 5.17+), counting EL0
 * and EL1. The arm64 PMU driver then puts the event on the cycle counter and
 * sets PMUSERENR_EL0.CR and .ER for this task (EL0 reads of PMCCNTR_EL0 and
 * the event counters, Arm ARM "PMUSERENR_EL0"); the event's
 * perf_event_mmap_page says so:
 * cap_user_rdpmc = 1 and index = 32 (the cycle counter, PMCCNTR_EL0). The
 * program checks both, then reads PMCCNTR_EL0 directly ("isb; mrs; isb"):
 * one task on one CPU, only differences of two reads are used, so the
 * page's seqlock and offset (constant while the event stays scheduled in)
 * cancel out. Under QEMU -icount shift=0 the cycle counter counts retired
 * instructions (QEMU derives it from the instruction count).
 *
 * The symbols. With kptr_restrict=0 and root, /proc/kallsyms holds the
 * running kernel's addresses (the same boot: right under KASLR too). The
 * text symbols (types t, T, w, W) are collected into one buffer and passed
 * to anatomy_symbols(), which the host breaks on to copy the buffer out.
 *
 * Console lines follow the faultline protocol ("faultline: ... ", last line
 * "faultline: done status=ok|fail (<reason>)"); then the machine powers off.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#undef BLOCK_SIZE /* <linux/fs.h>'s; lib/types.h has its own, unrelated */
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "bench/anatomy.h"
#include "bench/env.h"
#include "lib/printf.h"
#include "tools/linux/pid1.h"

#define CYCLE_COUNTER_INDEX 32   /* perf_event_mmap_page.index of PMCCNTR_EL0 */
#define KALLSYMS_MAX (64u << 20)

void *env_map(uint64_t bytes, unsigned prot)
{
	int p = ((prot & ENV_PROT_READ) ? PROT_READ : 0) |
		((prot & ENV_PROT_WRITE) ? PROT_WRITE : 0);
	void *m = mmap(NULL, bytes, p, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

int env_unmap(void *p, uint64_t bytes)
{
	return munmap(p, bytes) ? -1 : 0;
}

uint64_t env_counter(void)
{
	uint64_t v;

	asm volatile("isb\n\tmrs %0, pmccntr_el0\n\tisb" : "=r"(v) : : "memory");
	return v;
}

/* Write a short string to a /proc/sys file; 0 or -1. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Open the cycle counter for user reads; NULL after naming what failed. */
static const char *counter_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.config1 = 0x3,         /* long (bit 0), rdpmc (bit 1) */
		.pinned = 1,
	};
	struct perf_event_mmap_page *pg;
	long fd;

	if (write_file("/proc/sys/kernel/perf_user_access", "1"))
		return "cannot set /proc/sys/kernel/perf_user_access";
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return "perf_event_open of the cycle counter failed";
	pg = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, (int)fd, 0);
	if (pg == MAP_FAILED)
		return "cannot map the perf event page";
	if (!pg->cap_user_rdpmc)
		return "the kernel refuses user reads of the counter (cap_user_rdpmc=0)";
	if (pg->index != CYCLE_COUNTER_INDEX)
		return "the event is not on the cycle counter PMCCNTR_EL0";
	return NULL;
}

/*
 * anatomy_symbols: the host's debugger breaks here and copies buf[0..len):
 * the text symbols of /proc/kallsyms, one "address type name" line each.
 */
__attribute__((noinline)) void anatomy_symbols(const char *buf, size_t len);
__attribute__((noinline)) void anatomy_symbols(const char *buf, size_t len)
{
	asm volatile("" : : "r"(buf), "r"(len) : "memory");
}

static int symbols(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char *buf = malloc(KALLSYMS_MAX), line[512];
	size_t n = 0, kept = 0;
	unsigned long long addr;
	char type;

	if (!f || !buf)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		if (sscanf(line, "%llx %c", &addr, &type) != 2 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (n + l >= KALLSYMS_MAX)
			return -1;
		memcpy(buf + n, line, l);
		n += l;
		kept++;
	}
	fclose(f);
	if (!kept)
		return -1;      /* every address hidden: kptr_restrict */
	/* Touch every page so the debugger can read the whole buffer. */
	for (size_t i = 0; i < n; i += 4096)
		((volatile char *)buf)[i];
	info("anatomy: %zu text symbols, %zu bytes", kept, n);
	anatomy_symbols(buf, n);
	return 0;
}

int main(void)
{
	const char *why;
	bool pid1 = getpid() == 1;
	int ok = 0;

	if (pid1 && pid1_setup() < 0)
		return 1;
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		info("warning: PR_SET_THP_DISABLE failed; huge pages may skew the trace");
	write_file("/proc/sys/kernel/kptr_restrict", "0");
	why = counter_open();
	if (!why)
		info("anatomy: counter=pmccntr unit=instructions (PMCCNTR_EL0 read "
		     "from EL0, perf_user_access=1)");
	if (why)
		info("done status=fail (%s)", why);
	else if (symbols())
		info("done status=fail (cannot read the text symbols of /proc/kallsyms)");
	else if (anatomy_run())
		info("done status=fail (anatomy: no memory)");
	else
		ok = 1;
	if (ok)
		info("done status=ok");
	if (pid1) {
		pid1_poweroff();
	}
	return ok ? 0 : 1;
}
