/*
 * lib/dt.c: boot information from the QEMU virt, Raspberry Pi 3 and Pi 4
 * trees (RAM banks above 4 GiB, bus ranges, stdout-path aliases, the mini
 * UART, spin-table CPUs, reserved memory), the console fallback chain, and
 * trees that are well formed but unusable (no memory, zero-sized memory,
 * absurd cell counts, too many banks), plus every truncation and every
 * single-byte corruption of a small tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <time.h>

#include "tests/unit/dtb.h"
#include "tests/unit/fdtgen.h"

#include "lib/dt.h"
#include "lib/errno.h"


static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void parse_ok(const struct blob *b, struct bootinfo *bi)
{
	const char *why = NULL;

	if (dt_parse(b->data, b->size, bi, &why))
		fail_msg("dt_parse: %s", why);
}

/* The writable copy of a property's value inside blob b (found through bi). */
static uint8_t *prop_in(const struct blob *b, const struct bootinfo *bi, const char *path,
			const char *name, uint32_t *len)
{
	const uint8_t *v = fdt_prop(&bi->fdt, fdt_path(&bi->fdt, path), name, len);

	assert_non_null(v);
	assert_true(v >= b->data && v < b->data + b->size);
	return b->data + (v - b->data);
}

static void test_qemu_virt(void **state)
{
	struct blob b = load("qemu-virt");
	struct bootinfo bi;

	parse_ok(&b, &bi);
	assert_int_equal(bi.dtb_size, b.size);
	assert_int_equal(bi.nmem, 1);
	assert_int_equal(bi.mem[0].base, 0x40000000);
	assert_int_equal(bi.mem[0].size, 512ull << 20);
	assert_int_equal(bi.nrsv, 0);
	assert_string_equal(bi.bootargs, "run=tests suite=default");
	assert_string_equal(bi.model, "linux,dummy-virt");
	assert_true(bi.uart.found);
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0x9000000);
	assert_int_equal(bi.uart.size, 0x1000);
	assert_int_equal(bi.uart.clock_hz, 24000000); /* apb-pclk, through its phandle */
	assert_string_equal(bi.uart.node, "pl011@9000000");
	assert_int_equal(bi.psci, PSCI_HVC);
	assert_string_equal(dt_psci_name(bi.psci), "hvc");
	assert_int_equal(bi.ncpus, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(bi.cpu[i].mpidr, i);
		assert_int_equal(bi.cpu[i].enable, CPU_ENABLE_PSCI);
		assert_int_equal(bi.cpu[i].release_addr, 0);
	}
	free(b.data);
}

static void test_rpi3(void **state)
{
	struct blob b = load("rpi3");
	struct bootinfo bi;

	parse_ok(&b, &bi);
	assert_int_equal(bi.nmem, 1);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].size, 0x3b400000);
	/* /memreserve/ then /reserved-memory with a reg (linux,cma has none). */
	assert_int_equal(bi.nrsv, 2);
	assert_int_equal(bi.rsv[0].base, 0);
	assert_int_equal(bi.rsv[0].size, 0x1000);
	assert_int_equal(bi.rsv[1].base, 0x3a000000);
	assert_int_equal(bi.rsv[1].size, 0x800000);
	assert_string_equal(bi.model, "Raspberry Pi 3 Model B Rev 1.2");
	assert_non_null(strstr(bi.bootargs, "8250.nr_uarts=1"));
	/* stdout-path "serial0:115200n8" -> the mini UART, 0x7e.. -> 0x3f.. */
	assert_true(bi.uart.found);
	assert_int_equal(bi.uart.kind, UART_AUX);
	assert_string_equal(dt_uart_kind_name(bi.uart.kind), "bcm2835-aux");
	assert_int_equal(bi.uart.base, 0x3f215040);
	assert_int_equal(bi.uart.clock_hz, 0); /* a clock with a specifier: unknown */
	assert_int_equal(bi.psci, PSCI_NONE);
	assert_int_equal(bi.ncpus, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(bi.cpu[i].mpidr, i);
		assert_int_equal(bi.cpu[i].enable, CPU_ENABLE_SPIN_TABLE);
		assert_int_equal(bi.cpu[i].release_addr, 0xd8 + 8 * i);
	}
	free(b.data);
}

