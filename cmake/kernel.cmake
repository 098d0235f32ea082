# SPDX-License-Identifier: MIT
# The kernel: objects from arch/riscv, kern, vm and ipc; linked twice so that
# the second image carries a symbol table for backtraces (see
# scripts/ksyms.py: the table sits after all code, so code does not move).

# The kernel never uses floating point: it is built for rv64imac/lp64, so a
# trap does not have to save the user's FP registers unless it switches
# threads.  Frame pointers stay for backtraces.
set(KERNEL_CFLAGS
    -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
    -ffreestanding -fno-common -fno-omit-frame-pointer -fno-stack-protector
    -fno-pie -fno-jump-tables -O2 -g -Wall -Wextra -Werror -Wshadow
    -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter)

add_library(kernel_objs OBJECT)
target_compile_options(kernel_objs PRIVATE ${KERNEL_CFLAGS})
target_compile_definitions(kernel_objs PRIVATE
    RVMACH_KERNEL=1)
add_dependencies(kernel_objs rvmach_version)
target_include_directories(kernel_objs PRIVATE
    ${CMAKE_BINARY_DIR}/generated
    ${CMAKE_SOURCE_DIR}
    ${CMAKE_SOURCE_DIR}/include
    ${CMAKE_SOURCE_DIR}/arch/riscv/include)

add_subdirectory(${CMAKE_SOURCE_DIR}/arch/riscv ${CMAKE_BINARY_DIR}/arch/riscv)
add_subdirectory(${CMAKE_SOURCE_DIR}/kern ${CMAKE_BINARY_DIR}/kern)
add_subdirectory(${CMAKE_SOURCE_DIR}/vm ${CMAKE_BINARY_DIR}/vm)
add_subdirectory(${CMAKE_SOURCE_DIR}/ipc ${CMAKE_BINARY_DIR}/ipc)

# The kernel's side of its interfaces: MIG server stubs (KernelServer form,
# ports as pointers) generated from include/mach/*.defs.
set(MIG_DEFS_DEPS ${CMAKE_SOURCE_DIR}/include/mach/std_types.defs
                  ${CMAKE_SOURCE_DIR}/include/mach/mach_types.defs)
set(KERNEL_MIG_DIR ${CMAKE_BINARY_DIR}/mig/kernel)
file(MAKE_DIRECTORY ${KERNEL_MIG_DIR})
foreach(defs mach mach_port mach_host rvmach_host rvmach_device)
  set(out ${KERNEL_MIG_DIR}/${defs}Server.c)
  add_custom_command(
      OUTPUT ${out}
      COMMAND ${MIG} -n -DKERNEL_SERVER=1 -I${CMAKE_SOURCE_DIR}/include
              -server ${out} ${CMAKE_SOURCE_DIR}/include/mach/${defs}.defs
      DEPENDS ${CMAKE_SOURCE_DIR}/include/mach/${defs}.defs ${MIG_DEFS_DEPS}
      COMMENT "MIG (kernel server) ${defs}.defs")
  target_sources(kernel_objs PRIVATE ${out})
  # Generated code: its functions have no separate prototypes.
  set_source_files_properties(${out} PROPERTIES COMPILE_OPTIONS
      "-Wno-missing-prototypes;-Wno-unused-variable;-Wno-shadow;-Wno-unused-but-set-variable;-Wno-sign-compare")
endforeach()

# The boot modules built into the image (user programs, see userland/).
set_source_files_properties(${CMAKE_SOURCE_DIR}/arch/riscv/bootmods.S PROPERTIES
    COMPILE_DEFINITIONS "BOOTMODS_PATH=\"${BOOTMODS_CPIO}\""
    OBJECT_DEPENDS ${BOOTMODS_CPIO})

set(KERNEL_LDS ${CMAKE_SOURCE_DIR}/arch/riscv/kernel.ld)
set(KERNEL_LINK_FLAGS
    -march=rv64imac -mabi=lp64 -nostdlib -static
    -Wl,-T,${KERNEL_LDS} -Wl,--no-relax -Wl,--build-id=none
    -Wl,-z,max-page-size=4096)

# Stage 1: the kernel with an empty symbol table.
add_executable(rvmach.stage1.elf ${CMAKE_SOURCE_DIR}/arch/riscv/ksyms_empty.S)
target_compile_options(rvmach.stage1.elf PRIVATE ${KERNEL_CFLAGS})
target_link_libraries(rvmach.stage1.elf PRIVATE kernel_objs gcc)
target_link_options(rvmach.stage1.elf PRIVATE ${KERNEL_LINK_FLAGS})
set_target_properties(rvmach.stage1.elf PROPERTIES LINK_DEPENDS ${KERNEL_LDS})

# The symbol table of stage 1, as assembly.
add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/ksyms.S
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/ksyms.py
            --nm ${CMAKE_NM} generate $<TARGET_FILE:rvmach.stage1.elf>
            ${CMAKE_BINARY_DIR}/ksyms.S
    DEPENDS rvmach.stage1.elf ${CMAKE_SOURCE_DIR}/scripts/ksyms.py
    COMMENT "Generating the kernel symbol table")

# Stage 2: the real kernel, checked to have the same code addresses.
add_executable(rvmach.elf ${CMAKE_BINARY_DIR}/ksyms.S)
target_compile_options(rvmach.elf PRIVATE ${KERNEL_CFLAGS})
target_link_libraries(rvmach.elf PRIVATE kernel_objs gcc)
target_link_options(rvmach.elf PRIVATE ${KERNEL_LINK_FLAGS})
set_target_properties(rvmach.elf PROPERTIES LINK_DEPENDS ${KERNEL_LDS})
add_custom_command(TARGET rvmach.elf POST_BUILD
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/ksyms.py
            --nm ${CMAKE_NM} verify $<TARGET_FILE:rvmach.stage1.elf>
            $<TARGET_FILE:rvmach.elf>
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:rvmach.elf>
            ${CMAKE_BINARY_DIR}/Image
    COMMENT "Checking symbols and writing the flat Image")
