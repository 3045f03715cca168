// The CPUs as the job sees them (docs/run.md, "Threads and CPUs"): the enclave's CPUs are CPUs 0..n-1,
// affinity masks name them, getcpu says which one runs the caller, sched_yield gives it to the next thread
// waiting for it. Every thread is SCHED_OTHER at priority 0 with the co-kernel's 10 ms slice; the policy
// getters say so, with Linux's errnos (a pid the job does not have: ESRCH).
#include "errno.hpp"
#include "handlers.hpp"
#include "job.hpp"
#include "mem.hpp"
#include "percpu.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "thread.hpp"
#include "user_copy.hpp"

namespace ck {
namespace {

// pid 0: the caller; otherwise a live thread of the job by tid (the pid is the first thread's tid).
Thread* find_thread(Thread& self, uint64_t pid) {
    return pid == 0 ? &self : self.process->find_thread(pid);
}

// Linux's cpumask size for nr_cpu_ids = the enclave's CPUs: whole longs.
uint64_t mask_bytes() {
    return (cpu_count() + 63) / 64 * 8;
}

} // namespace

SysRet sys_sched_yield(Thread&, const Syscall&) {
    sched_yield();
    return 0;
}

// As Linux: the buffer must hold nr_cpu_ids bits in whole longs; returns the bytes written.
SysRet sys_sched_getaffinity(Thread& self, const Syscall& call) {
    const uint64_t len = call.arg[1];
    if (len * 8 < cpu_count() || (len & 7) != 0) {
        return -EINVAL;
    }
    const Thread* t = find_thread(self, call.arg[0]);
    if (t == nullptr) {
        return -ESRCH;
    }
    const uint64_t n = mask_bytes();
    uint8_t* out = self.process->mem.ptr(call.arg[2], n);
    if (out == nullptr) {
        return -EFAULT;
    }
    const uint64_t mask = t->affinity;
    memset(out, 0, n);
    memcpy(out, &mask, 8);
    return static_cast<int64_t>(n);
}

// Bits beyond the enclave's CPUs are ignored; a mask with none of them is EINVAL. The thread moves at its
// next return to ring 3 when its CPU is no longer allowed.
SysRet sys_sched_setaffinity(Thread& self, const Syscall& call) {
    uint64_t len = call.arg[1];
    Thread* t = find_thread(self, call.arg[0]);
    if (t == nullptr) {
        return -ESRCH;
    }
    if (len > 8) {
        len = 8;
    }
    uint64_t mask = 0;
    if (len != 0) {
        const uint8_t* in = self.process->mem.ptr(call.arg[2], len);
        if (in == nullptr) {
            return -EFAULT;
        }
        memcpy(&mask, in, len);
    }
    mask &= all_cpus();
    if (mask == 0) {
        return -EINVAL;
    }
    __atomic_store_n(&t->affinity, mask, __ATOMIC_RELEASE);
    if (t != &self && (mask & (uint64_t{1} << t->cpu)) == 0) {
        sched_kick(t->cpu); // it moves on its way back to ring 3
    }
    return 0;
}

// One NUMA node as the job sees it; the cache argument is ignored, as on Linux.
SysRet sys_getcpu(Thread& self, const Syscall& call) {
    const uint32_t cpu = this_cpu().index;
    const uint32_t node = 0;
    if (call.arg[0] != 0) {
        uint8_t* p = self.process->mem.ptr(call.arg[0], 4);
        if (p == nullptr) {
            return -EFAULT;
        }
        memcpy(p, &cpu, 4);
    }
    if (call.arg[1] != 0) {
        uint8_t* p = self.process->mem.ptr(call.arg[1], 4);
        if (p == nullptr) {
            return -EFAULT;
        }
        memcpy(p, &node, 4);
    }
    return 0;
}

namespace {

constexpr int64_t SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5,
                  SCHED_DEADLINE = 6;
constexpr uint64_t SLICE_NS = 10000000; // proc/sched.cpp's time slice

// Linux's order: a negative pid is EINVAL, then the thread must exist (ESRCH).
int64_t check_pid(Thread& self, uint64_t pid) {
    if (static_cast<int32_t>(pid) < 0) {
        return -EINVAL;
    }
    return find_thread(self, static_cast<uint32_t>(pid)) != nullptr ? 0 : -ESRCH;
}

} // namespace

SysRet sys_sched_getscheduler(Thread& self, const Syscall& call) {
    const int64_t err = check_pid(self, call.arg[0]);
    return err != 0 ? err : SCHED_OTHER;
}

SysRet sys_sched_getparam(Thread& self, const Syscall& call) {
    if (call.arg[1] == 0 && static_cast<int32_t>(call.arg[0]) >= 0) {
        return -EINVAL;
    }
    if (const int64_t err = check_pid(self, call.arg[0]); err != 0) {
        return err;
    }
    uint8_t* out = self.process->mem.ptr(call.arg[1], 4);
    if (out == nullptr) {
        return -EFAULT;
    }
    memset(out, 0, 4); // sched_priority 0: SCHED_OTHER's only one
    return 0;
}

SysRet sys_sched_rr_get_interval(Thread& self, const Syscall& call) {
    if (const int64_t err = check_pid(self, call.arg[0]); err != 0) {
        return err;
    }
    return put_pair(self.process->mem, call.arg[1], 0, SLICE_NS) ? 0 : -EFAULT;
}

// The priority range of each policy Linux has, whatever this one runs.
SysRet sys_sched_get_priority_max(Thread&, const Syscall& call) {
    const int64_t policy = static_cast<int32_t>(call.arg[0]);
    return policy == SCHED_FIFO || policy == SCHED_RR ? 99
           : policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
                   policy == SCHED_DEADLINE
               ? 0
               : -EINVAL;
}

SysRet sys_sched_get_priority_min(Thread&, const Syscall& call) {
    const int64_t policy = static_cast<int32_t>(call.arg[0]);
    return policy == SCHED_FIFO || policy == SCHED_RR ? 1
           : policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
                   policy == SCHED_DEADLINE
               ? 0
               : -EINVAL;
}

} // namespace ck
