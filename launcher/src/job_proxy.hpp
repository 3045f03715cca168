// The proxy side of a job (docs/run.md): start it on an enclave through the job space, map its memory at
// the same addresses, serve its delegated syscalls until it ends.
#pragma once
#include "module_client.hpp"
#include "run_user.hpp"

#include <atomic>
#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace cokernel {

// An executable and, when it is dynamically linked, its interpreter (the file its PT_INTERP names).
struct Program {
    std::string path;         // the executable, absolute, symbolic links resolved (/proc/self/exe's answer)
    std::vector<char> image;  // the executable's bytes
    std::vector<char> interp; // the interpreter's bytes; empty for a static executable
    std::string interp_path;  // its PT_INTERP; empty for a static executable
    std::string filename; // as execve would get it (PROG, or where PATH found it): its base name is the comm
};

struct JobRequest {
    Program program;
    std::vector<std::string> argv, envp;
    std::string delegate, deny; // --delegate / --deny lists
    bool stats = false;
    RunUser user;      // the proxy drops to these credentials after attaching
    bool poll = false; // --wait=poll: sleep 50 us between looks instead of waiting for a notification
    // What execve would keep of cokernel run's own signal state when it started (bit sig - 1): the signals
    // it ignored (nohup's SIGHUP, a shell's SIGINT for a background job) and its mask.
    std::uint64_t sig_ignored = 0, sig_blocked = 0;
};

// The calling process's ignored signals and mask, as JobRequest keeps them; read before it installs handlers.
void inherited_signals(std::uint64_t& ignored, std::uint64_t& blocked);

// The proxy's own descriptors live at or above this number, so the job cannot name them (fd_limit).
inline constexpr int proxy_fd_base = 1000;

// The PT_INTERP of image, an executable check_executable accepted: "" for a static one.
std::string interpreter_of(const std::vector<char>& image);
// "" when program is an x86-64 executable the co-kernel can load (with its interpreter, when dynamic), else
// why not.
std::string check_executable(const Program& program);
// "" when program's memory fits the job space of an enclave of enclave_mem bytes, else why not.
std::string check_job_fits(const Program& program, std::uint64_t enclave_mem);

// The signals cokernel run catches and, once the job runs, passes on to it (docs/run.md, "Signals"):
// SIGINT (Ctrl-C), SIGTERM (Slurm's scancel and time limit), SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2.
inline constexpr int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM};

// What cokernel run's handler for those signals records: stop, the last one (before the job runs, a signal
// gives up), and forward, one bit per signal (1 << sig) for the running job. Both async-signal-safe.
struct CaughtSignals {
    volatile std::sig_atomic_t stop = 0;
    std::atomic<std::uint32_t> forward{0};
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// Runs the job on enclave id through client (its device file, at proxy_fd_base or above) and serves it.
// Returns its exit status (or 128 + signal), or -1 after printing an error (also when a signal came before
// the job ran, or could not be passed to it). Signals caught while it runs go to the job
// (COKERNEL_IOC_JOB_SIGNAL): its handlers take them, or their default action ends it. The module ends a job
// that is still running when the client's file is released, and destroys a temporary enclave of it.
int run_job(ModuleClient& client, int id, const JobRequest& request, CaughtSignals& signals);

} // namespace cokernel
