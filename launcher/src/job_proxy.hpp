// The proxy side of a job (docs/run.md): start it on an enclave through the job region, map its memory at
// the same addresses, serve its delegated syscalls until it ends.
#pragma once
#include "run_user.hpp"

#include <csignal>
#include <string>
#include <vector>

namespace cokernel {

struct JobRequest {
    std::vector<char> image; // the executable's bytes
    std::vector<std::string> argv, envp;
    std::string delegate, deny; // --delegate / --deny lists
    bool stats = false;
    RunUser user;           // the proxy drops to these credentials after attaching
    bool temporary = false; // the module destroys the enclave when the proxy's device file goes away
    bool poll = false;      // --wait=poll: sleep 50 us between looks instead of waiting for a notification
};

// "" when image is a static x86-64 executable the co-kernel can load, else why not.
std::string check_executable(const std::vector<char>& image);

// Runs the job on enclave id and serves it. Returns its exit status (or 128 + signal), or -1 after printing
// an error (also when *stop became non-zero: a signal asked us to give up). When it returns, the device file
// is closed: the module has ended a job that was still running and destroyed a temporary enclave.
int run_job(int id, const JobRequest& request, const volatile std::sig_atomic_t* stop);

} // namespace cokernel
