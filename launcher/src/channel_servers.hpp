// The proxy's threads (docs/delegation.md, "One channel per thread"): one per delegation channel of the job,
// each serving its channel on its own, so a delegated call that blocks on Linux (a read from a pipe) holds up
// only the job thread that made it. Server threads are started after the proxy dropped its privileges, so
// they run with the job user's credentials like the rest of the proxy.
#pragma once
#include "executor.hpp"
#include "policy.hpp"

#include <cokernel/job.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cokernel {

// The signal a server thread gets to end the syscall it runs for the job with EINTR (a real-time signal, with
// a handler that does nothing, without SA_RESTART; installed by ChannelServers::create).
int interrupt_signal();

struct ServerConfig {
    int device_fd = -1;      // the sealed proxy file: its JOB_WAIT is the servers' sleep
    bool poll = false;       // --wait=poll: sleep 50 us between looks instead of waiting for a notification
    std::uint64_t spins = 0; // pauses after the last request before sleeping
};

// Owns the server threads. They are detached: one blocked in a syscall on Linux cannot be joined, and the
// proxy exits through it (the process's end stops it). Everything a server thread touches belongs to this
// object, which is therefore never destroyed (ChannelServers::create leaks it on purpose).
class ChannelServers {
  public:
    static ChannelServers& create(std::uint8_t* control_area, const ck::deleg::JobContext& context,
                                  const ck::deleg::PolicySet& policy, const ServerConfig& config);

    // Starts a server for each channel below nchannels that has none yet. Returns why a channel could not be
    // served ("" when all could); such a channel is not tried again.
    std::string start_new(std::uint32_t nchannels);
    // A server found its channel's response ring full for too long (the co-kernel side is broken).
    bool stalled() const { return stalled_.load(std::memory_order_acquire); }
    // Interrupts, with interrupt_signal(), each server whose channel asks for its running request's syscall
    // to be interrupted (a signal came for the job's thread: docs/delegation.md, "Signals and blocking
    // calls"). True while one such request runs: the caller then looks again within a millisecond, since a
    // signal sent just before the server entered the syscall does not interrupt it.
    bool interrupt_requested_calls();
    // Asks every server to stop at its next look, and waits up to about timeout_ms for those not blocked in
    // a syscall to do so.
    void stop(unsigned timeout_ms);
    // The statistics of every server, summed (after stop: those still blocked count what they finished).
    ck::deleg::SyscallStats stats() const;
    std::size_t count() const { return servers_.size(); }

  private:
    struct Server;
    ChannelServers(std::uint8_t* control_area, const ck::deleg::JobContext& context,
                   const ck::deleg::PolicySet& policy, const ServerConfig& config);
    void serve(Server& s);

    std::uint8_t* ctl_;
    ck::deleg::JobContext context_;
    ck::deleg::PolicySet policy_;
    ServerConfig config_;
    std::vector<std::unique_ptr<Server>> servers_; // by channel index; nullptr: not started or refused
    std::vector<bool> tried_;
    std::atomic<bool> quit_{false};
    std::atomic<bool> stalled_{false};
};

} // namespace cokernel
