/* Forced into every device test suite (-include): the long randomized
 * loops run a quarter of their length, as under valgrind (an emulated
 * Cortex-M is about as slow). */
#define JJ_UNDER_VALGRIND() 1
