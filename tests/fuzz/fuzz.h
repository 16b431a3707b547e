/* The libFuzzer entry point, declared for the replay driver. */
#ifndef JJ_TESTS_FUZZ_H
#define JJ_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
