# SPDX-License-Identifier: MIT
# User programs: built for RV64GC (lp64d) against picolibc and our own
# libmach (traps, mach_msg, MIG user stubs), then packed into the boot-module
# archive the kernel carries (BOOTMODS_CPIO).
set(BOOTMODS_CPIO ${CMAKE_BINARY_DIR}/bootmods.cpio)
set(BOOTMODS_PROGRAMS)
# Data files (boot scripts...): NAME=PATH pairs; BOOTMODS_DEPENDS: the
# targets that make generated ones.
set(BOOTMODS_FILES)
set(BOOTMODS_DEPENDS)
add_subdirectory(${CMAKE_SOURCE_DIR}/userland ${CMAKE_BINARY_DIR}/userland)

set(mkargs)
foreach(prog ${BOOTMODS_PROGRAMS})
  list(APPEND mkargs ${prog}=$<TARGET_FILE:${prog}>)
endforeach()
set(file_deps)
foreach(pair ${BOOTMODS_FILES})
  list(APPEND mkargs ${pair})
  string(REGEX REPLACE "^[^=]*=" "" path ${pair})
  list(APPEND file_deps ${path})
endforeach()
add_custom_command(
    OUTPUT ${BOOTMODS_CPIO}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/mkbootmods.py
            -o ${BOOTMODS_CPIO} ${mkargs}
    DEPENDS ${BOOTMODS_PROGRAMS} ${file_deps} ${BOOTMODS_DEPENDS}
            ${CMAKE_SOURCE_DIR}/scripts/mkbootmods.py
    COMMENT "Packing the boot modules")
add_custom_target(bootmods DEPENDS ${BOOTMODS_CPIO})
