#pragma once
// Jobs (docs/run.md): one static Linux executable in ring 3 on the enclave's CPUs, as a process
// (proc/process.hpp) with its threads (proc/thread.hpp). job.cpp takes the proxy's request, starts the job
// and reaps it, job_memory.cpp maps its memory, proc/sched.cpp runs its threads, and syscall/ serves their
// system calls (dispatch.cpp), natively or through each thread's delegation channel.
#include "channel.hpp"
#include "descriptors.hpp"
#include "phys_alloc.hpp"

#include <cokernel/boot.h>
#include <stdint.h>

namespace ck {

struct Process;

// CPU 0, before paging_build: the job space (job_memory.hpp) and its control block. Returns false when the
// enclave has no room for a job (jobs are then refused).
bool job_space_reserve(const cokernel_boot_params& bp);
// CPU 0's idle loop: starts a requested job (its first thread on CPU 0's queue), and reaps an ended one.
void job_poll(PhysAllocator<64>& phys);
// The delegation channel of thread slot `slot`, set up in the control area the first time the job uses the
// slot (the proxy then serves it: job.h); nullptr for a slot out of range. Under the process's lock.
deleg::CokernelEnd* job_channel(Process& p, uint32_t slot);
// Every enclave CPU, as an affinity mask.
uint64_t all_cpus();
// A CPU exception in ring 3: its signal goes to the thread's handler (delivered on the way back to ring 3),
// or the job dies of it (then it does not return).
void job_fault(const arch::Frame& f);
// A signal Linux sent the job's proxy (COKERNEL_CMD_JOB_SIGNAL, in CPU 0's doorbell interrupt): for the
// running job's process, as the kernel's own (SI_KERNEL); nothing when no job runs.
void job_signal_from_linux(int sig);
// COKERNEL_CMD_JOB_END, in the doorbell interrupt on CPU 0: the job's proxy is gone. A running job is killed
// as by SIGKILL (its threads end on their way back to ring 3); a requested one is dropped.
void job_proxy_gone();

} // namespace ck
