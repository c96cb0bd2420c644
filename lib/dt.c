/*
 * Boot information from the device tree (Devicetree Specification v0.4):
 * memory nodes (3.4), /reserved-memory (3.5), /memreserve/ (5.3), /chosen
 * (3.6), /aliases (3.3), /cpus (3.7, 3.8) and PSCI (Linux's binding
 * Documentation/devicetree/bindings/arm/psci.yaml). All reading goes through
 * lib/fdt.c, which has already proved the blob well formed.
 */
#include "lib/dt.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/reason.h"
#include "lib/string.h"

/* A node's name for messages: "/" for the root. */
static const char *label(const struct fdt *fdt, int node)
{
	const char *name = fdt_name(fdt, node);

	return name[0] ? name : "/";
}

/* Whether a node is enabled: no "status", or "okay" (or the older "ok"). */
static bool enabled(const struct fdt *fdt, int node)
{
	const char *status = fdt_prop_str(fdt, node, "status");

	return !status || strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0;
}

static bool has_type(const struct fdt *fdt, int node, const char *type)
{
	const char *t = fdt_prop_str(fdt, node, "device_type");

	return t && strcmp(t, type) == 0;
}

/* Explain why fdt_bus_cells rejected the cell counts `parent` gives `node`. */
static int cells_error(const struct fdt *fdt, int parent, int node, const char **why)
{
	static const char *const names[] = { "#address-cells", "#size-cells" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		uint32_t v;
		int err = fdt_prop_u32(fdt, parent, names[i], &v);

		if (err == -EINVAL)
			return reject(why, "device tree: %s in %s is not one cell",
				    names[i], label(fdt, parent));
		if (err == 0 && (v > 2 || (i == 0 && v == 0)))
			return reject(why, "device tree: %s = %u is absurd (in %s)",
				    names[i], v, label(fdt, parent));
	}
	return reject(why, "device tree: bad cell counts for %s", label(fdt, node));
}

/* Every "reg" entry of node (a child of `parent`), checked; calls add(bi,
 * base, size). Zero sizes are passed on: the caller decides. The parent is
 * passed in, not searched for, so a walk over N children stays linear. */
static int each_reg(const struct fdt *fdt, int parent, int node, struct bootinfo *bi,
		    const char **why,
		    int (*add)(struct bootinfo *, const char *, uint64_t, uint64_t, const char **))
{
	uint32_t ac, sc;
	uint64_t base, size;
	int i, err;

	if (fdt_bus_cells(fdt, parent, &ac, &sc))
		return cells_error(fdt, parent, node, why);
	for (i = 0; (err = fdt_reg_cells(fdt, node, ac, sc, i, &base, &size)) == 0; i++) {
		if (size > UINT64_MAX - base)
			return reject(why, "device tree: %s: range 0x%llx + 0x%llx wraps around",
				    fdt_name(fdt, node), (unsigned long long)base,
				    (unsigned long long)size);
		err = add(bi, fdt_name(fdt, node), base, size, why);
		if (err)
			return err;
	}
	if (err == -EINVAL)
		return reject(why, "device tree: %s: \"reg\" is not a whole number of "
			    "(%u + %u)-cell entries", fdt_name(fdt, node), ac, sc);
	return 0;
}

static int add_mem(struct bootinfo *bi, const char *node, uint64_t base, uint64_t size,
		   const char **why)
{
	if (size == 0)
		return reject(why, "device tree: %s has zero size", node);
	if (bi->nmem == ARRAY_SIZE(bi->mem))
		return reject(why, "device tree: more than %zu memory banks",
			    ARRAY_SIZE(bi->mem));
	bi->mem[bi->nmem++] = (struct mem_range){ base, size };
	return 0;
}

static int add_rsv(struct bootinfo *bi, const char *node, uint64_t base, uint64_t size,
		   const char **why)
{
	if (size == 0)
		return 0; /* reserves nothing */
	if (bi->nrsv == ARRAY_SIZE(bi->rsv))
		return reject(why, "device tree: more than %zu reserved ranges (at %s)",
			    ARRAY_SIZE(bi->rsv), node);
	bi->rsv[bi->nrsv++] = (struct mem_range){ base, size };
	return 0;
}

/* RAM: every "reg" entry of every enabled device_type = "memory" node. */
static int parse_memory(const struct fdt *fdt, int root, struct bootinfo *bi, const char **why)
{
	int err;

	for (int n = fdt_first_child(fdt, root); n >= 0; n = fdt_next_sibling(fdt, n)) {
		if (!has_type(fdt, n, "memory") || !enabled(fdt, n))
			continue;
		if (!fdt_prop(fdt, n, "reg", NULL))
			return reject(why, "device tree: %s has no \"reg\"", fdt_name(fdt, n));
		err = each_reg(fdt, root, n, bi, why, add_mem);
		if (err)
			return err;
	}
	if (bi->nmem == 0)
		return reject(why, "device tree: no memory node");
	return 0;
}

