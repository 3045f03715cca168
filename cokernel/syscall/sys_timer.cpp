// alarm, setitimer and getitimer (docs/run.md, "Signals"): the process's ITIMER_REAL (proc/itimer.hpp),
// which sends SIGALRM. ITIMER_VIRTUAL and ITIMER_PROF (CPU-time timers) are not there: EINVAL.
#include "errno.hpp"
#include "handlers.hpp"
#include "itimer.hpp"
#include "mem.hpp"
#include "process.hpp"
#include "thread.hpp"

namespace ck {
namespace {

constexpr uint64_t ITIMER_REAL = 0;
constexpr uint64_t NS = 1000000000, US = 1000;

// struct itimerval: {interval, value}, each a timeval {sec, usec}.
bool read_timeval(const uint8_t* p, uint64_t& ns) {
    int64_t sec = 0, usec = 0;
    memcpy(&sec, p, 8);
    memcpy(&usec, p + 8, 8);
    if (sec < 0 || usec < 0 || usec >= 1000000) {
        return false;
    }
    ns = static_cast<uint64_t>(sec) * NS + static_cast<uint64_t>(usec) * US;
    return true;
}

// Linux's ns_to_timeval: microseconds rounded up, so a timer with time left never reads as disarmed.
void write_timeval(uint8_t* p, uint64_t ns) {
    const uint64_t us = (ns + US - 1) / US;
    const uint64_t sec = us / 1000000, usec = us % 1000000;
    memcpy(p, &sec, 8);
    memcpy(p + 8, &usec, 8);
}

bool write_itimerval(const Process& p, uint64_t addr, uint64_t value_ns, uint64_t interval_ns) {
    uint8_t* u = p.mem.ptr(addr, 32);
    if (u == nullptr) {
        return false;
    }
    write_timeval(u, interval_ns);
    write_timeval(u + 16, value_ns);
    return true;
}

} // namespace

SysRet sys_setitimer(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    if (call.arg[0] != ITIMER_REAL) {
        return -EINVAL;
    }
    uint64_t value = 0, interval = 0;
    if (call.arg[1] != 0) { // NULL disarms, as on Linux
        const uint8_t* u = p.mem.ptr(call.arg[1], 32);
        if (u == nullptr) {
            return -EFAULT;
        }
        if (!read_timeval(u, interval) || !read_timeval(u + 16, value)) {
            return -EINVAL;
        }
    }
    if (call.arg[2] != 0 && p.mem.ptr(call.arg[2], 32) == nullptr) {
        return -EFAULT;
    }
    uint64_t old_value = 0, old_interval = 0;
    itimer_set(p, value, interval, old_value, old_interval);
    return call.arg[2] == 0 || write_itimerval(p, call.arg[2], old_value, old_interval) ? 0 : -EFAULT;
}

SysRet sys_getitimer(Thread& self, const Syscall& call) {
    Process& p = *self.process;
    if (call.arg[0] != ITIMER_REAL) {
        return -EINVAL;
    }
    uint64_t value = 0, interval = 0;
    itimer_get(p, value, interval);
    return write_itimerval(p, call.arg[1], value, interval) ? 0 : -EFAULT;
}

// alarm(seconds): a one-shot ITIMER_REAL; the old one's seconds left, rounded as Linux's alarm_setitimer does
// (up from half a second, and at least 1 while any time is left).
SysRet sys_alarm(Thread& self, const Syscall& call) {
    const uint64_t seconds = call.arg[0] & 0xffffffffu;
    uint64_t old_value = 0, old_interval = 0;
    itimer_set(*self.process, seconds * NS, 0, old_value, old_interval);
    const uint64_t us = (old_value + US - 1) / US;
    uint64_t sec = us / 1000000;
    const uint64_t usec = us % 1000000;
    if ((sec == 0 && usec != 0) || usec >= 500000) {
        ++sec;
    }
    return static_cast<int64_t>(sec);
}

} // namespace ck
