#pragma once
// CPU time (getrusage, times, the CPU-time clocks): the TSC ticks each thread spends on an enclave CPU, taken
// at every switch (proc/sched.cpp), less its waits for the proxy: a thread blocked in a delegated read uses
// no CPU on Linux, though here it polls its channel. No user/system split: the co-kernel's own work for a
// thread (native syscalls, faults) counts as its user time, as the job owns its CPU.
#include "cpu.hpp"
#include "kernel.hpp"
#include "process.hpp"
#include "thread.hpp"

#include <stdint.h>

namespace ck {

// TSC ticks in ns, at the TSC rate the module measured (no overflow: ticks % khz < 2^32).
inline uint64_t tsc_ticks_ns(uint64_t ticks) {
    const uint64_t khz = boot_params().tsc_khz;
    return ticks / khz * 1000000u + ticks % khz * 1000000u / khz;
}

// t's CPU time in TSC ticks so far; t may be running on another CPU (its fields are read atomically).
inline uint64_t thread_cpu_tsc(const Thread& t) {
    const uint64_t since = __atomic_load_n(&t.on_cpu_tsc, __ATOMIC_ACQUIRE);
    const uint64_t now = arch::rdtsc();
    const uint64_t ran =
        __atomic_load_n(&t.cpu_tsc, __ATOMIC_RELAXED) + (since != 0 && now > since ? now - since : 0);
    const uint64_t waited = __atomic_load_n(&t.proxy_wait_tsc, __ATOMIC_RELAXED);
    return ran > waited ? ran - waited : 0;
}

// t leaves its CPU at TSC now (switch_to).
inline void thread_cpu_off(Thread& t, uint64_t now) {
    if (t.on_cpu_tsc != 0 && now > t.on_cpu_tsc) {
        __atomic_store_n(&t.cpu_tsc, t.cpu_tsc + (now - t.on_cpu_tsc), __ATOMIC_RELAXED);
    }
    __atomic_store_n(&t.on_cpu_tsc, uint64_t{0}, __ATOMIC_RELEASE);
}

// ticks of self's time on its CPU were a wait for the proxy.
inline void thread_cpu_exclude(Thread& self, uint64_t ticks) {
    __atomic_store_n(&self.proxy_wait_tsc, self.proxy_wait_tsc + ticks, __ATOMIC_RELAXED);
}

// The process's CPU time in TSC ticks: its ended threads' and its live ones'.
inline uint64_t process_cpu_tsc(Process& p) {
    p.lock.lock();
    uint64_t sum = p.ended_cpu_tsc;
    for (const Thread& t : p.threads) {
        const ThreadState st = __atomic_load_n(&t.state, __ATOMIC_ACQUIRE);
        if (st != ThreadState::unused && st != ThreadState::exited) {
            sum += thread_cpu_tsc(t);
        }
    }
    p.lock.unlock();
    return sum;
}

} // namespace ck
