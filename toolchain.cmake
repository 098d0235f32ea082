# SPDX-License-Identifier: MIT
# Cross toolchain for the kernel and user programs: Debian's bare-metal
# riscv64-unknown-elf-gcc.  User programs use the flags below (RV64GC,
# hardware floating point); the kernel narrows them to rv64imac/lp64 so that
# it never touches the floating-point registers (see kern/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(RVMACH_CROSS riscv64-unknown-elf- CACHE STRING "prefix of the cross tools")
set(CMAKE_C_COMPILER   ${RVMACH_CROSS}gcc)
set(CMAKE_ASM_COMPILER ${RVMACH_CROSS}gcc)
set(CMAKE_OBJCOPY      ${RVMACH_CROSS}objcopy CACHE FILEPATH "")
set(CMAKE_NM           ${RVMACH_CROSS}nm CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(RVMACH_ARCH_FLAGS "-march=rv64gc -mabi=lp64d -mcmodel=medany")
set(CMAKE_C_FLAGS_INIT
    "${RVMACH_ARCH_FLAGS} -ffreestanding -fno-common -fno-omit-frame-pointer -Wall -Wextra -Werror")
set(CMAKE_ASM_FLAGS_INIT "${RVMACH_ARCH_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