/* Reserved: /memreserve/ entries and the static /reserved-memory regions
 * (children with "reg"; those with only "size" are for the OS to place). */
static int parse_reserved(const struct fdt *fdt, struct bootinfo *bi, const char **why)
{
	uint64_t base, size;
	int rm, err;

	for (int i = 0; fdt_rsv(fdt, i, &base, &size) == 0; i++) {
		if (size > UINT64_MAX - base)
			return reject(why, "device tree: /memreserve/ 0x%llx + 0x%llx wraps around",
				    (unsigned long long)base, (unsigned long long)size);
		err = add_rsv(bi, "/memreserve/", base, size, why);
		if (err)
			return err;
	}
	rm = fdt_path(fdt, "/reserved-memory");
	for (int n = fdt_first_child(fdt, rm); rm >= 0 && n >= 0; n = fdt_next_sibling(fdt, n)) {
		size_t first = bi->nrsv;

		if (!enabled(fdt, n))
			continue;
		err = each_reg(fdt, rm, n, bi, why, add_rsv);
		if (err)
			return err;
		/* "no-map" (reserved-memory.yaml): the OS must not map it at all,
		 * so no speculative cacheable access reaches it; Linux leaves it
		 * out of the linear map. nomap[] is a subset of rsv[]: it fits. */
		if (fdt_prop(fdt, n, "no-map", NULL))
			for (size_t i = first; i < bi->nrsv; i++)
				bi->nomap[bi->nnomap++] = bi->rsv[i];
	}
	return 0;
}

/* The UART's reference clock: "clock-frequency", or that of a fixed clock
 * (#clock-cells = 0) its first "clocks" phandle names; 0 if unknown. */
static uint32_t uart_clock(const struct fdt *fdt, int node)
{
	uint32_t hz, cells, phandle;
	int clk;

	if (fdt_prop_u32(fdt, node, "clock-frequency", &hz) == 0)
		return hz;
	const uint8_t *clocks = fdt_prop(fdt, node, "clocks", &cells);

	if (!clocks || cells < 4)
		return 0;
	phandle = (uint32_t)clocks[0] << 24 | (uint32_t)clocks[1] << 16 |
		  (uint32_t)clocks[2] << 8 | clocks[3];
	clk = fdt_node_by_phandle(fdt, phandle);
	if (clk < 0 || fdt_prop_u32(fdt, clk, "#clock-cells", &cells) || cells != 0 ||
	    fdt_prop_u32(fdt, clk, "clock-frequency", &hz))
		return 0;
	return hz;
}

/* Fill bi->uart from node if it is an enabled device with a translatable reg. */
static bool try_uart(const struct fdt *fdt, int node, struct dt_uart *u)
{
	uint64_t addr, size, pa;

	if (node < 0 || !enabled(fdt, node) || fdt_reg(fdt, node, 0, &addr, &size) ||
	    fdt_translate(fdt, node, addr, &pa))
		return false;
	u->found = true;
	u->kind = fdt_compatible(fdt, node, "arm,pl011")		? UART_PL011 :
		  fdt_compatible(fdt, node, "brcm,bcm2835-aux-uart") ? UART_AUX :
									  UART_UNKNOWN;
	u->base = pa;
	u->size = size;
	u->clock_hz = uart_clock(fdt, node);
	if (fdt_prop_u32(fdt, node, "arm,primecell-periphid", &u->periphid))
		u->periphid = 0;
	u->node = fdt_name(fdt, node);
	return true;
}

/* The console: stdout-path, else alias serial0, else the first PL011. */
static void parse_uart(const struct fdt *fdt, int root, int chosen, struct dt_uart *u)
{
	const char *sp = fdt_prop_str(fdt, chosen, "stdout-path");
	char path[128];
	int depth = 0;

	if (!sp)
		sp = fdt_prop_str(fdt, chosen, "linux,stdout-path");
	if (sp) {
		/* "serial0:115200n8": the options after ':' are the loader's. */
		size_t n = strlen(sp);
		const char *colon = strchr(sp, ':');

		if (colon)
			n = (size_t)(colon - sp);
		if (n < sizeof(path)) {
			memcpy(path, sp, n);
			path[n] = '\0';
			if (try_uart(fdt, fdt_path(fdt, path), u))
				return;
		}
	}
	if (try_uart(fdt, fdt_path(fdt, "serial0"), u))
		return;
	/* Only the first enabled PL011 is tried: trying each in turn would
	 * search for every candidate's parent, quadratic in a hostile tree. */
	for (int n = root; n >= 0 && depth >= 0; n = fdt_next_node(fdt, n, &depth))
		if (fdt_compatible(fdt, n, "arm,pl011") && enabled(fdt, n)) {
			try_uart(fdt, n, u);
			return;
		}
}