static void test_rpi4(void **state)
{
	static const struct mem_range banks[] = {
		{ 0x0, 0x3b400000 }, { 0x40000000, 0xbc000000 },
		{ 0x100000000ull, 0x80000000 }, { 0x180000000ull, 0x80000000 },
	};
	static const struct mem_range rsv[] = {
		{ 0x0, 0x1000 }, { 0x3ef00000, 0x100000 }, { 0x3ee00000, 0x1000 },
	};
	struct blob b = load("rpi4");
	struct bootinfo bi;
	uint64_t total = 0;

	parse_ok(&b, &bi);
	assert_int_equal(bi.nmem, ARRAY_SIZE(banks));
	for (size_t i = 0; i < ARRAY_SIZE(banks); i++) {
		assert_int_equal(bi.mem[i].base, banks[i].base);
		assert_int_equal(bi.mem[i].size, banks[i].size);
		total += bi.mem[i].size;
	}
	assert_int_equal(total, (8ull << 30) - (76 << 20) - (64 << 20)); /* less GPU, MMIO */
	assert_int_equal(bi.nrsv, ARRAY_SIZE(rsv));
	for (size_t i = 0; i < ARRAY_SIZE(rsv); i++) {
		assert_int_equal(bi.rsv[i].base, rsv[i].base);
		assert_int_equal(bi.rsv[i].size, rsv[i].size);
	}
	assert_string_equal(bi.bootargs, "run=tests");
	/* stdout-path "serial1:115200n8" -> PL011, 0x7e201000 -> 0xfe201000. */
	assert_true(bi.uart.found);
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0xfe201000);
	assert_int_equal(bi.uart.clock_hz, 48000000);
	assert_int_equal(bi.psci, PSCI_NONE);
	assert_int_equal(bi.ncpus, 4);
	assert_int_equal(bi.cpu[3].release_addr, 0xf0);
	free(b.data);
}

/* stdout-path, then alias serial0, then the first enabled PL011. */
static void test_console_fallbacks(void **state)
{
	struct bootinfo bi;
	uint32_t len;
	uint8_t *v;

	/* rpi3: stdout-path to serial1 instead: the PL011. */
	struct blob b = load("rpi3");

	parse_ok(&b, &bi);
	v = prop_in(&b, &bi, "/chosen", "stdout-path", &len);
	assert_memory_equal(v, "serial0", 7);
	v[6] = '1';
	parse_ok(&b, &bi);
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0x3f201000);
	/* ... to a missing alias: serial0, the mini UART. */
	v[6] = '7';
	parse_ok(&b, &bi);
	assert_int_equal(bi.uart.kind, UART_AUX);
	assert_int_equal(bi.uart.base, 0x3f215040);
	free(b.data);

	/* rpi4: missing alias, serial0 disabled: the first enabled PL011 (the
	 * disabled one at 0x7e201400 comes first in the tree). */
	b = load("rpi4");
	parse_ok(&b, &bi);
	v = prop_in(&b, &bi, "/chosen", "stdout-path", &len);
	v[6] = '7';
	parse_ok(&b, &bi);
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0xfe201000);
	/* No PL011 enabled either: no console found, not an error. */
	v = prop_in(&b, &bi, "/soc/serial@7e201000", "status", &len);
	assert_string_equal((char *)v, "okay");
	memcpy(v, "fail", 4);
	parse_ok(&b, &bi);
	assert_false(bi.uart.found);
	free(b.data);

	/* tiny: no /chosen/stdout-path, no aliases: the PL011 by compatible. */
	b = load("tiny");
	parse_ok(&b, &bi);
	assert_true(bi.uart.found);
	assert_int_equal(bi.uart.base, 0x9000000);
	assert_int_equal(bi.uart.clock_hz, 0);
	assert_string_equal(bi.bootargs, "run=none");
	assert_int_equal(bi.psci, PSCI_NONE);
	assert_int_equal(bi.ncpus, 0);
	assert_int_equal(bi.nrsv, 1);
	assert_int_equal(bi.rsv[0].base, 0x48000000);
	free(b.data);
}

