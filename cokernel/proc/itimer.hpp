#pragma once
// The process's real-time interval timer (docs/run.md, "Signals"): alarm, setitimer and getitimer of
// ITIMER_REAL. Its deadline is a TSC value served by CPU 0's timer (proc/sched.hpp); when it passes, CPU 0's
// timer interrupt sends SIGALRM to the process and, for an interval timer, sets the next deadline.
#include <stdint.h>

namespace ck {

struct Process;

struct IntervalTimer {
    uint64_t deadline_tsc = 0; // 0: disarmed
    uint64_t interval_ns = 0;  // 0: one shot
};

// value_ns 0 disarms. The old remaining time and interval come back in old_value_ns, old_interval_ns.
void itimer_set(Process& p, uint64_t value_ns, uint64_t interval_ns, uint64_t& old_value_ns,
                uint64_t& old_interval_ns);
void itimer_get(Process& p, uint64_t& value_ns, uint64_t& interval_ns);
// The job's end: the timer goes with it.
void itimer_cancel(Process& p);
// CPU 0's timer interrupt, its deadline passed (sched.cpp).
void itimer_expired();

} // namespace ck
