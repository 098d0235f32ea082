// SPDX-License-Identifier: MIT
/*
 * spin: a program that never ends on its own.  It prints one line, then
 * computes forever without a system call, so the only ways out are the
 * scheduler taking the hart away (preemption) and Ctrl-C at the console,
 * which ends the foreground task.  The shell's end-to-end test uses it;
 * it is also a handy program to watch in `ps` from another shell.
 */
#include <stdio.h>

int main(void)
{
    printf("spin: spinning until Ctrl-C\n");
    fflush(stdout);
    volatile unsigned long n = 0;
    for (;;)
        n++;
}
