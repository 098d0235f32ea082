# SPDX-License-Identifier: MIT
# System tests of storage: the blk server, the fs server and the file glue,
# on copies of the disk images the target build makes (userland/storage.cmake),
# checked afterwards with e2fsck and debugfs by storage_run.py.  Included
# from test/qemu/CMakeLists.txt (HARNESS, QLOG_DIR come from there).
set(STORAGE_RUN ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/storage_run.py
    --harness ${CMAKE_CURRENT_SOURCE_DIR}/harness.py --workdir ${QLOG_DIR}/storage)
set(DISKS ${TARGET_DIR}/disks)

# storage_test(NAME CONF conf [SMP n] [MEM size] [TIMEOUT s] [LABEL label]
#              [DISKS img|scratch:MIB...] [FSCK n...] [FILECHECK n...]
#              [EXPECT regex...] [REJECT regex...] [QEMU_ARGS ...])
function(storage_test name)
  cmake_parse_arguments(T "" "CONF;SMP;MEM;TIMEOUT;LABEL"
                        "DISKS;FSCK;FILECHECK;EXPECT;REJECT;QEMU_ARGS" ${ARGN})
  if(NOT T_SMP)
    set(T_SMP 1)
  endif()
  if(NOT T_MEM)
    set(T_MEM 256M)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_LABEL)
    set(T_LABEL qemu)
  endif()
  set(args --name ${name})
  foreach(d ${T_DISKS})
    list(APPEND args --disk ${d})
  endforeach()
  foreach(n ${T_FSCK})
    list(APPEND args --fsck ${n})
  endforeach()
  foreach(n ${T_FILECHECK})
    list(APPEND args --filecheck ${n})
  endforeach()
  list(APPEND args -- --qemu ${QEMU_RISCV64} --kernel ${KERNEL_ELF} --smp ${T_SMP}
       --mem ${T_MEM} --timeout ${T_TIMEOUT} --append "init=bootstrap bootconf=${T_CONF}")
  # A server that faults fails every test.  (\x5b is '[': a bracket in a
  # CMake list element would glue the elements after it together.)
  foreach(r "rvmach: task (blk|fs)\\x5b" ${T_REJECT})
    list(APPEND args --reject=${r})
  endforeach()
  foreach(e ${T_EXPECT})
    list(APPEND args --expect=${e})
  endforeach()
  if(T_QEMU_ARGS)
    list(APPEND args -- ${T_QEMU_ARGS})
  endif()
  add_test(NAME qemu.${name} COMMAND ${STORAGE_RUN} ${args})
  math(EXPR ctest_timeout "${T_TIMEOUT} + 60")
  set_tests_properties(qemu.${name} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${ctest_timeout})
endfunction()

set(SERVER_DIED "bootstrap: '(blk|fs)' .*died")

# --- blk: the protocol on a scratch disk (disk 1: a read-only ext2 image) ---
set(BLKTEST_PASS
    "^TEST blk.info PASS" "^TEST blk.read_write PASS" "^TEST blk.bad_ranges PASS"
    "^TEST blk.bad_messages PASS" "^TEST blk.parallel PASS" "^TEST blk.read_only PASS"
    "^SELFTEST SUMMARY pass=6 fail=0")
set(RO_DISK -drive file=${DISKS}/small.img,format=raw,if=none,id=ro0,readonly=on
    -device virtio-blk-device,drive=ro0)
storage_test(user.blk.legacy.smp1 CONF blktest.conf DISKS scratch:16
    EXPECT "^blk: disk 0: .*\\(legacy\\)" "^blk: disk 1: .*read-only" ${BLKTEST_PASS}
    REJECT ${SERVER_DIED} QEMU_ARGS ${RO_DISK})
storage_test(user.blk.modern.smp1 CONF blktest.conf DISKS scratch:16
    EXPECT "^blk: disk 0: .*\\(modern\\)" "^blk: disk 1: .*read-only" ${BLKTEST_PASS}
    REJECT ${SERVER_DIED} QEMU_ARGS ${RO_DISK} -global virtio-mmio.force-legacy=false)
