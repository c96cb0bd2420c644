/*
 * RAM bank checks (see ram.h). Each bank, in tree order:
 *
 *   1. beyond the PA size, less than a page, overlapping an earlier bank:
 *      skipped;
 *   2. any part a device claims (the board's device windows, any node's
 *      "reg", a PCI host bridge's windows: dt_device_at) is cut out, before
 *      anything is read or written there; the pieces between (RAM_PIECES
 *      at most) go on as banks of their own;
 *   3. what is left is probed in RAM_PROBES_MAX chunks at most, each at
 *      least RAM_STRIDE_MIN long: at the first word of each chunk (and of
 *      the bank's last page), two patterns are written and read back and
 *      the old word restored; within the chunk before the first that
 *      fails, its pages are bisected the same way. Addresses the probe
 *      must not write are left out: the kernel image, the device tree
 *      blob, every reserved range of the tree, and the page of each
 *      spin-table cpu-release-addr (a secondary CPU polls it). The bank ends at the first chunk that does
 *      not keep the patterns (an MMIO window that answers reads, a hole,
 *      the end of the RAM behind a bank that claims more).
 *
 * A 1 TiB claim is 4,096 probes 256 MiB apart, 1 GiB 64 probes 16 MiB
 * apart: each write to a fresh page costs milliseconds under QEMU TCG with
 * several CPUs (measured: 240 probes took 6 s on raspi3b), so the stride is
 * coarse; the bisection ends a bank to the page.
 */
#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/expect.h"
#include "arch/aarch64/image.h"
#include "board/board.h"
#include "boot/ram.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "mm/page_alloc.h"

#define KERNEL_PA_BITS 48 /* the linear map's tables reach 48 bits */
#define RAM_PROBES_MAX 4096u
#define RAM_STRIDE_MIN (16ull << 20)
#define RAM_DEVICE_CUTS 32 /* device windows cut out of one bank, at most */
#define AVOID_MAX (DT_MAX_RSV + DT_MAX_CPUS + 2)

static_assert(DT_MAX_MEM == PAGE_ALLOC_MAX_BANKS,
	      "the allocator manages every bank the device tree reports");

/* The banks as the tree claimed them (ram_claimed). */
static struct mem_range claimed[PAGE_ALLOC_MAX_BANKS];
static size_t nclaimed;

bool ram_claimed(uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < nclaimed; i++)
		if (base >= claimed[i].base ? base - claimed[i].base < claimed[i].size
					    : claimed[i].base - base < size)
			return true;
	return false;
}

/* The ranges a probe must not write (see above). */
static struct mem_range avoid[AVOID_MAX];
static size_t navoid;

static void avoid_add(uint64_t base, uint64_t size)
{
	if (size && navoid < AVOID_MAX)
		avoid[navoid++] = (struct mem_range){ base, size };
}

/* The first word-aligned address in [from, to - 4] that no avoided range
 * holds, or `to` if there is none. */
static uint64_t first_free(uint64_t from, uint64_t to)
{
	uint64_t p = from;
	bool moved = true;

	for (size_t round = 0; moved && round <= navoid; round++) {
		moved = false;
		for (size_t i = 0; i < navoid; i++)
			if (p >= avoid[i].base && p - avoid[i].base < avoid[i].size) {
				p = ALIGN_UP(avoid[i].base + avoid[i].size, 8);
				moved = true;
			}
	}
	return p + 4 <= to && p >= from ? p : to;
}

/* Whether the word at pa answers and keeps two patterns written to it (the
 * old word is restored: one CPU, nothing else sees the change). */
static bool keeps(uint64_t pa)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)pa;
	uint32_t pattern[2], v, back = 0;
	struct expected_fault f;
	bool ok = true;

	if (expect_probe_read32((uintptr_t)pa, &v, &f))
		return false;
	pattern[0] = ~v;
	pattern[1] = v ^ 0x5a5aa5a5u;
	for (unsigned i = 0; ok && i < 2; i++) {
		*p = pattern[i];
		__asm__ volatile("dsb sy" ::: "memory");
		ok = !expect_probe_read32((uintptr_t)pa, &back, &f) && back == pattern[i];
	}
	*p = v;
	__asm__ volatile("dsb sy" ::: "memory");
	return ok;
}

