# SPDX-License-Identifier: MIT
# Test programs of bootstrap, the name service and rvmach_exec (test/qemu:
# user.bootstrap.*, user.exec.*), and a deliberately broken boot module.
# Included from userland/CMakeLists.txt (PING_DIR and testlib come from there).
rvmach_program(ns_echo tests/ns_echo.c ${PING_DIR}/pingServer.c)
target_include_directories(ns_echo PRIVATE ${PING_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/tests)
rvmach_program(ns_dier tests/ns_dier.c)
rvmach_program(ns_client tests/ns_client.c tests/msgutil.c ${PING_DIR}/pingUser.c)
target_link_libraries(ns_client PRIVATE testlib)
target_include_directories(ns_client PRIVATE ${PING_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/tests)
rvmach_program(exectest tests/exectest.c tests/msgutil.c)
target_link_libraries(exectest PRIVATE testlib)

# badelf: hello cut after 600 bytes, headers promising segments the file
# does not hold.  bootstrap must skip it with a message.
set(BADELF ${CMAKE_CURRENT_BINARY_DIR}/badelf)
add_custom_command(
    OUTPUT ${BADELF}
    COMMAND ${Python3_EXECUTABLE} -c
            "import sys; open(sys.argv[2], 'wb').write(open(sys.argv[1], 'rb').read()[:600])"
            $<TARGET_FILE:hello> ${BADELF}
    DEPENDS hello
    COMMENT "Making a broken boot module (badelf)"
    VERBATIM)
add_custom_target(badelf_module DEPENDS ${BADELF})
list(APPEND BOOTMODS_FILES badelf=${BADELF})
list(APPEND BOOTMODS_DEPENDS badelf_module)
