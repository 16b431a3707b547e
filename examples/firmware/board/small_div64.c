/* The board's 64-bit integer division (the ARM run-time ABI's
 * __aeabi_uldivmod and __aeabi_ldivmod), written for size: libgcc's take
 * 0.9 KB (its generic __udivmoddi4 alone 700 B), these about 0.4 KB. They
 * use the Cortex-M3/M4/M7 32-bit UDIV: one instruction when both operands
 * fit 32 bits (times within a window, most counts), two 16-bit quotient
 * digits (Hacker's Delight, divlu) when only the divisor does (a time in
 * ms since 1970 by a span or by 10), and one more step for a divisor of 33
 * bits or more (Hacker's Delight, divDu). ARMv6-M (Cortex-M0/M0+) has no
 * UDIV and keeps libgcc's. tests/device/test_board_libc.c checks them
 * against a shift-and-subtract reference. */
#include <stdint.h>

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)

uint64_t jj_board_udivmod64(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t jj_board_sdivmod64(int64_t n, int64_t d, int64_t *rem);

/* (u1 * 2^32 + u0) / v for u1 < v (the quotient fits 32 bits); *r the
 * remainder. Two quotient digits of 16 bits, each estimated from the
 * divisor's top half and corrected at most twice. */
static uint32_t divlu(uint32_t u1, uint32_t u0, uint32_t v, uint32_t *r) {
  const uint32_t b = 65536;
  int s = __builtin_clz(v);
  v <<= s; /* normalised: the top bit set */
  uint32_t vn1 = v >> 16, vn0 = v & 0xFFFFu;
  uint32_t un32 = (u1 << s) | (s ? u0 >> (32 - s) : 0), un10 = u0 << s;
  uint32_t un1 = un10 >> 16, un0 = un10 & 0xFFFFu;
  uint32_t q1 = un32 / vn1, rhat = un32 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > b * rhat + un1) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  uint32_t un21 = un32 * b + un1 - q1 * v;
  uint32_t q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > b * rhat + un0) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  *r = (un21 * b + un0 - q0 * v) >> s;
  return q1 * b + q0;
}

uint64_t jj_board_udivmod64(uint64_t n, uint64_t d, uint64_t *rem) {
  uint32_t nh = (uint32_t)(n >> 32), nl = (uint32_t)n, dh = (uint32_t)(d >> 32), dl = (uint32_t)d;
  if (!dh) {
    if (!nh) {
      uint32_t q = nl / dl;
      *rem = nl - q * dl;
      return q;
    }
    uint32_t qh = nh / dl, r; /* nh - qh * dl < dl: divlu's condition */
    uint32_t ql = divlu(nh - qh * dl, nl, dl, &r);
    *rem = r;
    return (uint64_t)qh << 32 | ql;
  }
  /* d >= 2^32: the quotient fits 32 bits; estimate it from d's top 32
   * bits (normalised) and n / 2, then correct by one. */
  int s = __builtin_clz(dh);
  uint32_t v1 = (uint32_t)((d << s) >> 32), r;
  uint64_t u1 = n >> 1;
  uint64_t q = ((uint64_t)divlu((uint32_t)(u1 >> 32), (uint32_t)u1, v1, &r) << s) >> 31;
  if (q) q--;
  if (n - q * d >= d) q++;
  *rem = n - q * d;
  return q;
}

/* C's truncating division: the remainder takes the dividend's sign. */
uint64_t jj_board_sdivmod64(int64_t n, int64_t d, int64_t *rem) {
  uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n, ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
  uint64_t ur, q = jj_board_udivmod64(un, ud, &ur);
  *rem = (int64_t)(n < 0 ? 0 - ur : ur);
  return (n < 0) != (d < 0) ? 0 - q : q;
}

/* The run-time ABI returns the quotient in r0:r1 and the remainder in
 * r2:r3: call the C function with the remainder's address as its fifth
 * argument (on the stack, kept 8-byte aligned) and load it into r2:r3. */
#define AEABI_DIVMOD(name, fn)                                                     \
  __attribute__((naked, used)) void name(void) {                                   \
    __asm__ volatile("push {r4, lr}\n\t"                                           \
                     "sub sp, sp, #16\n\t"                                         \
                     "add r4, sp, #8\n\t"                                          \
                     "str r4, [sp]\n\t"                                            \
                     "bl " #fn "\n\t"                                              \
                     "ldrd r2, r3, [sp, #8]\n\t"                                   \
                     "add sp, sp, #16\n\t"                                         \
                     "pop {r4, pc}\n\t");                                          \
  }

void __aeabi_uldivmod(void);
void __aeabi_ldivmod(void);
AEABI_DIVMOD(__aeabi_uldivmod, jj_board_udivmod64)
AEABI_DIVMOD(__aeabi_ldivmod, jj_board_sdivmod64)

#endif
