#pragma once
// Jobs: one static Linux executable in ring 3 on CPU 0 (docs/run.md). job.cpp starts and ends it,
// job_memory.cpp maps its memory, mem_syscalls.cpp serves its memory calls, and syscalls.cpp the rest of its
// system calls, natively or through the delegation channel.
#include "channel.hpp"
#include "descriptors.hpp"
#include "job_space.hpp"
#include "phys_alloc.hpp"

#include <cokernel/boot.h>
#include <cokernel/job.h>
#include <stddef.h>
#include <stdint.h>

extern "C" void* memcpy(void* dst, const void* src, size_t n); // user.S
extern "C" void* memset(void* dst, int byte, size_t n);

namespace ck {

struct Job {
    cokernel_job* block = nullptr;
    uint64_t saved_rsp = 0; // user_enter's frame, for user_leave
    uint32_t pid = 0;
    uint32_t signal = 0;
    uint64_t native_calls = 0, delegated_calls = 0;
    uint64_t tsc_base = 0, realtime_ns = 0, monotonic_ns = 0, start_tsc = 0; // clocks (native time calls)
    char utsname[COKERNEL_JOB_UTSNAME_SIZE] = {};
    uint8_t delegate_native[COKERNEL_JOB_NR_LIMIT / 8] = {}; // private copies of the proxy's policy bits
    uint8_t deny[COKERNEL_JOB_NR_LIMIT / 8] = {};
    deleg::CokernelEnd* channel = nullptr;
};

// CPU 0, before paging_build: the job space (job_memory.hpp) and its control block. Returns false when the
// enclave has no room for a job (jobs are then refused).
bool job_space_reserve(const cokernel_boot_params& bp);
// Every CPU: SYSCALL MSRs, SSE on (jobs use it; the co-kernel itself never does).
void job_cpu_init();
// CPU 0's idle loop: starts a requested job and runs it to its end.
void job_poll(PhysAllocator<64>& phys, arch::CpuTables& tables);
// The running job, which addresses of its memory are in use, and a kernel pointer to [va, va + len) when all
// of it is in use (nullptr otherwise, or for len 0).
Job& current_job();
JobSpace<>& job_space();
uint8_t* user_ptr(uint64_t va, uint64_t len);
// Ends the running job (exit status, or 128 + signal) and returns to job_poll.
[[noreturn]] void job_end(int32_t status, uint32_t signal);
// A CPU exception in ring 3: ends the job with the matching signal.
[[noreturn]] void job_fault(const arch::Frame& f);
// COKERNEL_CMD_JOB_END, in the doorbell interrupt on CPU 0: the job's proxy is gone. A running job ends as
// if killed by SIGKILL (does not return); a requested one is dropped; otherwise nothing happens.
void job_proxy_gone();

} // namespace ck
