# SPDX-License-Identifier: MIT
# Storage: the blk and fs servers, their tests and benchmark, and the disk
# images (docs/storage.md).  Included from userland/CMakeLists.txt.
#
# Disk images, in ${STORAGE_DISK_DIR} (test/qemu and `make qemu` use them):
#   rootfs.img          32 MiB ext2: userland/rootfs/ plus every program in /bin
#   stress.img          64 MiB ext2: userland/rootfs/ (room for the stress tests)
#   bench.img           64 MiB ext2: three 16 MiB files of random bytes
#   small.img           4 MiB ext2: userland/rootfs/ and a 1 MiB /big.bin
#   damaged-KIND.img    small.img damaged on purpose (scripts/mkdamaged.py)
add_subdirectory(servers/blk)
add_subdirectory(servers/fs)

rvmach_program(blktest tests/blktest.c)
target_link_libraries(blktest PRIVATE testlib)
foreach(prog fstest fsstress fsdamage)
  rvmach_program(${prog} tests/${prog}.c tests/storetest.c)
  target_link_libraries(${prog} PRIVATE testlib)
endforeach()
rvmach_program(fsbench bench/fsbench.c tests/storetest.c)
target_link_libraries(fsbench PRIVATE testlib)
target_include_directories(fsbench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)

# The boot scripts of the tests: bootstrap reads them (bootconf=NAME).
foreach(conf blktest fstest fsstress fsstress4 fsdamage fsbench)
  list(APPEND BOOTMODS_FILES ${conf}.conf=${CMAKE_CURRENT_SOURCE_DIR}/tests/${conf}.conf)
endforeach()

set(STORAGE_DISK_DIR ${CMAKE_BINARY_DIR}/disks)
set(MKROOTFS ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/mkrootfs.py)
set(ROOTFS_DIR ${CMAKE_CURRENT_SOURCE_DIR}/rootfs)
file(GLOB_RECURSE ROOTFS_FILES CONFIGURE_DEPENDS ${ROOTFS_DIR}/*)
file(MAKE_DIRECTORY ${STORAGE_DISK_DIR})

# Images that do not hold the programs.
add_custom_command(
    OUTPUT ${STORAGE_DISK_DIR}/stress.img
    COMMAND ${MKROOTFS} --out ${STORAGE_DISK_DIR}/stress.img --size-mib 64 --tree ${ROOTFS_DIR}
    DEPENDS ${ROOTFS_FILES} ${CMAKE_SOURCE_DIR}/scripts/mkrootfs.py
    COMMENT "Making the stress-test disk image")
add_custom_command(
    OUTPUT ${STORAGE_DISK_DIR}/bench.img
    COMMAND ${MKROOTFS} --out ${STORAGE_DISK_DIR}/bench.img --size-mib 64
            --pattern big1.bin=16 --pattern big2.bin=16 --pattern big3.bin=16
    DEPENDS ${CMAKE_SOURCE_DIR}/scripts/mkrootfs.py
    COMMENT "Making the benchmark disk image")
set(DAMAGED_KINDS badmagic badsize inodes dirent blockptr indirect dirloop)
set(DAMAGED_IMAGES)
foreach(kind ${DAMAGED_KINDS})
  list(APPEND DAMAGED_IMAGES ${STORAGE_DISK_DIR}/damaged-${kind}.img)
endforeach()
add_custom_command(
    OUTPUT ${STORAGE_DISK_DIR}/small.img ${DAMAGED_IMAGES}
    COMMAND ${MKROOTFS} --out ${STORAGE_DISK_DIR}/small.img --size-mib 4 --tree ${ROOTFS_DIR}
            --pattern big.bin=1
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/mkdamaged.py
            --src ${STORAGE_DISK_DIR}/small.img --outdir ${STORAGE_DISK_DIR}
    DEPENDS ${ROOTFS_FILES} ${CMAKE_SOURCE_DIR}/scripts/mkrootfs.py
            ${CMAKE_SOURCE_DIR}/scripts/mkdamaged.py
    COMMENT "Making the damaged disk images")
add_custom_target(test_disks ALL DEPENDS ${STORAGE_DISK_DIR}/stress.img
                  ${STORAGE_DISK_DIR}/bench.img ${DAMAGED_IMAGES})

# rootfs.img holds every program (BOOTMODS_PROGRAMS): made once the whole
# userland directory has been read, so programs added after this file count.
function(storage_rootfs_image)
  set(args)
  foreach(prog ${BOOTMODS_PROGRAMS})
    list(APPEND args --file bin/${prog}=$<TARGET_FILE:${prog}>)
  endforeach()
  add_custom_command(
      OUTPUT ${STORAGE_DISK_DIR}/rootfs.img
      COMMAND ${MKROOTFS} --out ${STORAGE_DISK_DIR}/rootfs.img --size-mib 32
              --tree ${ROOTFS_DIR} ${args}
      DEPENDS ${ROOTFS_FILES} ${BOOTMODS_PROGRAMS} ${CMAKE_SOURCE_DIR}/scripts/mkrootfs.py
      COMMENT "Making the root disk image (rootfs/ and /bin)")
  add_custom_target(rootfs_image ALL DEPENDS ${STORAGE_DISK_DIR}/rootfs.img)
endfunction()
cmake_language(DEFER CALL storage_rootfs_image)
