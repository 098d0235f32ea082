# SPDX-License-Identifier: MIT
# The two commands of the README:
#   make qemu    install what is missing, build everything, boot on QEMU virt
#   make check   install what is missing, build everything, run every test
# and a few more for working on the kernel (see `make help`).

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SMP ?= 4
MEM ?= 256M
APPEND ?=
FRESH ?=
QEMU_DISK = $(if $(filter 1 yes,$(FRESH)),--fresh-disk)

.PHONY: all help deps build qemu qemu-gdb gdb check test-host test-qemu bench clean

all: build

help:
	@echo "make qemu       build and boot on QEMU virt into the shell (SMP=$(SMP) MEM=$(MEM) APPEND='...' FRESH=1)"
	@echo "make check      build and run every test (host unit tests, QEMU system tests)"
	@echo "make qemu-gdb   boot halted at the first instruction, waiting for gdb on :1234"
	@echo "make gdb        attach gdb-multiarch to a waiting 'make qemu-gdb'"
	@echo "make test-host  only the host unit tests;  make test-qemu  only the QEMU tests"
	@echo "make bench      benchmarks (instructions per operation), table in docs/benchmarks.md"
	@echo "make build      build only;  make clean  remove $(BUILD)/"

deps:
	@scripts/deps.sh

build: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD)
	cmake --build $(BUILD) -j$(JOBS)

qemu: build
	scripts/qemu.sh --build $(BUILD) --smp $(SMP) --mem $(MEM) --append "$(APPEND)" $(QEMU_DISK)

qemu-gdb: build
	scripts/qemu.sh --build $(BUILD) --smp $(SMP) --mem $(MEM) --append "$(APPEND)" $(QEMU_DISK) --gdb

# LOAD: where the image sits in physical memory (the banner's `kernel:` line):
# QEMU's -kernel puts it at 0x80200000; U-Boot at RAM base + text_offset.
LOAD ?= 0x80200000
gdb:
	gdb-multiarch -ex 'set confirm off' -ex 'add-symbol-file $(BUILD)/target/rvmach.elf -o $(LOAD)-0xffffffff80000000' \
	    -x scripts/gdbinit $(BUILD)/target/rvmach.elf

check: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

test-host: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L host

test-qemu: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L qemu

bench: build
	python3 scripts/bench.py --kernel $(BUILD)/target/rvmach.elf --update docs/benchmarks.md

clean:
	rm -rf $(BUILD)
