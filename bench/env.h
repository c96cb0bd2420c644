/*
 * The benchmark environment seam. The access-pattern code in bench/ is built
 * twice: into the faultline kernel (bench/kernel/env_kernel.c) and into a static
 * Linux program for `make compare` (tools/linux/env_linux.c). Everything the
 * patterns need from "their OS" goes through these functions, so the code
 * that touches memory and reads the counter is the same on both.
 */
#ifndef BENCH_ENV_H
#define BENCH_ENV_H

#include "lib/types.h"
#include "mm/geometry.h"

#define ENV_PROT_READ BIT(0)
#define ENV_PROT_WRITE BIT(1)

/* env_map: a fresh anonymous private mapping of `bytes`, or NULL. */
void *env_map(uint64_t bytes, unsigned prot);

/* env_unmap: remove [p, p+bytes); 0 or a negative error. */
int env_unmap(void *p, uint64_t bytes);

/* env_brk: set the program break (Linux brk semantics); returns the new break. */
void *env_brk(void *addr);

/* env_counter: the latency counter, read with serialising barriers. */
uint64_t env_counter(void);

/* env_faults: page faults taken so far by this address space. */
uint64_t env_faults(void);

/* env_pages_allocated: data pages allocated by faults so far. */
uint64_t env_pages_allocated(void);

/* env_table_pages: translation-table pages the address space holds now, or ENV_UNKNOWN. */
#define ENV_UNKNOWN UINT64_MAX
uint64_t env_table_pages(void);

/* env_ram_bytes: memory the benchmarks may use (caps region sizes). */
uint64_t env_ram_bytes(void);

/* env_cache_bytes: the largest data or unified cache of this core, or 0
 * when the OS cannot tell (the cold-cache variants' eviction buffer is
 * sized from it). */
uint64_t env_cache_bytes(void);

#endif
