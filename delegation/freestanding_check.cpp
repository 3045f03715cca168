// Compiled with the co-kernel's freestanding flags (no hosted library, no exceptions, no SSE): proves that
// the parts the co-kernel includes build there. Instantiates every template once.
#include "channel.hpp"
#include "client.hpp"
#include "syscall_table.hpp"

namespace ck::deleg {

int64_t freestanding_check_call(cokernel_deleg_channel* ch, uint32_t slots) {
    CokernelEnd end(ch, slots);
    const uint64_t args[COKERNEL_DELEG_NARGS] = {1, 2, 3, 0, 0, 0};
    const SyscallInfo* s = syscall_info(1);
    return delegate_call(
        end, s != nullptr ? s->nr : 0u, args, [](RingProducer<cokernel_deleg_request>&) {},
        [](RingConsumer<cokernel_deleg_response>& c) { return spin_until_ready(c, 1000); });
}

uint64_t freestanding_check_proxy(cokernel_deleg_channel* ch, uint64_t size) {
    uint32_t slots = 0;
    if (channel_check(ch, size, &slots) != ChannelError::ok) {
        return 0;
    }
    ProxyEnd end(ch, slots);
    cokernel_deleg_request req{};
    return end.requests.try_pop(req) ? end.responses.try_push(cokernel_deleg_response{}) : 0;
}

} // namespace ck::deleg
