/*
 * Exception handling in C: the data-abort fast path's decode, instruction
 * aborts, expected faults, and the crash report for everything else (the
 * contract's: exception class, decoded ESR, FAR, ELR, SPSR, registers and a
 * frame-pointer backtrace, then status=fail).
 */
#include <stddef.h>

#include "arch/aarch64/esr.h"
#include "arch/aarch64/exception.h"
#include "arch/aarch64/expect.h"
#include "arch/aarch64/image.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/stop.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/fault.h"

#include <arch/cpu.h>

static_assert(offsetof(struct exc_frame, x[29]) == FRAME_X(29), "frame x29");
static_assert(offsetof(struct exc_frame, sp) == FRAME_SP, "frame sp");
static_assert(offsetof(struct exc_frame, elr) == FRAME_ELR, "frame elr");
static_assert(offsetof(struct exc_frame, spsr) == FRAME_SPSR, "frame spsr");
static_assert(offsetof(struct exc_frame, esr) == FRAME_ESR, "frame esr");
static_assert(offsetof(struct exc_frame, far) == FRAME_FAR, "frame far");
static_assert(sizeof(struct exc_frame) == FRAME_SIZE, "frame size");
static_assert(FRAME_SIZE % 16 == 0, "SP stays 16-byte aligned");
static_assert(offsetof(struct percpu, stamp[STAGE_ENTRY]) == PERCPU_STAMP_ENTRY &&
	      offsetof(struct percpu, stamp[STAGE_EXIT]) == PERCPU_STAMP_EXIT,
	      "vectors.S stamps this CPU's fault_stamp[STAGE_ENTRY], [STAGE_EXIT]");
static_assert(offsetof(struct percpu, stamps_on) == PERCPU_STAMPS_ON,
	      "vectors.S tests this CPU's fault_stamps_on");
static_assert(STAGE_ENTRY == FAULT_STAGE_ENTRY && STAGE_EXIT == FAULT_STAGE_EXIT,
	      "vectors.S marks STAGE_ENTRY and STAGE_EXIT");

#define BACKTRACE_MAX 32

int el1_abort_fast(uint64_t esr, uint64_t far)
{
	struct mm_struct *mm = current_mm;

	unsigned flags;

	if (unlikely(!mm))
		return -EFAULT; /* before the mm exists every fault is a bug */
	flags = esr_dabt_flags(esr);
	FAULT_MARK_AFTER(STAGE_DECODE, flags);
	return do_page_fault_nostamp(mm, far, flags);
}

int el1_abort_stamped(uint64_t esr, uint64_t far)
{
	struct mm_struct *mm = current_mm;
	unsigned flags;

	if (unlikely(!mm))
		return -EFAULT;
	flags = esr_dabt_flags(esr);
	fault_stamp[STAGE_DECODE] = arch_counter();
	return do_page_fault(mm, far, flags);
}

static const char *const vec_kind[4] = { "synchronous", "IRQ", "FIQ", "SError" };
static const char *const vec_origin[4] = {
	"EL1 kernel code (SP_EL0)",
	"EL1 exception handler (SP_EL1)",
	"EL0 (AArch64)",
	"EL0 (AArch32)",
};

/* The image's link address is 0, so pc - __image_start is what
 * `addr2line -e faultline.elf` wants. */
static void print_pc(const char *label, int n, uint64_t pc)
{
	uint64_t base = (uint64_t)__image_start;

	if (pc >= base && pc < (uint64_t)__text_end)
		kprintf("faultline:   #%-2d %s 0x%016llx (faultline.elf+0x%llx)\n", n,
			label, (unsigned long long)pc, (unsigned long long)(pc - base));
	else
		kprintf("faultline:   #%-2d %s 0x%016llx\n", n, label,
			(unsigned long long)pc);
}

/* Which stack a frame record (fp, lr) lies wholly inside: 1 the kernel's,
 * 2 the exception stack (a secondary CPU's own: 3, 4), 0 neither (then it
 * is not followed). */
static int stack_of(uint64_t fp)
{
	int s;

	if (fp & 7)
		return 0;
	s = smp_stack_of(arch_cpu_id(), fp);
	if (s)
		return s + 2;
	if (fp >= (uint64_t)__stack_bottom && fp + 16 <= (uint64_t)__stack_top)
		return 1;
	if (fp >= (uint64_t)__exc_stack_bottom && fp + 16 <= (uint64_t)__exc_stack_top)
		return 2;
	return 0;
}

/* Frame-pointer backtrace (AAPCS64 6.2.3: x29 points at {previous x29, LR}),
 * every record bounds-checked, always moving up its stack. */
static void backtrace(const struct exc_frame *f)
{
	uint64_t fp = f->x[29];
	int n = 0;

	kprintf("faultline: backtrace:\n");
	print_pc("pc", n++, f->elr);
	print_pc("lr", n++, f->x[30]);
	while (n < BACKTRACE_MAX && stack_of(fp)) {
		const uint64_t *rec = (const uint64_t *)fp;
		uint64_t next = rec[0], ret = rec[1];

		if (ret == 0)
			return;
		print_pc("  ", n++, ret);
		if (stack_of(next) == stack_of(fp) && next <= fp)
			return; /* not moving up: a corrupt chain */
		fp = next;
	}
	if (fp != 0 && n < BACKTRACE_MAX)
		kprintf("faultline:   (frame pointer 0x%llx is outside the stacks)\n",
			(unsigned long long)fp);
}

