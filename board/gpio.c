/*
 * GPIO 14/15 for the mini UART console (see gpio.h). Called with the MMU
 * off, after the block's address was checked (board.c, aux_pins).
 */
#include "board/gpio.h"

#include "arch/aarch64/timer.h"
#include "lib/errno.h"
#include "lib/printf.h"

/* BCM2837 GPPUD values. */
#define GPPUD_OFF 0u
#define GPPUD_UP 2u

#define GPPUD_SETUP_CYCLES 150  /* the datasheet's wait, in its clock's cycles */

static inline uint32_t rd(uintptr_t base, unsigned reg)
{
	return *(volatile uint32_t *)(base + reg);
}

static inline void wr(uintptr_t base, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(base + reg) = v;
}

uint64_t gpio_span(enum gpio_kind kind)
{
	return kind == GPIO_BCM2711 ? GPIO_PUP_PDN_CNTRL_REG0 + 4 : GPIO_GPPUDCLK0 + 4;
}

/*
 * pud_wait: the wait GPPUD/GPPUDCLK0 need (BCM2835 ARM Peripherals p. 101:
 * 150 cycles for the control signal to set up or hold). The GPIO's clock
 * is not known here, so: 150 loop iterations (each at least one ARM cycle,
 * and the ARM is clocked faster than the VPU's peripherals), and at least
 * 1 us by the generic counter (Linux waits udelay(1)). Bounded either way:
 * a counter frequency of 0 or a counter that does not run ends it after
 * the iterations and at most 1,000,000 more reads.
 */
static void pud_wait(void)
{
	uint64_t freq = timer_freq(), start = timer_count();
	uint64_t ticks = (freq + 999999) / 1000000;

	for (unsigned i = 0; i < GPPUD_SETUP_CYCLES; i++)
		__asm__ volatile("nop");
	for (unsigned i = 0; i < 1000000 && timer_count() - start < ticks; i++)
		;
}

/* One BCM2837 pull setting for the pins in `mask`. */
static void pud_set(uintptr_t base, uint32_t pud, uint32_t mask)
{
	wr(base, GPIO_GPPUD, pud);
	pud_wait();
	wr(base, GPIO_GPPUDCLK0, mask);
	pud_wait();
	wr(base, GPIO_GPPUD, GPPUD_OFF);
	wr(base, GPIO_GPPUDCLK0, 0);
}

const char *gpio_uart_pins(uintptr_t base, enum gpio_kind kind, char *buf, size_t n)
{
	const uint32_t fmask = 7u << 12 | 7u << 15;
	const uint32_t fval = GPIO_FSEL_ALT5 << 12 | GPIO_FSEL_ALT5 << 15;
	const uint32_t pmask = 3u << 28 | 3u << 30;
	const uint32_t pval = GPIO_PULL2711_NONE << 28 | GPIO_PULL2711_UP << 30;
	uint32_t v;

	/* Pulls first: the pins are not driven by the UART until ALT5. */
	if (kind == GPIO_BCM2711) {
		wr(base, GPIO_PUP_PDN_CNTRL_REG0,
		   (rd(base, GPIO_PUP_PDN_CNTRL_REG0) & ~pmask) | pval);
	} else {
		pud_set(base, GPPUD_OFF, BIT(GPIO_UART_TX));
		pud_set(base, GPPUD_UP, BIT(GPIO_UART_RX));
	}
	wr(base, GPIO_GPFSEL1, (rd(base, GPIO_GPFSEL1) & ~fmask) | fval);

	v = rd(base, GPIO_GPFSEL1);
	if ((v & fmask) != fval) {
		ksnprintf(buf, n, "its GPFSEL1 reads 0x%08x after the write: GPIO 14/15 on "
			  "function %u/%u, not ALT5 (2)", v, gpio_fsel(v, 14), gpio_fsel(v, 15));
		return buf;
	}
	if (kind == GPIO_BCM2711) {
		v = rd(base, GPIO_PUP_PDN_CNTRL_REG0);
		if ((v & pmask) != pval) {
			ksnprintf(buf, n, "its GPIO_PUP_PDN_CNTRL_REG0 reads 0x%08x after the "
				  "write: pulls %u/%u on GPIO 14/15, not 0 (none)/1 (up)", v,
				  gpio_pull2711(v, 14), gpio_pull2711(v, 15));
			return buf;
		}
	}
	return NULL;
}

/* Depth-first search below node for a `compat` node. */
static int find_compatible(const struct fdt *fdt, int node, int depth, const char *compat)
{
	int child, hit;

	if (fdt_compatible(fdt, node, compat))
		return node;
	if (depth == 0)
		return -ENOENT;
	for (child = fdt_first_child(fdt, node); child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		hit = find_compatible(fdt, child, depth - 1, compat);
		if (hit >= 0)
			return hit;
	}
	return -ENOENT;
}

int gpio_find(const struct fdt *fdt, enum gpio_kind want, paddr_t *base)
{
	const char *compat = want == GPIO_BCM2711 ? "brcm,bcm2711-gpio" : "brcm,bcm2835-gpio";
	uint64_t addr, size;
	int root, node;

	root = fdt_path(fdt, "/");
	if (root < 0)
		return -ENOENT;
	node = find_compatible(fdt, root, 3, compat);  /* /soc/gpio@... is depth 2 */
	if (node < 0)
		return -ENOENT;
	if (fdt_reg(fdt, node, 0, &addr, &size) != 0 || size < gpio_span(want) ||
	    fdt_translate(fdt, node, addr, &addr) != 0)
		return -EINVAL;
	*base = addr;
	return 0;
}
