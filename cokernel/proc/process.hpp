#pragma once
// A process: the job as the co-kernel runs it (docs/run.md), whose threads (thread.hpp) run its program on
// the enclave's CPUs. It has no file descriptors: those are the proxy's, on Linux. One at a time per
// enclave (kernel/job.cpp starts and ends it); the syscall path reaches it from the current thread
// (proc/percpu.hpp), never through a global.
#include "address_space.hpp"
#include "channel.hpp"
#include "itimer.hpp"
#include "spinlock.hpp"
#include "syscall_policy.hpp"
#include "thread.hpp"

#include <cokernel/job.h>
#include <stdint.h>

namespace ck {

// Who it is: the proxy's pid (getpid; its first thread's tid), and the ids the proxy runs as (auxv).
struct Identity {
    uint32_t pid = 0;
    uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
};

// What the native time calls count from: CLOCK_REALTIME, CLOCK_MONOTONIC and the TSC as the proxy read them
// at one instant (the CPU-time clocks are the threads' own: proc/cpu_time.hpp).
struct Clocks {
    uint64_t tsc_base = 0, realtime_ns = 0, monotonic_ns = 0;
};

// Its syscalls by path, for the console and the proxy's statistics (cokernel_job.native_calls, ...).
// Counted with atomic adds: its threads run on several CPUs.
struct SyscallCounts {
    uint64_t native = 0, delegated = 0;
};

constexpr uint32_t MAX_THREADS = COKERNEL_JOB_MAX_THREADS;

struct Process {
    cokernel_job* block = nullptr; // its request and state in the job space's control area
    AddressSpace mem;
    Identity id;
    Clocks clocks;
    char utsname[COKERNEL_JOB_UTSNAME_SIZE] = {}; // Linux's uname() as the proxy read it (native uname)
    SyscallPolicy policy;
    SyscallCounts calls;
    ProcessSignals sig;   // its signal actions and process-directed pending signals (under lock)
    IntervalTimer itimer; // ITIMER_REAL (alarm, setitimer), under lock

    // Its threads: a slot per delegation channel. lock guards the table (slots taken and left), live, and
    // the exit fields; a thread's scheduling state is its CPU's run queue's.
    Spinlock lock;
    Thread threads[MAX_THREADS];
    deleg::CokernelEnd channels[MAX_THREADS];
    bool channel_ready[MAX_THREADS] = {}; // set up in this job (job.h: never again while it runs)
    uint32_t live = 0;                    // threads started and not ended
    uint64_t cpus_used = 0;               // enclave CPUs that ran its threads (TLB shootdown targets)
    uint64_t ended_cpu_tsc = 0;           // the CPU time of its ended threads (proc/cpu_time.hpp)

    bool running = false;    // started, and not yet reaped by job.cpp
    bool exiting = false;    // exit_group, a fatal signal or the proxy's end: every thread ends
    int32_t exit_status = 0; // exit code 0..255, or 128 + signal
    uint32_t signal = 0;     // the signal that ended it, or 0

    // The live thread (started, not ended) with this tid, or nullptr.
    Thread* find_thread(uint64_t tid) {
        for (Thread& t : threads) {
            const ThreadState st = __atomic_load_n(&t.state, __ATOMIC_ACQUIRE);
            if (t.tid == tid && st != ThreadState::unused && st != ThreadState::exited) {
                return &t;
            }
        }
        return nullptr;
    }
};

} // namespace ck