static void print_regs(const struct exc_frame *f)
{
	for (int i = 0; i < 31; i += 4) {
		kprintf("faultline:  ");
		for (int j = i; j < i + 4 && j < 31; j++)
			kprintf(" x%-2d %016llx", j, (unsigned long long)f->x[j]);
		kprintf("\n");
	}
	kprintf("faultline:   sp  %016llx elr %016llx spsr %08llx\n",
		(unsigned long long)f->sp, (unsigned long long)f->elr,
		(unsigned long long)f->spsr);
}

/* What the fault address hits, when that explains the crash. */
static const char *address_hint(uint64_t far)
{
	if (far >= (uint64_t)__stack_guard && far < (uint64_t)__stack_bottom)
		return " (kernel stack overflow: guard page)";
	if (far >= (uint64_t)__exc_guard && far < (uint64_t)__exc_stack_bottom)
		return " (exception stack overflow: guard page)";
	if (far < PAGE_SIZE)
		return " (NULL pointer)";
	return "";
}

/*
 * crash: the report, then a failed stop. `err` is do_page_fault's result
 * for an abort it refused (0 if it did not run).
 */
static NORETURN void crash(const struct exc_frame *f, unsigned vec,
			   unsigned flags, int err)
{
	static bool reporting;
	unsigned ec = ESR_EC(f->esr);
	bool sync = (vec & 3) == 0, abort = sync && esr_is_abort(f->esr);
	bool far_ok = abort && !(f->esr & ISS_DA_FnV);
	char esr_text[320], cpu[16] = "";

	if (smp_cpus_online() > 1) /* the reason names the CPU */
		ksnprintf(cpu, sizeof(cpu), "cpu %u: ", (unsigned)arch_cpu_id());
	if (reporting)
		stop_fail("%sexception while reporting a crash (ELR 0x%llx)", cpu,
			  (unsigned long long)f->elr);
	reporting = true;

	kprintf("faultline: CRASH: unexpected %s exception from %s%s%.*s\n",
		vec_kind[vec & 3], vec_origin[(vec >> 2) & 3], *cpu ? " on " : "",
		*cpu ? (int)strlen(cpu) - 2 : 0, cpu); /* "cpu N" without ": " */
	if (sync || (vec & 3) == 3) {
		esr_describe(f->esr, esr_text, sizeof(esr_text));
		kprintf("faultline:   ESR 0x%016llx %s\n",
			(unsigned long long)f->esr, esr_text);
	}
	if (far_ok)
		kprintf("faultline:   FAR 0x%016llx%s\n",
			(unsigned long long)f->far, address_hint(f->far));
	else if (abort)
		kprintf("faultline:   FAR not valid (FnV=1)\n");
	if (abort && err)
		kprintf("faultline:   do_page_fault: %s\n", errno_name(err));
	print_regs(f);
	backtrace(f);
	if (abort && err == -EFAULT && current_mm && !esr_is_external(f->esr))
		segv_report(current_mm, f->far, flags);

	if (abort)
		stop_fail("%s%s: %s at 0x%llx, pc 0x%llx", cpu, esr_class_name(ec),
			  esr_abort_reason(f->esr, err),
			  (unsigned long long)f->far, (unsigned long long)f->elr);
	if (sync)
		stop_fail("%sunexpected exception: %s, pc 0x%llx", cpu, esr_class_name(ec),
			  (unsigned long long)f->elr);
	if ((vec & 3) == 3)
		stop_fail("%sSError (asynchronous abort, ESR 0x%llx), pc 0x%llx", cpu,
			  (unsigned long long)f->esr, (unsigned long long)f->elr);
	stop_fail("%sunexpected %s exception, pc 0x%llx", cpu, vec_kind[vec & 3],
		  (unsigned long long)f->elr);
}

/* A fault the fault path refused: an expected one resumes, else crash. */
static void fault_failed(struct exc_frame *f, unsigned vec, unsigned flags, int err)
{
	if (expect_fault_take(f, flags, err))
		return;
	crash(f, vec, flags, err);
}

void exception_abort_failed(struct exc_frame *f, int err)
{
	fault_failed(f, VEC_SYNC_SP0, esr_dabt_flags(f->esr), err);
}

void exception_slow(struct exc_frame *f, unsigned vec)
{
	unsigned ec = ESR_EC(f->esr);

	if (vec == VEC_SYNC_SP0 && ec == EC_IABT_CUR) {
		unsigned flags = esr_fault_flags(f->esr);
		int err = current_mm ? do_page_fault(current_mm, f->far, flags) : -EFAULT;

		if (err == 0)
			return;
		fault_failed(f, vec, flags, err);
		return;
	}
	/* Other synchronous exceptions may be expected too (the semihosting
	 * probe's UNDEFINED HLT), but not aborts inside a handler. */
	if (vec == VEC_SYNC_SP0 || (vec == VEC_SYNC_SPX && !esr_is_abort(f->esr))) {
		if (expect_fault_take(f, esr_fault_flags(f->esr), 0))
			return;
	}
	crash(f, vec, 0, 0);
}
