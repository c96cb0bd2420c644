/*
 * VideoCore mailbox property interface (Raspberry Pi firmware wiki,
 * "Mailbox property interface"; Linux drivers/mailbox/bcm2835-mailbox.c).
 *
 * Registers, offsets from the mailbox base (0x7e00b880 on the VideoCore
 * bus). Mailbox 0 carries VideoCore -> ARM messages, mailbox 1 ARM ->
 * VideoCore:
 *
 *   0x00  MBOX0_READ     [31:4] data (buffer bus address >> 4), [3:0] channel
 *   0x18  MBOX0_STATUS   [30] EMPTY: nothing to read
 *   0x20  MBOX1_WRITE    [31:4] data, [3:0] channel
 *   0x38  MBOX1_STATUS   [31] FULL: no room to write
 *
 * A property message is a 16-byte aligned buffer of 32-bit words that the
 * VideoCore reads and overwrites in place:
 *
 *   +0   size of the whole buffer in bytes
 *   +4   code: 0 = request; response 0x80000000 = ok, 0x80000001 = error
 *   +8   tags, each:  tag id | value buffer size | code | value words...
 *                     (tag code: 0 in a request; in a response bit 31 set
 *                      and bits [30:0] the length of the value returned)
 *   ...  end tag 0
 *
 * The VideoCore does not snoop the ARM caches, so the buffer is cleaned to
 * the point of coherency before it is sent and invalidated before the
 * answer is read, and it owns whole cache lines. Its bus address is the
 * physical address seen through the VideoCore's uncached alias of the first
 * GiB of RAM (MAILBOX_BUS_ALIAS, 0xc0000000 on BCM2837 and BCM2711).
 */
#include "board/mailbox.h"

#include "arch/aarch64/esr.h"
#include "arch/aarch64/expect.h"
#include "board/board.h"

#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"

#ifndef MAILBOX_BUS_ALIAS
#define MAILBOX_BUS_ALIAS 0xc0000000u
#endif

#define MBOX0_READ 0x00
#define MBOX0_STATUS 0x18
#define MBOX1_WRITE 0x20
#define MBOX1_STATUS 0x38
#define MBOX_STATUS_FULL BIT(31)
#define MBOX_STATUS_EMPTY BIT(30)
#define MBOX_CHAN_PROPERTY 8   /* property tags, ARM to VideoCore */

#define MBOX_REQUEST 0x00000000u
#define MBOX_RESPONSE_OK 0x80000000u
#define MBOX_TAG_RESPONSE BIT(31)
#define MBOX_TAG_GET_CLOCK_RATE 0x00030002u

#define MBOX_TIMEOUT_MS 100
#define MBOX_STATUS_RESERVED 0x3fffff00u /* neither FULL, EMPTY nor the level */
#define MBOX_STALE_MAX 64               /* answers for others drained, at most */
#define CACHE_LINE_MAX 128     /* upper bound of CTR_EL0.DminLine we align to */

/* One "get clock rate" request: value = { clock id, rate in Hz }. */
struct clock_msg {
	uint32_t size;
	uint32_t code;
	uint32_t tag;
	uint32_t value_size;
	uint32_t tag_code;
	uint32_t clock_id;
	uint32_t rate;
	uint32_t end;
};

static union {
	struct clock_msg clock;
	uint8_t line[CACHE_LINE_MAX];
} msg __attribute__((aligned(CACHE_LINE_MAX)));

