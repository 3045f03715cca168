// A delegated syscall: one request on the calling thread's own channel (one per thread, served by its own
// proxy thread: job.h), then a wait for the proxy's answer. The wait polls the channel; it gives the CPU to
// any other thread waiting for it (sched_yield), and gives up when the process ends (exit_group, a kill,
// the proxy's end), so a thread blocked in a delegated read never holds the job.
#include "delegate.hpp"

#include "client.hpp"
#include "cpu.hpp"
#include "errno.hpp"
#include "kernel.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "thread.hpp"

namespace ck {

int64_t delegate_to_proxy(Thread& self, const Syscall& call) {
    __atomic_fetch_add(&self.process->calls.delegated, 1u, __ATOMIC_RELAXED);
    if (self.channel == nullptr) {
        return -ENOSYS;
    }
    const bool* exiting = &self.process->exiting;
    return deleg::delegate_call(
        *self.channel, static_cast<uint32_t>(call.nr), call.arg,
        [](auto& requests) {
            if (requests.consumer_may_sleep()) {
                notify_linux(); // the proxy thread of this channel waits in COKERNEL_IOC_JOB_WAIT
            }
        },
        [exiting](auto&) {
            if (__atomic_load_n(exiting, __ATOMIC_ACQUIRE)) {
                return false; // the thread ends on its way out (proc/exit.hpp)
            }
            // Interrupts open on every round, also between yields: two threads waiting for the proxy on one
            // CPU would otherwise pass it back and forth with interrupts off, and never take a shootdown
            // IPI (bug: test_thread_delegation's 6 readers on 3 CPUs hung the job in tlb_shootdown).
            arch::pause_interruptible();
            if (sched_should_yield()) {
                sched_yield();
            }
            return true;
        });
}

} // namespace ck
