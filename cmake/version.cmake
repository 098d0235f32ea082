# SPDX-License-Identifier: MIT
# Run at every build (cmake -P): write the boot banner's version string,
# the release plus `git describe`, into OUT, only when it changed, so the
# banner names the commit that was built, not the one that was configured.
#   cmake -DSRC=dir -DOUT=file -DBASE=0.1.0 [-DGIT=git] -P version.cmake
set(version "${BASE}")
if(GIT AND EXISTS "${SRC}/.git")
  execute_process(COMMAND ${GIT} describe --always --dirty
                  WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(described)
    set(version "${BASE}-${described}")
  endif()
endif()
set(text "/* Made by cmake/version.cmake at build time. */\n#define RVMACH_VERSION \"${version}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUT}" "${text}")
endif()
