# SPDX-License-Identifier: MIT
# The interfaces of rvmach's own servers (userland/defs/*.defs): their MIG
# user stubs go into libmach (MIG_USER_SOURCES), their headers into
# ${USER_MIG_DIR}/rvmach/ (included as <rvmach/NAME_user.h>).  A server
# makes its own server stubs with rvmach_mig_server().  Included from
# userland/CMakeLists.txt before libmach is defined.
set(USER_DEFS_DIR ${CMAKE_CURRENT_LIST_DIR})
set(USER_LIB_INCLUDE ${CMAKE_CURRENT_LIST_DIR}/../lib/include)
file(MAKE_DIRECTORY ${USER_MIG_DIR}/rvmach)

foreach(defs name console blk fs)
  set(user_c ${USER_MIG_DIR}/rvmach/${defs}User.c)
  set(user_h ${USER_MIG_DIR}/rvmach/${defs}_user.h)
  add_custom_command(
      OUTPUT ${user_c} ${user_h}
      COMMAND ${MIG} -n -I${CMAKE_SOURCE_DIR}/include -I${USER_LIB_INCLUDE}
              -user ${user_c} -header ${user_h} ${USER_DEFS_DIR}/${defs}.defs
      DEPENDS ${USER_DEFS_DIR}/${defs}.defs ${CMAKE_SOURCE_DIR}/include/mach/std_types.defs
      COMMENT "MIG (user) ${defs}.defs")
  list(APPEND MIG_USER_SOURCES ${user_c})
endforeach()

# rvmach_mig_server(TARGET DEFS): DEFS.defs' server stub (DEFSServer.c, with
# the prototypes in DEFSServer.h) built into TARGET.
function(rvmach_mig_server target defs)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/mig)
  file(MAKE_DIRECTORY ${dir})
  add_custom_command(
      OUTPUT ${dir}/${defs}Server.c ${dir}/${defs}Server.h
      COMMAND ${MIG} -n -I${CMAKE_SOURCE_DIR}/include -I${USER_LIB_INCLUDE}
              -user /dev/null -header /dev/null
              -server ${dir}/${defs}Server.c -sheader ${dir}/${defs}Server.h
              ${USER_DEFS_DIR}/${defs}.defs
      DEPENDS ${USER_DEFS_DIR}/${defs}.defs ${CMAKE_SOURCE_DIR}/include/mach/std_types.defs
      COMMENT "MIG (server) ${defs}.defs")
  target_sources(${target} PRIVATE ${dir}/${defs}Server.c)
  target_include_directories(${target} PRIVATE ${dir})
  set_source_files_properties(${dir}/${defs}Server.c PROPERTIES COMPILE_OPTIONS
      "-Wno-unused-variable;-Wno-unused-parameter;-Wno-shadow;-Wno-sign-compare")
endfunction()
