# SPDX-License-Identifier: MIT
# The target half of the build: the kernel (and, later, user programs).
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_package(Git QUIET)
find_program(MIG x86_64-gnu-mig REQUIRED)

# The boot banner's version string (the release plus the git commit),
# rewritten at every build when it changed: cmake/version.cmake.
set(VERSION_HEADER ${CMAKE_BINARY_DIR}/generated/rvmach_version.h)
add_custom_target(rvmach_version
    COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${VERSION_HEADER}
            -DBASE=${PROJECT_VERSION} -DGIT=${GIT_EXECUTABLE}
            -P ${CMAKE_SOURCE_DIR}/cmake/version.cmake
    BYPRODUCTS ${VERSION_HEADER}
    COMMENT "Checking the version string")

# Messages name source files from the top of the tree (kassert, CHECK),
# the same on every machine.
add_compile_options(-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=)

include(${CMAKE_SOURCE_DIR}/cmake/userland.cmake)
include(${CMAKE_SOURCE_DIR}/cmake/kernel.cmake)
