// SPDX-License-Identifier: MIT
/*
 * A tiny freestanding RISC-V program: the real executable test_elf parses.
 * It has code, read-only data, initialised data and zeroed data (bss).
 */
static const char greeting[64] = "hello from a boot module";
long counter = 5;
long zeros[1000];                        /* bss: memsz > filesz */
const char *volatile where = greeting;

static long count(void)
{
    long n = 0;
    for (const char *p = where; *p != '\0'; p++)
        n += *p;
    return n;
}

void _start(void);

void _start(void)
{
    counter += count();
    zeros[counter % 1000] = counter;
    for (;;)
        __asm__ volatile("wfi");
}
