// A delegated syscall: one request on the calling thread's own channel (one per thread, served by its own
// proxy thread: job.h), then a wait for the proxy's answer. The wait polls the channel; it gives the CPU to
// any other thread waiting for it (sched_yield), and gives up when the process ends (exit_group, a kill,
// the proxy's end), so a thread blocked in a delegated read never holds the job. A signal for the thread
// while it waits asks the proxy to interrupt the call (cokernel_deleg_channel.interrupt); the -EINTR that
// comes back then restarts, or not, by Linux's rules for that call (restart_code below).
#include "delegate.hpp"

#include "client.hpp"
#include "cpu.hpp"
#include "cpu_time.hpp"
#include "errno.hpp"
#include "kernel.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "signal.hpp"
#include "signal_abi.hpp"
#include "thread.hpp"

namespace ck {
namespace {

// What an interrupted delegated call returns to the signal code (signal_rules.hpp, restart_rule): the calls
// signal(7) says are never restarted after a handler (poll, select, epoll_wait, the System V IPC waits,
// io_getevents) come back with -ERESTARTNOHAND, which is -EINTR after a handler and a restart otherwise;
// every other one with -ERESTARTSYS, restarted when the handler has SA_RESTART (read, write, wait, accept,
// connect, flock, fcntl F_SETLKW, ioctl...). Sockets with a timeout (SO_RCVTIMEO), which Linux never
// restarts, are restarted here: the proxy does not know the option.
int64_t restart_code(uint64_t nr) {
    switch (nr) {
    case 7:   // poll
    case 23:  // select
    case 65:  // semop
    case 69:  // msgsnd
    case 70:  // msgrcv
    case 208: // io_getevents
    case 220: // semtimedop
    case 232: // epoll_wait
    case 270: // pselect6
    case 271: // ppoll
    case 281: // epoll_pwait
    case 441: // epoll_pwait2
        return -sig::ERESTARTNOHAND;
    default:
        return -sig::ERESTARTSYS;
    }
}

} // namespace

int64_t delegate_to_proxy(Thread& self, const Syscall& call) {
    __atomic_fetch_add(&self.process->calls.delegated, 1u, __ATOMIC_RELAXED);
    if (self.channel == nullptr) {
        return -ENOSYS;
    }
    const bool* exiting = &self.process->exiting;
    deleg::CokernelEnd& end = *self.channel;
    bool interrupted = false;
    const uint64_t cpu0 = thread_cpu_tsc(self);
    const int64_t ret = deleg::delegate_call(
        end, static_cast<uint32_t>(call.nr), call.arg,
        [](auto& requests) {
            if (requests.consumer_may_sleep()) {
                notify_linux(); // the proxy thread of this channel waits in COKERNEL_IOC_JOB_WAIT
            }
        },
        [exiting, &self, &end, &interrupted](auto&) {
            if (__atomic_load_n(exiting, __ATOMIC_ACQUIRE)) {
                return false; // the thread ends on its way out (proc/exit.hpp)
            }
            if (!interrupted && signal_interrupts(self)) {
                interrupted = true; // once per call: the proxy keeps at it until the call returns
                deleg::request_interrupt(end.channel, end.in_flight);
                notify_linux(); // the proxy's main thread sends its server thread a signal
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
    // Its CPU time counts the request, not the wait (a thread blocked in a Linux read uses no CPU there).
    thread_cpu_exclude(self, thread_cpu_tsc(self) - cpu0);
    // The signal may have gone to another thread meanwhile: then no handler runs here, and the call restarts.
    return interrupted && ret == -EINTR ? restart_code(call.nr) : ret;
}

} // namespace ck
