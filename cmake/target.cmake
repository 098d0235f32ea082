# SPDX-License-Identifier: MIT
# The target half of the build: the kernel (and, later, user programs).
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_package(Git QUIET)
find_program(MIG x86_64-gnu-mig REQUIRED)

# A version string for the boot banner: the release plus the git commit.
set(RVMACH_VERSION "${PROJECT_VERSION}")
if(GIT_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE RVMACH_GIT OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(RVMACH_GIT)
    set(RVMACH_VERSION "${PROJECT_VERSION}-${RVMACH_GIT}")
  endif()
endif()

include(${CMAKE_SOURCE_DIR}/cmake/userland.cmake)
include(${CMAKE_SOURCE_DIR}/cmake/kernel.cmake)
