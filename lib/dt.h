/*
 * Boot information from the device tree the loader passed (QEMU, U-Boot or
 * the Raspberry Pi firmware): RAM banks, reserved ranges, command line,
 * console UART, PSCI conduit and CPUs. One call, dt_parse, fills a struct
 * bootinfo; everything else reads that struct.
 */
#ifndef LIB_DT_H
#define LIB_DT_H

#include "lib/fdt.h"
#include "lib/mem_range.h"
#include "lib/types.h"

#define DT_MAX_MEM 8   /* RAM banks recorded (mm/page_alloc.h manages as many) */
#define DT_MAX_RSV 32  /* /memreserve/ entries plus /reserved-memory regs */
#define DT_MAX_CPUS 8  /* CPUs whose details are recorded (all are counted) */

enum uart_kind {
	UART_UNKNOWN, /* a node was chosen but its compatible is not ours */
	UART_PL011,   /* "arm,pl011": QEMU virt, Raspberry Pi UART0 */
	UART_AUX,     /* "brcm,bcm2835-aux-uart": the Pi's mini UART */
};

struct dt_uart {
	bool found;          /* false: use the board's fallback console */
	enum uart_kind kind;
	paddr_t base;        /* CPU physical address (through bus "ranges") */
	uint64_t size;       /* size of its register window */
	uint32_t clock_hz;   /* reference clock, 0 if the tree does not say */
	uint32_t periphid;   /* "arm,primecell-periphid" (for a PL011 whose ID
	                        registers are not standard: BCM2835), or 0 */
	const char *node;    /* node name, e.g. "pl011@9000000" */
};

enum psci_conduit {
	PSCI_NONE, /* no /psci node: no firmware calls (e.g. Raspberry Pi) */
	PSCI_HVC,  /* calls by HVC #0 (firmware at EL2) */
	PSCI_SMC,  /* calls by SMC #0 (firmware at EL3) */
};

enum cpu_enable {
	CPU_ENABLE_NONE,       /* no enable-method (e.g. the boot CPU only) */
	CPU_ENABLE_PSCI,       /* "psci": PSCI CPU_ON */
	CPU_ENABLE_SPIN_TABLE, /* "spin-table": write cpu-release-addr, SEV */
	CPU_ENABLE_OTHER,      /* anything else */
};

struct dt_cpu {
	uint64_t mpidr;        /* "reg": MPIDR_EL1 affinity fields */
	enum cpu_enable enable;
	paddr_t release_addr;  /* "cpu-release-addr" for spin-table, else 0 */
};

struct bootinfo {
	struct fdt fdt;        /* the opened tree, for further lookups */
	uint32_t dtb_size;     /* totalsize: the bytes to keep reserved */

	struct mem_range mem[DT_MAX_MEM]; /* RAM banks, tree order */
	size_t nmem;
	struct mem_range rsv[DT_MAX_RSV]; /* never to be handed out */
	size_t nrsv;
	struct mem_range nomap[DT_MAX_RSV]; /* of those, /reserved-memory "no-map": */
	size_t nnomap;                      /* left out of the linear map too */

	const char *bootargs;  /* /chosen/bootargs, or "" */
	const char *model;     /* /model, or "" */

	struct dt_uart uart;
	enum psci_conduit psci;

	size_t ncpus;          /* CPU nodes found (cpu[] holds the first 8) */
	struct dt_cpu cpu[DT_MAX_CPUS];
};

/*
 * dt_parse: validate the blob (at most maxsize bytes readable) and fill *bi.
 * RAM: every node with device_type "memory", every "reg" entry. Reserved:
 * /memreserve/ entries and /reserved-memory children's "reg" (zero sizes
 * skipped); those of children with "no-map" are also listed in nomap[]. Console: /chosen/stdout-path (path or alias; options after ':'
 * ignored), else /aliases/serial0, else the first enabled "arm,pl011" node;
 * none found is not an error (uart.found = false). Returns 0, or -EINVAL with
 * *why set to a one-line reason starting "device tree: " (bad magic,
 * truncated, malformed structure, no memory node, zero-sized memory, absurd
 * cell counts, too many banks or reserved ranges). Strings in *bi point into
 * the blob; *why stays valid until the next call.
 */
int dt_parse(const void *blob, size_t maxsize, struct bootinfo *bi, const char **why);

/* dt_intc_at: the name of an interrupt controller (a node with an
 * "interrupt-controller" property, among the first DT_MAX_INTC found) whose
 * registers overlap [base, base + size), or NULL. */
const char *dt_intc_at(const struct bootinfo *bi, uint64_t base, uint64_t size);

#define DT_MAX_INTC 8

/*
 * dt_device_at: whether a device the tree describes claims part of
 * [base, base + size): any node's "reg" (translated through its buses'
 * "ranges"; /cpus, /chosen, /reserved-memory and memory nodes aside) and a
 * PCI host bridge's "ranges" windows (device_type "pci": the MMIO windows
 * behind it, e.g. virt's high PCIe window). *dev is the claimed range that
 * starts lowest, *name its node. The first DT_MAX_DEVICES nodes with "reg"
 * are looked at (a bound on the time a hostile tree can take).
 */
bool dt_device_at(const struct bootinfo *bi, uint64_t base, uint64_t size,
		  struct mem_range *dev, const char **name);

#define DT_MAX_DEVICES 1024
#define DT_WALK_DEPTH 40 /* deeper than lib/fdt.c's MAX_DEPTH (32) */

/* dt_uart_kind_name / dt_psci_name: names for the boot report. */
const char *dt_uart_kind_name(enum uart_kind kind);
const char *dt_psci_name(enum psci_conduit psci);

#endif
