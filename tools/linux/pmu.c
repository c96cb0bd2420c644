/*
 * The PMU as the Linux program's latency counter: a perf event on this task,
 * counting at EL0 and EL1, read from EL0 without a system call (rdpmc.h).
 *
 * Linux lets EL0 read PMU counters only when both are given:
 *   - /proc/sys/kernel/perf_user_access = 1 (arm64, Linux 5.17+;
 *     Documentation/arch/arm64/perf.rst "Userspace PMU hardware counter
 *     access");
 *   - attr.config1 bit 1 ("rdpmc") on the event, and bit 0 ("long") for a
 *     64-bit counter. A 64-bit event counter needs FEAT_PMUv3p5; without it
 *     Linux refuses the pair, so an event counter falls back to 32 bits
 *     (the sign extension by pmc_width then keeps the count right across a
 *     wrap, which the kernel folds into `offset`).
 * Linux then sets PMUSERENR_EL0.ER and PMUSERENR_EL0.CR while the task
 * runs (Arm ARM DDI0487 K.a, D24 "Performance Monitors registers",
 * PMUSERENR_EL0), so MRS of PMCCNTR_EL0 and PMEVCNTR<n>_EL0 work at EL0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/assert.h"
#include "tools/linux/linux.h"
#include "tools/linux/rdpmc.h"

/* perf_event_attr.config1 bits of the arm64 PMU (its "format" directory). */
#define CONFIG1_LONG BIT(0)    /* 64-bit counter */
#define CONFIG1_RDPMC BIT(1)   /* EL0 may read the counter */

static const char *why_not = "not tried";
static int event_fd = -1;      /* the open event, or -1 */
static void *event_page;       /* its mmap()ed perf_event_mmap_page */

void linux_pmu_close(void)
{
	if (event_page)
		munmap(event_page, (size_t)sysconf(_SC_PAGESIZE));
	if (event_fd >= 0)
		close(event_fd);
	event_page = NULL;
	event_fd = -1;
}

/* Let EL0 read the PMU: 0, or -errno when the sysctl is missing or refused. */
static int allow_user_access(void)
{
	int fd = open("/proc/sys/kernel/perf_user_access", O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0) {
		why_not = "no /proc/sys/kernel/perf_user_access (Linux < 5.17 or no arm64 PMU driver)";
		return -errno;
	}
	if (write(fd, "1\n", 2) != 2) {
		err = -errno;
		why_not = "perf_user_access cannot be set (not root?)";
	}
	close(fd);
	return err;
}

static int open_event(uint64_t config, uint64_t config1)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = config;
	a.config1 = config1;
	a.pinned = 1;          /* always on a counter while the task runs */
	a.exclude_kernel = 0;  /* count EL1 too: the fault is in the kernel */
	a.exclude_hv = 0;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/*
 * Open counter c on the calling thread and map its page: the page (*fd the
 * event), or NULL after setting why_not.
 */
static const volatile struct perf_event_mmap_page *open_mapped(enum linux_counter c,
							       int *fd_out)
{
	uint64_t config = c == LINUX_INST ? PERF_COUNT_HW_INSTRUCTIONS :
		PERF_COUNT_HW_CPU_CYCLES;
	const volatile struct perf_event_mmap_page *pc;
	void *m;
	int fd;

	assert(c == LINUX_PMCCNTR || c == LINUX_INST);
	if (allow_user_access() < 0)
		return NULL;
	fd = open_event(config, CONFIG1_LONG | CONFIG1_RDPMC);
	if (fd < 0 && errno == EOPNOTSUPP && c == LINUX_INST)
		fd = open_event(config, CONFIG1_RDPMC);
	if (fd < 0) {
		why_not = c == LINUX_INST ?
			"perf_event_open refused the instructions event" :
			"perf_event_open refused the cycles event";
		return NULL;
	}
	m = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		why_not = "the event's page cannot be mapped";
		close(fd);
		return NULL;
	}
	pc = m;
	if (!pc->cap_user_rdpmc || pc->index == 0) {
		why_not = "the kernel does not let EL0 read the counter (cap_user_rdpmc 0)";
		munmap(m, (size_t)sysconf(_SC_PAGESIZE));
		close(fd);
		return NULL;
	}
	if (c == LINUX_PMCCNTR && pc->index != RDPMC_INDEX_CYCLES) {
		why_not = "the cycles event is not on PMCCNTR_EL0";
		munmap(m, (size_t)sysconf(_SC_PAGESIZE));
		close(fd);
		return NULL;
	}
	why_not = NULL;
	*fd_out = fd;
	return pc;
}

const volatile struct perf_event_mmap_page *linux_pmu_open(enum linux_counter c)
{
	const volatile struct perf_event_mmap_page *pc;
	int fd;

	/* One event at a time: a second cycles event finds PMCCNTR_EL0 taken. */
	linux_pmu_close();
	pc = open_mapped(c, &fd);
	if (!pc)
		return NULL;
	/* The fd stays open until linux_pmu_close: the event must too. */
	event_fd = fd;
	event_page = (void *)pc;
	return pc;
}

const volatile struct perf_event_mmap_page *linux_pmu_open_thread(enum linux_counter c)
{
	int fd;

	return open_mapped(c, &fd);
}

const char *linux_pmu_why_not(void)
{
	return why_not;
}

unsigned linux_pmu_width(void)
{
	const volatile struct perf_event_mmap_page *pc = event_page;

	return pc ? pc->pmc_width : 0;
}
