#pragma once
// The co-kernel side of one delegated syscall: post the request, let the proxy know, wait for the answer.
// Freestanding; notify and wait are the caller's (an IPI and a pause loop in the co-kernel; a futex wake and
// wait_ready in host tests and benchmarks).
#include "channel.hpp"

#include <cokernel/delegation.h>
#include <stdint.h>

namespace ck::deleg {

inline constexpr int64_t err_channel = -5; // -EIO: the channel is broken (full, or an answer out of order)

// wait(RingConsumer<cokernel_deleg_response>&) returns false to give up.
template <class Notify, class Wait>
int64_t delegate_call(CokernelEnd& end, uint32_t nr, const uint64_t (&args)[COKERNEL_DELEG_NARGS],
                      Notify&& notify, Wait&& wait) {
    cokernel_deleg_request req{};
    req.nr = nr;
    for (uint32_t i = 0; i < COKERNEL_DELEG_NARGS; ++i) {
        req.args[i] = args[i];
    }
    const uint64_t seq = end.requests.try_push(req);
    if (seq == 0) {
        return err_channel;
    }
    end.in_flight = seq;
    notify(end.requests);
    cokernel_deleg_response resp{};
    while (!end.responses.try_pop(resp)) {
        if (!wait(end.responses)) {
            end.in_flight = 0;
            return err_channel;
        }
    }
    end.in_flight = 0;
    return resp.req_seq == seq ? resp.ret : err_channel;
}

} // namespace ck::deleg
