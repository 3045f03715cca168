#include "proxy_loop.hpp"

namespace ck::deleg {

namespace {
constexpr uint64_t response_spins = 1u << 22; // ~ tens of milliseconds of pauses
} // namespace

ServeStatus serve_one(ProxyEnd& end, Executor& executor, std::atomic<uint64_t>* busy) {
    cokernel_deleg_request req{};
    if (!end.requests.try_pop(req)) {
        return ServeStatus::idle;
    }
    cokernel_deleg_response resp{};
    resp.req_seq = req.seq;
    if (busy != nullptr) {
        busy->store(req.seq, std::memory_order_release);
    }
    resp.ret = executor.execute(req);
    if (busy != nullptr) {
        busy->store(0, std::memory_order_release);
    }
    for (uint64_t i = 0; end.responses.try_push(resp) == 0; ++i) {
        if (i == response_spins) {
            return ServeStatus::stalled;
        }
        cpu_relax();
    }
    wake_consumer(end.responses);
    return ServeStatus::served;
}

uint64_t serve(ProxyEnd& end, Executor& executor, const WaitConfig& wait, const std::atomic<bool>& stop) {
    uint64_t served = 0;
    while (wait_ready(end.requests, wait, &stop)) {
        if (serve_one(end, executor) == ServeStatus::stalled) {
            break;
        }
        ++served;
    }
    return served;
}

} // namespace ck::deleg