static void note(size_t i, uint64_t base, uint64_t end, const char *what)
{
	info("warning: RAM bank %zu [0x%llx, 0x%llx) %s", i, (unsigned long long)base,
	     (unsigned long long)end, what);
}

#define RAM_PIECES 8 /* pieces one bank may be cut into */

/*
 * Cut what devices claim out of [abase, aend) (see step 2): the pieces
 * between the device windows, in address order, into piece[] (at most
 * RAM_PIECES; what lies past the last is skipped, said). Returns how many.
 */
static size_t cut_devices(const struct bootinfo *bi, size_t i, uint64_t base, uint64_t end,
			  uint64_t abase, uint64_t aend, struct mem_range *piece)
{
	size_t n = 0;
	char msg[160];

	unsigned k_done = 0;

	for (; k_done < RAM_DEVICE_CUTS && abase < aend; k_done++) {
		struct mem_range dev, win;
		const char *name = "the board's devices";
		bool tree = dt_device_at(bi, abase, aend - abase, &dev, &name);
		uint64_t dend, cut;

		if (board_device_window(abase, aend - abase, &win) &&
		    (!tree || win.base < dev.base)) {
			dev = win;
			name = "the board's device window";
		} else if (!tree) {
			break;
		}
		dend = dev.size > ~0ull - dev.base ? ~0ull : dev.base + dev.size;
		cut = MAX(ALIGN_DOWN(dev.base, PAGE_SIZE), abase);
		ksnprintf(msg, sizeof(msg), "%s the device window [0x%llx, 0x%llx) of %s: "
			  "left out (not probed)", dev.base <= abase ? "starts on" : "covers",
			  (unsigned long long)dev.base, (unsigned long long)dend, name);
		note(i, base, end, msg);
		if (cut > abase) {
			if (n == RAM_PIECES)
				break;
			piece[n++] = (struct mem_range){ abase, cut - abase };
		}
		abase = dend >= aend ? aend : ALIGN_UP(dend, PAGE_SIZE);
	}
	if (abase < aend) {
		if (n < RAM_PIECES && (k_done < RAM_DEVICE_CUTS ||
				       !dt_device_at(bi, abase, aend - abase, &(struct mem_range){ 0 },
						     &(const char *){ NULL }))) {
			piece[n++] = (struct mem_range){ abase, aend - abase };
		} else {
			ksnprintf(msg, sizeof(msg), "has too many device windows in it: skipped "
				  "from 0x%llx", (unsigned long long)abase);
			note(i, base, end, msg);
		}
	}
	return n;
}

/* Whether the page at pa keeps a write: its first word no probe must avoid
 * (a page wholly avoided is reserved RAM of the tree: taken as RAM). */
static bool page_keeps(uint64_t pa)
{
	uint64_t p = first_free(pa, pa + PAGE_SIZE);

	return p >= pa + PAGE_SIZE || keeps(p);
}

/* In [lo, hi) (lo keeps, hi does not; both page aligned): the end of the
 * pages that keep a write, by bisection within one chunk. */
