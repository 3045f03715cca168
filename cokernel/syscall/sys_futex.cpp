// futex(2), native (docs/run.md, "Threads"): the job has one address space, so private and shared futexes
// are the same key, the user address. The queues and the rules of each operation are proc/futex.hpp's;
// this file adds the lock, the user word through the kernel window, and blocking on the scheduler. PI
// operations answer -ENOSYS (glibc uses them only for PTHREAD_PRIO_INHERIT mutexes).
#include "clocks.hpp"
#include "errno.hpp"
#include "exit.hpp"
#include "futex.hpp"
#include "futex_ops.hpp"
#include "handlers.hpp"
#include "kernel.hpp"
#include "mem.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "spinlock.hpp"
#include "thread.hpp"

namespace ck {
namespace {

Spinlock g_futex_lock; // one job per enclave: one lock for all of its futexes
FutexQueues<> g_queues;
FutexWaiter g_waiters[MAX_THREADS]; // a thread waits on one futex at a time: its slot's entry

constexpr uint32_t BITSET_ANY = FUTEX_BITSET_MATCH_ANY;

// The user word at uaddr: 4-byte aligned, inside the job's memory (the window maps all of it).
uint32_t* user_word(const Process& p, uint64_t uaddr) {
    if ((uaddr & 3) != 0) {
        return nullptr;
    }
    return reinterpret_cast<uint32_t*>(p.mem.ptr(uaddr, 4));
}

void wake_thread(FutexWaiter& w) {
    (void)sched_wake(*static_cast<Thread*>(w.owner));
}

// WAIT and WAIT_BITSET: sleep while *uaddr == val, until a wake with a matching bitset, the deadline (TSC;
// 0: none) or the process's end.
int64_t futex_wait(Thread& self, uint64_t uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_tsc) {
    Process& p = *self.process;
    uint32_t* word = user_word(p, uaddr);
    if (word == nullptr) {
        return -EFAULT;
    }
    FutexWaiter& w = g_waiters[self.slot];
    g_futex_lock.lock();
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != val) {
        g_futex_lock.unlock();
        return -EAGAIN;
    }
    w.owner = &self;
    g_queues.enqueue(w, uaddr, bitset);
    self.wake_tsc = deadline_tsc;
    __atomic_store_n(&self.state, ThreadState::blocked, __ATOMIC_RELEASE); // a wake from here on is seen
    g_futex_lock.unlock();
    (void)sched_block();
    self.wake_tsc = 0;
    g_futex_lock.lock();
    const bool still_queued = g_queues.dequeue(w);
    g_futex_lock.unlock();
    if (!still_queued) {
        return 0; // woken (or requeued and woken)
    }
    if (__atomic_load_n(&p.exiting, __ATOMIC_ACQUIRE)) {
        return -EINTR;
    }
    if (self.timed_out) {
        return -ETIMEDOUT;
    }
    // A signal: an untimed wait restarts unless a handler without SA_RESTART ran (futex_wait's
    // -ERESTARTSYS); a timed one fails with EINTR (Linux restarts it with the time left when no handler ran).
    return deadline_tsc == 0 ? -sig::ERESTARTSYS : -EINTR;
}

} // namespace

int futex_wake(Process&, uint64_t uaddr, uint32_t bitset, int n) {
    g_futex_lock.lock();
    const int woken = g_queues.wake(uaddr, bitset, n, wake_thread);
    g_futex_lock.unlock();
    return woken;
}

void robust_list_release(Thread& self) {
    if (self.robust_list == 0) {
        return;
    }
    struct Mem {
        Process& p;
        bool read32(uint64_t va, uint32_t& v) {
            const uint32_t* w = user_word(p, va);
            if (w == nullptr) {
                return false;
            }
            v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
            return true;
        }
        bool read64(uint64_t va, uint64_t& v) {
            const uint8_t* q = p.mem.ptr(va, 8);
            if (q == nullptr) {
                return false;
            }
            memcpy(&v, q, 8);
            return true;
        }
        bool cmpxchg32(uint64_t va, uint32_t expected, uint32_t desired, uint32_t& actual) {
            uint32_t* w = user_word(p, va);
            if (w == nullptr) {
                return false;
            }
            actual = expected;
            if (!__atomic_compare_exchange_n(w, &actual, desired, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE)) {
                return true; // actual holds what is there
            }
            actual = expected;
            return true;
        }
    } mem{*self.process};
    Process& p = *self.process;
    robust_list_cleanup(mem, self.robust_list, self.tid,
                        [&p](uint64_t word) { (void)futex_wake(p, word, BITSET_ANY, 1); });
}

