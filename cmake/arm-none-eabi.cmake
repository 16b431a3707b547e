# Cross-compiling for bare-metal Cortex-M with Debian's gcc-arm-none-eabi and
# newlib. Pick the core with JJ_ARM_CPU (default cortex-m4): cortex-m0plus,
# cortex-m4 (FPv4 single-precision FPU, hard float), cortex-m7 (FPv5 double
# precision). CMakePresets.json has a preset per core.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_SIZE arm-none-eabi-size)
# Bare metal has no program to run at configure time: test with a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(JJ_ARM_CPU "cortex-m4" CACHE STRING "Cortex-M core: cortex-m0plus, cortex-m4, cortex-m7")
if(JJ_ARM_CPU STREQUAL "cortex-m0plus")
  set(_jj_arch "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft")
elseif(JJ_ARM_CPU STREQUAL "cortex-m4")
  set(_jj_arch "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
elseif(JJ_ARM_CPU STREQUAL "cortex-m7")
  set(_jj_arch "-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard")
else()
  message(FATAL_ERROR "JJ_ARM_CPU: unknown core '${JJ_ARM_CPU}'")
endif()
# Every function and object in its own section so the linker drops what the
# firmware never calls (the builder, the JSON writer, ...).
# -fno-math-errno: nothing reads errno, and libm's calls need no errno
# handling around them (the values are the same). -fno-partial-inlining:
# no inlined copies of functions' early-exit parts (0.2 KB less for the
# fire robot, and a quiet push 40 instructions fewer). With link-time
# optimisation, one partition: the whole program optimised as one unit
# (0.1 KB less than the default split for the fire robot).
set(CMAKE_C_FLAGS_INIT "${_jj_arch} -ffunction-sections -fdata-sections -fno-math-errno -fno-partial-inlining")
set(CMAKE_ASM_FLAGS_INIT "${_jj_arch}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_jj_arch} -Wl,--gc-sections -flto-partition=one")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
