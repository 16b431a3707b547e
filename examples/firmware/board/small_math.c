/* The board's sqrt: newlib's IEEE square root itself, without libm's
 * wrapper (w_sqrt), which only adds setting errno for a negative argument
 * and so links errno and newlib's re-entrancy structure (0.2 KB of flash
 * with its data). The firmware is built with -fno-math-errno: nothing
 * reads errno; the result, NaN for a negative argument, is the same.
 * tests/device/test_board_libc.c checks it. */
double sqrt(double x);
double __ieee754_sqrt(double x); /* newlib's libm (fdlibm's e_sqrt.c) */

double sqrt(double x) { return __ieee754_sqrt(x); }
