// The end of threads and of the process (proc/exit.hpp).
#include "exit.hpp"

#include "cpu_time.hpp"
#include "futex_ops.hpp"
#include "kernel.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "thread.hpp"

namespace ck {

void thread_exit(Thread& self, int32_t code) {
    Process& p = *self.process;
    if (!__atomic_load_n(&p.exiting, __ATOMIC_ACQUIRE)) {
        robust_list_release(self);
        // CLONE_CHILD_CLEARTID / set_tid_address: pthread_join waits on this word with a shared futex.
        if (self.clear_child_tid != 0) {
            if (uint8_t* word = p.mem.ptr(self.clear_child_tid, 4); word != nullptr) {
                __atomic_store_n(reinterpret_cast<uint32_t*>(word), 0u, __ATOMIC_RELEASE);
                (void)futex_wake(p, self.clear_child_tid, ~0u, 1);
            }
        }
    }
    p.lock.lock();
    if (--p.live == 0 && !p.exiting) {
        p.exit_status = code; // the last thread's exit() is the process's
        p.signal = 0;
    }
    p.ended_cpu_tsc += thread_cpu_tsc(self); // what it runs from here on is the exit's
    const bool last = p.live == 0;
    PerCpu& c = this_cpu();
    __atomic_fetch_sub(&c.rq.assigned, 1u, __ATOMIC_RELAXED);
    self.state = ThreadState::exited; // schedule() does not queue it again
    p.lock.unlock();
    if (last) {
        sched_kick(0); // CPU 0 reaps the process (kernel/job.cpp)
    }
    schedule();
    panic("an exited thread (tid %u) was scheduled again", self.tid);
}

void process_kill(Process& p, int32_t status, uint32_t signal) {
    p.lock.lock();
    if (p.exiting) {
        p.lock.unlock();
        return;
    }
    p.exit_status = status;
    p.signal = signal;
    __atomic_store_n(&p.exiting, true, __ATOMIC_RELEASE);
    p.lock.unlock();
    // Blocked threads wake to end; running ones end at their next return to ring 3 (the kick interrupts
    // ring 3), and those waiting for the proxy give up their wait.
    const uint32_t here = this_cpu().index;
    for (Thread& t : p.threads) {
        const ThreadState st = __atomic_load_n(&t.state, __ATOMIC_ACQUIRE);
        if (st == ThreadState::blocked) {
            (void)sched_wake(t);
        } else if (st == ThreadState::running || st == ThreadState::runnable) {
            if (t.cpu == here) {
                this_cpu().need_resched = true;
            } else {
                sched_kick(t.cpu);
            }
        }
    }
}

} // namespace ck