static enum psci_conduit parse_psci(const struct fdt *fdt)
{
	int node = fdt_path(fdt, "/psci");
	const char *method = fdt_prop_str(fdt, node, "method");

	if (node < 0 || !method ||
	    !(fdt_compatible(fdt, node, "arm,psci") || fdt_compatible(fdt, node, "arm,psci-0.2") ||
	      fdt_compatible(fdt, node, "arm,psci-1.0")))
		return PSCI_NONE;
	if (strcmp(method, "hvc") == 0)
		return PSCI_HVC;
	if (strcmp(method, "smc") == 0)
		return PSCI_SMC;
	return PSCI_NONE;
}

static int parse_cpus(const struct fdt *fdt, struct bootinfo *bi, const char **why)
{
	int cpus = fdt_path(fdt, "/cpus");
	uint32_t ac, sc;

	if (cpus >= 0 && fdt_bus_cells(fdt, cpus, &ac, &sc))
		return cells_error(fdt, cpus, cpus, why);

	for (int n = fdt_first_child(fdt, cpus); cpus >= 0 && n >= 0; n = fdt_next_sibling(fdt, n)) {
		uint64_t mpidr, unused;
		const char *method;
		struct dt_cpu *c;

		if (!has_type(fdt, n, "cpu") || !enabled(fdt, n))
			continue;
		if (fdt_reg_cells(fdt, n, ac, sc, 0, &mpidr, &unused))
			return reject(why, "device tree: %s has no usable \"reg\"", fdt_name(fdt, n));
		if (bi->ncpus++ >= DT_MAX_CPUS)
			continue;
		c = &bi->cpu[bi->ncpus - 1];
		c->mpidr = mpidr;
		method = fdt_prop_str(fdt, n, "enable-method");
		c->enable = !method				? CPU_ENABLE_NONE :
			    strcmp(method, "psci") == 0	? CPU_ENABLE_PSCI :
			    strcmp(method, "spin-table") == 0 ? CPU_ENABLE_SPIN_TABLE :
								CPU_ENABLE_OTHER;
		c->release_addr = 0;
		if (c->enable == CPU_ENABLE_SPIN_TABLE &&
		    fdt_prop_u64(fdt, n, "cpu-release-addr", &c->release_addr))
			return reject(why, "device tree: %s: spin-table without a "
				    "\"cpu-release-addr\"", fdt_name(fdt, n));
	}
	return 0;
}

int dt_parse(const void *blob, size_t maxsize, struct bootinfo *bi, const char **why)
{
	struct fdt *fdt = &bi->fdt;
	int root, chosen, err;
	uint32_t len;

	memset(bi, 0, sizeof(*bi));
	err = fdt_open(fdt, blob, maxsize, why);
	if (err)
		return err;
	bi->dtb_size = fdt->size;
	root = fdt_path(fdt, "/");
	chosen = fdt_path(fdt, "/chosen");

	err = parse_memory(fdt, root, bi, why);
	if (!err)
		err = parse_reserved(fdt, bi, why);
	if (!err)
		err = parse_cpus(fdt, bi, why);
	if (err)
		return err;

	bi->bootargs = fdt_prop_str(fdt, chosen, "bootargs");
	if (!bi->bootargs) {
		if (fdt_prop(fdt, chosen, "bootargs", &len) && len > 0)
			return reject(why, "device tree: /chosen/bootargs is not a string");
		bi->bootargs = "";
	}
	bi->model = fdt_prop_str(fdt, root, "model");
	if (!bi->model)
		bi->model = "";
	parse_uart(fdt, root, chosen, &bi->uart);
	bi->psci = parse_psci(fdt);
	return 0;
}

const char *dt_intc_at(const struct bootinfo *bi, uint64_t base, uint64_t size)
{
	const struct fdt *fdt = &bi->fdt;
	int depth = 0, seen = 0;

	/* Bounded: each candidate's translation walks up from the root. */
	for (int n = fdt_path(fdt, "/"); n >= 0 && depth >= 0 && seen < DT_MAX_INTC;
	     n = fdt_next_node(fdt, n, &depth)) {
		uint64_t a, s, pa;

		if (!fdt_prop(fdt, n, "interrupt-controller", NULL))
			continue;
		seen++;
		for (int i = 0; fdt_reg(fdt, n, i, &a, &s) == 0; i++)
			if (fdt_translate(fdt, n, a, &pa) == 0 && pa < base + size &&
			    base < pa + s)
				return label(fdt, n);
	}
	return NULL;
}

