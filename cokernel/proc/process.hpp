#pragma once
// A process: the job as the co-kernel runs it (docs/run.md), whose threads (thread.hpp) run its program.
// It has no file descriptors: those are the proxy's, on Linux. One at a time per enclave today
// (kernel/job.cpp starts and ends it); the syscall path reaches it from the current thread
// (proc/percpu.hpp), never through a global.
#include "address_space.hpp"
#include "syscall_policy.hpp"

#include <cokernel/job.h>
#include <stdint.h>

namespace ck {

// Who it is: the proxy's pid (getpid; its first thread's tid), and the ids the proxy runs as (auxv).
struct Identity {
    uint32_t pid = 0;
    uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
};

// What the native time calls count from: CLOCK_REALTIME, CLOCK_MONOTONIC and the TSC as the proxy read them
// at one instant, and the TSC when the job started (its CPU-time clocks).
struct Clocks {
    uint64_t tsc_base = 0, realtime_ns = 0, monotonic_ns = 0;
    uint64_t start_tsc = 0;
};

// Its syscalls by path, for the console and the proxy's statistics (cokernel_job.native_calls, ...).
struct SyscallCounts {
    uint64_t native = 0, delegated = 0;
};

struct Process {
    cokernel_job* block = nullptr; // its request and state in the job space's control area
    AddressSpace mem;
    Identity id;
    Clocks clocks;
    char utsname[COKERNEL_JOB_UTSNAME_SIZE] = {}; // Linux's uname() as the proxy read it (native uname)
    SyscallPolicy policy;
    SyscallCounts calls;
    int32_t exit_status = 0; // exit code 0..255, or 128 + signal
    uint32_t signal = 0;     // the signal that ended it, or 0
};

} // namespace ck