static inline uint32_t mmio_read(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

/* Clean and invalidate [p, p + n) to the point of coherency (DC CIVAC,
 * line size from CTR_EL0.DminLine [19:16], log2 of words), then DSB. */
static void dcache_flush(const void *p, size_t n)
{
	uint64_t line = 4ull << sysreg_field(read_sysreg(ctr_el0), 16, 4);
	uintptr_t a = ALIGN_DOWN((uintptr_t)p, line);

	for (; a < (uintptr_t)p + n; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
}

/* deadline: CNTPCT_EL0 MBOX_TIMEOUT_MS from now (at once if CNTFRQ_EL0 is
 * 0: a bound either way). */
static uint64_t deadline(void)
{
	return timer_count() + timer_freq() * MBOX_TIMEOUT_MS / 1000;
}

/* Wait until (status & mask) == want or `end` passes; true if it did. */
static bool wait_for(uintptr_t status, uint32_t mask, uint32_t want, uint64_t end)
{
	while ((mmio_read(status) & mask) != want)
		if (timer_count() > end)
			return false;
	return true;
}

/* Send the message buffer on the property channel and wait for its answer.
 * Every wait ends by one deadline, however the status words read. */
static int mailbox_call(uintptr_t regs, void *buf, size_t size)
{
	paddr_t pa = arch_virt_to_phys(buf);
	uint64_t end = deadline();
	uint32_t word;

	if (pa + size > 0x40000000u || !IS_ALIGNED(pa, 16))
		return -ERANGE;
	word = (uint32_t)(pa | MAILBOX_BUS_ALIAS) | MBOX_CHAN_PROPERTY;

	dcache_flush(buf, size);
	if (!wait_for(regs + MBOX1_STATUS, MBOX_STATUS_FULL, 0, end))
		return -EIO;
	mmio_write(regs + MBOX1_WRITE, word);

	/* Answers for other channels (or stale ones) are read and dropped. */
	for (unsigned n = 0;; n++) {
		if (n == MBOX_STALE_MAX ||
		    !wait_for(regs + MBOX0_STATUS, MBOX_STATUS_EMPTY, 0, end))
			return -EIO;
		if (mmio_read(regs + MBOX0_READ) == word)
			break;
	}
	__asm__ volatile("dsb sy" : : : "memory");
	dcache_flush(buf, size);
	return 0;
}

int mailbox_clock_rate(uintptr_t regs, uint32_t id, uint32_t *hz)
{
	struct clock_msg *m = &msg.clock;
	int err;

	static_assert(sizeof(*m) <= sizeof(msg), "message fits its cache lines");
	memset(&msg, 0, sizeof(msg));
	m->size = sizeof(*m);
	m->code = MBOX_REQUEST;
	m->tag = MBOX_TAG_GET_CLOCK_RATE;
	m->value_size = 2 * sizeof(uint32_t);
	m->tag_code = 0;
	m->clock_id = id;

	err = mailbox_call(regs, &msg, sizeof(msg));
	if (err)
		return err;
	if (m->code != MBOX_RESPONSE_OK || !(m->tag_code & MBOX_TAG_RESPONSE) ||
	    m->clock_id != id || m->rate == 0)
		return -EIO;
	*hz = m->rate;
	return 0;
}

/* Depth-first search below node for a "brcm,bcm2835-mbox" node. */
static int find_compatible(const struct fdt *fdt, int node, int depth)
{
	int child, hit;

	if (fdt_compatible(fdt, node, "brcm,bcm2835-mbox"))
		return node;
	if (depth == 0)
		return -ENOENT;
	for (child = fdt_first_child(fdt, node); child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		hit = find_compatible(fdt, child, depth - 1);
		if (hit >= 0)
			return hit;
	}
	return -ENOENT;
}

int mailbox_find(const struct fdt *fdt, paddr_t fallback, paddr_t *base)
{
	uint64_t addr, size;
	int root, node;

	*base = fallback;
	root = fdt_path(fdt, "/");
	if (root < 0)
		return -ENOENT;
	node = find_compatible(fdt, root, 3);  /* /soc/mailbox@... is depth 2 */
	if (node < 0)
		return -ENOENT;
	if (fdt_reg(fdt, node, 0, &addr, &size) != 0 || size < MAILBOX_SIZE ||
	    fdt_translate(fdt, node, addr, &addr) != 0)
		return -EINVAL;
	*base = addr;
	return 0;
}

#ifdef BOARD_RPI
/*
 * mailbox_unusable: why the registers at base are not a mailbox to write a
 * request to, or NULL. Checked as strictly as the console UART, before
 * anything is written there (MMU off, so a write would reach whatever is
 * at that address): aligned to its 64-byte window, inside the board's
 * device windows, not RAM, not an interrupt controller (board_mmio_bad),
 * both status words answer reads (an external abort is caught), their
 * reserved bits [29:8] read 0, and the ARM-to-VideoCore mailbox is idle
 * (MBOX1_STATUS EMPTY, within the timeout): a device reading 0 is not one.
 */
static const char *mailbox_unusable(const struct bootinfo *bi, paddr_t base, char *buf,
				    size_t n)
{
	static const unsigned status[2] = { MBOX0_STATUS, MBOX1_STATUS };
	struct expected_fault f;
	const char *bad;
	uint32_t v;

	if (!IS_ALIGNED(base, MAILBOX_SIZE))
		return "its address is not 64-byte aligned";
	bad = board_mmio_bad(bi, base, MAILBOX_SIZE, buf, n);
	if (bad)
		return bad;
	for (unsigned i = 0; i < 2; i++) {
		if (expect_probe_read32((uintptr_t)base + status[i], &v, &f)) {
			ksnprintf(buf, n, "reading its MBOX%u_STATUS raised a %s (nothing there)",
				  i, esr_is_external(f.esr) ? "synchronous external abort" : "fault");
			return buf;
		}
		if (v & MBOX_STATUS_RESERVED) {
			ksnprintf(buf, n, "its MBOX%u_STATUS reads 0x%08x: reserved bits set "
				  "(not a mailbox)", i, v);
			return buf;
		}
	}
	if (!wait_for((uintptr_t)base + MBOX1_STATUS, MBOX_STATUS_EMPTY | MBOX_STATUS_FULL,
		      MBOX_STATUS_EMPTY, deadline()))
		return "its MBOX1_STATUS never shows an idle mailbox (EMPTY, bit 30) "
		       "within 100 ms (not a mailbox, or one the firmware left busy)";
	return NULL;
}
#endif

int mailbox_open(const struct bootinfo *bi, paddr_t *base, const char **why)
{
#ifdef BOARD_RPI
	static char why_buf[200], detail[120];
	static int state = 1;  /* 1: not yet checked; else the answer */
	static paddr_t found;
	const char *bad;
	int err;

	if (state == 1) {
		err = mailbox_find(&bi->fdt, MAILBOX_BASE, &found);
		if (err == -EINVAL) {
			ksnprintf(why_buf, sizeof(why_buf), "its \"brcm,bcm2835-mbox\" node's reg cannot "
				  "be read or translated");
			state = -EINVAL;
		} else if ((bad = mailbox_unusable(bi, found, detail, sizeof(detail)))) {
			ksnprintf(why_buf, sizeof(why_buf), "%s at 0x%llx: %s",
				  err ? "the board's mailbox" : "the tree's mailbox",
				  (unsigned long long)found, bad);
			state = -EINVAL;
		} else {
			state = 0;
		}
	}
	*base = found;
	*why = why_buf;
	return state;
#else
	(void)bi;
	*base = 0;
	*why = "this board has no VideoCore mailbox";
	return -ENOTSUP;
#endif
}

uint32_t mailbox_report(const struct bootinfo *bi)
{
#ifdef BOARD_RPI
	const char *why;
	paddr_t base;
	uint32_t hz;
	int err;

	if (mailbox_open(bi, &base, &why)) {
		info("warning: mailbox not used: %s; going on without it (optional: the "
		     "firmware's ARM clock rate is not reported)", why);
		return 0;
	}
	err = mailbox_clock_rate((uintptr_t)base, MBOX_CLOCK_ARM, &hz);
	if (err) {
		info("firmware: no ARM clock rate from the mailbox at %#llx: %s",
		     (unsigned long long)base, errno_name(err));
		return 0;
	}
	info("firmware cpu_hz=%u mailbox=%#llx", hz, (unsigned long long)base);
	return hz;
#else
	(void)bi;
	return 0;
#endif
}