// Linux's order: the timeout (EINVAL, then ENOSYS for a clock the op does not take), the arguments
// (futex_check), then the words (EFAULT) and their values (EAGAIN).
SysRet sys_futex(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    const uint64_t uaddr = call.arg[0];
    const uint64_t uaddr2 = call.arg[4];
    const FutexCmd cmd = FutexCmd::decode(static_cast<int>(call.arg[1]));
    const auto val = static_cast<uint32_t>(call.arg[2]);
    const auto val2 = static_cast<uint32_t>(call.arg[3]); // a count for the requeues and WAKE_OP
    const auto val3 = static_cast<uint32_t>(call.arg[5]);
    uint64_t deadline_ns = FUTEX_NO_DEADLINE;
    uint64_t mono = 0;
    FutexTimespec ts{};
    const bool timed = call.arg[3] != 0 && futex_has_timeout(cmd.op);
    if (timed) {
        const uint8_t* t = p.mem.ptr(call.arg[3], 16);
        if (t == nullptr) {
            return -EFAULT;
        }
        memcpy(&ts.sec, t, 8);
        memcpy(&ts.nsec, t + 8, 8);
    }
    uint64_t real = 0;
    (void)clock_now(p.clocks, 1, mono); // CLOCK_MONOTONIC
    (void)clock_now(p.clocks, 0, real); // CLOCK_REALTIME
    if (const int64_t e = futex_deadline(cmd, timed ? &ts : nullptr, mono, real, deadline_ns); e != 0) {
        return e;
    }
    if (const int64_t e = futex_check(cmd, uaddr, uaddr2, val, val2, val3); e != 0) {
        return e;
    }
    switch (cmd.op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint64_t deadline_tsc = 0; // none
        if (deadline_ns != static_cast<uint64_t>(FUTEX_NO_DEADLINE)) {
            deadline_tsc = deadline_ns > mono ? tsc_after_ns(deadline_ns - mono) : 1;
        }
        return futex_wait(self, uaddr, val, cmd.op == FUTEX_WAIT ? BITSET_ANY : val3, deadline_tsc);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        const int n = val > 0x7fffffffu ? 0x7fffffff : static_cast<int>(val);
        return futex_wake(p, uaddr, cmd.op == FUTEX_WAKE ? BITSET_ANY : val3, n);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        uint32_t* from = user_word(p, uaddr);
        if (from == nullptr || user_word(p, uaddr2) == nullptr) {
            return -EFAULT;
        }
        const LockGuard g(g_futex_lock);
        if (cmd.op == FUTEX_CMP_REQUEUE && __atomic_load_n(from, __ATOMIC_ACQUIRE) != val3) {
            return -EAGAIN;
        }
        return g_queues.requeue(uaddr, uaddr2, static_cast<int>(val), static_cast<int>(val2), wake_thread);
    }
    case FUTEX_WAKE_OP: {
        uint32_t* word2 = user_word(p, uaddr2);
        if (user_word(p, uaddr) == nullptr || word2 == nullptr) {
            return -EFAULT;
        }
        const LockGuard g(g_futex_lock);
        bool cmp = false;
        if (const int64_t e = wake_op_update(word2, val3, cmp); e != 0) {
            return e;
        }
        int woken = g_queues.wake(uaddr, BITSET_ANY, static_cast<int>(val), wake_thread);
        if (cmp) {
            woken += g_queues.wake(uaddr2, BITSET_ANY, static_cast<int>(val2), wake_thread);
        }
        return woken;
    }
    default:
        return -ENOSYS; // futex_check let through only what is above
    }
}

} // namespace ck
