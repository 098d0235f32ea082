# SPDX-License-Identifier: MIT
# User programs: built for RV64GC (lp64d) against picolibc and our own
# libmach (traps, mach_msg, MIG user stubs), then packed into the boot-module
# archive the kernel carries (BOOTMODS_CPIO).
set(BOOTMODS_CPIO ${CMAKE_BINARY_DIR}/bootmods.cpio)
set(BOOTMODS_PROGRAMS)
add_subdirectory(${CMAKE_SOURCE_DIR}/userland ${CMAKE_BINARY_DIR}/userland)

set(mkargs)
foreach(prog ${BOOTMODS_PROGRAMS})
  list(APPEND mkargs ${prog}=$<TARGET_FILE:${prog}>)
endforeach()
add_custom_command(
    OUTPUT ${BOOTMODS_CPIO}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/mkbootmods.py
            -o ${BOOTMODS_CPIO} ${mkargs}
    DEPENDS ${BOOTMODS_PROGRAMS} ${CMAKE_SOURCE_DIR}/scripts/mkbootmods.py
    COMMENT "Packing the boot modules")
add_custom_target(bootmods DEPENDS ${BOOTMODS_CPIO})
