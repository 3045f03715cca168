// The real-time interval timer (proc/itimer.hpp).
#include "itimer.hpp"

#include "cpu.hpp"
#include "kernel.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "signal.hpp"

namespace ck {
namespace {

Process* g_timer_process = nullptr; // the process whose timer CPU 0 serves (one job per enclave)

uint64_t ns_until(uint64_t deadline_tsc) {
    const uint64_t now = arch::rdtsc();
    if (deadline_tsc <= now) {
        return 1; // due: Linux reports a timer that is about to fire as 1 ns left, never as disarmed
    }
    const uint64_t khz = boot_params().tsc_khz;
    const uint64_t ticks = deadline_tsc - now;
    return ticks / khz * 1000000u + ticks % khz * 1000000u / khz;
}

} // namespace

void itimer_set(Process& p, uint64_t value_ns, uint64_t interval_ns, uint64_t& old_value_ns,
                uint64_t& old_interval_ns) {
    p.lock.lock();
    old_value_ns = p.itimer.deadline_tsc != 0 ? ns_until(p.itimer.deadline_tsc) : 0;
    old_interval_ns = p.itimer.interval_ns;
    p.itimer.deadline_tsc = value_ns != 0 ? tsc_after_ns(value_ns) : 0;
    p.itimer.interval_ns = value_ns != 0 ? interval_ns : 0;
    const uint64_t deadline = p.itimer.deadline_tsc;
    __atomic_store_n(&g_timer_process, &p, __ATOMIC_RELEASE);
    p.lock.unlock();
    sched_set_cpu0_deadline(deadline);
}

void itimer_get(Process& p, uint64_t& value_ns, uint64_t& interval_ns) {
    p.lock.lock();
    value_ns = p.itimer.deadline_tsc != 0 ? ns_until(p.itimer.deadline_tsc) : 0;
    interval_ns = p.itimer.interval_ns;
    p.lock.unlock();
}

void itimer_cancel(Process& p) {
    p.lock.lock();
    p.itimer = IntervalTimer{};
    p.lock.unlock();
    sched_set_cpu0_deadline(0);
}

void itimer_expired() {
    Process* p = __atomic_load_n(&g_timer_process, __ATOMIC_ACQUIRE);
    if (p == nullptr) {
        return;
    }
    p->lock.lock();
    const bool live = p->running && !p->exiting && p->itimer.deadline_tsc != 0;
    uint64_t next = 0;
    if (live && p->itimer.interval_ns != 0) {
        next = p->itimer.deadline_tsc + (tsc_after_ns(p->itimer.interval_ns) - arch::rdtsc());
        if (next <= arch::rdtsc()) {
            next = tsc_after_ns(p->itimer.interval_ns); // fell behind: from now, no burst of signals
        }
    }
    if (live) {
        p->itimer.deadline_tsc = next;
    }
    p->lock.unlock();
    if (!live) {
        return;
    }
    if (next != 0) {
        sched_set_cpu0_deadline(next);
    }
    sig::SigInfo si{};
    si.signo = sig::SIGALRM;
    si.code = sig::SI_KERNEL;
    (void)signal_send_process(*p, si);
}

} // namespace ck