static void expect_fail(const struct blob *b, size_t size, const char *expect)
{
	struct bootinfo bi;
	const char *why = NULL;
	int err = dt_parse(b->data, size, &bi, &why);

	if (err != -EINVAL || !why || strncmp(why, "device tree: ", 13) != 0 ||
	    (expect && !strstr(why, expect)))
		fail_msg("dt_parse returned %d, why \"%s\" (expected \"%s\")", err,
			 why ? why : "(none)", expect ? expect : "any");
}

static void test_unusable_trees(void **state)
{
	struct bootinfo bi;
	uint32_t len;
	uint8_t *v;
	struct blob b = load("tiny");

	/* No memory node: device_type "memory" becomes "memorx". */
	parse_ok(&b, &bi);
	v = prop_in(&b, &bi, "/memory@40000000", "device_type", &len);
	v[5] = 'x';
	expect_fail(&b, b.size, "device tree: no memory node");
	v[5] = 'y';

	/* Zero-sized memory. */
	v = prop_in(&b, &bi, "/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	put32(v + 12, 0);
	expect_fail(&b, b.size, "device tree: memory@40000000 has zero size");

	/* A bank that wraps around the address space. */
	put32(v + 0, 0xffffffff);
	put32(v + 8, 0x1);
	expect_fail(&b, b.size, "wraps around");
	put32(v + 0, 0);
	put32(v + 8, 0);
	put32(v + 12, 0x8000000);
	parse_ok(&b, &bi);

	/* Absurd cell counts at the root. */
	v = prop_in(&b, &bi, "/", "#address-cells", &len);
	put32(v, 7);
	expect_fail(&b, b.size, "device tree: #address-cells = 7 is absurd");
	put32(v, 0);
	expect_fail(&b, b.size, "#address-cells = 0 is absurd");
	put32(v, 2);
	v = prop_in(&b, &bi, "/", "#size-cells", &len);
	put32(v, 0x10000);
	expect_fail(&b, b.size, "#size-cells = 65536 is absurd");
	put32(v, 2);
	parse_ok(&b, &bi);

	/* reg no longer a whole number of entries: (2 + 1) cells into 16 bytes. */
	put32(v, 1);
	expect_fail(&b, b.size, "not a whole number");
	put32(v, 2);

	/* Bad magic and a short buffer come through from the reader. */
	b.data[0] ^= 0xff;
	expect_fail(&b, b.size, "bad magic 0x2f0dfeed");
	b.data[0] ^= 0xff;
	expect_fail(&b, b.size - 1, "truncated");
	free(b.data);

	/* Too many banks. */
	b = load("nine-banks");
	expect_fail(&b, b.size, "device tree: more than 8 memory banks");
	free(b.data);
}

static void test_every_cut_and_byte(void **state)
{
	struct blob b = load("tiny");
	uint8_t *m = malloc(b.size);
	int accepted = 0;

	for (size_t cut = 0; cut < b.size; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);

		memcpy(c, b.data, cut);
		struct blob t = { c, cut };

		expect_fail(&t, cut, NULL);
		free(c);
	}
	/* Every byte corrupted: parsed or refused with a reason, never a bad read. */
	for (size_t i = 0; i < b.size; i++) {
		struct bootinfo bi;
		const char *why = NULL;

		memcpy(m, b.data, b.size);
		m[i] ^= 0xa5;
		if (dt_parse(m, b.size, &bi, &why) == 0) {
			accepted++;
			assert_true(bi.nmem >= 1);
			for (size_t k = 0; k < bi.nmem; k++)
				assert_true(bi.mem[k].size > 0);
		} else {
			assert_non_null(why);
		}
	}
	print_message("%d of %zu corrupted trees still usable\n", accepted, b.size);
	free(m);
	free(b.data);
}

