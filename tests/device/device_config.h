/* Forced into every device test suite (-include): the long randomized
 * loops run shorter, as under valgrind (an emulated Cortex-M is slower
 * still: test_window runs 1/16 of its seeds, at least one per class, and
 * of its long-run drift loops, which keeps the CI step within budget). */
#define JJ_UNDER_VALGRIND() 1
#define JJ_TEST_SLOW_DIV 16