/* Big-endian cells at p (1 or 2 of them). */
static uint64_t cells_at(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v = v << 32 | ((uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3]);
	return v;
}

/* Keep [a, a + n) in *best if it overlaps [base, base + size) and starts
 * below what *best holds. */
static void consider(uint64_t a, uint64_t n, uint64_t base, uint64_t size,
		     struct mem_range *best, bool *found)
{
	if (n == 0 || a + n < a)
		n = n ? ~0ull - a : 0;
	if (n == 0 || !(a >= base ? a - base < size : base - a < n))
		return;             /* no overlap (computed without overflow) */
	if (!*found || a < best->base) {
		best->base = a;
		best->size = n;
		*found = true;
	}
}

/* A PCI host bridge's MMIO/IO windows: "ranges" entries of (child address,
 * 3 cells; parent address, the parent's #address-cells; size, the node's
 * #size-cells), translated to CPU addresses (Linux's of_pci_range_parser). */
static void pci_windows(const struct fdt *fdt, int node, uint64_t base, uint64_t size,
			struct mem_range *best, bool *found)
{
	uint32_t len, cac = 0, csc = 0, pac, psc, entry;
	const uint8_t *p = fdt_prop(fdt, node, "ranges", &len);
	uint64_t pa;

	if (!p || fdt_prop_u32(fdt, node, "#address-cells", &cac) || cac != 3 ||
	    fdt_prop_u32(fdt, node, "#size-cells", &csc) || csc == 0 || csc > 2 ||
	    fdt_cells(fdt, node, &pac, &psc))
		return;
	entry = 4 * (cac + pac + csc);
	for (uint32_t o = 0; o + entry <= len; o += entry)
		if (fdt_translate(fdt, node, cells_at(p + o + 4 * cac, pac), &pa) == 0)
			consider(pa, cells_at(p + o + 4 * (cac + pac), csc), base, size, best,
				 found);
}

bool dt_device_at(const struct bootinfo *bi, uint64_t base, uint64_t size,
		  struct mem_range *dev, const char **name)
{
	const struct fdt *fdt = &bi->fdt;
	int depth = 0, skip = -1, seen = 0, stack[DT_WALK_DEPTH];
	bool found = false;

	/* One pass; each node's parent is kept on a stack, so its "reg" is
	 * read without a search from the root, and a child of the root (most
	 * devices) needs no translation. */
	for (int n = fdt_path(fdt, "/"); n >= 0 && depth >= 0 && seen < DT_MAX_DEVICES;
	     n = fdt_next_node(fdt, n, &depth)) {
		const char *nm = fdt_name(fdt, n);
		uint64_t a, sz, pa, old = dev->base;
		uint32_t ac, sc;
		bool before = found;

		if (depth >= DT_WALK_DEPTH)
			continue;
		stack[depth] = n;
		if (skip >= 0 && depth > skip)
			continue;          /* inside /cpus, /chosen or /reserved-memory */
		skip = -1;
		if (depth == 1 && (strncmp(nm, "cpus", 4) == 0 ||
				   strncmp(nm, "reserved-memory", 15) == 0 ||
				   strncmp(nm, "chosen", 6) == 0)) {
			skip = depth;
			continue;
		}
		if (depth == 0 || has_type(fdt, n, "memory"))
			continue;
		if (has_type(fdt, n, "pci"))
			pci_windows(fdt, n, base, size, dev, &found);
		if (fdt_prop(fdt, n, "reg", NULL) &&
		    !fdt_bus_cells(fdt, stack[depth - 1], &ac, &sc)) {
			seen++;
			for (int i = 0; i < 16 && fdt_reg_cells(fdt, n, ac, sc, i, &a, &sz) == 0; i++)
				if (depth == 1 ? (pa = a, true) : fdt_translate(fdt, n, a, &pa) == 0)
					consider(pa, sz, base, size, dev, &found);
		}
		/* The node whose window (its reg, or a bridge's ranges) is now the
		 * lowest names it. */
		if (found && (!before || dev->base != old))
			*name = label(fdt, n);
	}
	return found;
}

const char *dt_uart_kind_name(enum uart_kind kind)
{
	switch (kind) {
	case UART_PL011:
		return "pl011";
	case UART_AUX:
		return "bcm2835-aux";
	default:
		return "unknown";
	}
}

const char *dt_psci_name(enum psci_conduit psci)
{
	switch (psci) {
	case PSCI_HVC:
		return "hvc";
	case PSCI_SMC:
		return "smc";
	default:
		return "none";
	}
}