/* The start of a generated tree: a root with 2 + 2 cells and 512 MiB of RAM. */
static void gen_root(struct fdtgen *g)
{
	static const uint64_t ram[] = { 0x40000000, 512ull << 20 };

	memset(g, 0, sizeof(*g));
	fdtgen_begin(g, "");
	fdtgen_u32(g, "#address-cells", 2);
	fdtgen_u32(g, "#size-cells", 2);
	fdtgen_begin(g, "memory@40000000");
	fdtgen_str(g, "device_type", "memory");
	fdtgen_reg64(g, ram, 1);
	fdtgen_end(g);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: immune to a busy machine */
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Parse a generated blob, timing it: under the 2 MiB boot limit and well
 * under a second even with the sanitizers (a walk from the root per "reg"
 * took minutes on these). Returns dt_parse's result. */
static int timed_parse(uint8_t *blob, size_t size, struct bootinfo *bi, const char **why)
{
	double t0 = now(), dt;
	int err;

	assert_true(size <= (2u << 20));
	err = dt_parse(blob, size, bi, why);
	dt = now() - t0;
	print_message("%zu-byte tree parsed in %.3f s (%s)\n", size, dt, err ? *why : "ok");
	assert_true(dt < 1.0);
	return err;
}

/* Big trees of every shape: 40,000 /reserved-memory children (all but 20
 * without "reg"; then all with it, over the limit), 25,000 enabled PL011s
 * without "reg" (the console fallback), 10,000 CPUs, 100,000 properties in
 * one node, and chains nested to the depth limit. */
static void test_big_trees(void **state)
{
	struct fdtgen g;
	struct bootinfo bi;
	const char *why = NULL;
	char name[32];
	uint8_t *blob;
	size_t size;

	for (int all = 0; all < 2; all++) {
		gen_root(&g);
		fdtgen_begin(&g, "reserved-memory");
		fdtgen_u32(&g, "#address-cells", 2);
		fdtgen_u32(&g, "#size-cells", 2);
		fdtgen_prop(&g, "ranges", NULL, 0);
		for (int i = 0; i < 40000; i++) {
			uint64_t r[2] = { 0x50000000 + (uint64_t)i * 0x1000, 0x1000 };

			snprintf(name, sizeof(name), "r@%llx", (unsigned long long)r[0]);
			fdtgen_begin(&g, name);
			if (all || i % 2000 == 0)
				fdtgen_reg64(&g, r, 1);
			else
				fdtgen_u32(&g, "size", 0x1000);
			fdtgen_end(&g);
		}
		fdtgen_end(&g);
		fdtgen_end(&g);
		blob = fdtgen_finish(&g, &size);
		if (!all) {
			assert_int_equal(timed_parse(blob, size, &bi, &why), 0);
			assert_int_equal(bi.nmem, 1);
			assert_int_equal(bi.nrsv, 20);
			for (size_t i = 0; i < bi.nrsv; i++) {
				assert_int_equal(bi.rsv[i].base, 0x50000000 + i * 2000 * 0x1000);
				assert_int_equal(bi.rsv[i].size, 0x1000);
			}
		} else {
			assert_int_equal(timed_parse(blob, size, &bi, &why), -EINVAL);
			assert_non_null(strstr(why, "more than 32 reserved ranges (at r@50020000)"));
		}
		free(blob);
	}

	/* 25,000 enabled PL011s with no "reg", then 10,000 CPUs. */
	gen_root(&g);
	for (int i = 0; i < 25000; i++) {
		snprintf(name, sizeof(name), "serial@%x", i);
		fdtgen_begin(&g, name);
		fdtgen_str(&g, "compatible", "arm,pl011");
		fdtgen_end(&g);
	}
	fdtgen_begin(&g, "cpus");
	fdtgen_u32(&g, "#address-cells", 1);
	fdtgen_u32(&g, "#size-cells", 0);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		fdtgen_begin(&g, name);
		fdtgen_str(&g, "device_type", "cpu");
		fdtgen_u32(&g, "reg", (uint32_t)i);
		fdtgen_end(&g);
	}
	fdtgen_end(&g);
	fdtgen_end(&g);
	blob = fdtgen_finish(&g, &size);
	assert_int_equal(timed_parse(blob, size, &bi, &why), 0);
	assert_false(bi.uart.found);
	assert_int_equal(bi.ncpus, 10000);
	assert_int_equal(bi.cpu[DT_MAX_CPUS - 1].mpidr, DT_MAX_CPUS - 1);
	free(blob);

	/* 100,000 properties in the root, with long names. */
	memset(&g, 0, sizeof(g)); /* properties before subnodes: not gen_root */
	fdtgen_begin(&g, "");
	fdtgen_u32(&g, "#address-cells", 2);
	fdtgen_u32(&g, "#size-cells", 2);
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "vendor,property-number-%d", i % 50);
		fdtgen_u32(&g, name, (uint32_t)i);
	}
	fdtgen_str(&g, "model", "many properties");
	{
		static const uint64_t ram[] = { 0x40000000, 512ull << 20 };

		fdtgen_begin(&g, "memory@40000000");
		fdtgen_str(&g, "device_type", "memory");
		fdtgen_reg64(&g, ram, 1);
		fdtgen_end(&g);
	}
	fdtgen_end(&g);
	blob = fdtgen_finish(&g, &size);
	assert_int_equal(timed_parse(blob, size, &bi, &why), 0);
	assert_string_equal(bi.model, "many properties");
	assert_int_equal(bi.mem[0].size, 512ull << 20);
	free(blob);

	/* Chains 31 deep (the limit is 32 levels) until the tree is ~1.5 MB,
	 * with a reserved range at the bottom of one; then one level deeper. */
	for (int over = 0; over < 2; over++) {
		gen_root(&g);
		for (int c = 0; g.nst < 1500000; c++) {
			int depth = over && c == 100 ? 32 : 31;

			for (int d = 0; d < depth; d++) {
				snprintf(name, sizeof(name), "n%d-%d", c, d);
				fdtgen_begin(&g, name);
				if (d == 0 && c == 0)
					fdtgen_str(&g, "status", "okay");
			}
			for (int d = 0; d < depth; d++)
				fdtgen_end(&g);
		}
		fdtgen_end(&g);
		blob = fdtgen_finish(&g, &size);
		if (!over) {
			assert_int_equal(timed_parse(blob, size, &bi, &why), 0);
			assert_int_equal(bi.nmem, 1);
		} else {
			assert_int_equal(timed_parse(blob, size, &bi, &why), -EINVAL);
			assert_non_null(strstr(why, "nested deeper than 32"));
		}
		free(blob);
	}
}

