// Clocks and sleeps (docs/run.md, "What is native"): the proxy read CLOCK_REALTIME, CLOCK_MONOTONIC and the
// TSC at one instant; the TSC (invariant and synchronised across CPUs, as Linux also assumes when it uses it
// as its clocksource) runs on from there.
#include "clocks.hpp"
#include "cpu.hpp"
#include "cpu_time.hpp"
#include "errno.hpp"
#include "handlers.hpp"
#include "kernel.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "sched.hpp"
#include "thread.hpp"
#include "user_copy.hpp"

namespace ck {
namespace {

constexpr uint64_t NS = 1000000000;

uint64_t ns_since(uint64_t tsc_then) {
    return tsc_ticks_ns(arch::rdtsc() - tsc_then);
}

} // namespace

bool clock_now(const Clocks& c, uint64_t clk, uint64_t& ns) {
    switch (clk) {
    case 0:  // CLOCK_REALTIME
    case 5:  // CLOCK_REALTIME_COARSE
    case 8:  // CLOCK_REALTIME_ALARM (readable by anyone; only its timers need CAP_WAKE_ALARM)
    case 11: // CLOCK_TAI (no leap-second offset here)
        ns = c.realtime_ns + ns_since(c.tsc_base);
        return true;
    case 1: // CLOCK_MONOTONIC
    case 4: // CLOCK_MONOTONIC_RAW
    case 6: // CLOCK_MONOTONIC_COARSE
    case 7: // CLOCK_BOOTTIME
    case 9: // CLOCK_BOOTTIME_ALARM
        ns = c.monotonic_ns + ns_since(c.tsc_base);
        return true;
    default: // the CPU-time clocks are cpu_clock_now's
        return false;
    }
}

bool cpu_clock_now(Thread& self, uint64_t clk, uint64_t& ns) {
    const int32_t id = static_cast<int32_t>(clk);
    if (clk == 2) { // CLOCK_PROCESS_CPUTIME_ID
        ns = tsc_ticks_ns(process_cpu_tsc(*self.process));
        return true;
    }
    if (clk == 3) { // CLOCK_THREAD_CPUTIME_ID
        ns = tsc_ticks_ns(thread_cpu_tsc(self));
        return true;
    }
    // clock_getcpuclockid / pthread_getcpuclockid: ~pid << 3, bit 2 per thread, bits 0-1 which (PROF, VIRT,
    // SCHED: one count here); 3 there is a file descriptor's clock (none here). Linux takes only the caller's
    // threads for a thread clock; a process clock here only the job's own (it sees no other process).
    if (clk != static_cast<uint64_t>(static_cast<int64_t>(id)) || id >= 0 || (id & 3) == 3) {
        return false;
    }
    const uint32_t pid = static_cast<uint32_t>(~(id >> 3));
    if ((id & 4) != 0) {
        const Thread* t = pid == 0 ? &self : self.process->find_thread(pid);
        if (t == nullptr) {
            return false;
        }
        ns = tsc_ticks_ns(thread_cpu_tsc(*t));
        return true;
    }
    if (pid != 0 && pid != self.process->id.pid) {
        return false;
    }
    ns = tsc_ticks_ns(process_cpu_tsc(*self.process));
    return true;
}

namespace {

// Blocks the thread until clock clk reaches deadline_ns (its CPU runs others or halts meanwhile; its timer
// wakes it). Every clock here runs from the TSC, so the deadline is a TSC value.
// False when a signal interrupted it.
bool sleep_until(const Clocks& c, uint64_t clk, uint64_t deadline_ns) {
    uint64_t now = 0;
    if (clock_now(c, clk, now) && now < deadline_ns) {
        return sched_sleep_until(tsc_after_ns(deadline_ns - now));
    }
    return true;
}

// A signal handled during the sleep: EINTR, and for a relative sleep the time left in rem (when not NULL);
// an absolute one restarts if no handler ran (Linux: -ERESTARTNOHAND).
int64_t clock_nanosleep(const Process& p, uint64_t clk, uint64_t flags, uint64_t req, uint64_t rem) {
    constexpr uint64_t TIMER_ABSTIME = 1;
    const uint8_t* ts = p.mem.ptr(req, 16);
    if (ts == nullptr) {
        return -EFAULT;
    }
    int64_t sec = 0;
    int64_t nsec = 0;
    memcpy(&sec, ts, 8);
    memcpy(&nsec, ts + 8, 8);
    uint64_t now = 0;
    if (sec < 0 || nsec < 0 || static_cast<uint64_t>(nsec) >= NS || clk == 2 || clk == 3 ||
        !clock_now(p.clocks, clk, now)) {
        return -EINVAL;
    }
    const uint64_t span = static_cast<uint64_t>(sec) * NS + static_cast<uint64_t>(nsec);
    const bool absolute = (flags & TIMER_ABSTIME) != 0;
    const uint64_t deadline = absolute ? span : now + span;
    if (sleep_until(p.clocks, clk, deadline)) {
        return 0;
    }
    if (absolute) {
        return -sig::ERESTARTNOHAND;
    }
    uint64_t later = 0;
    (void)clock_now(p.clocks, clk, later);
    const uint64_t left = deadline > later ? deadline - later : 0;
    if (rem != 0 && !put_pair(p.mem, rem, left / NS, left % NS)) {
        return -EFAULT;
    }
    return -EINTR;
}

} // namespace

SysRet sys_clock_gettime(Thread& self, const Syscall& call) {
    const Process& p = *self.process;
    uint64_t ns = 0;
    return !clock_now(p.clocks, call.arg[0], ns) && !cpu_clock_now(self, call.arg[0], ns) ? -EINVAL
           : put_pair(p.mem, call.arg[1], ns / NS, ns % NS)                               ? 0
                                                                                          : -EFAULT;
}

// Every clock here counts from the TSC: 1 ns (Linux gives its tick for the coarse clocks).
SysRet sys_clock_getres(Thread& self, const Syscall& call) {
    const Process& p = *self.process;
    uint64_t ns = 0;
    if (!clock_now(p.clocks, call.arg[0], ns) && !cpu_clock_now(self, call.arg[0], ns)) {
        return -EINVAL;
    }
    return call.arg[1] == 0 || put_pair(p.mem, call.arg[1], 0, 1) ? 0 : -EFAULT;
}

SysRet sys_gettimeofday(Thread& self, const Syscall& call) {
    const Process& p = *self.process;
    uint64_t ns = 0;
    (void)clock_now(p.clocks, 0, ns);
    int64_t ret = call.arg[0] == 0 || put_pair(p.mem, call.arg[0], ns / NS, ns % NS / 1000) ? 0 : -EFAULT;
    if (ret == 0 && !zero_out(p.mem, call.arg[1], 8)) {
        ret = -EFAULT;
    }
    return ret;
}

SysRet sys_time(Thread& self, const Syscall& call) {
    const Process& p = *self.process;
    uint64_t ns = 0;
    (void)clock_now(p.clocks, 0, ns);
    const uint64_t sec = ns / NS;
    uint8_t* out = call.arg[0] != 0 ? p.mem.ptr(call.arg[0], 8) : nullptr;
    if (out != nullptr) {
        memcpy(out, &sec, 8);
    }
    return call.arg[0] != 0 && out == nullptr ? -EFAULT : static_cast<int64_t>(sec);
}

SysRet sys_nanosleep(Thread& self, const Syscall& call) {
    return clock_nanosleep(*self.process, 1, 0, call.arg[0], call.arg[1]);
}

// Returns the error, not -1/errno, as Linux's clock_nanosleep does.
SysRet sys_clock_nanosleep(Thread& self, const Syscall& call) {
    return clock_nanosleep(*self.process, call.arg[0], call.arg[1], call.arg[2], call.arg[3]);
}

} // namespace ck
