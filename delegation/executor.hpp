#pragma once
// The proxy's executor: one delegated request in, one Linux-style result (value or -errno) out.
// Order: unknown number -> -ENOSYS; native or native-only -> -ENOSYS (the co-kernel should not have sent
// it); denied by policy -> -EPERM; failed validation -> its -errno; otherwise the syscall (through Kernel),
// the checks on a descriptor it created (opened_file.hpp), the writebacks, and the result.
#include "job_memory.hpp"
#include "kernel.hpp"
#include "policy.hpp"
#include "stats.hpp"
#include "validate.hpp"

#include <cokernel/delegation.h>

#include <cstdint>
#include <memory>

namespace ck::deleg {

class Executor {
  public:
    Executor(JobContext job, const PolicySet& policy, Kernel& kernel = linux_kernel());

    int64_t execute(const cokernel_deleg_request& req);

    const SyscallStats& stats() const { return stats_; }
    SyscallStats& stats() { return stats_; }
    // The proxy-private copies the kernel may be handed pointers into (besides job memory).
    const Scratch& scratch() const { return *scratch_; }
    const JobContext& job() const { return job_; }

  private:
    int64_t run(const cokernel_deleg_request& req, Path& path);

    JobContext job_;
    const PolicySet& policy_;
    Kernel& kernel_;
    std::unique_ptr<Scratch> scratch_;
    SyscallStats stats_;
};

uint64_t monotonic_ns();

} // namespace ck::deleg
