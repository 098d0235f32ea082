# SPDX-License-Identifier: MIT
# The host half of the build: tools, host unit tests, device trees, and the
# target half (kernel and user programs) as an ExternalProject.
include(ExternalProject)
include(CTest)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

find_program(DTC dtc REQUIRED)
find_program(QEMU_RISCV64 qemu-system-riscv64 REQUIRED)

# Host code is the kernel's machine-independent code plus tests: built with
# the same warnings, and with AddressSanitizer and UBSan.
set(HOST_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
set(HOST_CFLAGS -O1 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
    ${HOST_SANITIZE})

# The kernel and user programs, cross-compiled in build/target.
set(TARGET_DIR ${CMAKE_BINARY_DIR}/target)
ExternalProject_Add(target
    SOURCE_DIR ${CMAKE_SOURCE_DIR}
    BINARY_DIR ${TARGET_DIR}
    CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/toolchain.cmake
               -DCMAKE_BUILD_TYPE=RelWithDebInfo
    BUILD_ALWAYS 1
    INSTALL_COMMAND ""
    USES_TERMINAL_BUILD 1)
set(KERNEL_ELF ${TARGET_DIR}/rvmach.elf)
set(KERNEL_IMAGE ${TARGET_DIR}/Image)

add_subdirectory(dts)
add_subdirectory(tools)
add_subdirectory(test/host)
add_subdirectory(test/qemu)
