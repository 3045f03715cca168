#pragma once
// Jobs: one static Linux executable in ring 3 on CPU 0 (docs/run.md). job.cpp starts and ends it and owns
// its memory; syscalls.cpp handles its system calls, natively or through the delegation channel.
#include "channel.hpp"
#include "descriptors.hpp"
#include "mmap_area.hpp"
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
    uint64_t va = 0; // the job's memory [va, va + size), physically contiguous at phys
    uint64_t size = 0;
    uint64_t phys = 0;
    uint64_t brk_start = 0, brk = 0, brk_limit = 0;
    MmapArea<64> mmap; // free addresses of the anonymous-mmap area (below the stack, above the brk limit)
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

// CPU 0, before the page allocator gets the memory: the job region (cokernel_job_region) is kept out of it.
// Returns false when the enclave has no room for one (jobs are then refused).
bool job_region_reserve(const cokernel_boot_params& bp, uint64_t& start, uint64_t& size);
// Every CPU: SYSCALL MSRs, SSE on (jobs use it; the co-kernel itself never does).
void job_cpu_init();
// CPU 0's idle loop: starts a requested job and runs it to its end.
void job_poll(PhysAllocator<64>& phys, arch::CpuTables& tables);
// The running job, and a kernel pointer to [va, va + len) of its memory (nullptr when outside).
Job& current_job();
uint8_t* user_ptr(uint64_t va, uint64_t len);
// Gives the job's pages [va, va + len) (page-aligned, inside its memory) the protection prot (Linux PROT_*:
// none is not present, no WRITE read-only, no EXEC no-execute), splitting a 2 MiB page only where the range
// ends inside it, and flushes the TLB. False when no page-table page is left for a split (nothing changed).
bool user_protect(uint64_t va, uint64_t len, uint32_t prot);
// Ends the running job (exit status, or 128 + signal) and returns to job_poll.
[[noreturn]] void job_end(int32_t status, uint32_t signal);
// A CPU exception in ring 3: ends the job with the matching signal.
[[noreturn]] void job_fault(const arch::Frame& f);
// COKERNEL_CMD_JOB_END, in the doorbell interrupt on CPU 0: the job's proxy is gone. A running job ends as
// if killed by SIGKILL (does not return); a requested one is dropped; otherwise nothing happens.
void job_proxy_gone();

} // namespace ck
