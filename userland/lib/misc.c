// SPDX-License-Identifier: MIT
/* Small helpers: error strings, time, sleeping.  (stdin: console.c.) */
#include <stdio.h>
#include <mach.h>
#include "libmach_internal.h"

static uint64_t timebase_hz;

uint64_t rvmach_uptime_ns(void)
{
    if (timebase_hz == 0)
        timebase_hz = rvmach_timebase();
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t / timebase_hz * 1000000000ULL + t % timebase_hz * 1000000000ULL / timebase_hz;
}

void rvmach_sleep_ms(unsigned ms)
{
    thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, ms);
}

const char *mach_error_string(kern_return_t kr)
{
    switch (kr) {
    case KERN_SUCCESS: return "success";
    case KERN_INVALID_ADDRESS: return "invalid address";
    case KERN_PROTECTION_FAILURE: return "protection failure";
    case KERN_NO_SPACE: return "no space";
    case KERN_INVALID_ARGUMENT: return "invalid argument";
    case KERN_FAILURE: return "failure";
    case KERN_RESOURCE_SHORTAGE: return "resource shortage";
    case KERN_NOT_RECEIVER: return "not receiver";
    case KERN_NO_ACCESS: return "no access";
    case KERN_INVALID_NAME: return "invalid name";
    case KERN_INVALID_TASK: return "invalid task";
    case KERN_INVALID_RIGHT: return "invalid right";
    case KERN_INVALID_VALUE: return "invalid value";
    case KERN_UREFS_OVERFLOW: return "urefs overflow";
    case KERN_INVALID_CAPABILITY: return "invalid capability";
    case KERN_RIGHT_EXISTS: return "right exists";
    case KERN_INVALID_HOST: return "invalid host";
    case KERN_NAME_EXISTS: return "name exists";
    case KERN_TERMINATED: return "terminated";
    case KERN_TIMEDOUT: return "timed out";
    case MACH_SEND_INVALID_DATA: return "send: invalid data";
    case MACH_SEND_INVALID_DEST: return "send: invalid destination";
    case MACH_SEND_TIMED_OUT: return "send: timed out";
    case MACH_SEND_INVALID_REPLY: return "send: invalid reply port";
    case MACH_SEND_INVALID_RIGHT: return "send: invalid right";
    case MACH_SEND_INVALID_MEMORY: return "send: invalid memory";
    case MACH_SEND_INVALID_TYPE: return "send: invalid type";
    case MACH_SEND_INVALID_HEADER: return "send: invalid header";
    case MACH_SEND_MSG_TOO_SMALL: return "send: message too small";
    case MACH_SEND_NO_BUFFER: return "send: no kernel buffer (over 64 KiB inline, or out of memory)";
    case MACH_RCV_INVALID_NAME: return "receive: invalid name";
    case MACH_RCV_TIMED_OUT: return "receive: timed out";
    case MACH_RCV_TOO_LARGE: return "receive: message too large";
    case MACH_RCV_INTERRUPTED: return "receive: interrupted";
    case MACH_RCV_PORT_DIED: return "receive: port died";
    case MACH_RCV_IN_SET: return "receive: port is in a set";
    case MIG_TYPE_ERROR: return "MIG: type error";
    case MIG_REPLY_MISMATCH: return "MIG: reply mismatch";
    case MIG_BAD_ID: return "MIG: bad message id";
    case MIG_BAD_ARGUMENTS: return "MIG: bad arguments";
    case MIG_SERVER_DIED: return "MIG: server died";
    default: return "unknown error";
    }
}