static uint64_t chunk_end(uint64_t lo, uint64_t hi)
{
	while (hi - lo > PAGE_SIZE) {
		uint64_t mid = lo + ALIGN_DOWN((hi - lo) / 2, PAGE_SIZE);

		if (page_keeps(mid))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

static uint64_t probe(uint64_t abase, uint64_t aend)
{
	uint64_t len = aend - abase;
	uint64_t stride = MAX(RAM_STRIDE_MIN, ALIGN_UP(len / RAM_PROBES_MAX + 1, PAGE_SIZE));
	uint64_t c, last = abase, to;

	for (c = abase; c < aend; c = to) {
		to = aend - c > stride ? c + stride : aend;
		if (!page_keeps(c))
			return c == abase ? abase : chunk_end(last, c);
		last = c;
	}
	if (!page_keeps(aend - PAGE_SIZE))
		return chunk_end(last, aend - PAGE_SIZE);
	return aend;
}

int ram_check(struct bootinfo *bi, paddr_t dtb, const char **why)
{
	unsigned bits = MIN(cpu_pa_bits(), KERNEL_PA_BITS);
	uint64_t limit = 1ull << bits;
	size_t kept = 0;
	char msg[96];

	nclaimed = MIN(bi->nmem, (size_t)PAGE_ALLOC_MAX_BANKS);
	for (size_t k = 0; k < nclaimed; k++)
		claimed[k] = bi->mem[k];
	navoid = 0;
	avoid_add((uint64_t)(uintptr_t)__image_start,
		  (uint64_t)(__image_end - __image_start));
	avoid_add(dtb, bi->dtb_size);
	for (size_t k = 0; k < bi->nrsv; k++)
		avoid_add(bi->rsv[k].base, bi->rsv[k].size);
	for (size_t k = 0; k < MIN(bi->ncpus, (size_t)DT_MAX_CPUS); k++)
		if (bi->cpu[k].enable == CPU_ENABLE_SPIN_TABLE)
			avoid_add(ALIGN_DOWN(bi->cpu[k].release_addr, PAGE_SIZE), PAGE_SIZE);

	for (size_t i = 0; i < bi->nmem; i++) {
		uint64_t base = bi->mem[i].base, end = base + bi->mem[i].size;
		uint64_t abase = ALIGN_UP(base, PAGE_SIZE), aend = ALIGN_DOWN(end, PAGE_SIZE);
		struct mem_range pieces[RAM_PIECES];
		size_t npieces;
		bool clash = false;

		if (end > limit || end < base) {
			ksnprintf(msg, sizeof(msg), "is beyond the %u-bit physical address "
				  "range: skipped", bits);
			note(i, base, end, msg);
			continue;
		}
		if (abase >= aend) {
			note(i, base, end, "is less than a page once aligned to pages: skipped");
			continue;
		}
		if (abase != base || aend != end)
			note(i, base, end, "is not page aligned: its partial pages are skipped");
		for (size_t k = 0; k < kept; k++)
			clash |= abase < bi->mem[k].base + bi->mem[k].size &&
				 bi->mem[k].base < aend;
		if (clash) {
			note(i, base, end, "overlaps an earlier bank: skipped");
			continue;
		}
		npieces = cut_devices(bi, i, base, end, abase, aend, pieces);
		if (npieces == 0) {
			note(i, base, end, "is not RAM (devices claim all of it): skipped");
			continue;
		}
		for (size_t k = 0; k < npieces; k++) {
			uint64_t pb = pieces[k].base, pe = pb + pieces[k].size;
			uint64_t ram_end = probe(pb, pe);

			if (ram_end <= pb) {
				ksnprintf(msg, sizeof(msg), "is not RAM at 0x%llx (its first word "
					  "does not answer or keep a write): skipped from there",
					  (unsigned long long)pb);
				note(i, base, end, pb == abase ? "is not RAM (its first word does "
				     "not answer or keep a write): skipped" : msg);
				continue;
			}
			if (ram_end < pe) {
				ksnprintf(msg, sizeof(msg), "is RAM only up to 0x%llx: the rest is "
					  "skipped", (unsigned long long)ram_end);
				note(i, base, end, msg);
			}
			if (kept == PAGE_ALLOC_MAX_BANKS) {
				note(i, base, end, "is cut into more banks than the kernel keeps: "
				     "the rest is skipped");
				break;
			}
			bi->mem[kept++] = (struct mem_range){ pb, ram_end - pb };
			if (ram_end < pe)
				break; /* the RAM behind the bank ends here */
		}
	}
	bi->nmem = kept;
	if (kept == 0)
		return reject(why, "no usable RAM: every memory bank of the device tree was skipped");
	return 0;
}

bool ram_contains(const struct bootinfo *bi, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < bi->nmem; i++)
		if (base >= bi->mem[i].base && size <= bi->mem[i].size &&
		    base - bi->mem[i].base <= bi->mem[i].size - size)
			return true;
	return false;
}
