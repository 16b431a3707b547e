/* The board's console for programs that only write() and exit (built with
 * JJ_BOARD_MINIMAL_IO): two semihosting calls instead of newlib's
 * librdimon, whose stdio set-up (__sinit, fflush, and through them
 * newlib's malloc) a program without printf does not need. A real robot
 * puts its UART here. */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

int _write(int fd, const void *buf, size_t n);
void _exit(int status);

#define SYS_OPEN 0x01
#define SYS_WRITE 0x05
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023

static int semihost(int op, void *arg) {
  register int r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* The host's stdout and stderr: ":tt" opened for writing (mode 4) and
 * appending (mode 8), once. */
static int console(int fd) {
  static int handle[2] = {-1, -1};
  int k = fd == 2;
  if (handle[k] < 0) {
    uintptr_t arg[3] = {(uintptr_t)":tt", k ? 8u : 4u, 3u};
    handle[k] = semihost(SYS_OPEN, arg);
  }
  return handle[k];
}

__attribute__((used)) int _write(int fd, const void *buf, size_t n) {
  if (fd != 1 && fd != 2) return -1;
  uintptr_t arg[3] = {(uintptr_t)console(fd), (uintptr_t)buf, n};
  int left = semihost(SYS_WRITE, arg); /* bytes not written */
  return (int)n - left;
}

/* write() itself too: newlib's goes through _write_r, errno and the
 * re-entrancy structure (0.2 KB with its data) to reach _write. */
_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t n) { return _write(fd, buf, n); }

__attribute__((used, noreturn)) void _exit(int status) {
  for (;;)
    (void)semihost(SYS_EXIT, (void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                              : ADP_STOPPED_RUN_TIME_ERROR));
}