/* dt_device_at: the device windows a RAM bank must not cover. QEMU's
 * virt tree: flash at 0, the PL011, the PCIe ECAM high and the high PCIe
 * MMIO window ("ranges" of the device_type "pci" node); a bank of real RAM
 * is claimed by nothing. Then a generated tree: a device behind a bus's
 * "ranges", a /reserved-memory child and CPU "reg"s that are not devices. */
static void test_device_at(void **state)
{
	struct blob b = load("qemu-virt");
	struct bootinfo bi;
	struct mem_range d;
	const char *name = NULL;
	struct fdtgen g;
	uint8_t *blob;
	size_t size;
	const char *why = NULL;

	parse_ok(&b, &bi);
	assert_true(dt_device_at(&bi, 0, 0x1000, &d, &name));
	assert_string_equal(name, "flash@0");
	assert_int_equal(d.base, 0);
	assert_true(dt_device_at(&bi, 0x09000000, 0x1000, &d, &name));
	assert_string_equal(name, "pl011@9000000");
	assert_int_equal(d.base, 0x09000000);
	assert_int_equal(d.size, 0x1000);
	assert_false(dt_device_at(&bi, 0x40000000, 0x20000000, &d, &name));
	/* A 1 TiB bank from 0x40000000: the lowest device in it is the PCIe
	 * ECAM (0x4010000000); past that, the high MMIO window. */
	assert_true(dt_device_at(&bi, 0x40000000, 0x10000000000ull, &d, &name));
	assert_string_equal(name, "pcie@10000000");
	assert_int_equal(d.base, 0x4010000000ull);
	assert_true(dt_device_at(&bi, 0x4020000000ull, 0x10000000000ull, &d, &name));
	assert_string_equal(name, "pcie@10000000");
	assert_int_equal(d.base, 0x8000000000ull);
	assert_int_equal(d.size, 0x8000000000ull);
	/* Overflow-safe: a range running to the top of the address space. */
	assert_true(dt_device_at(&bi, 0x8000000000ull, ~0ull - 0x8000000000ull, &d, &name));
	free(b.data);

	gen_root(&g);
	fdtgen_begin(&g, "reserved-memory");
	fdtgen_u32(&g, "#address-cells", 2);
	fdtgen_u32(&g, "#size-cells", 2);
	fdtgen_prop(&g, "ranges", NULL, 0);
	fdtgen_begin(&g, "fw@50000000");
	fdtgen_reg64(&g, (const uint64_t[]){ 0x50000000, 0x100000 }, 1);
	fdtgen_end(&g);
	fdtgen_end(&g);
	fdtgen_begin(&g, "cpus");
	fdtgen_u32(&g, "#address-cells", 1);
	fdtgen_u32(&g, "#size-cells", 0);
	fdtgen_begin(&g, "cpu@0");
	fdtgen_str(&g, "device_type", "cpu");
	fdtgen_u32(&g, "reg", 0);
	fdtgen_end(&g);
	fdtgen_end(&g);
	fdtgen_begin(&g, "bus@0");
	fdtgen_u32(&g, "#address-cells", 1);
	fdtgen_u32(&g, "#size-cells", 1);
	{
		uint8_t r[16];

		put32(r, 0);
		put32(r + 4, 0);
		put32(r + 8, 0x5f000000);  /* child 0 -> 0x5f000000 */
		put32(r + 12, 0x100000);
		fdtgen_prop(&g, "ranges", r, sizeof(r));
		fdtgen_begin(&g, "dev@1000");
		put32(r, 0x1000);
		put32(r + 4, 0x1000);
		fdtgen_prop(&g, "reg", r, 8);
		fdtgen_end(&g);
	}
	fdtgen_end(&g);
	fdtgen_end(&g);
	blob = fdtgen_finish(&g, &size);
	assert_int_equal(dt_parse(blob, size, &bi, &why), 0);
	assert_false(dt_device_at(&bi, 0x50000000, 0x100000, &d, &name)); /* reserved RAM */
	assert_false(dt_device_at(&bi, 0, 0x1000, &d, &name));             /* cpu@0 reg 0 */
	assert_true(dt_device_at(&bi, 0x40000000, 0x20000000, &d, &name));
	assert_string_equal(name, "dev@1000");
	assert_int_equal(d.base, 0x5f001000);
	assert_int_equal(d.size, 0x1000);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_rpi3),
		cmocka_unit_test(test_rpi4),
		cmocka_unit_test(test_console_fallbacks),
		cmocka_unit_test(test_unusable_trees),
		cmocka_unit_test(test_every_cut_and_byte),
		cmocka_unit_test(test_big_trees),
		cmocka_unit_test(test_device_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