storage_test(user.blk.modern.smp4 CONF blktest.conf SMP 4 TIMEOUT 240 DISKS scratch:16
    EXPECT "^blk: disk 0: .*\\(modern\\)" ${BLKTEST_PASS}
    REJECT ${SERVER_DIED} QEMU_ARGS ${RO_DISK} -global virtio-mmio.force-legacy=false)

# --- fs and the file glue on the root image; e2fsck and debugfs afterwards ---
set(FSTEST_PASS
    "^fs: mounted ext2" "^TEST fs.create_read PASS" "^TEST fs.append PASS" "^TEST fs.dirs PASS"
    "^TEST fs.rename_remove PASS" "^TEST fs.errors PASS" "^TEST fs.truncate PASS"
    "^TEST fs.unlink_open PASS" "^TEST fs.stdio_big PASS" "^TEST fs.client_death PASS"
    "^TEST fs.bad_requests PASS" "^TEST fs.persist PASS" "^TEST fs.unmount PASS"
    "^SELFTEST SUMMARY pass=12 fail=0")
foreach(smp 1 4)
  storage_test(user.fs.smp${smp} CONF fstest.conf SMP ${smp} TIMEOUT 240
      DISKS ${DISKS}/rootfs.img FSCK 0 FILECHECK 0 EXPECT ${FSTEST_PASS} REJECT ${SERVER_DIED})
endforeach()

# --- stress: four tasks at once, 5,000 files in a directory, a 16 MiB file ---
storage_test(user.fsstress.smp1 CONF fsstress.conf TIMEOUT 300
    DISKS ${DISKS}/stress.img FSCK 0 FILECHECK 0
    EXPECT "^TEST fsstress.parallel PASS" "^TEST fsstress.many PASS" "^TEST fsstress.big PASS"
           "^TEST fsstress.unmount PASS" "^SELFTEST SUMMARY pass=4 fail=0"
    REJECT ${SERVER_DIED})
storage_test(user.fsstress.smp4 CONF fsstress4.conf SMP 4 TIMEOUT 400
    DISKS ${DISKS}/stress.img FSCK 0 FILECHECK 0
    EXPECT "^TEST fsstress.parallel PASS" "^TEST fsstress.unmount PASS"
           "^SELFTEST SUMMARY pass=2 fail=0"
    REJECT ${SERVER_DIED})

# --- damaged images: refused, or errors returned; never a crash or a hang ---
foreach(kind badmagic badsize)
  storage_test(user.fsdamage.${kind} CONF fsdamage.conf TIMEOUT 60
      DISKS ${DISKS}/damaged-${kind}.img
      EXPECT "^fs: mount failed: file system corrupt" "mount was refused" "^TEST fsdamage PASS")
endforeach()
foreach(kind inodes dirent blockptr indirect)
  storage_test(user.fsdamage.${kind} CONF fsdamage.conf TIMEOUT 60
      DISKS ${DISKS}/damaged-${kind}.img
      EXPECT "^fs: mounted ext2" "^fsdamage: [0-9]+ operations, [1-9][0-9]* errors"
             "^TEST fsdamage PASS"
      REJECT ${SERVER_DIED})
endforeach()
storage_test(user.fsdamage.dirloop CONF fsdamage.conf TIMEOUT 60
    DISKS ${DISKS}/damaged-dirloop.img
    EXPECT "^fs: mounted ext2" "^fsdamage: [0-9]+ operations" "^TEST fsdamage PASS"
    REJECT ${SERVER_DIED})

# --- benchmark: -icount shift=0 -smp 1; passes if it ran and printed its lines ---
storage_test(bench.fs CONF fsbench.conf LABEL bench TIMEOUT 300 DISKS ${DISKS}/bench.img
    EXPECT "^BENCH fs_read_cold_per_KiB [0-9]+" "^BENCH fs_read_cached_per_KiB [0-9]+"
           "^BENCH blk_read_per_KiB [0-9]+" "^BENCH fs_create_write1k_close [0-9]+"
           "^BENCH console_write_per_byte [0-9]+"
           "^BENCH done"
    QEMU_ARGS -icount shift=0)
