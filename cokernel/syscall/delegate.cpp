// A delegated syscall: one request on the thread's channel, then a wait for the proxy's answer. The wait
// spins with interrupts open, so Linux's commands (ping, job end, stop) are still answered; a scheduler
// (issue 9) would block the thread here and run another.
#include "delegate.hpp"

#include "client.hpp"
#include "cpu.hpp"
#include "kernel.hpp"
#include "process.hpp"
#include "thread.hpp"

namespace ck {

int64_t delegate_to_proxy(Thread& self, const Syscall& call) {
    ++self.process->calls.delegated;
    return deleg::delegate_call(
        self.channel, static_cast<uint32_t>(call.nr), call.arg,
        [](auto& requests) {
            if (requests.consumer_may_sleep()) {
                notify_linux(); // the proxy waits in COKERNEL_IOC_JOB_WAIT
            }
        },
        [](auto&) {
            arch::pause_interruptible();
            return true;
        });
}

} // namespace ck
