/* Reset code for the MPS2 boards under QEMU: copy .data, clear .bss, turn
 * on the FPU (when the core has one), open the semihosting console
 * (newlib's librdimon: printf and exit reach the host through QEMU's
 * -semihosting), run main and exit with its status. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

void jj_board_reset(void);
void _init(void);
void _fini(void);

/* __libc_init_array calls _init (crti.o's, left out with -nostartfiles). */
void _init(void) {}
void _fini(void) {}
void jj_board_fault(void);

/* With the minimal console there are no stdio buffers to flush and no
 * atexit handlers: _exit, without newlib's exit and its data. */
#ifdef JJ_BOARD_MINIMAL_IO
#define board_exit _exit
#else
#define board_exit exit
#endif

void jj_board_reset(void) {
  /* Linker symbols: their addresses are the bounds (integers, not objects). */
  memcpy(_sdata, _sidata, (size_t)((uintptr_t)_edata - (uintptr_t)_sdata));
  memset(_sbss, 0, (size_t)((uintptr_t)_ebss - (uintptr_t)_sbss));
#if defined(__ARM_FP)
  /* CPACR: full access to coprocessors 10 and 11 (the FPU). */
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
#ifndef JJ_BOARD_MINIMAL_IO /* semihost_io.c needs no set-up */
  initialise_monitor_handles();
#endif
  __libc_init_array();
  board_exit(main());
}

/* malloc's memory (newlib calls _sbrk): the PSRAM region of the linker
 * script, failing with ENOMEM beyond it. */
extern char __jj_heap_start[], __jj_heap_end[];
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr) {
  static uintptr_t brk;
  uintptr_t lo = (uintptr_t)__jj_heap_start, hi = (uintptr_t)__jj_heap_end;
  if (!brk) brk = lo;
  if ((incr > 0 && (uintptr_t)incr > hi - brk) || (incr < 0 && (uintptr_t)-incr > brk - lo)) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *old = __jj_heap_start + (brk - lo);
  brk += (uintptr_t)incr;
  return old;
}

/* Any fault ends the run with a failure status (a test that crashes fails). */
void jj_board_fault(void) {
  static const char msg[] = "board: hard fault\n";
  (void)msg;
  board_exit(99);
}

/* Initial stack pointer, reset, NMI, HardFault, MemManage, BusFault, UsageFault. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_estack,
    jj_board_reset, jj_board_fault, jj_board_fault, jj_board_fault, jj_board_fault,
    jj_board_fault,
};
