#pragma once
// Jobs (docs/run.md): one static Linux executable in ring 3 on CPU 0, as a process (proc/process.hpp) with
// one thread (proc/thread.hpp). job.cpp takes the proxy's request, starts the job and ends it,
// job_memory.cpp maps its memory, and syscall/ serves its system calls (dispatch.cpp), natively or through
// the delegation channel.
#include "descriptors.hpp"
#include "phys_alloc.hpp"

#include <cokernel/boot.h>
#include <stdint.h>

namespace ck {

// CPU 0, before paging_build: the job space (job_memory.hpp) and its control block. Returns false when the
// enclave has no room for a job (jobs are then refused).
bool job_space_reserve(const cokernel_boot_params& bp);
// CPU 0's idle loop: starts a requested job and runs it to its end.
void job_poll(PhysAllocator<64>& phys);
// Ends the running job (exit status, or 128 + signal) from its thread, and returns to job_poll.
[[noreturn]] void job_end(int32_t status, uint32_t signal);
// A CPU exception in ring 3: ends the job with the matching signal.
[[noreturn]] void job_fault(const arch::Frame& f);
// COKERNEL_CMD_JOB_END, in the doorbell interrupt on CPU 0: the job's proxy is gone. A running job ends as
// if killed by SIGKILL (does not return); a requested one is dropped; otherwise nothing happens.
void job_proxy_gone();

} // namespace ck
