#pragma once
// The proxy's service loop over one channel: take a request, execute it, post the response, wake the
// co-kernel side if it sleeps.
#include "channel.hpp"
#include "executor.hpp"
#include "host_wait.hpp"

#include <atomic>
#include <cstdint>

namespace ck::deleg {

enum class ServeStatus : uint8_t {
    served,
    idle,    // no request was ready
    stalled, // the response ring stayed full: the co-kernel side does not consume; the channel is broken
};

// busy, when given, holds the seq of the request being executed while it is (0 otherwise): what the proxy
// compares with the channel's interrupt word (cokernel_deleg_channel.interrupt).
ServeStatus serve_one(ProxyEnd& end, Executor& executor, std::atomic<uint64_t>* busy = nullptr);

// Serves until stop is set or the channel stalls; returns the number of requests served.
uint64_t serve(ProxyEnd& end, Executor& executor, const WaitConfig& wait, const std::atomic<bool>& stop);

} // namespace ck::deleg
